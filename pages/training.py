"""Training: pick data, a model and hyper-parameters, start a run, watch it live, compare runs.

This file holds the layout, the form, the URL and the job queue; the data preview, the live area and
the run list are drawn by ui_training.py, which this page calls in the order the reader sees them.
URL parameters (read and written here): run (the watched run id), preset (a key of core.presets.PRESETS);
read once: recipe (a teacher's recipe id, from the home page: fills the form, then leaves the URL).
Session-state keys: widget keys start with "train." and live only on this page, except
"train.spec": a ModelSpec dict that the Architecture page sets ("Train this model") and this page reads.
"train.run" holds the watched run id (also the `run` URL parameter); "train.records" the metrics of
that run read so far ({"run_id", "since", "records"}), so each refresh reads only the new lines.
"train.source" says where the model comes from ("preset" or "architecture"); the run list's widgets
are "train.selected" and "train.compare". Flags between a callback and the next run: "train._start"
(start the form's run), "train._problem" (a run-list action failed), "train._url" (the URL this page
last wrote) and "train._spec_seen" (the Architecture page's spec already taken).
"""

from __future__ import annotations

import streamlit as st
import torch

import ui
import ui_training
from core import classroom, presets
from core.data import DATASETS, DatasetInfo
from core.figures import format_number
from core.i18n import Message, UserError
from core.models import ModelSpec
from core.presets import PRESETS
from core.runs import check_run_id
from core.train import DEVICES, LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig
from core.urlstate import parse_choice

ui.leave_folder_mode()
t = ui.translator()

S = st.session_state
SETTINGS = ui.settings()
DEFAULTS = TrainConfig()  # every control starts at the trainer's own default
URL_KEYS = ("run", "preset", "recipe")
ARCHITECTURE_PAGE = "pages/architecture.py"
LR_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
WEIGHT_DECAY_CHOICES = (0.0, 1e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1)
# One click fills the form and starts. Measured on 2 CPU cores: LeNet reaches ~98% test accuracy.
RECIPES = {
    "lenet_digits": {
        "dataset": "digits",
        "preset": "lenet",
        "epochs": 6,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-2,
        "schedule": "onecycle",
    },
    "cnn_shapes": {
        "dataset": "shapes",
        "preset": "small_cnn",
        "epochs": 6,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-2,
        "schedule": "onecycle",
    },
}
# the form's controls (TrainConfig field -> value when the form starts); widget key: "train." + field
FORM_DEFAULTS = {
    "dataset": DEFAULTS.dataset,
    "max_samples": 0,  # 0 = all
    "val_fraction": DEFAULTS.val_fraction,
    "epochs": DEFAULTS.epochs,
    "batch_size": DEFAULTS.batch_size,
    "optimizer": DEFAULTS.optimizer,
    "lr": DEFAULTS.lr,
    "momentum": DEFAULTS.momentum,
    "weight_decay": DEFAULTS.weight_decay,
    "schedule": DEFAULTS.schedule,
    "step_size": DEFAULTS.step_size,
    "milestones": list(DEFAULTS.milestones),
    "gamma": DEFAULTS.gamma,
    "loss": DEFAULTS.loss,
    "crop_padding": DEFAULTS.crop_padding,
    "flip": DEFAULTS.flip,
    "seed": DEFAULTS.seed,
    "device": DEFAULTS.device,
}
DEFAULT_PRESET = "lenet"


CLASS = ui.open_classroom()  # the job queue and the run store, as this viewer may see and change them
STORE = CLASS.store


# --- what fits what: the core check, cached per (model, data set) ----------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def fit_problem(spec_dict: dict, dataset: str) -> Message | None:
    """Return why a model (a ModelSpec dict) cannot train on ``dataset``, or None: core.presets.fit_problem."""
    try:
        spec = ModelSpec.from_dict(spec_dict)
    except UserError as exc:  # a damaged spec from the Architecture page
        return exc.message
    return presets.fit_problem(spec, DATASETS[dataset])


@st.cache_data(max_entries=16, show_spinner=False)
def fitting_presets(dataset: str) -> list[str]:
    """Return the preset keys that train on ``dataset`` as they are: core.presets.fitting_presets."""
    return presets.fitting_presets(DATASETS[dataset])


# --- URL state -------------------------------------------------------------------------------------


