"""The trainer's losses: what each ``TrainConfig.loss`` computes from a model's outputs, and which outputs it needs.

One definition shared by the training loop (:mod:`core.train`), the step-by-step view
(:mod:`core.stepper`) and the generated loop script (:mod:`core.loop_code`), with the semantics a
PyTorch user expects:

- ``cross_entropy``: ``nn.CrossEntropyLoss()(logits, target)``; the model's outputs are raw scores
  (logits), one per class, and the loss applies log-softmax itself: no Softmax layer at the end.
- ``mse``: ``nn.MSELoss()(logits.softmax(1), F.one_hot(target, C).float())``; MSE compares
  numbers with numbers, so for a classifier the outputs become probabilities (softmax) and the
  class index becomes a one-hot row first. Each sample contributes C squared differences.
- ``bce``: ``nn.BCELoss()(p.squeeze(1), target.float())``, the curriculum's binary DNN: one output
  per sample that a final ``Sigmoid`` makes a probability ``p`` of class 1; needs exactly 2 classes.

The calculator of every loss on typed numbers is :mod:`core.loss_calculator`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.i18n import Message
from core.modelspec import ModelSpec

# Each loss as the code the generated scripts write; the trainer computes exactly this.
LOSS_CODE = {
    "cross_entropy": ("nn.CrossEntropyLoss()", "loss_fn(outputs, y)"),
    "mse": ("nn.MSELoss()", "loss_fn(outputs.softmax(dim=1), F.one_hot(y, num_classes).float())"),
    "bce": ("nn.BCELoss()", "loss_fn(outputs.squeeze(1), y.float())"),
}


def compute_loss(name: str, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Return the mean loss of a batch: (N, outputs) and (N,) class indices -> scalar (see the module docstring)."""
    if name == "mse":
        one_hot = F.one_hot(target, outputs.shape[1]).to(outputs.dtype)  # (N,) -> (N, C)
        return F.mse_loss(outputs.softmax(dim=1), one_hot)
    if name == "bce":
        return F.binary_cross_entropy(outputs[:, 0], target.to(outputs.dtype))  # (N, 1) -> (N,)
    return F.cross_entropy(outputs, target)


def predicted_classes(name: str, outputs: torch.Tensor) -> torch.Tensor:
    """Return each sample's predicted class, (N, outputs) -> (N,): argmax, or ``p >= 0.5`` for ``bce``."""
    if name == "bce":
        return (outputs[:, 0] >= 0.5).long()
    return outputs.argmax(dim=1)


def class_probabilities(outputs: torch.Tensor) -> torch.Tensor:
    """Return (N, classes) probabilities from outputs: softmax of logits, or ``[1 - p, p]`` for one sigmoid output."""
    if outputs.shape[1] == 1:
        return torch.cat([1 - outputs, outputs], dim=1)  # (N, 1) -> (N, 2)
    return outputs.softmax(dim=1)


def outputs_for(loss: str, num_classes: int) -> int:
    """Return how many outputs a model needs for ``num_classes`` classes under ``loss``."""
    return 1 if loss == "bce" else num_classes


def loss_problem(loss: str, spec: ModelSpec, outputs: int, num_classes: int) -> Message | None:
    """Return why ``loss`` cannot train a model (its ``spec``, ``outputs`` per sample) on ``num_classes`` classes.

    The message names the rule and the nearest choice that works: BCE for a one-output model,
    CrossEntropy for a model with one output per class.
    """
    if loss == "bce":
        ends_in = spec.layers[-1].type if spec.layers else None
        if num_classes != 2:
            return Message("losses.bce_needs_two_classes", {"classes": num_classes})
        if outputs != 1:
            return Message("losses.bce_needs_one_output", {"outputs": outputs})
        if ends_in != "Sigmoid":
            return Message("losses.bce_needs_sigmoid", {"last": ends_in or "-"})
        return None
    if outputs == 1 and num_classes == 2:
        return Message("losses.one_output_needs_bce", {"loss": loss})
    return None


def loss_warning(loss: str, spec: ModelSpec) -> Message | None:
    """Return a warning when the model ends in Softmax and the loss applies (log-)softmax again, else None.

    ``CrossEntropyLoss`` takes logits: softmax first squeezes them into [0, 1], so the loss can
    never get small and the gradients fade. It still runs, so this warns rather than refuses.
    """
    ends_in = spec.layers[-1].type if spec.layers else None
    if loss in ("cross_entropy", "mse") and ends_in in ("Softmax", "LogSoftmax"):
        return Message("losses.softmax_before_loss", {"last": ends_in, "loss": LOSS_CODE[loss][0]})
    return None
