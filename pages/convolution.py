"""Convolution explorer: move kernel, stride, padding and dilation and watch the output change.

Sections (the `mode` URL parameter): matrix, image, pool, act, transposed.
URL parameters (ui.conv_controls.page_url): mode, preset, size, kernel, stride, padding, dilation
(each `N` or `HxW`, clamped to the section's slider range; padding also `same`/`valid`).
Session-state keys: all widget keys start with "conv." and live only on this page.
In teacher mode the settings in the URL can be pinned for the class (core.classroom), shown on the home page.
"""

from __future__ import annotations

import inspect

import numpy as np
import streamlit as st
import torch

from core import classroom, ops
from core.examples import MATRIX_EXAMPLES
from core.figures import curves_figure, matrix_figure
from core.formatting import format_number
from core.geometry import conv_geometry
from core.i18n import Message, UserError
from core.images import decode_image, image_to_tensor, sample_photos, to_gray, upload_limits
from core.layer_settings import ConvTransposeSettings, PoolSettings
from core.runs import RunStore
from core.urlstate import format_pair
from ui.app import settings, start_page
from ui.classroom import viewer
from ui.conv_controls import (
    MODES,
    arithmetic,
    conv_controls,
    example_matrices,
    example_select,
    formula,
    load_example,
    matrix_editor,
    page_url,
    pair_input,
    show_problem,
    walk,
    window_figures,
)
from ui.text import show
from ui.widgets import file_uploader, matrix_table, plot

t = start_page()
S = st.session_state
SETTINGS = settings()
URL = page_url()


# --- sections ----------------------------------------------------------------------------------


def matrix_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        example_select("matrix")
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        settings = conv_controls(kernel_size)
        bias = st.number_input(t("conv.bias"), -10.0, 10.0, 0.0, 1.0, key="conv.bias")
        x, kernel = example_matrices("matrix", size, kernel_size)
        tag = f"{S.get('conv.preset')}_{size}_{kernel_size}"
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.x_{tag}")
        kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.k_{tag}")

    result = ops.conv2d_matrix(x, kernel, settings, bias)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry)
            return
        out_h, out_w = result.output.shape
        st.code(
            f"conv = {settings.code()}\n"
            f"x = torch.randn(1, 1, {size[0]}, {size[1]})   # (N, C_in, H, W)\n"
            f"conv(x).shape                   # torch.Size([1, 1, {out_h}, {out_w}])",
            language="python",
        )

        def draw(row: int, col: int) -> None:
            window = ops.conv_window(result, settings, kernel, bias, row, col)
            window_figures(result, window)
            st.markdown(t("conv.cell", row=row, col=col))
            st.code(arithmetic(window, kernel), language=None)

        walk(out_h, out_w, draw)
        with st.expander(t("conv.corr2d_title")):
            st.write(t("conv.corr2d_intro"))
            st.code(inspect.getsource(ops.corr2d), language="python")
            loops = ops.corr2d(torch.tensor(result.padded), torch.tensor(kernel), settings.stride, settings.dilation)
            loops += bias
            diff = float(np.abs(loops.numpy() - result.output).max())
            st.write(t("conv.corr2d_agree", diff=format_number(diff)))
        with st.expander(t("common.as_table")):
            st.caption(t("conv.padded_input"))
            st.table(matrix_table(result.padded))
            st.caption(t("conv.output"))
            st.table(matrix_table(result.output))


@st.cache_resource(max_entries=4)
def photo_tensor(name: str, gray: bool) -> torch.Tensor:
    """Return a bundled photo as a (C, H, W) tensor, shared read-only by every session."""
    image = sample_photos()[name]
    return image_to_tensor(to_gray(image) if gray else image)


@st.cache_data(max_entries=8, show_spinner=False)
def upload_tensor(data: bytes, name: str, gray: bool) -> tuple[np.ndarray, tuple]:
    """Decode an uploaded photo safely; return its (C, H, W) pixels and the decoder's notes."""
    decoded = decode_image(data, name, **upload_limits(SETTINGS))
    return image_to_tensor(to_gray(decoded.image) if gray else decoded.image).numpy(), decoded.notes


