"""Building a model from its spec, initialising its weights, and reading a spec back from a module.

``spec -> build_model -> spec_from_module`` gives back the same spec. The weight initialisation is
the curriculum's ``model.modules()`` walk (:func:`init_weights`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from contextlib import nullcontext

import torch
from torch import nn

from core.layers import LAYER_ARGS, LAYER_TYPES, is_attribute_name
from core.modelspec import INIT_SCHEMES, LayerSpec, ModelSpec, layer_names, spec_error, validate_spec
from core.spec_parsing import MAX_PARAM_BYTES, check_param_memory
from core.suggest import shown, suggestion

logger = logging.getLogger(__name__)


def build_layer(layer: LayerSpec) -> nn.Module:
    """Return the PyTorch module for one layer; raises whatever PyTorch raises for bad arguments."""
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in layer.args.items()}
    return LAYER_TYPES[layer.type](**args)


def build_model(
    spec: ModelSpec,
    seed: int | None = None,
    *,
    device: str | torch.device | None = None,
    max_param_bytes: int = MAX_PARAM_BYTES,
) -> nn.Sequential:
    """Return an ``nn.Sequential`` with named layers and ``spec.init`` applied.

    ``seed`` makes the weights reproducible without touching the global random state. ``device="meta"``
    builds shapes only, with no memory behind them (what the shape table uses). Raises
    :class:`UserError` naming the layer when PyTorch refuses its arguments.
    """
    validate_spec(spec)
    if torch.device(device or "cpu").type != "meta":
        check_param_memory(spec, max_param_bytes)
    rng = torch.random.fork_rng(devices=[]) if seed is not None else nullcontext()
    with rng, torch.device(device) if device is not None else nullcontext():
        if seed is not None:
            torch.manual_seed(seed)
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        for index, (layer, name) in enumerate(zip(spec.layers, layer_names(spec), strict=True)):
            try:
                modules[name] = build_layer(layer)
            except (TypeError, ValueError, RuntimeError) as exc:
                raise spec_error(
                    "layer_build_failed",
                    position=index + 1,
                    name=name,
                    settings=layer.code(""),
                    error=str(exc).splitlines()[0][:300],
                ) from exc
        model = nn.Sequential(modules)
        init_weights(model, spec.init)
    return model


def init_weights(model: nn.Module, scheme: str) -> None:
    """Initialise ``model``'s weights in place, walking ``model.modules()`` as the curriculum does.

    - ``default``: leave PyTorch's own initialisation.
    - ``xavier``: the curriculum's walk: Conv2d ``xavier_normal_`` and zero bias, BatchNorm weight 1
      and bias 0, Linear ``normal_(0, 0.01)`` and zero bias.
    - ``kaiming`` (MSRA, He et al.): the same walk with convolutions ``kaiming_normal_`` (fan_out,
      ReLU): what torchvision's VGG does.
    - ``normal``: every Conv2d and Linear weight ``normal_(0, 0.01)``, zero bias; BatchNorm 1 and 0.
    """
    if scheme not in INIT_SCHEMES:
        raise spec_error("unknown_init", value=shown(scheme), suggestion=suggestion(scheme, INIT_SCHEMES))
    if scheme == "default":
        return
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            if scheme == "xavier":
                nn.init.xavier_normal_(m.weight)
            elif scheme == "kaiming":
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            else:
                nn.init.normal_(m.weight, 0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# --- module -> spec ---------------------------------------------------------------------------------


def layer_spec_from_module(module: nn.Module, name: str | None = None) -> LayerSpec | None:
    """Return the spec of one module whose type is in :data:`LAYER_TYPES` (exactly), else None."""
    layer_type = type(module).__name__
    if LAYER_TYPES.get(layer_type) is not type(module):
        return None
    args = {}
    for arg in LAYER_ARGS[layer_type]:
        args[arg] = (module.bias is not None) if arg == "bias" else getattr(module, arg)
    return LayerSpec(layer_type, args, name)


def _leaves(module: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    if isinstance(module, nn.Sequential):
        out = []
        for name, child in module.named_children():
            out += _leaves(child, name)
        return out
    if type(module).__name__ not in LAYER_TYPES:
        raise spec_error(
            "unsupported_module", type=type(module).__name__, name=prefix or "(model)", types=", ".join(LAYER_TYPES)
        )
    return [(prefix, module)]


def spec_from_module(
    module: nn.Module, input_shape: tuple[int, ...], *, init: str = "default", name: str = ""
) -> ModelSpec:
    """Return the spec of an ``nn.Sequential`` (nested ones are flattened) of :data:`LAYER_TYPES` layers.

    Layer names that are Python identifiers are kept (numbered ones get conv1, fc1, ...), so
    ``spec -> build_model -> spec_from_module`` gives back the same spec.
    """
    leaves = _leaves(module)
    seen: set[str] = set()
    layers = []
    for leaf_name, leaf in leaves:
        keep = is_attribute_name(leaf_name) and leaf_name not in seen  # "0", "1" of a plain Sequential: default
        seen.add(leaf_name)
        layers.append(layer_spec_from_module(leaf, leaf_name if keep else None))
    return ModelSpec(tuple(layers), tuple(input_shape), init, name)


def first_layer_filters(model: nn.Module) -> tuple[str, torch.Tensor] | None:
    """Return the first Conv2d's name and a copy of its kernels, (C_out, C_in / groups, kH, kW); None without one."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name, module.weight.detach().clone()
    return None
