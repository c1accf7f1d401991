"""The Training page's live area: a run's status, progress, metrics, curves and last-epoch views, redrawn while it runs.

Everything shown comes from the run store's :mod:`core.metrics` records, read incrementally; a
fragment re-reads them every ``REFRESH_S`` while the run is queued or running. Session-state keys
(the training page lists them all): "train.run" (the watched run), "train.records" (its records
read so far), "train._problem" (a callback's error, shown on the next run).
"""

from __future__ import annotations

import base64

import pandas as pd
import streamlit as st

from core import figures, pictures
from core.classroom import Classroom
from core.formatting import format_count, format_number
from core.i18n import UserError, escape_markdown
from core.jobs import Job
from core.metrics import EndRecord, EpochRecord, Record, StartRecord, StepRecord, current, last
from core.run_status import RESUMABLE_STATES
from core.runs import RunStore
from ui.text import lang, show, t
from ui.widgets import plot

S = st.session_state
REFRESH_S = 1.0  # the live area re-reads the run store this often while the run is queued or running


def new_records(store: RunStore, run_id: str) -> list[Record]:
    """Return every metrics record of ``run_id``, reading only the lines written since the last call."""
    held = S.get("train.records")
    if not held or held["run_id"] != run_id:
        held = {"run_id": run_id, "since": 0, "records": []}
    fresh, since = store.read_metrics(run_id, held["since"])
    S["train.records"] = held = {"run_id": run_id, "since": since, "records": held["records"] + fresh}
    return held["records"]


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
        reason = job.status.reason.text(lang()) if job.status.reason is not None else ""
        text = t("training.status_because", status=text, reason=reason) if reason else text
        getattr(st, "error" if state == "failed" else "warning")(text)


def progress_ui(records: list[Record], job: Job) -> None:
    """Show how far the run got, from the metrics log alone: the last step written, the epochs finished."""
    start_record = last(records, StartRecord)
    if start_record is None:
        if job.state == "running":  # a queued run has not begun loading; an ended one never will
            st.caption(t("training.waiting_first_metrics"))
        return
    step_record, epoch_record = last(records, StepRecord), last(records, EpochRecord)
    total = start_record.total_steps
    step = max(step_record.step if step_record else 0, epoch_record.step if epoch_record else 0)
    done = epoch_record.epoch if epoch_record else 0
    if job.state == "finished":
        step, done = total, start_record.epochs
    st.progress(
        min(step / max(total, 1), 1.0),
        text=t("training.progress", done=done, epochs=start_record.epochs, step=step, total=total),
    )
    st.caption(
        t(
            "training.start_facts",
            n=f"{start_record.n_train:,}",
            batch=start_record.batch_size,
            iterations=start_record.steps_per_epoch,
            parameters=format_count(start_record.parameters),
            device=start_record.device,
            threads=start_record.threads,
        )
    )


def metrics_ui(records: list[Record], job: Job) -> None:
    step, epoch, end = last(records, StepRecord), last(records, EpochRecord), last(records, EndRecord)
    cells = [
        ("m_loss", format_number(step.loss) if step and step.loss is not None else "—"),
        ("m_acc", f"{step.acc:.1%}" if step else "—"),
        ("m_val_acc", f"{epoch.val_acc:.1%}" if epoch else "—"),
        ("m_test_acc", f"{end.test_acc:.1%}" if end else "—"),
        ("m_lr", f"{step.lr:.2g}" if step else "—"),
        ("m_speed", f"{step.images_per_s:,.0f}" if step else "—"),
        ("m_eta", f"{step.eta_s:.0f} s" if step and job.state == "running" else "—"),
    ]
    for row in (cells[:4], cells[4:]):  # two rows: seven in one cut "0.002345" at 1280 px
        for column, (key, value) in zip(st.columns(4), row, strict=False):
            column.metric(t(f"training.{key}"), value)


def curves_ui(records: list[Record]) -> None:
    steps, epochs = current(records, StepRecord), current(records, EpochRecord)
    if not steps:
        return
    at_step = [r.step for r in steps]
    at_epoch_end = [r.step for r in epochs]
    x_title = t("training.x_step")
    loss, accuracy, rate = st.columns(3)
    with loss:
        series = {t("training.s_train_loss"): (at_step, [r.loss for r in steps])}
        if epochs:
            series[t("training.s_val_loss")] = (at_epoch_end, [r.val_loss for r in epochs])
        st.caption(t("training.fig_loss"))
        plot(figures.run_curves_figure(series, x_title=x_title, y_title=t("training.y_loss")), key="train.fig_loss")
    with accuracy:
        series = {t("training.s_train_acc"): (at_step, [r.acc for r in steps])}
        if epochs:
            series[t("training.s_val_acc")] = (at_epoch_end, [r.val_acc for r in epochs])
        st.caption(t("training.fig_acc"))
        plot(
            figures.run_curves_figure(series, x_title=x_title, y_title=t("training.y_acc"), y_range=(0, 1.02)),
            key="train.fig_acc",
        )
    with rate:
        rates = [r.lr for r in steps]
        st.caption(t("training.fig_lr"))
        plot(
            figures.run_curves_figure(
                {t("training.m_lr"): (at_step, rates)}, x_title=x_title, y_title="lr", y_range=(0, max(rates) * 1.1)
            ),
            key="train.fig_lr",
        )


