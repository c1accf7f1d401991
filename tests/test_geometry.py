"""core/geometry.py: golden values from SEEDS.md, and every rule held against what PyTorch itself does."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from core.geometry import (
    Geometry,
    chain_receptive_field,
    conv_geometry,
    conv_out_size,
    conv_transpose_geometry,
    conv_transpose_out_size,
    pool_geometry,
)
from core.i18n import CATALOG, LANGS
from core.layer_settings import PADDING_MODES, ConvSettings, ConvTransposeSettings, PoolSettings, pair


@pytest.fixture(autouse=True, scope="module")
def native_cpu_kernels() -> Iterator[None]:
    """Compare with PyTorch's native kernels, one thread: oneDNN skips two transposed-conv checks,
    and thousands of tiny layers run far faster without waking a thread pool on a busy machine."""
    threads, mkldnn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    torch.set_num_threads(1)
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.backends.mkldnn.enabled = mkldnn


# --- what PyTorch does -------------------------------------------------------------------------------


def run_torch(
    build: Callable[[], nn.Module], in_shape: tuple[int, int, int]
) -> tuple[tuple[int, ...], nn.Module] | None:
    """Return (the output shape of one sample, the layer), or None when PyTorch refuses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zero-size kernels warn at init, then fail in forward
            layer = build()
            out = layer(torch.zeros(1, *in_shape))
    except (RuntimeError, ValueError, TypeError):
        return None
    return tuple(out.shape[1:]), layer


def torch_macs(layer: nn.Module, in_shape: tuple[int, int, int]) -> int:
    """Return PyTorch's own count of multiply-accumulates (half its FLOPs) for one sample."""
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(1, *in_shape))
    return counter.get_total_flops() // 2


def build_conv(s: ConvSettings) -> nn.Module:
    return nn.Conv2d(**s.torch_kwargs())


def build_pool(s: PoolSettings) -> nn.Module:
    return (nn.MaxPool2d if s.kind == "max" else nn.AvgPool2d)(**s.torch_kwargs())


def build_transpose(s: ConvTransposeSettings) -> nn.Module:
    return nn.ConvTranspose2d(**s.torch_kwargs())


def assert_agrees_with_torch(
    geometry: Callable[..., Geometry], build: Callable[..., nn.Module], s: object, in_shape: tuple[int, int, int]
) -> None:
    g = geometry(s, in_shape)
    outcome = run_torch(lambda: build(s), in_shape)
    assert (g.problem is None) == (outcome is not None), (g.problem and g.problem.text(), outcome)
    if outcome is None:
        assert g.out_shape is None and g.macs == 0
        assert g.problem.text("en") and g.problem.text("zh")
        if min(in_shape) >= 1:  # only an empty input has no nearest valid settings
            assert g.fix is not None and type(g.fix) is type(s)
    else:
        shape, layer = outcome
        assert g.out_shape == shape
        assert g.params == sum(p.numel() for p in layer.parameters())
        if not isinstance(s, PoolSettings):
            assert g.macs == torch_macs(layer, in_shape)
        assert g.fix is None
    if g.fix is not None:
        assert geometry(g.fix, in_shape).problem is None
        assert run_torch(lambda: build(g.fix), in_shape) is not None


# --- random settings, valid and invalid alike ----------------------------------------------------------
# Each argument is drawn from its valid values, repeated, plus a few invalid ones: most examples are
# near-valid with a rule or two broken, so both sides of every rule get exercised.


def mostly(common: Sequence[Any], rare: Sequence[Any] = (), times: int = 6) -> st.SearchStrategy[Any]:
    """Draw from ``common``, and from ``rare`` about once in ``times * len(common) / len(rare)`` draws."""
    return st.sampled_from([*common] * times + [*rare])


def pairs(common: Sequence[int], rare: Sequence[int] = ()) -> st.SearchStrategy[int | tuple[int, int]]:
    return st.one_of(mostly(common, rare), st.tuples(mostly(common, rare), mostly(common, rare)))


SIZES = mostly(range(1, 10), [0])  # 0: an empty input
KERNELS, STRIDES, DILATIONS = (range(1, 8), [0]), (range(1, 5), [0]), (range(1, 4), [0])


