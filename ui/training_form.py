"""The Training page's form: data set, model and hyper-parameters, and the one-click recipes that fill it.

Every control starts at :class:`core.config.TrainConfig`'s default and offers the ranges of
:data:`core.config.FORM_BOUNDS`; a widget's key is "train." + the config field it sets.
Session-state keys besides the fields (the page lists them all): "train.source" ("preset" or
"architecture"), ``ui.keys.TRAIN_SPEC`` (a model sent by the Architecture page), "train._start"
(start the form's run on the next page run).
"""

from __future__ import annotations

import streamlit as st

from core import presets
from core.classroom import Classroom
from core.config import (
    DEVICES,
    FORM_BOUNDS,
    LOSSES,
    LR_CHOICES,
    OPTIMIZERS,
    RECIPES,
    SCHEDULES,
    WEIGHT_DECAY_CHOICES,
    TrainConfig,
)
from core.datasets import DATASETS, UPLOAD_KINDS, DatasetInfo
from core.formatting import format_number
from core.i18n import Message, UserError, escape_markdown
from core.losses import loss_warning
from core.modelspec import ModelSpec
from core.presets import PRESETS
from core.summary import summarize
from ui import keys
from ui.app import ARCHITECTURE_PAGE, LOSSES_PAGE, PIPELINE_PAGE, STEP_PAGE
from ui.text import show, t
from ui.training_upload import upload_info, upload_ui

S = st.session_state
DEFAULTS = TrainConfig()  # every control starts at the trainer's own default
DEFAULT_PRESET = "lenet"
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
    "zoom": DEFAULTS.zoom,
    "seed": DEFAULTS.seed,
    "device": DEFAULTS.device,
}


# --- what fits what: the core check, cached per (model, data set) ----------------------------------------


def catalogue_entry(dataset: str | DatasetInfo | None) -> DatasetInfo | None:
    """Return a data set's catalogue entry: a built-in key's, an upload's own (given), or None."""
    return dataset if isinstance(dataset, DatasetInfo) or dataset is None else DATASETS.get(dataset)


def fit_problem(spec_dict: dict, dataset: str | DatasetInfo) -> Message | None:
    """Return why a model (a ModelSpec dict) cannot train on ``dataset``, or None: core.presets.fit_problem."""
    info = catalogue_entry(dataset)
    return None if info is None else _fit_problem(spec_dict, info)


@st.cache_data(max_entries=64, show_spinner=False)
def _fit_problem(spec_dict: dict, info: DatasetInfo) -> Message | None:
    try:
        spec = ModelSpec.from_dict(spec_dict)
    except UserError as exc:  # a damaged spec from the Architecture page
        return exc.message
    return presets.fit_problem(spec, info)


def fitting_presets(dataset: str | DatasetInfo | None) -> dict[str, dict]:
    """Return the presets the form offers for ``dataset`` as {key: spec dict}: core.presets.presets_for."""
    info = catalogue_entry(dataset)
    return {} if info is None else _fitting_presets(info)


@st.cache_data(max_entries=16, show_spinner=False)
def _fitting_presets(info: DatasetInfo) -> dict[str, dict]:
    return {key: spec.to_dict() for key, spec in presets.presets_for(info).items()}


@st.cache_data(max_entries=64, show_spinner=False)
def model_outputs(spec_dict: dict) -> int | None:
    """Return how many outputs a model (a ModelSpec dict) gives per sample, or None when it cannot run."""
    try:
        summary = summarize(ModelSpec.from_dict(spec_dict))
    except UserError:
        return None
    return summary.output_shape[-1] if summary.output_shape else None


# --- callbacks -----------------------------------------------------------------------------------------


def apply_recipe(name: str) -> None:
    """Callback: reset the form, fill in a recipe, and ask the script to start it."""
    for field, value in {**FORM_DEFAULTS, **RECIPES[name]}.items():
        if field not in ("preset", "measured_s"):
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
        S[keys.TRAIN_SPEC] = model
        S["train.source"] = "architecture"
    else:
        S["train.source"] = "preset"
        S["train.preset"] = model


