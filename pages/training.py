"""Training: pick data, a model and hyper-parameters, start a run, watch it live, compare runs.

URL parameters (read and written here): run (the watched run id), preset (a key of core.presets.PRESETS).
Session-state keys: widget keys start with "train." and live only on this page, except
"train.spec": a ModelSpec dict that the Architecture page sets ("Train this model") and this page reads.
"train.run" holds the watched run id (also the `run` URL parameter); "train.records" the metrics of
that run read so far ({"run_id", "since", "records"}), so each refresh reads only the new lines.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import threading
import time
from pathlib import Path

import pandas as pd
import streamlit as st
import torch

import ui
from core import figures
from core.data import DATASETS, INPUT_SIZE_RANGE, DatasetInfo, load_dataset
from core.figures import format_count, format_number
from core.i18n import Message, UserError
from core.jobs import RESUMABLE_STATES, Job, LocalJobs
from core.models import ModelSpec
from core.presets import PRESETS
from core.runs import check_run_id, current_records
from core.settings import Settings
from core.summary import summarize
from core.train import DEVICES, LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig
from core.urlstate import parse_choice

ui.leave_folder_mode()
t = ui.translator()

S = st.session_state
SETTINGS = Settings.from_env()
DEFAULTS = TrainConfig()  # every control starts at the trainer's own default
URL_KEYS = ("run", "preset")
ARCHITECTURE_PAGE = "pages/architecture.py"
REFRESH_S = 1.0  # the live area re-reads the run store this often while the run is queued or running
LR_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
WEIGHT_DECAY_CHOICES = (0.0, 1e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1)
PREVIEW_PER_CLASS = 8  # training images shown per class in the data preview
PREVIEW_WIDTH_PX = 240  # one row per class: 10 classes of 8 images keep the form about as tall as its neighbours
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


# --- the job queue: one per app process -----------------------------------------------------------


def _release_queue(held: tuple[LocalJobs, threading.Event]) -> None:
    jobs, stop_scheduler = held
    stop_scheduler.set()
    jobs.close()


@st.cache_resource(max_entries=4, on_release=_release_queue, show_spinner=False)
def job_queue(runs_dir: str) -> tuple[LocalJobs, threading.Event]:
    """Return this process's job queue for the run store at ``runs_dir``, its scheduler thread started."""
    jobs = LocalJobs.from_settings(dataclasses.replace(SETTINGS, runs_dir=Path(runs_dir)))
    jobs.reconcile()  # runs whose worker died while no app was watching
    return jobs, jobs.start_background()


JOBS, _ = job_queue(str(SETTINGS.runs_dir))
STORE = JOBS.store


# --- what fits what: data set, model, and the data as the model will see it ----------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def fit_problem(spec_dict: dict, dataset: str) -> Message | None:
    """Return why a model cannot train on a data set (input shape or number of classes), or None."""
    info: DatasetInfo = DATASETS[dataset]
    try:
        spec = ModelSpec.from_dict(spec_dict)
    except UserError as exc:  # a damaged spec from the Architecture page
        return exc.message
    shape = tuple(spec.input_shape)
    data_shape = info.input_shape
    if info.kind == "image":  # the images are resized to the model's square input
        square = len(shape) == 3 and shape[1] == shape[2] and INPUT_SIZE_RANGE[0] <= shape[2] <= INPUT_SIZE_RANGE[1]
        data_shape = (info.input_shape[0], *shape[1:]) if square else info.input_shape
        fits = square and shape[0] == info.input_shape[0]
    else:
        fits = shape == info.input_shape
    if not fits:
        return Message("train.shape_mismatch", {"data_shape": list(data_shape), "model_shape": list(shape)})
    summary = summarize(spec)
    if summary.problem is not None:
        return summary.problem.message
    outputs = summary.output_shape[-1]
    if outputs != info.num_classes:
        return Message("train.classes_mismatch", {"outputs": outputs, "classes": info.num_classes})
    return None


def fitting_presets(dataset: str) -> list[str]:
    """Return the preset keys that train on ``dataset`` as they are."""
    return [key for key, preset in PRESETS.items() if fit_problem(preset.spec.to_dict(), dataset) is None]


