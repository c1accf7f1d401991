"""Data sets as tensors ready for training, and the preprocessing that turns an image into one.

Owns: the catalogue of data sets (:data:`DATASETS`), the embedded ones that work offline at
first start (scikit-learn's 8x8 digits, generated shapes, the curriculum's 3-feature set,
scikit-learn's iris / wine / breast-cancer tables), the torchvision ones (MNIST,
FashionMNIST, CIFAR-10) when their files are in ``STRIDE_DATA_DIR``, user uploads (a zip of
class folders, a CSV), deterministic train / validation / test splits, and
:class:`Preprocessing`, the one description of "image -> model input" that training uses and
that is saved with every model and reused for prediction.

Everything comes back as a :class:`LoadedData` of whole tensors: the data sets are small, so
the trainer keeps them on the device and shuffles and augments there. Problems a user can fix
raise :class:`~core.i18n.UserError`; nothing here formats text or imports Streamlit.

    python -m core.data download mnist     # fetch a torchvision set into STRIDE_DATA_DIR
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import logging
import math
import re
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.i18n import Message, UserError
from core.images import decode_image, to_gray, to_rgb
from core.settings import Settings

logger = logging.getLogger(__name__)

INPUT_SIZE_RANGE = (8, 64)  # px; 64 keeps CIFAR-10 (60,000 images) under 3 GB as float32
FRACTION_RANGE = (0.0, 0.5)  # for val_fraction and test_fraction each
MIN_SAMPLES = 10  # the smallest max_samples that still leaves something to split

SHAPES_COUNT = 6_000  # a tenth of CIFAR-10, the set it stands in for
SHAPES_SIZE = 32  # px, like CIFAR-10
SHAPE_CLASSES = ("circle", "ring", "square", "triangle", "diamond", "plus", "cross", "star", "heart", "crescent")
SYNTHETIC3_COUNT = 10_000  # as in the curriculum
DIGIT_CLASSES = tuple(str(d) for d in range(10))

# Image preprocessing modes. Both interpolate bilinearly with antialiasing (what torchvision's
# Resize does), so shrinking a photo averages its pixels instead of skipping them.
RESIZE_MODES = (
    "bilinear",  # stretch to (H, W); the aspect ratio is not kept (torchvision Resize((H, W)))
    "bilinear_center_crop",  # scale so the image covers (H, W), keep the aspect, crop the centre
)

# One random stream per purpose, so that e.g. a smaller max_samples never changes the shapes drawn.
_STREAM_SPLIT, _STREAM_SUBSAMPLE, _STREAM_SHAPES, _STREAM_SYNTHETIC3 = 1, 2, 3, 4


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
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid_preprocessing("preprocessing", repr(data)[:200], "a dict written by to_dict()") from exc

    def apply(self, image: Image.Image) -> torch.Tensor:
        """Return ``image`` as the model input: a (C, H, W) float32 tensor, as in training."""
        return self.normalize(self.to_unit(_pixels(self._convert(image))))[0]

    def steps(self, image: Image.Image) -> list[tuple[str, object]]:
        """Return ``(text key, result)`` for each stage of :meth:`apply`, to show on a page.

        Results: the colour-converted picture, the inverted one (only when ``invert``), the
        resized one (PIL images) and the normalised (C, H, W) tensor, which equals ``apply``.
        """
        converted = self._convert(image)
        stages: list[tuple[str, object]] = [("data.step_convert", converted)]
        pixels = _pixels(converted)
        if self.invert:
            stages.append(("data.step_invert", _to_pil(1 - pixels.to(torch.float32) / 255)))
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

    def _convert(self, image: Image.Image) -> Image.Image:
        if image.mode == self.mode:
            return image
        rgb, _ = to_rgb(image)  # transparency on white, 16-bit scaled: images.py decides
        return to_gray(rgb) if self.mode == "L" else rgb


def _invalid_preprocessing(field_name: str, value: object, allowed: str) -> UserError:
    return UserError(Message("data.preprocessing_invalid", {"field": field_name, "value": value, "allowed": allowed}))


def _pixels(image: Image.Image) -> torch.Tensor:
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

    @property
    def title(self) -> Message:
        return Message(f"data.title_{self.key}")

    @property
    def about(self) -> Message:
        return Message(f"data.about_{self.key}")


DATASETS: dict[str, DatasetInfo] = {
    info.key: info
    for info in (
        DatasetInfo("digits", "image", (1, 32, 32), 10, True),
        DatasetInfo("shapes", "image", (3, 32, 32), 10, True),
        DatasetInfo("synthetic3", "tabular", (3,), 3, True),
        DatasetInfo("iris", "tabular", (4,), 3, True),
        DatasetInfo("wine", "tabular", (13,), 3, True),
        DatasetInfo("breast_cancer", "tabular", (30,), 2, True),
        DatasetInfo("mnist", "image", (1, 28, 28), 10, False),
        DatasetInfo("fashion_mnist", "image", (1, 28, 28), 10, False),
        DatasetInfo("cifar10", "image", (3, 32, 32), 10, False),
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
    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    if not isinstance(seed, int) or seed < 0:
        raise UserError(Message("data.bad_seed", {"value": seed}))
    if max_samples is not None and max_samples < MIN_SAMPLES:
        raise UserError(Message("data.too_few_samples", {"value": max_samples, "min": MIN_SAMPLES}))
    if info.kind == "tabular":
        if input_size is not None:
            raise UserError(Message("data.input_size_tabular", {"value": input_size, "dataset": key}))
        return _load_table(key, val_fraction, test_fraction, seed, max_samples)
    size = info.input_shape[-1] if input_size is None else input_size
    low, high = INPUT_SIZE_RANGE
    if not isinstance(size, int) or not low <= size <= high:
        nearest = min(max(size, low), high) if isinstance(size, int | float) else info.input_shape[-1]
        raise UserError(Message("data.input_size_range", {"value": size, "min": low, "max": high, "nearest": int(nearest)}))
    if key == "digits":
        return _load_digits(size, val_fraction, test_fraction, seed, max_samples)
    if key == "shapes":
        return _load_shapes(size, val_fraction, test_fraction, seed, max_samples)
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    return _load_torchvision(key, folder, size, val_fraction, seed, max_samples)


def _check_fraction(name: str, value: float) -> None:
    low, high = FRACTION_RANGE
    if not isinstance(value, int | float) or not low <= value <= high:
        nearest = min(max(value, low), high) if isinstance(value, int | float) and math.isfinite(value) else 0.1
        raise UserError(Message("data.fraction_range", {"name": name, "value": value, "min": low, "max": high, "nearest": nearest}))


def _closest(value: object, choices: dict) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=3, cutoff=0.5)
    return ", ".join(close or choices)


def _image_data(
    key: str,
    pixels: torch.Tensor,
    labels: np.ndarray,
    classes: tuple[str, ...],
    splits: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    mode: str,
    size: int,
    resize: str,
    invert: bool,
    description: Message,
) -> LoadedData:
    """Preprocess uint8 images (N, C, H0, W0) with the training split's mean and std."""
    # Statistics first need the resized [0, 1] pixels; mean and std are placeholders until then.
    draft = Preprocessing(mode, (size, size), resize, (0.0,) * pixels.shape[1], (1.0,) * pixels.shape[1], invert)
    unit = draft.to_unit(pixels)  # (N, C, H, W) in [0, 1]
    preprocessing = _with_statistics(draft, unit[torch.from_numpy(splits[0])])
    x = preprocessing.normalize(unit)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    train, val, test = (torch.from_numpy(s) for s in splits)
    return LoadedData(
        key=key, kind="image", classes=classes,
        x_train=x[train], y_train=y[train], x_val=x[val], y_val=y[val], x_test=x[test], y_test=y[test],
        description=description, preprocessing=preprocessing,
    )  # fmt: skip


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


