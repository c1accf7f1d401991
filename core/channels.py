"""Convolution over several channels: where the parameters are and how one output cell is summed.

``nn.Conv2d(C_in, C_out, k, groups=g)`` holds a weight of shape ``(C_out, C_in / g, kH, kW)``: every
output channel has one small kernel *per input channel of its group*, and its value at a cell is the
sum, over those input channels, of window × kernel, plus the channel's bias. With ``g = 1`` each
filter sees every input channel; with ``g = C_in`` (depthwise) each sees exactly one. Here the same
numbers are computed twice, by the per-channel sums a student can follow and by ``F.conv2d``, so
the page shows they agree. Validity (``groups`` divides both channel counts) and the nearest valid
setting come from :mod:`core.geometry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.geometry import Geometry, conv_geometry
from core.layer_settings import ConvSettings

BATCH = 16  # the batch the page's code shows: the curriculum's (16, 3, 10, 10) -> (16, 6, 6, 6)


@dataclass(frozen=True)
class ChannelResult:
    """A multi-channel convolution of one sample: geometry, the numbers in and out."""

    settings: ConvSettings
    geometry: Geometry
    x: np.ndarray  # (C_in, H, W)
    weight: np.ndarray | None  # (C_out, C_in / groups, kH, kW); None when groups do not divide
    bias: np.ndarray  # (C_out,), zeros when bias=False
    padded: np.ndarray | None  # (C_in, H + 2P, W + 2P)
    output: np.ndarray | None  # (C_out, H_out, W_out); None when the settings are invalid


@dataclass(frozen=True)
class ChannelTerm:
    """One input channel's share of an output cell: window × kernel, summed."""

    in_channel: int
    patch: np.ndarray  # (kH, kW) padded input under the window
    kernel: np.ndarray  # (kH, kW) = weight[out_channel, in_channel - first of the group]
    partial: float  # (patch * kernel).sum()


@dataclass(frozen=True)
class CellSum:
    """Output cell (out_channel, row, col) taken apart: the per-channel terms, their total and the bias."""

    out_channel: int
    row: int
    col: int
    group: int
    terms: tuple[ChannelTerm, ...]
    total: float  # sum of the partial sums
    bias: float
    value: float  # total + bias
    torch_value: float  # F.conv2d's output at this cell


def sample_input(in_channels: int, size: tuple[int, int]) -> np.ndarray:
    """Return ``in_channels`` small integer matrices (0..5), the same for the same shape: (C_in, H, W)."""
    rng = np.random.default_rng(1000 * in_channels + 10 * size[0] + size[1])
    return rng.integers(0, 6, (in_channels, *size)).astype(np.float64)


