"""The architecture page's look inside a model, driven by AppTest: parameters and freezing, nn.Module's insides,
train() vs eval(), the tutorials' slips, their URL parameters, and frozen layers carried to the training form."""

import pytest

from core.i18n import t
from core.train_eval import dropout_demo, parse_small_tensor
from ui import keys

PAGE = "pages/architecture.py"


def _metric(at, label_key: str) -> str:
    return next(m.value for m in at.metric if m.label == t(label_key))


def _open_tab(at, label_key: str):
    at.session_state["arch.tabs"] = t(label_key)
    return at.run()


def _param_table(at):
    return next(d.value for d in at.dataframe if "numel()" in d.value.columns)


def _codes(at) -> list[str]:
    return [c.value for c in at.code]


def test_parameters_tab_writes_each_layers_count_as_its_sum(app):
    at = _open_tab(app(PAGE, preset="net_three_elements"), "arch.params_tab")
    texts = [m.value for m in at.markdown]
    assert "`conv1.weight 6×3×5×5 = 450 + conv1.bias 6 = 456`" in texts
    assert "`fc1.weight 120×400 = 48,000 + fc1.bias 120 = 48,120`" in texts
    table = _param_table(at)
    assert list(table["numel()"][:2]) == [450, 6] and table["requires_grad"].all()


def test_ticking_a_freeze_box_moves_its_parameters_to_frozen_and_into_the_link(app):
    at = _open_tab(app(PAGE, preset="net_three_elements"), "arch.params_tab")
    assert _metric(at, "arch.trainable") == "62,006" and _metric(at, "arch.frozen") == "0"
    at.checkbox(key="arch.freeze.conv1").check().run()
    assert not at.exception
    assert _metric(at, "arch.trainable") == "61,550" and _metric(at, "arch.frozen") == "456"
    assert at.query_params["freeze"] == "conv1"
    assert not _param_table(at)["requires_grad"][0]
    assert any("for p in model.conv1.parameters():\n    p.requires_grad = False" in c for c in _codes(at))
    at.checkbox(key="arch.freeze.conv1").uncheck().run()
    assert _metric(at, "arch.frozen") == "0" and "freeze" not in at.query_params


def test_freeze_the_features_leaves_only_the_last_layer_training(app):
    at = _open_tab(app(PAGE, preset="lenet"), "arch.params_tab")
    at.button(key="arch.freeze_features").click().run()
    assert _metric(at, "arch.trainable") == "850"  # fc3: 84 x 10 + 10
    assert at.checkbox(key="arch.freeze.fc2").value and not at.checkbox(key="arch.freeze.fc3").value


def test_a_link_freezes_its_layers_and_a_bad_name_in_it_is_named(app):
    at = app(PAGE, preset="lenet", freeze="conv1,fc3")
    assert _metric(at, "arch.frozen") == "1,006"
    at = app(PAGE, preset="lenet", freeze="conv1,x.y")
    assert _metric(at, "arch.frozen") == "156"
    assert any("x.y" in w.value for w in at.warning)


def test_module_tab_runs_the_tutorials_layers_and_the_students_numbers(app):
    at = _open_tab(app(PAGE, preset="net_three_elements"), "arch.module_tab")
    outputs = _codes(at)
    assert any(o.endswith("torch.Size([16, 6, 6, 6])") for o in outputs)  # SEEDS.md: Conv2d(3, 6, 5) on (16, 3, 10, 10)
    assert "tensor([-2., -1.,  0.,  1.,  2.])\n[]" in outputs
    assert any("ParameterList(" in o for o in outputs) and any("ParameterDict(" in o for o in outputs)
    at.text_input(key="arch.centered").set_value("10, 20").run()
    assert "tensor([-5.,  5.])\n[]" in _codes(at)
    assert at.query_params["centered"] == "10, 20"
    at.text_input(key="arch.centered").set_value("1, two").run()
    assert not at.exception and "two" in at.error[0].value


def test_modes_tab_shows_torchs_dropout_and_batchnorm_and_keeps_the_settings_in_the_link(app):
    at = _open_tab(app(PAGE, preset="lenet"), "arch.modes_tab")
    at.slider(key="arch.drop_p").set_value(0.25).run()
    at.number_input(key="arch.drop_seed").set_value(7).run()
    x = parse_small_tensor("1, 2, 3, 4; 5, 6, 7, 8", "x")
    demo = dropout_demo(x, 0.25, 7)
    printed = "\n".join(str(out) for out in (*demo.train_outputs, demo.eval_output))
    assert printed in _codes(at)
    assert any("torch.equal(drop(x), x)` is **True**" in m.value for m in at.markdown)
    assert at.query_params["drop_p"] == "0.25" and at.query_params["drop_seed"] == "7"
    at.slider(key="arch.bn_momentum").set_value(0.5).run()
    caption = next(c.value for c in at.caption if c.value.startswith("Feature 0"))
    assert "(1 - 0.5) × 0 + 0.5 × 4 = **2**" in caption  # x's first feature 1, 3, 5, 7: mean 4
    at.text_input(key="arch.bn_x").set_value("1, 2").run()
    assert not at.exception and "at least 2 samples" in at.error[0].value


