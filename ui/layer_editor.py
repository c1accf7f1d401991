"""The Architecture page's working model: its state, its link, and its editors (the layer table an
expert edits in place, the reorder buttons, and the "Add layer" form a beginner fills in).

The link (:data:`URL`) carries the preset, the input shape, the initialisation and, once the model
differs from its preset (edits, applied fixes), the whole model packed by
:func:`core.spec_parsing.spec_to_link`, so a shared link reopens exactly the model on screen.

Session-state keys (the page lists them all): "arch.spec" (the working model as a ModelSpec dict,
always a valid one), "arch.rows", "arch.layers.<version>" and "arch.rows_cut" (the editor),
"arch.selected", "arch.add_*" (the form), "arch.add_error".
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import Message, UserError
from core.layers import LAYER_TYPES
from core.modelspec import INIT_SCHEMES, MAX_LAYERS, LayerSpec, ModelSpec, layer_names
from core.presets import PRESETS
from core.spec_editing import (
    format_input_shape,
    insert_layer,
    move_layer,
    parse_input_shape,
    remove_layer,
    rows_from_spec,
    spec_from_rows,
    suggest_args,
)
from core.spec_parsing import parse_spec, spec_from_link, spec_to_link
from core.summary import Summary
from core.urlstate import parse_choice
from ui.text import show, t
from ui.urlstate import PageUrl, Param, choice_param, number_param
from ui.widgets import drop_impossible_edits, index_select, resend_when_relabelled, valid_index

S = st.session_state
EMPTY = "empty"  # the preset choice that starts from no layers
DEFAULT_PRESET = "lenet"
ALEXNET_AS_WRITTEN = "alexnet_as_written"  # its shape error gets the page's own explanation of the typos
EDITOR_COLUMNS = ["type", "args", "name"]
EDITOR_MAX_ROWS = 16  # taller models scroll inside the editor (rows are 35 px)
# Streamlit appends the rows added to a table one pandas assignment at a time (about 2 ms each), and
# again on every rerun while the table lives: the table takes this many new rows from one message, and
# once it holds half as many, it starts afresh from the model they made.
ADD_AT_ONCE = 16


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


def read_preset(raw: str) -> Message | None:
    """`preset`: a link's model replaces the working one (unless it is already the one shown)."""
    preset, problem = parse_choice(raw, "preset", [*PRESETS, EMPTY], DEFAULT_PRESET)
    if preset != S.get("arch.preset") or "arch.spec" not in S:
        S["arch.preset"] = preset
        replace_spec(preset_spec(preset))
    return problem


def read_input(raw: str) -> Message | None:
    """`input`: one sample's shape, applied to the working model."""
    try:
        shape = parse_input_shape(raw)
    except UserError as exc:
        return exc.message
    if "arch.spec" not in S:
        S["arch.preset"] = DEFAULT_PRESET
        replace_spec(preset_spec(DEFAULT_PRESET))
    spec = working_spec()
    if shape != spec.input_shape:
        replace_spec(ModelSpec(spec.layers, shape, spec.init, spec.name))
    return None


def read_init(raw: str) -> Message | None:
    """`init`: the weight initialisation of the working model."""
    spec = working_spec() if "arch.spec" in S else preset_spec(DEFAULT_PRESET)
    init, problem = parse_choice(raw, "init", INIT_SCHEMES, spec.init)
    replace_spec(ModelSpec(spec.layers, spec.input_shape, init, spec.name))
    return problem


def read_spec(raw: str) -> Message | None:
    """`spec`: a model edited on this page (layers, fixes, names), packed by core.spec_parsing.spec_to_link."""
    try:
        replace_spec(spec_from_link(raw))
    except UserError as exc:
        return exc.message
    return None


def edited() -> ModelSpec | None:
    """Return the working model when it is not the chosen preset as it comes (else None: the link names the preset)."""
    if "arch.spec" not in S:
        return None
    spec, base = working_spec(), preset_spec(S["arch.preset"])
    return None if spec.layers == base.layers and spec.name == base.name else spec


URL = PageUrl(
    "architecture",
    [
        Param("preset", read_preset, lambda: S.get("arch.preset")),
        Param(
            "input", read_input, lambda: format_input_shape(working_spec().input_shape) if "arch.spec" in S else None
        ),
        Param("init", read_init, lambda: working_spec().init if "arch.spec" in S else None),
        Param("spec", read_spec, lambda: spec_to_link(spec) if (spec := edited()) else None),
        # after the model: the picked layer (1 = the first) and the type the "add a layer" form shows
        Param(
            "layer",
            number_param("layer", "arch._layer", 1, MAX_LAYERS, 1).read,
            lambda: str(S[selected_key()] + 1) if isinstance(S.get(selected_key()), int) else None,
        ),
        choice_param("add", "arch.add_type", lambda: list(LAYER_TYPES), "Conv2d"),
    ],
)


