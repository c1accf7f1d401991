"""Convolution explorer: move kernel, stride, padding and dilation and watch the output change.

Sections (the `mode` URL parameter): matrix, image, channels (ui.conv_channels), pool, act,
transposed. Each keeps its own settings and opens on its own example (ui.conv_controls.start_section).
URL parameters: every setting of the section on screen (ui.conv_url.page_url: mode, preset,
size, kernel, stride, padding, dilation, output, pmode, bias, photo, filter, channels, map, combine,
cin, cout, groups, oc, mix, chk, pool, ceil, acts, alpha, x, k, cell), clamped to the section's slider ranges.
Session-state keys: "conv.mode", then "conv.<section>.<setting>" for each section's settings and
editors, "conv.playing", "conv.fix", "conv.pin*". A section is a fragment: moving one of its sliders
reruns that section only, and the section writes the URL itself.
In teacher mode the settings in the URL can be pinned for the class (core.classroom), shown on the home page.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from core import ops
from core.figures import curves_figure, matrix_figure
from core.formatting import format_number
from core.geometry import conv_geometry
from core.i18n import UserError
from core.images import sample_photos
from core.layer_settings import ConvTransposeSettings, PoolSettings
from core.urlstate import format_pair
from ui.app import start_page
from ui.classroom import viewer
from ui.conv_channels import section_body
from ui.conv_controls import (
    FILTERS,
    MODES,
    SIDE,
    arithmetic,
    conv_controls,
    current_matrix,
    default_matrices,
    edit_matrix,
    example_select,
    formula,
    get,
    key,
    pair_input,
    rect_toggle,
    show_problem,
    start_section,
    tables_folded,
    walk,
    window_figures,
)
from ui.conv_derivation import corr2d_fold, derivation, pool_slip
from ui.conv_photo import channel_controls, photo_tensor, show_output, upload_tensor
from ui.conv_url import page_url, pin_ui
from ui.text import show
from ui.widgets import file_uploader, matrix_table, plot

t = start_page()
S = st.session_state
URL = page_url()


def share() -> None:
    """Put the section's settings in the URL; in teacher mode, offer to pin them for the class."""
    params = URL.write()
    if viewer().teacher:
        pin_ui(params)


# --- sections ----------------------------------------------------------------------------------


@st.fragment
def matrix_section() -> None:
    start_section("matrix")
    left, right = st.columns(SIDE, gap="large")
    wide = st.container()  # editors too wide for the side column
    with left:
        example_select("matrix")
        rect_toggle()
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        settings = conv_controls(kernel_size)
        bias = st.number_input(t("conv.bias"), -10.0, 10.0, step=1.0, key=key("bias"), persist_state="session")
        x_default, k_default = default_matrices("matrix", size, kernel_size)
        x = edit_matrix("x", current_matrix("x", size, x_default), t("conv.input_matrix"), wide)
        kernel = edit_matrix("k", current_matrix("k", kernel_size, k_default), t("conv.kernel_matrix"), wide)

    result = ops.conv2d_matrix(x, kernel, settings, bias)
    with right:
        formula(result.geometry)
        derivation(result.geometry)
        if result.output is None:
            show_problem(result.geometry)
            share()
            return
        out_h, out_w = result.output.shape
        st.code(
            f"conv = {settings.code()}\n"
            f"x = torch.randn(1, 1, {size[0]}, {size[1]})   # (N, C_in, H, W)\n"
            f"conv(x).shape                   # torch.Size([1, 1, {out_h}, {out_w}])",
            language="python",
            wrap_lines=True,
        )

        def draw(row: int, col: int) -> None:
            window = ops.conv_window(result, settings, kernel, bias, row, col)
            window_figures(result, window)
            st.markdown(t("conv.cell", row=row, col=col))
            st.code(arithmetic(window, kernel), language=None, wrap_lines=True)

        walk(out_h, out_w, draw, "conv.step", URL.write)
        corr2d_fold(result, kernel, settings, bias)
        tables_folded((t("conv.padded_input"), result.padded), (t("conv.output"), result.output))
    share()


@st.fragment
def channels_section() -> None:
    section_body(share)


