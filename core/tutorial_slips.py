"""Where the curriculum's tutorials slip, shown with what PyTorch really does (SEEDS.md, section 8).

Each function runs the real thing on the student's numbers, so the page's "the tutorial says ...;
PyTorch does ..." notes carry PyTorch's output rather than a claim.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def flatten_shapes(batch_shape: tuple[int, ...]) -> tuple[int, int]:
    """Return (torch.flatten(x) length, nn.Flatten()(x) row length) for a batch of this shape.

    Tutorial 001 flattens a (64, 3, 32, 32) batch with ``torch.flatten(imgs)``, which merges the
    batch in too (196,608 numbers), hence its ``Linear(196608, 10)``; ``nn.Flatten()`` keeps one
    row per image. Runs on the meta device: shapes only, no memory.
    """
    x = torch.empty(batch_shape, device="meta")
    return torch.flatten(x).shape[0], torch.nn.Flatten()(x).shape[1]


def pool_and_unpool(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return MaxPool2d(2) of a matrix (smaller: downsampling) and MaxUnpool2d(2) of that (back, zeros elsewhere).

    Tutorial 004 calls MaxPool "upsampling" and MaxUnpool "min pooling, downsampling": pooling
    shrinks H and W, and MaxUnpool puts each maximum back where it came from (using the indices
    MaxPool returned), with zeros everywhere else: a partial inverse, not a pooling.
    """
    batch = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]  # (H, W) -> (1, 1, H, W)
    pooled, indices = F.max_pool2d(batch, 2, return_indices=True)
    unpooled = F.max_unpool2d(pooled, indices, 2, output_size=batch.shape[-2:])
    return pooled[0, 0].numpy(), unpooled[0, 0].numpy()


def corr2d_as_written(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Tutorial 000's corr2d exactly as printed: its loop reads ``x``, a name the function never defines."""
    h, w = K.shape
    X, K = X.float(), K.float()
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (x[i : i + h, j : j + w] * K).sum()  # noqa: F821  (the tutorial's slip: x, not X)
    return Y


def corr2d_error(X: np.ndarray, K: np.ndarray) -> str:
    """Return the error tutorial 000's corr2d raises as written (no global ``x`` here)."""
    try:
        corr2d_as_written(torch.tensor(np.asarray(X)), torch.tensor(np.asarray(K)))
    except NameError as exc:
        return f"NameError: {exc}"
    return ""
