"""core/channels.py, core/derivation.py and core/tutorial_slips.py: multi-channel sums held against PyTorch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from core import channels, ops
from core.derivation import transposed_steps, window_steps
from core.geometry import conv_geometry, conv_transpose_geometry, pool_geometry
from core.i18n import LANGS
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings
from core.tutorial_slips import corr2d_error, flatten_shapes, pool_and_unpool


def test_the_curriculums_first_layer_has_456_parameters_and_gives_16_6_6_6():
    layer = ConvSettings(3, 6, 5)
    assert channels.param_arithmetic(layer) == ("6 × 3 × 5 × 5 + 6 = 456", 456)
    assert sum(p.numel() for p in nn.Conv2d(3, 6, 5).parameters()) == 456
    assert channels.batch_shapes(layer, (3, 10, 10)) == ((6, 3, 5, 5), (16, 6, 6, 6))


def test_a_linear_layer_on_the_same_sizes_counts_what_nn_linear_holds():
    text, in_features, out_features, total = channels.linear_arithmetic((3, 10, 10), (6, 6, 6))
    assert (in_features, out_features) == (300, 216)
    assert total == sum(p.numel() for p in nn.Linear(300, 216).parameters()) == 65_016
    assert text == "300 × 216 + 216 = 65,016"


def test_macs_are_output_cells_times_products_per_cell_as_geometry_counts():
    layer = ConvSettings(4, 8, 3, groups=2)
    geometry = conv_geometry(layer, (4, 7, 7))
    text, total = channels.macs_arithmetic(layer, geometry.out_shape)
    assert text == "(8 × 5 × 5) × (2 × 3 × 3) = 3,600" and total == geometry.macs == 3600


def test_depthwise_cells_sum_one_channel_and_pointwise_cells_one_pixel():
    x = channels.sample_input(3, (5, 5))
    depthwise = channels.convolve(x, ConvSettings(3, 3, 3, groups=3))
    cell = channels.cell_sum(depthwise, 2, 1, 1)
    assert [term.in_channel for term in cell.terms] == [2] and cell.group == 2
    pointwise = channels.convolve(x, ConvSettings(3, 4, 1))
    cell = channels.cell_sum(pointwise, 3, 4, 4)
    assert [term.patch.shape for term in cell.terms] == [(1, 1)] * 3
    assert channels.param_arithmetic(ConvSettings(3, 4, 1))[1] == 16


def test_valid_groups_are_the_common_divisors():
    assert channels.valid_groups(4, 6) == [1, 2]
    assert channels.valid_groups(3, 6) == [1, 3]
    assert channels.valid_groups(1, 8) == [1]


def _reference(x: np.ndarray, result: channels.ChannelResult) -> torch.Tensor:
    """The same layer built as nn.Conv2d with the result's weights, run on x: PyTorch's own answer."""
    layer = nn.Conv2d(**result.settings.torch_kwargs()).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(result.weight))
        layer.bias.copy_(torch.from_numpy(result.bias))
        return layer(torch.from_numpy(x)[None])[0]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4), st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(1, 5),
    st.integers(1, 3), st.integers(0, 2), st.data(),
)  # fmt: skip
def test_every_cell_is_the_per_channel_sum_pytorch_computes(c_in, c_out, groups, size, kernel, stride, padding, data):
    layer = ConvSettings(c_in, c_out, kernel, stride=stride, padding=padding, groups=groups)
    x = channels.sample_input(c_in, (size, size))
    result = channels.convolve(x, layer)
    if c_in % groups or c_out % groups:  # the rule, said in both languages, and a valid fix
        problem = result.geometry.problem
        assert problem is not None and result.output is None
        assert all("groups" in problem.text(lang) for lang in LANGS)
        fix = result.geometry.fix
        assert fix is not None and c_in % fix.groups == 0 and c_out % fix.groups == 0
        assert f"groups={fix.groups}" in problem.text("en")
        result = channels.convolve(x, fix)
    if result.geometry.problem is not None:  # kernel past the padded input: geometry's own rules
        assert size + 2 * padding < kernel
        return
    expected = _reference(x, result)
    assert result.output.shape == tuple(expected.shape) == result.geometry.out_shape
    o = data.draw(st.integers(0, result.output.shape[0] - 1))
    row = data.draw(st.integers(0, result.output.shape[1] - 1))
    col = data.draw(st.integers(0, result.output.shape[2] - 1))
    cell = channels.cell_sum(result, o, row, col)
    assert len(cell.terms) == result.settings.in_channels // result.settings.groups
    assert cell.value == pytest.approx(float(expected[o, row, col])) == cell.torch_value
    assert cell.total == pytest.approx(sum(float((t.patch * t.kernel).sum()) for t in cell.terms))


def test_the_photo_conv_sums_over_rgb_like_nn_conv2d():
    torch.manual_seed(0)
    image = torch.rand(3, 12, 9)
    kernel = np.asarray(ops.IMAGE_KERNELS["sobel_x"])
    mix = np.array([[0.299, 0.587, 0.114], [1, -1, 0]])
    settings = ConvSettings(3, 2, 3, padding=1, bias=False, padding_mode="reflect")
    layer = nn.Conv2d(**settings.torch_kwargs())
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(mix, dtype=torch.float32)[:, :, None, None] * torch.tensor(kernel).float())
        expected = layer(image[None])[0]
    torch.testing.assert_close(ops.convolve_image(image, kernel, settings, mix), expected)


# --- the derivation: each step's count is the formula's ---------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2), st.integers(1, 3))
def test_the_derivation_counts_the_window_positions_the_formula_gives(size, kernel, stride, padding, dilation):
    geometry = conv_geometry(ConvSettings(1, 1, kernel, stride, padding, dilation), (1, size, size))
    steps = window_steps(geometry.dims[0])
    starts = [s for s in steps if s.key == "conv.deriv.starts"]
    if geometry.problem is None:
        assert starts[0].params["out"] == geometry.out_shape[1]
    else:
        assert not starts and steps[-1].key == "conv.deriv.no_room"
    for step in steps:
        assert all(step.text(lang) for lang in LANGS)


def test_the_tutorials_formula_is_the_special_case_with_the_students_numbers():
    dim = conv_geometry(ConvSettings(1, 1, 3, 2, 1), (1, 5, 5)).dims[0]
    tutorial = window_steps(dim)[-1]
    assert tutorial.key == "conv.deriv.tutorial"
    assert "(5 − 3 + 2·1) / 2 + 1 = 3" in tutorial.text("en")
    dilated = conv_geometry(ConvSettings(1, 1, 3, 1, 0, 2), (1, 7, 7)).dims[0]
    assert window_steps(dilated)[-1].key == "conv.deriv.tutorial_general"
    assert "**5**" in window_steps(dilated)[1].text("en")  # d(k-1)+1 = 2*2+1


@pytest.mark.parametrize(("size", "kernel", "stride", "padding", "key"), [
    (5, 3, 3, None, "conv.deriv.ceil_kept"),  # matrix A, MaxPool2d(3, ceil_mode=True) -> 2x2
    (5, 2, 2, 1, "conv.deriv.ceil_dropped"),  # the window that would start in the right padding is dropped
])  # fmt: skip
def test_ceil_mode_keeps_a_last_window_only_when_it_starts_inside(size, kernel, stride, padding, key):
    pool = PoolSettings("max", kernel, stride if padding is not None else None, padding or 0, ceil_mode=True)
    dim = pool_geometry(pool, (1, size, size)).dims[0]
    step = window_steps(dim, ceil_mode=True)[3]
    assert step.key == key and step.params["out"] == dim.out_size


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.data())
def test_the_transposed_size_is_the_convolution_solved_for_its_input(size, kernel, stride, padding, dilation, data):
    output_padding = data.draw(st.integers(0, max(stride, dilation) - 1))
    s = ConvTransposeSettings(1, 1, kernel, stride, padding, output_padding, dilation=dilation)
    geometry = conv_transpose_geometry(s, (1, size, size))
    if geometry.problem is not None:
        return
    steps = transposed_steps(geometry.dims[0], output_padding)
    assert steps[0].params["base"] + output_padding == geometry.out_shape[1]
    if output_padding < stride:  # the convolution maps the output back onto this input
        assert steps[2].params["back"] == size


# --- tutorial slips, with PyTorch's output -----------------------------------------------------------


def test_torch_flatten_merges_the_batch_as_tutorial_001_did():
    assert flatten_shapes((64, 3, 32, 32)) == (196_608, 3072)


def test_max_pooling_downsamples_and_unpooling_puts_the_maxima_back():
    x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=float)
    pooled, unpooled = pool_and_unpool(x)
    assert pooled.tolist() == [[2, 3], [4, 2]]  # SEEDS.md's MaxPool2d(2) golden
    assert unpooled.shape == (4, 4) and sorted(unpooled[unpooled != 0].tolist()) == [2, 2, 3, 4]
    assert unpooled[0, 1] == 2 and unpooled[3, 1] == 4


def test_the_tutorials_corr2d_as_written_raises_name_error():
    assert corr2d_error(np.ones((3, 3)), np.ones((2, 2))) == "NameError: name 'x' is not defined"


def test_depthwise_photo_is_still_available_and_unchanged():
    image = torch.rand(3, 6, 6)
    kernel = np.asarray(ops.IMAGE_KERNELS["gaussian"])
    settings = ConvSettings(3, 3, 3, groups=3, bias=False)
    expected = F.conv2d(image[None], torch.tensor(kernel).float().expand(3, 1, 3, 3).contiguous(), groups=3)[0]
    torch.testing.assert_close(ops.convolve_image(image, kernel, settings), expected)
    assert (
        dataclasses.replace(settings, groups=1, out_channels=2).code() == "nn.Conv2d(3, 2, kernel_size=3, bias=False)"
    )


WORST_PHOTO = """
import resource, sys, numpy as np, torch
sys.path.insert(0, {root!r})
from core import ops
from core.layer_settings import ConvSettings
torch.set_num_threads(1)
image = torch.rand(3, 1024, 1024)  # the largest photo the page convolves (max_image_side)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
settings = ConvSettings(3, 8, 7, padding=4, dilation=3, bias=False, padding_mode="reflect")
out = ops.convolve_image(image, np.ones((7, 7)), settings, np.full((8, 3), 1e6))
pixels = ops.to_pixels(out[:, ::4, ::4], "rescale")
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def test_the_costliest_photo_conv_a_student_can_ask_for_stays_small(tmp_path):
    # the slider ends: 8 output channels, a 7x7 kernel dilated 3, reflect padding, on a 1024-pixel photo
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", WORST_PHOTO.format(root=root)], capture_output=True, text=True, timeout=120, check=True
    )
    grown_mb = float(result.stdout.strip().splitlines()[-1])
    assert grown_mb < 300, f"one rerun grew the server by {grown_mb:.0f} MB"  # measured: about 130 MB


