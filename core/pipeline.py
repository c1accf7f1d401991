"""The data pipeline made visible: what each DataLoader iteration gets, ToTensor and Normalize on one pixel,
and augmentation as the trainer draws it.

- :func:`loader_batches` asks a real ``torch.utils.data.DataLoader`` (over the sample indices, with a
  seeded generator) which samples each iteration of an epoch gets, so ``batch_size``, ``shuffle``,
  ``drop_last`` and the seed do exactly what they do in a script; :func:`iterations` is the
  arithmetic, ``len(DataLoader)``.
- :func:`pixel_walk` follows one pixel through ``ToTensor`` (HWC uint8 -> CHW float, /255) and
  ``Normalize(mean, std)``, by hand and through torchvision's own transforms.
- :func:`trainer_first_batch` is the first batch of an epoch exactly as :func:`core.train.train`
  draws it: the same per-epoch generator, the same order, the same crops and flips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader

from core.augment import augment, epoch_seed

MAX_EPOCH = 5  # epochs the batch viewer can look ahead (each earlier epoch is iterated first)


@dataclass(frozen=True)
class Iterations:
    """How ``n`` samples split into batches of ``batch_size``: what ``len(DataLoader)`` says."""

    n: int
    batch_size: int
    drop_last: bool
    full: int  # batches of exactly batch_size
    rest: int  # samples left over: a last, smaller batch, or dropped (drop_last=True)

    @property
    def count(self) -> int:
        return self.full + (1 if self.rest and not self.drop_last else 0)


def iterations(n: int, batch_size: int, drop_last: bool) -> Iterations:
    """Return the iterations of one epoch: ``floor(n / b)`` with drop_last, else ``ceil(n / b)``."""
    if n < 1 or batch_size < 1:
        raise ValueError(f"n {n} and batch_size {batch_size} must both be at least 1")
    full, rest = divmod(n, batch_size)
    return Iterations(n, batch_size, drop_last, full, rest)


def loader_batches(
    n: int, batch_size: int, shuffle: bool, drop_last: bool, seed: int, epoch: int = 1
) -> list[list[int]]:
    """Return the sample indices of every iteration of ``epoch`` (from 1), as a seeded DataLoader gives them.

    The loader is built once and iterated ``epoch`` times, as a training script's ``for epoch in
    ...: for x, y in loader:`` does: with shuffle, each epoch draws a new order from the generator.
    """
    loader = DataLoader(
        torch.arange(n),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=torch.Generator().manual_seed(seed),
    )
    batches: list[list[int]] = []
    for _ in range(max(1, min(epoch, MAX_EPOCH))):
        batches = [batch.tolist() for batch in loader]
    return batches


@dataclass(frozen=True)
class PixelWalk:
    """One pixel of one picture through ToTensor and Normalize."""

    hwc_shape: tuple[int, ...]  # the picture as a PIL image / numpy array gives it: (H, W, C) uint8
    chw_shape: tuple[int, ...]  # after ToTensor: (C, H, W) float32
    raw: list[int]  # the pixel's value per channel, 0..255
    unit: list[float]  # raw / 255
    mean: list[float]
    std: list[float]
    normalized: list[float]  # (unit - mean) / std
    torchvision: list[float]  # the same through transforms.Compose([ToTensor(), Normalize(mean, std)])

    @property
    def agrees(self) -> bool:
        return all(
            math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)
            for a, b in zip(self.normalized, self.torchvision, strict=True)
        )


def pixel_walk(picture: np.ndarray, row: int, col: int, mean: tuple[float, ...], std: tuple[float, ...]) -> PixelWalk:
    """Return pixel (``row``, ``col``) of a uint8 picture (H, W, C) through ToTensor and Normalize(mean, std)."""
    from torchvision import transforms  # slow to import; only this view needs it

    picture = np.ascontiguousarray(picture, dtype=np.uint8)
    raw = [int(v) for v in picture[row, col]]
    unit = [v / 255 for v in raw]
    normalized = [(u - m) / s for u, m, s in zip(unit, mean, std, strict=True)]
    tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])(picture)  # (C, H, W)
    return PixelWalk(
        hwc_shape=tuple(picture.shape),
        chw_shape=tuple(tensor.shape),
        raw=raw,
        unit=unit,
        mean=list(mean),
        std=list(std),
        normalized=normalized,
        torchvision=tensor[:, row, col].tolist(),
    )


def as_hwc_picture(unit: torch.Tensor) -> np.ndarray:
    """Return a (C, H, W) picture in [0, 1] as the (H, W, C) uint8 array a photo file decodes to."""
    return (unit.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def trainer_first_batch(
    x_train: torch.Tensor, batch_size: int, crop_padding: int, flip: bool, seed: int, epoch: int = 1, zoom: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (indices, the batch as stored, the batch as augmented) of the trainer's first step of ``epoch``.

    The trainer's own draws: its per-epoch generator shuffles with one randperm, then crops and
    zooms, crops and flips each image of the batch (core.augment); a run with these settings sees exactly this.
    """
    generator = torch.Generator().manual_seed(epoch_seed(seed, epoch))
    order = torch.randperm(len(x_train), generator=generator)
    batch = order[: min(batch_size, len(x_train))]
    original = x_train[batch]
    return batch, original, augment(original, crop_padding, flip, generator, zoom)
