"""Data sets as tensors ready for training, and the preprocessing that turns an image into one.

Owns: the catalogue of data sets (:data:`DATASETS`), the embedded ones that work offline at
first start (scikit-learn's 8x8 digits, the generated shapes, the curriculum's 3-feature set,
scikit-learn's iris / wine / breast-cancer tables), the torchvision ones (MNIST,
FashionMNIST, CIFAR-10) when their files are in ``STRIDE_DATA_DIR``, deterministic train /
validation / test splits, and :class:`Preprocessing`, the one description of "image -> model
input" that training uses and that is saved with every model and reused for prediction.
Drawing the shapes lives in :mod:`core.shapes`; user uploads (a zip of class folders, a CSV)
in :mod:`core.uploads`, which builds its :class:`LoadedData` with the helpers here.

Everything comes back as a :class:`LoadedData` of whole tensors: the data sets are small, so
the trainer keeps them on the device and shuffles and augments there. Problems a user can fix
raise :class:`~core.i18n.UserError`; nothing here formats text or imports Streamlit.

    python -m core.data download mnist     # fetch a torchvision set into STRIDE_DATA_DIR
"""

from __future__ import annotations

import argparse
import difflib
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.i18n import Message, UserError
from core.images import to_gray, to_rgb
from core.settings import Settings
from core.shapes import SHAPE_CLASSES, SHAPES_COUNT, draw_shapes, shape_params

logger = logging.getLogger(__name__)

INPUT_SIZE_RANGE = (8, 64)  # px; 64 keeps CIFAR-10 (60,000 images) under 3 GB as float32
FRACTION_RANGE = (0.0, 0.5)  # for val_fraction and test_fraction each
MIN_SAMPLES = 10  # the smallest max_samples that still leaves something to split

SYNTHETIC3_COUNT = 10_000  # as in the curriculum
DIGIT_CLASSES = tuple(str(d) for d in range(10))

# One random stream per purpose, so that e.g. a smaller max_samples never changes the shapes drawn.
_STREAM_SPLIT, _STREAM_SUBSAMPLE, _STREAM_SYNTHETIC3 = 1, 2, 4  # 3 is core.shapes' stream

# Image preprocessing modes. Both interpolate bilinearly with antialiasing (what torchvision's
# Resize does), so shrinking a photo averages its pixels instead of skipping them.
RESIZE_MODES = (
    "bilinear",  # stretch to (H, W); the aspect ratio is not kept (torchvision Resize((H, W)))
    "bilinear_center_crop",  # scale so the image covers (H, W), keep the aspect, crop the centre
)

