"""The Convolution page's settings, per section, and the drawings its sections share.

Each section keeps its own settings under "conv.<section>.<name>" (so switching sections never
carries, say, a stride-2 matrix into the transposed section) and starts, the first time it is
opened, on its own worked example (:func:`start_section`). :data:`RANGES` is the one table of
slider ranges: :func:`pair_input` draws its sliders from it and :func:`page_url` clamps a shared
link to it. Every setting a student can change is in the URL, edited matrices included (``x``,
``k`` as ``1,2;3,4``), so a link reopens exactly what was on screen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core import ops
from core.examples import MATRIX_EXAMPLES
from core.figures import matrix_figure
from core.formatting import format_number
from core.images import sample_photos
from core.layer_settings import PADDING_MODES, ConvSettings, PoolSettings
from ui.app import forget_gone_widgets
from ui.text import show, t
from ui.widgets import drop_impossible_edits, folded, matrix_table, plot

S = st.session_state
MODES = ("matrix", "image", "channels", "pool", "act", "transposed")
PAD_KINDS = ("number", "same", "valid")
FILTERS = (*ops.IMAGE_KERNELS, "custom")
# (lowest, highest, default) of each "N or HxW" setting, per section: the sliders and shared links both use these
_CONV = {"stride": (1, 4, (1, 1)), "padding": (0, 4, (0, 0)), "dilation": (1, 3, (1, 1))}
RANGES: dict[str, dict[str, tuple[int, int, tuple[int, int]]]] = {
    "matrix": {"size": (1, 12, (5, 5)), "kernel": (1, 7, (3, 3)), **_CONV},
    "channels": {
        "size": (1, 10, (5, 5)),
        "kernel": (1, 5, (3, 3)),
        "stride": (1, 3, (1, 1)),
        "padding": (0, 2, (0, 0)),
    },
    "image": {"kernel": (1, 7, (3, 3)), **_CONV},
    "pool": {"size": (1, 12, (4, 4)), "kernel": (1, 7, (2, 2)), **_CONV},
    "act": {},
    "transposed": {"size": (1, 6, (2, 2)), "kernel": (1, 5, (2, 2)), **_CONV, "output": (0, 3, (0, 0))},
}
FIRST_EXAMPLE = {"matrix": "A", "pool": "P4", "transposed": "T"}  # what each section opens on
# every other setting a section starts from
DEFAULTS = {
    "matrix": {"pad_kind": "number", "padding_mode": "zeros", "bias": 0.0},
    "channels": {"cin": 3, "cout": 2, "groups": 1, "oc": 0},
    "image": {
        "pad_kind": "number",
        "padding_mode": "zeros",
        "filter": "laplacian",
        "channels": "rgb",
        "map": "clip",
        "combine": "conv2d",
        "cout": 4,
    },
    "pool": {"kind": "max", "stride_default": True, "ceil_mode": False},
    "act": {"acts": ["ReLU", "Sigmoid", "Tanh"], "alpha": 0.1, "x": [[1.0, -0.5], [-1.0, 3.0]]},
    "transposed": {},
}


def section() -> str:
    return S.get("conv.mode", "matrix")


def key(name: str, mode: str | None = None) -> str:
    """Return the session-state key of setting ``name`` in section ``mode`` (the current one by default)."""
    return f"conv.{mode or section()}.{name}"


def get(name: str, default=None):
    return S.get(key(name), default)


def start_section(mode: str | None = None) -> None:
    """Give a section its example and default settings the first time it is opened in this session."""
    forget_gone_widgets()  # a section's fragment reruns alone: its gone editors (another matrix size) go here
    mode = mode or section()
    if S.get(key("started", mode)):
        return
    S[key("started", mode)] = True
    for name, (_, _, value) in RANGES[mode].items():
        S[key(f"{name}_h", mode)], S[key(f"{name}_w", mode)] = value
    for name, value in DEFAULTS[mode].items():
        S[key(name, mode)] = value
    if mode == "image":
        S[key("photo", mode)] = next(iter(sample_photos()))
    if mode in FIRST_EXAMPLE:
        S[key("example", mode)] = FIRST_EXAMPLE[mode]
        load_example(mode)


# --- matrices: the section's input and kernel, kept across size changes ---------------------------------


@functools.lru_cache(maxsize=512)
def _seeded(shape: tuple[int, int], low: int, high: int, seed: int) -> np.ndarray:
    """Whole numbers from ``low`` to ``high - 1`` drawn with ``seed``: the same cells on every rerun (kept, not redrawn)."""
    return np.random.default_rng(seed).integers(low, high, shape).astype(float)


def default_matrices(mode: str, size: tuple[int, int], kernel_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the example's input and kernel, grown or cut to the chosen sizes (extra cells: seeded random)."""
    x_example, k_example = MATRIX_EXAMPLES.get(mode, {}).get(S.get(key("example", mode)), (None, None))
    x = _seeded(size, 0, 6, size[0] * 100 + size[1]).copy()
    kernel = _seeded(kernel_size, -1, 3, kernel_size[0] * 10 + kernel_size[1]).copy()
    for target, source in ((x, x_example), (kernel, k_example)):
        if source is not None:
            source = np.asarray(source, dtype=float)[: target.shape[0], : target.shape[1]]
            target[: source.shape[0], : source.shape[1]] = source
    return x, kernel


