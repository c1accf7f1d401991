"""Where the curriculum's tutorials slip, shown with what PyTorch really does (SEEDS.md, section 8).

Each function runs the real thing on the student's numbers, so the pages' "the tutorial says ...;
PyTorch does ..." notes carry PyTorch's output rather than a claim: AlexNet as tutorial 000 printed
it (two channel typos), tutorial 001's ``torch.flatten(imgs)`` (which flattens the batch too and so
needs ``Linear(196608, 10)``), tutorial 004's pooling "upsampling" and tutorial 000's corr2d.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.builder import build_layer
from core.presets import PRESETS
from core.summary import summarize

FLATTEN_BATCH = 64  # tutorial 001's DataLoader(batch_size=64)
FLATTEN_CLASSES = 10


@dataclass(frozen=True)
class Slip:
    """A piece of tutorial code and what PyTorch prints for it."""

    code: str
    output: str


@functools.lru_cache(maxsize=1)
def alexnet_errors() -> tuple[Slip, ...]:
    """Return PyTorch's own error at each of AlexNet's typos, as the tutorial's model meets them in turn.

    Each failing layer runs on the CPU on zeros of the shape that reaches it (found on the meta
    device, where error texts differ), so the text is the one a student running the tutorial sees.
    After each error the layer is made to accept what it gets (the page's "Apply the fix").
    """
    spec = PRESETS["alexnet_as_written"].spec
    slips = []
    for _ in range(len(spec.layers)):
        summary = summarize(spec)
        problem = summary.problem
        if problem is None:
            break
        layer = spec.layers[problem.layer_index]
        in_shape = summary.rows[problem.layer_index - 1].out_shape  # (1, ...) what reaches it
        try:
            build_layer(layer)(torch.zeros(in_shape))
            output = "(no error)"
        except RuntimeError as exc:
            output = f"RuntimeError: {str(exc).splitlines()[0]}"
        code = f"{problem.layer_name} = nn.{layer.code('')}\n{problem.layer_name}(torch.zeros({list(in_shape)}))"
        slips.append(Slip(code, output))
        spec = problem.fix
    return tuple(slips)


def flatten_slip(sample_shape: tuple[int, ...]) -> Slip:
    """Return the shapes of tutorial 001's ``torch.flatten(imgs)`` beside ``torch.flatten(imgs, 1)`` for a batch of 64.

    Run on the meta device: shapes only, whatever the sample size.
    """
    imgs = torch.empty((FLATTEN_BATCH, *sample_shape), device="meta")  # (64, C, H, W)
    flat_all = torch.flatten(imgs)  # (64 * C * H * W,): the batch is gone
    flat_each = torch.flatten(imgs, 1)  # (64, C * H * W)
    wrong = nn.Linear(flat_all.shape[0], FLATTEN_CLASSES, device="meta")(flat_all)
    right = nn.Linear(flat_each.shape[1], FLATTEN_CLASSES, device="meta")(nn.Flatten()(imgs))
    shape = ", ".join(map(str, imgs.shape))
    code = (
        f"imgs = torch.ones({shape})\n"
        "print(torch.flatten(imgs).shape)            # the tutorial\n"
        f"print(nn.Linear({flat_all.shape[0]}, {FLATTEN_CLASSES})(torch.flatten(imgs)).shape)\n"
        "print(torch.flatten(imgs, 1).shape)         # keeps dimension 0, the batch\n"
        f"print(nn.Linear({flat_each.shape[1]}, {FLATTEN_CLASSES})(nn.Flatten()(imgs)).shape)"
    )
    return Slip(code, "\n".join(str(s) for s in (flat_all.shape, wrong.shape, flat_each.shape, right.shape)))


def has_flatten(spec_layers: tuple) -> bool:
    """Return whether a model flattens images (a Flatten layer): where the flatten slip matters."""
    return any(layer.type == "Flatten" for layer in spec_layers)


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
