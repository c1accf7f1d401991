"""Model specs: a JSON list of layers that builds an ``nn.Sequential``, checked, initialised and named.

A :class:`ModelSpec` is what the architecture page edits, the training page trains and the run store
saves: plain data (layer type + keyword arguments), so it round-trips through JSON and through
``spec -> nn.Module -> spec``. Specs from uploads are untrusted: :func:`parse_spec` checks size,
nesting, layer types, argument names and ranges, and estimates the parameter memory from the
arithmetic alone before anything is built.

Layer arguments are kept in a canonical form (lists, ``[3, 3]`` written as ``3``, PyTorch defaults
left out) so that two specs that build the same model compare equal. The curriculum's models are in
:mod:`core.presets`; the generated ``nn.Module`` source is :mod:`core.codegen`.
"""

from __future__ import annotations

import difflib
import inspect
import json
import keyword
import logging
import math
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from core.geometry import (
    PADDING_MODES,
    ConvSettings,
    ConvTransposeSettings,
    PoolSettings,
    conv_geometry,
    conv_transpose_geometry,
)
from core.i18n import Message, UserError

logger = logging.getLogger(__name__)

# --- the layer types a spec may use ----------------------------------------------------------------

# One row per layer type: its class, its default name prefix (conv1, pool1, fc1, ...), and the keyword
# arguments a spec may set, in PyTorch's order. Left out on purpose: device/dtype (the builder decides),
# MaxPool2d's return_indices (a tuple output breaks Sequential), BatchNorm's keyword-only bias (affine
# already covers it).
_LAYER_TABLE = [
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
_LAYERS: dict[str, tuple[type[nn.Module], tuple[str, ...]]] = {
    name: (cls, tuple(args.split())) for name, cls, _, args in _LAYER_TABLE
}
_NAME_PREFIX = {name: prefix for name, _, prefix, _ in _LAYER_TABLE}
LAYER_TYPES: dict[str, type[nn.Module]] = {name: cls for name, cls, _, _ in _LAYER_TABLE}
_PAIR_ARGS = ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size")
_POSITIONAL_IN_CODE = ("in_channels", "out_channels", "in_features", "out_features", "num_features")
_SHOWN_EVEN_IF_DEFAULT = {"Dropout": ("p",)}  # always written: "Dropout(p=0.5)" teaches more than "Dropout()"

INIT_SCHEMES = ("default", "xavier", "kaiming", "normal")
MAX_LAYERS = 200
MAX_PARAM_BYTES = 2_000_000_000  # float32 parameters a spec may ask for (2 GB = 500 M parameters)
MAX_SPEC_BYTES = 200_000
MAX_JSON_DEPTH = 8  # a spec is {"layers": [{"args": {"kernel_size": [3, 3]}}]}: depth 5
MAX_FEATURES = 1 << 20  # channels / features per layer; the memory estimate is the real cap
MAX_SIZE = 4096  # kernel, stride, padding, dilation, spatial sizes
MAX_INPUT_NUMEL = 1 << 24  # one sample: 3 x 2048 x 2048 fits
BYTES_PER_PARAM = 4  # float32


def _signature_defaults(cls: type[nn.Module]) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


_DEFAULTS = {name: _signature_defaults(cls) for name, (cls, _) in _LAYERS.items()}
_REQUIRED = {name: tuple(a for a in args if a not in _DEFAULTS[name]) for name, (_, args) in _LAYERS.items()}


# --- specs -----------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def _canonical_args(layer_type: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return ``args`` as lists, equal pairs collapsed, PyTorch defaults dropped, in PyTorch's order."""
    args = {k: _jsonable(v) for k, v in args.items()}
    for name in _PAIR_ARGS:
        v = args.get(name)
        if isinstance(v, list) and len(v) == 2 and type(v[0]) is type(v[1]) and v[0] == v[1]:
            args[name] = v[0]
    if layer_type not in _LAYERS:
        return args  # validation reports the unknown type; keep what was written
    defaults, known = _DEFAULTS[layer_type], _LAYERS[layer_type][1]
    shown = _SHOWN_EVEN_IF_DEFAULT.get(layer_type, ())
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
class LayerSpec:
    """One layer: a type from :data:`LAYER_TYPES` and its keyword arguments (JSON values only)."""

    type: str
    args: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # attribute name in the model; None: conv1, pool1, fc1, ... by position

    def __post_init__(self) -> None:
        args = self.args if isinstance(self.args, dict) else {}
        object.__setattr__(self, "args", _canonical_args(self.type, args))

    def __hash__(self) -> int:  # args is a dict: hash its JSON so specs can be cache keys
        return hash((self.type, json.dumps(self.args, sort_keys=True, default=str), self.name))

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"type", "args"[, "name"]}``, JSON-ready."""
        d: dict[str, Any] = {"type": self.type, "args": dict(self.args)}
        if self.name is not None:
            d["name"] = self.name
        return d


@dataclass(frozen=True)
class ModelSpec:
    """A model as data: layers applied in order to one sample of ``input_shape``."""

    layers: tuple[LayerSpec, ...]
    input_shape: tuple[int, ...]  # one sample, no batch: (1, 32, 32) for images, (784,) for vectors
    init: str = "default"  # weight initialisation, one of INIT_SCHEMES (see init_weights)
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", _drop_default_names(tuple(self.layers)))
        object.__setattr__(self, "input_shape", tuple(self.input_shape))

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as JSON-ready dicts and lists."""
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "init": self.init,
            "layers": [layer.to_dict() for layer in self.layers],
        }

    @classmethod
    def from_dict(cls, d: Any, *, max_layers: int = MAX_LAYERS) -> ModelSpec:
        """Return a validated spec from ``to_dict`` output; raise :class:`UserError` naming what is wrong."""
        spec = _spec_from_obj(d, max_layers)
        validate_spec(spec, max_layers=max_layers)
        return spec

    def to_json(self) -> str:
        """Return the spec as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelSpec:
        """Return a validated spec from JSON text (untrusted text: same checks as :func:`parse_spec`)."""
        return parse_spec(text)


def _err(key: str, **params: Any) -> UserError:
    return UserError(Message(f"models.{key}", params))


def _suggest(value: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=3, cutoff=0.5)
    return ", ".join(close) if close else ", ".join(choices)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _spec_from_obj(d: Any, max_layers: int) -> ModelSpec:
    """Check the JSON structure (types of the fields) and return an unvalidated spec."""
    if not isinstance(d, dict):
        raise _err("spec_not_object", got=type(d).__name__)
    for key in d:
        if key not in ("name", "input_shape", "init", "layers"):
            raise _err(
                "unknown_field", field=_show(key), suggestion=_suggest(key, ("layers", "input_shape", "init", "name"))
            )
    layers = d.get("layers")
    if not isinstance(layers, list):
        raise _err("field_type", field="layers", expected="[...]", got=_show(layers))
    if len(layers) > max_layers:
        raise _err("too_many_layers", count=len(layers), max=max_layers)
    shape = d.get("input_shape")
    if not isinstance(shape, list):
        raise _err("field_type", field="input_shape", expected="[C, H, W] | [features]", got=_show(shape))
    name = d.get("name", "")
    if not isinstance(name, str) or len(name) > 100:
        raise _err("field_type", field="name", expected="string (≤ 100)", got=_show(name))
    init = d.get("init", "default")
    if not isinstance(init, str):
        raise _err("field_type", field="init", expected=" | ".join(INIT_SCHEMES), got=_show(init))
    parsed = []
    for index, item in enumerate(layers):
        where = {"position": index + 1}
        if not isinstance(item, dict):
            raise _err("layer_not_object", **where, got=_show(item))
        for key in item:
            if key not in ("type", "args", "name"):
                raise _err(
                    "unknown_layer_field", **where, field=_show(key), suggestion=_suggest(key, ("type", "args", "name"))
                )
        layer_type, args, layer_name = item.get("type"), item.get("args", {}), item.get("name")
        if not isinstance(layer_type, str):
            raise _err(
                "layer_field_type", **where, field="type", expected=" | ".join(LAYER_TYPES), got=_show(layer_type)
            )
        if not isinstance(args, dict):
            raise _err("layer_field_type", **where, field="args", expected="{...}", got=_show(args))
        if layer_name is not None and not isinstance(layer_name, str):
            raise _err("layer_field_type", **where, field="name", expected="string", got=_show(layer_name))
        parsed.append(LayerSpec(layer_type, args, layer_name))
    return ModelSpec(tuple(parsed), tuple(shape), init, name)


# --- validation -----------------------------------------------------------------------------------


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
_ARG_RULES: dict[str, _Rule] = {
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


def _is_attribute_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not hasattr(nn.Module, name)


def validate_spec(spec: ModelSpec, *, max_layers: int = MAX_LAYERS) -> None:
    """Raise :class:`UserError` for the first thing in ``spec`` that no model can be built from.

    Checks the input shape, the init scheme, layer types, argument names, types and ranges, and
    layer names. Whether the shapes fit together is :func:`core.summary.summarize`'s question.
    """
    shape = spec.input_shape
    if not (
        1 <= len(shape) <= 3
        and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_FEATURES for v in shape)
        and math.prod(shape) <= MAX_INPUT_NUMEL
    ):
        raise _err("bad_input_shape", value=_show(list(shape)), max=MAX_INPUT_NUMEL)
    if spec.init not in INIT_SCHEMES:
        raise _err("unknown_init", value=_show(spec.init), suggestion=_suggest(spec.init, INIT_SCHEMES))
    if len(spec.layers) > max_layers:
        raise _err("too_many_layers", count=len(spec.layers), max=max_layers)
    seen: set[str] = set()
    for index, layer in enumerate(spec.layers):
        where = {"position": index + 1, "type": layer.type}
        if layer.type not in _LAYERS:
            raise _err(
                "unknown_layer_type",
                position=index + 1,
                value=_show(layer.type),
                suggestion=_suggest(layer.type, LAYER_TYPES),
            )
        allowed = _LAYERS[layer.type][1]
        for arg, value in layer.args.items():
            if arg not in allowed:
                suggestion = _suggest(arg, allowed) if allowed else "—"
                raise _err("unknown_argument", **where, arg=_show(arg), suggestion=suggestion)
            rule = _ARG_RULES[arg]
            if not rule.allows(value):
                raise _err("bad_argument", **where, arg=arg, value=_show(value), allowed=rule.describe())
        for arg in _REQUIRED[layer.type]:
            if arg not in layer.args:
                raise _err("missing_argument", **where, arg=arg)
        if layer.name is not None:
            if not _is_attribute_name(layer.name):
                raise _err("bad_layer_name", position=index + 1, name=_show(layer.name))
            if layer.name in seen:
                raise _err("duplicate_layer_name", position=index + 1, name=layer.name)
            seen.add(layer.name)


def _json_depth_exceeds(obj: Any, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_spec(
    text_or_bytes: str | bytes,
    *,
    max_bytes: int = MAX_SPEC_BYTES,
    max_layers: int = MAX_LAYERS,
    max_param_bytes: int = MAX_PARAM_BYTES,
) -> ModelSpec:
    """Return the spec in an untrusted JSON upload, or raise :class:`UserError` saying what to change.

    Everything is checked before any module exists: size, nesting, known layer types and argument
    names (with "did you mean"), value ranges, and the parameter memory the spec would need.
    """
    raw = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else bytes(text_or_bytes)
    if len(raw) > max_bytes:
        raise _err("spec_too_large", size=len(raw), max=max_bytes)
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except RecursionError:
        raise _err("spec_too_deep", max=MAX_JSON_DEPTH) from None
    except UnicodeDecodeError:
        raise _err("spec_not_json", error="not UTF-8 text") from None
    except ValueError as exc:  # json.JSONDecodeError, and ints longer than Python's digit limit
        raise _err("spec_not_json", error=str(exc)[:200]) from None
    if _json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise _err("spec_too_deep", max=MAX_JSON_DEPTH)
    spec = ModelSpec.from_dict(data, max_layers=max_layers)
    check_param_memory(spec, max_param_bytes)
    return spec


# --- parameters and settings, from the spec alone --------------------------------------------------


def _all_args(layer: LayerSpec) -> dict[str, Any]:
    """Return every argument of ``layer`` with PyTorch's defaults filled in (pairs as tuples)."""
    defaults = _DEFAULTS[layer.type]
    args = {name: layer.args.get(name, defaults.get(name)) for name in _LAYERS[layer.type][1]}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def layer_settings(layer: LayerSpec) -> ConvSettings | PoolSettings | ConvTransposeSettings | None:
    """Return the core.geometry settings of a Conv2d, pooling or ConvTranspose2d layer, else None."""
    if layer.type not in ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"):
        return None
    args = _all_args(layer)
    if layer.type == "Conv2d":
        return ConvSettings(**args)
    if layer.type == "ConvTranspose2d":
        return ConvTransposeSettings(**args)
    if layer.type == "MaxPool2d":
        return PoolSettings(
            "max", args["kernel_size"], args["stride"], args["padding"], args["dilation"], args["ceil_mode"]
        )
    return PoolSettings(
        "avg",
        args["kernel_size"],
        args["stride"],
        args["padding"],
        ceil_mode=args["ceil_mode"],
        count_include_pad=args["count_include_pad"],
    )


