"""Loss functions: type the numbers, see each term of the formula filled in, and torch's own value beside it.

URL parameters: loss (one of core.loss_calculator.CALC_LOSSES), reduction (none, mean, sum), input,
target, weight (texts as typed, at most MAX_TEXT characters each) and smoothing (0 to 0.9).
Session-state keys: every widget key starts with "loss." and lives only on this page.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import Message, UserError
from core.loss_calculator import (
    CALC_LOSSES,
    CLASS_LOSSES,
    CLASS_NAMES,
    EXAMPLES,
    FORMULAS,
    MAX_TEXT,
    REDUCTIONS,
    calculate,
)
from core.urlstate import parse_choice
from ui.app import TRAINING_PAGE, start_page
from ui.text import show
from ui.urlstate import PageUrl, Param, choice_param

t = start_page()
S = st.session_state
SMOOTHING_MAX = 0.9


# --- URL state ---------------------------------------------------------------------------------------


def text_param(name: str) -> Param:
    """A typed text, cut to MAX_TEXT characters (the calculator then says what is wrong with it, if anything)."""

    def read(raw: str) -> Message | None:
        S[f"loss.{name}"] = raw[:MAX_TEXT]
        return None

    return Param(name, read, lambda: S.get(f"loss.{name}") or None)


def read_smoothing(raw: str) -> Message | None:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    used = min(max(value, 0.0), SMOOTHING_MAX) if value == value else 0.0
    S["loss.smoothing"] = round(used, 2)
    if used != value:
        return Message(
            "url.out_of_range", {"name": "smoothing", "value": raw[:20], "low": 0, "high": 0.9, "used": used}
        )
    return None


def read_loss(raw: str) -> Message | None:
    S["loss.name"], problem = parse_choice(raw, "loss", CALC_LOSSES, "l1")
    return problem


URL = PageUrl(
    "losses",
    [
        Param("loss", read_loss, lambda: S.get("loss.name")),
        choice_param("reduction", "loss.reduction", lambda: REDUCTIONS, "mean"),
        text_param("input"),
        text_param("target"),
        text_param("weight"),
        Param("smoothing", read_smoothing, lambda: str(S["loss.smoothing"]) if S.get("loss.smoothing") else None),
    ],
)


# --- callbacks ---------------------------------------------------------------------------------------------


def load_example(name: str, index: int) -> None:
    """Callback: put a worked example of loss ``name`` into the input and target fields."""
    _, x, y = EXAMPLES[name][index]
    S["loss.input"], S["loss.target"] = x, y
    S["loss.weight"], S["loss.smoothing"] = "", 0.0


def loss_changed() -> None:
    """Callback: a new loss gets its first example, unless the fields hold numbers the student typed."""
    typed = (S.get("loss.input"), S.get("loss.target"))
    examples = {(x, y) for cases in EXAMPLES.values() for _, x, y in cases}
    if typed in examples or not all(typed):
        load_example(S["loss.name"], 0)


# --- the page ----------------------------------------------------------------------------------------------

st.title(t("losses.title"))
st.write(t("losses.intro"))
for problem in URL.read():
    show(problem, "warning")
S.setdefault("loss.name", "l1")
S.setdefault("loss.reduction", "mean")
S.setdefault("loss.smoothing", 0.0)
S.setdefault("loss.weight", "")
if "loss.input" not in S or "loss.target" not in S:
    load_example(S["loss.name"], 0)

left, right = st.columns([1, 1.6], gap="large")
with left:
    name = st.selectbox(
        t("losses.loss"),
        CALC_LOSSES,
        format_func=lambda key: f"nn.{CLASS_NAMES[key]}",
        key="loss.name",
        on_change=loss_changed,
    )
    st.caption(t(f"losses.about_{name}"))
    reduction = st.segmented_control(
        t("losses.reduction"), REDUCTIONS, key="loss.reduction", required=True, help=t("losses.reduction_help")
    )
    st.text_input(t(f"losses.input_{'scores' if name in CLASS_LOSSES else 'values'}"), key="loss.input")
    st.text_input(t(f"losses.target_{'classes' if name in CLASS_LOSSES else 'values'}"), key="loss.target")
    st.caption(t("losses.typing_help"))
    if name in CLASS_LOSSES:
        st.text_input(t("losses.weight"), key="loss.weight", help=t("losses.weight_help"))
    if name == "cross_entropy":
        st.slider(
            t("losses.smoothing"), 0.0, SMOOTHING_MAX, step=0.05, key="loss.smoothing", help=t("losses.smoothing_help")
        )
    st.write(t("losses.examples"))
    row = st.container(horizontal=True)
    for index, (example, _, _) in enumerate(EXAMPLES[name]):
        row.button(
            t(f"losses.example_{example}"), key=f"loss.example_{index}", on_click=load_example, args=(name, index)
        )

with right:
    st.markdown(f"**{t('losses.formula')}**")
    st.code(FORMULAS[name], language=None, wrap_lines=True)
    try:
        result = calculate(
            name,
            S["loss.input"],
            S["loss.target"],
            reduction,
            S.get("loss.weight", "") if name in CLASS_LOSSES else "",
            float(S.get("loss.smoothing", 0.0)) if name == "cross_entropy" else 0.0,
        )
    except UserError as exc:
        show(exc.message)
        result = None
    if result is not None:
        for warning in result.warnings:
            show(warning, "warning")
        st.markdown(f"**{t('losses.terms')}**")
        st.code(
            "\n".join([*result.terms, result.reduced] if result.reduced else result.terms),
            language=None,
            wrap_lines=True,
        )
        shown = ", ".join(f"{v:.4f}" for v in result.value)
        by_torch = ", ".join(f"{v:.4f}" for v in result.torch_value)
        formula_col, torch_col = st.columns(2)
        formula_col.metric(t("losses.by_formula"), shown)
        torch_col.metric(t("losses.by_torch", fn=CLASS_NAMES[name]), by_torch)
        if result.agrees:
            st.success(t("losses.agree"), icon=":material/check:")
        else:
            st.error(t("losses.disagree"))
        st.markdown(f"**{t('losses.code')}**")
        st.code(result.code, language="python", wrap_lines=True)

st.divider()
st.subheader(t("losses.training_title"))
st.write(t("losses.training_intro"))
for key in ("cross_entropy", "mse", "bce"):
    st.markdown(t(f"losses.training_{key}"))
st.page_link(TRAINING_PAGE, label=t("losses.to_training"), icon=":material/model_training:")
URL.write()
