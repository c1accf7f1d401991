"""The Convolution page's channels section: ``nn.Conv2d(C_in, C_out, k, groups=g)`` taken apart.

Sliders for C_in, C_out and groups (an invalid groups value is allowed on the slider: the page
says the rule and offers the nearest valid one), the input size, kernel, stride and padding; named
presets (the curriculum's ``Conv2d(3, 6, 5)``, depthwise, pointwise). Shown: the shapes PyTorch
gives on a batch, the parameter count and MACs written as arithmetic next to a ``Linear`` layer on
the same sizes, and one output cell as per-input-channel partial sums that add up to ``F.conv2d``.
Settings live under "conv.channels.<name>"; the URL parameters ``cin``, ``cout``, ``groups`` and
``oc`` (output channel) are :func:`channel_params`, the sizes are the page's shared ``size``,
``kernel``, ``stride``, ``padding`` and ``cell``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from core import channels
from core.figures import matrix_figure
from core.formatting import format_number
from core.i18n import Message
from core.layer_settings import ConvSettings
from core.tutorial_slips import flatten_shapes
from core.urlstate import parse_pair
from ui.conv_controls import SIDE, formula, key, pair_input, section, start_section, walk
from ui.conv_derivation import derivation
from ui.text import show, t
from ui.urlstate import Param
from ui.widgets import folded, plot

S = st.session_state
MODE = "channels"
# (lowest, highest) of each channel slider; groups may be set to a value that does not divide
COUNTS = {"cin": (1, 4), "cout": (1, 8), "groups": (1, 8)}
PRESETS = ("cifar", "depthwise", "pointwise")


def _preset(name: str) -> None:
    """Callback: set the sliders to a named layer."""
    if name == "cifar":  # the curriculum's first layer: Conv2d(3, 6, 5) on a 10x10 input
        values = {"cin": 3, "cout": 6, "groups": 1, "size": 10, "kernel": 5, "stride": 1, "padding": 0}
    elif name == "depthwise":  # one kernel per input channel, nothing summed across channels
        values = {"cout": S[key("cin", MODE)], "groups": S[key("cin", MODE)]}
    else:  # pointwise: a 1x1 kernel mixes the channels at each pixel, nothing spatial
        values = {"kernel": 1, "groups": 1, "padding": 0}
    for name_, value in values.items():
        if name_ in COUNTS:
            S[key(name_, MODE)] = value
        else:
            S[key(f"{name_}_h", MODE)] = S[key(f"{name_}_w", MODE)] = value


def _apply_fix(fix: ConvSettings) -> None:
    """Callback: take the nearest valid settings core.geometry proposed."""
    S[key("cin", MODE)], S[key("cout", MODE)], S[key("groups", MODE)] = fix.in_channels, fix.out_channels, fix.groups
    for name, value in (("kernel", fix.kernel_size), ("stride", fix.stride), ("padding", fix.padding)):
        S[key(f"{name}_h", MODE)] = S[key(f"{name}_w", MODE)] = value[0]


def controls() -> tuple[ConvSettings, tuple[int, int]]:
    """Draw the section's controls; return the layer they describe and the input size (H, W)."""
    st.caption(t("conv.ch.presets"))
    for name in PRESETS:
        st.button(
            t(f"conv.ch.preset_{name}"), key=key(f"preset_{name}"), on_click=_preset, args=(name,), width="stretch"
        )
    counts = {}
    for name, (low, high) in COUNTS.items():
        counts[name] = st.slider(t(f"conv.ch.{name}"), low, high, key=key(name), persist_state="session")
    size = pair_input("size", t("conv.size"))
    kernel = pair_input("kernel", t("conv.kernel"))
    stride = pair_input("stride", t("conv.stride"))
    padding = pair_input("padding", t("conv.padding"))
    settings = ConvSettings(
        counts["cin"], counts["cout"], kernel, stride=stride, padding=padding, groups=counts["groups"]
    )
    return settings, size