# ---------------------------------------------------------------------------------------------
# Preprocessing: image -> tensor, the one source of truth for training and prediction
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preprocessing:
    """How a picture becomes the model's input; saved with each model and reused to predict.

    In order: colour conversion to ``mode``, pixels to [0, 1], ``invert`` (x -> 1 - x), resize
    to ``size``, then ``Normalize(mean, std)`` per channel: (x - mean) / std.
    """

    mode: str  # "L" (one channel: Pillow's ITU-R 601-2 luma) or "RGB" (three channels)
    size: tuple[int, int]  # (H, W) of the model input, px
    resize: str  # one of RESIZE_MODES
    mean: tuple[float, ...]  # per channel, of the training split's [0, 1] pixels after resizing
    std: tuple[float, ...]  # per channel, same pixels; a constant channel gets 1.0 (only centred)
    invert: bool = False  # the source images are dark ink on light paper; the model sees bright ink

    def __post_init__(self) -> None:
        channels = {"L": 1, "RGB": 3}.get(self.mode)
        if channels is None:
            raise _invalid_preprocessing("mode", self.mode, "L, RGB")
        if len(self.size) != 2 or not all(isinstance(s, int) and s > 0 for s in self.size):
            raise _invalid_preprocessing("size", self.size, "(H, W), positive whole numbers")
        if self.resize not in RESIZE_MODES:
            raise _invalid_preprocessing("resize", self.resize, ", ".join(RESIZE_MODES))
        if len(self.mean) != channels or not all(math.isfinite(m) for m in self.mean):
            raise _invalid_preprocessing("mean", self.mean, f"{channels} finite numbers")
        if len(self.std) != channels or not all(math.isfinite(s) and s > 0 for s in self.std):
            raise _invalid_preprocessing("std", self.std, f"{channels} positive numbers")

    @property
    def channels(self) -> int:
        return len(self.mean)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "mode": self.mode,
            "size": list(self.size),
            "resize": self.resize,
            "mean": list(self.mean),
            "std": list(self.std),
            "invert": self.invert,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessing:
        """Return the preprocessing saved by :meth:`to_dict`; a damaged dict raises UserError."""
        try:
            return cls(
                mode=str(data["mode"]),
                size=tuple(int(s) for s in data["size"]),
                resize=str(data["resize"]),
                mean=tuple(float(m) for m in data["mean"]),
                std=tuple(float(s) for s in data["std"]),
                invert=bool(data.get("invert", False)),
            )
        except UserError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid_preprocessing("preprocessing", repr(data)[:200], "a dict written by to_dict()") from exc

    def apply(self, image: Image.Image) -> torch.Tensor:
        """Return ``image`` as the model input: a (C, H, W) float32 tensor, as in training."""
        return self.normalize(self.to_unit(image_pixels(self.convert(image))))[0]

    def steps(self, image: Image.Image) -> list[tuple[str, object]]:
        """Return ``(text key, result)`` for each stage of :meth:`apply`, to show on a page.

        Results: the colour-converted picture, the inverted one (only when ``invert``), the
        resized one (PIL images) and the normalised (C, H, W) tensor, which equals ``apply``.
        """
        converted = self.convert(image)
        stages: list[tuple[str, object]] = [("data.step_convert", converted)]
        pixels = image_pixels(converted)
        if self.invert:
            stages.append(("data.step_invert", _to_pil(1 - pixels[0].to(torch.float32) / 255)))
        unit = self.to_unit(pixels)
        stages.append(("data.step_resize", _to_pil(unit[0])))
        stages.append(("data.step_normalize", self.normalize(unit)[0]))
        return stages

    def to_unit(self, pixels: torch.Tensor) -> torch.Tensor:
        """Return uint8 images as floats in [0, 1], inverted if asked and resized.

        (N, C, H0, W0) uint8 -> (N, C, H, W) float32. Training and :meth:`apply` both come here.
        """
        x = pixels.to(torch.float32) / 255
        if self.invert:
            x = 1 - x
        return _resize(x, self.size, self.resize)

    def normalize(self, unit: torch.Tensor) -> torch.Tensor:
        """Return (x - mean) / std per channel; (N, C, H, W) -> (N, C, H, W)."""
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return (unit - mean) / std

    def to_image(self, x: torch.Tensor) -> Image.Image:
        """Return a normalised (C, H, W) model input as a picture, to show samples on a page."""
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return _to_pil(x.detach().cpu().to(torch.float32) * std + mean)

    def convert(self, image: Image.Image) -> Image.Image:
        """Return ``image`` in ``mode``, converted as core.images does (transparency on white)."""
        if image.mode == self.mode:
            return image
        rgb, _ = to_rgb(image)  # transparency on white, 16-bit scaled: images.py decides
        return to_gray(rgb) if self.mode == "L" else rgb


def _invalid_preprocessing(field_name: str, value: object, allowed: str) -> UserError:
    return UserError(Message("data.preprocessing_invalid", {"field": field_name, "value": value, "allowed": allowed}))


def image_pixels(image: Image.Image) -> torch.Tensor:
    """Return a mode "L" or "RGB" picture as (1, C, H, W) uint8."""
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8))  # (H, W) or (H, W, C); a copy
    if pixels.ndim == 2:
        return pixels[None, None]  # (H, W) -> (1, 1, H, W)
    return pixels.permute(2, 0, 1).contiguous()[None]  # (H, W, C) -> (1, C, H, W)


