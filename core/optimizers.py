"""Optimizers: building the one a run asks for, its lr schedule, and its update written out for one weight.

:func:`make_optimizer` and :func:`make_schedule` are what the training loop uses. :func:`written_update`
repeats ``optimizer.step()`` for a single number with the formula of PyTorch's documentation, so a
page can show ``w - lr * grad`` (SGD), the momentum buffer, or Adam's moments and bias correction
with the student's numbers in, next to the value the real step produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from core.config import TrainConfig

ADAM_BETAS = (0.9, 0.999)  # PyTorch's defaults, which make_optimizer keeps
ADAM_EPS = 1e-8
RMSPROP_ALPHA, RMSPROP_EPS = 0.99, 1e-8


def make_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    """Return the optimizer of ``config`` over ``model``'s trainable parameters (PyTorch's defaults for everything else).

    Frozen parameters (``requires_grad=False``) are left out, as the transfer-learning recipe does,
    so not even weight decay can move them.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.RMSprop(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def optimizer_code(config: TrainConfig) -> str:
    """Return the line that builds :func:`make_optimizer`'s optimizer, as a script writes it."""
    name = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}[config.optimizer]
    args = [f"lr={config.lr!r}"]
    if config.optimizer in ("sgd", "rmsprop") and config.momentum:
        args.append(f"momentum={config.momentum!r}")
    if config.weight_decay:
        args.append(f"weight_decay={config.weight_decay!r}")
    return f"torch.optim.{name}(model.parameters(), {', '.join(args)})"


def make_schedule(
    config: TrainConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Return the lr schedule, stepped once per batch (so epoch milestones become step counts)."""
    total_steps = config.epochs * steps_per_epoch
    if config.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, config.step_size * steps_per_epoch, config.gamma)
    if config.schedule == "multistep":
        milestones = [m * steps_per_epoch for m in config.milestones]
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, config.gamma)
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps)
    return None


# --- one weight's update, written out ------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateLine:
    """One line of an update: ``name = formula = numbers = value``."""

    name: str  # the symbol on the left, e.g. "m" or "w_new"
    formula: str  # in symbols, e.g. "β1·m + (1 − β1)·g"
    numbers: str  # the same with this weight's numbers in
    value: float


def _n(value: float) -> str:
    return f"{value:.6g}"  # six significant digits: enough to see an update of 1e-3 of the weight


def written_update(
    config: TrainConfig, w: float, grad: float, state: dict[str, float], step: int
) -> tuple[list[UpdateLine], dict[str, float]]:
    """Return the lines of one optimizer step for a single weight, and the optimizer state after it.

    ``w`` and ``grad`` are the weight and its gradient before the step; ``state`` is the
    optimizer's state for this weight before it (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``,
    ``square_avg``; empty before the first step); ``step`` counts this step from 1. Computed in
    float64 with the formulas of PyTorch's documentation: the last line's value is the new weight,
    equal to what ``optimizer.step()`` wrote up to float32 rounding.
    """
    lr, wd, mu = config.lr, config.weight_decay, config.momentum
    lines: list[UpdateLine] = []
    g = grad
    if wd and config.optimizer != "adamw":  # L2 penalty: added to the gradient
        g = grad + wd * w
        lines.append(UpdateLine("g", "grad + λ·w", f"{_n(grad)} + {_n(wd)} × {_n(w)}", g))
    else:
        lines.append(UpdateLine("g", "grad", _n(grad), g))
    after: dict[str, float] = {}
    if config.optimizer == "sgd":
        direction = g
        if mu:
            if "momentum_buffer" in state:
                buf = state["momentum_buffer"]
                direction = mu * buf + g
                lines.append(UpdateLine("v", "μ·v + g", f"{_n(mu)} × {_n(buf)} + {_n(g)}", direction))
            else:  # the first step starts the buffer at the gradient itself
                lines.append(UpdateLine("v", "g", _n(g), direction))
            after["momentum_buffer"] = direction
        new_w = w - lr * direction
        step_symbol = "v" if mu else "g"
        lines.append(UpdateLine("w", f"w − lr·{step_symbol}", f"{_n(w)} − {_n(lr)} × {_n(direction)}", new_w))
        return lines, after
    if config.optimizer in ("adam", "adamw"):
        b1, b2 = ADAM_BETAS
        if config.optimizer == "adamw" and wd:  # decoupled weight decay: shrink the weight first
            shrunk = w * (1 - lr * wd)
            lines.append(UpdateLine("w", "w·(1 − lr·λ)", f"{_n(w)} × (1 − {_n(lr)} × {_n(wd)})", shrunk))
            w = shrunk
        m0, v0 = state.get("exp_avg", 0.0), state.get("exp_avg_sq", 0.0)
        m = b1 * m0 + (1 - b1) * g
        v = b2 * v0 + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**step), v / (1 - b2**step)
        new_w = w - lr * m_hat / (math.sqrt(v_hat) + ADAM_EPS)
        lines += [
            UpdateLine("m", "β1·m + (1 − β1)·g", f"{b1} × {_n(m0)} + {1 - b1:.1f} × {_n(g)}", m),
            UpdateLine("v", "β2·v + (1 − β2)·g²", f"{b2} × {_n(v0)} + {1 - b2:.3f} × {_n(g)}²", v),
            UpdateLine("m̂", "m / (1 − β1^t)", f"{_n(m)} / (1 − {b1}^{step})", m_hat),
            UpdateLine("v̂", "v / (1 − β2^t)", f"{_n(v)} / (1 − {b2}^{step})", v_hat),
            UpdateLine("w", "w − lr·m̂ / (√v̂ + ε)", f"{_n(w)} − {_n(lr)} × {_n(m_hat)} / (√{_n(v_hat)} + 1e-08)", new_w),
        ]
        return lines, {"exp_avg": m, "exp_avg_sq": v}
    # RMSprop
    s0 = state.get("square_avg", 0.0)
    s = RMSPROP_ALPHA * s0 + (1 - RMSPROP_ALPHA) * g * g
    scaled = g / (math.sqrt(s) + RMSPROP_EPS)
    lines += [
        UpdateLine("s", "α·s + (1 − α)·g²", f"{RMSPROP_ALPHA} × {_n(s0)} + {1 - RMSPROP_ALPHA:.2f} × {_n(g)}²", s),
        UpdateLine("u", "g / (√s + ε)", f"{_n(g)} / (√{_n(s)} + 1e-08)", scaled),
    ]
    after = {"square_avg": s}
    if mu:
        buf0 = state.get("momentum_buffer", 0.0)
        scaled = mu * buf0 + scaled
        lines.append(UpdateLine("b", "μ·b + u", f"{_n(mu)} × {_n(buf0)} + {_n(lines[-1].value)}", scaled))
        after["momentum_buffer"] = scaled
    new_w = w - lr * scaled
    lines.append(UpdateLine("w", f"w − lr·{'b' if mu else 'u'}", f"{_n(w)} − {_n(lr)} × {_n(scaled)}", new_w))
    return lines, after


def element_state(optimizer: torch.optim.Optimizer, param: torch.Tensor, index: int) -> dict[str, float]:
    """Return the optimizer's per-weight state of ``param.view(-1)[index]`` as plain floats (empty before a step)."""
    state = optimizer.state.get(param, {})
    return {
        name: float(value.reshape(-1)[index])
        for name, value in state.items()
        if isinstance(value, torch.Tensor) and value.shape == param.shape
    }