def layer_from_settings(layer: LayerSpec, settings: ConvSettings | PoolSettings | ConvTransposeSettings) -> LayerSpec:
    """Return ``layer`` with the arguments of ``settings`` (e.g. core.geometry's fix) applied."""
    args = settings.to_dict()
    layer_type = layer.type
    if isinstance(settings, PoolSettings):
        layer_type = "MaxPool2d" if args.pop("kind") == "max" else "AvgPool2d"
        args.pop("count_include_pad" if layer_type == "MaxPool2d" else "dilation")
    kept = {k: v for k, v in layer.args.items() if k in _LAYERS[layer_type][1]}
    return LayerSpec(layer_type, {**kept, **args}, layer.name)


def _layer_params(layer: LayerSpec) -> int:
    args = _all_args(layer)
    if layer.type == "Conv2d":  # core.geometry owns the weight-count formula; the input size does not matter
        return conv_geometry(ConvSettings(**args), (args["in_channels"], 1, 1)).params
    if layer.type == "ConvTranspose2d":
        return conv_transpose_geometry(ConvTransposeSettings(**args), (args["in_channels"], 1, 1)).params
    if layer.type == "Linear":
        return args["in_features"] * args["out_features"] + (args["out_features"] if args["bias"] else 0)
    if layer.type in ("BatchNorm1d", "BatchNorm2d"):
        return 2 * args["num_features"] if args["affine"] else 0  # weight (gamma) and bias (beta)
    return 0