@st.cache_data(max_entries=16, show_spinner=False)
def data_preview(dataset: str, input_size: int | None, val_fraction: float, seed: int, max_samples: int | None) -> dict:
    """Return what the preview shows of a data set, loaded exactly as the trainer will load it."""
    try:
        data = load_dataset(
            dataset, input_size=input_size, val_fraction=val_fraction, seed=seed, max_samples=max_samples
        )
    except UserError as exc:
        return {"problem": exc.message}
    preview = {
        "problem": None,
        "description": data.description,
        "kind": data.kind,
        "classes": list(data.classes),
        "input_shape": list(data.input_shape),
        "sizes": {"train": len(data.y_train), "val": len(data.y_val), "test": len(data.y_test)},
        "counts": data.class_counts(),
    }
    if data.preprocessing is not None:
        preview["grid"] = figures.class_samples_grid(
            data.x_train.numpy(),
            data.y_train.numpy(),
            data.num_classes,
            mean=data.preprocessing.mean,
            std=data.preprocessing.std,
            per_class=PREVIEW_PER_CLASS,
        )
    else:
        names = data.standardization.feature_names
        preview["rows"] = pd.DataFrame(data.x_train[:5].numpy().round(3), columns=list(names))
    return preview


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
            STORE.read_run(run_id)  # a valid id of a deleted run gets "there is no run ..."
            S["train.run"] = run_id
        except UserError as exc:
            problems.append(exc.message)
    if "preset" in params:
        preset, problem = parse_choice(params["preset"], "preset", list(PRESETS), DEFAULT_PRESET)
        problems += [problem] if problem else []
        S["train.source"] = "preset"
        S["train.preset"] = preset
        if fit_problem(PRESETS[preset].spec.to_dict(), S.get("train.dataset", DEFAULTS.dataset)) is not None:
            fitting = [d for d in DATASETS if fit_problem(PRESETS[preset].spec.to_dict(), d) is None]
            if fitting:  # show the preset with a data set it trains on
                S["train.dataset"] = fitting[0]
            else:
                problems.append(Message("training.preset_fits_nothing", {"preset": preset}))
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


def ask_to_start() -> None:
    """Callback: start the form's run once the script has built and checked its config.

    A callback, not ``if st.button(...)``: a click is then never lost to a rerun.
    """
    S["train._start"] = True


def watch_run(run_id: str) -> None:
    """Callback: watch ``run_id`` in the live area."""
    S["train.run"] = run_id


