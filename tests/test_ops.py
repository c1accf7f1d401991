"""Running the ops on the curriculum's golden matrices (SEEDS.md sections 1-3)."""

import numpy as np
import pytest
import torch
import torch.nn as nn

from core import ops
from core.examples import MATRIX_EXAMPLES
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings

A = [[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]]
KA = [[1, 2, 1], [0, 1, 0], [2, 1, 0]]
B = [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]]
KB = [[2, 0, 1], [0, 1, 2], [1, 0, 2]]


@pytest.mark.parametrize(
    ("stride", "padding", "expected"),
    [
        (1, 0, [[10, 12, 12], [18, 16, 16], [13, 9, 3]]),
        (2, 0, [[10, 12], [13, 3]]),
        (1, 1, [[1, 3, 4, 10, 8], [5, 10, 12, 12, 6], [7, 18, 16, 16, 8], [11, 13, 9, 3, 4], [14, 13, 9, 7, 4]]),
    ],
)
def test_matrix_a_matches_the_curriculum(stride, padding, expected):
    result = ops.conv2d_matrix(A, KA, ConvSettings(kernel_size=3, stride=stride, padding=padding))
    np.testing.assert_array_equal(result.output, expected)


def test_the_pages_examples_are_the_curriculums_golden_matrices():
    assert MATRIX_EXAMPLES["matrix"] == {"A": (A, KA), "B": (B, KB)}
    assert MATRIX_EXAMPLES["pool"]["A"] == (A, None)
    pooled = ops.pool2d_matrix(MATRIX_EXAMPLES["pool"]["P4"][0], PoolSettings("max", kernel_size=2)).output
    np.testing.assert_array_equal(pooled, [[2, 3], [4, 2]])
    grid = MATRIX_EXAMPLES["pool"]["G3"][0]
    np.testing.assert_array_equal(ops.pool2d_matrix(grid, PoolSettings("max", 2, stride=1)).output, [[4, 5], [7, 8]])


def test_matrix_b_with_and_without_bias():
    settings = ConvSettings(kernel_size=3)
    np.testing.assert_array_equal(ops.conv2d_matrix(B, KB, settings).output, [[15, 16], [6, 15]])
    np.testing.assert_array_equal(ops.conv2d_matrix(B, KB, settings, bias=3).output, [[18, 19], [9, 18]])


def test_padding_cells_are_marked_and_hold_zeros():
    result = ops.conv2d_matrix(A, KA, ConvSettings(kernel_size=3, padding=1))
    assert result.padded.shape == (7, 7)
    assert result.pad_mask.sum() == 7 * 7 - 5 * 5
    assert (result.padded[result.pad_mask] == 0).all()


def test_window_products_sum_to_the_output_cell():
    settings = ConvSettings(kernel_size=3, stride=2)
    result = ops.conv2d_matrix(A, KA, settings, bias=1)
    window = ops.conv_window(result, settings, KA, 1, 1, 0)
    assert window.rows == (2, 3, 4) and window.cols == (0, 1, 2)
    np.testing.assert_array_equal(window.patch, [[1, 2, 1], [5, 2, 3], [2, 1, 0]])
    assert window.total == 13 and window.value == 14 == result.output[1, 0]


def test_dilated_window_skips_cells():
    settings = ConvSettings(kernel_size=2, dilation=2)
    result = ops.conv2d_matrix(A, [[1, 0], [0, 1]], settings)
    window = ops.conv_window(result, settings, [[1, 0], [0, 1]], 0, 0, 0)
    assert window.rows == (0, 2) and window.cols == (0, 2)
    assert window.value == A[0][0] + A[2][2] == result.output[0, 0]


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 1, 1), (2, 2, 1), ((1, 2), (2, 1), (2, 1)), (1, "same", 2)]
)
def test_matrix_conv_agrees_with_nn_conv2d(padding_mode, stride, padding, dilation):
    settings = ConvSettings(kernel_size=3, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode)
    conv = nn.Conv2d(1, 1, 3, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(KA, dtype=torch.float64)[None, None])
        conv.bias.fill_(0.5)
        expected = conv(torch.tensor(A, dtype=torch.float64)[None, None])[0, 0].numpy()
    result = ops.conv2d_matrix(A, KA, settings, bias=0.5)
    np.testing.assert_allclose(result.output, expected)
    loops = ops.corr2d(
        torch.as_tensor(result.padded), torch.tensor(KA, dtype=torch.float64), settings.stride, settings.dilation
    )
    np.testing.assert_allclose(loops.numpy() + 0.5, expected)


def test_corr2d_is_the_curriculums_two_loop_function():
    X = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0.0, 1], [2, 3]])
    np.testing.assert_array_equal(ops.corr2d(X, K).numpy(), [[19, 25], [37, 43]])


def test_invalid_settings_give_a_problem_instead_of_an_output():
    result = ops.conv2d_matrix(A, np.ones((7, 7)), ConvSettings(kernel_size=7))
    assert result.output is None and result.geometry.problem is not None


@pytest.mark.parametrize(
    ("matrix", "settings", "expected"),
    [
        ([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], PoolSettings(kernel_size=2), [[2, 3], [4, 2]]),
        (A, PoolSettings(kernel_size=3, ceil_mode=True), [[2, 3], [5, 1]]),
        (A, PoolSettings(kernel_size=3), [[2]]),
        ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], PoolSettings(kernel_size=2, stride=1), [[4, 5], [7, 8]]),
        ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], PoolSettings(kind="avg", kernel_size=2, stride=1), [[2, 3], [5, 6]]),
    ],
)
def test_pooling_matches_the_curriculum(matrix, settings, expected):
    np.testing.assert_array_equal(ops.pool2d_matrix(matrix, settings).output, expected)


