"""The teacher's tools on the Class page: the server's health, live; stop all, delete ended runs, the results as CSV.

Shown in teacher mode only. Session-state keys: "class.tools_confirm_delete" and "class.tools_confirm_stop"
(the confirmations), "class.tools_unowned" (the run picked to mark interrupted), "class._tools_done" (what the
last action did, shown once), "class._health" (the previous health reading: CPU use is measured between two).
"""

from __future__ import annotations

import time

import streamlit as st

from core import class_report, teacher
from core.classroom import Classroom
from core.i18n import Message, UserError
from ui.classroom import disk_used_mb
from ui.text import show, t

S = st.session_state
HEALTH_REFRESH_S = 5  # the health panel re-reads /proc and the run store this often


def active_sessions() -> int | None:
    """Return the browser sessions connected to this server now, or None when Streamlit's runtime does not say."""
    try:
        from streamlit.runtime import Runtime

        return Runtime.instance()._session_mgr.num_active_sessions()  # no public API for the count
    except Exception:  # not served by `streamlit run` (a test), or the runtime changed
        return None


def _act(action, *args) -> None:
    """Callback: run a core.teacher action, keeping its outcome (or its error) for the next run."""
    try:
        done = action(*args)
    except UserError as exc:
        S["class._tools_done"] = exc.message
        return
    if action is teacher.stop_all:
        S["class._tools_done"] = Message("teacher.stopped", {"count": len(done)})
        S["class.tools_confirm_stop"] = False
    elif action is teacher.delete_ended:
        S["class._tools_done"] = Message("teacher.deleted", {"count": len(done)})
        S["class.tools_confirm_delete"] = False
    else:
        S["class._tools_done"] = Message("teacher.marked", {"run_id": args[1]})


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MB"


@st.fragment(run_every=HEALTH_REFRESH_S)
def health_ui(room: Classroom) -> None:
    """Sessions, CPU and memory of the server and its workers, the queue, memory limit and disk: one line of numbers."""
    room.refresh()
    runs = room.runs("mine")
    now = class_report.server_health(room.store, runs, disk_used_mb(room.store.root))
    before = S.get("class._health")
    S["class._health"] = now
    seconds = now.at - before.at if before is not None else 0.0
    server_cores = class_report.cores_used(before.server if before else None, now.server, seconds)
    earlier = {w.pid: w for w in before.workers} if before is not None else {}
    worker_cores = [class_report.cores_used(earlier.get(w.pid), w, seconds) for w in now.workers]
    sessions = active_sessions()
    row = st.columns(4)
    row[0].metric(t("teacher.sessions"), "–" if sessions is None else sessions)
    row[1].metric(
        t("teacher.server"),
        _mb(now.server.rss_mb if now.server else None),
        t("teacher.cores", cores=f"{server_cores:.2f}") if server_cores is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    row[2].metric(
        t("teacher.workers", count=len(now.workers)),
        _mb(sum(w.rss_mb for w in now.workers)),
        t("teacher.cores", cores=f"{sum(c or 0 for c in worker_cores):.2f}") if before is not None else None,
        delta_color="off",
        delta_arrow="off",
        help=t("teacher.workers_help"),
    )
    row[3].metric(t("teacher.queue"), f"{now.running} / {now.queued}")
    st.caption(
        t(
            "teacher.memory_disk",
            limit=_mb(now.memory_limit_mb) if now.memory_limit_mb else t("teacher.no_limit"),
            store=_mb(now.store_mb),
            free=f"{now.disk_free_mb / 1024:,.1f}",
            total=f"{now.disk_total_mb / 1024:,.1f}",
            at=time.strftime("%H:%M:%S"),
        )
    )


def teacher_tools_ui(room: Classroom) -> None:
    """Draw the teacher's tools: health (live), then actions on the whole class."""
    st.subheader(t("teacher.title"))
    health_ui(room)
    st.caption(t("teacher.metrics_note"))

    runs = room.runs("mine")
    active = sum(r.status.active for r in runs)
    ended = len(runs) - active
    if S.get("class._tools_done") is not None:
        done = S.pop("class._tools_done")
        show(done, "error" if done.key.startswith(("teacher.only", "reconcile.")) else "success")

    left, right = st.columns(2)
    left.checkbox(t("teacher.confirm_stop", count=active), key="class.tools_confirm_stop", disabled=not active)
    left.button(
        t("teacher.stop_all"),
        key="class.tools_stop_all",
        on_click=_act,
        args=(teacher.stop_all, room),
        disabled=not (active and S.get("class.tools_confirm_stop")),
        icon=":material/stop_circle:",
    )
    right.checkbox(t("teacher.confirm_delete", count=ended), key="class.tools_confirm_delete", disabled=not ended)
    right.button(
        t("teacher.delete_ended"),
        key="class.tools_delete_ended",
        on_click=_act,
        args=(teacher.delete_ended, room),
        disabled=not (ended and S.get("class.tools_confirm_delete")),
        icon=":material/delete_sweep:",
    )
    st.download_button(
        t("teacher.export", count=len(runs)),
        data=lambda: class_report.results_csv(room.store, room.runs("mine")),  # read on click only
        file_name=f"stride-class-{time.strftime('%Y%m%d-%H%M')}.csv",
        mime="text/csv",
        key="class.tools_export",
        icon=":material/download:",
        help=t("teacher.export_help"),
    )

    unowned = teacher.unowned(room)
    if unowned:
        st.markdown(f"**{t('teacher.unowned')}**")
        st.caption(t("teacher.unowned_help"))
        owner = class_report.owner_shown(room.runs("mine"))  # as the run list names them
        labels = {
            r.run_id: t(
                "teacher.unowned_label",
                run_id=r.run_id,
                owner=owner(r) or "?",
                host=r.status.host or "?",
                minutes=round((time.time() - teacher.last_heard(r)) / 60),
            )
            for r in unowned
        }
        picked = st.selectbox(
            t("teacher.unowned_pick"), list(labels), format_func=labels.get, key="class.tools_unowned"
        )
        st.button(
            t("teacher.mark_interrupted"),
            key="class.tools_mark",
            on_click=_act,
            args=(teacher.mark_interrupted, room, picked),
            icon=":material/sync_problem:",
        )
