"""Training step: one mini-batch at a time through zero_grad, forward, loss, backward and step, beside the loop's code.

URL parameters: setup (a key of core.stepper.SETUPS), loss, optimizer, lr, momentum, batch, seed, step (the
steps taken: a link replays them from the seed, at most MAX_REPLAY_STEPS), phase (one of core.loop_code.PHASES).
Session-state keys: widget keys start with "step." and live only on this page; "step.stepper" holds this
session's Stepper (its model, optimizer and DataLoader); "step._replay" the step count a link asked for.
"""

from __future__ import annotations

import streamlit as st

from core.config import LR_CHOICES, OPTIMIZERS
from core.figures import run_curves_figure
from core.formatting import format_number
from core.i18n import Message, UserError
from core.loop_code import PHASES, loop_script, marked
from core.splits import LoadedData
from core.stepper import BATCH_SIZE_RANGE, MAX_REPLAY_STEPS, SETUPS, Stepper, StepSettings, load_step_data
from ui.app import LOSSES_PAGE, TRAINING_PAGE, start_page
from ui.step_views import (
    backward_phase,
    batch_phase,
    forward_phase,
    loss_phase,
    modes_phase,
    status_line,
    step_phase,
    zero_grad_phase,
)
from ui.text import show
from ui.urlstate import PageUrl, Param, choice_param, number_param
from ui.widgets import plot

t = start_page()
S = st.session_state
DEFAULTS = StepSettings()
SEED_MAX = 2**31 - 1