def read_url() -> list[Message]:
    """Take the watched run and the preset from the URL when the URL came from outside; return its problems."""
    params = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    if params == S.get("train._url"):
        return []
    problems = []
    if "run" in params:
        S["train.run"] = None
        try:
            run_id = check_run_id(params["run"])
            CLASS.read(run_id)  # a deleted run, or another student's, gets "there is no run ..."
            S["train.run"] = run_id
        except UserError as exc:
            problems.append(exc.message)
    if "preset" in params:
        preset, problem = parse_choice(params["preset"], "preset", list(PRESETS), DEFAULT_PRESET)
        problems += [problem] if problem else []
        S["train.source"] = "preset"
        S["train.preset"] = preset
        if preset not in fitting_presets(S.get("train.dataset", DEFAULTS.dataset)):
            fitting = [d for d in DATASETS if preset in fitting_presets(d)]
            if fitting:  # show the preset with a data set it trains on
                S["train.dataset"] = fitting[0]
            else:
                problems.append(Message("training.preset_fits_nothing", {"preset": preset}))
    if "recipe" in params:
        recipe = next((r for r in CLASS.board.recipes if r.recipe_id == params["recipe"]), None)
        if recipe is None:
            problems.append(Message("class.recipe_gone", {"value": params["recipe"][:40]}))
        else:
            fill_form(recipe.config)
            S["train._loaded_recipe"] = recipe.title
    return problems


def write_url(preset: str | None) -> None:
    """Put the watched run and the preset in the URL, so the view can be shared as a link."""
    params = {}
    if S.get("train.run"):
        params["run"] = S["train.run"]
    if preset is not None and S.get("train.source", "preset") == "preset":
        params["preset"] = preset
    for k in URL_KEYS:
        if k not in params and k in st.query_params:
            del st.query_params[k]
    st.query_params.update(params)
    S["train._url"] = params


def receive_spec() -> None:
    """When a model has just arrived from the Architecture page, select it, with the first data set it fits."""
    spec = S.get("train.spec")
    if spec is None or S.get("train._spec_seen") == spec:
        return
    S["train._spec_seen"] = spec
    S["train.source"] = "architecture"
    fitting = [d for d in DATASETS if fit_problem(spec, d) is None]
    if fitting and S.get("train.dataset") not in fitting:
        S["train.dataset"] = fitting[0]


# --- callbacks -----------------------------------------------------------------------------------------


def apply_recipe(name: str) -> None:
    """Callback: reset the form, fill in a recipe, and ask the script to start it."""
    for field, value in {**FORM_DEFAULTS, **RECIPES[name]}.items():
        if field != "preset":
            S[f"train.{field}"] = value
    S["train.source"] = "preset"
    S["train.preset"] = RECIPES[name]["preset"]
    S["train._start"] = True


def fill_form(config: dict) -> None:
    """Put a TrainConfig dict (a teacher's recipe) into the form; a model spec goes where the Architecture page's would."""
    for field, value in FORM_DEFAULTS.items():
        S[f"train.{field}"] = config.get(field, value)
    S["train.max_samples"] = config.get("max_samples") or 0
    S["train.milestones"] = list(config.get("milestones", FORM_DEFAULTS["milestones"]))
    model = config.get("model", DEFAULT_PRESET)
    if isinstance(model, dict):
        S["train.spec"] = model
        S["train.source"] = "architecture"
    else:
        S["train.source"] = "preset"
        S["train.preset"] = model


def publish_recipe(config: TrainConfig) -> None:
    """Callback (teacher): put the form's config on the class board under the typed title."""
    try:
        classroom.publish_recipe(STORE.root, S.get("train.publish_title", ""), config.to_dict())
        S["train._published"] = S["train.publish_title"]
    except UserError as exc:
        S["train._publish_problem"] = exc.message


def ask_to_start() -> None:
    """Callback: start the form's run once the script has built and checked its config.

    A callback, not ``if st.button(...)``: a click is then never lost to a rerun.
    """
    S["train._start"] = True


def start(config: TrainConfig) -> None:
    """Queue ``config`` and watch the new run."""
    try:
        S["train.run"] = CLASS.submit(config)
    except UserError as exc:  # a limit of this server: the queue is full, one run per student, ...
        ui.show(exc.message)


# --- the form --------------------------------------------------------------------------------------------


def recipes_ui() -> None:
    st.write(t("training.recipes"))
    row = st.container(horizontal=True)
    for name in RECIPES:
        row.button(
            t(f"training.recipe_{name}"),
            key=f"train.recipe_{name}",
            on_click=apply_recipe,
            args=(name,),
            icon=":material/bolt:",
            help=t(f"training.recipe_{name}_help"),
        )
    if "train._loaded_recipe" in S:
        ui.show(Message("class.recipe_loaded", {"title": S.pop("train._loaded_recipe")}), "info")


def publish_ui(config: TrainConfig) -> None:
    """Teacher mode: publish the form as a recipe students see on the home page."""
    with st.expander(t("class.publish_recipe"), icon=":material/campaign:"):
        st.text_input(t("class.publish_title"), key="train.publish_title", max_chars=classroom.MAX_TITLE)
        st.button(t("class.publish"), key="train.publish", on_click=publish_recipe, args=(config,))
        if "train._published" in S:
            ui.show(Message("class.published", {"title": S.pop("train._published")}), "success")
        if "train._publish_problem" in S:
            ui.show(S.pop("train._publish_problem"))