def epoch_views_ui(records: list[Record]) -> None:
    """Draw what the last epoch's validation showed: confusion matrix, per-class accuracy, mistakes, filters."""
    epoch = last(records, EpochRecord)
    start_record = last(records, StartRecord)
    if epoch is None or start_record is None:
        return
    classes = start_record.classes
    st.markdown(f"**{t('training.last_epoch', epoch=epoch.epoch)}**")
    left, right = st.columns(2, gap="large")
    with left:
        st.caption(t("training.confusion"))
        plot(
            figures.confusion_figure(
                epoch.confusion,
                classes,
                x_title=t("training.predicted_class"),
                y_title=t("training.true_class"),
            ),
            key="train.fig_confusion",
        )
    with right:
        st.caption(t("training.per_class"))
        plot(
            figures.per_class_figure(classes, epoch.per_class_acc, y_title=t("training.y_acc")),
            key="train.fig_per_class",
        )
    left, right = st.columns(2, gap="large")
    with left:
        st.caption(t("training.misclassified"))
        wrong = epoch.misclassified
        shown = [w for w in wrong if w.png_base64 is not None]
        if not wrong:
            st.write(t("training.no_misclassified"))
        elif shown:
            st.image(
                [base64.b64decode(w.png_base64) for w in shown],
                caption=[
                    t(
                        "training.misclassified_caption",
                        true=escape_markdown(classes[w.true]),
                        predicted=escape_markdown(classes[w.predicted]),
                    )
                    for w in shown
                ],
                width=72,
            )
        else:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("training.true_class"): classes[w.true],
                            t("training.predicted_class"): classes[w.predicted],
                            t("training.features"): ", ".join(format_number(v) for v in w.features or []),
                        }
                        for w in wrong
                    ]
                ),
                hide_index=True,
            )
    with right:
        filters = epoch.filters
        st.caption(t("training.filters"))
        if filters:
            st.image(
                pictures.filters_grid(filters.values),
                caption=t("training.filters_caption", layer=filters.layer, shape=filters.shape),
            )
        else:
            st.write(t("training.no_filters"))


def live_ui(room: Classroom, run_id: str) -> None:
    """Draw the watched run; while it is queued or running, a fragment redraws it every REFRESH_S."""
    st.subheader(t("training.live", run_id=run_id))
    try:
        info = room.read(run_id)
    except UserError as exc:
        show(exc.message, "warning")
        return
    active_at_start = info.status.active

    @st.fragment(run_every=REFRESH_S if active_at_start else None)
    def live() -> None:
        try:
            job = room.status(run_id)
        except UserError as exc:  # deleted in another tab
            show(exc.message, "warning")
            return
        records = new_records(room.store, run_id)
        status_ui(job, room.max_concurrent_runs)
        if room.viewer.can_control(info) and (job.status.active or job.state in RESUMABLE_STATES):
            stop, callback = (True, stop_run) if job.status.active else (False, resume_run)
            st.button(
                t("training.stop" if stop else "training.resume"),
                key="train.stop" if stop else "train.resume_live",
                on_click=callback,
                args=(room, run_id),
                icon=":material/stop_circle:" if stop else ":material/play_arrow:",
                help=None if stop else t("training.resume_help"),
            )
        if S.pop("train._rerun", False):  # resumed here: the page, its list and this area start watching again
            st.rerun()
        progress_ui(records, job)
        metrics_ui(records, job)
        curves_ui(records)
        epoch_views_ui(records)
        if active_at_start and not job.status.active:
            st.rerun()  # the whole page: the run list changes, and the fragment stops refreshing

    live()


def resume_run(room: Classroom, run_id: str) -> None:
    """Callback: queue an interrupted, cancelled or failed run again (from its checkpoint) and watch it."""
    try:
        room.resume(run_id)
        S["train.run"] = run_id
        S["train._rerun"] = True
    except UserError as exc:
        S["train._problem"] = exc.message


def stop_run(room: Classroom, run_id: str) -> None:
    """Callback: stop a run; waits until its worker has ended (about a second)."""
    try:
        room.cancel(run_id)
    except UserError as exc:
        S["train._problem"] = exc.message
