"""Streamlit drawing for the training page (pages/training.py): the data preview, the live area, the run list.

The page owns the layout, the form and the URL; it calls the ``*_ui`` functions here in the order the
reader sees them and passes its :class:`core.classroom.Classroom`: the job queue as this viewer may see and
change it, so no run of another student is listed, watched, stopped or deleted here. The numbers come from ``core`` (the data set loader, the
trainer's step count, the run store's records); only the script thread calls ``st.*``.
Session-state keys used here (the page's docstring lists them all): "train.run" (the watched run),
"train.records" (its metrics read so far), "train.selected" and "train.compare" (run list widgets),
"train._problem" (a run-list callback's error, shown on the next run), "train.scope" ("mine" or "class").
"""

from __future__ import annotations

import base64
import importlib.util
import time
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from core import figures
from core.classroom import Classroom
from core.data import load_dataset
from core.figures import format_count, format_number
from core.i18n import Message, UserError
from core.jobs import RESUMABLE_STATES, Job
from core.presets import PRESETS
from core.runs import RunStore, current_records
from core.train import steps_per_epoch
from ui import t

S = st.session_state
REFRESH_S = 1.0  # the live area re-reads the run store this often while the run is queued or running
PREVIEW_PER_CLASS = 8  # training images shown per class in the data preview
PREVIEW_WIDTH_PX = 240  # one row per class: 10 classes of 8 images keep the form about as tall as its neighbours


# --- the data as the model will see it -------------------------------------------------------------------


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
    iterations = steps_per_epoch(n_train, batch)  # the trainer's own count
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


def new_records(store: RunStore, run_id: str) -> list[dict]:
    """Return every metrics record of ``run_id``, reading only the lines written since the last call."""
    held = S.get("train.records")
    if not held or held["run_id"] != run_id:
        held = {"run_id": run_id, "since": 0, "records": []}
    fresh, since = store.read_metrics(run_id, held["since"])
    S["train.records"] = held = {"run_id": run_id, "since": since, "records": held["records"] + fresh}
    return held["records"]


def last(records: list[dict], kind: str) -> dict | None:
    return next((r for r in reversed(records) if r.get("kind") == kind), None)


def status_ui(job: Job, running_cap: int) -> None:
    """Say what the run is doing; why it ended, when it did not finish."""
    state = job.state
    text = t(f"training.status_{state}")
    if state == "queued":
        ahead = job.position or 0
        place = t("training.queued_next") if ahead == 0 else t("training.queued_ahead", n=ahead)
        st.info(f"{text} · {place} · {t('class.waiting_for_slot', limit=running_cap)}")
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


