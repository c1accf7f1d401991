"""The architecture page driven by AppTest: presets, URL, edits, shape errors and their fixes, languages."""

import json

import pytest

from core.i18n import t
from core.modelspec import MAX_LAYERS
from core.presets import PRESETS
from core.summary import summarize
from ui import keys
from ui.layer_editor import ADD_AT_ONCE

PAGE = "pages/architecture.py"


def _metric(at, label_key: str, lang: str = "en") -> str:
    label = t(label_key, lang)
    return next(m.value for m in at.metric if m.label == label)


def _table(at):
    """Return the per-layer table as plain text (the page writes code cells in Markdown backticks)."""
    return at.table[0].value.map(lambda cell: str(cell).strip("`"))


def _editor_key(at) -> str:
    return at.data_editor[0].key


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_renders_its_table_without_exception(app, key):
    at = app(PAGE, preset=key)
    assert not at.exception
    assert at.selectbox(key="arch.preset").value == key
    summary = summarize(PRESETS[key].spec)
    table = _table(at)
    assert len(table) == len(summary.rows) + (summary.problem is not None)  # the failing layer ends the table
    assert bool(at.error) == (summary.problem is not None)
    if summary.problem is not None:
        assert table.iloc[-1][t("arch.col_name")] == summary.problem.layer_name


@pytest.mark.parametrize(("key", "params"), [("lenet", "61,706"), ("cifar10_sequential", "145,578")])
def test_total_parameters_metric_shows_the_golden_count(app, key, params):
    at = app(PAGE, preset=key)
    assert _metric(at, "arch.params") == params
    assert _metric(at, "arch.frozen") == "0"


def test_alexnet_as_written_shows_its_error_and_two_fixes_make_it_run(app):
    at = app(PAGE, preset="alexnet_as_written")
    assert "`conv5`" in at.error[0].value and "383" in at.error[0].value
    assert _metric(at, "arch.output_shape") == "—"
    assert any("typo" in i.value for i in at.info)
    at.button(key="arch.fix").click().run()
    assert not at.exception
    assert "`fc3`" in at.error[0].value and "4086" in at.error[0].value
    at.button(key="arch.fix").click().run()
    assert not at.exception
    assert not at.error
    assert _metric(at, "arch.output_shape") == "10"
    assert _table(at).iloc[-1][t("arch.col_output")] == "[1, 10]"


def test_alexnet_error_is_shown_in_chinese(app):
    at = app(PAGE, preset="alexnet_as_written")
    at.segmented_control(key="lang").set_value("zh").run()
    assert at.error[0].value.startswith("第 11 层 `conv5`")
    assert at.button(key="arch.fix").label == "应用修正"


def test_link_selects_the_preset_and_input_shape(app):
    at = app(PAGE, preset="lenet", input="1x28x28")
    assert at.selectbox(key="arch.preset").value == "lenet"
    assert at.text_input(key="arch.input").value == "1x28x28"
    assert _table(at).iloc[0][t("arch.col_output")] == "[1, 6, 24, 24]"
    assert "`fc1`" in at.error[0].value and "256" in at.error[0].value  # 16*4*4, not 16*5*5


def test_mistyped_preset_in_the_link_warns_and_suggests_the_closest(app):
    at = app(PAGE, preset="lenett", input="banana")
    warnings = " ".join(w.value for w in at.warning)
    assert "preset=lenett" in warnings and "`lenet`" in warnings
    assert "`banana`" in warnings and "1x32x32" in warnings
    assert at.selectbox(key="arch.preset").value == "lenet"
    assert _metric(at, "arch.params") == "61,706"


def test_choosing_a_preset_replaces_the_model_and_the_link(app):
    at = app(PAGE, preset="lenet")
    at.selectbox(key="arch.preset").set_value("mlp").run()
    assert _metric(at, "arch.params") == f"{784 * 256 + 256 + 256 * 10 + 10:,}"
    assert at.query_params["preset"] in ("mlp", ["mlp"])
    assert at.text_input(key="arch.input").value == "784"