def groups_rule(settings: ConvSettings) -> None:
    """Say what groups does and which values these channel counts allow."""
    valid = channels.valid_groups(settings.in_channels, settings.out_channels)
    st.caption(
        t("conv.ch.groups_rule", cin=settings.in_channels, cout=settings.out_channels,
          valid=", ".join(map(str, valid)))
    )  # fmt: skip


def section_body(remember: Callable[[], object]) -> None:
    """Draw the whole section; ``remember()`` writes the URL (also from the cell walk)."""
    start_section(MODE)
    left, right = st.columns(SIDE, gap="large")
    with left:
        settings, size = controls()
        groups_rule(settings)
    x = channels.sample_input(settings.in_channels, size)  # (C_in, H, W)
    result = channels.convolve(x, settings)
    geometry = result.geometry
    with right:
        formula(geometry)
        derivation(geometry)
        if geometry.problem is not None:
            show(geometry.problem)
            if geometry.fix is not None:
                fix = geometry.fix
                label = t("conv.ch.use_fix", settings=fix.code())
                st.button(label, key="conv.fix", on_click=_apply_fix, args=(fix,), icon=":material/build:")
            remember()
            return
        shapes_and_counts(settings, geometry)
        one_cell(result, remember)
    remember()


def shapes_and_counts(settings: ConvSettings, geometry) -> None:
    """Show the layer's code with the shapes PyTorch gives, its parameters and MACs, and a Linear beside it."""
    weight_shape, out_shape = channels.batch_shapes(settings, geometry.in_shape)
    n, c, h, w = channels.BATCH, *geometry.in_shape
    st.code(
        "# weight: (C_out, C_in/groups, kH, kW)\n"
        "# x: (N, C_in, H, W) -> conv(x): (N, C_out, H_out, W_out)\n"
        f"conv = {settings.code()}\n"
        f"conv.weight.shape   # torch.Size({list(weight_shape)})\n"
        f"conv.bias.shape     # torch.Size([{settings.out_channels}])\n"
        f"x = torch.randn({n}, {c}, {h}, {w})\n"
        f"conv(x).shape       # torch.Size({list(out_shape)})",
        language="python",
        wrap_lines=True,
    )
    params_text, params = channels.param_arithmetic(settings)
    macs_text, _ = channels.macs_arithmetic(settings, geometry.out_shape)
    linear_text, in_features, out_features, linear = channels.linear_arithmetic(geometry.in_shape, geometry.out_shape)
    a, b = st.columns(2)
    with a.container(border=True):
        st.metric(t("conv.ch.params"), f"{params:,}")
        st.code(params_text, language=None, wrap_lines=True)
        st.caption(t("conv.ch.macs"))
        st.code(macs_text, language=None, wrap_lines=True)
    with b.container(border=True):
        st.metric(t("conv.ch.linear_params"), f"{linear:,}")
        st.code(f"nn.Linear({in_features}, {out_features})\n{linear_text}", language=None, wrap_lines=True)
        st.caption(t("conv.ch.sharing", ratio=format_number(round(linear / params, 1))))

    def flatten_slip() -> None:
        flat, kept = flatten_shapes((64, *geometry.in_shape))
        st.write(t("conv.slip.flatten", flat=flat, kept=kept))
        st.code(
            f"x = torch.randn(64, {c}, {h}, {w})\n"
            f"torch.flatten(x).shape      # torch.Size([{flat}])\n"
            f"nn.Flatten()(x).shape       # torch.Size([64, {kept}])\n"
            f"torch.flatten(x, 1).shape   # torch.Size([64, {kept}])",
            language="python",
            wrap_lines=True,
        )

    folded(t("conv.slip.flatten_title"), key("flatten_slip"), flatten_slip)


