"""The per-layer shape table: for any spec or module and input shape, what each layer does to the shape.

Shapes are propagated on PyTorch's "meta" device: tensors with a shape and no memory, so VGG16 at
224x224 is summarized in milliseconds and a spec asking for a billion channels costs nothing.
Forward hooks collect one record per layer (as torchinfo does); the multiply-accumulates come
from ``torch.utils.flop_counter.FlopCounterMode``; the output-size formula of every conv and
pooling layer comes from :mod:`core.geometry`, the same function the convolution page shows.

When a layer cannot take what arrives, the table stops there and :class:`ShapeProblem` says which
layer, what it expected, what it got, and carries the whole corrected spec (one click applies it).
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from core.builder import build_layer, layer_spec_from_module, spec_from_module
from core.geometry import Geometry, chain_receptive_field, conv_geometry, conv_transpose_geometry, pool_geometry
from core.i18n import Message, UserError
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings
from core.layers import MAX_FEATURES, MAX_INPUT_NUMEL
from core.modelspec import LayerSpec, ModelSpec, layer_from_settings, layer_names, layer_settings, validate_spec

logger = logging.getLogger(__name__)

SAME_SHAPE = "same shape"  # the calculation of layers that keep the shape; i18n key models.summary.same_shape


@dataclass(frozen=True)
class LayerRow:
    """One layer of the table, for the batch given to :func:`summarize`."""

    index: int  # position in the model (the spec's layer index for specs)
    name: str
    type: str
    settings: str  # "Conv2d(1, 6, kernel_size=5)"
    calculation: str  # how out_shape follows from in_shape: the geometry formula, "400 -> 120", "16*5*5 = 400"
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    trainable_params: int
    frozen_params: int
    macs: int  # multiply-accumulates for the whole batch
    receptive_field: tuple[int, int] | None  # input pixels one output cell sees (h, w); None once flattened
    jump: tuple[int, int] | None  # input pixels between neighbouring output cells
    activation_bytes: int  # the output tensor, kept for the backward pass


@dataclass(frozen=True)
class ShapeProblem:
    """The first layer whose input does not fit, and the spec with that layer repaired."""

    layer_index: int
    layer_name: str
    message: Message  # which layer, what it expected, what it got, and the fix
    fix: ModelSpec | None  # the whole corrected spec; None when there is no single obvious repair
    detail: Message | None = None  # core.geometry's reason, for conv and pooling problems

    def text(self, lang: str = "en", *, markdown: bool = False) -> str:
        """Return the message (and geometry's reason) in ``lang``; ``markdown``: for a Markdown element."""
        detail = self.detail.text(lang, markdown=markdown) if self.detail else ""
        return self.message.text(lang, markdown=markdown) + (" " + detail if detail else "")


@dataclass(frozen=True)
class Summary:
    """The table and its totals; rows stop before the failing layer when there is a problem."""

    rows: tuple[LayerRow, ...]
    input_shape: tuple[int, ...]  # with the batch dimension
    output_shape: tuple[int, ...] | None  # None when a layer failed
    total_params: int
    trainable_params: int
    frozen_params: int
    total_macs: int
    param_bytes: int
    activation_bytes: int  # all rows' outputs together
    problem: ShapeProblem | None


class _Unbuilt(nn.Module):
    """Stands in for a layer PyTorch refused to build, so the table can say why once its input is known."""

    def __init__(self, error: Exception):
        super().__init__()
        self.error = error

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise self.error


class _Stop(Exception):
    """Raised by the pre-hook to end the forward pass at a layer that cannot take its input."""

    def __init__(self, found: _Found):
        super().__init__()
        self.found = found


@dataclass(frozen=True)
class _Found:
    key: str
    params: dict[str, Any]
    detail: Message | None = None
    fixed_layer: LayerSpec | None = None  # the layer repaired in place
    insert_before: LayerSpec | None = None  # a layer to put before it (Flatten)
    input_shape: tuple[int, ...] | None = None  # the model's input shape repaired instead


# --- checks: does this layer take this input? ---------------------------------------------------------


def _geometry(layer: LayerSpec, in_shape: tuple[int, ...]) -> Geometry | None:
    settings = layer_settings(layer)
    if settings is None or len(in_shape) != 4:
        return None
    sample = tuple(in_shape[1:])
    if isinstance(settings, ConvSettings):
        return conv_geometry(settings, sample)
    if isinstance(settings, ConvTransposeSettings):
        return conv_transpose_geometry(settings, sample)
    return pool_geometry(settings, sample)


def _check(layer: LayerSpec | None, module: nn.Module, in_shape: tuple[int, ...], first: bool) -> _Found | None:
    """Return why ``layer`` cannot take an input of ``in_shape`` (with the batch), or None; ``first``: it takes the model's input."""
    if layer is None:
        return None  # a module type we do not know: PyTorch will tell
    image_layers = ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d")
    if layer.type in image_layers and len(in_shape) != 4:
        if first and len(in_shape) == 3:  # (N, H, W): a picture without its channel dimension
            shape = (layer.args.get("in_channels", layer.args.get("num_features", 1)), *in_shape[1:])
            return _Found("needs_channel", {"shape": "x".join(map(str, shape))}, input_shape=shape)
        return _Found("needs_image", {})
    if layer.type == "Linear":
        in_features, features = layer.args["in_features"], in_shape[-1]
        if len(in_shape) >= 3 and features != in_features:
            flat = math.prod(in_shape[1:])
            flatten = LayerSpec("Flatten")
            if flat == in_features:
                return _Found("linear_needs_flatten", {"features": flat}, insert_before=flatten)
            fixed = replace(layer, args={**layer.args, "in_features": flat})
            return _Found(
                "linear_needs_flatten_and_in_features", {"features": flat}, fixed_layer=fixed, insert_before=flatten
            )
        if features != in_features:
            fixed = replace(layer, args={**layer.args, "in_features": features})
            return _Found("linear_in_features", {"expected": in_features, "got": features}, fixed_layer=fixed)
    if layer.type in ("BatchNorm1d", "BatchNorm2d"):
        channels = in_shape[1] if len(in_shape) >= 2 else 0
        if layer.type == "BatchNorm1d" and len(in_shape) == 4:
            fixed = LayerSpec("BatchNorm2d", {**layer.args, "num_features": channels}, layer.name)
            return _Found("batchnorm1d_on_image", {"channels": channels}, fixed_layer=fixed)
        if channels != layer.args["num_features"]:
            fixed = replace(layer, args={**layer.args, "num_features": channels})
            return _Found(
                "channel_mismatch",
                {"expected": layer.args["num_features"], "got": channels, "arg": "num_features"},
                fixed_layer=fixed,
            )
    geometry = _geometry(layer, in_shape)
    if geometry is not None and geometry.problem is not None:
        fixed = layer_from_settings(layer, geometry.fix) if geometry.fix is not None else None
        if geometry.problem.key == "geometry.channel_mismatch":
            params = {
                "expected": geometry.problem.params["in_channels"],
                "got": geometry.problem.params["channels"],
                "arg": "in_channels",
            }
            return _Found("channel_mismatch", params, fixed_layer=fixed)
        return _Found("geometry_problem", {}, detail=geometry.problem, fixed_layer=fixed)
    if isinstance(module, _Unbuilt):
        return _Found("build_failed", {"error": _first_line(module.error)})
    return None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def _apply(spec: ModelSpec | None, index: int, found: _Found) -> ModelSpec | None:
    if spec is not None and found.input_shape is not None:
        return replace(spec, input_shape=found.input_shape)
    if spec is None or (found.fixed_layer is None and found.insert_before is None):
        return None
    layers = list(spec.layers)
    if found.fixed_layer is not None:
        layers[index] = found.fixed_layer
    if found.insert_before is not None:
        layers.insert(index, found.insert_before)
    return replace(spec, layers=tuple(layers))


# --- the table -----------------------------------------------------------------------------------------


def _pair_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _calculation(layer: LayerSpec | None, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
    if layer is None:
        return SAME_SHAPE if in_shape == out_shape else f"{in_shape} -> {out_shape}"
    geometry = _geometry(layer, in_shape)
    if geometry is not None:
        h, w = geometry.dims
        if h.formula == w.formula:
            return f"H, W: {h.formula}"
        return f"H: {h.formula}; W: {w.formula}"
    if layer.type == "Linear":
        return f"{in_shape[-1]} -> {out_shape[-1]}"
    if layer.type == "Flatten":
        start, end = (d % len(in_shape) for d in (layer.args.get("start_dim", 1), layer.args.get("end_dim", -1)))
        dims = in_shape[start : end + 1]
        return "*".join(map(str, dims)) + (f" = {math.prod(dims)}" if len(dims) > 1 else "")
    if layer.type == "AdaptiveAvgPool2d":
        return f"{_pair_text(in_shape[-2:])} -> {_pair_text(out_shape[-2:])}"
    return SAME_SHAPE if in_shape == out_shape else f"{in_shape} -> {out_shape}"


def _window(layer: LayerSpec | None) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
    """Return (kernel, stride, dilation) of a conv or pooling layer, for the receptive field."""
    settings = layer_settings(layer) if layer is not None else None
    if isinstance(settings, ConvSettings):
        return settings.kernel_size, settings.stride, settings.dilation
    if isinstance(settings, PoolSettings):
        return settings.kernel_size, settings.resolved_stride, settings.dilation
    return None


def _check_input_shape(shape: Any) -> tuple[int, ...]:
    ok = (
        isinstance(shape, (tuple, list))
        and 1 <= len(shape) <= 3
        and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_FEATURES for v in shape)
        and math.prod(shape) <= MAX_INPUT_NUMEL
    )
    if not ok:
        raise UserError(Message("models.bad_input_shape", {"value": str(shape), "max": MAX_INPUT_NUMEL}))
    return tuple(shape)


def _meta_model(spec: ModelSpec) -> nn.Sequential:
    """Build ``spec`` on the meta device; a layer PyTorch refuses becomes an :class:`_Unbuilt`."""
    validate_spec(spec)
    modules = {}
    with torch.device("meta"):
        for name, layer in zip(layer_names(spec), spec.layers, strict=True):
            try:
                modules[name] = build_layer(layer)
            except (TypeError, ValueError, RuntimeError) as exc:
                modules[name] = _Unbuilt(exc)
    return nn.Sequential(OrderedDict(modules))


def _leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Return the modules that get a row: those with no children (the model itself if it is one layer)."""
    leaves = [(n, m) for n, m in model.named_modules() if n and not any(True for _ in m.children())]
    return leaves if leaves or isinstance(model, nn.Sequential) else [("", model)]


def summarize(model: ModelSpec | nn.Module, input_shape: tuple[int, ...] | None = None, batch_size: int = 1) -> Summary:
    """Return the per-layer table of ``model`` on a batch of ``batch_size`` samples of ``input_shape``.

    ``input_shape`` is one sample (no batch) and defaults to the spec's. A module keeps its weights:
    the pass runs on meta copies of its parameters, in eval mode, and hooks and modes are restored.
    Raises :class:`UserError` only for a spec no model can be built from (unknown layer type...);
    shape mismatches come back as ``Summary.problem``.
    """
    if isinstance(model, ModelSpec):
        spec = model
        net = _meta_model(spec)
        shape = _check_input_shape(spec.input_shape if input_shape is None else input_shape)
        spec = replace(spec, input_shape=shape)
        layers = list(spec.layers)
    else:
        net = model
        shape = _check_input_shape(input_shape)
        try:
            spec = spec_from_module(model, shape)
            layers = list(spec.layers)
        except UserError:  # not a plain Sequential of known layers: table without fixes
            spec, layers = None, None
    if not (isinstance(batch_size, int) and 1 <= batch_size <= 1 << 16):
        raise UserError(Message("models.bad_batch_size", {"value": str(batch_size)}))

    params = list(net.parameters())
    dtype = params[0].dtype if params and params[0].is_floating_point() else torch.float32
    x = torch.empty((batch_size, *shape), dtype=dtype, device="meta")
    leaves = _leaf_modules(net)
    # counted now: inside functional_call the modules hold the meta copies, not their parameters
    own_params = {id(m): [(p.numel(), p.requires_grad) for p in m.parameters(recurse=False)] for _, m in leaves}
    rows: list[LayerRow] = []
    state: dict[str, Any] = {"running": None}
    windows: list[Any] = []  # (kernel, stride, dilation) of the conv/pool layers so far
    spatial = [len(x.shape) == 4]  # False once the tensor stops being an image (or is upsampled)
    counter = FlopCounterMode(display=False)

    def pre_hook(module: nn.Module, args: tuple[Any, ...], name: str) -> None:
        index = len(rows)
        layer = layers[index] if layers is not None and index < len(layers) else layer_spec_from_module(module, name)
        in_shape = tuple(args[0].shape) if args and isinstance(args[0], torch.Tensor) else ()
        found = _check(layer, module, in_shape, first=index == 0) if in_shape else None
        state["running"] = (index, name, module, layer, in_shape, counter.get_total_flops())
        if found is not None:
            raise _Stop(found)

    def post_hook(module: nn.Module, args: tuple[Any, ...], output: Any, name: str) -> None:
        index, _, _, layer, in_shape, flops_before = state["running"]
        state["running"] = None
        out_shape = tuple(output.shape) if isinstance(output, torch.Tensor) else ()
        window = _window(layer)
        if window is not None:
            windows.append(window)
        if len(out_shape) != 4 or isinstance(module, (nn.ConvTranspose2d, nn.AdaptiveAvgPool2d)):
            spatial[0] = False
        rf, jump = chain_receptive_field(windows)[-1] if windows else ((1, 1), (1, 1))
        own = own_params.get(id(module), [])
        rows.append(
            LayerRow(
                index=index,
                name=name,
                type=type(module).__name__,
                settings=layer.code("") if layer is not None else f"{type(module).__name__}({module.extra_repr()})",
                calculation=_calculation(layer, in_shape, out_shape),
                in_shape=in_shape,
                out_shape=out_shape,
                trainable_params=sum(n for n, trainable in own if trainable),
                frozen_params=sum(n for n, trainable in own if not trainable),
                macs=(counter.get_total_flops() - flops_before) // 2,
                receptive_field=rf if spatial[0] else None,
                jump=jump if spatial[0] else None,
                activation_bytes=output.numel() * output.element_size() if isinstance(output, torch.Tensor) else 0,
            )
        )

    handles = []
    modes = {m: m.training for m in net.modules()}
    output, problem = None, None
    try:
        for name, module in leaves:
            handles.append(module.register_forward_pre_hook(lambda m, a, n=name: pre_hook(m, a, n)))
            handles.append(module.register_forward_hook(lambda m, a, o, n=name: post_hook(m, a, o, n)))
        net.eval()  # BatchNorm on a batch of 1 only works in eval mode; Dropout does nothing there
        meta = {n: torch.empty_like(t, device="meta") for n, t in [*net.named_parameters(), *net.named_buffers()]}
        with counter, torch.no_grad():
            output = torch.func.functional_call(net, meta, (x,))
    except _Stop as stop:
        index, name = state["running"][0], state["running"][1]
        problem = _problem(stop.found, index, name, state["running"], spec)
    except Exception as exc:  # noqa: BLE001 (any PyTorch error becomes a message naming the layer)
        problem = _torch_problem(exc, state["running"], rows)
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes.items():
            m.train(training)

    trainable = sum(p.numel() for p in params if p.requires_grad)
    frozen = sum(p.numel() for p in params if not p.requires_grad)
    return Summary(
        rows=tuple(rows),
        input_shape=tuple(x.shape),
        output_shape=tuple(output.shape) if problem is None and isinstance(output, torch.Tensor) else None,
        total_params=trainable + frozen,
        trainable_params=trainable,
        frozen_params=frozen,
        total_macs=counter.get_total_flops() // 2,
        param_bytes=sum(p.numel() * p.element_size() for p in params),
        activation_bytes=sum(r.activation_bytes for r in rows),
        problem=problem,
    )


def _where(index: int, name: str, layer: LayerSpec | None, module: nn.Module, in_shape: tuple[int, ...]) -> dict:
    settings = layer.code("") if layer is not None else type(module).__name__
    return {"position": index + 1, "name": name, "settings": settings, "in_shape": str(list(in_shape))}


def _problem(found: _Found, index: int, name: str, running: tuple, spec: ModelSpec | None) -> ShapeProblem:
    _, _, module, layer, in_shape, _ = running
    message = Message(f"models.summary.{found.key}", {**_where(index, name, layer, module, in_shape), **found.params})
    return ShapeProblem(index, name, message, _apply(spec, index, found), found.detail)


def _torch_problem(exc: Exception, running: tuple | None, rows: list[LayerRow]) -> ShapeProblem:
    if running is None:  # between layers: the model's own forward (a view, a reshape) failed
        after = rows[-1].name if rows else "input"
        message = Message("models.summary.error_between_layers", {"after": after, "error": _first_line(exc)})
        return ShapeProblem(len(rows), "", message, None)
    index, name, module, layer, in_shape, _ = running
    key = "build_failed" if isinstance(module, _Unbuilt) else "torch_error"
    message = Message(
        f"models.summary.{key}", {**_where(index, name, layer, module, in_shape), "error": _first_line(exc)}
    )
    return ShapeProblem(index, name, message, None)
