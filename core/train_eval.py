"""``model.train()`` vs ``model.eval()`` made visible: Dropout and BatchNorm on a small tensor, by PyTorch itself.

The tutorials call ``model.train()`` before training and ``model.eval()`` before testing, and say the
two modes change "a few layers such as Dropout and BatchNorm". Here both layers run on numbers a
student types, seeded, in both modes:

- Dropout in train(): each call draws a new mask; kept values are scaled by 1 / (1 - p) so the
  expected sum is unchanged. In eval(): the input comes back as it is, with no scaling.
- BatchNorm in train(): each feature is normalised with the batch's own mean and (biased)
  variance, and the running statistics move toward the batch's with ``momentum`` (the running
  variance uses the unbiased one). In eval(): the running statistics are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.i18n import Message, UserError
from core.loss_calculator import parse_numbers  # the app's one parser of typed numbers

DROPOUT_P_RANGE = (0.0, 0.9)  # p = 1 drops everything: nothing left to see
MAX_CALLS = 5  # train() calls shown: enough to see the mask change and the running stats move
BN_EPS = 1e-5  # PyTorch's default


@dataclass(frozen=True)
class DropoutDemo:
    """What one Dropout layer does to ``x``: several calls in train(), one in eval()."""

    x: torch.Tensor
    p: float
    scale: float  # 1 / (1 - p): what a kept value is multiplied by in train()
    train_outputs: tuple[torch.Tensor, ...]  # one per call, each with a new mask
    masks: tuple[torch.Tensor, ...]  # True where the value was kept, one per call
    eval_output: torch.Tensor  # equals x exactly


def dropout_demo(x: torch.Tensor, p: float, seed: int, calls: int = 3) -> DropoutDemo:
    """Return ``calls`` outputs of ``nn.Dropout(p)`` in train() after ``torch.manual_seed(seed)``, and one in eval()."""
    drop = nn.Dropout(p)
    with torch.random.fork_rng(devices=[]):  # the global random state is left as it was
        torch.manual_seed(seed)
        outputs = tuple(drop(x) for _ in range(calls))
        # the same seed on ones: Dropout's mask depends only on the shape, so this is the mask it drew
        torch.manual_seed(seed)
        masks = tuple(drop(torch.ones_like(x)) != 0 for _ in range(calls))
    drop.eval()
    return DropoutDemo(x, p, 1 / (1 - p), outputs, masks, drop(x))


@dataclass(frozen=True)
class BatchNormStep:
    """One train() call of BatchNorm1d on the batch: the statistics it used and the ones it kept."""

    batch_mean: torch.Tensor  # (C,): what train() normalises with
    batch_var: torch.Tensor  # (C,) biased (divide by N): what train() normalises with
    batch_var_unbiased: torch.Tensor  # (C,) divide by N - 1: what the running variance takes in
    running_mean: torch.Tensor  # (C,) after this call: (1 - momentum) * before + momentum * batch_mean
    running_var: torch.Tensor  # (C,) after this call


@dataclass(frozen=True)
class BatchNormDemo:
    """``nn.BatchNorm1d`` on one batch ``(N, C)``: the train() output, ``calls`` running-stat updates, the eval() output."""

    x: torch.Tensor  # (N, C)
    momentum: float
    train_output: torch.Tensor  # (N, C): normalised with the batch's statistics
    steps: tuple[BatchNormStep, ...]
    eval_output: torch.Tensor  # (N, C): normalised with the running statistics after the last call


def batchnorm_demo(x: torch.Tensor, momentum: float, calls: int = 3) -> BatchNormDemo:
    """Return BatchNorm1d (fresh: running mean 0, variance 1) called ``calls`` times in train() on ``x``, then eval()."""
    bn = nn.BatchNorm1d(x.shape[1], eps=BN_EPS, momentum=momentum)
    steps = []
    out = None
    with torch.no_grad():
        for _ in range(calls):
            out = bn(x)  # (N, C) -> (N, C), and the running statistics move
            steps.append(
                BatchNormStep(
                    x.mean(0),
                    x.var(0, unbiased=False),
                    x.var(0, unbiased=True),
                    bn.running_mean.clone(),
                    bn.running_var.clone(),
                )
            )
        bn.eval()
        eval_out = bn(x)
    return BatchNormDemo(x, momentum, out, tuple(steps), eval_out)


MAX_ROWS, MAX_COLS = 8, 8  # a tensor a student reads cell by cell


def parse_small_tensor(text: str, field_name: str, *, min_rows: int = 1) -> torch.Tensor:
    """Return typed numbers (``"1, 2; 3, 4"``: rows split by ``;``) as a float tensor of at most 8 x 8.

    Raises :class:`UserError` naming the field and what to change: too many rows or columns, or
    fewer than ``min_rows`` rows (BatchNorm in train() needs two samples to measure a variance).
    """
    rows = parse_numbers(text, field_name)
    if len(rows) > MAX_ROWS or len(rows[0]) > MAX_COLS:
        raise UserError(
            Message(
                "anatomy.tensor_too_big",
                {
                    "field": field_name,
                    "rows": len(rows),
                    "cols": len(rows[0]),
                    "max_rows": MAX_ROWS,
                    "max_cols": MAX_COLS,
                },
            )
        )
    if len(rows) < min_rows:
        raise UserError(Message("anatomy.tensor_few_rows", {"field": field_name, "rows": len(rows), "min": min_rows}))
    return torch.tensor(rows, dtype=torch.float)
