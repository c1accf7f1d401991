"""Architecture: pick or build a model and see what every layer does to the shape of the data.

URL parameters (read and written here): preset (a key of core.presets.PRESETS, or `empty`), input
(one sample's shape: `1x32x32` for images, `784` for vectors).
Session-state keys: widget keys start with "arch." and live only on this page ("arch.tabs" is the open
tab's label); "arch.spec" holds the
working model as a ModelSpec dict (edits survive reruns; choosing a preset replaces it).
"train.spec": set here by "Train this model" (a ModelSpec dict) and read by the training page.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from core.codegen import generate_code
from core.figures import format_bytes, format_count, shapes_figure, weight_histograms_figure
from core.i18n import Message, UserError
from core.models import (
    INIT_SCHEMES,
    LAYER_TYPES,
    LayerSpec,
    ModelSpec,
    build_model,
    layer_code,
    layer_names,
    parse_spec,
)
from core.presets import PRESETS
from core.specs import (
    format_input_shape,
    insert_layer,
    move_layer,
    parse_input_shape,
    remove_layer,
    rows_from_spec,
    spec_from_rows,
    suggest_args,
)
from core.summary import SAME_SHAPE, Summary, summarize
from core.urlstate import parse_choice

ui.leave_folder_mode()
t = ui.translator()

S = st.session_state
URL_KEYS = ("preset", "input")
EMPTY = "empty"  # the preset choice that starts from no layers
DEFAULT_PRESET = "lenet"
ALEXNET_AS_WRITTEN = "alexnet_as_written"  # its shape error gets the page's own explanation of the typos
TRAINING_PAGE = "pages/training.py"
HISTOGRAM_LAYERS = 4  # weight histograms for the first few conv and Linear layers
HISTOGRAM_MAX_PARAM_BYTES = 50_000_000  # build real weights only below this (VGG16 needs 537 MB)
EDITOR_COLUMNS = ["type", "args", "name"]
TABLE_COLUMNS = [  # the per-layer table's columns (text keys)
    "arch.col_index", "arch.col_name", "arch.col_layer", "arch.col_calculation", "arch.col_output",
    "arch.col_params", "arch.col_macs", "arch.col_rf", "arch.col_jump",
]  # fmt: skip
EDITOR_MAX_ROWS = 16  # taller models scroll inside the editor (rows are 35 px)


# --- the working spec ------------------------------------------------------------------------------


def working_spec() -> ModelSpec:
    """Return the spec the page shows; session state holds it as a dict (always a valid one)."""
    return ModelSpec.from_dict(S["arch.spec"])


def replace_spec(spec: ModelSpec) -> None:
    """Make ``spec`` the working spec and start the layer editor afresh from it (its edits are in spec)."""
    S["arch.spec"] = spec.to_dict()
    S["arch.input"] = format_input_shape(spec.input_shape)
    S["arch.init"] = spec.init
    S["arch.editor_v"] = S.get("arch.editor_v", 0) + 1
    S["arch.add_error"] = None  # a refused layer's message is about the model it was refused from


def preset_spec(key: str) -> ModelSpec:
    """Return a preset's spec, or no layers on the current input shape for "empty"."""
    if key != EMPTY:
        return PRESETS[key].spec
    shape = ModelSpec.from_dict(S["arch.spec"]).input_shape if "arch.spec" in S else (1, 28, 28)
    return ModelSpec((), shape)


def load_preset() -> None:
    """Callback: the chosen preset replaces the working spec."""
    replace_spec(preset_spec(S["arch.preset"]))


def apply_fix(fix: dict) -> None:
    """Callback: the shape problem's corrected spec replaces the working one."""
    replace_spec(ModelSpec.from_dict(fix))


def move_selected(offset: int) -> None:
    """Callback: move the selected layer up (-1) or down (+1); the selection follows it."""
    ui.valid_index("arch.selected", len(working_spec().layers))
    index = S["arch.selected"]
    replace_spec(move_layer(working_spec(), index, offset))
    S["arch.selected"] = min(max(index + offset, 0), len(working_spec().layers) - 1)


