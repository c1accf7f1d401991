"""The Training form's transfer-learning controls: start from a bundled model's weights, and layers to freeze.

Session-state keys (widget keys, "train." + the TrainConfig field): "train.init_from" and
``ui.keys.TRAIN_FROZEN`` ("train.frozen", which the Architecture page's "Train this model" also sets).
"""

from __future__ import annotations

import json

import streamlit as st

from core.anatomy import anatomy
from core.i18n import Message, UserError
from core.model_files import list_bundled
from core.modelspec import ModelSpec
from core.transfer import StartWeights, spec_plan
from ui import keys
from ui.text import show, t

S = st.session_state
MAX_FRESH_SHOWN = 6  # tensor names listed as "fresh" before "…"


@st.cache_data(max_entries=32, show_spinner=False)
def param_layers(spec_json: str) -> list[str]:
    """Return the names of the model's layers that have parameters (what can be frozen)."""
    try:
        return [layer.layer for layer in anatomy(ModelSpec.from_dict(json.loads(spec_json))).layers]
    except UserError:
        return []


@st.cache_data(max_entries=32, show_spinner=False)
def start_plan(spec_json: str, name: str) -> StartWeights | Message:
    """Return which tensors load from the bundled model ``name``, or why none can."""
    try:
        return spec_plan(ModelSpec.from_dict(json.loads(spec_json)), name)
    except UserError as exc:
        return exc.message


def transfer_ui(spec_dict: dict | None) -> dict:
    """Draw "Start from" and "Freeze layers" for the model ``spec_dict``; return them as TrainConfig fields."""
    st.markdown(f"**{t('transfer.title')}**")
    choices = ["", *list_bundled()]
    if S.get("train.init_from") not in choices:
        S["train.init_from"] = ""
    init_from = st.selectbox(
        t("transfer.init_from"),
        choices,
        format_func=lambda name: t("transfer.bundled", name=name) if name else t("transfer.fresh"),
        key="train.init_from",
        help=t("transfer.init_help"),
        persist_state="session",
    )
    spec_json = json.dumps(spec_dict, sort_keys=True) if spec_dict is not None else None
    layers = param_layers(spec_json) if spec_json else []
    S[keys.TRAIN_FROZEN] = [name for name in S.get(keys.TRAIN_FROZEN, []) if name in layers]  # this model's only
    frozen = st.multiselect(
        t("transfer.frozen"),
        layers,
        key=keys.TRAIN_FROZEN,
        help=t("transfer.frozen_help"),
        persist_state="session",
        placeholder=t("common.choose_options"),
    )
    if init_from and spec_json:
        plan = start_plan(spec_json, init_from)
        if isinstance(plan, Message):
            show(plan)
        else:
            fresh = ", ".join(plan.fresh[:MAX_FRESH_SHOWN]) + (" …" if len(plan.fresh) > MAX_FRESH_SHOWN else "")
            total = len(plan.loaded) + len(plan.fresh)
            st.caption(t("transfer.plan", loaded=len(plan.loaded), total=total, name=init_from, fresh=fresh or "—"))
    st.caption(t("transfer.no_imagenet"))
    return {"init_from": init_from, "frozen": tuple(frozen)}
