"""The Convolution page's controls and drawings that its sections share.

:data:`RANGES` is the one table of slider ranges, per section: :func:`pair_input` draws its sliders
from it and :func:`page_url` clamps a shared link to it, so a link can never set a value its slider
cannot show. Session-state keys start with "conv." (the page lists them).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from core import ops
from core.examples import MATRIX_EXAMPLES
from core.figures import matrix_figure
from core.formatting import format_number
from core.i18n import Message
from core.layer_settings import PADDING_MODES, ConvSettings, PoolSettings
from ui.text import show, t
from ui.urlstate import PageUrl, Param, choice_param, pair_param
from ui.widgets import drop_impossible_edits, plot

S = st.session_state
MODES = ("matrix", "image", "pool", "act", "transposed")
PAD_KINDS = ("number", "same", "valid")
# (lowest, highest, default) of each "N or HxW" setting, per section: the sliders and shared links both use these
_CONV = {"stride": (1, 4, (1, 1)), "padding": (0, 4, (0, 0)), "dilation": (1, 3, (1, 1))}
RANGES: dict[str, dict[str, tuple[int, int, tuple[int, int]]]] = {
    "matrix": {"size": (1, 12, (5, 5)), "kernel": (1, 7, (3, 3)), **_CONV},
    "image": {"kernel": (1, 7, (3, 3)), **_CONV},
    "pool": {"size": (1, 12, (4, 4)), "kernel": (1, 7, (2, 2)), **_CONV},
    "act": {},
    "transposed": {"size": (1, 6, (2, 2)), "kernel": (1, 5, (2, 2)), **_CONV, "output": (0, 3, (0, 0))},
}
PAIR_NAMES = ("size", "kernel", "stride", "padding", "dilation")  # the "N or HxW" settings a link may carry


def section() -> str:
    return S.get("conv.mode", "matrix")


def _bounds(name: str) -> tuple[int, int, tuple[int, int]]:
    """Return the range of ``name`` in the current section (the widest of all sections where it has none)."""
    ranges = RANGES[section()]
    if name in ranges:
        return ranges[name]
    found = [r[name] for r in RANGES.values() if name in r]
    return min(r[0] for r in found), max(r[1] for r in found), found[0][2]


# --- the URL -------------------------------------------------------------------------------------------


def _shown_apart(h: int, w: int) -> None:
    if h != w:
        S["conv.rect"] = True


def _padding_param() -> Param:
    """`padding`: a number or HxW like the others, or the words `same` / `valid`."""
    numbers = pair_param("padding", "conv.padding", lambda: _bounds("padding"), _shown_apart)

    def read(raw: str) -> Message | None:
        word = raw.strip().lower()
        if word in ("same", "valid"):
            S["conv.pad_kind"] = word
            return None
        S["conv.pad_kind"] = "number"
        return numbers.read(raw)

    def write() -> str | None:
        kind = S.get("conv.pad_kind", "number")
        return kind if kind != "number" else numbers.write()

    return Param("padding", read, write)


def page_url() -> PageUrl:
    """Return the Convolution page's URL parameters: section first, then its example and sizes."""
    pairs = [
        _padding_param()
        if name == "padding"
        else pair_param(name, f"conv.{name}", lambda name=name: _bounds(name), _shown_apart)
        for name in PAIR_NAMES
    ]
    examples = choice_param(
        "preset", "conv.preset", lambda: [*MATRIX_EXAMPLES.get(section(), {}), "random"], default=None
    )
    return PageUrl("convolution", [choice_param("mode", "conv.mode", lambda: MODES, "matrix"), examples, *pairs])


# --- controls ----------------------------------------------------------------------------------------