def data_ui() -> DatasetInfo:
    """Draw the data set choice; return its catalogue entry."""
    st.subheader(t("training.data"))
    dataset = st.selectbox(
        t("training.dataset"),
        list(DATASETS),
        format_func=lambda key: t(f"data.title_{key}"),
        key="train.dataset",
        persist_state="session",
    )
    info = DATASETS[dataset]
    st.caption(info.about.text(ui.lang()))
    st.number_input(
        t("training.max_samples"),
        min_value=0,
        max_value=100_000,
        step=100,
        key="train.max_samples",
        help=t("training.max_samples_help"),
        persist_state="session",
    )
    st.slider(
        t("training.val_fraction"),
        0.05,
        0.5,
        step=0.05,
        key="train.val_fraction",
        help=t("training.val_fraction_help"),
        persist_state="session",
    )
    return info


def model_ui(dataset: str) -> tuple[dict | None, str | None]:
    """Draw the model choice; return (the chosen ModelSpec as a dict or None, the preset key or None)."""
    st.subheader(t("training.model"))
    sent = S.get("train.spec")
    if sent is not None:
        st.radio(
            t("training.source"),
            ["preset", "architecture"],
            format_func=lambda s: t(f"training.source_{s}"),
            key="train.source",
            horizontal=True,
            persist_state="session",
        )
    if sent is not None and S.get("train.source") == "architecture":
        try:
            spec = ModelSpec.from_dict(sent)
        except UserError as exc:
            ui.show(exc.message)
            return None, None
        st.info(
            t("training.arch_spec", name=spec.name or t("training.custom_model"), shape=list(spec.input_shape)),
            icon=":material/account_tree:",
        )
        return spec.to_dict(), None
    options = fitting_presets(dataset)
    if not options:
        st.info(t("training.no_preset_fits", shape=list(DATASETS[dataset].input_shape)))
        st.page_link(ARCHITECTURE_PAGE, label=t("nav.architecture"), icon=":material/account_tree:")
        return None, None
    if S.get("train.preset") not in options:
        S["train.preset"] = DEFAULT_PRESET if DEFAULT_PRESET in options else options[0]
    key = st.selectbox(
        t("training.preset"),
        options,
        format_func=lambda k: PRESETS[k].title,
        key="train.preset",
        help=t("training.preset_help"),
        persist_state="session",
    )
    preset = PRESETS[key]
    st.caption(t(preset.description_key))
    st.caption(t("training.preset_shape", shape=list(preset.spec.input_shape)))
    st.page_link(
        ARCHITECTURE_PAGE, label=t("training.see_layers"), icon=":material/account_tree:", query_params={"preset": key}
    )
    return preset.spec.to_dict(), key


