"""Architecture: pick or build a model and see what every layer does to the shape of the data.

URL parameters (read and written here): preset (a key of core.presets.PRESETS, or `empty`), input
(one sample's shape: `1x32x32` for images, `784` for vectors); freeze and centered (ui.anatomy_views),
drop_x, drop_p, drop_seed, bn_x, bn_momentum, bn_calls (ui.train_eval_views); tab (the open tab's id).
Session-state keys: widget keys start with "arch." and live only on this page ("arch.tabs" is the open
tab's label); "arch.spec" holds the working model as a ModelSpec dict (edits survive reruns; choosing
a preset replaces it); ui.layer_editor lists the editor's keys.
``ui.keys.TRAIN_SPEC``: set here by "Train this model" (a ModelSpec dict) and read by the training page, with
``ui.keys.TRAIN_FROZEN`` (the layers ticked to freeze). ui.anatomy_views and ui.train_eval_views list their keys.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.builder import build_model
from core.codegen import generate_code
from core.figures import shapes_figure, weight_histograms_figure
from core.formatting import format_bytes, format_count
from core.i18n import Message, UserError
from core.modelspec import INIT_SCHEMES, ModelSpec
from core.presets import PRESETS
from core.spec_editing import parse_input_shape
from core.summary import SAME_SHAPE, Summary, summarize
from core.urlstate import parse_choice
from ui import keys
from ui.anatomy_views import URL_PARAMS as ANATOMY_PARAMS
from ui.anatomy_views import frozen_layers, module_tab, parameter_anatomy, parameters_tab
from ui.app import TRAINING_PAGE, start_page
from ui.layer_editor import (
    ALEXNET_AS_WRITTEN,
    DEFAULT_PRESET,
    EMPTY,
    URL,
    add_layer_form,
    apply_fix,
    layer_editor,
    load_preset,
    load_upload,
    preset_spec,
    reorder_controls,
    replace_spec,
    working_spec,
)
from ui.text import lang, show
from ui.train_eval_views import URL_PARAMS as MODES_PARAMS
from ui.train_eval_views import modes_tab
from ui.tutorial_notes import tutorial_notes
from ui.urlstate import PageUrl, Param
from ui.widgets import file_uploader, plot

t = start_page()

S = st.session_state
HISTOGRAM_LAYERS = 4  # weight histograms for the first few conv and Linear layers
HISTOGRAM_MAX_PARAM_BYTES = 50_000_000  # build real weights only below this (VGG16 needs 537 MB)
TABLE_COLUMNS = [  # the per-layer table's columns (text keys)
    "arch.col_index", "arch.col_name", "arch.col_layer", "arch.col_calculation", "arch.col_output",
    "arch.col_params", "arch.col_macs", "arch.col_rf", "arch.col_jump",
]  # fmt: skip
TABS = {"print": "arch.print_tab", "code": "arch.code_tab", "params": "arch.params_tab", "module": "arch.module_tab",
        "modes": "arch.modes_tab", "weights": "arch.weights_tab"}  # fmt: skip


def read_tab(raw: str) -> Message | None:
    """`tab`: the open tab, by its id (the widget holds its label, in the reader's language)."""
    tab, problem = parse_choice(raw, "tab", list(TABS), "print")
    S["arch.tabs"] = t(TABS[tab])
    return problem


def open_tab() -> str | None:
    tab = next((tab for tab, key in TABS.items() if t(key) == S.get("arch.tabs")), "print")
    return None if tab == "print" else tab


INSIDE_URL = PageUrl("architecture_inside", [Param("tab", read_tab, open_tab), *ANATOMY_PARAMS, *MODES_PARAMS])


# --- the working spec ------------------------------------------------------------------------------


def send_to_training(spec: dict) -> None:
    """Callback: hand the model to the training page (a callback, so a rerun cannot lose the click)."""
    S[keys.TRAIN_SPEC] = spec
    S[keys.TRAIN_FROZEN] = frozen_layers()
    S["arch.train_sent"] = True


# --- computing (cached: a rerun that changes nothing in the model costs a dictionary look-up) ----------


@st.cache_data(max_entries=64, show_spinner=False)
def model_views(spec_json: str) -> tuple[Summary, str | Message, str]:
    """Return the summary, the `print(model)` text (or why it cannot be built) and the generated code.

    Keyed by the spec's JSON, which includes the input shape.
    """
    spec = ModelSpec.from_dict(json.loads(spec_json))
    summary = summarize(spec)
    try:
        printed: str | Message = str(build_model(spec, device="meta"))  # shapes only, no memory behind them
    except UserError as exc:
        printed = exc.message
    return summary, printed, generate_code(spec)


# Figures are built once and shared (cache_resource): building one costs more than the whole table
# (make_subplots ~40 ms), a copy out of cache_data would be validated again by st.plotly_chart (~25 ms),
# while a Figure is only read by it (to_dict). Nothing here mutates a cached figure.


@st.cache_resource(max_entries=64, show_spinner=False)
def shapes_chart(spec_json: str, input_label: str, y_title: str) -> go.Figure:
    """Return the diagram of the shapes flowing through the model, one block per layer."""
    summary = model_views(spec_json)[0]
    names = [input_label, *(row.name for row in summary.rows)]
    types = ["input", *(row.type for row in summary.rows)]
    shapes = [summary.input_shape[1:], *(row.out_shape[1:] for row in summary.rows)]
    return shapes_figure(names, types, shapes, y_title=y_title)


@st.cache_resource(max_entries=16, show_spinner=False)
def weights_chart(spec_json: str) -> tuple[go.Figure, int]:
    """Return histograms of the first few layers' weights right after initialisation (seed 0), and how many have weights."""
    model = build_model(ModelSpec.from_dict(json.loads(spec_json)), seed=0)
    # conv and Linear weights (2 or more dimensions); BatchNorm's are all 1 after any initialisation
    weights = [
        (name, m.weight)
        for name, m in model.named_children()
        if getattr(m, "weight", None) is not None and m.weight.dim() > 1
    ]
    samples = {name: w.detach().numpy() for name, w in weights[:HISTOGRAM_LAYERS]}
    return weight_histograms_figure(samples), len(weights)


# --- sections --------------------------------------------------------------------------------------


def controls() -> ModelSpec:
    """Draw the preset, input shape and initialisation controls; return the spec they describe."""
    choices = [*PRESETS, EMPTY]
    left, middle, right = st.columns([2, 1, 1])
    with left:
        preset = st.selectbox(
            t("arch.preset"),
            choices,
            format_func=lambda k: t("arch.empty") if k == EMPTY else PRESETS[k].title,
            key="arch.preset",
            on_change=load_preset,
            persist_state="session",
        )
    with middle:
        text = st.text_input(t("arch.input"), key="arch.input", help=t("arch.input_help"), persist_state="session")
    with right:
        init = st.selectbox(
            t("arch.init"),
            INIT_SCHEMES,
            format_func=lambda s: t(f"arch.init_{s}"),
            key="arch.init",
            help=t("arch.init_help"),
            persist_state="session",
        )
    if preset == EMPTY:
        st.caption(t("arch.empty_help"))
    else:
        st.caption(t(PRESETS[preset].description_key))
        if PRESETS[preset].notes_key and preset != ALEXNET_AS_WRITTEN:
            st.info(t(PRESETS[preset].notes_key))
    spec = working_spec()
    try:
        shape = parse_input_shape(text)
    except UserError as exc:
        show(exc.message)
        shape = spec.input_shape
    return ModelSpec(spec.layers, shape, init, spec.name)


def shape_problem(summary: Summary, preset: str) -> None:
    """Say which layer does not fit and why, with the corrected model one click away."""
    problem = summary.problem
    st.error(problem.text(lang(), markdown=True))
    if preset == ALEXNET_AS_WRITTEN:
        st.info(t("arch.alexnet_typos"))
    if problem.fix is not None:
        st.button(
            t("arch.apply_fix"),
            key="arch.fix",
            on_click=apply_fix,
            args=(problem.fix.to_dict(),),
            icon=":material/build:",
            type="primary",
        )


def totals(summary: Summary, frozen: int) -> None:
    """Show the model's size as metrics: parameters (``frozen`` of them ticked to freeze), MACs, memory, output shape.

    Parameters come from the layers' arguments, so they are known even when a layer does not fit;
    the costs of running the model are not ("—").
    """
    output = "×".join(map(str, summary.output_shape[1:])) if summary.output_shape else "—"
    runs = summary.problem is None
    metrics = [
        (t("arch.params"), format_count(summary.total_params), t("arch.params_help")),
        (t("arch.trainable"), format_count(summary.total_params - frozen), None),
        (t("arch.frozen"), format_count(frozen), t("arch.frozen_help")),
        (t("arch.macs"), format_count(summary.total_macs) if runs else "—", t("arch.macs_help")),
        (t("arch.param_memory"), format_bytes(summary.param_bytes), t("arch.param_memory_help")),
        (
            t("arch.activation_memory"),
            format_bytes(summary.activation_bytes) if runs else "—",
            t("arch.activation_memory_help"),
        ),
        (t("arch.output_shape"), output, t("arch.output_shape_help")),
    ]
    columns = [*st.columns(4), *st.columns(4)]
    for column, (label, value, help_text) in zip(columns, metrics, strict=False):
        column.metric(label, value, help=help_text)


def _pair(value: tuple[int, int] | None) -> str:
    return "—" if value is None else "×".join(map(str, value))


def layer_table(spec: ModelSpec, summary: Summary) -> None:
    """Show the per-layer table: what each layer does to the shape, its parameters and its cost."""
    same = t("models.summary.same_shape")
    rows = [
        {
            t("arch.col_index"): row.index + 1,
            t("arch.col_name"): f"`{row.name}`",
            t("arch.col_layer"): f"`{row.settings}`",
            t("arch.col_calculation"): same if row.calculation == SAME_SHAPE else f"`{row.calculation}`",
            t("arch.col_output"): str(list(row.out_shape)),
            t("arch.col_params"): f"{row.trainable_params + row.frozen_params:,}",
            t("arch.col_macs"): f"{row.macs:,}",
            t("arch.col_rf"): _pair(row.receptive_field),
            t("arch.col_jump"): _pair(row.jump),
        }
        for row in summary.rows
    ]
    problem = summary.problem
    if problem is not None:  # the layer that does not fit, where it stands, with what is wrong
        rows.append(
            {
                t("arch.col_index"): problem.layer_index + 1,
                t("arch.col_name"): f"`{problem.layer_name}`",
                t("arch.col_calculation"): "⚠ " + problem.text(lang(), markdown=True),
                t("arch.col_output"): "—",
            }
        )
    # a static table: long formulas wrap, so every column is in view without scrolling sideways; its
    # cells are Markdown, so code and formulas go in backticks (2*0 - 1*(5-1) would turn italic)
    st.table(pd.DataFrame(rows, columns=[t(k) for k in TABLE_COLUMNS]), hide_index=True)
    st.caption(t("arch.table_caption", input=str(list(summary.input_shape)), layers=len(spec.layers)))
    if problem is not None:
        st.caption(t("arch.table_stops", position=problem.layer_index + 1))


def shapes_diagram(spec: ModelSpec) -> None:
    """Draw the shapes flowing through the model, one block per layer."""
    plot(shapes_chart(spec.to_json(), t("arch.input_block"), t("arch.diagram_y")), key="arch.diagram")
    st.caption(t("arch.diagram_caption"))


def weights_section(spec: ModelSpec, summary: Summary) -> None:
    """Show histograms of the first layers' weights right after initialisation, for models small enough."""
    st.caption(t(f"arch.init_{spec.init}_about"))
    if summary.total_params == 0:
        st.caption(t("arch.no_weights"))
    elif summary.param_bytes > HISTOGRAM_MAX_PARAM_BYTES:
        st.info(
            t(
                "arch.weights_too_big",
                size=format_bytes(summary.param_bytes),
                cap=format_bytes(HISTOGRAM_MAX_PARAM_BYTES),
            )
        )
    else:
        try:
            figure, with_weights = weights_chart(spec.to_json())
        except UserError as exc:
            show(exc.message)
            return
        plot(figure, key="arch.weights")
        if with_weights > HISTOGRAM_LAYERS:
            st.caption(t("arch.weights_first", shown=HISTOGRAM_LAYERS, total=with_weights))


def files_section(spec: ModelSpec, code: str, fits: bool) -> None:
    """Download the spec or the code, upload a spec, and send the model to the training page."""
    left, middle, right = st.columns(3)
    with left:
        st.download_button(
            t("arch.download_spec"), spec.to_json(), file_name="model_spec.json", mime="application/json",
            key="arch.download_spec", icon=":material/download:",
        )  # fmt: skip
        st.download_button(
            t("arch.download_code"), code, file_name="model.py", mime="text/x-python",
            key="arch.download_code", icon=":material/code:",
        )  # fmt: skip
    with middle:
        file_uploader(
            t("arch.upload"),
            type=["json"],
            key="arch.upload",
            on_change=load_upload,
            help=t("arch.upload_help"),
        )
        if S.get("arch.upload_error"):
            show(S["arch.upload_error"])
    with right:
        st.button(
            t("arch.train"),
            key="arch.train",
            on_click=send_to_training,
            args=(spec.to_dict(),),
            icon=":material/model_training:",
            type="primary",
            disabled=not fits,
            help=None if fits else t("arch.train_fix_first"),
        )
        if S.pop("arch.train_sent", False):
            st.switch_page(TRAINING_PAGE)


# --- the page --------------------------------------------------------------------------------------

st.title(t("arch.title"))
st.write(t("arch.intro"))
for problem in [*URL.read(), *INSIDE_URL.read()]:
    show(problem, "warning")
S.setdefault("arch.preset", DEFAULT_PRESET)
if "arch.spec" not in S:
    replace_spec(preset_spec(S["arch.preset"]))
spec = controls()
results = st.container()  # problem and totals sit above the editor, but depend on its edits
st.subheader(t("arch.layers"))
edit, add = st.columns([2, 1], gap="large")
with edit:
    spec = layer_editor(spec)
    S["arch.spec"] = spec.to_dict()
    reorder_controls(spec)
summary, printed, code = model_views(spec.to_json())
with add:
    add_layer_form(spec, summary)
with results:
    if summary.problem is not None:
        shape_problem(summary, S["arch.preset"])
    parts = parameter_anatomy(spec.to_json(), tuple(frozen_layers()))
    totals(summary, 0 if isinstance(parts, Message) else parts.frozen)

st.subheader(t("arch.table"))
shapes_diagram(spec)
layer_table(spec, summary)
tutorial_notes(spec, S["arch.preset"])

# lazy tabs: only the open one runs, so the weights are built only for a reader who looks at them
print_tab, code_tab, params_tab, module_tab_, modes_tab_, weights_tab = st.tabs(
    [t(key) for key in TABS.values()], key="arch.tabs", on_change="rerun"
)
if print_tab.open:
    with print_tab:
        if isinstance(printed, Message):
            show(printed)
        else:
            st.code(printed, language=None, wrap_lines=True)
if code_tab.open:
    with code_tab:
        st.caption(t("arch.code_caption"))
        st.code(code, language="python", wrap_lines=True)
if params_tab.open:
    with params_tab:
        parameters_tab(spec)
if module_tab_.open:
    with module_tab_:
        module_tab(spec)
if modes_tab_.open:
    with modes_tab_:
        modes_tab()
if weights_tab.open:
    with weights_tab:
        weights_section(spec, summary)

st.subheader(t("arch.files"))
files_section(spec, code, fits=summary.problem is None)
URL.write()
INSIDE_URL.write()