def _load_digits(size: int, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None) -> LoadedData:
    pixels, labels = digits_source()
    keep = _subsample(labels, max_samples or len(labels), seed)
    pixels, labels = pixels[keep], labels[keep]
    return _image_data(
        "digits", pixels, labels, DIGIT_CLASSES, split_indices(labels, val_fraction, test_fraction, seed),
        mode="L", size=size, resize="bilinear", invert=True,
        description=Message("data.desc_digits", {"count": len(labels), "size": size}),
    )  # fmt: skip


def digits_source() -> tuple[torch.Tensor, np.ndarray]:
    """Return scikit-learn's 8x8 digits as pictures, (1797, 1, 8, 8) uint8, and their labels.

    The stored ink levels 0..16 become 255 - round(v * 255 / 16): dark ink on white paper, as
    a photo of handwriting looks, so that a user's photo takes the same path to the model.
    """
    from sklearn.datasets import load_digits  # slow to import; only the tables need sklearn

    bunch = load_digits()
    ink = np.rint(bunch.images * 255 / 16).astype(np.uint8)  # (N, 8, 8), 0..255
    return torch.from_numpy(255 - ink)[:, None], bunch.target.astype(np.int64)


def _load_shapes(size: int, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None) -> LoadedData:
    params = _shape_params(SHAPES_COUNT, seed)
    keep = _subsample(params["label"], max_samples or SHAPES_COUNT, seed)
    images = _render_shapes(params, keep)  # (n, 32, 32, 3) uint8
    labels = params["label"][keep]
    pixels = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # (n, H, W, 3) -> (n, 3, H, W)
    return _image_data(
        "shapes", pixels, labels, SHAPE_CLASSES, split_indices(labels, val_fraction, test_fraction, seed),
        mode="RGB", size=size, resize="bilinear", invert=False,
        description=Message("data.desc_shapes", {"count": len(labels), "seed": seed, "size": size}),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The generated shapes set
# ---------------------------------------------------------------------------------------------


def render_shapes(count: int = SHAPES_COUNT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``count`` generated shape pictures, (N, 32, 32, 3) uint8, and labels (N,) int64.

    Classes are balanced (``count // 10`` each, the rest spread) and shuffled. Each picture
    has its own foreground and background colour (at least 0.3 apart in every channel),
    size, position, rotation (within +-15 degrees, so a square never turns into a diamond)
    and Gaussian noise. Fixed by ``seed``.
    """
    params = _shape_params(count, seed)
    return _render_shapes(params, np.arange(count)), params["label"]


def _shape_params(count: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng((seed, _STREAM_SHAPES))
    radius = rng.uniform(0.2, 0.42, count)  # of the picture's side
    fg = rng.uniform(0, 1, (count, 3))
    return {
        "label": rng.permutation(np.arange(count) % len(SHAPE_CLASSES)).astype(np.int64),
        "radius": radius,
        "cx": radius + rng.uniform(0, 1, count) * (1 - 2 * radius),  # fully inside the picture
        "cy": radius + rng.uniform(0, 1, count) * (1 - 2 * radius),
        "angle": np.deg2rad(rng.uniform(-15, 15, count)),
        "fg": fg,
        "bg": (fg + rng.uniform(0.3, 0.7, (count, 3))) % 1.0,  # 0.3..0.7 away in each channel
        "noise": rng.uniform(0, 0.08, count),  # std of the Gaussian noise, in [0, 1] units
        "noise_seed": rng.integers(0, 2**63, count),
    }


def _shape_mask(label: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Return where shape ``label`` covers the points (u, v): unit coordinates, v pointing down."""
    r2 = u * u + v * v
    name = SHAPE_CLASSES[label]
    if name == "circle":
        return r2 <= 1
    if name == "ring":
        return (r2 <= 1) & (r2 >= 0.55**2)
    if name == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.8
    if name == "triangle":  # equilateral, corners on the unit circle, pointing up
        half = math.sqrt(3) / 2
        return (v <= 0.5) & (half * u - 0.5 * v <= 0.5) & (-half * u - 0.5 * v <= 0.5)
    if name == "diamond":  # taller than wide, so it is no rotated square
        return np.abs(u) / 0.6 + np.abs(v) <= 1
    if name in ("plus", "cross"):
        if name == "cross":  # a plus turned 45 degrees
            u, v = (u + v) / math.sqrt(2), (u - v) / math.sqrt(2)
        au, av = np.abs(u), np.abs(v)
        return ((au <= 0.3) & (av <= 0.95)) | ((av <= 0.3) & (au <= 0.95))
    if name == "star":  # five points: the radius goes from 0.42 between points to 1 at a point
        sector = 2 * math.pi / 5
        angle = np.arctan2(u, -v) % sector
        towards_point = np.abs(angle - sector / 2) / (sector / 2)  # 0 between points, 1 at one
        return np.sqrt(r2) <= 0.42 + 0.58 * towards_point
    if name == "heart":  # the implicit heart curve (x^2 + y^2 - 1)^3 = x^2 y^3
        x, y = u * 1.15, -v * 1.15 + 0.15
        return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0
    if name == "crescent":  # a disc with a bite taken out on the right
        return (r2 <= 1) & ((u - 0.45) ** 2 + v * v >= 0.8**2)
    raise ValueError(f"no drawing for shape {name!r}")


def _render_shapes(params: dict[str, np.ndarray], indices: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Draw the pictures ``indices`` of ``params``: (n, 32, 32, 3) uint8, 2x2 supersampled edges."""
    supersample = 2
    side = SHAPES_SIZE * supersample
    centres = (np.arange(side, dtype=np.float32) + 0.5) / side  # pixel centres in [0, 1]
    py, px = np.meshgrid(centres, centres, indexing="ij")  # (side, side)
    out = np.empty((len(indices), SHAPES_SIZE, SHAPES_SIZE, 3), dtype=np.uint8)
    for start in range(0, len(indices), chunk):
        idx = indices[start : start + chunk]

        def column(name: str) -> np.ndarray:
            return params[name][idx].astype(np.float32)[:, None, None]  # (n,) -> (n, 1, 1)

        # Rotate by -angle about the centre and divide by the radius: the shape's own unit frame.
        dx, dy = px - column("cx"), py - column("cy")  # (n, side, side)
        cos, sin, radius = np.cos(column("angle")), np.sin(column("angle")), column("radius")
        u, v = (cos * dx + sin * dy) / radius, (cos * dy - sin * dx) / radius
        inside = np.zeros(u.shape, dtype=bool)
        labels = params["label"][idx]
        for label in np.unique(labels):
            rows = np.flatnonzero(labels == label)
            inside[rows] = _shape_mask(int(label), u[rows], v[rows])
        # (n, side, side) -> (n, 32, 32, 1): the share of each pixel the shape covers
        hits = inside.reshape(len(idx), SHAPES_SIZE, supersample, SHAPES_SIZE, supersample).sum(axis=(2, 4), dtype=np.uint8)
        cover = hits[..., None].astype(np.float32) / supersample**2
        fg = params["fg"][idx].astype(np.float32)[:, None, None, :]  # (n, 1, 1, 3)
        bg = params["bg"][idx].astype(np.float32)[:, None, None, :]
        picture = bg + cover * (fg - bg)  # (n, 32, 32, 3)
        for row, i in enumerate(idx):  # each picture's own noise stream: a subset draws the same noise
            noise = np.random.default_rng(params["noise_seed"][i]).standard_normal(picture.shape[1:], dtype=np.float32)
            picture[row] += noise * np.float32(params["noise"][i])
        out[start : start + len(idx)] = np.clip(np.rint(picture * 255), 0, 255).astype(np.uint8)
    return out


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
    return _table_data(key, features, labels, names, classes, split_indices(labels, val_fraction, test_fraction, seed), description)


def synthetic3(count: int = SYNTHETIC3_COUNT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the curriculum's 3-feature set: (N, 3) uniform in [0, 1], labels 0 / 1 / 2.

    The label says whether x1 + x2 + x3 is below 1, between 1 and 2 (both included), or above 2.
    """
    features = np.random.default_rng((seed, _STREAM_SYNTHETIC3)).uniform(0, 1, (count, 3))
    total = features.sum(axis=1)
    return features, np.where(total < 1, 0, np.where(total > 2, 2, 1)).astype(np.int64)


def _table_data(
    key: str,
    features: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    classes: tuple[str, ...],
    splits: tuple[np.ndarray, np.ndarray, np.ndarray],
    description: Message,
) -> LoadedData:
    """Standardise (N, F) features with the training split's mean and std."""
    train_rows = np.asarray(features, dtype=np.float64)[splits[0]]
    std = train_rows.std(axis=0)
    standardization = Standardization(
        feature_names=names,
        mean=tuple(float(m) for m in train_rows.mean(axis=0)),
        std=tuple(float(s) if s > 1e-12 else 1.0 for s in std),
    )
    x = standardization.apply(features)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    train, val, test = (torch.from_numpy(s) for s in splits)
    return LoadedData(
        key=key, kind="tabular", classes=classes,
        x_train=x[train], y_train=y[train], x_val=x[val], y_val=y[val], x_test=x[test], y_test=y[test],
        description=description, standardization=standardization,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# torchvision sets: only from files already on disk
# ---------------------------------------------------------------------------------------------

# key -> (torchvision class name, folder under data_dir, files that must be there, class names)
_TORCHVISION = {
    "mnist": ("MNIST", "MNIST/raw", ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), DIGIT_CLASSES),
    "fashion_mnist": ("FashionMNIST", "FashionMNIST/raw", ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")),
    "cifar10": ("CIFAR10", "cifar-10-batches-py", ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"), ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")),
}  # fmt: skip


def files_present(key: str, data_dir: Path | str | None = None) -> bool:
    """Return whether ``key`` can be loaded without a network: embedded, or its files are on disk."""
    if DATASETS[key].offline:
        return True
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    _, sub, files, _ = _TORCHVISION[key]
    return all((folder / sub / name).is_file() for name in files)


def _load_torchvision(key: str, data_dir: Path, size: int, val_fraction: float, seed: int, max_samples: int | None) -> LoadedData:
    class_name, sub, _, classes = _TORCHVISION[key]
    if not files_present(key, data_dir):
        raise UserError(
            Message(
                "data.torchvision_missing",
                {"name": class_name, "folder": str((data_dir / sub).resolve()), "command": f"python -m core.data download {key} --data-dir {data_dir}"},
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
        raise UserError(Message("data.torchvision_unreadable", {"name": class_name, "folder": str(data_dir / sub), "detail": str(exc)[:200]})) from exc
    (train_images, train_labels), (test_images, test_labels) = parts
    if max_samples is not None:  # cap both official parts, keeping their proportions
        n_train = round(max_samples * len(train_labels) / (len(train_labels) + len(test_labels)))
        keep_train = _subsample(train_labels, max(1, n_train), seed)
        keep_test = _subsample(test_labels, max(1, max_samples - n_train), seed)
        train_images, train_labels = train_images[keep_train], train_labels[keep_train]
        test_images, test_labels = test_images[keep_test], test_labels[keep_test]
    images = np.concatenate([train_images, test_images])
    pixels = torch.from_numpy(images)[:, None] if images.ndim == 3 else torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    if key == "mnist":  # shown as dark ink on white, like the digits; see digits_source()
        pixels = 255 - pixels
    labels = np.concatenate([train_labels, test_labels])
    train, val, _ = split_indices(train_labels, val_fraction, 0.0, seed)
    test = np.arange(len(train_labels), len(labels))
    return _image_data(
        key, pixels, labels, classes, (train, val, test),
        mode="RGB" if key == "cifar10" else "L", size=size, resize="bilinear", invert=key == "mnist",
        description=Message("data.desc_torchvision", {"name": class_name, "train": len(train_labels), "test": len(test_labels), "size": size}),
    )  # fmt: skip


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
# User uploads: a zip of class folders
# ---------------------------------------------------------------------------------------------

_JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}  # and every name starting with "."
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
RATIO_CHECK_BYTES = 1 << 20  # entries this large (uncompressed) must respect max_ratio; small ones can't hurt


def load_image_zip(
    data: bytes,
    *,
    input_size: int = 32,
    mode: str = "RGB",
    max_bytes: int | None = None,
    max_entries: int = 5_000,
    max_total_bytes: int = 200 * 1024 * 1024,
    max_ratio: int = 100,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[LoadedData, list[Message]]:
    """Return a data set from a zip of class folders, and a message for each file left out.

    The class of an image is the folder that directly holds it (``ants/1.jpg`` and
    ``train/ants/2.jpg`` are both "ants"), as in torchvision's ImageFolder. Entries are read in
    memory, never written to disk. The whole zip is refused when it is larger than
    ``max_bytes`` (default: the upload cap), has more than ``max_entries`` entries, would
    unpack to more than ``max_total_bytes``, has an entry over ``RATIO_CHECK_BYTES`` that
    expands more than ``max_ratio`` times, or has a path that leaves its folder or a symbolic
    link. ``__MACOSX``, ``.DS_Store`` and hidden files are ignored; nested archives, files
    outside class folders and pictures that do not decode are left out and listed. Pictures are
    resized (shorter side to ``input_size``, centre cropped) and normalised with the training
    split's statistics.
    """
    settings = Settings.from_env()
    max_bytes = max_bytes if max_bytes is not None else settings.max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise UserError(Message("data.upload_too_big", {"size_mb": _mb(len(data)), "max_mb": _mb(max_bytes)}))
    low, high = INPUT_SIZE_RANGE
    if not low <= input_size <= high:
        raise UserError(Message("data.input_size_range", {"value": input_size, "min": low, "max": high, "nearest": min(max(input_size, low), high)}))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UserError(Message("data.zip_not_zip", {"detail": str(exc)[:200]})) from exc
    with archive:
        entries = archive.infolist()
        _check_zip_entries(entries, max_entries=max_entries, max_total_bytes=max_total_bytes, max_ratio=max_ratio)
        pictures, problems = _read_zip_pictures(archive, entries, max_total_bytes=max_total_bytes, settings=settings)

    folders = sorted({folder for folder, _ in pictures})
    if len(folders) < 2:
        raise UserError(Message("data.zip_too_few_classes", {"count": len(folders), "found": ", ".join(folders) or "-"}))
    class_index = {folder: i for i, folder in enumerate(folders)}
    labels = np.array([class_index[folder] for folder, _ in pictures], dtype=np.int64)
    splits = split_indices(labels, val_fraction, test_fraction, seed)
    channels = 1 if mode == "L" else 3
    draft = Preprocessing(mode, (input_size, input_size), "bilinear_center_crop", (0.0,) * channels, (1.0,) * channels)
    # Pictures differ in size, so each goes through the pipeline on its own: (n, C, size, size)
    unit = torch.cat([draft.to_unit(_pixels(draft._convert(picture))) for _, picture in pictures])
    preprocessing = _with_statistics(draft, unit[torch.from_numpy(splits[0])])
    x = preprocessing.normalize(unit)
    y = torch.from_numpy(labels)
    train, val, test = (torch.from_numpy(s) for s in splits)
    description = Message("data.desc_zip", {"images": len(labels), "classes": len(folders), "size": input_size, "skipped": len(problems)})
    loaded = LoadedData(
        key="zip", kind="image", classes=tuple(folders),
        x_train=x[train], y_train=y[train], x_val=x[val], y_val=y[val], x_test=x[test], y_test=y[test],
        description=description, preprocessing=preprocessing,
    )  # fmt: skip
    return loaded, problems


def _check_zip_entries(entries: list[zipfile.ZipInfo], *, max_entries: int, max_total_bytes: int, max_ratio: int) -> None:
    """Refuse the whole zip for any rule that a well-meaning zip never breaks."""
    if len(entries) > max_entries:
        raise UserError(Message("data.zip_too_many_entries", {"count": len(entries), "max": max_entries}))
    total = 0
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        parts = name.split("/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise UserError(Message("data.zip_absolute_path", {"name": _short(entry.filename)}))
        if ".." in parts:
            raise UserError(Message("data.zip_path_escape", {"name": _short(entry.filename)}))
        if stat.S_ISLNK(entry.external_attr >> 16):  # Unix mode bits live in the top 16 bits
            raise UserError(Message("data.zip_symlink", {"name": _short(entry.filename)}))
        if entry.is_dir():
            continue
        if entry.file_size > RATIO_CHECK_BYTES and entry.file_size > max_ratio * max(1, entry.compress_size):
            ratio = entry.file_size / max(1, entry.compress_size)
            raise UserError(Message("data.zip_ratio", {"name": _short(entry.filename), "ratio": round(ratio), "max": max_ratio}))
        total += entry.file_size
        if total > max_total_bytes:
            raise UserError(Message("data.zip_too_big_unpacked", {"size_mb": _mb(total), "max_mb": _mb(max_total_bytes)}))


def _read_zip_pictures(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], *, max_total_bytes: int, settings: Settings
) -> tuple[list[tuple[str, Image.Image]], list[Message]]:
    """Return ``(class folder, RGB picture)`` for each good picture and a message per file left out."""
    pictures: list[tuple[str, Image.Image]] = []
    problems: list[Message] = []
    read_total = 0
    for entry in entries:
        parts = [p for p in entry.filename.replace("\\", "/").split("/") if p]
        if entry.is_dir() or not parts or any(p in _JUNK_NAMES or p.startswith(".") for p in parts):
            continue
        name = _short(entry.filename)
        if parts[-1].lower().endswith(_ARCHIVE_SUFFIXES):
            problems.append(Message("data.zip_nested_archive", {"name": name}))
            continue
        if len(parts) < 2:
            problems.append(Message("data.zip_outside_folder", {"name": name}))
            continue
        try:
            with archive.open(entry) as stream:
                blob = stream.read(entry.file_size + 1)  # never more than the header declared
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:  # CRC, encryption
            problems.append(Message("data.zip_unreadable_entry", {"name": name, "detail": str(exc)[:200]}))
            continue
        read_total += len(blob)
        if len(blob) > entry.file_size or read_total > max_total_bytes:
            raise UserError(Message("data.zip_too_big_unpacked", {"size_mb": _mb(read_total), "max_mb": _mb(max_total_bytes)}))
        if blob.startswith(b"PK\x03\x04"):
            problems.append(Message("data.zip_nested_archive", {"name": name}))
            continue
        try:
            decoded = decode_image(
                blob, name, max_bytes=settings.max_upload_mb * 1024 * 1024,
                max_pixels=settings.max_image_pixels, max_side=settings.max_image_side,
            )  # fmt: skip
        except UserError as err:
            problems.append(err.message)
            continue
        pictures.append((parts[-2], decoded.image))
    return pictures, problems


def _short(name: str, limit: int = 120) -> str:
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _mb(size_bytes: int) -> float:
    return size_bytes / 2**20


# ---------------------------------------------------------------------------------------------
# User uploads: a CSV table
# ---------------------------------------------------------------------------------------------


def load_csv(
    data: bytes,
    *,
    max_bytes: int | None = None,
    max_rows: int = 100_000,
    max_columns: int = 1_000,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> LoadedData:
    """Return a tabular data set from CSV bytes: numeric feature columns, then the label column.

    UTF-8 text; separated by commas, semicolons or tabs. The first row is a header when none of
    its feature cells is a number. Labels may be words or whole numbers (then sorted
    numerically). Features are standardised with the training split's statistics. Each broken
    rule raises UserError naming the row and column (both counted from 1, as in a spreadsheet).
    """
    max_bytes = max_bytes if max_bytes is not None else Settings.from_env().max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise UserError(Message("data.upload_too_big", {"size_mb": _mb(len(data)), "max_mb": _mb(max_bytes)}))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(Message("data.csv_not_utf8", {"position": exc.start})) from exc
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[str]]] = []  # (line number, cells)
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for cells in reader:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > max_rows + 1:  # one more for a possible header
                raise UserError(Message("data.csv_too_many_rows", {"max": max_rows}))
    except csv.Error as exc:
        raise UserError(Message("data.csv_malformed", {"row": reader.line_num, "detail": str(exc)[:200]})) from exc
    if not rows:
        raise UserError(Message("data.csv_empty"))

    columns = len(rows[0][1])
    if columns < 2:
        raise UserError(Message("data.csv_too_few_columns", {"columns": columns}))
    if columns > max_columns:
        raise UserError(Message("data.csv_too_many_columns", {"columns": columns, "max": max_columns}))
    has_header = not any(_is_number(cell) for cell in rows[0][1][:-1])
    names = tuple(rows[0][1][:-1]) if has_header else tuple(f"x{i}" for i in range(1, columns))
    body = rows[1:] if has_header else rows
    if not body:
        raise UserError(Message("data.csv_empty"))
    if len(body) > max_rows:
        raise UserError(Message("data.csv_too_many_rows", {"max": max_rows}))

    features = np.empty((len(body), columns - 1), dtype=np.float64)
    raw_labels: list[str] = []
    for r, (line, cells) in enumerate(body):
        if len(cells) != columns:
            raise UserError(Message("data.csv_ragged", {"row": line, "cells": len(cells), "columns": columns}))
        for c, cell in enumerate(cells[:-1]):
            features[r, c] = _csv_number(cell, line, c + 1, names[c])
        if not cells[-1]:
            raise UserError(Message("data.csv_empty_cell", {"row": line, "column": columns, "name": "label"}))
        raw_labels.append(cells[-1])

    if all(re.fullmatch(r"[+-]?\d+", label) for label in raw_labels):  # whole numbers: 2 < 10
        values = [int(label) for label in raw_labels]
        classes = tuple(str(v) for v in sorted(set(values)))
        labels = np.array([classes.index(str(v)) for v in values], dtype=np.int64)
    else:
        classes = tuple(sorted(set(raw_labels)))
        index = {name: i for i, name in enumerate(classes)}
        labels = np.array([index[label] for label in raw_labels], dtype=np.int64)
    if len(classes) < 2:
        raise UserError(Message("data.csv_one_class", {"label": classes[0]}))
    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    description = Message("data.desc_csv", {"rows": len(labels), "features": columns - 1, "classes": len(classes)})
    return _table_data("csv", features, labels, names, classes, split_indices(labels, val_fraction, test_fraction, seed), description)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_number(cell: str, row: int, column: int, name: str) -> float:
    if not cell:
        raise UserError(Message("data.csv_empty_cell", {"row": row, "column": column, "name": name}))
    try:
        value = float(cell)
    except ValueError:
        raise UserError(Message("data.csv_not_number", {"row": row, "column": column, "name": name, "value": _short(cell, 40)})) from None
    if not math.isfinite(value):
        raise UserError(Message("data.csv_not_finite", {"row": row, "column": column, "name": name, "value": cell}))
    return value


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m core.data list`` or ``python -m core.data download KEY [--data-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m core.data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the data sets and whether each can be loaded here")
    fetch = commands.add_parser("download", help="download a torchvision data set (needs the internet)")
    fetch.add_argument("key", choices=sorted(_TORCHVISION), help="which data set")
    fetch.add_argument("--data-dir", type=Path, default=None, help="target folder (default: STRIDE_DATA_DIR or ./data)")
    fetch.add_argument("--timeout-s", type=float, default=60.0, help="give up when the server is silent this long (default: 60)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir if getattr(args, "data_dir", None) is not None else Settings.from_env().data_dir
    if args.command == "list":
        for key, info in DATASETS.items():
            where = "embedded" if info.offline else ("present" if files_present(key, data_dir) else f"missing in {data_dir}")
            print(f"{key:14} {info.kind:8} {'x'.join(map(str, info.input_shape)):10} {info.num_classes:3} classes  {where}")
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