def test_a_window_box_is_one_outline_around_the_block():
    from core.figures import matrix_figure

    (shape,) = matrix_figure(np.zeros((5, 5)), box=(1, 2, 3, 2)).layout.shapes
    assert (shape.x0, shape.x1, shape.y0, shape.y1) == (1.5, 3.5, 0.5, 3.5)  # columns 2-3, rows 1-3


def test_matrix_figures_skip_plotly_validation_but_would_pass_it():
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    from core.figures import matrix_figure

    mask = np.zeros((4, 4), dtype=bool)
    mask[0] = True
    fast = matrix_figure(np.arange(16.0).reshape(4, 4), title="x", pad_mask=mask, highlight=[(1, 1)], box=(0, 0, 2, 2))
    checked = go.Figure(fast.to_dict())  # validates every property; raises on anything plotly does not know
    # and what the browser receives is the same: a colorscale by name would reach plotly.js, which reads
    # "Blues" the other way round
    assert json.loads(pio.to_json(checked)) == json.loads(pio.to_json(fast))


def test_one_kernel_per_colour_channel_is_the_conv2d_weight_mix_times_that_kernel():
    image = torch.rand(3, 8, 8)
    kernels = np.stack([np.asarray(ops.IMAGE_KERNELS[k]) for k in ("sobel_x", "identity", "gaussian")])
    mix = np.array([[1.0, 0.5, -1.0]])
    weight = torch.tensor(mix[:, :, None, None] * kernels, dtype=torch.float32)  # (1, 3, 3, 3)
    expected = F.conv2d(image[None], weight)[0]
    torch.testing.assert_close(ops.convolve_image(image, kernels, ConvSettings(3, 1, 3, bias=False), mix), expected)