def live_ui(room: Classroom, run_id: str) -> None:
    """Draw the watched run; while it is queued or running, a fragment redraws it every REFRESH_S."""
    st.subheader(t("training.live", run_id=run_id))
    try:
        info = room.read(run_id)
    except UserError as exc:
        ui.show(exc.message, "warning")
        return
    active_at_start = info.status.active

    @st.fragment(run_every=REFRESH_S if active_at_start else None)
    def live() -> None:
        try:
            job = room.status(run_id)
        except UserError as exc:  # deleted in another tab
            ui.show(exc.message, "warning")
            return
        records = new_records(room.store, run_id)
        status_ui(job, room.jobs.max_concurrent_runs)
        if job.status.active and room.viewer.can_control(info):
            st.button(
                t("training.stop"),
                key="train.stop",
                on_click=stop_run,
                args=(room, run_id),
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


def watch_run(run_id: str) -> None:
    """Callback: watch ``run_id`` in the live area."""
    S["train.run"] = run_id


def stop_run(room: Classroom, run_id: str) -> None:
    """Callback: stop a run; waits until its worker has ended (about a second)."""
    try:
        room.cancel(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message


def resume_run(room: Classroom, run_id: str) -> None:
    """Callback: queue an interrupted, cancelled or failed run again; it continues from its checkpoint."""
    try:
        room.resume(run_id)
        S["train.run"] = run_id
    except UserError as exc:
        S["train._problem"] = exc.message


def delete_run(room: Classroom, run_id: str) -> None:
    """Callback: delete a run that is not queued or running."""
    try:
        room.delete(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message
        return
    if S.get("train.run") == run_id:
        S["train.run"] = None
    S["train.compare"] = [r for r in S.get("train.compare", []) if r != run_id]


def model_name(config: dict) -> str:
    model = config.get("model")
    if isinstance(model, dict):
        return model.get("name") or t("training.custom_model")
    return PRESETS[model].title if model in PRESETS else str(model)


def limits_ui(room: Classroom) -> None:
    """Say what this server allows, and which of the viewer's runs the disk quota deleted."""
    limits, jobs = room.jobs.limits, room.jobs
    per_student = (
        "" if limits.max_runs_per_student is None else t("class.per_student", limit=limits.max_runs_per_student)
    )
    st.caption(
        t(
            "class.server_limits",
            running=jobs.max_concurrent_runs,
            queue=limits.max_queue,
            per_student=per_student,
            epochs=limits.max_epochs,
            samples=f"{limits.max_samples:,}",
            used=f"{ui.disk_used_mb(room.store.root):,}",
            quota=f"{limits.quota_mb:,}" if limits.quota_mb else "∞",
        ),
        help=t("classroom.limit_disk_help"),
    )
    pruned = [p["run_id"] for p in room.pruned_mine()[-10:]]
    if pruned:
        ui.show(Message("class.pruned", {"runs": ", ".join(pruned)}), "info")


def runs_ui(room: Classroom) -> None:
    """Draw the run list: a table of runs, buttons for the selected one, its downloads, then the comparison."""
    store, viewer = room.store, room.viewer
    st.subheader(t("training.runs"))
    limits_ui(room)
    scope = "mine"
    if viewer.class_mode and room.sharing and not viewer.teacher:
        scope = st.segmented_control(
            t("class.scope"),
            ["mine", "class"],
            format_func=lambda s: t(f"class.scope_{s}"),
            key="train.scope",
            default="mine",
            required=True,
        )
    infos = {info.run_id: info for info in room.runs(scope)}
    jobs = room.jobs_of(list(infos.values()))
    if not jobs:
        st.caption(t("training.no_runs"))
        return
    show_owner = viewer.class_mode and (scope == "class" or viewer.teacher)
    rows = []
    for job in jobs:
        config = infos[job.run_id].config
        meta = store.checkpoint_meta(job.run_id)
        rows.append(
            {
                **({t("classroom.col_owner"): infos[job.run_id].owner or ""} if show_owner else {}),
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
    may_change = viewer.can_control(infos[selected])
    buttons = st.container(horizontal=True)
    buttons.button(
        t("training.watch"), key="train.watch", on_click=watch_run, args=(selected,), icon=":material/visibility:"
    )
    buttons.button(
        t("training.stop"),
        key="train.stop_selected",
        on_click=stop_run,
        args=(room, selected),
        disabled=not job.status.active or not may_change,
        icon=":material/stop_circle:",
    )
    buttons.button(
        t("training.resume"),
        key="train.resume",
        on_click=resume_run,
        args=(room, selected),
        disabled=job.state not in RESUMABLE_STATES or not may_change,
        help=t("training.resume_help"),
        icon=":material/play_arrow:",
    )
    buttons.button(
        t("training.delete"),
        key="train.delete",
        on_click=delete_run,
        args=(room, selected),
        disabled=job.status.active or not may_change,
        help=t("training.delete_help"),
        icon=":material/delete:",
    )
    files = store.model_files(selected)
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

    compare_ui(store, labels, infos)


def compare_ui(store: RunStore, labels: dict[str, str], infos: dict) -> None:
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
        records, _ = store.read_metrics(run_id)
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


def tensorboard_ui(runs_dir: Path) -> None:
    with st.expander(t("training.tensorboard_title"), icon=":material/monitoring:"):
        installed = importlib.util.find_spec("tensorboard") is not None
        st.write(t("training.tensorboard_installed" if installed else "training.tensorboard_missing"))
        st.code(f"tensorboard --logdir {runs_dir}", language="bash")