@st.composite
def channels_and_input(draw: st.DrawFn) -> tuple[int, int, int, tuple[int, int, int]]:
    """Return (groups, in_channels, out_channels, input shape), mostly consistent with each other."""
    groups = draw(mostly([1, 1, 1, 2, 3, 4], [0]))
    fitting = [c for c in range(1, 7) if c % max(groups, 1) == 0]
    channels = mostly(fitting, [c for c in range(1, 7) if c not in fitting], times=12)
    in_channels, out_channels = draw(channels), draw(channels)
    in_c = draw(mostly([in_channels], [c for c in range(1, 7) if c != in_channels], times=30))
    return groups, in_channels, out_channels, (in_c, draw(SIZES), draw(SIZES))


@st.composite
def conv_cases(draw: st.DrawFn) -> tuple[ConvSettings, tuple[int, int, int]]:
    groups, in_channels, out_channels, in_shape = draw(channels_and_input())
    # negative padding is refused with zeros but crops in the other modes; "full" is no padding at all
    numbers = pairs(range(5), [-1, -2])
    padding = draw(st.one_of(numbers, numbers, mostly(["same", "valid"], ["full"])))
    s = ConvSettings(
        in_channels, out_channels, draw(pairs(*KERNELS)), draw(pairs(*STRIDES)), padding, draw(pairs(*DILATIONS)),
        groups, draw(st.booleans()), draw(mostly(PADDING_MODES, ["mirror"])),
    )  # fmt: skip
    return s, in_shape


@st.composite
def pool_cases(draw: st.DrawFn) -> tuple[PoolSettings, tuple[int, int, int]]:
    kind = draw(st.sampled_from(["max", "avg"]))
    s = PoolSettings(
        kind, draw(pairs(*KERNELS)), draw(st.one_of(st.none(), pairs(*STRIDES))), draw(pairs([0, 0, 1, 1, 2], [3, 4, -1])),
        draw(pairs(*DILATIONS) if kind == "max" else mostly([1], [2])), draw(st.booleans()), draw(st.booleans()),
    )  # fmt: skip
    return s, (draw(mostly([1, 2, 3], [0])), draw(SIZES), draw(SIZES))


@st.composite
def transpose_cases(draw: st.DrawFn) -> tuple[ConvTransposeSettings, tuple[int, int, int]]:
    groups, in_channels, out_channels, in_shape = draw(channels_and_input())
    s = ConvTransposeSettings(
        in_channels, out_channels, draw(pairs(*KERNELS)), draw(pairs(*STRIDES)), draw(pairs(range(5), [-1])),
        draw(pairs([0, 0, 0, 1, 1, 2], [3, -1])), draw(pairs(*DILATIONS)), groups, draw(st.booleans()),
        draw(mostly(["zeros"], PADDING_MODES[1:], times=20)),
    )  # fmt: skip
    return s, in_shape


@settings(max_examples=1500, deadline=None)
@given(case=conv_cases())
def test_conv_geometry_agrees_with_nn_conv2d(case: tuple[ConvSettings, tuple[int, int, int]]) -> None:
    assert_agrees_with_torch(conv_geometry, build_conv, *case)


@settings(max_examples=1000, deadline=None)
@given(case=pool_cases())
def test_pool_geometry_agrees_with_nn_max_and_avg_pool2d(case: tuple[PoolSettings, tuple[int, int, int]]) -> None:
    assert_agrees_with_torch(pool_geometry, build_pool, *case)


@settings(max_examples=1200, deadline=None)
@given(case=transpose_cases())
def test_conv_transpose_geometry_agrees_with_nn_conv_transpose2d(
    case: tuple[ConvTransposeSettings, tuple[int, int, int]],
) -> None:
    assert_agrees_with_torch(conv_transpose_geometry, build_transpose, *case)


@settings(max_examples=200, deadline=None)
@given(case=st.one_of(conv_cases(), pool_cases(), transpose_cases()))
def test_settings_survive_a_json_round_trip(case: tuple[object, tuple[int, int, int]]) -> None:
    s = case[0]
    assert type(s).from_dict(json.loads(json.dumps(s.to_dict()))) == s