def pair_input(name: str, label: str) -> tuple[int, int]:
    """Draw one slider (square) or two (H and W) for a setting of the current section; return (h, w)."""
    low, high, default = RANGES[section()][name]
    key = f"conv.{name}"
    for suffix, value in zip(("_h", "_w"), default, strict=True):
        S.setdefault(key + suffix, value)
        S[key + suffix] = min(max(S[key + suffix], low), high)  # another section may allow more
    if not S.get("conv.rect"):
        S[key + "_w"] = S[key + "_h"]
        h = st.slider(label, low, high, key=key + "_h", persist_state="session")
        return h, h
    left, right = st.columns(2)
    h = left.slider(f"{label} (H)", low, high, key=key + "_h", persist_state="session")
    w = right.slider(f"{label} (W)", low, high, key=key + "_w", persist_state="session")
    return h, w


def conv_controls(kernel_size: tuple[int, int], channels: int = 1, bias: bool = True) -> ConvSettings:
    """Draw stride, padding, dilation and padding_mode; return the settings they describe.

    Several channels are convolved one by one with the same kernel (groups = channels).
    """
    stride = pair_input("stride", t("conv.stride"))
    pad_kind = st.radio(
        t("conv.pad_kind"),
        PAD_KINDS,
        format_func=lambda k: t(f"conv.pad_{k}"),
        key="conv.pad_kind",
        horizontal=True,
        persist_state="session",
    )
    padding = pair_input("padding", t("conv.padding")) if pad_kind == "number" else pad_kind
    dilation = pair_input("dilation", t("conv.dilation"))
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


def load_example(mode: str) -> None:
    """Callback: a chosen example sets the input size, the kernel and the plain settings."""
    x, kernel = MATRIX_EXAMPLES.get(mode, {}).get(S["conv.preset"], (None, None))
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


def example_select(mode: str) -> None:
    """Draw the choice of worked example for a section; choosing one loads it."""
    st.selectbox(
        t("conv.preset"),
        [*MATRIX_EXAMPLES[mode], "random"],
        format_func=lambda p: t(f"conv.preset_{p}"),
        key="conv.preset",
        on_change=load_example,
        args=(mode,),
    )


def example_matrices(mode: str, size: tuple[int, int], kernel_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the example's input and kernel, grown or cut to the chosen sizes (extra cells: seeded random)."""
    x_example, k_example = MATRIX_EXAMPLES.get(mode, {}).get(S.get("conv.preset"), (None, None))
    rng = np.random.default_rng(size[0] * 100 + size[1])
    x = rng.integers(0, 6, size).astype(float)
    kernel = np.random.default_rng(kernel_size[0] * 10 + kernel_size[1]).integers(-1, 3, kernel_size).astype(float)
    for target, source in ((x, x_example), (kernel, k_example)):
        if source is not None:
            source = np.asarray(source, dtype=float)[: target.shape[0], : target.shape[1]]
            target[: source.shape[0], : source.shape[1]] = source
    return x, kernel


def matrix_editor(values: np.ndarray, label: str, key: str) -> np.ndarray:
    """Draw an editable matrix; return its values (an emptied cell counts as 0), always of ``values``' shape."""
    st.caption(label)
    rows, cols = values.shape
    drop_impossible_edits(key, list(range(cols)), rows, max_rows=rows)  # a fixed editor: no rows added
    edited = st.data_editor(pd.DataFrame(values), key=key, hide_index=True, width="content")
    return edited.iloc[:rows, :cols].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=float)


# --- invalid settings: the rule and one click to the nearest valid ones ----------------------------------


def show_problem(geometry) -> None:
    """Show why the settings are invalid and offer the nearest valid ones as one click."""
    show(geometry.problem)
    if geometry.fix is not None:
        st.button(
            t("conv.apply_fix"), on_click=apply_fix, args=(geometry.fix,), key="conv.fix", icon=":material/build:"
        )


def apply_fix(fix) -> None:
    """Callback: set the widgets to the settings geometry proposed as the nearest valid ones."""
    padding_max = RANGES[section()].get("padding", RANGES["matrix"]["padding"])[1]
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


# --- results ------------------------------------------------------------------------------------------


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
        plot(figure, key="conv.fig_in")
    with right:
        figure = matrix_figure(
            result.output, title=t("conv.output"), highlight=[(window.out_row, window.out_col)], colorscale="Oranges"
        )
        plot(figure, key="conv.fig_out")


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
