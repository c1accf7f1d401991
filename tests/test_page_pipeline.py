"""The Data pipeline page driven by AppTest: the arithmetic, drop_last, an iteration's samples, one pixel, a link."""

from __future__ import annotations

from core.i18n import t
from core.pipeline import loader_batches

PAGE = "pages/pipeline.py"


def _arithmetic(at) -> str:
    return next(i.value for i in at.info if "iterations per epoch" in i.value)


def test_the_arithmetic_counts_the_last_partial_batch_unless_drop_last_drops_it(app):
    at = app(PAGE)
    assert _arithmetic(at).startswith("1,259 samples / batch_size 64 = 19 full batches → **20 iterations per epoch**")
    assert t("pipe.rest_kept", rest=43, b=64) in _arithmetic(at)
    at.toggle(key="pipe.drop_last").set_value(True).run()
    assert "**19 iterations per epoch**" in _arithmetic(at) and t("pipe.rest_dropped", rest=43, b=64) in _arithmetic(at)
    assert at.query_params["drop_last"] == "1"


def test_an_iteration_shows_the_samples_a_seeded_dataloader_gives_it(app):
    at = app(PAGE, batch_size="100", seed="7", iteration="3")
    expected = loader_batches(1259, 100, True, False, seed=7)[2]
    shown = next(c.value for c in at.caption if c.value.startswith("Iteration 3 of 13"))
    assert shown.endswith(", ".join(map(str, expected[:24])) + ", … (+76)")
    at.toggle(key="pipe.shuffle").set_value(False).run()
    assert any(
        c.value.startswith("Iteration 3 of 13 gets 100 samples, by index in the training split: 200, 201")
        for c in at.caption
    )


def test_one_pixel_walks_through_to_tensor_and_normalize_and_agrees_with_torchvision(app):
    at = app(PAGE)
    walk = next(c.value for c in at.code if c.value.startswith("picture (H, W, C) = (32, 32, 1)"))
    assert "ToTensor():   (C, H, W) = (1, 32, 32)" in walk and "Normalize:" in walk
    assert t("pipe.pixel_agree") in [s.value for s in at.success]


def test_a_table_has_no_pixels_and_says_so(app):
    at = app(PAGE, dataset="iris")
    assert not at.exception
    assert t("pipe.table_note") in [i.value for i in at.info]
    assert any("class IrisDataset(Dataset):" in c.value for c in at.code)


def test_link_values_it_cannot_use_are_clamped_with_a_warning(app):
    at = app(PAGE, batch_size="0", epoch="9", iteration="5000")
    assert not at.exception
    assert at.number_input(key="pipe.batch").value == 1 and at.number_input(key="pipe.epoch").value == 5
    warnings = " ".join(w.value for w in at.warning)
    assert "batch_size" in warnings and "epoch" in warnings and "iteration" in warnings
    assert at.slider(key="pipe.iteration").value == 1259  # the last iteration of batches of one


def test_the_page_speaks_chinese(app):
    at = app(PAGE, lang="zh")
    assert at.title[0].value == t("pipe.title", "zh") and not at.exception


def test_the_augmentation_zoom_is_in_the_link_and_in_the_caption(app):
    at = app(PAGE, zoom="23")
    assert at.slider(key="pipe.zoom").value == 0.25  # rounded to the slider's steps of 0.05
    assert any("zoom ±0.25" in image.proto.imgs[0].caption for image in at.get("image"))
    at.slider(key="pipe.zoom").set_value(0.1).run()
    assert at.query_params["zoom"] in ("10", ["10"])
    at = app(PAGE, zoom="90")
    assert at.slider(key="pipe.zoom").value == 0.5 and any("zoom" in w.value for w in at.warning)


def test_flip_starts_off_as_on_the_training_page_and_mirroring_digits_is_warned_about(app):
    at = app(PAGE)
    assert at.toggle(key="pipe.flip").value is False
    assert any(c.value.startswith("The first 16 of the batch of 64 (seed 0): samples ") for c in at.caption)
    at.toggle(key="pipe.flip").set_value(True).run()
    assert t("pipe.flip_digits") in [w.value for w in at.warning]
    at.selectbox(key="pipe.dataset").set_value("shapes").run()
    assert at.toggle(key="pipe.flip").value is True and not at.warning  # shapes mirror into shapes