def test_a_rerun_that_still_carries_the_address_from_before_the_last_change_keeps_the_change(app):
    """The browser sends its address with every rerun; one sent before it had the page's last write undoes nothing."""
    at = app(PAGE, preset="lenet")
    before = dict(at.query_params)
    at.selectbox(key="arch.preset").set_value("mlp").run()
    at.selectbox(key="arch.init").set_value("xavier")  # clicked before the browser had the new address
    at.query_params.clear()
    at.query_params.update(before)
    at.run()
    assert at.selectbox(key="arch.preset").value == "mlp" and at.text_input(key="arch.input").value == "784"
    assert at.selectbox(key="arch.init").value == "xavier"
    assert at.query_params["preset"] in ("mlp", ["mlp"])  # the address is put right


def test_a_language_switch_is_kept_when_the_next_rerun_carries_the_old_address(app):
    at = app(PAGE, preset="lenet")
    at.segmented_control(key="lang").set_value("zh").run()
    at.query_params["lang"] = "en"  # the address from before the switch
    at.run()
    assert at.session_state["lang"] == "zh" and at.query_params["lang"] in ("zh", ["zh"])


def test_a_link_from_another_page_is_read_even_when_it_names_an_earlier_setting(app):
    at = app(PAGE, preset="lenet")
    at.selectbox(key="arch.preset").set_value("mlp").run()
    at.switch_page("pages/training.py").run()
    at.switch_page(PAGE)
    at.query_params.clear()
    at.query_params.update(preset="lenet")  # the Training page's "see the layers" link
    at.run()
    assert at.selectbox(key="arch.preset").value == "lenet" and _metric(at, "arch.params") == "61,706"