@st.cache_resource(max_entries=8, show_spinner=False)
def step_data(setup: str, seed: int) -> LoadedData:
    """Return a setup's data set, shared read-only by every session (a Stepper never changes it)."""
    return load_step_data(setup, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def script_for(settings: StepSettings, n_train: int) -> str:
    return loop_script(settings, n_train)


# --- URL state -----------------------------------------------------------------------------------------


def read_lr(raw: str) -> Message | None:
    try:
        value = float(raw)
    except ValueError:
        value = DEFAULTS.lr
    S["step.lr"] = min(LR_CHOICES, key=lambda choice: abs(choice - value))
    if S["step.lr"] != value:
        return Message(
            "url.bad_choice", {"name": "lr", "value": raw[:20], "choices": "0.00001 … 1", "used": S["step.lr"]}
        )
    return None


def read_step(raw: str) -> Message | None:
    problem = number_param("step", "step._replay", 0, MAX_REPLAY_STEPS, 0).read(raw)
    return problem


URL = PageUrl(
    "step",
    [
        choice_param("setup", "step.setup", lambda: list(SETUPS), DEFAULTS.setup),
        choice_param("loss", "step.loss", lambda: SETUPS[S.get("step.setup", DEFAULTS.setup)].losses),
        choice_param("optimizer", "step.optimizer", lambda: OPTIMIZERS, DEFAULTS.optimizer),
        Param("lr", read_lr, lambda: format_number(S["step.lr"]) if "step.lr" in S else None),
        number_param("momentum", "step.momentum", 0.0, 0.99, DEFAULTS.momentum, float),
        number_param("batch_size", "step.batch", *BATCH_SIZE_RANGE, DEFAULTS.batch_size),
        number_param("seed", "step.seed", 0, SEED_MAX, DEFAULTS.seed),
        Param("step", read_step, lambda: str(S["step.stepper"].step) if "step.stepper" in S else None),
        choice_param("phase", "step.phase", lambda: PHASES, "forward"),
    ],
)


# --- callbacks ----------------------------------------------------------------------------------------------


def take(steps: int) -> None:
    """Callback: take ``steps`` optimizer steps with this session's stepper."""
    stepper = S.get("step.stepper")
    if stepper is not None:
        stepper.advance(steps)


def reset() -> None:
    """Callback: start again from the seed (the same numbers come back)."""
    S.pop("step.stepper", None)


# --- the page -------------------------------------------------------------------------------------------------

st.title(t("step.title"))
st.write(t("step.intro"))
for problem in URL.read():
    show(problem, "warning")
for field, key in (("setup", "setup"), ("optimizer", "optimizer"), ("lr", "lr"), ("momentum", "momentum")):
    S.setdefault(f"step.{key}", getattr(DEFAULTS, field))
S.setdefault("step.batch", DEFAULTS.batch_size)
S.setdefault("step.seed", DEFAULTS.seed)
S.setdefault("step.phase", "forward")

model_column, loss_column, optimizer_column = st.columns([2, 1.3, 1.3])
setup = model_column.selectbox(
    t("step.setup"), list(SETUPS), format_func=lambda key: t(f"step.setup_{key}"), key="step.setup"
)
losses = SETUPS[setup].losses
if S.get("step.loss") not in losses:
    S["step.loss"] = losses[0]
loss = loss_column.selectbox(t("training.loss"), losses, format_func=lambda n: t(f"training.loss_{n}"), key="step.loss")
optimizer = optimizer_column.selectbox(
    t("training.optimizer"), OPTIMIZERS, format_func=lambda o: t(f"training.optimizer_{o}"), key="step.optimizer"
)
lr_column, momentum_column, batch_column, seed_column = st.columns([1.6, 1.6, 1, 1])
lr = lr_column.select_slider(t("training.lr"), LR_CHOICES, format_func=format_number, key="step.lr")
momentum = momentum_column.slider(
    t("training.momentum"), 0.0, 0.99, step=0.01, key="step.momentum", disabled=optimizer not in ("sgd", "rmsprop")
)
batch_size = batch_column.number_input(t("training.batch_size"), *BATCH_SIZE_RANGE, key="step.batch")
seed = seed_column.number_input(t("training.seed"), 0, SEED_MAX, key="step.seed")
settings = StepSettings(setup, loss, optimizer, float(lr), float(momentum), int(batch_size), int(seed))

stepper = S.get("step.stepper")
replay = S.pop("step._replay", None)
try:
    if stepper is None or stepper.settings != settings or (replay is not None and replay != stepper.step):
        stepper = S["step.stepper"] = Stepper(settings, step_data(setup, settings.seed))
        if replay:
            stepper.advance(int(replay))  # a shared link: the same seed gives the same numbers
except UserError as exc:
    show(exc.message)
    URL.write()
    st.stop()

buttons = st.container(horizontal=True)
buttons.button(t("step.next"), key="step.next", on_click=take, args=(1,), type="primary", icon=":material/skip_next:")
buttons.button(t("step.ten"), key="step.ten", on_click=take, args=(10,), icon=":material/fast_forward:")
buttons.button(t("step.reset"), key="step.reset", on_click=reset, icon=":material/restart_alt:")
view = stepper.view
if view is None:
    st.info(t("step.press_next", batches=len(stepper.loader)))
    URL.write()
    st.stop()

status, curve = st.columns([1, 2])
status.markdown(status_line(view))
status.metric(t("step.batch_loss"), f"{view.loss:.4f}")
if len(stepper.losses) > 1:
    steps = range(1, len(stepper.losses) + 1)
    with curve:
        figure = run_curves_figure(
            {t("step.batch_loss"): (steps, stepper.losses)}, x_title=t("step.x_steps"), height=200
        )
        plot(figure.update_xaxes(dtick=max(1, len(steps) // 8)))  # whole steps on the axis

phase = st.segmented_control(
    t("step.phase"), PHASES, format_func=lambda p: t(f"step.phase_{p}"), key="step.phase", required=True
)
left, right = st.columns([1.3, 1], gap="large")
data = stepper.data
with left:
    if phase == "batch":
        batch_phase(view, data)
    elif phase == "zero_grad":
        zero_grad_phase(view)
    elif phase == "forward":
        forward_phase(view, data)
    elif phase == "loss":
        loss_phase(view, settings, data)
        st.page_link(LOSSES_PAGE, label=t("step.to_losses"), icon=":material/functions:")
    elif phase == "backward":
        backward_phase(view)
    elif phase == "step":
        step_phase(view, settings)
    else:
        modes_phase(view)
with right:
    script = script_for(settings, len(data.y_train))
    shown = marked(script, phase)
    st.markdown(f"**{t('step.code_title')}**")
    st.code(
        shown[shown.index("def main():") :], language="python", wrap_lines=True
    )  # the loop; the model class is above it
    with st.expander(t("step.whole_script"), icon=":material/code:"):
        st.code(shown, language="python", wrap_lines=True)
    st.download_button(
        t("step.download"), script, file_name="train_loop.py", mime="text/x-python", icon=":material/download:"
    )
    st.caption(t("step.code_caption"))
st.page_link(TRAINING_PAGE, label=t("step.to_training"), icon=":material/model_training:")
URL.write()
