"""Convolution explorer: move kernel, stride, padding and dilation and watch the output change.

Sections (the `mode` URL parameter): matrix, image, pool, act, transposed.
URL parameters (read and written here): size, kernel, stride, padding, dilation (each `N` or `HxW`;
padding also `same`/`valid`), mode, preset.
Session-state keys: all widget keys start with "conv." and live only on this page.
In teacher mode the settings in the URL can be pinned for the class (core.classroom), shown on the home page.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pandas as pd
import streamlit as st
import torch

import ui
from core import classroom, ops
from core.figures import curves_figure, format_number, matrix_figure
from core.geometry import PADDING_MODES, ConvSettings, ConvTransposeSettings, PoolSettings, conv_geometry
from core.i18n import Message, UserError
from core.images import decode_image, image_to_tensor, sample_photos, to_gray, upload_limits
from core.settings import Settings
from core.urlstate import format_pair, parse_choice, parse_pair

ui.leave_folder_mode()
t = ui.translator()

MODES = ("matrix", "image", "pool", "act", "transposed")
# Golden examples from the curriculum (SEEDS.md); each preset fills the input and the kernel.
PRESETS = {
    "matrix": {
        "A": (
            [[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]],
            [[1, 2, 1], [0, 1, 0], [2, 1, 0]],
        ),
        "B": ([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], [[2, 0, 1], [0, 1, 2], [1, 0, 2]]),
    },
    "pool": {
        "P4": ([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], None),
        "A": ([[1, 2, 0, 3, 1], [0, 1, 2, 3, 1], [1, 2, 1, 0, 0], [5, 2, 3, 1, 1], [2, 1, 0, 1, 1]], None),
        "G3": ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], None),
    },
    "transposed": {"T": ([[0, 1], [2, 3]], [[0, 1], [2, 3]])},
}
# (URL name, widget key prefix, lowest, highest, default) for each "N or HxW" setting
PAIRS = [
    ("size", "conv.size", 1, 12, (5, 5)),
    ("kernel", "conv.kernel", 1, 7, (3, 3)),
    ("stride", "conv.stride", 1, 4, (1, 1)),
    ("padding", "conv.padding", 0, 4, (0, 0)),
    ("dilation", "conv.dilation", 1, 3, (1, 1)),
]
URL_KEYS = [name for name, *_ in PAIRS] + ["mode", "preset"]
S = st.session_state
SETTINGS = Settings.from_env()


# --- URL state ---------------------------------------------------------------------------------


def read_url() -> list:
    """Copy the URL's settings into the widgets when the URL came from outside; return its problems."""
    params = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    if params == S.get("conv._url"):
        return []
    problems = []
    for name, key, low, high, default in PAIRS:
        raw = params.get(name)
        if raw is None:
            continue
        if name == "padding" and raw.strip().lower() in ("same", "valid"):
            S["conv.pad_kind"] = raw.strip().lower()
            continue
        (h, w), problem = parse_pair(raw, name, low, high, default)
        S[f"{key}_h"], S[f"{key}_w"] = h, w
        if name == "padding":
            S["conv.pad_kind"] = "number"
        if h != w:
            S["conv.rect"] = True
        problems += [problem] if problem else []
    if "mode" in params:
        S["conv.mode"], problem = parse_choice(params["mode"], "mode", MODES, "matrix")
        problems += [problem] if problem else []
    if "preset" in params:
        choices = list(PRESETS.get(S.get("conv.mode", "matrix"), {})) + ["random"]
        S["conv.preset"], problem = parse_choice(params["preset"], "preset", choices, choices[0])
        problems += [problem] if problem else []
    return problems


def write_url(mode: str) -> None:
    """Put the current settings in the URL, so the view can be shared as a link."""
    params = {"mode": mode}
    for name, key, *_ in PAIRS:
        if f"{key}_h" in S:
            params[name] = format_pair((S[f"{key}_h"], S[f"{key}_w"]))
    if S.get("conv.pad_kind", "number") != "number":
        params["padding"] = S["conv.pad_kind"]
    if "conv.preset" in S:
        params["preset"] = S["conv.preset"]
    for k in URL_KEYS:
        if k not in params and k in st.query_params:
            del st.query_params[k]
    st.query_params.update(params)
    S["conv._url"] = params