@settings(max_examples=60, deadline=None)
@given(
    layers=st.lists(
        st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2)),
        min_size=1,
        max_size=4,
    )
)
def test_chain_receptive_field_matches_the_gradient_footprint(layers: list[tuple[str, int, int, int]]) -> None:
    # Every weight is 1 and pooling averages, so an input pixel gets a non-zero gradient from an
    # output cell exactly when it lies in that cell's receptive field.
    specs = [(pair(k), pair(s), pair(d if kind == "conv" else 1)) for kind, k, s, d in layers]
    (rf, _), (jump, _) = chain_receptive_field(specs)[-1]
    modules = []
    for (kind, *_), (k, s, d) in zip(layers, specs, strict=True):
        if kind == "pool":
            modules.append(nn.AvgPool2d(k, stride=s))
        else:
            conv = nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
    x = torch.zeros(1, 1, rf + jump, rf, requires_grad=True)  # room for two output cells along H, one along W
    y = nn.Sequential(*modules)(x)
    assert y.shape[2] == 2
    rows = []
    for cell in range(2):
        (grad,) = torch.autograd.grad(y[0, 0, cell, 0], x, retain_graph=True)
        rows.append(grad[0, 0, :, 0].nonzero().flatten().tolist())
    assert rows[0][-1] - rows[0][0] + 1 == rf
    assert rows[1][0] - rows[0][0] == jump


# --- golden values from SEEDS.md ------------------------------------------------------------------------


def test_conv2d_3_to_6_kernel_5_has_456_parameters_and_makes_6x6_maps() -> None:
    g = conv_geometry(ConvSettings(3, 6, 5), (3, 10, 10))
    assert g.weight_shape == (6, 3, 5, 5)
    assert g.params - math.prod(g.weight_shape) == 6  # the bias, one per output channel
    assert g.params == 456
    assert g.out_shape == (6, 6, 6)  # a batch of 16 keeps its 16: (16, 6, 6, 6)


@pytest.mark.parametrize(
    ("kernel_size", "padding", "stride", "out_hw"),
    [(3, 1, 1, (8, 8)), ((5, 3), (2, 1), 1, (8, 8)), ((3, 5), (0, 1), (3, 4), (2, 2))],
)
def test_8x8_input_keeps_its_size_with_half_kernel_padding_and_shrinks_with_stride(
    kernel_size, padding, stride, out_hw
) -> None:
    g = conv_geometry(ConvSettings(kernel_size=kernel_size, padding=padding, stride=stride), (1, 8, 8))
    assert g.out_shape == (1, *out_hw)


@pytest.mark.parametrize(("stride", "padding", "out_size"), [(1, 0, 3), (2, 0, 2), (1, 1, 5)])
def test_3x3_kernel_shrinks_5x5_matrix_a_unless_padded(stride: int, padding: int, out_size: int) -> None:
    g = conv_geometry(ConvSettings(kernel_size=3, stride=stride, padding=padding), (1, 5, 5))
    assert g.out_shape == (1, out_size, out_size)


@pytest.mark.parametrize(("ceil_mode", "out_size"), [(True, 2), (False, 1)])
def test_max_pool_3_on_5x5_keeps_the_partial_window_only_with_ceil_mode(ceil_mode: bool, out_size: int) -> None:
    g = pool_geometry(PoolSettings(kernel_size=3, ceil_mode=ceil_mode), (1, 5, 5))
    assert g.out_shape == (1, out_size, out_size)
    assert g.dims[0].formula.startswith("ceil(" if ceil_mode else "floor(")


def test_max_pool_2_halves_a_4x4_input_and_has_no_parameters() -> None:
    g = pool_geometry(PoolSettings(kernel_size=2), (3, 4, 4))
    assert (g.out_shape, g.params, g.weight_shape, g.jump) == ((3, 2, 2), 0, None, (2, 2))


# --- formulas as the page shows them --------------------------------------------------------------------


def test_formula_substitutes_the_users_numbers() -> None:
    (h, _) = conv_geometry(ConvSettings(kernel_size=3, stride=2, padding=1), (1, 5, 5)).dims
    assert h.formula == "floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3"
    assert h.latex == r"\left\lfloor \frac{5 + 2 \cdot 1 - 1 \cdot (3-1) - 1}{2} \right\rfloor + 1 = 3"


