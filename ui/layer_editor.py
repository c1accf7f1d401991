"""The Architecture page's working model and its editors: the layer table an expert edits in place,
the reorder buttons, and the "Add layer" form a beginner fills in.

Session-state keys (the page lists them all): "arch.spec" (the working model as a ModelSpec dict,
always a valid one), "arch.rows" and "arch.layers.<version>" (the editor), "arch.selected",
"arch.add_*" (the form), "arch.add_error".
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.i18n import UserError
from core.layers import LAYER_TYPES
from core.modelspec import MAX_LAYERS, LayerSpec, ModelSpec, layer_names
from core.spec_editing import (
    format_input_shape,
    insert_layer,
    move_layer,
    remove_layer,
    rows_from_spec,
    spec_from_rows,
    suggest_args,
)
from core.summary import Summary
from ui.text import show, t
from ui.widgets import drop_impossible_edits, valid_index

S = st.session_state
EDITOR_COLUMNS = ["type", "args", "name"]
EDITOR_MAX_ROWS = 16  # taller models scroll inside the editor (rows are 35 px)


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


def move_selected(offset: int) -> None:
    """Callback: move the selected layer up (-1) or down (+1); the selection follows it."""
    valid_index("arch.selected", len(working_spec().layers))
    index = S["arch.selected"]
    replace_spec(move_layer(working_spec(), index, offset))
    S["arch.selected"] = min(max(index + offset, 0), len(working_spec().layers) - 1)


def remove_selected() -> None:
    """Callback: remove the selected layer."""
    valid_index("arch.selected", len(working_spec().layers))
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


def layer_editor(spec: ModelSpec) -> ModelSpec:
    """Draw the layer table an expert edits in place; return the spec with its edits (or the last good one)."""
    key = f"arch.layers.{S.get('arch.editor_v', 0)}"
    if key not in S or "arch.rows" not in S:  # a fresh editor (new spec, or back from another page)
        S["arch.rows"] = rows_from_spec(spec)
    drop_impossible_edits(key, EDITOR_COLUMNS, len(S["arch.rows"]), max_rows=MAX_LAYERS)
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
        return spec_from_rows(edited.iloc[:MAX_LAYERS].to_dict("records"), spec)
    except UserError as exc:
        show(exc.message)
        st.caption(t("arch.showing_last_good"))
        return spec


def reorder_controls(spec: ModelSpec) -> None:
    """Draw the selected-layer picker with up, down and remove buttons."""
    if not spec.layers:
        return
    names = layer_names(spec)
    valid_index("arch.selected", len(spec.layers))
    pick, up, down, remove = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
    pick.selectbox(
        t("arch.selected"),
        range(len(spec.layers)),
        format_func=lambda i: f"{i + 1} · {names[i]} · {spec.layers[i].code('')}",
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
        show(S["arch.add_error"])