def estimate_param_count(spec: ModelSpec) -> int:
    """Return the number of parameters ``build_model(spec)`` would create, without building anything."""
    validate_spec(spec)
    return sum(_layer_params(layer) for layer in spec.layers)


def check_param_memory(spec: ModelSpec, max_param_bytes: int = MAX_PARAM_BYTES) -> None:
    """Raise :class:`UserError` when the spec's float32 parameters would need more than ``max_param_bytes``."""
    params = estimate_param_count(spec)
    if params * BYTES_PER_PARAM > max_param_bytes:
        raise _err(
            "too_many_params",
            params=params,
            gb=round(params * BYTES_PER_PARAM / 1e9, 2),
            max_gb=round(max_param_bytes / 1e9, 2),
        )


# --- building ---------------------------------------------------------------------------------------


def _names(layers: tuple[LayerSpec, ...]) -> list[str]:
    taken = {layer.name for layer in layers if layer.name is not None}
    counters: dict[str, int] = {}
    names = []
    for layer in layers:
        if layer.name is not None:
            names.append(layer.name)
            continue
        prefix = _NAME_PREFIX.get(layer.type, "layer")
        while True:
            counters[prefix] = counters.get(prefix, 0) + 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in taken:
                break
        taken.add(candidate)
        names.append(candidate)
    return names