def _to_pil(x: torch.Tensor) -> Image.Image:
    """Return a (C, H, W) tensor in [0, 1] as a mode "L" or "RGB" picture."""
    pixels = (x.clamp(0, 1) * 255).round().to(torch.uint8)  # (C, H, W)
    if pixels.shape[0] == 1:
        return Image.fromarray(pixels[0].numpy(), "L")
    return Image.fromarray(pixels.permute(1, 2, 0).contiguous().numpy(), "RGB")


def _resize(x: torch.Tensor, size: tuple[int, int], resize: str) -> torch.Tensor:
    # (N, C, H0, W0) -> (N, C, H, W)
    h, w = size
    h0, w0 = x.shape[-2:]
    if resize == "bilinear_center_crop":
        scale = max(h / h0, w / w0)
        covering = (max(h, round(h0 * scale)), max(w, round(w0 * scale)))
        x = _bilinear(x, covering)
        top, left = (covering[0] - h) // 2, (covering[1] - w) // 2
        return x[..., top : top + h, left : left + w].contiguous()
    return _bilinear(x, (h, w))


def _bilinear(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    # Bilinear weights are non-negative and sum to 1, so only rounding can leave [0, 1].
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True).clamp_(0, 1)


# ---------------------------------------------------------------------------------------------
# Tabular standardisation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standardization:
    """Tabular features' (x - mean) / std, with the training split's statistics; saved with the model."""

    feature_names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]  # a constant feature gets 1.0, so it is only centred

    def apply(self, features: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Return standardised features: (N, F) numbers -> (N, F) float32."""
        x = torch.as_tensor(np.asarray(features, dtype=np.float32))
        if x.ndim != 2 or x.shape[1] != len(self.mean):
            raise UserError(
                Message("data.feature_count", {"expected": len(self.mean), "got": x.shape[-1] if x.ndim else 0})
            )
        return (x - torch.tensor(self.mean, dtype=torch.float32)) / torch.tensor(self.std, dtype=torch.float32)

    def to_dict(self) -> dict:
        return {"feature_names": list(self.feature_names), "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, data: dict) -> Standardization:
        return cls(
            feature_names=tuple(str(n) for n in data["feature_names"]),
            mean=tuple(float(m) for m in data["mean"]),
            std=tuple(float(s) for s in data["std"]),
        )


# ---------------------------------------------------------------------------------------------
# What load_dataset returns, and the catalogue
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LoadedData:
    """A data set split three ways, as tensors the model takes as they are."""

    key: str  # a DATASETS key, "zip" or "csv"
    kind: str  # "image" or "tabular"
    classes: tuple[str, ...]  # class index -> readable name
    x_train: torch.Tensor  # (N, C, H, W) or (N, F) float32, already normalised
    y_train: torch.Tensor  # (N,) int64 class indices
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    description: Message  # where the data came from and what was done to it
    preprocessing: Preprocessing | None = None  # image data
    standardization: Standardization | None = None  # tabular data

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def class_counts(self) -> dict[str, list[int]]:
        """Return ``{"train": [count per class], "val": [...], "test": [...]}``."""
        splits = {"train": self.y_train, "val": self.y_val, "test": self.y_test}
        return {name: torch.bincount(y, minlength=self.num_classes).tolist() for name, y in splits.items()}


@dataclass(frozen=True)
class DatasetInfo:
    """A catalogue entry: what a data set is, before loading it."""

    key: str
    kind: str  # "image" or "tabular"
    input_shape: tuple[int, ...]  # (C, H, W) at the default input size, or (F,)
    num_classes: int
    offline: bool  # True: ships with the app; False: needs torchvision's files in STRIDE_DATA_DIR
    samples: int  # the whole set (all splits): what ``max_samples`` caps

    @property
    def title(self) -> Message:
        return Message(f"data.title_{self.key}")

    @property
    def about(self) -> Message:
        return Message(f"data.about_{self.key}")


DATASETS: dict[str, DatasetInfo] = {
    info.key: info
    for info in (
        DatasetInfo("digits", "image", (1, 32, 32), 10, True, 1_797),
        DatasetInfo("shapes", "image", (3, 32, 32), 10, True, SHAPES_COUNT),
        DatasetInfo("synthetic3", "tabular", (3,), 3, True, SYNTHETIC3_COUNT),
        DatasetInfo("iris", "tabular", (4,), 3, True, 150),
        DatasetInfo("wine", "tabular", (13,), 3, True, 178),
        DatasetInfo("breast_cancer", "tabular", (30,), 2, True, 569),
        DatasetInfo("mnist", "image", (1, 28, 28), 10, False, 70_000),
        DatasetInfo("fashion_mnist", "image", (1, 28, 28), 10, False, 70_000),
        DatasetInfo("cifar10", "image", (3, 32, 32), 10, False, 60_000),
    )
}


# ---------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------


def split_indices(
    labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return sorted (train, val, test) indices into ``labels``, stratified and fixed by ``seed``.

    Each class is shuffled on its own and cut in the same proportions (rounded half up), so a
    small class keeps its share in every split and always keeps at least one training sample.
    """
    rng = np.random.default_rng((seed, _STREAM_SPLIT))
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n = len(members)
        n_test = min(n - 1, math.floor(n * test_fraction + 0.5))
        n_val = min(n - 1 - n_test, math.floor(n * val_fraction + 0.5))
        parts[2].append(members[:n_test])
        parts[1].append(members[n_test : n_test + n_val])
        parts[0].append(members[n_test + n_val :])
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, np.int64) for p in parts)
    return train, val, test


