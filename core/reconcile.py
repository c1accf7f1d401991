"""Who may judge a "running" run's worker, and the teacher's way out for a run that no worker owns.

A run records the host name and pid of its worker (:meth:`core.runs.RunStore.mark_running`). A pid
means something only on the machine that started it, so a store shared by several hosts (app
replicas, cluster nodes) lets each host judge only its own runs. A store used by one host is
different: a container's host name is its id, which changes each time the container is recreated
(an upgrade, a new password, ``down`` then ``up``). Judged by name, a run training at that moment
would stay "running" for ever: never reconciled, not stoppable, not deletable, never pruned, and
its student's next run refused by the per-student limit. So unless the store is declared shared
(``STRIDE_SHARED_STORE=1``), every run is this host's: its worker was started here or is gone.

For a shared store whose other host is gone for good, the teacher marks such a run interrupted
(:func:`mark_interrupted`); its student resumes it from its last checkpoint.
"""

from __future__ import annotations

import logging
import time

from core.i18n import Message, UserError
from core.processes import process_alive
from core.run_status import RunInfo, RunStatus
from core.runs import RunStore

logger = logging.getLogger(__name__)


def judged_here(store: RunStore, status: RunStatus) -> bool:
    """Return whether this host's process table says if the run's worker lives.

    Always, for a store no other host uses; in a shared store, only for runs started on this host.
    """
    return not store.shared or status.host in (None, store.host)


def worker_alive_here(store: RunStore, status: RunStatus) -> bool:
    """Return whether the run's worker is known to run: a live process of this host, with the recorded start."""
    return judged_here(store, status) and status.pid is not None and process_alive(status.pid, status.pid_start)


def unowned_runs(store: RunStore, runs: list[RunInfo]) -> list[RunInfo]:
    """Return the "running" runs of ``runs`` whose worker this host cannot see (another host's, in a shared store)."""
    return [r for r in runs if r.status.state == "running" and not judged_here(store, r.status)]


def mark_interrupted(store: RunStore, run_id: str) -> RunStatus:
    """Mark a "running" run whose worker is not running here as interrupted; return the new status.

    Refused (UserError) when the run is not running, or when a live worker of this host trains it:
    Stop is the way for that one. A worker on another host that is alive after all is asked to stop
    (the cancel file), so it does not train on beside a resumed copy.
    """
    with store.locked():  # the job queue's lock: no scheduler tick judges the run meanwhile
        status = store.read_status(run_id)
        if status.state != "running":
            raise UserError(Message("reconcile.not_running", {"run_id": run_id, "state": status.state}))
        if worker_alive_here(store, status):
            raise UserError(Message("reconcile.worker_alive", {"run_id": run_id, "pid": status.pid}))
        kept = store.checkpoint_meta(run_id)
        store.request_cancel(run_id)
        reason = Message("reconcile.marked", {"host": status.host or "?", "epoch": kept.epoch if kept else 0})
        logger.warning("run %s (worker %s on %s) marked interrupted by the teacher", run_id, status.pid, status.host)
        return store.update_status(run_id, state="interrupted", reason=reason, ended_at=time.time())