def test_same_padding_with_an_even_kernel_puts_the_extra_pixel_after() -> None:
    (h, _) = conv_geometry(ConvSettings(kernel_size=4, padding="same"), (1, 5, 5)).dims
    assert (h.pad_before, h.pad_after, h.out_size) == (1, 2, 5)
    assert h.formula == "floor((5 + 1 + 2 - 1*(4-1) - 1) / 1) + 1 = 5"


def test_transposed_formula_grows_the_input() -> None:
    (h, _) = conv_transpose_geometry(ConvTransposeSettings(kernel_size=3, stride=2, padding=1), (1, 5, 5)).dims
    assert h.formula == "(5 - 1)*2 - 2*1 + 1*(3-1) + 0 + 1 = 9"
    assert h.latex == r"(5 - 1) \cdot 2 - 2 \cdot 1 + 1 \cdot (3-1) + 0 + 1 = 9"
    assert conv_transpose_out_size(5, 3, stride=2, padding=1, output_padding=1) == 10


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding() -> None:
    # ceil((5 + 2 - 1 - 1) / 2) + 1 = 4, but the 4th window would start at padded row 6, past the input
    s = PoolSettings(kernel_size=2, stride=2, padding=1, ceil_mode=True)
    (h, _) = pool_geometry(s, (1, 5, 5)).dims
    assert (h.out_size, h.last_window_dropped) == (3, True)
    assert h.formula == "ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 - 1 = 3"
    assert run_torch(lambda: build_pool(s), (1, 5, 5))[0] == (1, 3, 3)


def test_stride_two_drops_the_last_row() -> None:
    (h, _) = conv_geometry(ConvSettings(kernel_size=3, stride=2), (1, 6, 6)).dims
    assert (h.out_size, h.uncovered) == (2, 1)  # windows cover rows 0-2 and 2-4; row 5 is never read


def test_stride_one_reads_every_row() -> None:
    (h, _) = conv_geometry(ConvSettings(kernel_size=3), (1, 6, 6)).dims
    assert (h.out_size, h.uncovered) == (4, 0)


def test_conv_out_size_is_the_one_formula_for_conv_and_pooling() -> None:
    assert conv_out_size(5, 3, stride=2, pad_before=1) == 3
    assert conv_out_size(5, 4, pad_before=1, pad_after=2) == 5
    assert conv_out_size(7, 3, dilation=2) == 3
    assert conv_out_size(5, 3, stride=3, ceil_mode=True) == 2
    with pytest.raises(ValueError, match="stride"):
        conv_out_size(5, 3, stride=0)


# --- receptive field ------------------------------------------------------------------------------------


def test_two_3x3_convs_see_5x5() -> None:
    assert chain_receptive_field([((3, 3), (1, 1), (1, 1))] * 2) == [((3, 3), (1, 1)), ((5, 5), (1, 1))]


def test_a_stride_2_pool_between_two_convs_doubles_the_second_convs_reach() -> None:
    conv, pool = ((3, 3), (1, 1), (1, 1)), ((2, 2), (2, 2), (1, 1))
    # conv: 3; pool adds (2-1)*1 = 1 -> 4, then steps 2; conv adds (3-1)*2 = 4 -> 8
    assert chain_receptive_field([conv, pool, conv]) == [((3, 3), (1, 1)), ((4, 4), (2, 2)), ((8, 8), (2, 2))]


def test_one_layer_reports_its_dilated_kernel_as_receptive_field() -> None:
    g = conv_geometry(ConvSettings(kernel_size=(3, 5), stride=(2, 1), dilation=2), (1, 20, 20))
    assert (g.receptive_field, g.jump) == ((5, 9), (2, 1))


# --- settings helpers -----------------------------------------------------------------------------------


def test_pair_reads_ints_and_pairs_like_pytorch() -> None:
    assert pair(3) == (3, 3)
    assert pair([3, 5]) == (3, 5)
    with pytest.raises(ValueError):
        pair((1, 2, 3))
    with pytest.raises(TypeError):
        pair(2.5)


def test_settings_store_ints_as_pairs() -> None:
    assert ConvSettings(kernel_size=3, padding=1) == ConvSettings(kernel_size=(3, 3), padding=[1, 1])
    assert PoolSettings(stride=None).resolved_stride == (2, 2)
    assert PoolSettings(kernel_size=3, stride=1).resolved_stride == (1, 1)


