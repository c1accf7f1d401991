"""Where the tutorials slip, and what PyTorch really does there: the errors and shapes it prints.

SEEDS.md section 8 lists the slips; this module computes PyTorch's answer for the two the
architecture page touches: AlexNet as tutorial 000 printed it (two channel typos), and tutorial
001's ``torch.flatten(imgs)``, which flattens the batch too and so needs ``Linear(196608, 10)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
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