def test_editing_conv1_in_the_layer_table_changes_the_table_and_explains_the_mismatch(app):
    at = app(PAGE, preset="lenet")
    edits = {
        "edited_rows": {0: {"args": "in_channels=1, out_channels=8, kernel_size=5"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.session_state[_editor_key(at)] = edits
    at.run()
    assert not at.exception
    assert _table(at).iloc[0][t("arch.col_output")] == "[1, 8, 28, 28]"
    shown = at.error[0].value.replace("\\", "")  # Markdown: the numbers' brackets and "_" are escaped
    assert "`conv2`" in shown and "in_channels=8" in shown
    at.button(key="arch.fix").click().run()
    assert not at.error
    assert json.loads(json.dumps(at.session_state["arch.spec"]))["layers"][3]["args"]["in_channels"] == 8


def test_unreadable_arguments_name_the_row_instead_of_failing(app):
    at = app(PAGE, preset="lenet")
    edits = {
        "edited_rows": {3: {"args": "in_channels=6, out_channels=16, kernel_size="}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.session_state[_editor_key(at)] = edits
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("Row 4:")
    assert _metric(at, "arch.params") == "61,706"  # the last good model is still shown


def test_rows_added_one_at_a_time_in_the_layer_table_all_reach_the_model(app):
    # Streamlit appends every row added to a table on every rerun (about 2 ms a row): the table folds
    # them into the model every ADD_AT_ONCE // 2 rows and starts afresh, and the student loses none
    at = app(PAGE, preset="lenet")
    table_key, layers, folds = _editor_key(at), len(at.session_state["arch.spec"]["layers"]), 0
    added: list[dict] = []
    for count in range(1, ADD_AT_ONCE + 3):
        key = _editor_key(at)
        if key != table_key:  # folded: the new table holds every row added so far
            table_key, added, folds = key, [], folds + 1
        # as a browser sends it: "+" adds an empty row (the model leaves it out, the table keeps it)...
        at.session_state[key] = {"edited_rows": {}, "added_rows": [*added, {}], "deleted_rows": []}
        at.run()
        assert _editor_key(at) == key and len(at.session_state["arch.spec"]["layers"]) == layers + count - 1
        added.append({"type": "ReLU", "args": "", "name": None})  # ... then its type is chosen
        at.session_state[key] = {"edited_rows": {}, "added_rows": list(added), "deleted_rows": []}
        at.run()
        assert not at.exception and not at.warning
        assert len(at.session_state["arch.spec"]["layers"]) == layers + count
        assert len(_table(at)) == layers + count
    assert folds == 2  # after rows 8 and 16: no rerun appends more than 8


def test_a_row_deleted_from_a_table_at_the_layer_limit_leaves_the_model(app):
    # a table of MAX_LAYERS rows takes no new row, but it is not a fixed editor: deleting still works
    at = app(PAGE, preset="lenet")
    spec = dict(at.session_state["arch.spec"])
    relu = {"type": "ReLU", "args": {}}
    spec["layers"] = [*spec["layers"], *[relu] * (MAX_LAYERS - len(spec["layers"]))]
    at.session_state["arch.spec"], at.session_state["arch.editor_v"] = spec, 99
    at.run()
    assert len(_table(at)) == MAX_LAYERS
    at.session_state[_editor_key(at)] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [MAX_LAYERS - 1]}
    at.run()
    assert not at.exception
    assert len(at.session_state["arch.spec"]["layers"]) == MAX_LAYERS - 1


def test_adding_a_layer_with_the_form_grows_the_table_by_one_row(app):
    at = app(PAGE, preset="cnn_typical")
    rows = len(_table(at))
    at.selectbox(key="arch.add_type").set_value("Dropout").run()
    at.button(key="arch.add").click().run()
    assert not at.exception
    table = _table(at)
    assert len(table) == rows + 1
    assert table.iloc[-1][t("arch.col_layer")] == "Dropout(p=0.5)"


def test_a_conv_added_after_lenets_linear_layers_is_named_in_code_and_counted(app):
    at = app(PAGE, preset="lenet")
    at.button(key="arch.add").click().run()  # the form's default, a Conv2d, at the end: after Linear(84, 10)
    cell = at.table[0].value.iloc[-1][t("arch.col_calculation")]
    assert cell.startswith("⚠ Layer 13 `conv3` (") and "\\`" not in cell  # a code span, not escaped backticks
    assert "`conv3`" in at.error[0].value and "\\`" not in at.error[0].value
    assert any(c.value.startswith("Input [1, 1, 32, 32] (batch of 1); 13 layers.") for c in at.caption)


def test_a_conv_added_at_the_end_of_an_empty_model_fits_its_input(app):
    at = app(PAGE, preset="empty", input="3x32x32")
    assert len(_table(at)) == 0
    at.button(key="arch.add").click().run()
    assert not at.error
    assert _table(at).iloc[0][t("arch.col_layer")] == "Conv2d(3, 16, kernel_size=3, padding=1)"


def _picker(at):
    """The selected-layer picker (its key changes with every new model)."""
    (picker,) = [s for s in at.selectbox if s.key.startswith("arch.selected.")]
    return picker


def test_moving_a_layer_down_reorders_the_model(app):
    at = app(PAGE, preset="lenet")
    _picker(at).set_value(1).run()  # relu1
    at.button(key="arch.down").click().run()
    names = list(_table(at)[t("arch.col_name")][:3])
    assert names == ["conv1", "pool1", "relu1"]
    assert _picker(at).value == 2


def test_after_switching_the_model_the_layer_picker_names_a_layer_of_the_new_one(app):
    at = app(PAGE, preset="lenet")
    _picker(at).set_value(9).run()  # fc2 of LeNet
    at.selectbox(key="arch.preset").set_value("mlp").run()
    assert not at.exception
    picker = _picker(at)
    assert picker.value == 0 and picker.options[0].startswith("1 · hidden")


def _open_tab(at, label_key: str):
    at.session_state["arch.tabs"] = t(label_key)
    return at.run()


def test_initialisation_choice_is_recorded_in_the_spec_and_the_code(app):
    at = app(PAGE, preset="lenet")
    _open_tab(at, "arch.code_tab")
    at.selectbox(key="arch.init").set_value("kaiming").run()
    assert at.session_state["arch.spec"]["init"] == "kaiming"
    assert any("kaiming_normal_" in c.value for c in at.code)


def test_generated_code_and_print_of_the_model_are_shown(app):
    at = app(PAGE, preset="lenet")
    assert at.code[-1].value.startswith("Sequential(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5)")  # the open tab
    code = _open_tab(at, "arch.code_tab").code[-1].value
    assert "class Net(nn.Module):" in code and "x = self.conv1(x)  # (N, 6, 28, 28)" in code


def test_vgg16_skips_weight_histograms_with_a_note(app):
    at = app(PAGE, preset="vgg16")
    assert not any("537" in i.value for i in at.info)  # the weights tab is closed: nothing built
    _open_tab(at, "arch.weights_tab")
    assert not at.exception
    assert any("537" in i.value for i in at.info)


def test_weights_tab_shows_histograms_for_a_small_model(app):
    at = app(PAGE, preset="net_three_elements")
    _open_tab(at, "arch.weights_tab")
    assert not at.exception
    assert any(c.value.startswith("Xavier:") for c in at.caption)
    assert len(at.get("plotly_chart")) == 2  # the shapes diagram and the histograms


def test_train_button_hands_the_spec_to_the_training_page(app):
    at = app(PAGE, preset="cnn_typical")
    at.button(key="arch.train").click().run()
    assert not at.exception
    assert at.session_state[keys.TRAIN_SPEC] == PRESETS["cnn_typical"].spec.to_dict()
    assert at.title[0].value == t("training.title")  # we are on it now


def test_page_speaks_chinese(app):
    at = app(PAGE, preset="lenet")
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "模型结构"
    assert _metric(at, "arch.params", "zh") == "61,706"
    assert t("arch.col_calculation", "zh") in _table(at).columns


def test_uploaded_spec_replaces_the_model(app):
    at = app(PAGE, preset="lenet")
    spec_json = PRESETS["cifar10_sequential"].spec.to_json().encode()
    at.file_uploader(key="arch.upload").set_value(("model_spec.json", spec_json, "application/json")).run()
    assert not at.exception and not at.error
    assert _metric(at, "arch.params") == "145,578"
    assert at.text_input(key="arch.input").value == "3x32x32"


def test_uploaded_spec_asking_for_a_billion_channels_gets_a_message(app):
    at = app(PAGE, preset="lenet")
    huge = {
        "input_shape": [3, 32, 32],
        "layers": [{"type": "Conv2d", "args": {"in_channels": 3, "out_channels": 10**9, "kernel_size": 3}}],
    }
    at.file_uploader(key="arch.upload").set_value(("huge.json", json.dumps(huge).encode(), "application/json")).run()
    assert not at.exception
    assert "out_channels" in at.error[0].value.replace("\\", "")  # user text is Markdown-escaped
    assert _metric(at, "arch.params") == "61,706"  # the model on the page is unchanged


def test_a_stale_layer_label_from_the_browser_does_not_break_the_page(app):
    # after the layers change, the browser can send back the old choice's label, which arrives as a string
    at = app()  # the home page: no layer picker yet, so AppTest sends nothing for it
    at.session_state["arch.selected.1"] = "7 · fc2 · Linear(120, 84)"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert _picker(at).value == 0
    at.button(key="arch.down").click().run()
    assert not at.exception


def test_an_input_without_a_channel_is_told_its_fix_and_the_table_stops_at_the_layer(app):
    at = app(PAGE, preset="lenet", input="32x32")
    assert not at.exception
    assert "1x32x32" in at.error[0].value
    table = _table(at)
    assert len(table) == 1 and table.iloc[0][t("arch.col_name")] == "conv1"  # the failing layer, at its row
    assert "1x32x32" in table.iloc[0][t("arch.col_calculation")]
    assert _metric(at, "arch.params") == "61,706" and _metric(at, "arch.macs") == "—"
    assert at.button(key="arch.train").disabled
    at.button(key="arch.fix").click().run()
    assert not at.error and at.text_input(key="arch.input").value == "1x32x32"
    assert _metric(at, "arch.output_shape") == "10" and not at.button(key="arch.train").disabled


def test_a_link_reopens_an_edited_model_with_its_initialisation(app):
    at = app(PAGE, preset="alexnet_as_written")
    at.button(key="arch.fix").click().run()  # the tutorial's typo repaired: the model differs from the preset
    at.selectbox(key="arch.init").set_value("xavier").run()
    link = {k: at.query_params[k] for k in at.query_params}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in link.items()}
    assert flat["preset"] == "alexnet_as_written" and flat["init"] == "xavier" and "spec" in flat
    edited, errors = at.session_state["arch.spec"], [e.value for e in at.error]  # the second typo is still there

    again = app(PAGE, **flat)  # a fresh session opens the link
    assert not again.exception
    assert again.session_state["arch.spec"] == edited and [e.value for e in again.error] == errors
    assert again.selectbox(key="arch.init").value == "xavier"


def test_a_damaged_spec_in_a_link_is_named_and_the_preset_is_shown(app):
    at = app(PAGE, preset="lenet", spec="not-a-spec!")
    assert not at.exception
    assert any("cannot be read" in w.value for w in at.warning)
    assert _metric(at, "arch.params") == "61,706"