def layer_arguments(layer: nn.Module) -> dict[str, object]:
    """Return the layer's public attributes with ints read as pairs (pooling keeps what it was given)."""
    sized = ("kernel_size", "stride", "padding", "dilation", "output_padding")
    return {k: pair(v) if k in sized and not isinstance(v, str) else v for k, v in vars(layer).items() if k[0] != "_"}


@pytest.mark.parametrize(
    ("s", "code"),
    [
        (ConvSettings(kernel_size=3, stride=2, padding=1), "nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)"),
        (ConvSettings(3, 6, (3, 5), padding="same", bias=False), "nn.Conv2d(3, 6, kernel_size=(3, 5), padding='same', bias=False)"),
        (ConvSettings(4, 4, 3, groups=2, padding_mode="reflect"), "nn.Conv2d(4, 4, kernel_size=3, groups=2, padding_mode='reflect')"),
        (PoolSettings(kernel_size=3, ceil_mode=True), "nn.MaxPool2d(kernel_size=3, ceil_mode=True)"),
        (PoolSettings("avg", 2, stride=1, count_include_pad=False), "nn.AvgPool2d(kernel_size=2, stride=1, count_include_pad=False)"),
        (ConvTransposeSettings(2, 1, 4, stride=2, output_padding=1), "nn.ConvTranspose2d(2, 1, kernel_size=4, stride=2, output_padding=1)"),
    ],
)  # fmt: skip
def test_code_shows_only_non_default_arguments_and_builds_the_same_layer(s, code: str) -> None:
    assert s.code() == code
    build = {ConvSettings: build_conv, PoolSettings: build_pool, ConvTransposeSettings: build_transpose}[type(s)]
    assert layer_arguments(eval(code, {"nn": nn})) == layer_arguments(build(s))


# --- messages a student can act on -----------------------------------------------------------------------

# One invalid setting per message key, with the input it is invalid for.
BROKEN = {
    "channels_not_positive": (conv_geometry, ConvSettings(in_channels=0), (1, 5, 5)),
    "groups_not_positive": (conv_geometry, ConvSettings(groups=0), (1, 5, 5)),
    "groups_not_dividing": (conv_geometry, ConvSettings(6, 4, groups=4), (6, 5, 5)),
    "kernel_size_not_positive": (pool_geometry, PoolSettings(kernel_size=(2, 0), stride=1), (1, 5, 5)),
    "stride_not_positive": (conv_geometry, ConvSettings(stride=(1, 0)), (1, 5, 5)),
    "dilation_not_positive": (conv_transpose_geometry, ConvTransposeSettings(dilation=0), (1, 5, 5)),
    "empty_input": (conv_geometry, ConvSettings(), (1, 0, 5)),
    "channel_mismatch": (conv_geometry, ConvSettings(in_channels=3), (1, 5, 5)),
    "padding_string": (conv_geometry, ConvSettings(padding="Same"), (1, 5, 5)),
    "padding_mode": (conv_geometry, ConvSettings(padding_mode="reflection"), (1, 5, 5)),
    "same_needs_stride_one": (conv_geometry, ConvSettings(padding="same", stride=2), (1, 5, 5)),
    "padding_negative": (conv_geometry, ConvSettings(padding=-1), (1, 5, 5)),
    "reflect_padding_too_large": (conv_geometry, ConvSettings(padding=3, padding_mode="reflect"), (1, 3, 3)),
    "circular_padding_too_large": (conv_geometry, ConvSettings(padding=4, padding_mode="circular"), (1, 3, 3)),
    "kernel_too_large": (conv_geometry, ConvSettings(kernel_size=7, padding=1), (1, 3, 3)),
    "padding_crops_input": (conv_geometry, ConvSettings(kernel_size=1, padding=-2, padding_mode="replicate"), (1, 3, 3)),
    "pool_kind": (pool_geometry, PoolSettings(kind="mean"), (1, 4, 4)),
    "avg_pool_dilation": (pool_geometry, PoolSettings(kind="avg", dilation=2), (1, 4, 4)),
    "pool_padding_too_large": (pool_geometry, PoolSettings(kernel_size=3, padding=2), (1, 5, 5)),
    "pool_output_too_small": (pool_geometry, PoolSettings(kernel_size=6), (1, 5, 5)),
    "transpose_padding_mode": (conv_transpose_geometry, ConvTransposeSettings(padding_mode="reflect"), (1, 5, 5)),
    "output_padding_negative": (conv_transpose_geometry, ConvTransposeSettings(output_padding=-1), (1, 5, 5)),
    "output_padding_too_large": (conv_transpose_geometry, ConvTransposeSettings(stride=2, output_padding=2), (1, 5, 5)),
    "transpose_output_too_small": (conv_transpose_geometry, ConvTransposeSettings(kernel_size=1, padding=1), (1, 1, 1)),
}  # fmt: skip