def image_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        source = st.selectbox(
            t("conv.photo"),
            [*sample_photos(), "upload"],
            format_func=lambda p: t("conv.upload") if p == "upload" else p,
            key="conv.photo",
        )
        upload = None
        if source == "upload":
            upload = file_uploader(
                t("conv.upload"),
                type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"],
                key="conv.upload_file",
            )
        S.setdefault("conv.image_kernel", "laplacian")  # edges: the first thing a kernel should show
        kernel_name = st.selectbox(
            t("conv.image_kernel"),
            [*ops.IMAGE_KERNELS, "custom"],
            format_func=lambda k: t(f"conv.k_{k}"),
            key="conv.image_kernel",
        )
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        if kernel_name == "custom":
            kernel_size = pair_input("kernel", t("conv.kernel"))
            kernel = np.zeros(kernel_size)
            kernel[kernel_size[0] // 2, kernel_size[1] // 2] = 1
            kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.imgk_{kernel_size}")
        else:
            kernel = np.asarray(ops.IMAGE_KERNELS[kernel_name])
            st.table(matrix_table(kernel))
        gray = (
            st.radio(
                t("conv.colour"),
                ["gray", "rgb"],
                format_func=lambda c: t(f"conv.colour_{c}"),
                key="conv.image_colour",
                horizontal=True,
            )
            == "gray"
        )
        settings = conv_controls(kernel.shape, channels=1 if gray else 3, bias=False)
        mapping = st.radio(
            t("conv.mapping"),
            ["clip", "rescale"],
            format_func=lambda m: t(f"conv.mapping_{m}"),
            key="conv.mapping",
            horizontal=True,
        )
        image = None if source == "upload" else photo_tensor(source, gray)
        if upload is not None:
            try:
                pixels, notes = upload_tensor(upload.getvalue(), upload.name, gray)
                image = torch.from_numpy(pixels)
                for note in notes:
                    show(note, "caption")
            except UserError as exc:
                show(exc.message)
    if image is None:
        right.info(t("conv.upload_prompt"))
        return
    geometry = conv_geometry(settings, tuple(image.shape))
    with right:
        formula(geometry)
        if geometry.problem is not None:
            show_problem(geometry)
            return
        out = ops.convolve_image(image, kernel, settings)
        st.code(
            f"conv = {settings.code()}   # one {kernel.shape[0]}x{kernel.shape[1]} kernel per channel\n# {tuple(image.shape)} -> {tuple(out.shape)}",
            language="python",
        )
        a, b = st.columns(2)
        a.image(ops.to_pixels(image, "clip"), caption=t("conv.image_in", shape=tuple(image.shape)), width="stretch")
        b.image(ops.to_pixels(out, mapping), caption=t("conv.image_out", shape=tuple(out.shape)), width="stretch")
        st.caption(
            t(f"conv.mapping_{mapping}_note", low=format_number(float(out.min())), high=format_number(float(out.max())))
        )


def pool_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        if S.get("conv.preset") not in [*MATRIX_EXAMPLES["pool"], "random"]:
            S["conv.preset"] = "P4"
            load_example("pool")
        example_select("pool")
        kind = st.radio(
            t("conv.pool_kind"),
            ["max", "avg"],
            format_func=lambda k: t(f"conv.pool_{k}"),
            key="conv.pool_kind",
            horizontal=True,
        )
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        S.setdefault("conv.pool_stride_default", True)
        default_stride = st.checkbox(t("conv.stride_is_kernel"), key="conv.pool_stride_default")
        stride = None if default_stride else pair_input("stride", t("conv.stride"))
        padding = pair_input("padding", t("conv.padding"))
        dilation = pair_input("dilation", t("conv.dilation")) if kind == "max" else (1, 1)
        ceil_mode = st.checkbox("ceil_mode", key="conv.ceil_mode")
        x, _ = example_matrices("pool", size, kernel_size)
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.px_{S.get('conv.preset')}_{size}")
    settings = PoolSettings(
        kind=kind, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode
    )
    result = ops.pool2d_matrix(x, settings)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry)
            return
        out_h, out_w = result.output.shape
        st.code(
            f"pool = {settings.code()}\npool(x)   # (1, 1, {size[0]}, {size[1]}) -> (1, 1, {out_h}, {out_w})",
            language="python",
        )
        st.caption(t("conv.pool_no_params"))

        def draw(row: int, col: int) -> None:
            window = ops.pool_window(result, settings, row, col)
            window_figures(result, window)
            values = ", ".join(format_number(v) for v in window.patch.ravel())
            st.code(f"{kind}({values}) = {format_number(window.value)}", language=None)

        walk(out_h, out_w, draw)
        if kind == "avg":
            pooled, error = ops.integer_avg_pool(x, settings)
            st.info(t("conv.avg_int", error=error))
            st.table(matrix_table(pooled))
        with st.expander(t("common.as_table")):
            st.table(matrix_table(result.output))


