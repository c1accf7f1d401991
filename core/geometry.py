"""Output sizes, parameter counts and validity rules for Conv2d, Max/AvgPool2d and ConvTranspose2d.

The one home of the output-size formula: the convolution page, the shape table and the model builder
all ask here. Settings get a ``problem`` exactly when PyTorch 2.14's native CPU kernels refuse to build
the layer or run it on ``torch.zeros(1, C, H, W)``; ``tests/test_geometry.py`` checks that with
hypothesis. On purpose stricter, outside any widget's range: ``in_channels=0`` (PyTorch returns 0
channels, not ``out_channels``), avg pooling with ``dilation != 1`` (no such argument: ``torch_kwargs``
passes it so PyTorch refuses too), and two checks oneDNN skips for some transposed convs (dilation 0,
an output size of 0), where we keep the native kernel's rule.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.i18n import Message
from core.layer_settings import (
    AXES,
    PADDING_MODES,
    PADDING_STRINGS,
    POOL_KINDS,
    ConvSettings,
    ConvTransposeSettings,
    Pair,
    PoolSettings,
    code_value,
)
from core.suggest import nearest


@dataclass(frozen=True)
class DimReport:
    """How one spatial dimension (H or W) goes through the layer, with the user's numbers in the formula."""

    axis: str  # "H" or "W"
    in_size: int
    kernel: int
    stride: int
    dilation: int
    pad_before: int  # "same" pads dilation*(kernel-1) in all, the odd pixel after
    pad_after: int
    out_size: int  # <= 0 when the settings are invalid
    formula: str  # plain text: "floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3"
    latex: str  # the same for st.latex
    uncovered: int  # rows/cols at the far end of the padded input that no window reaches
    last_window_dropped: bool = False  # ceil_mode: PyTorch dropped a window that would start in the padding


@dataclass(frozen=True)
class Geometry:
    """What a layer does to one sample's shape, and which rule breaks when it can't."""

    in_shape: tuple[int, int, int]  # (C, H, W)
    out_shape: tuple[int, int, int] | None  # (C_out, H_out, W_out); None when invalid
    dims: tuple[DimReport, DimReport]  # H then W
    problem: Message | None  # None when PyTorch accepts the settings for this input
    fix: Any | None  # the nearest valid settings of the same type, when there are some
    weight_shape: tuple[int, ...] | None  # None for pooling, or when channels/groups/kernel are broken
    params: int  # weights + bias
    macs: int  # multiply-accumulates for one sample; 0 for pooling and when invalid
    # Conv and pooling: one output cell sees receptive_field input pixels; neighbours are jump apart.
    # Transposed conv, the other way round: one input cell spreads over receptive_field output
    # pixels, and neighbouring input cells land jump output pixels apart.
    receptive_field: Pair  # dilation*(kernel-1)+1
    jump: Pair  # = stride