def _drop_default_names(layers: tuple[LayerSpec, ...]) -> tuple[LayerSpec, ...]:
    """Return ``layers`` with each explicit name that the default naming would give anyway set to None."""
    if not all(isinstance(layer, LayerSpec) for layer in layers):
        return layers  # validation says what is wrong
    names = _names(layers)
    for index, layer in enumerate(layers):
        if isinstance(layer.name, str) and layer.name.startswith(_NAME_PREFIX.get(layer.type, "layer")):
            trial = (*layers[:index], LayerSpec(layer.type, layer.args), *layers[index + 1 :])
            if _names(trial) == names:
                layers = trial
    return layers


def layer_names(spec: ModelSpec) -> list[str]:
    """Return each layer's attribute name: its own name, or conv1, pool1, fc1, relu1, ... by position."""
    return _names(spec.layers)


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
                raise _err(
                    "layer_build_failed",
                    position=index + 1,
                    name=name,
                    settings=layer_code(layer, ""),
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
        raise _err("unknown_init", value=_show(scheme), suggestion=_suggest(scheme, INIT_SCHEMES))
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
    for arg in _LAYERS[layer_type][1]:
        args[arg] = (module.bias is not None) if arg == "bias" else getattr(module, arg)
    return LayerSpec(layer_type, args, name)


def _leaves(module: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    if isinstance(module, nn.Sequential):
        out = []
        for name, child in module.named_children():
            out += _leaves(child, name)
        return out
    if type(module).__name__ not in LAYER_TYPES:
        raise _err(
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
        keep = _is_attribute_name(leaf_name) and leaf_name not in seen  # "0", "1" of a plain Sequential: default
        seen.add(leaf_name)
        layers.append(layer_spec_from_module(leaf, leaf_name if keep else None))
    return ModelSpec(tuple(layers), tuple(input_shape), init, name)


# --- a layer as code text -------------------------------------------------------------------------------------


def _py(value: Any) -> str:
    return repr(tuple(value)) if isinstance(value, list) else repr(value)


def layer_code(layer: LayerSpec, prefix: str = "nn.") -> str:
    """Return the constructor call, e.g. ``nn.Conv2d(1, 6, kernel_size=5)`` (prefix "" for tables)."""
    parts = []
    for arg, value in layer.args.items():
        parts.append(_py(value) if arg in _POSITIONAL_IN_CODE else f"{arg}={_py(value)}")
    return f"{prefix}{layer.type}({', '.join(parts)})"