def stop_run(run_id: str) -> None:
    """Callback: stop a run; waits until its worker has ended (about a second)."""
    try:
        JOBS.cancel(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message


def resume_run(run_id: str) -> None:
    """Callback: queue an interrupted, cancelled or failed run again; it continues from its checkpoint."""
    try:
        JOBS.resume(run_id)
        S["train.run"] = run_id
    except UserError as exc:
        S["train._problem"] = exc.message


def delete_run(run_id: str) -> None:
    """Callback: delete a run that is not queued or running."""
    try:
        STORE.delete_run(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message
        return
    if S.get("train.run") == run_id:
        S["train.run"] = None
    S["train.compare"] = [r for r in S.get("train.compare", []) if r != run_id]


def start(config: TrainConfig) -> None:
    """Queue ``config`` and watch the new run."""
    try:
        S["train.run"] = JOBS.submit(config)
    except UserError as exc:
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


def preview_ui(preview: dict) -> None:
    """Draw the data as the model will see it: split sizes, samples per class, class counts."""
    if preview["problem"] is not None:
        ui.show(preview["problem"])
        return
    sizes = preview["sizes"]
    st.caption(
        t("training.split_sizes", train=f"{sizes['train']:,}", val=f"{sizes['val']:,}", test=f"{sizes['test']:,}")
    )
    if "grid" in preview:
        st.image(
            preview["grid"],
            caption=t("training.preview_grid", n=PREVIEW_PER_CLASS, shape=preview["input_shape"]),
            width=PREVIEW_WIDTH_PX,
        )
    else:
        st.caption(t("training.preview_rows"))
        st.dataframe(preview["rows"], hide_index=True, height=220)
    with st.expander(t("training.preview_details"), icon=":material/photo_library:"):
        st.caption(preview["description"].text(ui.lang()))
        counts = {
            t("training.col_class"): preview["classes"],
            **{t(f"training.split_{s}"): preview["counts"][s] for s in ("train", "val", "test")},
        }
        st.dataframe(pd.DataFrame(counts), hide_index=True)


def arithmetic_ui(n_train: int, batch_size: int, epochs: int) -> None:
    """Show the curriculum's samples / batch size = iterations per epoch arithmetic with the chosen numbers."""
    batch = min(batch_size, n_train)
    # as core.train counts steps: a last batch of a single sample is skipped (it would break BatchNorm)
    iterations = n_train // batch + (1 if n_train % batch > 1 else 0)
    st.info(
        t(
            "training.arithmetic",
            n=f"{n_train:,}",
            batch=batch,
            iterations=f"{iterations:,}",
            epochs=epochs,
            total=f"{iterations * epochs:,}",
        ),
        icon=":material/calculate:",
    )


# --- the live area ------------------------------------------------------------------------------------------


def new_records(run_id: str) -> list[dict]:
    """Return every metrics record of ``run_id``, reading only the lines written since the last call."""
    held = S.get("train.records")
    if not held or held["run_id"] != run_id:
        held = {"run_id": run_id, "since": 0, "records": []}
    fresh, since = STORE.read_metrics(run_id, held["since"])
    S["train.records"] = held = {"run_id": run_id, "since": since, "records": held["records"] + fresh}
    return held["records"]


def last(records: list[dict], kind: str) -> dict | None:
    return next((r for r in reversed(records) if r.get("kind") == kind), None)


def status_ui(job: Job) -> None:
    """Say what the run is doing; why it ended, when it did not finish."""
    state = job.state
    text = t(f"training.status_{state}")
    if state == "queued":
        ahead = job.position or 0
        st.info(f"{text} · " + (t("training.queued_next") if ahead == 0 else t("training.queued_ahead", n=ahead)))
    elif state == "running":
        st.info(text, icon=":material/autorenew:")
    elif state == "finished":
        st.success(text, icon=":material/check_circle:")
    else:
        reason = job.status.reason.text(ui.lang()) if job.status.reason is not None else ""
        getattr(st, "error" if state == "failed" else "warning")(f"{text}: {reason}" if reason else text)


def progress_ui(records: list[dict], job: Job) -> None:
    start_record = last(records, "start")
    steps = current_records(records, "step")
    if start_record is None:
        st.caption(t("training.waiting_first_metrics"))
        return
    total = start_record["total_steps"]
    step = steps[-1]["step"] if steps else 0
    epoch = steps[-1]["epoch"] if steps else 0
    if job.state == "finished":
        step, epoch = total, start_record["epochs"]
    st.progress(
        min(step / max(total, 1), 1.0),
        text=t("training.progress", epoch=epoch, epochs=start_record["epochs"], step=step, total=total),
    )
    st.caption(
        t(
            "training.start_facts",
            n=f"{start_record['n_train']:,}",
            batch=start_record["batch_size"],
            iterations=start_record["steps_per_epoch"],
            parameters=format_count(start_record["parameters"]),
            device=start_record["device"],
            threads=start_record["threads"],
        )
    )


def metrics_ui(records: list[dict], job: Job) -> None:
    step, epoch, end = last(records, "step"), last(records, "epoch"), last(records, "end")
    cells = [
        ("m_loss", format_number(step["loss"]) if step and step["loss"] is not None else "—"),
        ("m_acc", f"{step['acc']:.1%}" if step else "—"),
        ("m_val_acc", f"{epoch['val_acc']:.1%}" if epoch else "—"),
        ("m_test_acc", f"{end['test_acc']:.1%}" if end else "—"),
        ("m_lr", f"{step['lr']:.2g}" if step else "—"),
        ("m_speed", f"{step['images_per_s']:,.0f}" if step else "—"),
        ("m_eta", f"{step['eta_s']:.0f} s" if step and job.state == "running" else "—"),
    ]
    for column, (key, value) in zip(st.columns(len(cells)), cells, strict=True):
        column.metric(t(f"training.{key}"), value)


def curves_ui(records: list[dict]) -> None:
    steps, epochs = current_records(records, "step"), current_records(records, "epoch")
    if not steps:
        return
    at_step = [r["step"] for r in steps]
    at_epoch_end = [r["step"] for r in epochs]
    x_title = t("training.x_step")
    loss, accuracy, rate = st.columns(3)
    with loss:
        series = {t("training.s_train_loss"): (at_step, [r["loss"] for r in steps])}
        if epochs:
            series[t("training.s_val_loss")] = (at_epoch_end, [r["val_loss"] for r in epochs])
        st.caption(t("training.fig_loss"))
        ui.plot(figures.run_curves_figure(series, x_title=x_title, y_title=t("training.y_loss")), key="train.fig_loss")
    with accuracy:
        series = {t("training.s_train_acc"): (at_step, [r["acc"] for r in steps])}
        if epochs:
            series[t("training.s_val_acc")] = (at_epoch_end, [r["val_acc"] for r in epochs])
        st.caption(t("training.fig_acc"))
        ui.plot(
            figures.run_curves_figure(series, x_title=x_title, y_title=t("training.y_acc"), y_range=(0, 1.02)),
            key="train.fig_acc",
        )
    with rate:
        rates = [r["lr"] for r in steps]
        st.caption(t("training.fig_lr"))
        ui.plot(
            figures.run_curves_figure(
                {t("training.m_lr"): (at_step, rates)}, x_title=x_title, y_title="lr", y_range=(0, max(rates) * 1.1)
            ),
            key="train.fig_lr",
        )


def epoch_views_ui(records: list[dict]) -> None:
    """Draw what the last epoch's validation showed: confusion matrix, per-class accuracy, mistakes, filters."""
    epoch = last(records, "epoch")
    start_record = last(records, "start")
    if epoch is None or start_record is None:
        return
    classes = start_record["classes"]
    st.markdown(f"**{t('training.last_epoch', epoch=epoch['epoch'])}**")
    left, right = st.columns(2, gap="large")
    with left:
        st.caption(t("training.confusion"))
        ui.plot(
            figures.confusion_figure(
                epoch["confusion"],
                classes,
                x_title=t("training.predicted_class"),
                y_title=t("training.true_class"),
            ),
            key="train.fig_confusion",
        )
    with right:
        st.caption(t("training.per_class"))
        ui.plot(
            figures.per_class_figure(classes, epoch["per_class_acc"], y_title=t("training.y_acc")),
            key="train.fig_per_class",
        )
    left, right = st.columns(2, gap="large")
    with left:
        st.caption(t("training.misclassified"))
        wrong = epoch.get("misclassified") or []
        pictures = [w for w in wrong if "png_base64" in w]
        if not wrong:
            st.write(t("training.no_misclassified"))
        elif pictures:
            st.image(
                [base64.b64decode(w["png_base64"]) for w in pictures],
                caption=[
                    t("training.misclassified_caption", true=classes[w["true"]], predicted=classes[w["predicted"]])
                    for w in pictures
                ],
                width=72,
            )
        else:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("training.true_class"): classes[w["true"]],
                            t("training.predicted_class"): classes[w["predicted"]],
                            t("training.features"): ", ".join(format_number(v) for v in w.get("features", [])),
                        }
                        for w in wrong
                    ]
                ),
                hide_index=True,
            )
    with right:
        filters = epoch.get("filters")
        st.caption(t("training.filters"))
        if filters:
            st.image(
                figures.filters_grid(filters["values"]),
                caption=t("training.filters_caption", layer=filters["layer"], shape=filters["shape"]),
            )
        else:
            st.write(t("training.no_filters"))


