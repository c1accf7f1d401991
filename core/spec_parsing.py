"""Reading a model spec from an untrusted upload: size, nesting, layer rules and the memory it would take.

Everything is checked before any module exists, so a small file cannot make the server allocate:
the parameter count comes from the arithmetic of :func:`core.layers.layer_params` alone.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from core.layers import BYTES_PER_PARAM, layer_params
from core.modelspec import MAX_LAYERS, ModelSpec, spec_error, validate_spec

MAX_PARAM_BYTES = 2_000_000_000  # float32 parameters a spec may ask for (2 GB = 500 M parameters)
MAX_SPEC_BYTES = 200_000
MAX_JSON_DEPTH = 8  # a spec is {"layers": [{"args": {"kernel_size": [3, 3]}}]}: depth 5


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
        raise spec_error("spec_too_large", size=len(raw), max=max_bytes)
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except RecursionError:
        raise spec_error("spec_too_deep", max=MAX_JSON_DEPTH) from None
    except UnicodeDecodeError:
        raise spec_error("spec_not_json", error="not UTF-8 text") from None
    except ValueError as exc:  # json.JSONDecodeError, and ints longer than Python's digit limit
        raise spec_error("spec_not_json", error=str(exc)[:200]) from None
    if _json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise spec_error("spec_too_deep", max=MAX_JSON_DEPTH)
    spec = ModelSpec.from_dict(data, max_layers=max_layers)
    check_param_memory(spec, max_param_bytes)
    return spec


def estimate_param_count(spec: ModelSpec) -> int:
    """Return the number of parameters ``build_model(spec)`` would create, without building anything."""
    validate_spec(spec)
    return sum(layer_params(layer.type, layer.args) for layer in spec.layers)


def check_param_memory(spec: ModelSpec, max_param_bytes: int = MAX_PARAM_BYTES) -> None:
    """Raise :class:`UserError` when the spec's float32 parameters would need more than ``max_param_bytes``."""
    params = estimate_param_count(spec)
    if params * BYTES_PER_PARAM > max_param_bytes:
        raise spec_error(
            "too_many_params",
            params=params,
            gb=round(params * BYTES_PER_PARAM / 1e9, 2),
            max_gb=round(max_param_bytes / 1e9, 2),
        )


# --- a spec in a link ------------------------------------------------------------------------------------

MAX_LINK_CHARS = 8_000  # a spec in a URL: LeNet takes about 400 characters, VGG16 about 700


def spec_to_link(spec: ModelSpec) -> str:
    """Return ``spec`` as short URL-safe text: compact JSON, deflated, base64url (``spec_from_link`` reads it)."""
    data = json.dumps(spec.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(data, 9)).decode().rstrip("=")


def spec_from_link(text: str) -> ModelSpec:
    """Return the spec in link text from :func:`spec_to_link`; untrusted, so every check of :func:`parse_spec` applies.

    The text is inflated at most to ``MAX_SPEC_BYTES``: a small link cannot unpack into a huge spec.
    """
    try:
        if len(text) > MAX_LINK_CHARS:
            raise ValueError(f"{len(text)} characters")
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflate = zlib.decompressobj()
        data = inflate.decompress(packed, MAX_SPEC_BYTES + 1)
        if len(data) > MAX_SPEC_BYTES or not inflate.eof:
            raise ValueError("it unpacks past the size a spec may have")
    except (ValueError, zlib.error) as exc:
        raise spec_error("bad_link", error=str(exc)[:120]) from None
    return parse_spec(data)
