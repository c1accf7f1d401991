"""The Training page's run list: the viewer's runs (or the class's), buttons for the selected one, and the comparison.

Session-state keys (the training page lists them all): "train.selected" and "train.compare" (the
list's widgets), "train.label.<run id>" (a run's name being typed), "train.scope" ("mine" or
"class"), "train._followed" (the watched run the selection last followed), "train._rerun" (the
watched run changed inside the list: the whole page reruns), "train._problem" (a callback's error).
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from core import figures
from core.class_report import owner_shown
from core.classroom import Classroom
from core.config import config_differences
from core.formatting import format_number
from core.i18n import CATALOG, Message, UserError
from core.metrics import EpochRecord, StepRecord, current
from core.presets import PRESETS
from core.run_status import RESUMABLE_STATES
from core.runs import MAX_LABEL, RunStore
from ui.classroom import disk_used_mb
from ui.run_views import REFRESH_S, resume_run, stop_run
from ui.text import show, t
from ui.widgets import plot, resend_when_relabelled

S = st.session_state


def watch_run(run_id: str) -> None:
    """Callback: watch ``run_id`` in the live area."""
    S["train.run"] = run_id
    S["train._rerun"] = True


def delete_run(room: Classroom, run_id: str) -> None:
    """Callback: delete a run that is not queued or running."""
    try:
        room.delete(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message
        return
    if S.get("train.run") == run_id:
        S["train.run"] = None
        S["train._rerun"] = True
    S["train.compare"] = [r for r in S.get("train.compare", []) if r != run_id]


def model_name(config: dict) -> str:
    model = config.get("model")
    if isinstance(model, dict):
        return model.get("name") or t("training.custom_model")
    return PRESETS[model].title if model in PRESETS else str(model)


def limits_ui(room: Classroom) -> None:
    """Say what this server allows, and which of the viewer's runs the disk quota deleted."""
    limits = room.limits
    per_student = (
        "" if limits.max_runs_per_student is None else t("class.per_student", limit=limits.max_runs_per_student)
    )
    st.caption(
        t(
            "class.server_limits",
            running=room.max_concurrent_runs,
            queue=limits.max_queue,
            per_student=per_student,
            epochs=limits.max_epochs,
            samples=f"{limits.max_samples:,}",
            used=f"{disk_used_mb(room.store.root):,}",
            quota=f"{limits.quota_mb:,}" if limits.quota_mb else "∞",
        ),
        help=t("classroom.limit_disk_help"),
    )
    pruned = [p["run_id"] for p in room.pruned_mine()[-10:]]
    if pruned:
        show(Message("class.pruned", {"runs": ", ".join(pruned)}), "info")


def run_label(info) -> str:
    """Return what people call a run: its owner's label, or its model, data and key settings."""
    if info.label:
        return info.label
    config = info.config
    dataset = config.get("dataset", "")
    data = t(f"data.title_{dataset}") if f"data.title_{dataset}" in CATALOG else str(dataset)
    return t(
        "training.run_label",
        model=model_name(config),
        data=data,
        epochs=config.get("epochs", "?"),
        optimizer=config.get("optimizer", "?"),
        lr=format_number(float(config.get("lr", 0) or 0)),
    )


def rename_run(room: Classroom, run_id: str) -> None:
    """Callback: store the label typed for a run (blank: back to the description of its settings)."""
    try:
        room.rename(run_id, S.get(f"train.label.{run_id}", ""))
    except UserError as exc:
        S["train._problem"] = exc.message


def runs_ui(room: Classroom) -> None:
    """Draw the run list: a table of runs, buttons for the selected one, its downloads, then the comparison.

    While a listed run is queued or running, the list re-reads the run store every REFRESH_S, like
    the live area, so both show the same progress.
    """
    st.subheader(t("training.runs"))
    limits_ui(room)
    scope = "mine"
    if room.viewer.class_mode and room.sharing and not room.viewer.teacher:
        scope = st.segmented_control(
            t("class.scope"),
            ["mine", "class"],
            format_func=lambda s: t(f"class.scope_{s}"),
            key="train.scope",
            default="mine",
            required=True,
        )
    active = any(info.status.active for info in room.runs(scope))

    @st.fragment(run_every=REFRESH_S if active else None)
    def listing() -> None:
        room.refresh()
        run_table(room, scope)
        if S.pop("train._rerun", False):  # the watched run changed: the live area above must follow
            st.rerun()

    listing()