def remove_selected() -> None:
    """Callback: remove the selected layer."""
    ui.valid_index("arch.selected", len(working_spec().layers))
    index = S["arch.selected"]
    replace_spec(remove_layer(working_spec(), index))
    S["arch.selected"] = max(0, min(index, len(working_spec().layers) - 1))


def add_layer(layer_type: str, arg_keys: dict[str, str], at_key: str) -> None:
    """Callback: insert the layer the "Add layer" form describes; a refused layer leaves a message."""
    layer = LayerSpec(layer_type, {arg: S[key] for arg, key in arg_keys.items()})
    try:
        replace_spec(insert_layer(working_spec(), S[at_key], layer))
        S["arch.add_error"] = None
    except UserError as exc:
        S["arch.add_error"] = exc.message


def send_to_training(spec: dict) -> None:
    """Callback: hand the model to the training page (a callback, so a rerun cannot lose the click)."""
    S["train.spec"] = spec
    S["arch.train_sent"] = True


def load_upload() -> None:
    """Callback: an uploaded spec (untrusted JSON) replaces the working spec, or leaves a message."""
    upload = S.get("arch.upload")
    S["arch.upload_error"] = None
    if upload is None:
        return
    try:
        replace_spec(parse_spec(upload.getvalue()))
    except UserError as exc:
        S["arch.upload_error"] = exc.message


# --- URL state -------------------------------------------------------------------------------------


def read_url() -> list[Message]:
    """Copy the link's preset and input shape into the page when the URL came from outside; return its problems."""
    params = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    if params == S.get("arch._url"):
        return []
    problems = []
    if "preset" in params:
        preset, problem = parse_choice(params["preset"], "preset", [*PRESETS, EMPTY], DEFAULT_PRESET)
        problems += [problem] if problem else []
        if preset != S.get("arch.preset") or "arch.spec" not in S:
            S["arch.preset"] = preset
            replace_spec(preset_spec(preset))
    if "input" in params:
        try:
            shape = parse_input_shape(params["input"])
            if "arch.spec" not in S:
                S["arch.preset"] = DEFAULT_PRESET
                replace_spec(preset_spec(DEFAULT_PRESET))
            spec = working_spec()
            if shape != spec.input_shape:
                replace_spec(ModelSpec(spec.layers, shape, spec.init, spec.name))
        except UserError as exc:
            problems.append(exc.message)
    return problems


def write_url(spec: ModelSpec) -> None:
    """Put the preset and the input shape in the URL, so the view can be shared as a link."""
    params = {"preset": S["arch.preset"], "input": format_input_shape(spec.input_shape)}
    st.query_params.update(params)
    S["arch._url"] = params


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
def weights_chart(spec_json: str) -> go.Figure:
    """Return histograms of the first few layers' weights right after initialisation (seed 0)."""
    model = build_model(ModelSpec.from_dict(json.loads(spec_json)), seed=0)
    # conv and Linear weights (2 or more dimensions); BatchNorm's are all 1 after any initialisation
    weights = [
        (name, m.weight)
        for name, m in model.named_children()
        if getattr(m, "weight", None) is not None and m.weight.dim() > 1
    ]
    samples = {name: w.detach().numpy() for name, w in weights[:HISTOGRAM_LAYERS]}
    return weight_histograms_figure(samples)


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
        ui.show(exc.message)
        shape = spec.input_shape
    return ModelSpec(spec.layers, shape, init, spec.name)