def live_ui(run_id: str) -> None:
    """Draw the watched run; while it is queued or running, a fragment redraws it every REFRESH_S."""
    st.subheader(t("training.live", run_id=run_id))
    try:
        active_at_start = JOBS.status(run_id).status.active
    except UserError as exc:
        ui.show(exc.message, "warning")
        return

    @st.fragment(run_every=REFRESH_S if active_at_start else None)
    def live() -> None:
        try:
            job = JOBS.status(run_id)
        except UserError as exc:  # deleted in another tab
            ui.show(exc.message, "warning")
            return
        records = new_records(run_id)
        status_ui(job)
        if job.status.active:
            st.button(
                t("training.stop"),
                key="train.stop",
                on_click=stop_run,
                args=(run_id,),
                icon=":material/stop_circle:",
            )
        progress_ui(records, job)
        metrics_ui(records, job)
        curves_ui(records)
        epoch_views_ui(records)
        if active_at_start and not job.status.active:
            st.rerun()  # the whole page: the run list changes, and the fragment stops refreshing

    live()


# --- runs: list, compare, delete, download, resume -----------------------------------------------------------


def model_name(config: dict) -> str:
    model = config.get("model")
    if isinstance(model, dict):
        return model.get("name") or t("training.custom_model")
    return PRESETS[model].title if model in PRESETS else str(model)