def sample_weight(settings: ConvSettings) -> tuple[np.ndarray | None, np.ndarray]:
    """Return small integer weights (-1..2) and biases (-2..2) for these settings, fixed per shape.

    The weight is None when ``groups`` does not divide both channel counts: no such layer exists.
    """
    c_in, c_out, g, (kh, kw) = settings.in_channels, settings.out_channels, settings.groups, settings.kernel_size
    rng = np.random.default_rng(100_000 * c_out + 1000 * c_in + 100 * g + 10 * kh + kw)
    bias = rng.integers(-2, 3, c_out).astype(np.float64) if settings.bias else np.zeros(c_out)
    if g < 1 or c_in % g or c_out % g:
        return None, bias
    return rng.integers(-1, 3, (c_out, c_in // g, kh, kw)).astype(np.float64), bias


def convolve(x: np.ndarray, settings: ConvSettings) -> ChannelResult:
    """Return the multi-channel convolution of x (C_in, H, W) with the sample weights, via F.conv2d."""
    x = np.asarray(x, dtype=np.float64)
    geometry = conv_geometry(settings, tuple(x.shape))
    weight, bias = sample_weight(settings)
    if geometry.problem is not None:
        return ChannelResult(settings, geometry, x, weight, bias, None, None)
    (ph, pw) = geometry.dims[0].pad_before, geometry.dims[1].pad_before
    padded = np.pad(x, ((0, 0), (ph, geometry.dims[0].pad_after), (pw, geometry.dims[1].pad_after)))
    out = F.conv2d(
        torch.from_numpy(x)[None],  # (C_in, H, W) -> (N=1, C_in, H, W)
        torch.from_numpy(weight),
        torch.from_numpy(bias),
        stride=settings.stride,
        padding=settings.padding,
        dilation=settings.dilation,
        groups=settings.groups,
    )
    return ChannelResult(settings, geometry, x, weight, bias, padded, out[0].numpy())


def cell_sum(result: ChannelResult, out_channel: int, row: int, col: int) -> CellSum:
    """Return output cell (out_channel, row, col) as per-input-channel partial sums, their total and bias."""
    s = result.settings
    per_group_in, per_group_out = s.in_channels // s.groups, s.out_channels // s.groups
    group = out_channel // per_group_out  # output channels are split into groups in order
    (kh, kw), (sh, sw), (dh, dw) = s.kernel_size, s.stride, s.dilation
    rows = [row * sh + i * dh for i in range(kh)]
    cols = [col * sw + j * dw for j in range(kw)]
    terms = []
    for j in range(per_group_in):
        c = group * per_group_in + j
        patch = result.padded[c][np.ix_(rows, cols)]
        kernel = result.weight[out_channel, j]
        terms.append(ChannelTerm(c, patch, kernel, float((patch * kernel).sum())))
    total = sum(term.partial for term in terms)
    bias = float(result.bias[out_channel])
    torch_value = float(result.output[out_channel, row, col])
    return CellSum(out_channel, row, col, group, tuple(terms), total, bias, total + bias, torch_value)


def valid_groups(in_channels: int, out_channels: int) -> list[int]:
    """Return every groups value PyTorch accepts for these channels: the divisors of both."""
    common = math.gcd(in_channels, out_channels)
    return [g for g in range(1, common + 1) if common % g == 0]


def param_arithmetic(settings: ConvSettings) -> tuple[str, int] | None:
    """Return the parameter count written out, ``6 × 3 × 5 × 5 + 6 = 456``, and its value; None if invalid."""
    c_in, c_out, g, (kh, kw) = settings.in_channels, settings.out_channels, settings.groups, settings.kernel_size
    if g < 1 or c_in % g or c_out % g:
        return None
    weights = c_out * (c_in // g) * kh * kw
    total = weights + (c_out if settings.bias else 0)
    text = f"{c_out} × {c_in // g} × {kh} × {kw}" + (f" + {c_out}" if settings.bias else "")
    return f"{text} = {total:,}", total


def macs_arithmetic(settings: ConvSettings, out_shape: tuple[int, int, int]) -> tuple[str, int]:
    """Return the multiply-accumulates for one sample written out: output cells × products per cell."""
    c_out, out_h, out_w = out_shape
    per_cell = (settings.in_channels // settings.groups) * settings.kernel_size[0] * settings.kernel_size[1]
    total = c_out * out_h * out_w * per_cell
    kernel = f"{settings.in_channels // settings.groups} × {settings.kernel_size[0]} × {settings.kernel_size[1]}"
    return f"({c_out} × {out_h} × {out_w}) × ({kernel}) = {total:,}", total


def linear_arithmetic(in_shape: tuple[int, int, int], out_shape: tuple[int, int, int]) -> tuple[str, int, int, int]:
    """Return a Linear layer from the flattened input to the flattened output: its count written out.

    ``nn.Linear(C_in·H·W, C_out·H_out·W_out)`` maps the same sizes but gives every output cell its
    own weight for every input cell; the convolution shares one small kernel across positions.
    Returns (text, in_features, out_features, parameters).
    """
    in_features, out_features = math.prod(in_shape), math.prod(out_shape)
    total = in_features * out_features + out_features
    return f"{in_features} × {out_features} + {out_features} = {total:,}", in_features, out_features, total


def batch_shapes(settings: ConvSettings, in_shape: tuple[int, int, int], batch: int = BATCH) -> tuple[tuple, tuple]:
    """Return (weight shape, output shape) that ``nn.Conv2d`` really gives on a batch of this input.

    Runs the layer on the meta device: PyTorch works out every shape without touching memory.
    """
    with torch.device("meta"):
        conv = torch.nn.Conv2d(**settings.torch_kwargs())
        out = conv(torch.empty(batch, *in_shape))
    return tuple(conv.weight.shape), tuple(out.shape)