def current_matrix(name: str, shape: tuple[int, int], default: np.ndarray) -> np.ndarray:
    """Return the section's matrix ``name`` ("x" or "k") at ``shape``: the student's cells kept where they still fit."""
    held = S.get(key(name))
    if held is not None and np.shape(held) == tuple(shape):
        return np.asarray(held, dtype=float)
    fitted = default.copy()
    if held is not None:
        old = np.asarray(held, dtype=float)
        rows, cols = min(old.shape[0], shape[0]), min(old.shape[1], shape[1])
        fitted[:rows, :cols] = old[:rows, :cols]
    S[key(name)] = fitted.tolist()
    S[key(f"{name}_v")] = S.get(key(f"{name}_v"), 0) + 1  # a new editor: the old one's edits are in `fitted`
    return fitted


SIDE = [1.35, 2]  # a section's controls and its figures: the side column holds a 5-column editor at 1280 px
SIDE_COLUMNS = 5  # an editor's column is at least 50 px wide in the browser: wider editors go under the section


def edit_matrix(name: str, values: np.ndarray, label: str, wide: DeltaGenerator) -> np.ndarray:
    """Draw the section's editable matrix ``name``; keep what the student typed; return its values.

    An editor wider than the side column can show is drawn in ``wide``, the full-width area under the section.
    """
    with wide if values.shape[1] > SIDE_COLUMNS else contextlib.nullcontext():
        edited = matrix_editor(values, label, f"{key(name)}_editor_{values.shape}_{S.get(key(f'{name}_v'), 0)}")
    S[key(name)] = edited.tolist()
    return edited


def matrix_editor(values: np.ndarray, label: str, key: str) -> np.ndarray:
    """Draw an editable matrix; return its values (an emptied cell counts as 0), always of ``values``' shape."""
    st.caption(label)
    rows, cols = values.shape
    drop_impossible_edits(key, list(range(cols)), rows)  # a fixed editor
    edited = st.data_editor(
        pd.DataFrame(values, columns=_column_names(cols)),
        key=key,
        hide_index=True,
        width="content",
        height=(rows + 1) * 35 + 3,  # every row, no scrolling
    )
    if edited.shape != (rows, cols):  # iloc costs a slider rerun more than the rest of this function
        edited = edited.iloc[:rows, :cols]
    try:  # the usual case: numeric columns, read at once
        values = edited.to_numpy(dtype=float)
    except (TypeError, ValueError):  # text in a cell (a crafted message): what is not a number counts as 0
        values = edited.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(values), 0.0, values)


@functools.cache
def _column_names(cols: int) -> pd.Index:
    """An editor's column names, as the text Streamlit needs: given numbers, it converts them on every rerun.

    Plain Python strings: pandas' own string Index keeps them in Arrow, and Streamlit reads the names
    one by one, each read a pyarrow call that lets go of the interpreter lock (a wait for it when
    other sessions run)."""
    return pd.Index([str(c) for c in range(cols)], dtype=object)