def layer_editor(spec: ModelSpec) -> ModelSpec:
    """Draw the layer table an expert edits in place; return the spec with its edits (or the last good one)."""
    key = f"arch.layers.{S.get('arch.editor_v', 0)}"
    if key not in S or "arch.rows" not in S:  # a fresh editor (new spec, or back from another page)
        S["arch.rows"] = rows_from_spec(spec)
    edited = st.data_editor(
        pd.DataFrame(S["arch.rows"], columns=EDITOR_COLUMNS),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height="content" if len(S["arch.rows"]) <= EDITOR_MAX_ROWS else EDITOR_MAX_ROWS * 35,
        column_config={
            "type": st.column_config.SelectboxColumn(
                t("arch.col_type"), options=list(LAYER_TYPES), required=True, width=120
            ),
            "args": st.column_config.TextColumn(t("arch.col_args"), help=t("arch.col_args_help"), width=370),
            "name": st.column_config.TextColumn(t("arch.col_name"), help=t("arch.col_name_help"), width=80),
        },
    )
    st.caption(t("arch.editor_help"))
    try:
        return spec_from_rows(edited.to_dict("records"), spec)
    except UserError as exc:
        ui.show(exc.message)
        st.caption(t("arch.showing_last_good"))
        return spec


def reorder_controls(spec: ModelSpec) -> None:
    """Draw the selected-layer picker with up, down and remove buttons."""
    if not spec.layers:
        return
    names = layer_names(spec)
    ui.valid_index("arch.selected", len(spec.layers))
    pick, up, down, remove = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
    pick.selectbox(
        t("arch.selected"),
        range(len(spec.layers)),
        format_func=lambda i: f"{i + 1} · {names[i]} · {layer_code(spec.layers[i], '')}",
        key="arch.selected",
    )
    up.button("↑", key="arch.up", on_click=move_selected, args=(-1,), help=t("arch.up"), width="stretch")
    down.button("↓", key="arch.down", on_click=move_selected, args=(1,), help=t("arch.down"), width="stretch")
    remove.button("✕", key="arch.remove", on_click=remove_selected, help=t("arch.remove"), width="stretch")


def add_layer_form(spec: ModelSpec, summary: Summary) -> None:
    """Draw the beginner's way to add a layer: a type, its arguments filled in to fit, a position."""
    st.markdown(f"**{t('arch.add_title')}**")
    S.setdefault("arch.add_type", "Conv2d")
    layer_type = st.selectbox(t("arch.add_type"), list(LAYER_TYPES), key="arch.add_type")
    fits_after = summary.output_shape or (summary.rows[-1].out_shape if summary.rows else summary.input_shape)
    suggested = suggest_args(layer_type, fits_after)
    # keys change with the model, so the suggestions follow the shape the new layer will receive
    tag = f"{len(spec.layers)}.{'x'.join(map(str, fits_after))}"
    arg_keys = {arg: f"arch.add.{layer_type}.{arg}.{tag}" for arg in suggested}
    at_key = f"arch.add_at.{len(spec.layers)}"
    names = layer_names(spec)
    with st.form("arch.add_form", border=False):
        columns = st.columns(3)
        for i, (arg, value) in enumerate(suggested.items()):
            with columns[i % 3]:
                if isinstance(value, bool):
                    st.checkbox(arg, value=value, key=arg_keys[arg])
                elif isinstance(value, int):
                    st.number_input(arg, value=value, step=1, key=arg_keys[arg])
                elif isinstance(value, float):
                    st.number_input(arg, value=value, step=0.01, format="%g", key=arg_keys[arg])
                else:
                    st.text_input(arg, value=value, key=arg_keys[arg])
        if not suggested:
            st.caption(t("arch.add_no_args"))
        st.selectbox(
            t("arch.add_at"),
            range(len(spec.layers), -1, -1),
            format_func=lambda i: (
                t("arch.add_at_end") if i == len(spec.layers) else t("arch.add_before", position=i + 1, name=names[i])
            ),
            key=at_key,
        )
        st.form_submit_button(
            t("arch.add"),
            key="arch.add",
            on_click=add_layer,
            args=(layer_type, arg_keys, at_key),
            icon=":material/add:",
            type="primary",
        )
    if S.get("arch.add_error"):
        ui.show(S["arch.add_error"])


def shape_problem(summary: Summary, preset: str) -> None:
    """Say which layer does not fit and why, with the corrected model one click away."""
    problem = summary.problem
    st.error(problem.text(ui.lang()))
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


