"""Model specs as text a student types: input shapes, layer arguments, the layer editor's rows.

The architecture page edits a :class:`core.models.ModelSpec` as a table with one row per layer:
a type, its arguments as compact text (``in_channels=1, out_channels=6, kernel_size=5``, the way
PyTorch code writes them, or a JSON object) and an optional name. Everything typed is untrusted: it
is parsed here without evaluating code (``ast`` reads literals only), its length is capped, and a
bad row raises :class:`UserError` naming the row and what to write instead. Whether the layers fit
together is :func:`core.summary.summarize`'s question.
"""

from __future__ import annotations

import ast
import json
import math
import re
import threading
from dataclasses import replace
from typing import Any

from core.i18n import Message, UserError
from core.layers import LAYER_TYPES, MAX_FEATURES, MAX_INPUT_NUMEL
from core.modelspec import LayerSpec, ModelSpec, validate_spec

MAX_ARGS_CHARS = 500  # one row's argument text; VGG's longest layer needs about 60
MAX_SHAPE_CHARS = 40
_SHAPE_SEPARATORS = re.compile(r"\s*[xX×*,]\s*|\s+")
_JSON_WORDS = {"true": True, "false": False, "null": None}  # accepted in name=value text too
# One ast.parse at a time: CPython 3.11 counts the depth of the tree it builds in state that all
# threads share, so two sessions parsing at once can fail with "SystemError: AST constructor
# recursion depth mismatch", as one did under a load test
_PARSING = threading.Lock()


def _err(key: str, **params: Any) -> UserError:
    return UserError(Message(f"specs.{key}", params))


# --- input shapes ---------------------------------------------------------------------------------------


def parse_input_shape(text: str) -> tuple[int, ...]:
    """Return one sample's shape from "1x32x32", "3, 32, 32", "(1, 28, 28)" or "784" (no batch dimension)."""
    raw = (text or "").strip()
    inner = raw.strip("()[] ")
    parts = [p for p in _SHAPE_SEPARATORS.split(inner) if p] if len(raw) <= MAX_SHAPE_CHARS else []
    ok = 1 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 7 for p in parts)
    shape = tuple(int(p) for p in parts) if ok else ()
    if not ok or not all(1 <= v <= MAX_FEATURES for v in shape) or math.prod(shape) > MAX_INPUT_NUMEL:
        raise _err("bad_input_shape", value=raw[:MAX_SHAPE_CHARS], max=MAX_INPUT_NUMEL)
    return shape


def format_input_shape(shape: tuple[int, ...]) -> str:
    """Return "1x32x32" for (1, 32, 32): the text form parse_input_shape reads back (and the URL uses)."""
    return "x".join(map(str, shape))


# --- layer arguments --------------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(map(_literal, value)) + ")"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def format_args(args: dict[str, Any]) -> str:
    """Return ``kernel_size=5, padding=2``: arguments as they are written in PyTorch code."""
    return ", ".join(f"{name}={_literal(value)}" for name, value in args.items())


def _value(node: ast.expr, position: int, name: str, text: str) -> Any:
    if isinstance(node, ast.Name) and node.id in _JSON_WORDS:
        return _JSON_WORDS[node.id]
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _err("args_value", position=position, arg=name, value=ast.get_source_segment(text, node) or "?") from None
    if isinstance(value, tuple):
        value = list(value)
    flat = value if isinstance(value, list) else [value]
    if not all(v is None or isinstance(v, (bool, int, float, str)) for v in flat):
        raise _err("args_value", position=position, arg=name, value=ast.get_source_segment(text, node) or "?")
    return value


