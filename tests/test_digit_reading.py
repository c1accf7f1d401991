"""Reading a student's own digits: the ink fitted as MNIST was made, printed digits, zoom, and saying when to doubt.

The figure that matters is the last test's: the bundled digits model reads the typed digits of
tests/typed_digits.py (fonts it never trained on) right at least 90% of the time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import refused, rendered
from PIL import Image, ImageDraw
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF
from typed_digits import FONTS, typed_digits

from core.augment import random_zoom
from core.data import load_dataset
from core.inference import UNSURE_BELOW, Prediction, doubts, predict, to_input
from core.model_files import load_bundled
from core.packaged_data import mnist5k_source
from core.preprocessing import INK_BOX, Preprocessing, fit_ink, image_pixels
from core.printed_digits import PRINTED_COUNT, STREAMLIT_FONTS, font_files, printed_source


def _page(box: tuple[int, int, int, int], ink=(0, 0, 0), paper=(255, 255, 255), size=200) -> Image.Image:
    """A page with one filled rectangle of ink: (left, top, right, bottom)."""
    page = Image.new("RGB", (size, size), paper)
    ImageDraw.Draw(page).rectangle(box, fill=ink)
    return page


def _unit(picture: Image.Image, size: int = 28) -> torch.Tensor:
    x = 1 - image_pixels(picture.convert("L")).to(torch.float32) / 255  # ink bright, as the digit sets store it
    return fit_ink(x, (size, size))[0, 0]  # (size, size)


def _ink_box(unit: torch.Tensor) -> tuple[int, int]:
    rows, cols = torch.nonzero(unit > 0.5, as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def _centre_of_mass(unit: torch.Tensor) -> tuple[float, float]:
    h, w = unit.shape
    mass = unit.sum()
    return (
        float((unit.sum(1) * (torch.arange(h) + 0.5)).sum() / mass),
        float((unit.sum(0) * (torch.arange(w) + 0.5)).sum() / mass),
    )


# --- fitting the ink -------------------------------------------------------------------------------------


def test_a_small_off_centre_mark_is_fitted_into_the_20_of_28_box_and_centred_by_its_mass():
    unit = _unit(_page((150, 20, 169, 79)))  # 20 x 60 px of ink in the top right corner of 200 x 200
    assert _ink_box(unit) == (20, 7)  # the longer side fills the box; the aspect 1:3 is kept (20 / 3 = 6.7)
    assert round(28 * INK_BOX) == 20
    cy, cx = _centre_of_mass(unit)  # pixel middles at i + 0.5: MNIST puts the mass at pixel (14, 14)
    assert abs(cy - 14.5) <= 0.5 and abs(cx - 14.5) <= 0.5


def test_light_ink_on_dark_paper_and_coloured_ink_read_the_same_as_black_on_white():
    black = _unit(_page((60, 40, 90, 150)))
    white_on_black = _unit(_page((60, 40, 90, 150), ink=(255, 255, 255), paper=(0, 0, 0)))
    blue_on_yellow = _unit(_page((60, 40, 90, 150), ink=(20, 40, 160), paper=(250, 240, 150)))
    assert torch.allclose(black, white_on_black, atol=1e-6)
    assert torch.allclose(black, blue_on_yellow, atol=1e-6)  # levels stretched: paper 0, strongest ink 1


def test_a_page_without_ink_becomes_all_paper():
    assert torch.count_nonzero(_unit(_page((0, 0, 0, 0), ink=(255, 255, 255)))) == 0
    faint = _unit(_page((60, 40, 90, 150), ink=(240, 240, 240)))  # 6% darker than the paper: under MIN_CONTRAST
    assert torch.count_nonzero(faint) == 0


def test_mnist_digits_are_already_fitted_so_fitting_them_again_barely_changes_them():
    pixels, _ = mnist5k_source()
    x = 1 - pixels[:500].to(torch.float32) / 255
    fitted = fit_ink(x, (28, 28))
    assert abs(float(fitted.mean()) - float(x.mean())) < 0.002  # as much ink as before
    moved = [math.dist(_centre_of_mass(a[0]), _centre_of_mass(b[0])) for a, b in zip(x, fitted, strict=True)]
    assert np.median(moved) < 0.6 and max(moved) < 2.5  # centred by mass already: moved under a pixel


def test_fit_ink_is_saved_with_the_model_and_old_models_read_without_it():
    data = load_dataset("mnist5k", input_size=28, max_samples=200)
    pre = data.preprocessing
    assert pre.fit_ink and pre.ink_range is not None and 0 < pre.ink_range[0] < pre.ink_range[1] < 0.5
    assert Preprocessing.from_dict(pre.to_dict()) == pre
    old = {k: v for k, v in pre.to_dict().items() if k not in ("fit_ink", "ink_range")}
    assert Preprocessing.from_dict(old).fit_ink is False


@pytest.mark.parametrize(
    ("field", "value"), [("ink_range", [0.5, 0.1]), ("ink_range", [math.nan, 0.2]), ("fit_ink", True)]
)
def test_a_damaged_model_json_preprocessing_is_refused_by_name(field, value):
    saved = load_dataset("mnist5k", input_size=28, max_samples=200).preprocessing.to_dict()
    if field == "fit_ink":  # fitting ink needs one channel
        saved = {**saved, "mode": "RGB", "mean": [0.1] * 3, "std": [0.3] * 3}
    message = refused(lambda: Preprocessing.from_dict({**saved, field: value}), "data.preprocessing_invalid")
    assert message.params["field"] == field


def test_the_preprocessing_row_shows_the_fitting_step():
    pre = load_bundled("digits_lenet").preprocessing
    steps = pre.steps(_page((150, 20, 169, 79)))
    assert [key for key, _ in steps] == [
        "data.step_convert",
        "data.step_invert",
        "data.step_fit_ink",
        "data.step_normalize",
    ]
    assert torch.equal(steps[-1][1], pre.apply(_page((150, 20, 169, 79))))


# --- printed digits and the mixed set --------------------------------------------------------------------


def test_printed_digits_are_930_distinct_pictures_93_per_digit_in_fonts_the_typed_test_never_uses():
    pixels, labels = printed_source()
    assert pixels.shape == (PRINTED_COUNT, 1, 28, 28) == (930, 1, 28, 28) and pixels.dtype == torch.uint8
    assert np.bincount(labels).tolist() == [93] * 10
    assert len({p.numpy().tobytes() for p in pixels}) == PRINTED_COUNT  # every face and pen draws its own picture
    assert float(pixels[:, :, 0, :].float().mean()) > 250  # dark ink on white paper, as the other digit sets
    families = {"DejaVu", "STIX", "cm"}  # the typed test's
    assert all(any(f.startswith(family) for family in families) for f in FONTS)
    assert not any(name.startswith(tuple(families)) for name in STREAMLIT_FONTS)
    assert len(font_files()) == len(STREAMLIT_FONTS)


def test_the_mixed_set_is_mnist5k_plus_the_printed_digits_with_the_ink_fitted():
    mixed = load_dataset("mixed_digits", input_size=32)
    total = len(mixed.y_train) + len(mixed.y_val) + len(mixed.y_test)
    assert total == 5_000 + 930 and mixed.input_shape == (1, 32, 32)
    assert mixed.preprocessing.fit_ink and mixed.preprocessing.invert
    assert "5,930" in rendered(mixed.description) and "930" in rendered(mixed.description)


def test_missing_streamlit_fonts_are_named_with_the_reinstall_command(monkeypatch):
    import core.printed_digits as printed

    monkeypatch.setattr(printed, "STREAMLIT_FONTS", (*printed.STREAMLIT_FONTS, "NoSuchFont-Upright"))
    message = refused(printed.font_files, "data.fonts_missing")
    assert message.params["font"] == "NoSuchFont-Upright" and "requirements.txt" in message.params["command"]


# --- zoom ---------------------------------------------------------------------------------------------


def test_random_zoom_scales_each_image_about_its_centre_as_torchvision_affine_does():
    x = torch.zeros(4, 1, 32, 32)
    x[:, :, 11:21, 11:21] = 1.0  # a 10 x 10 square in the middle
    generator = torch.Generator().manual_seed(3)
    zoomed = random_zoom(x, 0.3, generator)
    factors = 1 + (torch.rand(4, generator=torch.Generator().manual_seed(3)) * 2 - 1) * 0.3  # the same draws
    for image, factor in zip(zoomed, factors, strict=True):
        expected = TF.affine(x[0], angle=0.0, translate=[0, 0], scale=float(factor), shear=[0.0, 0.0],
                             interpolation=InterpolationMode.BILINEAR)  # fmt: skip
        assert torch.allclose(image, expected, atol=1e-5)  # same result: inside the square, zero paper around it
    assert torch.equal(random_zoom(x, 0.0, torch.Generator().manual_seed(0)), x)


# --- when to doubt a prediction --------------------------------------------------------------------------


def _doubt_keys(picture: Image.Image) -> tuple[list[str], Prediction]:
    loaded = load_bundled("digits_lenet")
    prediction = predict(loaded, [picture])[0]
    return [m.key for m in doubts(loaded, to_input(loaded, picture), prediction)], prediction


def test_a_blank_page_is_called_a_guess_because_no_ink_is_found():
    keys, _ = _doubt_keys(Image.new("RGB", (200, 200), "white"))
    assert keys[0] == "inference.no_ink"


def test_a_filled_disc_covers_more_than_any_training_digit_and_is_called_unlike_them():
    disc = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(disc).ellipse((40, 40, 160, 160), fill=(200, 30, 30))
    keys, _ = _doubt_keys(disc)
    assert keys[0] == "inference.ink_unlike"
    loaded = load_bundled("digits_lenet")
    message = doubts(loaded, to_input(loaded, disc), predict(loaded, [disc])[0])[0]
    assert message.params["share"] > message.params["high"]
    assert "%" in rendered(message)


def test_a_clean_typed_digit_raises_no_doubt_and_is_read_right():
    picture, digit, _ = typed_digits()[3]  # DejaVu Sans, big and centred, the digit 3
    keys, prediction = _doubt_keys(picture)
    assert keys == [] and prediction.label == str(digit) == "3"


def test_probability_spread_over_two_classes_is_called_unsure():
    loaded = load_bundled("digits_lenet")
    x = to_input(loaded, typed_digits()[3][0])
    spread = Prediction((0.0,) * 10, ((3, "3", 0.45), (5, "5", 0.40)))
    message = doubts(loaded, x, spread)[-1]
    assert message.key == "inference.unsure" and message.params["second"] == "5"
    assert UNSURE_BELOW > 0.45 and "45%" in rendered(message)


# --- the figure ---------------------------------------------------------------------------------------------


def test_the_bundled_digits_model_reads_at_least_90_percent_of_typed_digits_in_fonts_it_never_saw():
    pictures = typed_digits()
    assert len(pictures) == 600
    predictions = predict(load_bundled("digits_lenet"), [p for p, _, _ in pictures])
    right = sum(pr.label == str(d) for (_, d, _), pr in zip(pictures, predictions, strict=True))
    assert right / len(pictures) >= 0.90, f"{right} of 600"
    for variant in ("small off centre", "thick pen", "white on black"):  # each way of writing, not just on average
        rows = [(d, pr) for (_, d, label), pr in zip(pictures, predictions, strict=True) if variant in label]
        assert sum(pr.label == str(d) for d, pr in rows) / len(rows) >= 0.85, variant