# --- controls ----------------------------------------------------------------------------------


def pair_input(name: str, label: str, low: int, high: int, default: tuple[int, int]) -> tuple[int, int]:
    """Draw one slider (square) or two (H and W) for a setting; return (h, w)."""
    key = f"conv.{name}"
    for suffix, value in zip(("_h", "_w"), default, strict=False):
        S.setdefault(key + suffix, value)
    if not S.get("conv.rect"):
        S[key + "_w"] = S[key + "_h"]
        h = st.slider(label, low, high, key=key + "_h", persist_state="session")
        return h, h
    left, right = st.columns(2)
    h = left.slider(f"{label} (H)", low, high, key=key + "_h", persist_state="session")
    w = right.slider(f"{label} (W)", low, high, key=key + "_w", persist_state="session")
    return h, w


def load_preset(mode: str) -> None:
    """Callback: a chosen golden preset sets the input size, kernel and the plain settings."""
    x, kernel = PRESETS.get(mode, {}).get(S["conv.preset"], (None, None))
    if x is None:
        return
    S["conv.size_h"], S["conv.size_w"] = len(x), len(x[0])
    if kernel is not None:
        S["conv.kernel_h"], S["conv.kernel_w"] = len(kernel), len(kernel[0])
    elif S["conv.preset"] == "A":  # the curriculum pools matrix A with a 3x3 window
        S["conv.kernel_h"] = S["conv.kernel_w"] = 3
    else:
        S["conv.kernel_h"] = S["conv.kernel_w"] = 2
    S["conv.stride_h"] = S["conv.stride_w"] = 1
    S["conv.padding_h"] = S["conv.padding_w"] = 0
    S["conv.dilation_h"] = S["conv.dilation_w"] = 1
    S["conv.pad_kind"] = "number"


def preset_select(mode: str) -> None:
    """Draw the choice of golden example for a section; choosing one loads it."""
    st.selectbox(
        t("conv.preset"),
        [*PRESETS[mode], "random"],
        format_func=lambda p: t(f"conv.preset_{p}"),
        key="conv.preset",
        on_change=load_preset,
        args=(mode,),
    )


def preset_matrices(mode: str, size: tuple[int, int], kernel_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the preset's input and kernel, grown or cut to the chosen sizes (extra cells: seeded random)."""
    x_preset, k_preset = PRESETS.get(mode, {}).get(S.get("conv.preset"), (None, None))
    rng = np.random.default_rng(size[0] * 100 + size[1])
    x = rng.integers(0, 6, size).astype(float)
    kernel = np.random.default_rng(kernel_size[0] * 10 + kernel_size[1]).integers(-1, 3, kernel_size).astype(float)
    for target, source in ((x, x_preset), (kernel, k_preset)):
        if source is not None:
            source = np.asarray(source, dtype=float)[: target.shape[0], : target.shape[1]]
            target[: source.shape[0], : source.shape[1]] = source
    return x, kernel


def matrix_editor(values: np.ndarray, label: str, key: str) -> np.ndarray:
    """Draw an editable matrix; return its values (an emptied cell counts as 0)."""
    st.caption(label)
    edited = st.data_editor(pd.DataFrame(values), key=key, hide_index=True, width="content")
    return edited.apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=float)


def show_problem(geometry, apply_fix) -> None:
    """Show why the settings are invalid and offer the nearest valid ones as one click."""
    ui.show(geometry.problem)
    if geometry.fix is not None:
        st.button(
            t("conv.apply_fix"), on_click=apply_fix, args=(geometry.fix,), key="conv.fix", icon=":material/build:"
        )


