"""Running convolution, pooling, transposed convolution and activations, on matrices and photos.

Every result comes from the real ``torch.nn.functional`` op. The step-by-step views (one window,
one scattered kernel) are built from the same padded grid, so they always agree with it. Small
matrices are computed in float64 so integer examples display exactly.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.geometry import Geometry, conv_geometry, conv_transpose_geometry, pool_geometry
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings

Matrix = np.ndarray  # (H, W), float64

# F.pad's name for each nn.Conv2d padding_mode
_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


def _as_batch(matrix: Matrix) -> torch.Tensor:
    # (H, W) -> (N=1, C=1, H, W), the shape every torch.nn.functional op expects
    return torch.tensor(np.asarray(matrix, dtype=np.float64))[None, None]


@dataclass(frozen=True)
class GridResult:
    """An op applied to one matrix: its geometry, the padded input and the output."""

    geometry: Geometry
    padded: Matrix | None  # the input with its padding cells, as the windows see it
    pad_mask: Matrix | None  # True where ``padded`` is a padding cell
    output: Matrix | None  # None when the settings are invalid for this input


@dataclass(frozen=True)
class Window:
    """The input cells behind one output cell, and the arithmetic that gives its value."""

    out_row: int
    out_col: int
    rows: tuple[int, ...]  # row indices into the padded grid (dilation spreads them apart)
    cols: tuple[int, ...]
    patch: Matrix  # (kH, kW) values under the window
    products: Matrix | None  # patch * kernel (convolution only)
    total: float  # sum of products (conv), max or mean of the patch (pooling)
    bias: float
    value: float  # total + bias: the output cell


def _pad(x: Matrix, geometry: Geometry, mode: str, fill: float = 0.0) -> tuple[Matrix, Matrix]:
    (top, left), (bottom, right) = (
        (geometry.dims[0].pad_before, geometry.dims[1].pad_before),
        (geometry.dims[0].pad_after, geometry.dims[1].pad_after),
    )
    if mode == "zeros":
        padded = F.pad(_as_batch(x), (left, right, top, bottom), value=fill)
    else:
        padded = F.pad(_as_batch(x), (left, right, top, bottom), mode=_PAD_MODES[mode])
    mask = np.ones(padded.shape[-2:], dtype=bool)
    mask[top : top + x.shape[0], left : left + x.shape[1]] = False
    return padded[0, 0].numpy(), mask


def conv2d_matrix(x: Matrix, kernel: Matrix, settings: ConvSettings, bias: float = 0.0) -> GridResult:
    """Return the convolution of one (H, W) matrix with one (kH, kW) kernel, via F.conv2d."""
    x = np.asarray(x, dtype=np.float64)
    geometry = conv_geometry(settings, (1, *x.shape))
    if geometry.problem is not None:
        return GridResult(geometry, None, None, None)
    padded, mask = _pad(x, geometry, settings.padding_mode)
    weight = _as_batch(kernel)  # (C_out=1, C_in=1, kH, kW)
    # nn.Conv2d pads first for non-zero padding modes; doing the same keeps one code path here
    out = F.conv2d(
        torch.as_tensor(padded)[None, None],
        weight,
        torch.tensor([float(bias)], dtype=torch.float64),
        stride=settings.stride,
        dilation=settings.dilation,
    )
    return GridResult(geometry, padded, mask, out[0, 0].numpy())


def conv_window(
    result: GridResult, settings: ConvSettings, kernel: Matrix, bias: float, out_row: int, out_col: int
) -> Window:
    """Return the window of padded input behind output cell (out_row, out_col), with its products."""
    kernel = np.asarray(kernel, dtype=np.float64)
    rows, cols = _window_index(settings.kernel_size, settings.stride, settings.dilation, out_row, out_col)
    patch = result.padded[np.ix_(rows, cols)]
    products = patch * kernel
    total = float(products.sum())
    return Window(out_row, out_col, rows, cols, patch, products, total, float(bias), total + float(bias))


def _window_index(kernel_size, stride, dilation, out_row: int, out_col: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    rows = tuple(out_row * sh + i * dh for i in range(kh))
    cols = tuple(out_col * sw + j * dw for j in range(kw))
    return rows, cols


def corr2d(
    X: torch.Tensor, K: torch.Tensor, stride: tuple[int, int] = (1, 1), dilation: tuple[int, int] = (1, 1)
) -> torch.Tensor:
    """Return the cross-correlation of X with K, computed with two loops (the curriculum's corr2d).

    X is already padded. With stride and dilation 1 this is exactly the tutorial's function:
    each output cell is the sum of the window times the kernel.
    """
    kh, kw = K.shape
    (sh, sw), (dh, dw) = stride, dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # the dilated kernel's footprint
    Y = torch.zeros(((X.shape[0] - span_h) // sh + 1, (X.shape[1] - span_w) // sw + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * sh : i * sh + span_h : dh, j * sw : j * sw + span_w : dw]
            Y[i, j] = (window * K).sum()
    return Y


@functools.cache
def corr2d_source() -> str:
    """Return :func:`corr2d`'s source, as the page shows it (read once: tokenizing it took 2% of a rerun)."""
    return inspect.getsource(corr2d)


def pool2d_matrix(x: Matrix, settings: PoolSettings) -> GridResult:
    """Return max or average pooling of one (H, W) matrix, via F.max_pool2d / F.avg_pool2d."""
    x = np.asarray(x, dtype=np.float64)
    geometry = pool_geometry(settings, (1, *x.shape))
    if geometry.problem is not None:
        return GridResult(geometry, None, None, None)
    # max pooling pads with -inf (a padding cell never wins); average pooling pads with 0
    fill = float("-inf") if settings.kind == "max" else 0.0
    padded, mask = _pad(x, geometry, "zeros", fill=fill)
    kwargs = settings.torch_kwargs()
    op = F.max_pool2d if settings.kind == "max" else F.avg_pool2d
    out = op(_as_batch(x), **kwargs)
    return GridResult(geometry, padded, mask, out[0, 0].numpy())


def pool_window(result: GridResult, settings: PoolSettings, out_row: int, out_col: int) -> Window:
    """Return the window behind one pooled cell: its values and their max or mean."""
    stride = settings.resolved_stride
    dilation = settings.dilation if settings.kind == "max" else (1, 1)
    rows, cols = _window_index(settings.kernel_size, stride, dilation, out_row, out_col)
    # ceil_mode windows may run past the padded grid: those cells do not take part
    rows = tuple(r for r in rows if r < result.padded.shape[0])
    cols = tuple(c for c in cols if c < result.padded.shape[1])
    patch = result.padded[np.ix_(rows, cols)]
    value = float(result.output[out_row, out_col])
    total = float(patch.max()) if settings.kind == "max" else value
    return Window(out_row, out_col, rows, cols, patch, None, total, 0.0, value)


def integer_avg_pool(x: Matrix, settings: PoolSettings) -> tuple[Matrix, str]:
    """Return average pooling run on x as an integer tensor, and torch.mean's error for integers.

    The curriculum saw average pooling of an integer tensor fail. PyTorch 2.14's F.avg_pool2d
    accepts it and truncates every mean toward zero (0.75 becomes 0), while torch.mean still
    refuses integers; both are worth seeing before trusting an integer result.
    """
    as_int = torch.as_tensor(np.asarray(x)).round().long()[None, None]
    pooled = F.avg_pool2d(as_int, **settings.torch_kwargs())[0, 0].numpy()
    try:
        as_int.mean()
        error = ""
    except RuntimeError as exc:
        error = str(exc).splitlines()[0]
    return pooled.astype(np.float64), error


@dataclass(frozen=True)
class TransposeResult:
    """Transposed convolution of one matrix, with each input cell's scattered kernel."""

    geometry: Geometry
    full: Matrix | None  # the sum of all scattered kernels before padding is cropped off
    crop: tuple[int, int] | None  # (rows, cols) cropped from the top/left of ``full`` by padding
    scatters: dict[tuple[int, int], Matrix]  # (in_row, in_col) -> its contribution on the full grid
    output: Matrix | None


def conv_transpose_matrix(
    x: Matrix, kernel: Matrix, settings: ConvTransposeSettings, bias: float = 0.0
) -> TransposeResult:
    """Return F.conv_transpose2d of one matrix and the scatter picture that explains it."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    geometry = conv_transpose_geometry(settings, (1, *x.shape))
    if geometry.problem is not None:
        return TransposeResult(geometry, None, None, {}, None)
    (sh, sw), (dh, dw) = settings.stride, settings.dilation
    (kh, kw), (oph, opw) = settings.kernel_size, settings.output_padding
    # every input cell lays a copy of the kernel, scaled by its value, at (i*stride, j*stride)
    full_h = (x.shape[0] - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (x.shape[1] - 1) * sw + dw * (kw - 1) + 1 + opw
    scatters = {}
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            grid = np.zeros((full_h, full_w))
            grid[i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw] = x[i, j] * kernel
            scatters[(i, j)] = grid
    full = sum(scatters.values()) + float(bias)
    out = F.conv_transpose2d(
        _as_batch(x),
        _as_batch(kernel),  # weight (C_in=1, C_out=1, kH, kW)
        torch.tensor([float(bias)], dtype=torch.float64),
        stride=settings.stride,
        padding=settings.padding,
        output_padding=settings.output_padding,
        dilation=settings.dilation,
    )
    return TransposeResult(geometry, full, settings.padding, scatters, out[0, 0].numpy())


# --- activations -------------------------------------------------------------------------------

ACTIVATIONS = ("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "GELU", "Softmax")

# LaTeX for each activation; the page shows it next to the curve
ACTIVATION_FORMULAS = {
    "ReLU": r"\mathrm{ReLU}(x) = \max(0, x)",
    "Sigmoid": r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    "Tanh": r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    "LeakyReLU": r"\mathrm{LeakyReLU}(x) = \max(0, x) + \alpha \cdot \min(0, x)",
    "ELU": r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
    "GELU": r"\mathrm{GELU}(x) = x \cdot \Phi(x)",
    "Softmax": r"\mathrm{Softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
}


def activate(name: str, x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    """Return activation ``name`` applied to x; alpha is LeakyReLU's slope or ELU's scale.

    Softmax runs over the last dimension (each row sums to 1), as CrossEntropyLoss does on logits.
    """
    if name == "ReLU":
        return F.relu(x)
    if name == "Sigmoid":
        return torch.sigmoid(x)
    if name == "Tanh":
        return torch.tanh(x)
    if name == "LeakyReLU":
        return F.leaky_relu(x, negative_slope=alpha)
    if name == "ELU":
        return F.elu(x, alpha=alpha)
    if name == "GELU":
        return F.gelu(x)
    if name == "Softmax":
        return F.softmax(x, dim=-1)
    raise KeyError(name)


# --- photos ------------------------------------------------------------------------------------

# Classic 3x3 image kernels. Sobel x responds to vertical edges (change along x).
IMAGE_KERNELS: dict[str, list[list[float]]] = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box_blur": [[1 / 9] * 3] * 3,
    "gaussian": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


def convolve_image(
    image: torch.Tensor, kernel: Matrix, settings: ConvSettings, mix: np.ndarray | None = None
) -> torch.Tensor:
    """Return a convolution of a (C, H, W) image in [0, 1]: (C, H_out, W_out), or (C_out, H_out, W_out) with ``mix``.

    Without ``mix`` the same 2-D kernel is used for each channel separately: a depthwise
    convolution, written as nn.Conv2d(C, C, k, groups=C) with one weight (C, 1, kH, kW).
    With ``mix`` (C_out, C) it is a real nn.Conv2d(C, C_out, k): output channel o's kernel on
    input channel c is ``mix[o, c] * kernel`` (or ``mix[o, c] * kernel[c]`` for one kernel per
    channel, (C, kH, kW)), and each output sums over all C input channels.
    """
    channels = image.shape[0]
    kernel_t = torch.as_tensor(np.asarray(kernel, dtype=np.float32))
    if mix is None:
        weight, groups = kernel_t.expand(channels, 1, *kernel_t.shape), channels  # (C, 1, kH, kW)
    else:  # (C_out, C, 1, 1) * (kH, kW) or (C, kH, kW) -> (C_out, C, kH, kW)
        weight, groups = torch.as_tensor(np.asarray(mix, dtype=np.float32))[:, :, None, None] * kernel_t, 1
    x = image[None].float()  # (1, C, H, W)
    padding = settings.padding
    if settings.padding_mode != "zeros":
        geometry = conv_geometry(settings, tuple(image.shape))
        pads = (
            geometry.dims[1].pad_before,
            geometry.dims[1].pad_after,
            geometry.dims[0].pad_before,
            geometry.dims[0].pad_after,
        )
        x = F.pad(x, pads, mode=_PAD_MODES[settings.padding_mode])
        padding = 0
    out = F.conv2d(
        x, weight.contiguous(), stride=settings.stride, padding=padding, dilation=settings.dilation, groups=groups
    )
    return out[0]  # (C or C_out, H_out, W_out)


def to_pixels(t: torch.Tensor, mapping: str) -> np.ndarray:
    """Return a (C, H, W) float image as uint8 (H, W) or (H, W, 3) pixels.

    "clip": values below 0 become black and above 1 white (what a filter "looks like" on screen).
    "rescale": the output's own min..max is stretched to 0..255, so negative responses such as
    edges stay visible; a constant output becomes mid-grey.
    """
    if mapping == "rescale":
        low, high = float(t.min()), float(t.max())
        t = (t - low) / (high - low) if high > low else torch.full_like(t, 0.5)
    pixels = (t.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return pixels[0] if pixels.shape[0] == 1 else pixels.transpose(1, 2, 0)
