"""The teacher's actions on the whole class: stop every run, delete the ended ones, free a run no worker owns.

Each goes through the job backend like a single click would (the same locks, the same checks),
and each refuses a viewer who is not the teacher, whatever the page shows them.
"""

from __future__ import annotations

from core import reconcile
from core.classroom import Classroom
from core.i18n import Message, UserError
from core.run_status import RunInfo, RunStatus
from core.runs import METRICS_FILE


def _teacher_only(room: Classroom) -> None:
    if room.viewer.class_mode and not room.viewer.teacher:
        raise UserError(Message("teacher.only"))


def stop_all(room: Classroom) -> list[str]:
    """Ask every queued or running run to stop (queued ones end at once, running ones within a step); return their ids."""
    _teacher_only(room)
    stopped = []
    for info in room.runs("mine"):
        if info.status.active:
            room.jobs.cancel(info.run_id, wait_s=0)  # no waiting per run: the scheduler ends any that overstays
            stopped.append(info.run_id)
    room.refresh()
    return stopped


def delete_ended(room: Classroom) -> list[str]:
    """Delete every run that is neither queued nor running, with all its files; return their ids."""
    _teacher_only(room)
    deleted = []
    for info in room.runs("mine"):
        if not info.status.active:
            try:
                room.jobs.delete(info.run_id)
            except UserError:  # resumed meanwhile: it stays
                continue
            deleted.append(info.run_id)
    room.refresh()
    return deleted


def unowned(room: Classroom) -> list[RunInfo]:
    """Return the running runs whose worker this server cannot see (another host's, in a shared store)."""
    return reconcile.unowned_runs(room.store, room.runs("mine")) if room.viewer.teacher else []


def last_heard(info: RunInfo) -> float:
    """Return when the run last showed life (Unix seconds): its metrics log's last write, else its status's."""
    try:
        return (info.path / METRICS_FILE).stat().st_mtime
    except OSError:
        return info.status.updated_at or info.created_at


def mark_interrupted(room: Classroom, run_id: str) -> RunStatus:
    """Mark a running run that no worker of this server trains as interrupted (see core.reconcile)."""
    _teacher_only(room)
    status = reconcile.mark_interrupted(room.store, run_id)
    room.refresh()
    return status