def parse_args(text: str, position: int) -> dict[str, Any]:
    """Return the arguments in ``text`` (``name=value, ...`` or a JSON object) of the layer in row ``position``.

    Values are literals only (numbers, strings, True/False/None, tuples); nothing is evaluated.
    """
    text = (text or "").strip()
    if not text:
        return {}
    if len(text) > MAX_ARGS_CHARS:
        raise _err("args_too_long", position=position, size=len(text), max=MAX_ARGS_CHARS)
    if text.startswith("{"):
        try:
            args = json.loads(text)
        except ValueError as exc:
            raise _err("args_syntax", position=position, text=text[:80], error=str(exc)[:120]) from None
        if not isinstance(args, dict):
            raise _err("args_syntax", position=position, text=text[:80], error="not a JSON object")
        return args
    try:
        with _PARSING:
            call = ast.parse(f"f({text})", mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        error = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise _err("args_syntax", position=position, text=text[:80], error=error) from None
    # "f(a=1), g(b=2)" parses as a tuple, not one call
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.func.id != "f":
        raise _err("args_syntax", position=position, text=text[:80], error="name=value, name=value, ...")
    if call.args or any(k.arg is None for k in call.keywords):
        raise _err("args_positional", position=position, text=text[:80])
    source = f"f({text})"
    return {k.arg: _value(k.value, position, k.arg, source) for k in call.keywords}


# --- the editor's rows <-> a spec -------------------------------------------------------------------------


def rows_from_spec(spec: ModelSpec) -> list[dict[str, Any]]:
    """Return one ``{"type", "args", "name"}`` row per layer, as text; "" for a name given by position."""
    return [{"type": layer.type, "args": format_args(layer.args), "name": layer.name or ""} for layer in spec.layers]


def _cell(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""  # None, NaN and pandas' <NA> are empty cells


def spec_from_rows(rows: list[dict[str, Any]], base: ModelSpec) -> ModelSpec:
    """Return ``base`` with its layers replaced by the editor's rows; empty rows are left out.

    Raises :class:`UserError` for the first row that cannot be read (its number as the editor shows
    it, counting from 1) and for anything :func:`core.models.validate_spec` refuses.
    """
    layers = []
    for position, row in enumerate(rows, start=1):
        layer_type, args, name = _cell(row.get("type")), _cell(row.get("args")), _cell(row.get("name"))
        if not (layer_type or args or name):
            continue  # a row just added with "+", not filled in yet
        if not layer_type:
            raise _err("row_needs_type", position=position)
        layers.append(LayerSpec(layer_type, parse_args(args, position), name or None))
    spec = replace(base, layers=tuple(layers))
    validate_spec(spec)
    return spec


def move_layer(spec: ModelSpec, index: int, offset: int) -> ModelSpec:
    """Return ``spec`` with layer ``index`` moved ``offset`` places (-1: up, +1: down), kept in range."""
    layers = list(spec.layers)
    target = min(max(index + offset, 0), len(layers) - 1)
    layers.insert(target, layers.pop(index))
    return replace(spec, layers=tuple(layers))


def insert_layer(spec: ModelSpec, index: int, layer: LayerSpec) -> ModelSpec:
    """Return ``spec`` with ``layer`` inserted before position ``index`` (len(layers): at the end), validated."""
    layers = list(spec.layers)
    layers.insert(index, layer)
    new = replace(spec, layers=tuple(layers))
    validate_spec(new)
    return new


def remove_layer(spec: ModelSpec, index: int) -> ModelSpec:
    """Return ``spec`` without layer ``index``."""
    return replace(spec, layers=spec.layers[:index] + spec.layers[index + 1 :])


def suggest_args(layer_type: str, in_shape: tuple[int, ...] | None) -> dict[str, Any]:
    """Return the arguments the "Add layer" form starts from for a layer that receives ``in_shape``.

    ``in_shape`` has the batch dimension: (N, C, H, W) or (N, features); None when unknown. Sizes
    that must match the input (in_channels, in_features, num_features) are taken from it, so a
    layer added this way fits; the rest are common first choices (3x3 convolution keeping the
    size, 2x2 pooling, Dropout 0.5).
    """
    if layer_type not in LAYER_TYPES:
        raise _err("unknown_type", value=str(layer_type)[:40], types=", ".join(LAYER_TYPES))
    shape = tuple(in_shape or ())
    channels = shape[1] if len(shape) >= 2 else 1
    features = math.prod(shape[1:]) if len(shape) >= 2 else 1  # a Linear after images: Flatten first (the fix says so)
    suggestions: dict[str, dict[str, Any]] = {
        "Conv2d": {"in_channels": channels, "out_channels": 16, "kernel_size": 3, "stride": 1, "padding": 1},
        "ConvTranspose2d": {"in_channels": channels, "out_channels": channels, "kernel_size": 2, "stride": 2},
        "MaxPool2d": {"kernel_size": 2, "stride": 2},
        "AvgPool2d": {"kernel_size": 2, "stride": 2},
        "AdaptiveAvgPool2d": {"output_size": 1},
        "BatchNorm1d": {"num_features": channels},
        "BatchNorm2d": {"num_features": channels},
        "Dropout": {"p": 0.5},
        "Flatten": {},
        "Linear": {"in_features": features, "out_features": 10},
        "LeakyReLU": {"negative_slope": 0.01},
        "ELU": {"alpha": 1.0},
        "GELU": {"approximate": "none"},
        "Softmax": {"dim": 1},
    }
    return suggestions.get(layer_type, {})