def load_example(mode: str | None = None) -> None:
    """Callback: the chosen example sets the input, the kernel, their sizes and the plain settings."""
    mode = mode or section()
    x, kernel = MATRIX_EXAMPLES.get(mode, {}).get(S[key("example", mode)], (None, None))
    if x is None:
        return
    S[key("size_h", mode)], S[key("size_w", mode)] = len(x), len(x[0])
    if kernel is not None:
        S[key("kernel_h", mode)], S[key("kernel_w", mode)] = len(kernel), len(kernel[0])
    else:  # pooling: the curriculum pools matrix A with a 3x3 window, the others with 2x2
        S[key("kernel_h", mode)] = S[key("kernel_w", mode)] = 3 if S[key("example", mode)] == "A" else 2
    for name in ("stride", "padding", "dilation", "output"):
        if name in RANGES[mode]:
            S[key(f"{name}_h", mode)], S[key(f"{name}_w", mode)] = RANGES[mode][name][2]
    S[key("pad_kind", mode)] = "number"
    for name, values in (("x", x), ("k", kernel)):
        if values is not None:
            S[key(name, mode)] = np.asarray(values, dtype=float).tolist()
            S[key(f"{name}_v", mode)] = S.get(key(f"{name}_v", mode), 0) + 1
    # the transposed section shows the first input cell that scatters something (a zero scatters zeros)
    S[key("cell", mode)] = next((i for i, v in enumerate(np.ravel(x)) if v), 0) if mode == "transposed" else 0


def example_select(mode: str) -> None:
    """Draw the choice of worked example for a section; choosing one loads it."""
    size = (get("size_h"), get("size_w") if get("rect") else get("size_h"))

    def label(name: str) -> str:
        example = MATRIX_EXAMPLES[mode].get(name)
        if example is None or (len(example[0]), len(example[0][0])) == size:
            return t(f"conv.preset_{name}")
        return t("conv.example_resized", name=t(f"conv.preset_{name}"), size=" × ".join(map(str, size)))

    st.selectbox(t("conv.preset"), [*MATRIX_EXAMPLES[mode], "random"], format_func=label, key=key("example"),
                 on_change=load_example, persist_state="session")  # fmt: skip


# --- controls ----------------------------------------------------------------------------------------


def pair_input(name: str, label: str) -> tuple[int, int]:
    """Draw one slider (square) or two (H and W) for a setting of the current section; return (h, w)."""
    low, high, default = RANGES[section()][name]
    name_h, name_w = key(f"{name}_h"), key(f"{name}_w")
    for name_hw, value in ((name_h, default[0]), (name_w, default[1])):
        S[name_hw] = min(max(S.get(name_hw, value), low), high)
    if not get("rect"):
        S[name_w] = S[name_h]
        h = st.slider(label, low, high, key=name_h, persist_state="session")
        return h, h
    left, right = st.columns(2)
    h = left.slider(f"{label} (H)", low, high, key=name_h, persist_state="session")
    w = right.slider(f"{label} (W)", low, high, key=name_w, persist_state="session")
    return h, w


def rect_toggle() -> None:
    st.toggle(t("conv.rect"), key=key("rect"), persist_state="session")


def conv_controls(kernel_size: tuple[int, int], channels: int = 1, bias: bool = True) -> ConvSettings:
    """Draw stride, padding, dilation and padding_mode; return the settings they describe.

    Several channels are convolved one by one with the same kernel (groups = channels).
    """
    stride = pair_input("stride", t("conv.stride"))
    pad_kind = st.radio(
        t("conv.pad_kind"),
        PAD_KINDS,
        format_func=lambda k: t(f"conv.pad_{k}"),
        key=key("pad_kind"),
        horizontal=True,
        persist_state="session",
    )
    padding = pair_input("padding", t("conv.padding")) if pad_kind == "number" else pad_kind
    dilation = pair_input("dilation", t("conv.dilation"))
    padding_mode = st.selectbox(t("conv.padding_mode"), PADDING_MODES, key=key("padding_mode"), persist_state="session")
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
    padding_max = RANGES[section()]["padding"][1]
    if get("pad_kind") == "same" and not isinstance(fix.padding, str) and max(fix.padding) > padding_max:
        # "same" at stride > 1: the padding it stands for is past the slider, so take the rule's
        # other way out, stride 1, which keeps "same"
        fix = dataclasses.replace(fix, padding="same", stride=(1, 1))
    for field, name in (("kernel_size", "kernel"), ("stride", "stride"), ("dilation", "dilation"), ("output_padding", "output")):  # fmt: skip
        value = getattr(fix, field, None)
        if value is not None:
            S[key(f"{name}_h")], S[key(f"{name}_w")] = value
            S[key("rect")] = get("rect") or value[0] != value[1]
    if isinstance(fix, PoolSettings):
        S[key("stride_default")] = fix.stride is None
    if isinstance(fix.padding, str):
        S[key("pad_kind")] = fix.padding
    else:
        S[key("pad_kind")] = "number"
        S[key("padding_h")], S[key("padding_w")] = fix.padding
        S[key("rect")] = get("rect") or fix.padding[0] != fix.padding[1]
    if hasattr(fix, "padding_mode"):
        S[key("padding_mode")] = fix.padding_mode


