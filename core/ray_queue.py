"""The Ray backend's queue actor (:class:`RunQueue`) and the tasks it starts (:func:`run_task`, :func:`warm_task`).

:class:`core.ray_jobs.RayJobs` (the app's side) creates one ``RunQueue`` per run store, a named,
detached actor; its docstring explains the design. Ray runs an actor's calls one at a time, so
every decision here (admit, start, stop, mark interrupted) is made under the queue's one lock,
whichever app replica asked.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import ray
from ray.exceptions import RayError

from core.config import TrainConfig
from core.i18n import Message, UserError
from core.limits import Limits
from core.processes import process_start_ticks
from core.queue_policy import admit, make_room, queue_order
from core.run_index import run_store
from core.run_status import RESUMABLE_STATES, RunInfo, RunStatus
from core.runs import RunStore

logger = logging.getLogger(__name__)

PRUNE_EVERY_S = 30.0  # the scheduler checks the disk quota this often (submit checks it every time)
ACTIONS = frozenset({"submit", "resume", "ask_cancel", "end_cancelled", "delete", "prune", "reconcile", "schedule"})
Worker = Callable[[RunStore, str, int, "float | None"], object]  # (store, run_id, threads, max_run_s)


def train_worker(store: RunStore, run_id: str, threads: int, max_run_s: float | None) -> str:
    """Train the run with :func:`core.worker.run_in_store` (imported here: the app process never needs it)."""
    from core.worker import run_in_store

    return run_in_store(store, run_id, max_threads=threads, max_run_s=max_run_s).state


def run_task(worker: Worker, runs_dir: str, database_url: str | None, run_id: str, threads: int,
             max_run_s: float | None) -> object:  # fmt: skip
    """The body of a run's Ray task: note which process and node train it, then train.

    ``database_url`` comes from the queue (a Ray worker process has the node's environment, not the app's).
    """
    store = run_store(Path(runs_dir), database_url)
    pid = os.getpid()
    node = ray.get_runtime_context().get_node_id()[:12]
    store.update_status(run_id, pid=pid, pid_start=process_start_ticks(pid), host=f"ray:{node}")
    return worker(store, run_id, threads, max_run_s)


def warm_task() -> None:
    """Import torch and take one tiny step in a pooled Ray worker, so the next run starts warm."""
    from core.worker import warm_up

    warm_up()


def _reason_for_gone(store: RunStore, run_id: str, pid: int | None) -> tuple[str, Message]:
    kept = store.checkpoint_meta(run_id)
    epoch, step = (kept.epoch, kept.step) if kept is not None else (0, 0)
    if store.cancel_requested_at(run_id) is not None:
        return "cancelled", Message("train.cancelled", {"epoch": epoch, "step": step})
    return "interrupted", Message("jobs.worker_died", {"pid": pid or "?", "epoch": epoch})


class RunQueue:
    """The queue of one run store, as a Ray actor (one call at a time): admits, starts, stops, notices deaths."""

    def __init__(self, runs_dir: str, database_url: str | None, max_concurrent_runs: int, threads: int, gpus: float,
                 limits: Limits, cancel_grace_s: float, worker: Worker, warm: bool):  # fmt: skip
        self.store = run_store(Path(runs_dir), database_url)  # the run index when the app has a database URL
        self.database_url = database_url
        self.refs: dict[str, ray.ObjectRef] = {}  # run id -> its running task
        self.warming: ray.ObjectRef | None = None
        self.pruned_at = 0.0
        self.configure(max_concurrent_runs, threads, gpus, limits, cancel_grace_s, worker, warm)

    def configure(self, max_concurrent_runs: int, threads: int, gpus: float, limits: Limits,
                  cancel_grace_s: float, worker: Worker, warm: bool) -> None:  # fmt: skip
        self.cap, self.threads, self.gpus, self.limits = max_concurrent_runs, threads, gpus, limits
        self.grace, self.worker, self.warm = cancel_grace_s, worker, warm

    def call(self, method: str, *args) -> tuple[str, object]:
        """Run one action; a refusal comes back as ("refused", message), not as an exception through Ray."""
        if method not in ACTIONS:
            raise ValueError(f"the run queue has no action {method!r}")
        try:
            return "ok", getattr(self, method)(*args)
        except UserError as exc:
            return "refused", exc.message

    # --- the actions --------------------------------------------------------------------------------

    def submit(self, config: dict, owner: str | None, owner_id: str | None, per_student: bool,
               files: Mapping[str, bytes] | None, client: str | None = None) -> str:  # fmt: skip
        checked = TrainConfig.from_dict(config).check()
        admit(self.store, self.limits, checked, owner_id, per_student, client=client)
        self.pruned_at = time.monotonic()
        run_id = self.store.create_run(checked.to_dict(), owner, "queued", owner_id, files, client).run_id
        self.schedule()
        return run_id

    def resume(self, run_id: str, per_student: bool) -> None:
        info = self.store.read_run(run_id)
        status = info.status
        if status.state not in RESUMABLE_STATES:
            raise UserError(Message("jobs.not_resumable", {"run_id": run_id, "state": status.state}))
        admit(self.store, self.limits, TrainConfig.from_dict(info.config).check(), info.owner_id, per_student,
              resuming=run_id, client=info.client)  # fmt: skip
        self.store.clear_cancel_request(run_id)
        queued = RunStatus("queued", created_at=status.created_at, queued_at=time.time(), started_at=status.started_at)
        self.store.write_status(run_id, queued)
        self.schedule()

    def ask_cancel(self, run_id: str) -> str:
        """Cancel a queued run at once, ask a running one to stop; return the state it was in."""
        state = self.store.read_status(run_id).state
        if state == "queued":
            reason = Message("jobs.cancelled_in_queue")
            self.store.update_status(run_id, state="cancelled", reason=reason, ended_at=time.time())
        elif state == "running":
            self.store.request_cancel(run_id)
        return state

    def end_cancelled(self, run_id: str) -> None:
        """End a run that was asked to stop and is still running, by force."""
        self._enforce_cancel(run_id, force=True)
        self.reconcile()

    def delete(self, run_id: str) -> None:
        self.store.delete_run(run_id)

    def prune(self) -> list[dict]:
        self.pruned_at = time.monotonic()
        return make_room(self.store, self.limits, self.store.list_runs(), None, None)

    def reconcile(self, runs: list[RunInfo] | None = None) -> list[str]:
        """Mark running runs whose task has ended without a final status, or that no task trains."""
        changed = []
        for info in self.store.list_runs() if runs is None else runs:
            if info.status.state != "running":
                self._forget_if_done(info.run_id)
                continue
            ref = self.refs.get(info.run_id)
            if ref is not None:
                if not ray.wait([ref], timeout=0)[0]:
                    continue  # still training
                self._forget_if_done(info.run_id)
            status = self.store.read_status(info.run_id)  # it may have reported as it ended
            if status.state != "running":
                continue
            state, reason = _reason_for_gone(self.store, info.run_id, status.pid)
            self.store.update_status(info.run_id, state=state, reason=reason, ended_at=time.time())
            logger.warning("run %s: its Ray task is gone; marked %s", info.run_id, state)
            changed.append(info.run_id)
        return changed

    def schedule(self) -> list[str]:
        """Notice ended tasks, stop overstaying ones, start queued runs while slots are free; return the started ids."""
        runs = self.store.list_runs()
        changed = self.reconcile(runs)
        if time.monotonic() - self.pruned_at > PRUNE_EVERY_S:
            changed += [p["run_id"] for p in self.prune()]
        if changed:
            runs = self.store.list_runs()
        for info in runs:
            if info.status.state == "running":
                self._enforce_time_limit(info)
                self._enforce_cancel(info.run_id, force=False)
        started = []
        for info in queue_order(runs):
            if len(self.refs) >= self.cap:
                break
            self._start(info.run_id)
            started.append(info.run_id)
        # one warm-up when the queue starts, another after a run took the warm worker (a free slot only)
        rewarm = self.warming is None or (started and ray.wait([self.warming], timeout=0)[0])
        if self.warm and len(self.refs) < self.cap and rewarm:
            self.warming = ray.remote(warm_task).options(num_cpus=self.threads, max_retries=0).remote()
        return started

    def running(self) -> list[str]:
        return sorted(self.refs)

    def stop_all(self) -> None:
        """End every task this queue started (tests, shutting a deployment down)."""
        for ref in self.refs.values():
            ray.cancel(ref, force=True)
        self.refs.clear()

    # --- internals ----------------------------------------------------------------------------------

    def _start(self, run_id: str) -> None:
        now = time.time()
        self.store.update_status(run_id, state="running", reason=None, pid=None, pid_start=None, host="ray",
                                 started_at=now, ended_at=None)  # fmt: skip
        max_run_s = self.limits.max_run_minutes * 60 if self.limits.max_run_minutes else None
        # no more CPUs than the largest node has: a request no node can meet would wait for ever
        largest = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n["Alive"]), default=1)
        cpus = max(1, min(self.threads, int(largest)))
        options = {"num_cpus": cpus, "num_gpus": self.gpus, "max_retries": 0, "name": f"stride-run-{run_id}"}
        task = ray.remote(run_task).options(**options)
        self.refs[run_id] = task.remote(self.worker, str(self.store.root), self.database_url, run_id, cpus, max_run_s)

    def _forget_if_done(self, run_id: str) -> None:
        ref = self.refs.get(run_id)
        if ref is not None and ray.wait([ref], timeout=0)[0]:
            del self.refs[run_id]
            try:
                ray.get(ref, timeout=0)
            except RayError as exc:  # the worker died, its node was lost, or it was ended by force
                logger.warning("run %s: its Ray task failed: %s", run_id, type(exc).__name__)

    def _over_time(self, status: RunStatus) -> bool:
        limit = self.limits.max_run_minutes
        return limit is not None and status.started_at is not None and time.time() - status.started_at > limit * 60

    def _enforce_time_limit(self, info: RunInfo) -> None:
        if self._over_time(info.status) and self.store.cancel_requested_at(info.run_id) is None:
            self.store.request_cancel(info.run_id)

    def _enforce_cancel(self, run_id: str, force: bool) -> None:
        asked_at = self.store.cancel_requested_at(run_id)
        status = self.store.read_status(run_id)
        ref = self.refs.get(run_id)
        if asked_at is None or status.state != "running" or ref is None or ray.wait([ref], timeout=0)[0]:
            return
        if not force and time.time() - asked_at < self.grace:
            return
        logger.warning("run %s: its task ignored the cancel request; ending it", run_id)
        ray.cancel(ref, force=True)
        del self.refs[run_id]
        kept = self.store.checkpoint_meta(run_id)
        epoch, step = (kept.epoch, kept.step) if kept is not None else (0, 0)
        reason = Message("jobs.cancel_forced", {"grace_s": self.grace, "epoch": epoch})
        if self._over_time(status):
            reason = Message("train.time_limit", {"minutes": self.limits.max_run_minutes, "epoch": epoch, "step": step})
        self.store.update_status(run_id, state="cancelled", reason=reason, ended_at=time.time())