def apply_fix(fix) -> None:
    """Callback: set the widgets to the settings geometry proposed as the nearest valid ones."""
    padding_max = next(high for _, key, _, high, _ in PAIRS if key == "conv.padding")
    if S.get("conv.pad_kind") == "same" and not isinstance(fix.padding, str) and max(fix.padding) > padding_max:
        # "same" at stride > 1: the padding it stands for is past the slider, so take the rule's
        # other way out, stride 1, which keeps "same"
        fix = dataclasses.replace(fix, padding="same", stride=(1, 1))
    for field, key in (
        ("kernel_size", "kernel"),
        ("stride", "stride"),
        ("dilation", "dilation"),
        ("output_padding", "output"),
    ):
        value = getattr(fix, field, None)
        if value is not None:
            S[f"conv.{key}_h"], S[f"conv.{key}_w"] = value
            S["conv.rect"] = S.get("conv.rect") or value[0] != value[1]
    if isinstance(fix, PoolSettings):
        S["conv.pool_stride_default"] = fix.stride is None
    if isinstance(fix.padding, str):
        S["conv.pad_kind"] = fix.padding
    else:
        S["conv.pad_kind"] = "number"
        S["conv.padding_h"], S["conv.padding_w"] = fix.padding
        S["conv.rect"] = S.get("conv.rect") or fix.padding[0] != fix.padding[1]
    if hasattr(fix, "padding_mode"):
        S["conv.padding_mode"] = fix.padding_mode


def formula(geometry) -> None:
    """Show the output-size formula for H and W with the numbers in, and the output shape."""
    for dim in geometry.dims:
        st.latex(rf"{dim.axis}_{{out}} = {dim.latex}")
    with st.expander(t("conv.formula_text")):
        st.code("\n".join(f"{d.axis}_out = {d.formula}" for d in geometry.dims), language=None)
    if geometry.out_shape is not None:
        st.metric(t("conv.output_shape"), " × ".join(str(v) for v in geometry.out_shape[1:]))
        rows, cols = (dim.uncovered for dim in geometry.dims)
        if rows or cols:
            st.info(t("conv.uncovered", rows=rows, cols=cols))


