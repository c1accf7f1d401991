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
from core.datasets import DATASETS, DatasetInfo
from core.formatting import format_number
from core.i18n import Message, UserError, escape_markdown
from core.modelspec import ModelSpec
from core.presets import PRESETS
from ui import keys
from ui.app import ARCHITECTURE_PAGE
from ui.text import lang, show, t

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
    "seed": DEFAULTS.seed,
    "device": DEFAULTS.device,
}


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
        show(Message("class.recipe_loaded", {"title": S.pop("train._loaded_recipe")}), "info")


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
    st.caption(info.about.text(lang()))
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
    return info


def model_ui(dataset: str) -> tuple[dict | None, str | None]:
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