def run_table(room: Classroom, scope: str) -> None:
    store, viewer = room.store, room.viewer
    infos = {info.run_id: info for info in room.runs(scope)}
    jobs = room.jobs_of(list(infos.values()))
    if not jobs:
        st.caption(t("training.no_runs"))
        return
    show_owner = viewer.class_mode and (scope == "class" or viewer.teacher)
    owner = owner_shown(infos.values()) if show_owner else None  # two may share a name: "otter-42 (2)"
    queue = any(job.position is not None for job in jobs)  # the queue column only while someone waits
    rows = []
    for job in jobs:
        config = infos[job.run_id].config
        meta = store.checkpoint_meta(job.run_id)
        rows.append(
            {
                **({t("classroom.col_owner"): owner(infos[job.run_id])} if show_owner else {}),
                t("training.col_label"): run_label(infos[job.run_id]),
                t("training.col_status"): t(f"training.status_{job.state}"),
                **({t("training.col_queue"): "" if job.position is None else str(job.position + 1)} if queue else {}),
                t("training.col_epochs"): f"{meta.epoch if meta else 0}/{config.get('epochs', '?')}",
                t("training.col_val_acc"): f"{meta.val_acc:.1%}" if meta else "",
                t("training.col_created"): time.strftime("%m-%d %H:%M", time.localtime(infos[job.run_id].created_at)),
                t("training.col_run"): job.run_id,
            }
        )
    # the label is cut to fit its cell (the run to watch, below, shows it whole): the table fits 1280 px
    label = st.column_config.TextColumn(t("training.col_label"), width=220)
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={t("training.col_label"): label})

    # no status in the labels: they would change every second, and with them the message sent;
    # in a list of the class's runs, each label starts with whose run it is
    labels = {}
    for job in jobs:
        info = infos[job.run_id]
        labels[job.run_id] = (f"{owner(info)} · " if owner else "") + f"{run_label(info)} · {job.run_id[-8:]}"
    watched = S.get("train.run")
    if S.get("train._followed") != watched and watched in labels:  # a new run is watched: the box follows it
        S["train.selected"] = watched
    S["train._followed"] = watched
    if S.get("train.selected") not in labels:
        S["train.selected"] = watched if watched in labels else jobs[0].run_id
    resend_when_relabelled("train.selected", list(labels.values()))
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
    if may_change:
        S.setdefault(f"train.label.{selected}", infos[selected].label or "")
        st.text_input(
            t("training.rename"),
            key=f"train.label.{selected}",
            max_chars=MAX_LABEL,
            placeholder=run_label(infos[selected]),
            on_change=rename_run,
            args=(room, selected),
        )
    if S.get("train._problem") is not None:
        show(S.pop("train._problem"))

    compare_ui(store, {run_id: run_label(info) for run_id, info in infos.items()}, infos)


def compare_ui(store: RunStore, labels: dict[str, str], infos: dict) -> None:
    st.markdown(f"**{t('training.compare')}**")
    S["train.compare"] = [r for r in S.get("train.compare", []) if r in labels]
    chosen = st.multiselect(
        t("training.compare_pick"),
        list(labels),
        format_func=labels.get,
        key="train.compare",
        max_selections=8,
        placeholder=t("common.choose_options"),
    )
    if len(chosen) < 2:
        st.caption(t("training.compare_help"))
        return
    val_acc, train_loss = {}, {}
    for run_id in chosen:
        records, _ = store.read_metrics(run_id)
        epochs, steps = current(records, EpochRecord), current(records, StepRecord)
        val_acc[run_id] = ([r.epoch for r in epochs], [r.val_acc for r in epochs])
        train_loss[run_id] = ([r.step for r in steps], [r.loss for r in steps])
    left, right = st.columns(2)
    with left:
        st.caption(t("training.compare_val_acc"))
        plot(
            figures.run_curves_figure(
                val_acc, x_title=t("training.x_epoch"), y_title=t("training.y_acc"), y_range=(0, 1.02)
            ),
            key="train.fig_compare_acc",
        )
    with right:
        st.caption(t("training.compare_loss"))
        plot(
            figures.run_curves_figure(train_loss, x_title=t("training.x_step"), y_title=t("training.y_loss")),
            key="train.fig_compare_loss",
        )
    differences = config_differences({run_id: infos[run_id].config for run_id in chosen})
    st.caption(t("training.config_diff"))
    if differences:
        # a dataframe, not st.table: table cells are Markdown, and a spec's name is whatever its author typed
        st.dataframe(pd.DataFrame(differences).T.rename_axis(t("training.col_setting")), key="train.compare_table")
    else:
        st.write(t("training.same_config"))


def tensorboard_ui(runs_dir: Path) -> None:
    with st.expander(t("training.tensorboard_title"), icon=":material/monitoring:"):
        installed = importlib.util.find_spec("tensorboard") is not None
        st.write(t("training.tensorboard_installed" if installed else "training.tensorboard_missing"))
        st.code(f"tensorboard --logdir {runs_dir}", language="bash", wrap_lines=True)