def conv_out_size(
    in_size: int,
    kernel: int,
    stride: int = 1,
    pad_before: int = 0,
    pad_after: int | None = None,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Return the output size of a window sliding along one dimension (convolution or pooling).

    ``floor((in + pad_before + pad_after - dilation*(kernel-1) - 1) / stride) + 1``. With ``ceil_mode``
    (pooling) ceil instead of floor, minus one when that last window would start beyond the input and
    its left padding (PyTorch's ``pooling_output_shape``). ``pad_after`` defaults to ``pad_before``.
    """
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    pad_after = pad_before if pad_after is None else pad_after
    span = in_size + pad_before + pad_after - dilation * (kernel - 1) - 1  # room left after the first window
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= in_size + pad_before else out


def conv_transpose_out_size(
    in_size: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Return the output size of a transposed convolution along one dimension."""
    return (in_size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def chain_receptive_field(layers: Sequence[tuple[Pair, Pair, Pair]]) -> list[tuple[Pair, Pair]]:
    """Return (receptive_field, jump) after each layer, the layers given as (kernel, stride, dilation).

    One kernel tap further reaches ``jump`` input pixels further, so a layer widens the field by
    ``(k-1)*d*jump``; its stride then multiplies the distance between neighbouring cells.
    """
    rf, jump, result = [1, 1], [1, 1], []
    for kernel, stride, dilation in layers:
        for i in range(2):
            rf[i] += (kernel[i] - 1) * dilation[i] * jump[i]
            jump[i] *= stride[i]
        result.append(((rf[0], rf[1]), (jump[0], jump[1])))
    return result


def _n(value: int) -> str:
    return f"({value})" if value < 0 else str(value)


def _dim_report(
    axis: int, in_shape: tuple[int, int, int], kernel: Pair, stride: Pair, dilation: Pair, before: Pair, after: Pair,
    ceil_mode: bool = False,
) -> DimReport:  # fmt: skip
    in_size, k, s, d, pb, pa = in_shape[1 + axis], kernel[axis], stride[axis], dilation[axis], before[axis], after[axis]
    pads = [f"2{op}{_n(pb)}" if pb == pa else f"{_n(pb)} + {_n(pa)}" for op in ("*", r" \cdot ")]
    inner = f"{in_size} + {pads[0]} - {_n(d)}*({_n(k)}-1) - 1"
    inner_tex = f"{in_size} + {pads[1]} - {_n(d)} \\cdot ({_n(k)}-1) - 1"
    out, dropped, uncovered = 0, False, 0
    if s >= 1:  # stride 0 has no output size; the problem says why
        out = conv_out_size(in_size, k, s, pb, pa, d, ceil_mode)
        dropped = ceil_mode and out != -(-(in_size + pb + pa - d * (k - 1) - 1) // s) + 1
        if out >= 1:
            uncovered = max(0, in_size + pb + pa - ((out - 1) * s + d * (k - 1) + 1))
    result = f"{' - 1' if dropped else ''} = {out if s >= 1 else '?'}"
    name, lo, hi = (
        ("ceil", r"\left\lceil", r"\right\rceil") if ceil_mode else ("floor", r"\left\lfloor", r"\right\rfloor")
    )
    formula = f"{name}(({inner}) / {_n(s)}) + 1{result}"
    latex = f"{lo} \\frac{{{inner_tex}}}{{{_n(s)}}} {hi} + 1{result}"
    return DimReport(AXES[axis], in_size, k, s, d, pb, pa, out, formula, latex, uncovered, dropped)


def _transpose_dim_report(axis: int, in_size: int, s: ConvTransposeSettings) -> DimReport:
    k, st, p, op, d = (v[axis] for v in (s.kernel_size, s.stride, s.padding, s.output_padding, s.dilation))
    out = conv_transpose_out_size(in_size, k, st, p, op, d)
    formula = f"({in_size} - 1)*{_n(st)} - 2*{_n(p)} + {_n(d)}*({_n(k)}-1) + {_n(op)} + 1 = {out}"
    return DimReport(AXES[axis], in_size, k, st, d, p, p, out, formula, formula.replace("*", r" \cdot "), 0)


# --- validity: each check returns the first broken rule with a one-step repair, or None -------------

Problem = tuple[Message, Any]  # (what is wrong, the settings with that one rule repaired, or None)


def _msg(key: str, **params: Any) -> Message:
    return Message(f"geometry.{key}", params)


def _set(value: Pair, axis: int, new: int) -> Pair:
    return (new, value[1]) if axis == 0 else (value[0], new)


def _not_positive(s: Any, named: Sequence[tuple[str, Pair]]) -> Problem | None:
    for name, value in named:
        for axis in range(2):
            if value[axis] < 1:
                fix = replace(s, **{name: _set(value, axis, 1)})
                return _msg(f"{name}_not_positive", value=value[axis], axis=AXES[axis]), fix
    return None


def _empty(in_shape: tuple[int, int, int]) -> Problem | None:
    if min(in_shape) < 1:  # no fix: the input, not the layer, has to change
        return _msg("empty_input", shape="×".join(map(str, in_shape))), None
    return None


def nearest_divisor(n: int, target: int) -> int:
    """Return the divisor of ``n`` closest to ``target`` (the smaller one on a tie).

    Divisors come in pairs ``d * (n // d)``, so trying ``d`` up to the square root of ``n`` finds
    them all: 1,024 tries for 2**20 channels, where trying every number up to ``n`` took a million
    per layer (a 25 KB spec of 200 such layers cost 5 s of the server's CPU).
    """
    divisors = set()
    for d in range(1, math.isqrt(n) + 1):
        if n % d == 0:
            divisors.update((d, n // d))
    return min(divisors, key=lambda g: (abs(g - target), g))


def _shared_conv_problem(s: ConvSettings | ConvTransposeSettings, in_shape: tuple[int, int, int]) -> Problem | None:
    """Check the rules Conv2d and ConvTranspose2d share: channels, groups, kernel, stride, dilation."""
    for name in ("in_channels", "out_channels"):
        if getattr(s, name) < 1:
            return _msg("channels_not_positive", name=name, value=getattr(s, name)), replace(s, **{name: 1})
    if s.groups < 1:
        return _msg("groups_not_positive", groups=s.groups), replace(s, groups=1)
    for name in ("in_channels", "out_channels"):
        if (channels := getattr(s, name)) % s.groups:
            best = nearest_divisor(math.gcd(s.in_channels, s.out_channels), s.groups)
            message = _msg("groups_not_dividing", groups=s.groups, name=name, channels=channels, suggestion=best)
            return message, replace(s, groups=best)
    found = _not_positive(s, [(name, getattr(s, name)) for name in ("kernel_size", "stride", "dilation")])
    if found or (found := _empty(in_shape)):
        return found
    if in_shape[0] != s.in_channels:
        message = _msg("channel_mismatch", channels=in_shape[0], in_channels=s.in_channels)
        return message, replace(s, in_channels=in_shape[0])
    return None


def _conv_pads(s: ConvSettings) -> tuple[Pair, Pair]:
    """Return the (H, W) padding before and after the input, with "same" and "valid" resolved."""
    if s.padding == "same":  # an odd total puts the extra pixel after, as PyTorch does
        total = (s.dilation[0] * (s.kernel_size[0] - 1), s.dilation[1] * (s.kernel_size[1] - 1))
        return (total[0] // 2, total[1] // 2), (total[0] - total[0] // 2, total[1] - total[1] // 2)
    return ((0, 0), (0, 0)) if isinstance(s.padding, str) else (s.padding, s.padding)


def _conv_problem(s: ConvSettings, in_shape: tuple[int, int, int]) -> Problem | None:
    if found := _shared_conv_problem(s, in_shape):
        return found
    if isinstance(s.padding, str) and s.padding not in PADDING_STRINGS:
        near = nearest(s.padding, PADDING_STRINGS)
        return _msg("padding_string", value=s.padding, suggestion=near), replace(s, padding=near)
    if s.padding_mode not in PADDING_MODES:
        near = nearest(s.padding_mode, PADDING_MODES)
        message = _msg("padding_mode", value=s.padding_mode, suggestion=near, choices=", ".join(PADDING_MODES))
        return message, replace(s, padding_mode=near)
    before, after = _conv_pads(s)
    if s.padding == "same" and s.stride != (1, 1):
        return _msg("same_needs_stride_one", stride=code_value(s.stride), padding=code_value(before)), replace(
            s, padding=before
        )
    for axis, in_size in enumerate(in_shape[1:]):
        pb, pa, k, d = before[axis], after[axis], s.kernel_size[axis], s.dilation[axis]
        where = {"axis": AXES[axis], "in_size": in_size, "padding": max(pb, pa)}
        # the other modes pad with F.pad first, which crops for negative padding
        if s.padding_mode == "zeros" and pb < 0:
            return _msg("padding_negative", value=pb, **where), replace(s, padding=_set(before, axis, 0))
        # reflect mirrors without repeating the edge, so it needs padding + 1 pixels; circular wraps once
        limit = {"reflect": in_size - 1, "circular": in_size}.get(s.padding_mode, max(pb, pa))
        if max(pb, pa) > limit:
            keep_same = replace(s, padding_mode="replicate")  # "same" stays "same" in the one mode without a limit
            fix = keep_same if s.padding == "same" else replace(s, padding=_set(before, axis, limit))
            return _msg(f"{s.padding_mode}_padding_too_large", max_padding=limit, **where), fix
        padded, effective = in_size + pb + pa, d * (k - 1) + 1
        if padded < effective:
            params = {"kernel": k, "effective": effective, "padded": padded, **where}
            params |= {"pad_text": f"2×{_n(pb)}" if pb == pa else f"{_n(pb)} + {_n(pa)}"}
            params |= {"min_padding": -(-(effective - in_size) // 2)}
            if (max_kernel := (padded - 1) // d + 1) < 1:  # negative padding cropped the whole input away
                fix = replace(s, padding=_set(before, axis, params["min_padding"]))
                return _msg("padding_crops_input", **params), fix
            fix = replace(s, kernel_size=_set(s.kernel_size, axis, max_kernel))
            return _msg("kernel_too_large", max_kernel=max_kernel, **params), fix
    return None


def _pool_problem(s: PoolSettings, in_shape: tuple[int, int, int]) -> Problem | None:
    if s.kind not in POOL_KINDS:
        near = nearest(s.kind, POOL_KINDS)
        return _msg("pool_kind", value=s.kind, suggestion=near), replace(s, kind=near)
    named = [("kernel_size", s.kernel_size), ("stride", s.resolved_stride), ("dilation", s.dilation)]
    if found := _not_positive(s, named):
        return found
    if s.kind == "avg" and s.dilation != (1, 1):
        return _msg("avg_pool_dilation", value=code_value(s.dilation)), replace(s, dilation=(1, 1))
    for axis in range(2):
        p, k = s.padding[axis], s.kernel_size[axis]
        if p < 0:
            return _msg("padding_negative", value=p, axis=AXES[axis]), replace(s, padding=_set(s.padding, axis, 0))
        if p > k // 2:  # ATen's pool2d_shape_check compares with the undilated kernel, even for max
            message = _msg(
                "pool_padding_too_large", padding=p, kernel=k, max_padding=k // 2, min_kernel=2 * p, axis=AXES[axis]
            )
            return message, replace(s, padding=_set(s.padding, axis, k // 2))
    if found := _empty(in_shape):
        return found
    for axis, in_size in enumerate(in_shape[1:]):
        p, k, d = s.padding[axis], s.kernel_size[axis], s.dilation[axis]
        # output size for each smaller kernel; stride=None follows the kernel, so it shrinks with it
        strides = {kk: kk if s.stride is None else s.stride[axis] for kk in range(1, k + 1)}
        outs = {kk: conv_out_size(in_size, kk, strides[kk], p, p, d, s.ceil_mode) for kk in strides}
        if outs[k] < 1:
            max_kernel = max(kk for kk, out in outs.items() if out >= 1)  # kernel 1 always fits
            message = _msg(
                "pool_output_too_small", out_size=outs[k], effective=d * (k - 1) + 1, padded=in_size + 2 * p,
                in_size=in_size, padding=p, max_kernel=max_kernel, axis=AXES[axis],
            )  # fmt: skip
            return message, replace(s, kernel_size=_set(s.kernel_size, axis, max_kernel))
    return None


def _transpose_problem(s: ConvTransposeSettings, in_shape: tuple[int, int, int]) -> Problem | None:
    if found := _shared_conv_problem(s, in_shape):
        return found
    if s.padding_mode != "zeros":
        return _msg("transpose_padding_mode", value=s.padding_mode), replace(s, padding_mode="zeros")
    for axis, in_size in enumerate(in_shape[1:]):
        k, st, p, op, d = (v[axis] for v in (s.kernel_size, s.stride, s.padding, s.output_padding, s.dilation))
        if p < 0:
            return _msg("padding_negative", value=p, axis=AXES[axis]), replace(s, padding=_set(s.padding, axis, 0))
        if op < 0:
            fix = replace(s, output_padding=_set(s.output_padding, axis, 0))
            return _msg("output_padding_negative", value=op, axis=AXES[axis]), fix
        if op >= max(st, d):  # beyond that, the extra rows would be a whole stride (or tap gap) nobody fills
            message = _msg(
                "output_padding_too_large", output_padding=op, stride=st, dilation=d,
                max_output_padding=max(st, d) - 1, axis=AXES[axis],
            )  # fmt: skip
            return message, replace(s, output_padding=_set(s.output_padding, axis, max(st, d) - 1))
        if (out := conv_transpose_out_size(in_size, k, st, p, op, d)) < 1:
            max_padding = ((in_size - 1) * st + d * (k - 1) + op) // 2
            message = _msg(
                "transpose_output_too_small", out_size=out, padding=p, max_padding=max_padding, axis=AXES[axis]
            )
            return message, replace(s, padding=_set(s.padding, axis, max_padding))
    return None


Check = Callable[[Any, tuple[int, int, int]], Problem | None]


def _settle(check: Check, s: Any, in_shape: tuple[int, int, int]) -> tuple[Message | None, Any]:
    """Return (the first problem, the nearest valid settings), repairing one rule at a time."""
    if (found := check(s, in_shape)) is None:
        return None, None
    problem, fix = found
    for _ in range(20):  # each repair moves one value into its valid range; chains take a few steps
        if fix is None or (found := check(fix, in_shape)) is None:
            return problem, fix
        fix = found[1]
    return problem, None


# --- the public geometry functions -----------------------------------------------------------------


def _in_shape(in_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(in_shape) != 3:
        raise ValueError(f"in_shape is (C, H, W) for one sample, got {tuple(in_shape)!r}")
    return (operator.index(in_shape[0]), operator.index(in_shape[1]), operator.index(in_shape[2]))


def _geometry(
    s: Any, in_shape: tuple[int, int, int], check: Check,
    dims: tuple[DimReport, ...], out_channels: int, weight_rows_cols: Pair | None, uses_per_weight: int,
) -> Geometry:  # fmt: skip
    problem, fix = _settle(check, s, in_shape)
    weight_shape = None
    if weight_rows_cols is not None and s.groups >= 1 and min(*weight_rows_cols, *s.kernel_size) >= 1:
        rows, cols = weight_rows_cols
        if rows % s.groups == 0 == cols % s.groups:  # each group's filters see only cols/groups channels
            weight_shape = (rows, cols // s.groups, *s.kernel_size)
    weights = math.prod(weight_shape) if weight_shape else 0
    return Geometry(
        in_shape=in_shape,
        out_shape=None if problem else (out_channels, dims[0].out_size, dims[1].out_size),
        dims=(dims[0], dims[1]),
        problem=problem,
        fix=fix,
        weight_shape=weight_shape,
        params=weights + (s.out_channels if weight_shape and s.bias else 0),
        macs=0 if problem else weights * uses_per_weight,
        receptive_field=(dims[0].dilation * (dims[0].kernel - 1) + 1, dims[1].dilation * (dims[1].kernel - 1) + 1),
        jump=(dims[0].stride, dims[1].stride),
    )


def conv_geometry(s: ConvSettings, in_shape: tuple[int, int, int]) -> Geometry:
    """Return the output shape, formulas, parameters and validity of ``nn.Conv2d`` on one (C, H, W) sample."""
    in_shape = _in_shape(in_shape)
    before, after = _conv_pads(s)
    dims = tuple(_dim_report(a, in_shape, s.kernel_size, s.stride, s.dilation, before, after) for a in (0, 1))
    # every weight is used once per output cell of its output channel
    uses = dims[0].out_size * dims[1].out_size
    return _geometry(s, in_shape, _conv_problem, dims, s.out_channels, (s.out_channels, s.in_channels), uses)


def pool_geometry(s: PoolSettings, in_shape: tuple[int, int, int]) -> Geometry:
    """Return the output shape, formulas and validity of ``nn.MaxPool2d``/``nn.AvgPool2d`` on one sample."""
    in_shape = _in_shape(in_shape)
    stride, pads = s.resolved_stride, s.padding
    dims = tuple(_dim_report(a, in_shape, s.kernel_size, stride, s.dilation, pads, pads, s.ceil_mode) for a in (0, 1))
    return _geometry(s, in_shape, _pool_problem, dims, in_shape[0], None, 0)


def conv_transpose_geometry(s: ConvTransposeSettings, in_shape: tuple[int, int, int]) -> Geometry:
    """Return the output shape, formulas, parameters and validity of ``nn.ConvTranspose2d`` on one sample."""
    in_shape = _in_shape(in_shape)
    dims = (_transpose_dim_report(0, in_shape[1], s), _transpose_dim_report(1, in_shape[2], s))
    # every input cell is scattered through the whole kernel once
    uses = in_shape[1] * in_shape[2]
    return _geometry(s, in_shape, _transpose_problem, dims, s.out_channels, (s.in_channels, s.out_channels), uses)