def activation_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        chosen = st.multiselect(
            t("conv.act_choose"), ops.ACTIVATIONS, default=["ReLU", "Sigmoid", "Tanh"], key="conv.acts"
        )
        alpha = st.slider(t("conv.alpha"), 0.0, 1.0, 0.1, 0.01, key="conv.alpha")
        x = matrix_editor(np.array([[1, -0.5], [-1, 3]]), t("conv.input_matrix"), "conv.act_x")
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


def transposed_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        S["conv.preset"] = "T"
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"))
        kernel_size = pair_input("kernel", t("conv.kernel"))
        stride = pair_input("stride", t("conv.stride"))
        padding = pair_input("padding", t("conv.padding"))
        output_padding = pair_input("output", t("conv.output_padding"))
        dilation = pair_input("dilation", t("conv.dilation"))
        x, kernel = example_matrices("transposed", size, kernel_size)
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.tx_{size}")
        kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.tk_{kernel_size}")
    settings = ConvTransposeSettings(
        kernel_size=kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    result = ops.conv_transpose_matrix(x, kernel, settings)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry)
            return
        st.write(t("conv.transposed_intro"))
        st.code(
            f"up = {settings.code()}\nup(x)   # (1, 1, {size[0]}, {size[1]}) -> (1, 1, {result.output.shape[0]}, {result.output.shape[1]})",
            language="python",
        )

        def draw(row: int, col: int) -> None:
            a, b, c = st.columns([max(size[1], 2), result.full.shape[1], max(result.output.shape[1], 2)])
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

        walk(size[0], size[1], draw)
        with st.expander(t("common.as_table")):
            st.table(matrix_table(result.output))


def _footprint(settings: ConvTransposeSettings, row: int, col: int, shape) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    (kh, kw), (sh, sw), (dh, dw) = settings.kernel_size, settings.stride, settings.dilation
    mask[row * sh : row * sh + dh * (kh - 1) + 1 : dh, col * sw : col * sw + dw * (kw - 1) + 1 : dw] = True
    return mask


def pin(params: dict[str, str]) -> None:
    """Callback (teacher): pin these URL settings on the class board under the typed title."""
    try:
        classroom.publish_pin(RunStore(SETTINGS.runs_dir), S.get("conv.pin_title", ""), params)
        S["conv._pinned"] = S["conv.pin_title"]
    except UserError as exc:
        S["conv._pin_problem"] = exc.message


def pin_ui(params: dict[str, str]) -> None:
    with st.expander(t("class.publish_pin"), icon=":material/push_pin:"):
        st.text_input(t("class.publish_title"), key="conv.pin_title", max_chars=classroom.MAX_TITLE)
        st.button(t("class.publish"), key="conv.pin", on_click=pin, args=(dict(params),))
        if "conv._pinned" in S:
            show(Message("class.published", {"title": S.pop("conv._pinned")}), "success")
        if "conv._pin_problem" in S:
            show(S.pop("conv._pin_problem"))


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
    "image": image_section,
    "pool": pool_section,
    "act": activation_section,
    "transposed": transposed_section,
}[mode]()
shared = URL.write()
if viewer().teacher:
    pin_ui(shared)