def _subsample(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Return sorted indices of ``count`` samples, as balanced across classes as the data allows."""
    if count >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng((seed, _STREAM_SUBSAMPLE))
    # Deal the classes round-robin: rank within its own shuffled class, then take the lowest ranks.
    rank = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rank[rng.permutation(members)] = np.arange(len(members))
    order = np.lexsort((rng.random(len(labels)), rank))
    return np.sort(order[:count])


# ---------------------------------------------------------------------------------------------
# load_dataset
# ---------------------------------------------------------------------------------------------


def load_dataset(
    key: str,
    *,
    input_size: int | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_samples: int | None = None,
    data_dir: Path | str | None = None,
) -> LoadedData:
    """Return the data set ``key`` of :data:`DATASETS`, split and ready for the model.

    ``input_size`` (image sets only) is the side of the square model input in px; None means
    the set's own (``DATASETS[key].input_shape``). ``max_samples`` keeps a class-balanced
    random subset first. The torchvision sets keep their official test set (``test_fraction``
    is not used) and take the validation part from their training set. ``data_dir`` defaults
    to ``STRIDE_DATA_DIR``. Splits, subsets and generated data are fixed by ``seed``.
    """
    info = DATASETS.get(key)
    if info is None:
        raise UserError(Message("data.unknown_dataset", {"value": key, "choices": _closest(key, DATASETS)}))
    check_fraction("val_fraction", val_fraction)
    check_fraction("test_fraction", test_fraction)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UserError(Message("data.bad_seed", {"value": seed}))
    if max_samples is not None and max_samples < MIN_SAMPLES:
        raise UserError(Message("data.too_few_samples", {"value": max_samples, "min": MIN_SAMPLES}))
    if info.kind == "tabular":
        if input_size is not None:
            raise UserError(Message("data.input_size_tabular", {"value": input_size, "dataset": key}))
        return _load_table(key, val_fraction, test_fraction, seed, max_samples)
    size = info.input_shape[-1] if input_size is None else input_size
    check_input_size(size)
    if key == "digits":
        return _load_digits(size, val_fraction, test_fraction, seed, max_samples)
    if key == "shapes":
        return _load_shapes(size, val_fraction, test_fraction, seed, max_samples)
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    return _load_torchvision(key, folder, size, val_fraction, seed, max_samples)


def check_input_size(size: int) -> None:
    """Raise UserError, naming the nearest valid size, unless ``size`` (px) is in INPUT_SIZE_RANGE."""
    low, high = INPUT_SIZE_RANGE
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        nearest = int(min(max(size, low), high)) if isinstance(size, int | float) and math.isfinite(size) else 32
        raise UserError(Message("data.input_size_range", {"value": size, "min": low, "max": high, "nearest": nearest}))


def check_fraction(name: str, value: float) -> None:
    """Raise UserError, naming the nearest valid value, unless ``value`` is in FRACTION_RANGE."""
    low, high = FRACTION_RANGE
    if not isinstance(value, int | float) or not low <= value <= high:
        nearest = min(max(value, low), high) if isinstance(value, int | float) and math.isfinite(value) else 0.1
        raise UserError(
            Message("data.fraction_range", {"name": name, "value": value, "min": low, "max": high, "nearest": nearest})
        )


def _closest(value: object, choices: dict) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=3, cutoff=0.5)
    return ", ".join(close or choices)


def image_data(
    key: str,
    unit: torch.Tensor,
    draft: Preprocessing,
    labels: np.ndarray,
    classes: tuple[str, ...],
    splits: tuple[np.ndarray, np.ndarray, np.ndarray],
    description: Message,
) -> LoadedData:
    """Return LoadedData of [0, 1] images (N, C, H, W) made by ``draft``, normalised with the training split's stats."""
    preprocessing = _with_statistics(draft, unit[torch.from_numpy(splits[0])])
    x = preprocessing.normalize(unit)
    return LoadedData(key, "image", classes, *_split(x, labels, splits), description, preprocessing=preprocessing)


def _split(x: torch.Tensor, labels: np.ndarray, splits: tuple[np.ndarray, ...]) -> list[torch.Tensor]:
    """Return [x_train, y_train, x_val, y_val, x_test, y_test]."""
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    return [t[torch.from_numpy(rows)] for rows in splits for t in (x, y)]


def draft_preprocessing(mode: str, size: int, resize: str, invert: bool = False) -> Preprocessing:
    """Return a preprocessing whose mean and std are still to be measured (0 and 1)."""
    channels = 1 if mode == "L" else 3
    return Preprocessing(mode, (size, size), resize, (0.0,) * channels, (1.0,) * channels, invert)


def _with_statistics(draft: Preprocessing, train_unit: torch.Tensor) -> Preprocessing:
    # Rounded to 4 places: model.json then reads like the textbook's Normalize((0.1307,), (0.3081,)).
    mean = train_unit.mean(dim=(0, 2, 3), dtype=torch.float64)
    std = train_unit.to(torch.float64).std(dim=(0, 2, 3), correction=0)
    return Preprocessing(
        mode=draft.mode,
        size=draft.size,
        resize=draft.resize,
        mean=tuple(round(float(m), 4) for m in mean),
        std=tuple(round(float(s), 4) if s >= 1e-3 else 1.0 for s in std),
        invert=draft.invert,
    )


def _load_digits(
    size: int, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None
) -> LoadedData:
    pixels, labels = digits_source()
    keep = _subsample(labels, max_samples or len(labels), seed)
    pixels, labels = pixels[keep], labels[keep]
    draft = draft_preprocessing("L", size, "bilinear", invert=True)
    splits = split_indices(labels, val_fraction, test_fraction, seed)
    description = Message("data.desc_digits", {"count": len(labels), "size": size})
    return image_data("digits", draft.to_unit(pixels), draft, labels, DIGIT_CLASSES, splits, description)


def digits_source() -> tuple[torch.Tensor, np.ndarray]:
    """Return scikit-learn's 8x8 digits as pictures, (1797, 1, 8, 8) uint8, and their labels.

    The stored ink levels 0..16 become 255 - round(v * 255 / 16): dark ink on white paper, as
    a photo of handwriting looks, so that a user's photo takes the same path to the model.
    """
    from sklearn.datasets import load_digits  # slow to import; only the tables need sklearn

    bunch = load_digits()
    ink = np.rint(bunch.images * 255 / 16).astype(np.uint8)  # (N, 8, 8), 0..255
    return torch.from_numpy(255 - ink)[:, None], bunch.target.astype(np.int64)


def _load_shapes(
    size: int, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None
) -> LoadedData:
    params = shape_params(SHAPES_COUNT, seed)
    keep = _subsample(params["label"], max_samples or SHAPES_COUNT, seed)
    images = draw_shapes(params, keep)  # (n, 32, 32, 3) uint8
    labels = params["label"][keep]
    pixels = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # (n, H, W, 3) -> (n, 3, H, W)
    draft = draft_preprocessing("RGB", size, "bilinear")
    splits = split_indices(labels, val_fraction, test_fraction, seed)
    description = Message("data.desc_shapes", {"count": len(labels), "seed": seed, "size": size})
    return image_data("shapes", draft.to_unit(pixels), draft, labels, SHAPE_CLASSES, splits, description)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def _load_table(key: str, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None) -> LoadedData:
    if key == "synthetic3":
        features, labels = synthetic3(SYNTHETIC3_COUNT, seed)
        names = ("x1", "x2", "x3")
        classes = ("sum < 1", "1 <= sum <= 2", "sum > 2")
    else:
        from sklearn import datasets as sk  # slow to import; only the tables need it

        bunch = {"iris": sk.load_iris, "wine": sk.load_wine, "breast_cancer": sk.load_breast_cancer}[key]()
        features, labels = bunch.data, bunch.target.astype(np.int64)
        names = tuple(str(n) for n in bunch.feature_names)
        classes = tuple(str(c) for c in bunch.target_names)
        if key == "wine":  # scikit-learn calls the three grape cultivars class_0..class_2
            classes = ("cultivar 1", "cultivar 2", "cultivar 3")
    keep = _subsample(labels, max_samples or len(labels), seed)
    features, labels = features[keep], labels[keep]
    description = Message(
        f"data.desc_{key}" if key == "synthetic3" else "data.desc_table",
        {"name": key, "rows": len(labels), "features": len(names), "classes": len(classes)},
    )
    return table_data(
        key, features, labels, names, classes, split_indices(labels, val_fraction, test_fraction, seed), description
    )


def synthetic3(count: int = SYNTHETIC3_COUNT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the curriculum's 3-feature set: (N, 3) uniform in [0, 1], labels 0 / 1 / 2.

    The label says whether x1 + x2 + x3 is below 1, between 1 and 2 (both included), or above 2.
    """
    features = np.random.default_rng((seed, _STREAM_SYNTHETIC3)).uniform(0, 1, (count, 3))
    total = features.sum(axis=1)
    return features, np.where(total < 1, 0, np.where(total > 2, 2, 1)).astype(np.int64)


def table_data(
    key: str,
    features: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    classes: tuple[str, ...],
    splits: tuple[np.ndarray, np.ndarray, np.ndarray],
    description: Message,
) -> LoadedData:
    """Return LoadedData of (N, F) features, standardised with the training split's mean and std."""
    train_rows = np.asarray(features, dtype=np.float64)[splits[0]]
    std = train_rows.std(axis=0)
    standardization = Standardization(
        feature_names=names,
        mean=tuple(float(m) for m in train_rows.mean(axis=0)),
        std=tuple(float(s) if s > 1e-12 else 1.0 for s in std),
    )
    x = standardization.apply(features)
    return LoadedData(key, "tabular", classes, *_split(x, labels, splits), description, standardization=standardization)


# ---------------------------------------------------------------------------------------------
# torchvision sets: only from files already on disk
# ---------------------------------------------------------------------------------------------

# key -> (torchvision class name, folder under data_dir, files that must be there, class names)
_TORCHVISION = {
    "mnist": (
        "MNIST",
        "MNIST/raw",
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        DIGIT_CLASSES,
    ),
    "fashion_mnist": (
        "FashionMNIST",
        "FashionMNIST/raw",
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"),
    ),
    "cifar10": (
        "CIFAR10",
        "cifar-10-batches-py",
        ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"),
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}


def files_present(key: str, data_dir: Path | str | None = None) -> bool:
    """Return whether ``key`` can be loaded without a network: embedded, or its files are on disk."""
    if DATASETS[key].offline:
        return True
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    _, sub, files, _ = _TORCHVISION[key]
    return all((folder / sub / name).is_file() for name in files)


def _load_torchvision(
    key: str, data_dir: Path, size: int, val_fraction: float, seed: int, max_samples: int | None
) -> LoadedData:
    class_name, sub, _, classes = _TORCHVISION[key]
    if not files_present(key, data_dir):
        raise UserError(
            Message(
                "data.torchvision_missing",
                {
                    "name": class_name,
                    "folder": str((data_dir / sub).resolve()),
                    "command": f"python -m core.data download {key} --data-dir {data_dir}",
                },
            )
        )
    import torchvision  # slow to import; only these sets need it

    parts = []
    try:
        for train in (True, False):
            dataset = getattr(torchvision.datasets, class_name)(root=str(data_dir), train=train, download=False)
            parts.append((np.asarray(dataset.data), np.asarray(dataset.targets, dtype=np.int64)))
    except (RuntimeError, OSError, ValueError, EOFError) as exc:  # damaged or partial files
        logger.info("could not read %s from %s: %r", class_name, data_dir, exc)
        raise UserError(
            Message(
                "data.torchvision_unreadable",
                {"name": class_name, "folder": str(data_dir / sub), "detail": str(exc)[:200]},
            )
        ) from exc
    (train_images, train_labels), (test_images, test_labels) = parts
    if max_samples is not None:  # cap both official parts, keeping their proportions
        n_train = round(max_samples * len(train_labels) / (len(train_labels) + len(test_labels)))
        keep_train = _subsample(train_labels, max(1, n_train), seed)
        keep_test = _subsample(test_labels, max(1, max_samples - n_train), seed)
        train_images, train_labels = train_images[keep_train], train_labels[keep_train]
        test_images, test_labels = test_images[keep_test], test_labels[keep_test]
    images = np.concatenate([train_images, test_images])
    pixels = (
        torch.from_numpy(images)[:, None]
        if images.ndim == 3
        else torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    )
    if key == "mnist":  # shown as dark ink on white, like the digits; see digits_source()
        pixels = 255 - pixels
    labels = np.concatenate([train_labels, test_labels])
    train, val, _ = split_indices(train_labels, val_fraction, 0.0, seed)
    test = np.arange(len(train_labels), len(labels))
    draft = draft_preprocessing("RGB" if key == "cifar10" else "L", size, "bilinear", invert=key == "mnist")
    sizes = {"name": class_name, "train": len(train_labels), "test": len(test_labels), "size": size}
    description = Message("data.desc_torchvision", sizes)
    return image_data(key, draft.to_unit(pixels), draft, labels, classes, (train, val, test), description)


def download(key: str, data_dir: Path, timeout_s: float) -> None:
    """Download the torchvision set ``key`` into ``data_dir``; network reads time out after ``timeout_s``."""
    import socket

    import torchvision

    class_name = _TORCHVISION[key][0]
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # torchvision's urllib calls take no timeout of their own
    try:
        for train in (True, False):
            getattr(torchvision.datasets, class_name)(root=str(data_dir), train=train, download=True)
    finally:
        socket.setdefaulttimeout(previous)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m core.data list`` or ``python -m core.data download KEY [--data-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m core.data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the data sets and whether each can be loaded here")
    fetch = commands.add_parser("download", help="download a torchvision data set (needs the internet)")
    fetch.add_argument("key", choices=sorted(_TORCHVISION), help="which data set")
    fetch.add_argument(
        "--timeout-s", type=float, default=60.0, help="give up when the server is silent this long (default: 60)"
    )
    for command in (listing, fetch):
        command.add_argument(
            "--data-dir", type=Path, default=None, help="data folder (default: STRIDE_DATA_DIR or ./data)"
        )
    args = parser.parse_args(argv)
    data_dir = args.data_dir if args.data_dir is not None else Settings.from_env().data_dir
    if args.command == "list":
        for key, info in DATASETS.items():
            where = (
                "embedded"
                if info.offline
                else ("present" if files_present(key, data_dir) else f"missing in {data_dir}")
            )
            print(
                f"{key:14} {info.kind:8} {'x'.join(map(str, info.input_shape)):10} {info.num_classes:3} classes  {where}"
            )
        return 0
    try:
        download(args.key, data_dir, args.timeout_s)
    except OSError as exc:  # URLError and socket timeouts are OSErrors
        print(f"download failed: {exc}", file=sys.stderr)
        return 1
    print(f"{args.key} is in {data_dir.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