def runs_ui(jobs: list[Job]) -> None:
    st.subheader(t("training.runs"))
    infos = {info.run_id: info for info in STORE.list_runs()}
    jobs = [job for job in jobs if job.run_id in infos]  # not one deleted in another tab meanwhile
    if not jobs:
        st.caption(t("training.no_runs"))
        return
    rows = []
    for job in jobs:
        config = infos[job.run_id].config
        meta = STORE.checkpoint_meta(job.run_id)
        rows.append(
            {
                t("training.col_run"): job.run_id,
                t("training.col_status"): t(f"training.status_{job.state}"),
                t("training.col_queue"): "" if job.position is None else str(job.position),
                t("training.col_dataset"): config.get("dataset", ""),
                t("training.col_model"): model_name(config),
                t("training.col_epochs"): f"{meta.get('epoch', 0)}/{config.get('epochs', '?')}",
                t("training.col_val_acc"): f"{meta['val_acc']:.1%}" if "val_acc" in meta else "",
                t("training.col_created"): time.strftime(
                    "%Y-%m-%d %H:%M:%S", time.localtime(infos[job.run_id].created_at)
                ),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)

    # no status in the labels: a choice widget keeps showing a label it was given even after it changes
    labels = {
        job.run_id: f"{job.run_id} · {infos[job.run_id].config.get('dataset', '')} / "
        f"{model_name(infos[job.run_id].config)}"
        for job in jobs
    }
    if S.get("train.selected") not in labels:
        S["train.selected"] = S.get("train.run") if S.get("train.run") in labels else jobs[0].run_id
    selected = st.selectbox(t("training.selected"), list(labels), format_func=labels.get, key="train.selected")
    job = next(j for j in jobs if j.run_id == selected)
    buttons = st.container(horizontal=True)
    buttons.button(
        t("training.watch"), key="train.watch", on_click=watch_run, args=(selected,), icon=":material/visibility:"
    )
    buttons.button(
        t("training.resume"),
        key="train.resume",
        on_click=resume_run,
        args=(selected,),
        disabled=job.state not in RESUMABLE_STATES,
        help=t("training.resume_help"),
        icon=":material/play_arrow:",
    )
    buttons.button(
        t("training.delete"),
        key="train.delete",
        on_click=delete_run,
        args=(selected,),
        disabled=job.status.active,
        help=t("training.delete_help"),
        icon=":material/delete:",
    )
    files = STORE.model_files(selected)
    for path in files:
        buttons.download_button(
            t("training.download", name=path.name),
            data=lambda path=path: path.read_bytes(),  # read on click: weights can be hundreds of MB
            file_name=f"{selected}-{path.name}",
            key=f"train.download_{path.suffix.lstrip('.')}",
            icon=":material/download:",
        )
    if not files:
        buttons.caption(t("training.no_model_yet"))
    if S.get("train._problem") is not None:
        ui.show(S.pop("train._problem"))

    compare_ui(labels, infos)


def compare_ui(labels: dict[str, str], infos: dict) -> None:
    st.markdown(f"**{t('training.compare')}**")
    S["train.compare"] = [r for r in S.get("train.compare", []) if r in labels]
    chosen = st.multiselect(
        t("training.compare_pick"), list(labels), format_func=labels.get, key="train.compare", max_selections=8
    )
    if len(chosen) < 2:
        st.caption(t("training.compare_help"))
        return
    val_acc, train_loss = {}, {}
    for run_id in chosen:
        records, _ = STORE.read_metrics(run_id)
        epochs, steps = current_records(records, "epoch"), current_records(records, "step")
        val_acc[run_id] = ([r["epoch"] for r in epochs], [r["val_acc"] for r in epochs])
        train_loss[run_id] = ([r["step"] for r in steps], [r["loss"] for r in steps])
    left, right = st.columns(2)
    with left:
        st.caption(t("training.compare_val_acc"))
        ui.plot(
            figures.run_curves_figure(
                val_acc, x_title=t("training.x_epoch"), y_title=t("training.y_acc"), y_range=(0, 1.02)
            ),
            key="train.fig_compare_acc",
        )
    with right:
        st.caption(t("training.compare_loss"))
        ui.plot(
            figures.run_curves_figure(train_loss, x_title=t("training.x_step"), y_title=t("training.y_loss")),
            key="train.fig_compare_loss",
        )
    differences = figures.config_differences({run_id: infos[run_id].config for run_id in chosen})
    st.caption(t("training.config_diff"))
    if differences:
        st.table(pd.DataFrame(differences).T.rename_axis(t("training.col_setting")))
    else:
        st.write(t("training.same_config"))


def tensorboard_ui() -> None:
    with st.expander(t("training.tensorboard_title"), icon=":material/monitoring:"):
        installed = importlib.util.find_spec("tensorboard") is not None
        st.write(t("training.tensorboard_installed" if installed else "training.tensorboard_missing"))
        st.code(f"tensorboard --logdir {SETTINGS.runs_dir}", language="bash")


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
preview = data_preview(info.key, image_size, float(S["train.val_fraction"]), hyper["seed"], max_samples)
with data_column:
    preview_ui(preview)  # also says why the data cannot be loaded (torchvision files missing)
if preview["problem"] is None:
    arithmetic_ui(preview["sizes"]["train"], hyper["batch_size"], hyper["epochs"])
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

if S.get("train.run"):
    live_ui(S["train.run"])
runs_ui(JOBS.list_jobs())
tensorboard_ui()
write_url(preset)