def test_a_link_opens_the_modes_settings_and_clamps_what_is_out_of_range(app):
    at = app(PAGE, preset="lenet", drop_p="5", bn_calls="2", bn_x="1; 2; 9")
    assert at.session_state["arch.drop_p"] == 0.9 and at.session_state["arch.bn_calls"] == 2
    assert any("drop_p" in w.value for w in at.warning)
    at = _open_tab(at, "arch.modes_tab")
    assert at.slider(key="arch.drop_p").value == 0.9
    assert at.text_input(key="arch.bn_x").value == "1; 2; 9"
    at = app(PAGE, preset="lenet", bn_x="1, 2" * 500)
    assert at.session_state["arch.bn_x"] == "1, 2; 3, 6; 5, 10; 7, 14"  # refused, the default kept, with why
    assert at.warning


def test_the_tutorials_slips_are_shown_where_the_model_touches_them(app):
    at = app(PAGE, preset="alexnet_as_written")
    outputs = _codes(at)
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x4086 and 4096x10)" in outputs
    at = app(PAGE, preset="cifar10_sequential")
    assert any(o.startswith("torch.Size([196608])") for o in _codes(at))
    at = app(PAGE, preset="mlp")  # no Flatten of images, not AlexNet: no note
    assert not any("196608" in c for c in _codes(at))


def test_train_this_model_takes_the_frozen_layers_to_the_training_form(app):
    at = _open_tab(app(PAGE, preset="lenet"), "arch.params_tab")
    at.checkbox(key="arch.freeze.conv1").check().run()
    at.button(key="arch.train").click().run()
    assert not at.exception
    assert at.session_state[keys.TRAIN_FROZEN] == ["conv1"]
    assert at.multiselect(key=keys.TRAIN_FROZEN).value == ["conv1"]
    at.switch_page("pages/training.py")  # AppTest's next run would go back to the page it opened
    at.selectbox(key="train.init_from").set_value("digits_lenet").run()
    assert any("10 of 10 tensors load from digits_lenet" in c.value for c in at.caption)
    assert at.multiselect(key=keys.TRAIN_FROZEN).value == ["conv1"]


@pytest.mark.parametrize(
    ("tab", "label"),
    [
        ("arch.params_tab", "全部解冻"),
        ("arch.module_tab", "x（用逗号分隔的数字）"),
        ("arch.modes_tab", "p（丢弃概率）"),
    ],
)
def test_every_new_tab_renders_in_chinese(app, tab, label):
    at = app(PAGE, preset="small_cnn")
    at.session_state["arch.tabs"] = t(tab, "zh")  # one run in Chinese: AppTest's format_func calls speak English
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert label in [w.label for w in (*at.button, *at.text_input, *at.slider)]


def test_the_open_tab_is_in_the_link_so_a_shared_setting_opens_where_it_shows(app):
    at = app(PAGE, preset="lenet", tab="modes", drop_p="0.3")
    assert at.slider(key="arch.drop_p").value == 0.3  # the tab is open: its widgets are drawn
    assert at.query_params["tab"] == "modes"
    at = _open_tab(at, "arch.params_tab")
    assert at.query_params["tab"] == "params"
    at = app(PAGE, preset="lenet", tab="modul")
    assert at.text_input(key="arch.centered").value == "1, 2, 3, 4, 5"  # "did you mean: module"
    assert any("modul" in w.value for w in at.warning)


def test_try_transfer_fills_the_training_form_with_frozen_bundled_features_ready_to_start(app):
    at = _open_tab(app(PAGE, preset="mlp"), "arch.params_tab")
    at.button(key="arch.try_transfer").click().run()
    assert not at.exception
    assert at.title[0].value == t("training.title")
    assert at.selectbox(key="train.dataset").value == "digits"
    assert at.selectbox(key="train.init_from").value == "digits_lenet"
    assert at.multiselect(key=keys.TRAIN_FROZEN).value == ["conv1", "conv2"]
    assert not at.error and not at.button(key="train.start").disabled


def test_the_training_forms_link_carries_the_start_weights_and_the_frozen_layers(app):
    at = app("pages/training.py", init_from="digits_lenet", frozen="conv1,conv2")
    assert at.selectbox(key="train.init_from").value == "digits_lenet"
    assert at.multiselect(key=keys.TRAIN_FROZEN).value == ["conv1", "conv2"]
    assert at.query_params["init_from"] == "digits_lenet" and at.query_params["frozen"] == "conv1,conv2"
    at = app("pages/training.py", frozen="conv1,../x")
    assert at.multiselect(key=keys.TRAIN_FROZEN).value == ["conv1"]
    assert any("../x" in w.value for w in at.warning)
