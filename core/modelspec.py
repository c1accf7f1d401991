"""Model specs: a model as plain data, a list of layers that builds an ``nn.Sequential``.

A :class:`ModelSpec` is what the architecture page edits, the training page trains and the run store
saves: layer type + keyword arguments, so it round-trips through JSON and through
``spec -> nn.Module -> spec``. :func:`validate_spec` refuses anything no model can be built from,
naming the layer and the nearest valid choice. The layer table is :mod:`core.layers`; reading an
untrusted JSON upload, :mod:`core.spec_parsing`; building, :mod:`core.builder`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from core.i18n import Message, UserError
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings
from core.layers import (
    ARG_RULES,
    LAYER_ARGS,
    LAYER_TYPES,
    MAX_FEATURES,
    MAX_INPUT_NUMEL,
    NAME_PREFIX,
    REQUIRED_ARGS,
    all_args,
    canonical_args,
    is_attribute_name,
    layer_code,
)
from core.suggest import shown, suggestion

INIT_SCHEMES = ("default", "xavier", "kaiming", "normal")
MAX_LAYERS = 200


def spec_error(key: str, **params: Any) -> UserError:
    """Return the UserError of text ``models.<key>``: what is wrong with a spec, for the reader."""
    return UserError(Message(f"models.{key}", params))


@dataclass(frozen=True)
class LayerSpec:
    """One layer: a type from :data:`LAYER_TYPES` and its keyword arguments (JSON values only)."""

    type: str
    args: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # attribute name in the model; None: conv1, pool1, fc1, ... by position

    def __post_init__(self) -> None:
        args = self.args if isinstance(self.args, dict) else {}
        object.__setattr__(self, "args", canonical_args(self.type, args))

    def __hash__(self) -> int:  # args is a dict: hash its JSON so specs can be cache keys
        return hash((self.type, json.dumps(self.args, sort_keys=True, default=str), self.name))

    def code(self, prefix: str = "nn.") -> str:
        """Return the constructor call, e.g. ``nn.Conv2d(1, 6, kernel_size=5)`` (prefix "" for tables)."""
        return layer_code(self.type, self.args, prefix)

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


def _spec_from_obj(d: Any, max_layers: int) -> ModelSpec:
    """Check the JSON structure (types of the fields) and return an unvalidated spec."""
    if not isinstance(d, dict):
        raise spec_error("spec_not_object", got=type(d).__name__)
    for key in d:
        if key not in ("name", "input_shape", "init", "layers"):
            raise spec_error(
                "unknown_field", field=shown(key), suggestion=suggestion(key, ("layers", "input_shape", "init", "name"))
            )
    layers = d.get("layers")
    if not isinstance(layers, list):
        raise spec_error("field_type", field="layers", expected="[...]", got=shown(layers))
    if len(layers) > max_layers:
        raise spec_error("too_many_layers", count=len(layers), max=max_layers)
    shape = d.get("input_shape")
    if not isinstance(shape, list):
        raise spec_error("field_type", field="input_shape", expected="[C, H, W] | [features]", got=shown(shape))
    name = d.get("name", "")
    if not isinstance(name, str) or len(name) > 100:
        raise spec_error("field_type", field="name", expected="string (≤ 100)", got=shown(name))
    init = d.get("init", "default")
    if not isinstance(init, str):
        raise spec_error("field_type", field="init", expected=" | ".join(INIT_SCHEMES), got=shown(init))
    parsed = []
    for index, item in enumerate(layers):
        where = {"position": index + 1}
        if not isinstance(item, dict):
            raise spec_error("layer_not_object", **where, got=shown(item))
        for key in item:
            if key not in ("type", "args", "name"):
                raise spec_error(
                    "unknown_layer_field",
                    **where,
                    field=shown(key),
                    suggestion=suggestion(key, ("type", "args", "name")),
                )
        layer_type, args, layer_name = item.get("type"), item.get("args", {}), item.get("name")
        if not isinstance(layer_type, str):
            raise spec_error(
                "layer_field_type", **where, field="type", expected=" | ".join(LAYER_TYPES), got=shown(layer_type)
            )
        if not isinstance(args, dict):
            raise spec_error("layer_field_type", **where, field="args", expected="{...}", got=shown(args))
        if layer_name is not None and not isinstance(layer_name, str):
            raise spec_error("layer_field_type", **where, field="name", expected="string", got=shown(layer_name))
        parsed.append(LayerSpec(layer_type, args, layer_name))
    return ModelSpec(tuple(parsed), tuple(shape), init, name)


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
        raise spec_error("bad_input_shape", value=shown(list(shape)), max=MAX_INPUT_NUMEL)
    if spec.init not in INIT_SCHEMES:
        raise spec_error("unknown_init", value=shown(spec.init), suggestion=suggestion(spec.init, INIT_SCHEMES))
    if len(spec.layers) > max_layers:
        raise spec_error("too_many_layers", count=len(spec.layers), max=max_layers)
    seen: set[str] = set()
    for index, layer in enumerate(spec.layers):
        where = {"position": index + 1, "type": layer.type}
        if layer.type not in LAYER_TYPES:
            raise spec_error(
                "unknown_layer_type",
                position=index + 1,
                value=shown(layer.type),
                suggestion=suggestion(layer.type, LAYER_TYPES),
            )
        allowed = LAYER_ARGS[layer.type]
        for arg, value in layer.args.items():
            if arg not in allowed:
                near = suggestion(arg, allowed) if allowed else "—"
                raise spec_error("unknown_argument", **where, arg=shown(arg), suggestion=near)
            rule = ARG_RULES[arg]
            if not rule.allows(value):
                raise spec_error("bad_argument", **where, arg=arg, value=shown(value), allowed=rule.describe())
        for arg in REQUIRED_ARGS[layer.type]:
            if arg not in layer.args:
                raise spec_error("missing_argument", **where, arg=arg)
        if layer.name is not None:
            if not is_attribute_name(layer.name):
                raise spec_error("bad_layer_name", position=index + 1, name=shown(layer.name))
            if layer.name in seen:
                raise spec_error("duplicate_layer_name", position=index + 1, name=layer.name)
            seen.add(layer.name)


def layer_settings(layer: LayerSpec) -> ConvSettings | PoolSettings | ConvTransposeSettings | None:
    """Return the core.geometry settings of a Conv2d, pooling or ConvTranspose2d layer, else None."""
    if layer.type not in ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"):
        return None
    args = all_args(layer.type, layer.args)
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
    kept = {k: v for k, v in layer.args.items() if k in LAYER_ARGS[layer_type]}
    return LayerSpec(layer_type, {**kept, **args}, layer.name)


def _names(layers: tuple[LayerSpec, ...]) -> list[str]:
    taken = {layer.name for layer in layers if layer.name is not None}
    counters: dict[str, int] = {}
    names = []
    for layer in layers:
        if layer.name is not None:
            names.append(layer.name)
            continue
        prefix = NAME_PREFIX.get(layer.type, "layer")
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
        if isinstance(layer.name, str) and layer.name.startswith(NAME_PREFIX.get(layer.type, "layer")):
            trial = (*layers[:index], LayerSpec(layer.type, layer.args), *layers[index + 1 :])
            if _names(trial) == names:
                layers = trial
    return layers


def layer_names(spec: ModelSpec) -> list[str]:
    """Return each layer's attribute name: its own name, or conv1, pool1, fc1, relu1, ... by position."""
    return _names(spec.layers)
