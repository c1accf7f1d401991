"""Transfer learning: start a model from a bundled model's weights, then train only the layers not frozen.

The tutorials take torchvision's VGG16 with its ImageNet weights, keep its features and retrain a new
classifier. Stride works offline, so no ImageNet weights are bundled (VGG16's alone are 528 MB); the
same idea runs on the two small bundled models (``models/``): their conv layers, learnt on digits
or shapes, start a run on another data set, frozen, while the classifier learns.

A tensor loads when the new model has one with the same name and shape (``state_dict`` keys);
everything else keeps its fresh, seeded initialisation: a new last layer for another number of
classes is exactly that. Freezing is :func:`core.anatomy.freeze_layers`.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from core.builder import build_model
from core.i18n import Message, UserError
from core.model_files import load_bundled
from core.modelspec import ModelSpec


@dataclass(frozen=True)
class StartWeights:
    """Which of the new model's tensors come from the bundled model, and which start fresh."""

    source: str  # the bundled model's name
    loaded: tuple[str, ...]  # state_dict keys copied from it
    fresh: tuple[str, ...]  # keys it has no tensor of that shape for


def plan_start_weights(model: nn.Module, name: str) -> StartWeights:
    """Return which tensors of ``model`` the bundled model ``name`` can give (same key, same shape).

    Raises :class:`UserError` for an unknown bundled model (with the closest names) and when no
    tensor fits at all (naming the bundled model's own architecture).
    """
    bundled = load_bundled(name)  # checked against the listing of models/; loaded once per process
    source = bundled.model.state_dict()
    target = model.state_dict()
    loaded = tuple(k for k, v in target.items() if k in source and source[k].shape == v.shape)
    if not loaded:
        raise UserError(Message("anatomy.nothing_loads", {"name": name, "model": bundled.spec.name or name}))
    return StartWeights(name, loaded, tuple(k for k in target if k not in loaded))


def load_start_weights(model: nn.Module, name: str) -> StartWeights:
    """Copy the bundled model's matching tensors into ``model`` (in place); return what was copied."""
    plan = plan_start_weights(model, name)
    source = load_bundled(name).model.state_dict()
    model.load_state_dict({k: source[k] for k in plan.loaded}, strict=False)
    return plan


def spec_plan(spec: ModelSpec, name: str) -> StartWeights:
    """Return :func:`plan_start_weights` for a spec, built on the meta device (shapes only)."""
    return plan_start_weights(build_model(spec, device="meta"), name)