# --- results ------------------------------------------------------------------------------------------


def formula(geometry, ceil_mode: bool = False) -> None:
    """Show the output-size formula for H and W with the numbers in, the output shape, and what it leaves out."""
    for dim in geometry.dims:
        st.latex(rf"{dim.axis}_{{out}} = {dim.latex}")
    if geometry.problem is not None:  # e.g. padding='same' with stride 2: the numbers it stands for, refused
        st.caption(t("conv.formula_refused"))
    dropped = [dim.axis for dim in geometry.dims if dim.last_window_dropped]
    if dropped:
        st.caption(t("conv.ceil_minus_one", axes=", ".join(dropped)))
    text = "\n".join(f"{d.axis}_out = {d.formula}" for d in geometry.dims)
    folded(t("conv.formula_text"), key("formula_text"), lambda: st.code(text, language=None))
    if geometry.out_shape is not None:
        st.metric(t("conv.output_shape"), " × ".join(str(v) for v in geometry.out_shape[1:]))
        rows, cols = (dim.uncovered for dim in geometry.dims)
        if rows or cols:
            st.info(t("conv.uncovered_ceil" if ceil_mode else "conv.uncovered", rows=rows, cols=cols))


def tables_folded(*matrices: tuple[str | None, np.ndarray]) -> None:
    """The section's matrices as tables of numbers (caption, values), in a fold built only while open."""

    def draw() -> None:
        for caption, values in matrices:
            if caption:
                st.caption(caption)
            st.table(matrix_table(values))

    folded(t("common.as_table"), key("table"), draw)


def walk(
    n_rows: int, n_cols: int, draw: Callable[[int, int], None], label_key: str, remember: Callable[[], object]
) -> None:
    """Step (or play) through the cells, counted from 0 like the axes; draw(row, col) shows one step.

    ``remember()`` puts the cell in the URL when only this area reruns; the section's whole run does so after it.
    """
    total = n_rows * n_cols
    cell = key("cell")
    linked = S.pop(key("cell_link"), None)  # (row, col) from a shared link
    if linked is not None and linked[0] < n_rows and linked[1] < n_cols:
        S[cell] = linked[0] * n_cols + linked[1]
    if not isinstance(S.get(cell), int) or not 0 <= S[cell] < total:
        S[cell] = 0
    playing = st.toggle(t("conv.play"), key="conv.playing")
    whole_run = True  # this area is drawn in the section's run; False in the reruns of this area alone

    @st.fragment(run_every=0.9 if playing else None)
    def step_area() -> None:
        if playing and total > 1:
            S[cell] = (S[cell] + 1) % total
        if total > 1:
            st.select_slider(
                t(label_key), range(total), format_func=lambda i: f"({i // n_cols}, {i % n_cols})", key=cell
            )
        row, col = divmod(S[cell], n_cols)
        S[key("cell_rc")] = (row, col)
        draw(row, col)
        if not whole_run:
            remember()

    step_area()
    whole_run = False


def window_figures(result: ops.GridResult, window: ops.Window) -> None:
    """Draw the padded input with the window outlined, next to the output with its cell outlined."""
    left, right = st.columns([result.padded.shape[1] + 1, max(result.output.shape[1], 3) + 2])  # + the axis labels
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