def one_cell(result: channels.ChannelResult, remember: Callable[[], object]) -> None:
    """Walk the output cells of one output channel; show each as per-channel window sums."""
    settings, (c_out, out_h, out_w) = result.settings, result.geometry.out_shape
    S[key("oc")] = min(S.get(key("oc"), 0), c_out - 1)  # fewer output channels than the one shown
    out_channel = st.slider(t("conv.ch.oc"), 0, c_out - 1, key=key("oc"), persist_state="session") if c_out > 1 else 0

    def draw(row: int, col: int) -> None:
        cell = channels.cell_sum(result, out_channel, row, col)
        first, last = cell.terms[0].in_channel, cell.terms[-1].in_channel
        st.markdown(t("conv.ch.cell", o=out_channel, row=row, col=col, g=cell.group, first=first, last=last))
        pad = result.geometry.dims[0].pad_before, result.geometry.dims[1].pad_before
        mask = _pad_mask(result.padded.shape[1:], pad, result.x.shape[1:])
        (kh, kw), (sh, sw) = settings.kernel_size, settings.stride
        window = (row * sh, col * sw, kh, kw)  # this section has no dilation: the window is one block
        for term in cell.terms:  # one row per input channel: its window, its kernel, its partial sum
            j = term.in_channel - first
            picture, kernel = st.columns([3, 2], vertical_alignment="center")
            with picture:
                title = t("conv.ch.in_channel", c=term.in_channel)
                figure = matrix_figure(result.padded[term.in_channel], title=title, pad_mask=mask, box=window)
                plot(figure, key=f"conv.ch.fig_in{term.in_channel}")
            with kernel:  # the kernel as text: seven small figures per rerun cost more than the convolution
                products = " + ".join(
                    f"{format_number(p)}×{format_number(k)}"
                    for p, k in zip(term.patch.ravel(), term.kernel.ravel(), strict=True)
                )
                st.code(
                    f"conv.weight[{out_channel}, {j}] =\n{_grid(term.kernel)}\n\n{products}\n= {format_number(term.partial)}",
                    language=None,
                    wrap_lines=True,
                )
        picture, total = st.columns([3, 2], vertical_alignment="center")
        with picture:
            figure = matrix_figure(
                result.output[out_channel], title=t("conv.ch.out_channel", o=out_channel),
                highlight=[(row, col)], colorscale="Oranges",
            )  # fmt: skip
            plot(figure, key="conv.ch.fig_out")
        with total:
            partials = " + ".join(format_number(term.partial) for term in cell.terms)
            st.code(
                f"{partials} = {format_number(cell.total)}\n"
                f"{format_number(cell.total)} + ({format_number(cell.bias)}) = {format_number(cell.value)}",
                language=None,
                wrap_lines=True,
            )
            st.write(t("conv.ch.agree", value=format_number(cell.value), torch=format_number(cell.torch_value)))

    walk(out_h, out_w, draw, "conv.step", remember)


def _grid(values: np.ndarray) -> str:
    """Return a small matrix as right-aligned text rows."""
    cells = [[format_number(v) for v in row] for row in values]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(" ".join(c.rjust(width) for c in row) for row in cells)


def _pad_mask(shape, pad: tuple[int, int], inner: tuple[int, int]) -> np.ndarray:
    mask = np.ones(shape, dtype=bool)
    mask[pad[0] : pad[0] + inner[0], pad[1] : pad[1] + inner[1]] = False
    return mask


# --- the section's URL parameters ----------------------------------------------------------------


def channel_params() -> list[Param]:
    """Return the URL parameters cin, cout, groups and oc (the output channel); cout is the photo's too."""

    def param(name: str, low: int, high: int, sections: tuple[str, ...] = (MODE,)) -> Param:
        def read(raw: str) -> Message | None:
            if section() not in sections:
                return Message("conv.url_not_here", {"name": name, "mode": t(f"conv.mode_{section()}")})
            start_section()
            (value, _), problem = parse_pair(raw, name, low, high, (S.get(key(name), low), 0))
            S[key(name)] = value
            return problem

        def write() -> str | None:
            return str(S[key(name)]) if section() in sections and key(name) in S else None

        return Param(name, read, write)

    return [
        param("cin", *COUNTS["cin"]),
        param("cout", *COUNTS["cout"], sections=(MODE, "image")),
        param("groups", *COUNTS["groups"]),
        param("oc", 0, COUNTS["cout"][1] - 1),
    ]