def test_every_geometry_message_has_an_example_here() -> None:
    assert {f"geometry.{key}" for key in BROKEN} == {key for key in CATALOG if key.startswith("geometry.")}


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_each_problem_renders_in_every_language(key: str) -> None:
    geometry, s, in_shape = BROKEN[key]
    g = geometry(s, in_shape)
    assert g.problem is not None and g.problem.key == f"geometry.{key}"
    for lang in LANGS:
        text = g.problem.text(lang)
        assert "{" not in text and "}" not in text
    assert g.out_shape is None


def test_kernel_too_large_names_the_rule_the_value_and_the_nearest_choice() -> None:
    g = conv_geometry(ConvSettings(kernel_size=7, padding=1), (1, 3, 3))
    assert g.problem.text("en") == (
        "kernel 7 (dilated: 7) is larger than the padded input 5 (3 + 2×1) along H; use kernel ≤ 5 or padding ≥ 2"
    )
    assert "卷积核" in g.problem.text("zh")
    assert g.fix == ConvSettings(kernel_size=5, padding=1)


def test_groups_fix_is_the_nearest_divisor_of_both_channel_counts() -> None:
    g = conv_geometry(ConvSettings(6, 4, groups=4), (6, 5, 5))
    assert g.problem.params["suggestion"] == 2 and g.fix.groups == 2
    assert g.weight_shape is None and g.params == 0  # no weight can be built with groups=4


def test_reflect_padding_with_same_is_fixed_by_replicate_to_keep_the_size() -> None:
    g = conv_geometry(ConvSettings(kernel_size=5, padding="same", padding_mode="reflect"), (1, 2, 2))
    assert g.problem.key == "geometry.reflect_padding_too_large"
    assert g.fix == ConvSettings(kernel_size=5, padding="same", padding_mode="replicate")


def test_an_empty_input_has_no_fix() -> None:
    g = conv_geometry(ConvSettings(), (1, 0, 5))
    assert g.problem is not None and g.fix is None


def _geometry_lines_run(call: Callable[[], Any]) -> int:
    """Return how many lines of core/geometry.py ``call`` executes: work counted, not timed."""
    import sys

    import core.geometry

    counted = [0]

    def trace(frame, event, arg):
        if frame.f_code.co_filename != core.geometry.__file__:
            return None
        if event == "line":
            counted[0] += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return counted[0]


def test_the_groups_fix_for_a_million_channels_takes_a_thousand_steps_not_a_million() -> None:
    # issue 12 item 13: 200 layers of Conv2d(2**20, 2**20, 1, groups=3) in a 25 KB spec cost 5 s of
    # CPU, because the repair tried every number up to gcd(in, out) for each layer
    settings = ConvSettings(2**20, 2**20, 1, groups=3)
    lines = _geometry_lines_run(lambda: conv_geometry(settings, (2**20, 1, 1)))
    assert lines < 20_000, lines
    assert conv_geometry(settings, (2**20, 1, 1)).fix.groups == 2  # 2 and 4 are as near; the smaller wins


def test_the_nearest_divisor_is_the_one_trying_every_number_finds() -> None:
    from core.geometry import nearest_divisor

    for n in range(1, 130):
        for target in range(1, 140, 7):
            every = min((g for g in range(1, n + 1) if n % g == 0), key=lambda g: (abs(g - target), g))
            assert nearest_divisor(n, target) == every, (n, target)