@st.fragment
def image_section() -> None:
    start_section("image")
    left, right = st.columns(SIDE, gap="large")
    wide = st.container()  # editors too wide for the side column
    with left:
        source = st.selectbox(
            t("conv.photo"),
            [*sample_photos(), "upload"],
            format_func=lambda p: t("conv.upload") if p == "upload" else p,
            key=key("photo"),
            persist_state="session",
        )
        upload = None
        if source == "upload":
            upload = file_uploader(
                t("conv.upload"),
                type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"],
                key=key("upload_file"),
            )
        kernel_name = st.selectbox(
            t("conv.image_kernel"),
            FILTERS,
            format_func=lambda k: t(f"conv.k_{k}"),
            key=key("filter"),
            persist_state="session",
        )
        rect_toggle()
        if kernel_name == "custom":
            kernel_size = pair_input("kernel", t("conv.kernel"))
            identity = np.zeros(kernel_size)
            identity[kernel_size[0] // 2, kernel_size[1] // 2] = 1
            kernel = edit_matrix("k", current_matrix("k", kernel_size, identity), t("conv.kernel_matrix"), wide)
        else:
            kernel = np.asarray(ops.IMAGE_KERNELS[kernel_name])
            st.table(matrix_table(kernel))
        gray = (
            st.radio(
                t("conv.colour"),
                ["gray", "rgb"],
                format_func=lambda c: t(f"conv.colour_{c}"),
                key=key("channels"),
                horizontal=True,
                persist_state="session",
            )
            == "gray"
        )
        settings = conv_controls(kernel.shape, channels=1 if gray else 3, bias=False)
        settings, mix, kernel = channel_controls(settings, kernel, wide)
        mapping = st.radio(
            t("conv.mapping"),
            ["clip", "rescale"],
            format_func=lambda m: t(f"conv.mapping_{m}"),
            key=key("map"),
            horizontal=True,
            persist_state="session",
        )
        image = None if source == "upload" else photo_tensor(source, gray)
        picture = (source, gray)
        if upload is not None:
            try:
                pixels, notes = upload_tensor(upload.getvalue(), upload.name, gray)
                image, picture = torch.from_numpy(pixels), (upload.file_id, gray)
                for note in notes:
                    show(note, "caption")
            except UserError as exc:
                show(exc.message)
    share()
    if image is None:
        right.info(t("conv.upload_prompt"))
        return
    geometry = conv_geometry(settings, tuple(image.shape))
    with right:
        formula(geometry)
        derivation(geometry)
        if geometry.problem is not None:
            show_problem(geometry)
            return
        out = show_output(image, picture, kernel, settings, mix, mapping)
        st.caption(
            t(f"conv.mapping_{mapping}_note", low=format_number(float(out.min())), high=format_number(float(out.max())))
        )


@st.fragment
def pool_section() -> None:
    start_section("pool")
    left, right = st.columns(SIDE, gap="large")
    wide = st.container()  # editors too wide for the side column
    with left:
        example_select("pool")
        kind = st.radio(
            t("conv.pool_kind"),
            ["max", "avg"],
            format_func=lambda k: t(f"conv.pool_{k}"),
            key=key("kind"),
            horizontal=True,
            persist_state="session",
        )
        rect_toggle()
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        default_stride = st.checkbox(t("conv.stride_is_kernel"), key=key("stride_default"), persist_state="session")
        stride = None if default_stride else pair_input("stride", t("conv.stride"))
        padding = pair_input("padding", t("conv.padding"))
        dilation = pair_input("dilation", t("conv.dilation")) if kind == "max" else (1, 1)
        ceil_mode = st.checkbox("ceil_mode", key=key("ceil_mode"), persist_state="session")
        x = edit_matrix(
            "x", current_matrix("x", size, default_matrices("pool", size, (1, 1))[0]), t("conv.input_matrix"), wide
        )
    settings = PoolSettings(
        kind=kind, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode
    )
    result = ops.pool2d_matrix(x, settings)
    with right:
        formula(result.geometry, ceil_mode)
        derivation(result.geometry, ceil_mode)
        if result.output is None:
            show_problem(result.geometry)
            share()
            return
        out_h, out_w = result.output.shape
        st.code(
            f"pool = {settings.code()}\npool(x)   # (1, 1, {size[0]}, {size[1]}) -> (1, 1, {out_h}, {out_w})",
            language="python",
            wrap_lines=True,
        )
        st.caption(t("conv.pool_no_params"))
        pool_slip(x, kind)

        def draw(row: int, col: int) -> None:
            window = ops.pool_window(result, settings, row, col)
            window_figures(result, window)
            values = ", ".join(format_number(v) for v in window.patch.ravel())
            st.code(f"{kind}({values}) = {format_number(window.value)}", language=None, wrap_lines=True)

        walk(out_h, out_w, draw, "conv.step", URL.write)
        if kind == "avg":
            pooled, error = ops.integer_avg_pool(x, settings)
            st.info(t("conv.avg_int", error=error))
            st.table(matrix_table(pooled))
        tables_folded((None, result.output))
    share()


@st.fragment
def activation_section() -> None:
    start_section("act")
    left, right = st.columns(SIDE, gap="large")
    wide = st.container()  # editors too wide for the side column
    with left:
        chosen = st.multiselect(
            t("conv.act_choose"),
            ops.ACTIVATIONS,
            key=key("acts"),
            persist_state="session",
            placeholder=t("common.choose_options"),
        )
        alpha = st.slider(t("conv.alpha"), 0.0, 1.0, step=0.01, key=key("alpha"), persist_state="session")
        held = np.asarray(get("x"), dtype=float)
        x = edit_matrix("x", current_matrix("x", held.shape, held), t("conv.input_matrix"), wide)
    with right:
        xs = torch.linspace(-5, 5, 201)
        curves = {name: ops.activate(name, xs, alpha).numpy() for name in chosen if name != "Softmax"}
        plot(curves_figure(xs.numpy(), curves), key="conv.act_fig")
        if "Softmax" in chosen:
            st.caption(t("conv.softmax_note"))
        for name in chosen:
            with st.container(border=True):
                st.markdown(f"**{name}** · `nn.{name}()`")
                st.latex(ops.ACTIVATION_FORMULAS[name])
                st.write(t(f"conv.act_{name}"))
                st.table(matrix_table(ops.activate(name, torch.tensor(x), alpha).numpy().round(4)))
    share()


@st.fragment
def transposed_section() -> None:
    start_section("transposed")
    left, right = st.columns(SIDE, gap="large")
    wide = st.container()  # editors too wide for the side column
    with left:
        rect_toggle()
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        stride = pair_input("stride", t("conv.stride"))
        padding = pair_input("padding", t("conv.padding"))
        output_padding = pair_input("output", t("conv.output_padding"))
        dilation = pair_input("dilation", t("conv.dilation"))
        x_default, k_default = default_matrices("transposed", size, kernel_size)
        x = edit_matrix("x", current_matrix("x", size, x_default), t("conv.input_matrix"), wide)
        kernel = edit_matrix("k", current_matrix("k", kernel_size, k_default), t("conv.kernel_matrix"), wide)
    settings = ConvTransposeSettings(
        kernel_size=kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    result = ops.conv_transpose_matrix(x, kernel, settings)
    with right:
        formula(result.geometry)
        derivation(result.geometry, output_padding=output_padding)
        if result.output is None:
            show_problem(result.geometry)
            share()
            return
        st.write(t("conv.transposed_intro"))
        st.code(
            f"up = {settings.code()}\nup(x)   # (1, 1, {size[0]}, {size[1]}) -> (1, 1, {result.output.shape[0]}, {result.output.shape[1]})",
            language="python",
            wrap_lines=True,
        )

        def draw(row: int, col: int) -> None:
            # input and scatter side by side, the output under them: three heatmaps in a row cut the input's columns
            a, b = st.columns([max(size[1], 3) + 1, result.full.shape[1] + 1])
            c = st.columns(
                [result.output.shape[1] + 1, max(result.full.shape[1] - result.output.shape[1], 0) + size[1] + 2]
            )[0]
            with a:
                plot(matrix_figure(x, title=t("conv.input_matrix"), highlight=[(row, col)]), key="conv.fig_tin")
            with b:
                scatter = result.scatters[(row, col)]
                cells = [
                    (r, cc) for r, cc in zip(*np.nonzero(_footprint(settings, row, col, scatter.shape)), strict=False)
                ]
                plot(
                    matrix_figure(scatter, title=t("conv.scatter"), highlight=cells, colorscale="Greens"),
                    key="conv.fig_scatter",
                )
            with c:
                plot(matrix_figure(result.output, title=t("conv.output"), colorscale="Oranges"), key="conv.fig_tout")
            st.caption(
                t("conv.scatter_note", v=format_number(x[row, col]), row=row, col=col, crop=format_pair(result.crop))
            )

        walk(size[0], size[1], draw, "conv.input_cell", URL.write)
        tables_folded((None, result.output))
    share()


def _footprint(settings: ConvTransposeSettings, row: int, col: int, shape) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    (kh, kw), (sh, sw), (dh, dw) = settings.kernel_size, settings.stride, settings.dilation
    mask[row * sh : row * sh + dh * (kh - 1) + 1 : dh, col * sw : col * sw + dw * (kw - 1) + 1 : dw] = True
    return mask


# --- the page ----------------------------------------------------------------------------------

st.title(t("conv.title"))
st.write(t("conv.intro"))
for problem in URL.read():
    show(problem, "warning")
S.setdefault("conv.mode", "matrix")
mode = st.segmented_control(
    t("conv.mode"), MODES, format_func=lambda m: t(f"conv.mode_{m}"), key="conv.mode", required=True
)
{
    "matrix": matrix_section,
    "channels": channels_section,
    "image": image_section,
    "pool": pool_section,
    "act": activation_section,
    "transposed": transposed_section,
}[mode]()
