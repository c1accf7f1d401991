"""A data set split three ways: :class:`LoadedData`, and the seeded, stratified splits that make it.

Every loader (the embedded sets in :mod:`core.data`, the torchvision ones, a student's upload in
:mod:`core.uploads`) ends here: whole tensors, normalised with the training split's statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.i18n import Message
from core.preprocessing import Preprocessing, Standardization, with_statistics

# One random stream per purpose, so that e.g. a smaller max_samples never changes the shapes drawn.
STREAM_SPLIT, STREAM_SUBSAMPLE, STREAM_SYNTHETIC3 = 1, 2, 4  # 3 is core.generated_shapes' stream


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


def split_indices(
    labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return sorted (train, val, test) indices into ``labels``, stratified and fixed by ``seed``.

    Each class is shuffled on its own and cut in the same proportions (rounded half up), so a
    small class keeps its share in every split and always keeps at least one training sample.
    """
    rng = np.random.default_rng((seed, STREAM_SPLIT))
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


def subsample(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Return sorted indices of ``count`` samples, as balanced across classes as the data allows."""
    if count >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng((seed, STREAM_SUBSAMPLE))
    # Deal the classes round-robin: rank within its own shuffled class, then take the lowest ranks.
    rank = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rank[rng.permutation(members)] = np.arange(len(members))
    order = np.lexsort((rng.random(len(labels)), rank))
    return np.sort(order[:count])


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
    preprocessing = with_statistics(draft, unit[torch.from_numpy(splits[0])])
    x = preprocessing.normalize(unit)
    return LoadedData(key, "image", classes, *_split_rows(x, labels, splits), description, preprocessing=preprocessing)


def _split_rows(x: torch.Tensor, labels: np.ndarray, splits: tuple[np.ndarray, ...]) -> list[torch.Tensor]:
    """Return [x_train, y_train, x_val, y_val, x_test, y_test]."""
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    return [t[torch.from_numpy(rows)] for rows in splits for t in (x, y)]


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
    return LoadedData(
        key, "tabular", classes, *_split_rows(x, labels, splits), description, standardization=standardization
    )