def test_pool_window_of_a_ceil_mode_cell_stays_inside_the_grid():
    settings = PoolSettings(kernel_size=3, ceil_mode=True)
    result = ops.pool2d_matrix(A, settings)
    window = ops.pool_window(result, settings, 1, 1)
    assert window.rows == (3, 4) and window.cols == (3, 4)
    assert window.value == 1 == window.total


def test_integer_average_pooling_truncates_and_mean_refuses_integers():
    pooled, error = ops.integer_avg_pool([[1, 2], [0, 0]], PoolSettings(kind="avg", kernel_size=2))
    np.testing.assert_array_equal(pooled, [[0]])  # 0.75 truncated
    assert "dtype" in error
    with pytest.raises(RuntimeError, match="floating point"):
        torch.arange(4).mean()


def test_activations_match_the_curriculum():
    x = torch.tensor([[1, -0.5], [-1, 3]])
    np.testing.assert_array_equal(ops.activate("ReLU", x).numpy(), [[1, 0], [0, 3]])
    np.testing.assert_allclose(ops.activate("Sigmoid", x).numpy(), [[0.7311, 0.3775], [0.2689, 0.9526]], atol=5e-5)
    np.testing.assert_allclose(ops.activate("Softmax", x).sum(-1).numpy(), [1, 1], atol=1e-6)
    assert float(ops.activate("LeakyReLU", x, 0.1)[0, 1]) == pytest.approx(-0.05)
    assert set(ops.ACTIVATION_FORMULAS) == set(ops.ACTIVATIONS)


def test_transposed_convolution_scatters_the_kernel():
    result = ops.conv_transpose_matrix([[0, 1], [2, 3]], [[0, 1], [2, 3]], ConvTransposeSettings(kernel_size=2))
    np.testing.assert_array_equal(result.output, [[0, 0, 1], [0, 4, 6], [4, 12, 9]])
    np.testing.assert_array_equal(result.scatters[(1, 1)], [[0, 0, 0], [0, 0, 3], [0, 6, 9]])


@pytest.mark.parametrize(
    "settings",
    [
        ConvTransposeSettings(kernel_size=3, stride=2, padding=1, output_padding=1),
        ConvTransposeSettings(kernel_size=(2, 3), stride=(3, 1), padding=(0, 1), dilation=(1, 2)),
    ],
)
def test_scatter_picture_agrees_with_conv_transpose2d(settings):
    x = np.arange(6.0).reshape(2, 3)
    kernel = np.arange(1.0, 1 + np.prod(settings.kernel_size)).reshape(settings.kernel_size)
    result = ops.conv_transpose_matrix(x, kernel, settings, bias=1)
    (ph, pw) = result.crop
    cropped = result.full[ph : result.full.shape[0] - ph, pw : result.full.shape[1] - pw]
    np.testing.assert_allclose(cropped, result.output)
    assert result.output.shape == result.geometry.out_shape[1:]


def test_identity_kernel_with_same_padding_keeps_the_photo():
    image = torch.rand(3, 20, 30)
    out = ops.convolve_image(image, ops.IMAGE_KERNELS["identity"], ConvSettings(3, 3, 3, padding="same", groups=3))
    torch.testing.assert_close(out, image)


def test_edge_kernels_give_zero_on_a_flat_image_and_respond_to_an_edge():
    flat = torch.full((1, 10, 10), 0.5)
    for name in ("sobel_x", "sobel_y", "laplacian"):
        assert ops.convolve_image(flat, ops.IMAGE_KERNELS[name], ConvSettings()).abs().max() < 1e-6
    step = torch.zeros(1, 10, 10)
    step[:, :, 5:] = 1  # a vertical edge: sobel_x sees it, sobel_y does not
    assert ops.convolve_image(step, ops.IMAGE_KERNELS["sobel_x"], ConvSettings()).abs().max() == 4
    assert ops.convolve_image(step, ops.IMAGE_KERNELS["sobel_y"], ConvSettings()).abs().max() == 0


def test_reflect_padding_on_a_photo_matches_nn_conv2d():
    image = torch.rand(2, 8, 9)
    kernel = np.array(ops.IMAGE_KERNELS["sharpen"], dtype=np.float32)
    settings = ConvSettings(2, 2, 3, stride=2, padding=2, padding_mode="reflect", groups=2, bias=False)
    conv = nn.Conv2d(**settings.torch_kwargs())
    with torch.no_grad():
        conv.weight.copy_(torch.as_tensor(kernel).expand(2, 1, 3, 3))
        expected = conv(image[None])[0]
    torch.testing.assert_close(ops.convolve_image(image, kernel, settings), expected)


def test_pixel_mappings_clip_or_rescale():
    t = torch.tensor([[[-1.0, 0.0, 0.5, 2.0]]])
    np.testing.assert_array_equal(ops.to_pixels(t, "clip"), [[0, 0, 128, 255]])
    np.testing.assert_array_equal(ops.to_pixels(t, "rescale"), [[0, 85, 128, 255]])
    assert ops.to_pixels(torch.zeros(3, 2, 2), "rescale").shape == (2, 2, 3)
