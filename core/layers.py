"""The layer types a model spec may use: their PyTorch classes, arguments, defaults and the values each argument may hold.

One row per layer type (:data:`LAYER_TYPES`), one rule per PyTorch argument name. Arguments are kept
in a canonical form (lists, ``[3, 3]`` written as ``3``, PyTorch defaults left out), so that two
specs that build the same model compare equal. The spec types that use this table are
:mod:`core.modelspec`.
"""

from __future__ import annotations

import inspect
import json
import keyword
import math
from dataclasses import dataclass
from typing import Any

from torch import nn

from core.geometry import conv_geometry, conv_transpose_geometry
from core.layer_settings import PADDING_MODES, ConvSettings, ConvTransposeSettings

# One row per layer type: its class, its default name prefix (conv1, pool1, fc1, ...), and the keyword
# arguments a spec may set, in PyTorch's order. Left out on purpose: device/dtype (the builder decides),
# MaxPool2d's return_indices (a tuple output breaks Sequential), BatchNorm's keyword-only bias (affine
# already covers it).
LAYER_TABLE = [
    ("Conv2d", nn.Conv2d, "conv", "in_channels out_channels kernel_size stride padding dilation groups bias padding_mode"),
    ("ConvTranspose2d", nn.ConvTranspose2d, "deconv",
     "in_channels out_channels kernel_size stride padding output_padding groups bias dilation padding_mode"),
    ("MaxPool2d", nn.MaxPool2d, "pool", "kernel_size stride padding dilation ceil_mode"),
    ("AvgPool2d", nn.AvgPool2d, "pool", "kernel_size stride padding ceil_mode count_include_pad divisor_override"),
    ("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d, "adaptive_pool", "output_size"),
    ("BatchNorm1d", nn.BatchNorm1d, "bn", "num_features eps momentum affine track_running_stats"),
    ("BatchNorm2d", nn.BatchNorm2d, "bn", "num_features eps momentum affine track_running_stats"),
    ("Dropout", nn.Dropout, "dropout", "p inplace"),
    ("Flatten", nn.Flatten, "flatten", "start_dim end_dim"),
    ("Linear", nn.Linear, "fc", "in_features out_features bias"),
    ("ReLU", nn.ReLU, "relu", "inplace"),
    ("Sigmoid", nn.Sigmoid, "sigmoid", ""),
    ("Tanh", nn.Tanh, "tanh", ""),
    ("LeakyReLU", nn.LeakyReLU, "leaky_relu", "negative_slope inplace"),
    ("ELU", nn.ELU, "elu", "alpha inplace"),
    ("GELU", nn.GELU, "gelu", "approximate"),
    ("Softmax", nn.Softmax, "softmax", "dim"),
]  # fmt: skip
LAYER_TYPES: dict[str, type[nn.Module]] = {name: cls for name, cls, _, _ in LAYER_TABLE}
# the arguments a spec may set, in PyTorch's order
LAYER_ARGS: dict[str, tuple[str, ...]] = {name: tuple(args.split()) for name, _, _, args in LAYER_TABLE}
NAME_PREFIX = {name: prefix for name, _, prefix, _ in LAYER_TABLE}
PAIR_ARGS = ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size")
POSITIONAL_IN_CODE = ("in_channels", "out_channels", "in_features", "out_features", "num_features")
SHOWN_EVEN_IF_DEFAULT = {"Dropout": ("p",)}  # always written: "Dropout(p=0.5)" teaches more than "Dropout()"

MAX_FEATURES = 1 << 20  # channels / features per layer; the memory estimate is the real cap
MAX_SIZE = 4096  # kernel, stride, padding, dilation, spatial sizes
MAX_INPUT_NUMEL = 1 << 24  # one sample: 3 x 2048 x 2048 fits
BYTES_PER_PARAM = 4  # float32


def _signature_defaults(cls: type[nn.Module]) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


DEFAULTS = {name: _signature_defaults(cls) for name, cls in LAYER_TYPES.items()}
REQUIRED_ARGS = {name: tuple(a for a in args if a not in DEFAULTS[name]) for name, args in LAYER_ARGS.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def canonical_args(layer_type: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return ``args`` as lists, equal pairs collapsed, PyTorch defaults dropped, in PyTorch's order."""
    args = {k: _jsonable(v) for k, v in args.items()}
    for name in PAIR_ARGS:
        v = args.get(name)
        if isinstance(v, list) and len(v) == 2 and type(v[0]) is type(v[1]) and v[0] == v[1]:
            args[name] = v[0]
    if layer_type not in LAYER_TYPES:
        return args  # validation reports the unknown type; keep what was written
    defaults, known = DEFAULTS[layer_type], LAYER_ARGS[layer_type]
    shown = SHOWN_EVEN_IF_DEFAULT.get(layer_type, ())
    args = {**{name: defaults[name] for name in shown}, **args}
    order = [a for a in known if a in args] + [a for a in args if a not in known]
    out = {}
    for name in order:
        value, default = args[name], defaults.get(name, inspect.Parameter.empty)
        if name not in shown and type(value) is type(default) and value == default:
            continue
        out[name] = value
    if layer_type in ("MaxPool2d", "AvgPool2d") and "stride" in out and out["stride"] == out.get("kernel_size"):
        del out["stride"]  # stride defaults to the kernel size: MaxPool2d(2, 2) is MaxPool2d(2)
    return out


@dataclass(frozen=True)
class _Rule:
    """What one argument may hold: ``kind`` is int, size (int or [h, w]), float, bool or choice."""

    kind: str
    low: float = 0
    high: float = 0
    choices: tuple[str, ...] = ()  # strings allowed besides the numbers (padding="same")
    nullable: bool = False

    def allows(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if isinstance(value, str):
            return value in self.choices
        if self.kind == "bool":
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self.kind == "size" and isinstance(value, list):
            return (
                len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and all(self.low <= v <= self.high for v in value)
            )
        if self.kind in ("int", "size"):
            return isinstance(value, int) and self.low <= value <= self.high
        if self.kind == "float":
            return isinstance(value, (int, float)) and math.isfinite(value) and self.low <= value <= self.high
        return False

    def describe(self) -> str:
        """Return the allowed values in symbols, readable in any language."""
        parts = []
        if self.kind in ("int", "size"):
            parts.append(f"{self.low} ≤ int ≤ {self.high}")
            if self.kind == "size":
                parts.append(f"[h, w] ({self.low} ≤ h, w ≤ {self.high})")
        elif self.kind == "float":
            parts.append(f"{self.low} ≤ number ≤ {self.high}")
        elif self.kind == "bool":
            parts.append("true | false")
        parts += [json.dumps(c) for c in self.choices]
        if self.nullable:
            parts.append("null")
        return " | ".join(parts)


_FEATURES = _Rule("int", 1, MAX_FEATURES)
_SPATIAL_DIM = _Rule("int", -4, 3)
_BOOL = _Rule("bool")
# by argument name: one rule per PyTorch argument, whichever layer it belongs to
ARG_RULES: dict[str, _Rule] = {
    "in_channels": _FEATURES,
    "out_channels": _FEATURES,
    "in_features": _FEATURES,
    "out_features": _FEATURES,
    "num_features": _FEATURES,
    "groups": _FEATURES,
    "kernel_size": _Rule("size", 1, MAX_SIZE),
    "stride": _Rule("size", 1, MAX_SIZE, nullable=True),  # None: pooling's "same as kernel_size"
    "padding": _Rule("size", 0, MAX_SIZE, choices=("same", "valid")),
    "dilation": _Rule("size", 1, MAX_SIZE),
    "output_padding": _Rule("size", 0, MAX_SIZE),
    "output_size": _Rule("size", 1, MAX_SIZE),
    "divisor_override": _Rule("int", 1, MAX_SIZE, nullable=True),
    "bias": _BOOL,
    "inplace": _BOOL,
    "ceil_mode": _BOOL,
    "count_include_pad": _BOOL,
    "affine": _BOOL,
    "track_running_stats": _BOOL,
    "padding_mode": _Rule("choice", choices=PADDING_MODES),
    "p": _Rule("float", 0, 1),
    "eps": _Rule("float", 1e-12, 1),
    "momentum": _Rule("float", 0, 1, nullable=True),
    "negative_slope": _Rule("float", -100, 100),
    "alpha": _Rule("float", -100, 100),
    "approximate": _Rule("choice", choices=("none", "tanh")),
    "dim": _Rule("int", -4, 3, nullable=True),
    "start_dim": _SPATIAL_DIM,
    "end_dim": _SPATIAL_DIM,
}


def is_attribute_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not hasattr(nn.Module, name)


def all_args(layer_type: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return every argument of a ``layer_type`` layer with PyTorch's defaults filled in (pairs as tuples)."""
    defaults = DEFAULTS[layer_type]
    args = {name: args.get(name, defaults.get(name)) for name in LAYER_ARGS[layer_type]}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def layer_params(layer_type: str, args: dict[str, Any]) -> int:
    """Return the parameters a layer of ``layer_type`` with these (valid) arguments creates, by arithmetic alone."""
    args = all_args(layer_type, args)
    if layer_type == "Conv2d":  # core.geometry owns the weight-count formula; the input size does not matter
        return conv_geometry(ConvSettings(**args), (args["in_channels"], 1, 1)).params
    if layer_type == "ConvTranspose2d":
        return conv_transpose_geometry(ConvTransposeSettings(**args), (args["in_channels"], 1, 1)).params
    if layer_type == "Linear":
        return args["in_features"] * args["out_features"] + (args["out_features"] if args["bias"] else 0)
    if layer_type in ("BatchNorm1d", "BatchNorm2d"):
        return 2 * args["num_features"] if args["affine"] else 0  # weight (gamma) and bias (beta)
    return 0


def _py(value: Any) -> str:
    return repr(tuple(value)) if isinstance(value, list) else repr(value)


def layer_code(layer_type: str, args: dict[str, Any], prefix: str = "nn.") -> str:
    """Return the constructor call, e.g. ``nn.Conv2d(1, 6, kernel_size=5)`` (prefix "" for tables)."""
    parts = [_py(value) if arg in POSITIONAL_IN_CODE else f"{arg}={_py(value)}" for arg, value in args.items()]
    return f"{prefix}{layer_type}({', '.join(parts)})"