def ask_to_start() -> None:
    """Callback: start the form's run once the script has built and checked its config.

    A callback, not ``if st.button(...)``: a click is then never lost to a rerun.
    """
    S["train._start"] = True


# --- the form --------------------------------------------------------------------------------------------


def recipe_config(name: str) -> TrainConfig:
    """Return the run a recipe starts: the form's defaults with the recipe's settings."""
    fields = {**FORM_DEFAULTS, **{k: v for k, v in RECIPES[name].items() if k not in ("preset", "measured_s")}}
    fields["milestones"] = tuple(fields["milestones"])
    fields["max_samples"] = fields["max_samples"] or None
    return TrainConfig(model=RECIPES[name]["preset"], **fields)


def learn_links() -> None:
    """Links to the pages that open up what a run does: the data pipeline, one step, the losses."""
    row = st.container(horizontal=True)
    row.page_link(PIPELINE_PAGE, label=t("training.see_pipeline"), icon=":material/dataset:")
    row.page_link(STEP_PAGE, label=t("training.see_step"), icon=":material/footprint:")
    row.page_link(LOSSES_PAGE, label=t("training.see_losses"), icon=":material/functions:")


def recipes_ui(room: Classroom) -> None:
    st.write(t("training.recipes"))
    row = st.container(horizontal=True)
    for name in RECIPES:
        # the time a student will wait: this server's own median for the recipe, else the shipped measurement
        seconds = room.typical_seconds(recipe_config(name).to_dict()) or RECIPES[name]["measured_s"]
        row.button(
            t(f"training.recipe_{name}", seconds=f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"),
            key=f"train.recipe_{name}",
            on_click=apply_recipe,
            args=(name,),
            icon=":material/bolt:",
            help=t(f"training.recipe_{name}_help"),
        )
    if "train._loaded_recipe" in S:
        show(Message("class.recipe_loaded", {"title": S.pop("train._loaded_recipe")}), "info")


def data_ui() -> DatasetInfo | None:
    """Draw the data set choice; return its catalogue entry (an upload's once it reads, else None)."""
    st.subheader(t("training.data"))
    dataset = st.selectbox(
        t("training.dataset"),
        [*DATASETS, *UPLOAD_KINDS],
        format_func=lambda key: t(f"data.title_{key}"),
        key="train.dataset",
        persist_state="session",
    )
    st.caption(t(f"data.about_{dataset}"))
    if dataset in UPLOAD_KINDS:
        upload_ui(dataset)
    st.number_input(
        t("training.max_samples"),
        *FORM_BOUNDS["max_samples"],
        step=100,
        key="train.max_samples",
        help=t("training.max_samples_help"),
        persist_state="session",
    )
    st.slider(
        t("training.val_fraction"),
        *FORM_BOUNDS["val_fraction"],
        step=0.05,
        key="train.val_fraction",
        help=t("training.val_fraction_help"),
        persist_state="session",
    )
    if dataset in UPLOAD_KINDS:
        max_samples = int(S["train.max_samples"]) or None
        return upload_info(dataset, float(S["train.val_fraction"]), int(S["train.seed"]), max_samples)
    return DATASETS[dataset]


def model_ui(dataset: DatasetInfo | None) -> tuple[dict | None, str | None]:
    """Draw the model choice; return (the chosen ModelSpec as a dict or None, the preset key or None)."""
    st.subheader(t("training.model"))
    sent = S.get(keys.TRAIN_SPEC)
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
            show(exc.message)
            return None, None
        st.info(
            t(
                "training.arch_spec",
                name=escape_markdown(spec.name) or t("training.custom_model"),
                shape=list(spec.input_shape),
            ),
            icon=":material/account_tree:",
        )
        return spec.to_dict(), None
    offered = fitting_presets(dataset)
    options = list(offered)
    if dataset is None:  # an upload not read yet: its uploader says why
        return None, None
    if not options:
        st.info(t("training.no_preset_fits", shape=list(dataset.input_shape)))
        st.page_link(ARCHITECTURE_PAGE, label=t("nav.architecture"), icon=":material/account_tree:")
        return None, None
    if S.get("train.preset") not in options:
        S["train.preset"] = DEFAULT_PRESET if DEFAULT_PRESET in options else options[0]
    key = st.selectbox(
        t("training.preset"),
        options,
        format_func=lambda k: offered[k].get("name") or PRESETS[k].title,
        key="train.preset",
        help=t("training.preset_help"),
        persist_state="session",
    )
    preset = PRESETS[key]
    spec = ModelSpec.from_dict(offered[key])  # the preset itself, or fitted to a table's columns
    st.caption(t(preset.description_key))
    st.caption(t("training.preset_shape", shape=list(spec.input_shape)))
    if spec != preset.spec:
        st.caption(t("training.preset_fitted", name=spec.name))
    st.page_link(
        ARCHITECTURE_PAGE, label=t("training.see_layers"), icon=":material/account_tree:", query_params={"preset": key}
    )
    return spec.to_dict(), key


def hyper_ui(is_image: bool, spec_dict: dict | None) -> dict:
    """Draw the hyper-parameters for the model ``spec_dict``; return them as TrainConfig fields.

    The losses offered fit the model: one sigmoid output trains with BCE, one output per class with
    CrossEntropy or MSE (core.losses).
    """
    single_output = spec_dict is not None and model_outputs(spec_dict) == 1
    losses = ("bce",) if single_output else tuple(name for name in LOSSES if name != "bce")
    if S.get("train.loss") not in losses:
        S["train.loss"] = losses[0]
    st.subheader(t("training.hyper"))
    left, right = st.columns(2)
    epochs = left.number_input(
        t("training.epochs"),
        *FORM_BOUNDS["epochs"],
        key="train.epochs",
        help=t("training.epochs_help"),
        persist_state="session",
    )
    batch_size = right.number_input(
        t("training.batch_size"),
        *FORM_BOUNDS["batch_size"],
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
        *FORM_BOUNDS["momentum"],
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
        losses,
        format_func=lambda name: t(f"training.loss_{name}"),
        key="train.loss",
        help=t("training.loss_help"),
        persist_state="session",
    )
    right.caption(t(f"training.loss_semantics_{loss}"))
    if spec_dict is not None and (warning := loss_warning(loss, ModelSpec.from_dict(spec_dict))) is not None:
        show(warning, "warning")
    step_size, milestones, gamma = S["train.step_size"], S["train.milestones"], S["train.gamma"]
    if schedule == "step":
        step_size = left.number_input(
            t("training.step_size"),
            *FORM_BOUNDS["step_size"],
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
            placeholder=t("common.choose_options"),
        )
    if schedule in ("step", "multistep"):
        gamma = right.slider(
            t("training.gamma"),
            *FORM_BOUNDS["gamma"],
            step=0.05,
            key="train.gamma",
            help=t("training.gamma_help"),
            persist_state="session",
        )
    crop_padding = left.slider(
        t("training.crop_padding"),
        *FORM_BOUNDS["crop_padding"],
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
    zoom = left.slider(
        t("training.zoom"),
        *FORM_BOUNDS["zoom"],
        step=0.05,
        key="train.zoom",
        help=t("training.zoom_help"),
        disabled=not is_image,
        persist_state="session",
    )
    if not is_image:
        right.caption(t("training.augment_images_only"))
    seed = left.number_input(
        t("training.seed"),
        *FORM_BOUNDS["seed"],
        key="train.seed",
        help=t("training.seed_help"),
        persist_state="session",
    )
    device = right.selectbox(
        t("training.device"),
        DEVICES,
        format_func=lambda d: t(f"training.device_{d}"),
        key="train.device",
        help=t("training.device_help"),
        persist_state="session",
    )
    st.page_link(LOSSES_PAGE, label=t("training.see_losses"), icon=":material/functions:")  # too long for half a column
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
        "zoom": float(zoom) if is_image else 0.0,
        "seed": int(seed),
        "device": device,
    }