def walk(n_rows: int, n_cols: int, draw) -> None:
    """Step (or play) through the output cells; draw(row, col) shows one step."""
    total = n_rows * n_cols
    if S.get("conv.step", 1) > total:
        S["conv.step"] = 1
    playing = st.toggle(t("conv.play"), key="conv.playing")

    @st.fragment(run_every=0.9 if playing else None)
    def step_area() -> None:
        if playing and total > 1:
            S["conv.step"] = S.get("conv.step", 1) % total + 1
        step = st.slider(t("conv.step"), 1, max(total, 2), key="conv.step", disabled=total == 1) if total > 1 else 1
        draw((step - 1) // n_cols, (step - 1) % n_cols)

    step_area()


def window_figures(result: ops.GridResult, window: ops.Window) -> None:
    """Draw the padded input with the window outlined, next to the output with its cell outlined."""
    left, right = st.columns([result.padded.shape[1], max(result.output.shape[1], 3)])
    with left:
        cells = [(r, c) for r in window.rows for c in window.cols]
        figure = matrix_figure(result.padded, title=t("conv.padded_input"), pad_mask=result.pad_mask, highlight=cells)
        ui.plot(figure, key="conv.fig_in")
    with right:
        figure = matrix_figure(
            result.output, title=t("conv.output"), highlight=[(window.out_row, window.out_col)], colorscale="Oranges"
        )
        ui.plot(figure, key="conv.fig_out")


def arithmetic(window, kernel: np.ndarray | None) -> str:
    """Return the window's arithmetic as one line: 1×1 + 2×2 + ... = 10 (+ bias)."""
    if kernel is None:
        return ""
    terms = " + ".join(
        f"{format_number(p)}×{format_number(k)}"
        for p, k in zip(window.patch.ravel(), np.asarray(kernel).ravel(), strict=False)
    )
    line = f"{terms} = {format_number(window.total)}"
    if window.bias:
        line += f";  {format_number(window.total)} + {format_number(window.bias)} = {format_number(window.value)}"
    return line


# --- sections ----------------------------------------------------------------------------------


def conv_controls(kernel_size: tuple[int, int], channels: int = 1, bias: bool = True) -> ConvSettings:
    """Draw stride, padding, dilation and padding_mode; return the settings they describe.

    Several channels are convolved one by one with the same kernel (groups = channels).
    """
    stride = pair_input("stride", t("conv.stride"), 1, 4, (1, 1))
    pad_kind = st.radio(
        t("conv.pad_kind"),
        ["number", "same", "valid"],
        format_func=lambda k: t(f"conv.pad_{k}"),
        key="conv.pad_kind",
        horizontal=True,
        persist_state="session",
    )
    padding = pair_input("padding", t("conv.padding"), 0, 4, (0, 0)) if pad_kind == "number" else pad_kind
    dilation = pair_input("dilation", t("conv.dilation"), 1, 3, (1, 1))
    padding_mode = st.selectbox(t("conv.padding_mode"), PADDING_MODES, key="conv.padding_mode", persist_state="session")
    return ConvSettings(
        in_channels=channels,
        out_channels=channels,
        kernel_size=tuple(kernel_size),
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=channels,
        bias=bias,
        padding_mode=padding_mode,
    )


def matrix_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        preset_select("matrix")
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"), 1, 12, (5, 5))
        kernel_size = pair_input("kernel", t("conv.kernel"), 1, 7, (3, 3))
        settings = conv_controls(kernel_size)
        bias = st.number_input(t("conv.bias"), -10.0, 10.0, 0.0, 1.0, key="conv.bias")
        x, kernel = preset_matrices("matrix", size, kernel_size)
        tag = f"{S.get('conv.preset')}_{size}_{kernel_size}"
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.x_{tag}")
        kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.k_{tag}")

    result = ops.conv2d_matrix(x, kernel, settings, bias)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry, apply_fix)
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
            st.table(ui.matrix_table(result.padded))
            st.caption(t("conv.output"))
            st.table(ui.matrix_table(result.output))


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
            upload = ui.file_uploader(
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
            kernel_size = pair_input("kernel", t("conv.kernel"), 1, 7, (3, 3))
            kernel = np.zeros(kernel_size)
            kernel[kernel_size[0] // 2, kernel_size[1] // 2] = 1
            kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.imgk_{kernel_size}")
        else:
            kernel = np.asarray(ops.IMAGE_KERNELS[kernel_name])
            st.table(ui.matrix_table(kernel))
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
                    ui.show(note, "caption")
            except UserError as exc:
                ui.show(exc.message)
    if image is None:
        right.info(t("conv.upload_prompt"))
        return
    geometry = conv_geometry(settings, tuple(image.shape))
    with right:
        formula(geometry)
        if geometry.problem is not None:
            show_problem(geometry, apply_fix)
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
        if S.get("conv.preset") not in [*PRESETS["pool"], "random"]:
            S["conv.preset"] = "P4"
            load_preset("pool")
        preset_select("pool")
        kind = st.radio(
            t("conv.pool_kind"),
            ["max", "avg"],
            format_func=lambda k: t(f"conv.pool_{k}"),
            key="conv.pool_kind",
            horizontal=True,
        )
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"), 1, 12, (4, 4))
        kernel_size = pair_input("kernel", t("conv.kernel"), 1, 7, (2, 2))
        S.setdefault("conv.pool_stride_default", True)
        default_stride = st.checkbox(t("conv.stride_is_kernel"), key="conv.pool_stride_default")
        stride = None if default_stride else pair_input("stride", t("conv.stride"), 1, 4, (1, 1))
        padding = pair_input("padding", t("conv.padding"), 0, 4, (0, 0))
        dilation = pair_input("dilation", t("conv.dilation"), 1, 3, (1, 1)) if kind == "max" else (1, 1)
        ceil_mode = st.checkbox("ceil_mode", key="conv.ceil_mode")
        x, _ = preset_matrices("pool", size, kernel_size)
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.px_{S.get('conv.preset')}_{size}")
    settings = PoolSettings(
        kind=kind, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode
    )
    result = ops.pool2d_matrix(x, settings)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry, apply_fix)
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
            st.table(ui.matrix_table(pooled))
        with st.expander(t("common.as_table")):
            st.table(ui.matrix_table(result.output))


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
        ui.plot(curves_figure(xs.numpy(), curves), key="conv.act_fig")
        if "Softmax" in chosen:
            st.caption(t("conv.softmax_note"))
        for name in chosen:
            with st.container(border=True):
                st.markdown(f"**{name}** · `nn.{name}()`")
                st.latex(ops.ACTIVATION_FORMULAS[name])
                st.write(t(f"conv.act_{name}"))
                st.table(ui.matrix_table(ops.activate(name, torch.tensor(x), alpha).numpy().round(4)))


def transposed_section() -> None:
    left, right = st.columns([1, 2], gap="large")
    with left:
        S["conv.preset"] = "T"
        st.toggle(t("conv.rect"), key="conv.rect", persist_state="session")
        size = pair_input("size", t("conv.size"), 1, 6, (2, 2))
        kernel_size = pair_input("kernel", t("conv.kernel"), 1, 5, (2, 2))
        stride = pair_input("stride", t("conv.stride"), 1, 4, (1, 1))
        padding = pair_input("padding", t("conv.padding"), 0, 4, (0, 0))
        output_padding = pair_input("output", t("conv.output_padding"), 0, 3, (0, 0))
        dilation = pair_input("dilation", t("conv.dilation"), 1, 3, (1, 1))
        x, kernel = preset_matrices("transposed", size, kernel_size)
        x = matrix_editor(x, t("conv.input_matrix"), f"conv.tx_{size}")
        kernel = matrix_editor(kernel, t("conv.kernel_matrix"), f"conv.tk_{kernel_size}")
    settings = ConvTransposeSettings(
        kernel_size=kernel_size, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    result = ops.conv_transpose_matrix(x, kernel, settings)
    with right:
        formula(result.geometry)
        if result.output is None:
            show_problem(result.geometry, apply_fix)
            return
        st.write(t("conv.transposed_intro"))
        st.code(
            f"up = {settings.code()}\nup(x)   # (1, 1, {size[0]}, {size[1]}) -> (1, 1, {result.output.shape[0]}, {result.output.shape[1]})",
            language="python",
        )

        def draw(row: int, col: int) -> None:
            a, b, c = st.columns([max(size[1], 2), result.full.shape[1], max(result.output.shape[1], 2)])
            with a:
                ui.plot(matrix_figure(x, title=t("conv.input_matrix"), highlight=[(row, col)]), key="conv.fig_tin")
            with b:
                scatter = result.scatters[(row, col)]
                cells = [
                    (r, cc) for r, cc in zip(*np.nonzero(_footprint(settings, row, col, scatter.shape)), strict=False)
                ]
                ui.plot(
                    matrix_figure(scatter, title=t("conv.scatter"), highlight=cells, colorscale="Greens"),
                    key="conv.fig_scatter",
                )
            with c:
                ui.plot(matrix_figure(result.output, title=t("conv.output"), colorscale="Oranges"), key="conv.fig_tout")
            st.caption(
                t("conv.scatter_note", v=format_number(x[row, col]), row=row, col=col, crop=format_pair(result.crop))
            )

        walk(size[0], size[1], draw)
        with st.expander(t("common.as_table")):
            st.table(ui.matrix_table(result.output))


def _footprint(settings: ConvTransposeSettings, row: int, col: int, shape) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    (kh, kw), (sh, sw), (dh, dw) = settings.kernel_size, settings.stride, settings.dilation
    mask[row * sh : row * sh + dh * (kh - 1) + 1 : dh, col * sw : col * sw + dw * (kw - 1) + 1 : dw] = True
    return mask


def pin(params: dict[str, str]) -> None:
    """Callback (teacher): pin these URL settings on the class board under the typed title."""
    try:
        classroom.publish_pin(ui.settings().runs_dir, S.get("conv.pin_title", ""), params)
        S["conv._pinned"] = S["conv.pin_title"]
    except UserError as exc:
        S["conv._pin_problem"] = exc.message


def pin_ui(params: dict[str, str]) -> None:
    with st.expander(t("class.publish_pin"), icon=":material/push_pin:"):
        st.text_input(t("class.publish_title"), key="conv.pin_title", max_chars=classroom.MAX_TITLE)
        st.button(t("class.publish"), key="conv.pin", on_click=pin, args=(dict(params),))
        if "conv._pinned" in S:
            ui.show(Message("class.published", {"title": S.pop("conv._pinned")}), "success")
        if "conv._pin_problem" in S:
            ui.show(S.pop("conv._pin_problem"))


# --- the page ----------------------------------------------------------------------------------

st.title(t("conv.title"))
st.write(t("conv.intro"))
url_problems = read_url()
for problem in url_problems:
    ui.show(problem, "warning")
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
write_url(mode)
if ui.viewer().teacher:
    pin_ui(S["conv._url"])