def hyper_ui(is_image: bool) -> dict:
    """Draw the hyper-parameters; return them as TrainConfig fields."""
    st.subheader(t("training.hyper"))
    left, right = st.columns(2)
    epochs = left.number_input(
        t("training.epochs"), 1, 200, key="train.epochs", help=t("training.epochs_help"), persist_state="session"
    )
    batch_size = right.number_input(
        t("training.batch_size"),
        1,
        4096,
        key="train.batch_size",
        help=t("training.batch_size_help"),
        persist_state="session",
    )
    optimizer = left.selectbox(
        t("training.optimizer"),
        OPTIMIZERS,
        format_func=lambda o: t(f"training.optimizer_{o}"),
        key="train.optimizer",
        help=t("training.optimizer_help"),
        persist_state="session",
    )
    lr = right.select_slider(
        t("training.lr"),
        LR_CHOICES,
        format_func=format_number,
        key="train.lr",
        help=t("training.lr_help"),
        persist_state="session",
    )
    momentum = left.slider(
        t("training.momentum"),
        0.0,
        0.99,
        step=0.01,
        key="train.momentum",
        help=t("training.momentum_help"),
        disabled=optimizer not in ("sgd", "rmsprop"),
        persist_state="session",
    )
    weight_decay = right.select_slider(
        t("training.weight_decay"),
        WEIGHT_DECAY_CHOICES,
        format_func=format_number,
        key="train.weight_decay",
        help=t("training.weight_decay_help"),
        persist_state="session",
    )
    schedule = left.selectbox(
        t("training.schedule"),
        SCHEDULES,
        format_func=lambda s: t(f"training.schedule_{s}"),
        key="train.schedule",
        help=t("training.schedule_help"),
        persist_state="session",
    )
    loss = right.selectbox(
        t("training.loss"),
        LOSSES,
        format_func=lambda name: t(f"training.loss_{name}"),
        key="train.loss",
        help=t("training.loss_help"),
        persist_state="session",
    )
    step_size, milestones, gamma = S["train.step_size"], S["train.milestones"], S["train.gamma"]
    if schedule == "step":
        step_size = left.number_input(
            t("training.step_size"),
            1,
            200,
            key="train.step_size",
            help=t("training.step_size_help"),
            persist_state="session",
        )
    if schedule == "multistep":
        S["train.milestones"] = [m for m in S["train.milestones"] if m <= epochs]  # options end at `epochs`
        milestones = left.multiselect(
            t("training.milestones"),
            list(range(1, int(epochs) + 1)),
            key="train.milestones",
            help=t("training.milestones_help"),
            persist_state="session",
        )
    if schedule in ("step", "multistep"):
        gamma = right.slider(
            t("training.gamma"),
            0.05,
            1.0,
            step=0.05,
            key="train.gamma",
            help=t("training.gamma_help"),
            persist_state="session",
        )
    crop_padding = left.slider(
        t("training.crop_padding"),
        0,
        8,
        key="train.crop_padding",
        help=t("training.crop_padding_help"),
        disabled=not is_image,
        persist_state="session",
    )
    flip = right.checkbox(
        t("training.flip"),
        key="train.flip",
        help=t("training.flip_help"),
        disabled=not is_image,
        persist_state="session",
    )
    if not is_image:
        right.caption(t("training.augment_images_only"))
    seed = left.number_input(
        t("training.seed"), 0, 2**31 - 1, key="train.seed", help=t("training.seed_help"), persist_state="session"
    )
    device = right.selectbox(
        t("training.device"),
        DEVICES,
        format_func=lambda d: t(f"training.device_{d}"),
        key="train.device",
        help=t("training.device_help"),
        persist_state="session",
    )
    return {
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "optimizer": optimizer,
        "lr": float(lr),
        "momentum": float(momentum),
        "weight_decay": float(weight_decay),
        "schedule": schedule,
        "step_size": int(step_size),
        "milestones": tuple(sorted(milestones)),
        "gamma": float(gamma),
        "loss": loss,
        "crop_padding": int(crop_padding) if is_image else 0,
        "flip": bool(flip) and is_image,
        "seed": int(seed),
        "device": device,
    }


# --- the page ------------------------------------------------------------------------------------------------

st.title(t("training.title"))
st.write(t("training.intro"))
for problem in read_url():
    ui.show(problem, "warning")
for field, value in FORM_DEFAULTS.items():
    S.setdefault(f"train.{field}", value)
receive_spec()
S.setdefault("train.source", "preset")

recipes_ui()
data_column, model_column, hyper_column = st.columns([1, 1, 1.4], gap="large")
with data_column:
    info = data_ui()
with model_column:
    spec_dict, preset = model_ui(info.key)
with hyper_column:
    hyper = hyper_ui(info.kind == "image")

problems: list[Message] = []  # shown above Start, which stays disabled while there are any
if spec_dict is not None and (fit := fit_problem(spec_dict, info.key)) is not None:
    problems.append(fit)
image_size = spec_dict["input_shape"][-1] if spec_dict and info.kind == "image" and not problems else None
max_samples = int(S["train.max_samples"]) or None
preview = ui_training.data_preview(info.key, image_size, float(S["train.val_fraction"]), hyper["seed"], max_samples)
with data_column:
    ui_training.preview_ui(preview)  # also says why the data cannot be loaded (torchvision files missing)
if preview["problem"] is None:
    ui_training.arithmetic_ui(preview["sizes"]["train"], hyper["batch_size"], hyper["epochs"])
if spec_dict is None and not problems:
    problems.append(Message("training.choose_model"))
config = TrainConfig(
    dataset=info.key,
    model=preset if preset is not None else (spec_dict or DEFAULTS.model),
    val_fraction=float(S["train.val_fraction"]),
    max_samples=max_samples,
    **hyper,
)
problems += config.problems()
problems += CLASS.jobs.limits.config_problems(config)
if hyper["device"] == "cuda" and not torch.cuda.is_available():
    problems.append(Message("train.no_cuda"))
for problem in problems:
    ui.show(problem)
st.button(
    t("training.start"),
    key="train.start",
    type="primary",
    disabled=bool(problems) or preview["problem"] is not None,
    on_click=ask_to_start,
    icon=":material/play_arrow:",
)
if S.pop("train._start", False) and not problems and preview["problem"] is None:
    start(config)
if CLASS.viewer.teacher and not problems:
    publish_ui(config)

if S.get("train.run"):
    ui_training.live_ui(CLASS, S["train.run"])
ui_training.runs_ui(CLASS)
ui_training.tensorboard_ui(SETTINGS.runs_dir)
write_url(preset)
