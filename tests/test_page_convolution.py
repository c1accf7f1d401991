"""The convolution page driven by AppTest: URL in, widgets changed, results read back."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit_client import Session

from core.i18n import t
from tests.apptest import open_folds

PAGE = "pages/convolution.py"


def _tables(at):
    return [t.value.astype(str).values.tolist() for t in at.table]


def test_link_settings_fill_the_widgets_and_the_formula(app):
    at = app(PAGE, size="5", kernel="3", stride="2", padding="1")
    assert at.slider(key="conv.matrix.stride_h").value == 2
    assert at.metric[0].value == "3 × 3"
    assert r"\frac{5 + 2 \cdot 1 - 1 \cdot (3-1) - 1}{2}" in at.latex[0].value


def test_moving_the_stride_slider_updates_formula_output_and_url(app):
    at = app(PAGE, size="5", kernel="3", stride="2", padding="1")
    at.slider(key="conv.matrix.stride_h").set_value(1).run()
    assert not at.exception
    assert at.metric[0].value == "5 × 5"
    assert at.latex[0].value.strip("$\n").endswith("= 5")
    assert at.query_params["stride"] == ["1"] or at.query_params["stride"] == "1"


def test_matrix_b_with_bias_three_shows_the_golden_output(app):
    at = app(PAGE, preset="B", size="4", kernel="3")
    at.number_input(key="conv.matrix.bias").set_value(3.0).run()
    assert not at.table and "corr2d" not in " ".join(c.value for c in at.code)  # folded: nothing built or sent
    open_folds(at, "conv.matrix.table", "conv.matrix.corr2d")
    assert [["18", "19"], ["9", "18"]] in _tables(at)
    assert any("def corr2d" in c.value for c in at.code)
    at.slider(key="conv.matrix.stride_h").set_value(2).run()  # the folds stay open as the section reruns
    assert [["18"]] in _tables(at)


def test_invalid_kernel_shows_the_rule_and_the_fix_button_repairs_it(app):
    at = app(PAGE, size="3", kernel="7")
    assert not at.exception
    assert at.error and "kernel" in at.error[0].value.lower()
    assert not at.metric
    at.button(key="conv.fix").click().run()
    assert not at.error
    assert at.metric


def test_bad_url_values_give_a_message_and_the_nearest_valid_setting(app):
    at = app(PAGE, kernel="abc", stride="0", mode="matrx")
    warnings = " ".join(w.value for w in at.warning)
    assert "kernel=abc" in warnings and "stride=0" in warnings and "mode=matrx" in warnings
    assert at.slider(key="conv.matrix.stride_h").value == 1
    assert at.segmented_control(key="conv.mode").value == "matrix"


def test_rectangular_link_opens_separate_height_and_width_sliders(app):
    at = app(PAGE, size="8", kernel="3x5", padding="0x1", stride="3x4")
    assert at.toggle(key="conv.matrix.rect").value is True
    assert (at.slider(key="conv.matrix.kernel_h").value, at.slider(key="conv.matrix.kernel_w").value) == (3, 5)
    assert at.metric[0].value == "2 × 2"


@pytest.mark.parametrize("mode", ["matrix", "image", "pool", "act", "transposed"])
def test_every_section_renders_without_exception(app, mode):
    at = app(PAGE, mode=mode)
    assert not at.exception
    assert not at.error
    assert at.latex, "each section shows a formula"


def test_pooling_ceil_mode_on_matrix_a(app):
    at = app(PAGE, mode="pool", preset="A", size="5", kernel="3")
    assert at.metric[0].value == "1 × 1"
    at.checkbox(key="conv.pool.ceil_mode").check().run()
    assert at.metric[0].value == "2 × 2"
    open_folds(at, "conv.pool.table")
    assert [["2", "3"], ["5", "1"]] in _tables(at)


def test_image_section_convolves_the_bundled_photo(app):
    at = app(PAGE, mode="image", stride="2")
    assert at.metric[0].value == "213 × 319"
    at.selectbox(key="conv.image.filter").set_value("sobel_x").run()
    assert not at.exception and at.metric[0].value == "213 × 319"


def test_page_speaks_chinese(app):
    at = app(PAGE)
    at.segmented_control(key="lang").set_value("zh").run()
    assert at.title[0].value == "卷积实验台"
    assert at.metric[0].label == "输出尺寸（H × W）"


def _png(size=(40, 30), mode="RGB") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_photo_is_convolved(app):
    at = app(PAGE, mode="image")
    at.selectbox(key="conv.image.photo").set_value("upload").run()
    assert at.info, "asks for a photo before one is uploaded"
    at.file_uploader(key="conv.image.upload_file").set_value(("photo.png", _png(), "image/png")).run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "28 × 38"  # a 30x40 photo, kernel 3, no padding


def test_the_photo_beside_the_output_is_the_one_chosen_in_its_colours(app):
    at = app(PAGE, mode="image")

    def shown() -> str:  # the input photo's media URL, named by a hash of its bytes
        return at.image[0].value[0]

    seen = [shown()]
    at.slider(key="conv.image.stride_h").set_value(2).run()
    assert shown() == seen[0]  # a slider leaves the photo as it was
    at.radio(key="conv.image.channels").set_value("gray").run()
    seen.append(shown())
    at.selectbox(key="conv.image.photo").set_value("flower.jpg").run()
    seen.append(shown())
    at.selectbox(key="conv.image.photo").set_value("upload").run()
    at.file_uploader(key="conv.image.upload_file").set_value(("photo.png", _png(), "image/png")).run()
    seen.append(shown())
    assert not at.exception and len(set(seen)) == 4, seen


def test_broken_upload_gets_a_message_and_the_page_keeps_working(app):
    at = app(PAGE, mode="image")
    at.selectbox(key="conv.image.photo").set_value("upload").run()
    at.file_uploader(key="conv.image.upload_file").set_value(("photo.png", _png()[:60], "image/png")).run()
    assert not at.exception
    assert at.error and "photo.png" in at.error[0].value
    at.selectbox(key="conv.image.photo").set_value("flower.jpg").run()
    assert not at.error and at.metric[0].value == "425 × 638"


def test_fix_for_same_padding_at_stride_two_keeps_same_when_its_padding_is_past_the_slider(app):
    # kernel 7 with dilation 2 pads 6 for "same", past the padding slider's 4: the fix takes stride 1
    at = app(PAGE, size="12", kernel="7", dilation="2", padding="same", stride="2")
    assert at.error
    assert t("conv.formula_refused") in [c.value for c in at.caption]  # the formula's "= 3" is no output
    at.button(key="conv.fix").click().run()
    assert not at.exception and not at.error
    assert t("conv.formula_refused") not in [c.value for c in at.caption]
    assert at.slider(key="conv.matrix.stride_h").value == 1
    assert at.query_params["padding"] in ("same", ["same"])


def _matrix(at, key):
    return [list(map(float, row)) for row in at.session_state[key]]


def test_each_section_opens_on_its_own_example_whatever_the_last_section_set(app):
    at = app(PAGE, size="5", kernel="3", stride="2", padding="1")
    at.segmented_control(key="conv.mode").set_value("transposed").run()
    assert not at.exception and not at.error
    assert _matrix(at, "conv.transposed.x") == [[0, 1], [2, 3]]  # the 2x2 example, not a 1x1 of zeros
    assert at.slider(key="conv.transposed.stride_h").value == 1
    assert at.slider(key="conv.transposed.padding_h").value == 0
    # the first input cell shown scatters something: cell (0, 1) holds 1, cell (0, 0) a zero
    assert at.select_slider(key="conv.transposed.cell").value == 1
    at.segmented_control(key="conv.mode").set_value("matrix").run()
    assert at.slider(key="conv.matrix.stride_h").value == 2  # the matrix section kept its own settings


def test_changing_the_kernel_size_keeps_the_students_matrix_edits(app):
    at = app(PAGE, x="9,9,9,9,9;1,2,3,4,5;0,0,0,0,0;1,1,1,1,1;2,2,2,2,2", k="1,0,1;0,5,0;1,0,1")
    at.slider(key="conv.matrix.kernel_h").set_value(4).run()
    assert not at.exception
    kernel = _matrix(at, "conv.matrix.k")
    assert len(kernel) == 4 and [row[:3] for row in kernel[:3]] == [[1, 0, 1], [0, 5, 0], [1, 0, 1]]
    assert _matrix(at, "conv.matrix.x")[0] == [9, 9, 9, 9, 9]  # the input's edits stay too
    at.slider(key="conv.matrix.size_h").set_value(6).run()
    assert _matrix(at, "conv.matrix.x")[1][:5] == [1, 2, 3, 4, 5]


def test_ceil_mode_says_what_the_minus_one_is_and_what_is_left_out(app):
    at = app(PAGE, mode="pool", size="5", kernel="2", padding="1", ceil="1")
    assert at.latex[0].value.strip("$ \n").endswith("- 1 = 3")
    captions = " ".join(c.value for c in at.caption)
    assert "ceil_mode" in captions and "drops a last window" in captions
    infos = " ".join(i.value for i in at.info)
    assert "Even with ceil_mode" in infos and "Floor drops" not in infos


def test_the_cell_slider_counts_from_zero_like_the_axes(app):
    at = app(PAGE)
    cells = at.select_slider(key="conv.matrix.cell")
    assert cells.value == 0 and cells.format_func(0) == "(0, 0)" and cells.format_func(4) == "(1, 1)"
    cells.set_value(4).run()
    assert "row 1, column 1" in " ".join(m.value for m in at.markdown)
    assert at.query_params["cell"] in ("1,1", ["1,1"])


@pytest.mark.slow
def test_a_step_of_the_cell_walk_reruns_its_area_alone_and_puts_the_cell_in_the_url(server):
    # a live server: AppTest reruns the whole page, where the section itself writes the URL after the walk
    async def scenario() -> None:
        async with Session(server, "convolution", "section=matrix") as session:
            await session.open()
            for label, cell in (("(1, 1)", "1%2C1"), ("(2, 0)", "2%2C0")):
                stepped = await session.rerun({"conv.matrix.cell": label})
                assert stepped.status == "fragment_success" and not stepped.exceptions, stepped
                assert f"cell={cell}" in session.query, session.query

    with ThreadPoolExecutor(1) as pool:  # a thread of its own: the browser tests' Playwright may hold this loop
        pool.submit(asyncio.run, scenario()).result()


def test_a_grown_example_no_longer_claims_its_curriculum_size(app):
    at = app(PAGE)
    assert at.selectbox(key="conv.matrix.example").format_func("A") == "Matrix A (5×5, curriculum)"
    at.slider(key="conv.matrix.size_h").set_value(7).run()
    label = at.selectbox(key="conv.matrix.example").format_func("A")
    assert "7 × 7" in label and "5×5" in label


def test_a_link_reopens_every_setting_of_the_section(app):
    at = app(PAGE, mode="pool")
    at.radio(key="conv.pool.kind").set_value("avg").run()
    at.checkbox(key="conv.pool.ceil_mode").check().run()
    at.checkbox(key="conv.pool.stride_default").uncheck().run()
    at.slider(key="conv.pool.stride_h").set_value(1).run()
    link = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    shown = _tables(at)

    again = app(PAGE, **link)
    assert not again.exception
    for widget in ("conv.pool.kind", "conv.pool.ceil_mode", "conv.pool.stride_default", "conv.pool.stride_h"):
        assert again.session_state[widget] == at.session_state[widget], widget
    assert _tables(again) == shown and again.metric[0].value == at.metric[0].value


def test_the_matrix_editors_name_their_columns_with_plain_python_strings():
    # Streamlit reads an editor's column names one by one on every rerun. Kept in pandas' own string
    # Index (Arrow), each read was a pyarrow call that let go of the interpreter lock, and with other
    # sessions running, every let-go waited up to 5 ms to get it back.
    import pandas as pd
    from streamlit.elements.widgets.data_editor import _check_column_names

    from ui.conv_controls import _column_names

    names = _column_names(3)
    assert list(names) == ["0", "1", "2"] and names.dtype == object
    _check_column_names(pd.DataFrame([[1.0, 2.0, 3.0]], columns=names))  # names Streamlit takes as they are