def picked_layer() -> None:
    """Select the layer a link named (``arch._layer``, 1-based) in this model's layer picker."""
    if "arch._layer" in S:
        S[selected_key()] = S.pop("arch._layer") - 1  # valid_index keeps it inside the model


def selected_key() -> str:
    """The layer picker's key: a new one for every new model, so it never names a layer of the last one."""
    return f"arch.selected.{S.get('arch.editor_v', 0)}"


def move_selected(offset: int) -> None:
    """Callback: move the selected layer up (-1) or down (+1); the selection follows it."""
    valid_index(selected_key(), len(working_spec().layers))
    index = S[selected_key()]
    replace_spec(move_layer(working_spec(), index, offset))
    S[selected_key()] = min(max(index + offset, 0), len(working_spec().layers) - 1)


def remove_selected() -> None:
    """Callback: remove the selected layer."""
    valid_index(selected_key(), len(working_spec().layers))
    index = S[selected_key()]
    replace_spec(remove_layer(working_spec(), index))
    S[selected_key()] = max(0, min(index, len(working_spec().layers) - 1))


def add_layer(layer_type: str, arg_keys: dict[str, str], at_key: str) -> None:
    """Callback: insert the layer the "Add layer" form describes; a refused layer leaves a message."""
    layer = LayerSpec(layer_type, {arg: S[key] for arg, key in arg_keys.items()})
    try:
        replace_spec(insert_layer(working_spec(), S[at_key], layer))
        S["arch.add_error"] = None
    except UserError as exc:
        S["arch.add_error"] = exc.message


def layer_editor(spec: ModelSpec) -> ModelSpec:
    """Draw the layer table an expert edits in place; return the spec with its edits (or the last good one)."""
    key = f"arch.layers.{S.get('arch.editor_v', 0)}"
    if key not in S or "arch.rows" not in S:  # a fresh editor (new spec, or back from another page)
        S["arch.rows"] = rows_from_spec(spec)
    rows = len(S["arch.rows"])
    if drop_impossible_edits(key, EDITOR_COLUMNS, rows, max_rows=min(MAX_LAYERS, rows + ADD_AT_ONCE)):
        S["arch.rows_cut"] = True
    edited = st.data_editor(
        pd.DataFrame(S["arch.rows"], columns=EDITOR_COLUMNS),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height="content" if len(S["arch.rows"]) <= EDITOR_MAX_ROWS else EDITOR_MAX_ROWS * 35,
        column_config={
            "type": st.column_config.SelectboxColumn(
                t("arch.col_type"), options=list(LAYER_TYPES), required=True, width=110
            ),
            "args": st.column_config.TextColumn(
                t("arch.col_args"), help=t("arch.col_args_help"), width=280
            ),  # the three fit the column at 1280 px
            "name": st.column_config.TextColumn(t("arch.col_name"), help=t("arch.col_name_help"), width=80),
        },
    )
    st.caption(t("arch.editor_help"))
    try:
        made = spec_from_rows(edited.iloc[:MAX_LAYERS].to_dict("records"), spec)
    except UserError as exc:
        made = None
        show(exc.message)
        st.caption(t("arch.showing_last_good"))
    # once the model holds every row (none just added and still empty), it takes the added ones: a fresh table
    if made is not None and len(made.layers) == len(edited) and len(S[key]["added_rows"]) >= ADD_AT_ONCE // 2:
        S["arch.spec"], S["arch.editor_v"] = made.to_dict(), S.get("arch.editor_v", 0) + 1
        st.rerun()
    if S.pop("arch.rows_cut", False):
        show(Message("arch.rows_cut", {"count": ADD_AT_ONCE}), "warning")
    return spec if made is None else made


def reorder_controls(spec: ModelSpec) -> None:
    """Draw the selected-layer picker with up, down and remove buttons."""
    if not spec.layers:
        return
    names = layer_names(spec)
    picked_layer()
    pick, up, down, remove = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
    labels = [f"{i + 1} · {names[i]} · {layer.code('')}" for i, layer in enumerate(spec.layers)]
    index_select(t("arch.selected"), labels, selected_key(), where=pick)
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
        columns = st.columns(2)  # three to a row broke "in_channels" in two at 1280 px
        for i, (arg, value) in enumerate(suggested.items()):
            with columns[i % 2]:
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
        places = {i: t("arch.add_before", position=i + 1, name=names[i]) for i in reversed(range(len(spec.layers)))}
        places = {len(spec.layers): t("arch.add_at_end"), **places}
        resend_when_relabelled(at_key, list(places.values()))
        st.selectbox(t("arch.add_at"), list(places), format_func=places.get, key=at_key)
        st.form_submit_button(
            t("arch.add"),
            key="arch.add",
            on_click=add_layer,
            args=(layer_type, arg_keys, at_key),
            icon=":material/add:",
            type="primary",
        )
    if S.get("arch.add_error"):
        show(S["arch.add_error"])
