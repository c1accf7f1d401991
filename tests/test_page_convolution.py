"""The convolution page driven by AppTest: URL in, widgets changed, results read back."""

import pytest

PAGE = "pages/convolution.py"


def _tables(at):
    return [t.value.astype(str).values.tolist() for t in at.table]


def test_link_settings_fill_the_widgets_and_the_formula(app):
    at = app(PAGE, size="5", kernel="3", stride="2", padding="1")
    assert at.slider(key="conv.stride_h").value == 2
    assert at.metric[0].value == "3 × 3"
    assert r"\frac{5 + 2 \cdot 1 - 1 \cdot (3-1) - 1}{2}" in at.latex[0].value


def test_moving_the_stride_slider_updates_formula_output_and_url(app):
    at = app(PAGE, size="5", kernel="3", stride="2", padding="1")
    at.slider(key="conv.stride_h").set_value(1).run()
    assert not at.exception
    assert at.metric[0].value == "5 × 5"
    assert at.latex[0].value.strip("$\n").endswith("= 5")
    assert at.query_params["stride"] == ["1"] or at.query_params["stride"] == "1"


def test_matrix_b_with_bias_three_shows_the_golden_output(app):
    at = app(PAGE, preset="B", size="4", kernel="3")
    at.number_input(key="conv.bias").set_value(3.0).run()
    assert [["18", "19"], ["9", "18"]] in _tables(at)


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
    assert at.slider(key="conv.stride_h").value == 1
    assert at.segmented_control(key="conv.mode").value == "matrix"


def test_rectangular_link_opens_separate_height_and_width_sliders(app):
    at = app(PAGE, size="8", kernel="3x5", padding="0x1", stride="3x4")
    assert at.toggle(key="conv.rect").value is True
    assert (at.slider(key="conv.kernel_h").value, at.slider(key="conv.kernel_w").value) == (3, 5)
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
    at.checkbox(key="conv.ceil_mode").check().run()
    assert at.metric[0].value == "2 × 2"
    assert [["2", "3"], ["5", "1"]] in _tables(at)


def test_image_section_convolves_the_bundled_photo(app):
    at = app(PAGE, mode="image", stride="2")
    assert at.metric[0].value == "213 × 319"
    at.selectbox(key="conv.image_kernel").set_value("sobel_x").run()
    assert not at.exception and at.metric[0].value == "213 × 319"


def test_page_speaks_chinese(app):
    at = app(PAGE)
    at.segmented_control(key="lang").set_value("zh").run()
    assert at.title[0].value == "卷积实验台"
    assert at.metric[0].label == "输出尺寸 (H × W)"


def _png(size=(40, 30), mode="RGB") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_photo_is_convolved(app):
    at = app(PAGE, mode="image")
    at.selectbox(key="conv.photo").set_value("upload").run()
    assert at.info, "asks for a photo before one is uploaded"
    at.file_uploader(key="conv.upload_file").set_value(("photo.png", _png(), "image/png")).run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "28 × 38"  # a 30x40 photo, kernel 3, no padding


def test_broken_upload_gets_a_message_and_the_page_keeps_working(app):
    at = app(PAGE, mode="image")
    at.selectbox(key="conv.photo").set_value("upload").run()
    at.file_uploader(key="conv.upload_file").set_value(("photo.png", _png()[:60], "image/png")).run()
    assert not at.exception
    assert at.error and "photo.png" in at.error[0].value
    at.selectbox(key="conv.photo").set_value("flower.jpg").run()
    assert not at.error and at.metric[0].value == "425 × 638"


def test_fix_for_same_padding_at_stride_two_keeps_same_when_its_padding_is_past_the_slider(app):
    # kernel 7 with dilation 2 pads 6 for "same", past the padding slider's 4: the fix takes stride 1
    at = app(PAGE, size="12", kernel="7", dilation="2", padding="same", stride="2")
    assert at.error
    at.button(key="conv.fix").click().run()
    assert not at.exception and not at.error
    assert at.slider(key="conv.stride_h").value == 1
    assert at.query_params["padding"] in ("same", ["same"])
