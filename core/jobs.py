"""Background training jobs on this machine: :class:`LocalJobs`, the default :class:`~core.job_backend.JobBackend`.

The contract every backend keeps (and the pages rely on) is :mod:`core.job_backend`, re-exported
here with :class:`~core.job_backend.Job`. :class:`LocalJobs` runs each run as a ``python -m
core.train_cli --run RUN_ID`` process on this machine. All queue state lives in the run store: a run
waits with status "queued", so every app process that shares the store sees the same queue (statuses
in the run index of the class database when ``STRIDE_DATABASE_URL`` is set: :mod:`core.run_index`;
the workers get the URL). :meth:`LocalJobs.schedule` starts queued runs while fewer than
``max_concurrent_runs`` run on this host, from a background thread that never touches Streamlit and
after each change. Process start plus ``import torch`` costs about 3 s on 2 cores, as long as a
small run, so one *warm* worker waits, imports done, for a run id on its stdin (only while a slot is
free).

Limits (:class:`core.limits.Limits`) are checked by :func:`core.queue_policy.admit` under the
queue's lock (the run store's :meth:`~core.runs.RunStore.locked`) on every path that queues a run,
submit and resume alike, so two quick clicks cannot both pass: queue length, runs per student,
epochs, data size, steps, and disk (the owner's share and the quota), which first deletes ended
runs (the submitter's own first) and refuses only when that is not enough. The queue's order is
fair (:func:`core.queue_policy.queue_order`). A run trains at most ``max_run_minutes`` per start:
the worker stops itself with its checkpoint kept, and the scheduler ends one that overstays.
Workers run at a lower CPU priority (``worker_nice``).

Failure handling:
- cancel: a ``cancel`` file the worker checks between steps; a worker still alive
  ``cancel_grace_s`` later is terminated. Either way the run ends "cancelled", metrics and last
  checkpoint kept.
- a worker that dies without reporting (SIGKILL, out of memory, power cut): its pid is gone, a
  zombie or reused, so the run becomes "interrupted", resumable from its last checkpoint.
- on server start, :meth:`LocalJobs.reconcile` does the same for every run this host may judge
  (:func:`core.reconcile.judged_here`: all of them, unless the store is shared); workers run in their
  own session, so a restarted server usually finds them alive. Queued runs stay queued.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from core.config import TrainConfig
from core.i18n import Message, UserError
from core.job_backend import Job, JobBackend
from core.limits import Limits
from core.processes import end_process, process_alive, worker_environment
from core.queue_policy import admit, make_room, queue_order
from core.reconcile import judged_here
from core.run_index import run_store, worker_database_url
from core.run_status import RESUMABLE_STATES, RunInfo, RunStatus
from core.settings import Settings

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the worker runs `-m core.train` from here
CLAIM_TIMEOUT_S = 60.0  # a claimed run still queued this long after lost its launcher
PRUNE_EVERY_S = 30.0  # the scheduler checks the disk quota this often (submit checks it every time)


class LocalJobs(JobBackend):
    """The local backend: worker processes on this machine, queue and statuses in the run store.

    Make one per app process (``st.cache_resource``) and call :meth:`start_background` once:
    the instance holds the warm worker, everything else is in the store. Any number of
    instances, in any number of processes, may share one store.
    """

    def __init__(
        self,
        runs_dir: Path,
        *,
        max_concurrent_runs: int,
        torch_threads_per_run: int,
        warm_worker: bool = True,
        cancel_grace_s: float = 2.0,
        worker_command: Sequence[str] | None = None,
        limits: Limits | None = None,
        worker_nice: int = 0,
        shared_store: bool = False,
        database_url: str | None = None,
    ):
        self.store = run_store(Path(runs_dir), database_url, shared=shared_store)  # the run index when a URL is set
        self.database_url = database_url
        self.max_concurrent_runs = max_concurrent_runs
        self.torch_threads_per_run = torch_threads_per_run
        self.limits = limits or Limits()
        self.worker_nice = worker_nice
        self._pruned_at = 0.0  # monotonic time of the scheduler's last quota check
        self.warm_worker = warm_worker
        self.cancel_grace_s = cancel_grace_s
        # The worker's argv before "--run ID ..."; tests put a stand-in here.
        self.worker_command = list(worker_command or [sys.executable, "-m", "core.train_cli"])
        self._spare: subprocess.Popen | None = None  # the warm worker, waiting for a run id
        self._spare_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LocalJobs:
        settings = settings or Settings.from_env()
        return cls(
            settings.runs_dir,
            max_concurrent_runs=settings.max_concurrent_runs,
            torch_threads_per_run=settings.torch_threads_per_run,
            limits=Limits.from_settings(settings),
            worker_nice=settings.worker_nice,
            shared_store=settings.shared_store,
            database_url=settings.database_url,
        )

    def submit(self, config: TrainConfig, owner: str | None = None, owner_id: str | None = None,
               per_student: bool = True, files: Mapping[str, bytes] | None = None,
               client: str | None = None) -> str:  # fmt: skip
        config.check()
        with self._locked():  # admit refuses what the limits do not allow, first of all
            admit(self.store, self.limits, config, owner_id, per_student, client=client)
            self._pruned_at = time.monotonic()
            run_id = self.store.create_run(config.to_dict(), owner, "queued", owner_id, files, client).run_id
        self.schedule()
        return run_id

    def delete(self, run_id: str) -> None:
        """Delete an ended run, under the queue's lock so that no resume queues it meanwhile."""
        with self._locked():
            self.store.delete_run(run_id)

    def prune(self) -> list[dict]:
        with self._locked():
            return self._prune_locked()

    def _prune_locked(self) -> list[dict]:
        self._pruned_at = time.monotonic()
        return make_room(self.store, self.limits, self.store.list_runs(), None, None)

    def resume(self, run_id: str, per_student: bool = True) -> Job:
        with self._locked():
            info = self.store.read_run(run_id)
            status = info.status
            if status.state not in RESUMABLE_STATES:
                raise UserError(Message("jobs.not_resumable", {"run_id": run_id, "state": status.state}))
            config = TrainConfig.from_dict(info.config).check()
            admit(self.store, self.limits, config, info.owner_id, per_student, resuming=run_id, client=info.client)
            self.store.clear_cancel_request(run_id)
            self.store.release_claim(run_id)
            now = time.time()
            self.store.write_status(
                run_id, RunStatus("queued", created_at=status.created_at, queued_at=now, started_at=status.started_at)
            )
        self.schedule()
        return self.status(run_id)

    def cancel(self, run_id: str, wait_s: float | None = None) -> Job:
        """Stop a run: a queued one at once; a running one is asked, then ended after the grace time.

        Waits up to ``wait_s`` (default: the grace time) for the worker to finish; with
        ``wait_s=0`` it only asks, and :meth:`schedule` ends a worker that overstays its grace.
        """
        with self._locked():
            status = self.store.read_status(run_id)
            if status.state == "queued":
                reason = Message("jobs.cancelled_in_queue")
                self.store.update_status(run_id, state="cancelled", reason=reason, ended_at=time.time())
                return self.status(run_id)
            if status.state != "running":
                return self.status(run_id)
            self.store.request_cancel(run_id)
        deadline = time.monotonic() + (self.cancel_grace_s if wait_s is None else wait_s)
        while time.monotonic() < deadline:
            status = self.store.read_status(run_id)
            if status.state != "running" or not self._alive(status):
                break
            time.sleep(0.05)
        with self._locked():
            if wait_s is None or wait_s >= self.cancel_grace_s:
                self._enforce_cancel(run_id, force=True)
            self._reconcile_locked()
        return self.status(run_id)

    def reconcile(self) -> list[str]:
        """Judge the runs this host may (all, unless the store is shared: pids mean nothing on another machine)."""
        with self._locked():
            return self._reconcile_locked()

    def _reconcile_locked(self, runs: list[RunInfo] | None = None) -> list[str]:
        changed = []
        for info in self.store.list_runs() if runs is None else runs:
            status = info.status
            claimed_at = self.store.claimed_at(info.run_id) if status.state == "queued" else None
            if claimed_at is not None and time.time() - claimed_at > CLAIM_TIMEOUT_S:
                self.store.release_claim(info.run_id)  # its launcher died between claiming and starting
            if status.state != "running" or not judged_here(self.store, status) or self._alive(status):
                continue
            status = self.store.read_status(info.run_id)  # it may have reported just before exiting
            if status.state != "running" or self._alive(status):
                continue
            kept = self.store.checkpoint_meta(info.run_id)
            epoch, step = (kept.epoch, kept.step) if kept is not None else (0, 0)
            if self.store.cancel_requested_at(info.run_id) is not None:
                reason = Message("train.cancelled", {"epoch": epoch, "step": step})
                self.store.update_status(info.run_id, state="cancelled", reason=reason, ended_at=time.time())
            else:
                reason = Message("jobs.worker_died", {"pid": status.pid or "?", "epoch": epoch})
                self.store.update_status(info.run_id, state="interrupted", reason=reason, ended_at=time.time())
                logger.warning("run %s: worker %s is gone; marked interrupted", info.run_id, status.pid)
            changed.append(info.run_id)
        return changed

    # --- scheduling ----------------------------------------------------------------------------------

    def schedule(self) -> list[str]:
        """Reconcile, end workers that ignored a cancel, start queued runs while slots are free; return the started ids."""
        started = []
        with self._locked():
            runs = self.store.list_runs()  # one listing per tick: it reads two files per run
            changed = self._reconcile_locked(runs)
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
                changed += [p["run_id"] for p in self._prune_locked()]
            if changed:
                runs = self.store.list_runs()
            running_here = 0
            for info in runs:
                if info.status.state == "running" and judged_here(self.store, info.status):
                    self._enforce_time_limit(info)
                    self._enforce_cancel(info.run_id, force=False)
                    running_here += 1
            for info in queue_order(runs):
                if running_here >= self.max_concurrent_runs:
                    break
                if not self.store.claim(info.run_id, f"{self.store.host}:{os.getpid()}"):
                    continue  # another app process or replica is starting it
                self._start(info.run_id)
                started.append(info.run_id)
                running_here += 1
            if self.warm_worker and running_here < self.max_concurrent_runs:
                self._ensure_spare()
        return started

    def start_background(self, interval_s: float = 1.0) -> threading.Event:
        """Call :meth:`schedule` every ``interval_s`` seconds in a daemon thread; set the returned event to stop."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval_s):
                try:
                    self.schedule()
                except Exception:  # keep scheduling; one bad run directory must not stop the queue
                    logger.exception("job scheduler tick failed")

        threading.Thread(target=loop, name="stride-job-scheduler", daemon=True).start()
        return stop

    def close(self) -> None:
        """Let the warm worker go (it exits when its stdin closes). Running workers carry on."""
        with self._spare_lock:
            if self._spare is not None and self._spare.stdin is not None:
                self._spare.stdin.close()
            self._spare = None

    # --- internals -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the queue's lock: the run store's, shared by the threads and processes of this host."""
        with self.store.locked():
            yield

    def _alive(self, status: RunStatus) -> bool:
        return status.pid is not None and process_alive(status.pid, status.pid_start)

    def _over_time(self, status: RunStatus) -> bool:
        limit = self.limits.max_run_minutes
        return limit is not None and status.started_at is not None and time.time() - status.started_at > limit * 60

    def _enforce_time_limit(self, info: RunInfo) -> None:
        """Ask a run past its time to stop: the worker stops itself there, this is for one that does not."""
        if self._over_time(info.status) and self.store.cancel_requested_at(info.run_id) is None:
            logger.warning("run %s: over its %s min; asking it to stop", info.run_id, self.limits.max_run_minutes)
            self.store.request_cancel(info.run_id)  # ended by force after the grace time, as any cancel

    def _enforce_cancel(self, run_id: str, force: bool) -> None:
        """End a running worker that was asked to stop and has not, once the grace time is over."""
        asked_at = self.store.cancel_requested_at(run_id)
        status = self.store.read_status(run_id)
        if asked_at is None or status.state != "running" or status.pid is None:
            return
        if not force and time.time() - asked_at < self.cancel_grace_s:
            return
        if self._alive(status):
            logger.warning("run %s: worker %s ignored the cancel request; ending it", run_id, status.pid)
            end_process(status.pid, status.pid_start)
            kept = self.store.checkpoint_meta(run_id)
            epoch, step = (kept.epoch, kept.step) if kept is not None else (0, 0)
            reason = Message("jobs.cancel_forced", {"grace_s": self.cancel_grace_s, "epoch": epoch})
            if self._over_time(status):
                reason = Message(
                    "train.time_limit", {"minutes": self.limits.max_run_minutes, "epoch": epoch, "step": step}
                )
            self.store.update_status(run_id, state="cancelled", reason=reason, ended_at=time.time())

    def _popen(self, run_arg: str, log_path: Path | None) -> subprocess.Popen:
        argv = [
            *self.worker_command,
            "--run",
            run_arg,
            "--runs-dir",
            str(self.store.root.resolve()),
            "--max-threads",
            str(self.torch_threads_per_run),
            *(["--nice", str(self.worker_nice)] if self.worker_nice else []),
            *(["--max-run-minutes", str(self.limits.max_run_minutes)] if self.limits.max_run_minutes else []),
        ]
        env = worker_environment(os.environ, self.torch_threads_per_run, str(PROJECT_ROOT))
        if self.database_url:  # the worker writes its run's status into the run index
            env["STRIDE_DATABASE_URL"] = worker_database_url(self.database_url)
        log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
        try:
            return subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.PIPE if run_arg == "-" else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C or a restart of the app does not kill the run
            )
        finally:
            if log_path is not None:
                log.close()

    def _start(self, run_id: str) -> None:
        """Start the worker of a claimed run (the warm one if it is ready) and mark the run running."""
        process = self._take_spare()
        if process is not None:
            self.store.mark_running(run_id, process.pid)  # before it gets the id: its own reports come after
            try:
                process.stdin.write(f"{run_id}\n".encode())
                process.stdin.close()
            except OSError:  # it died while waiting
                process = None
        if process is None:
            process = self._popen(run_id, self.store.worker_log_path(run_id))
            self.store.mark_running(run_id, process.pid)
        # The Popen object is dropped on purpose: the run outlives it, liveness is judged by
        # pid, and Python's subprocess module reaps the exited child on a later Popen call.

    def _take_spare(self) -> subprocess.Popen | None:
        with self._spare_lock:
            spare, self._spare = self._spare, None
        if spare is None or spare.poll() is not None:
            return None
        return spare

    def _ensure_spare(self) -> None:
        with self._spare_lock:
            if self._spare is not None and self._spare.poll() is None:
                return
            self._spare = self._popen("-", log_path=None)


def backend_from_settings(settings: Settings | None = None) -> JobBackend:
    """Return the backend ``STRIDE_JOBS`` names: ``local`` (default, :class:`LocalJobs`) or ``ray`` (:mod:`core.ray_jobs`)."""
    settings = settings or Settings.from_env()
    if settings.jobs == "ray":
        from core.ray_jobs import RayJobs  # Ray is an optional extra: imported only when asked for

        return RayJobs.from_settings(settings)
    return LocalJobs.from_settings(settings)