def totals(summary: Summary) -> None:
    """Show the model's size as metrics: parameters, multiply-accumulates, memory, output shape."""
    output = "×".join(map(str, summary.output_shape[1:])) if summary.output_shape else "—"
    metrics = [
        (t("arch.params"), format_count(summary.total_params), t("arch.params_help")),
        (t("arch.trainable"), format_count(summary.trainable_params), None),
        (t("arch.frozen"), format_count(summary.frozen_params), t("arch.frozen_help")),
        (t("arch.macs"), format_count(summary.total_macs), t("arch.macs_help")),
        (t("arch.param_memory"), format_bytes(summary.param_bytes), t("arch.param_memory_help")),
        (t("arch.activation_memory"), format_bytes(summary.activation_bytes), t("arch.activation_memory_help")),
        (t("arch.output_shape"), output, t("arch.output_shape_help")),
    ]
    columns = [*st.columns(4), *st.columns(4)]
    for column, (label, value, help_text) in zip(columns, metrics, strict=False):
        column.metric(label, value, help=help_text)


def _pair(value: tuple[int, int] | None) -> str:
    return "—" if value is None else "×".join(map(str, value))


def layer_table(summary: Summary) -> None:
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
    # a static table: long formulas wrap, so every column is in view without scrolling sideways; its
    # cells are Markdown, so code and formulas go in backticks (2*0 - 1*(5-1) would turn italic)
    st.table(pd.DataFrame(rows, columns=[t(k) for k in TABLE_COLUMNS]), hide_index=True)
    st.caption(t("arch.table_caption", input=str(list(summary.input_shape)), layers=len(summary.rows)))


def shapes_diagram(spec: ModelSpec) -> None:
    """Draw the shapes flowing through the model, one block per layer."""
    ui.plot(shapes_chart(spec.to_json(), t("arch.input_block"), t("arch.diagram_y")), key="arch.diagram")
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
            ui.plot(weights_chart(spec.to_json()), key="arch.weights")
        except UserError as exc:
            ui.show(exc.message)


def files_section(spec: ModelSpec, code: str) -> None:
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
        ui.file_uploader(
            t("arch.upload"),
            type=["json"],
            key="arch.upload",
            on_change=load_upload,
            help=t("arch.upload_help"),
        )
        if S.get("arch.upload_error"):
            ui.show(S["arch.upload_error"])
    with right:
        training_ready = any(path == TRAINING_PAGE for path, *_ in ui.PAGES)
        st.button(
            t("arch.train"),
            key="arch.train",
            on_click=send_to_training,
            args=(spec.to_dict(),),
            icon=":material/model_training:",
            type="primary",
        )
        if S.pop("arch.train_sent", False):
            if training_ready:
                st.switch_page(TRAINING_PAGE)
            st.success(t("arch.train_saved"))
        if not training_ready:
            st.caption(t("arch.train_later"))


# --- the page --------------------------------------------------------------------------------------

st.title(t("arch.title"))
st.write(t("arch.intro"))
for problem in read_url():
    ui.show(problem, "warning")
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
    totals(summary)

st.subheader(t("arch.table"))
shapes_diagram(spec)
layer_table(summary)

# lazy tabs: only the open one runs, so the weights are built only for a reader who looks at them
print_tab, code_tab, weights_tab = st.tabs(
    [t("arch.print_tab"), t("arch.code_tab"), t("arch.weights_tab")], key="arch.tabs", on_change="rerun"
)
if print_tab.open:
    with print_tab:
        if isinstance(printed, Message):
            ui.show(printed)
        else:
            st.code(printed, language=None)
if code_tab.open:
    with code_tab:
        st.caption(t("arch.code_caption"))
        st.code(code, language="python")
if weights_tab.open:
    with weights_tab:
        weights_section(spec, summary)

st.subheader(t("arch.files"))
files_section(spec, code)
write_url(spec)
