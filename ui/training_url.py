"""The Training form's settings in the page URL, so that a shared link reopens the same form.

Each form setting is one parameter named after its :class:`core.config.TrainConfig` field and written
only while it differs from the form's default (a link stays short); a model sent by the
Architecture page travels as ``spec`` (packed by :func:`core.spec_parsing.spec_to_link`). Reading
clamps every number to the form's own bounds (:data:`core.config.FORM_BOUNDS`) and names what it
changed, like every other page's URL.
"""

from __future__ import annotations

import streamlit as st

from core.config import DEVICES, FORM_BOUNDS, LOSSES, LR_CHOICES, OPTIMIZERS, SCHEDULES, WEIGHT_DECAY_CHOICES
from core.datasets import DATASETS, UPLOAD_KINDS
from core.i18n import Message, UserError
from core.modelspec import ModelSpec
from core.spec_parsing import spec_from_link, spec_to_link
from ui import keys
from ui.training_form import FORM_DEFAULTS
from ui.urlstate import Param, choice_param, number_param

S = st.session_state
STEPS = {"val_fraction": 0.05, "momentum": 0.01, "gamma": 0.05, "zoom": 0.05}  # the sliders' steps
CHOICES = {
    "dataset": (*DATASETS, *UPLOAD_KINDS),
    "optimizer": OPTIMIZERS,
    "schedule": SCHEDULES,
    "loss": LOSSES,
    "device": DEVICES,
}


def _unless_default(param: Param, field: str) -> Param:
    """``param``, written only while the form's value differs from its default."""

    def write() -> str | None:
        value = S.get(f"train.{field}")
        return None if value is None or value == FORM_DEFAULTS[field] else param.write()

    return Param(param.name, param.read, write)


def _number(field: str) -> Param:
    low, high = FORM_BOUNDS[field]
    default = FORM_DEFAULTS[field]
    cast = float if isinstance(default, float) else int
    return number_param(field, f"train.{field}", low, high, default, cast, step=STEPS.get(field, 0))


def _milestones() -> Param:
    """`milestones`: the epochs where a multistep schedule lowers the rate, as "3,6"."""

    def read(raw: str) -> Message | None:
        epochs = int(S.get("train.epochs", FORM_DEFAULTS["epochs"]))
        try:
            asked = {int(part) for part in raw.split(",")[:50] if part.strip()}
        except ValueError:
            asked = set()
        S["train.milestones"] = used = sorted(m for m in asked if 1 <= m <= epochs)
        if not asked or used != sorted(asked):
            shown = ",".join(map(str, used)) or "-"
            return Message(
                "url.out_of_range", {"name": "milestones", "value": raw[:40], "low": 1, "high": epochs, "used": shown}
            )
        return None

    return Param("milestones", read, lambda: ",".join(map(str, S.get("train.milestones", []))))


def _spec() -> Param:
    """`spec`: a model sent by the Architecture page (the form trains it instead of a preset)."""

    def read(raw: str) -> Message | None:
        try:
            spec = spec_from_link(raw).to_dict()
        except UserError as exc:
            return exc.message
        S[keys.TRAIN_SPEC] = S["train._spec_seen"] = spec
        S["train.source"] = "architecture"
        return None

    def write() -> str | None:
        sent = S.get(keys.TRAIN_SPEC)
        if sent is None or S.get("train.source") != "architecture":
            return None
        try:
            return spec_to_link(ModelSpec.from_dict(sent))
        except UserError:
            return None

    return Param("spec", read, write)


def form_params() -> list[Param]:
    """The form's URL parameters, in the order they are read (the data set before the numbers it bounds)."""
    params = []
    for field in FORM_DEFAULTS:
        if field in CHOICES:
            param = choice_param(field, f"train.{field}", lambda field=field: CHOICES[field], FORM_DEFAULTS[field])
        elif field == "lr":
            param = number_param(
                "lr", "train.lr", LR_CHOICES[0], LR_CHOICES[-1], FORM_DEFAULTS["lr"], float, choices=LR_CHOICES
            )
        elif field == "weight_decay":
            low, high = WEIGHT_DECAY_CHOICES[0], WEIGHT_DECAY_CHOICES[-1]
            param = number_param(
                "weight_decay", "train.weight_decay", low, high, 0.0, float, choices=WEIGHT_DECAY_CHOICES
            )
        elif field == "flip":
            param = number_param("flip", "train.flip", 0, 1, 0, bool)
        elif field == "milestones":
            param = _milestones()
        else:
            param = _number(field)
        params.append(_unless_default(param, field))
    return [*params, _spec()]
