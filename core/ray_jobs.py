"""Training jobs on a Ray cluster: :class:`RayJobs`, the :class:`~core.job_backend.JobBackend` of ``STRIDE_JOBS=ray``.

Each run trains as one Ray task (:func:`core.ray_queue.run_task`) with a CPU request
(``torch_threads_per_run``) and, where ``STRIDE_RAY_GPUS_PER_RUN`` asks for one, a GPU request, so
Ray places it on a node with room. Ray is imported only by this module and :mod:`core.ray_queue`,
and the app imports them only when ``STRIDE_JOBS=ray``: ``make run`` needs no Ray.

The queue is one Ray actor per run store (:class:`core.ray_queue.RunQueue`: named after the store,
detached, on the head node, restarted by Ray if it dies). Every app replica sends it the actions
that change the queue (submit, resume, cancel, delete, the scheduler's tick); Ray runs an actor's
calls one at a time, so the actor is the queue's lock across machines, with no ``flock`` on a
network file system. It admits runs under the limits of :func:`core.queue_policy.admit`, starts
queued runs in the fair order of :func:`core.queue_policy.queue_order` while fewer than
``max_concurrent_runs`` train, and holds each running task's ``ObjectRef``. Queued runs are not
Ray tasks yet: Ray's pending tasks have no fair order and no place in line to show a student, so
the queue stays ours and Ray does the placing. Reading (statuses, queue positions, metrics,
checkpoints) needs no Ray: it is the run store's files.

Where runs live: the run store is a **shared volume** mounted at the same path
(``STRIDE_RUNS_DIR``) on every Ray node and every app replica. The worker writes metrics,
checkpoints and the model there as on one machine, and every replica reads them there. The store
needs atomic ``rename`` and exclusive create (NFS v4, CephFS, EFS, a bind mount on one host), not
``flock``: class state, the run index and every run's status go to the database
(``STRIDE_DATABASE_URL``, :mod:`core.run_index`), whose URL the queue actor and each task get from here.

Failures, with Ray's own mechanisms:
- cancel: the ``cancel`` file the worker checks between steps; a task still running
  ``cancel_grace_s`` later is ended with ``ray.cancel(force=True)``.
- a killed worker process or a lost node: each task has ``max_retries=0``, so its ``ObjectRef``
  fails (``WorkerCrashedError``, ``NodeDiedError``) and the run becomes "interrupted", resumable
  from its last checkpoint on any node.
- the queue actor's node dies: Ray restarts the actor (``max_restarts=-1``); tasks owned by the old
  actor die with it, so every "running" run the new one holds no task for becomes interrupted. An
  app restart finds the same actor by name; nothing changes.
- the head restarts (every head process killed, a new head on the same address): while it is
  away each action gives the unreachable message below; then the app makes a new connection
  (``ray.shutdown`` + ``ray.init``), creates the queue actor again (the new head's GCS knows no
  detached actor) and the new queue marks the runs that were running interrupted, to be resumed.
- a cluster absent or unreachable: each action that needs Ray raises one clear
  :class:`~core.i18n.UserError` (``jobs.ray_unreachable``, shown where Start was clicked); every
  page keeps working; the next action tries again after ``RECONNECT_S``.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ray
from ray.exceptions import ActorAlreadyExistsError, GetTimeoutError, RayError, RayTaskError

from core.config import TrainConfig
from core.i18n import Message, UserError
from core.job_backend import Job, JobBackend
from core.limits import Limits
from core.ray_queue import RunQueue, Worker, train_worker
from core.run_index import run_store, worker_database_url
from core.settings import Settings

logger = logging.getLogger(__name__)

NAMESPACE = "stride"  # the Ray namespace of the queue actors
RECONNECT_S = 10.0  # after a failed connection, actions fail at once for this long before trying again
CALL_TIMEOUT_S = 60.0  # one call of the queue actor
_connect_lock = threading.Lock()  # ray.init once per process, whichever thread asks first


@dataclass(frozen=True)
class RayOptions:
    """Where the cluster is and what each run asks of it (``STRIDE_RAY_ADDRESS``, ``STRIDE_RAY_GPUS_PER_RUN``)."""

    address: str = "auto"  # "auto": a Ray node on this machine; "ray://head:10001": Ray Client
    gpus_per_run: float = 0.0  # 0: CPU only; 1 (or 0.5 ...): each run waits for a node with a GPU


def queue_name(runs_dir: Path) -> str:
    """Return the queue actor's name for a run store: every replica that mounts it at the same path finds it."""
    return "stride-queue-" + hashlib.sha256(str(Path(runs_dir).resolve()).encode()).hexdigest()[:16]


def _probe(address: str, timeout_s: float = 3.0) -> None:
    """Raise ConnectionError within ``timeout_s`` when nothing listens at a ``host:port`` address.

    Ray's own tries take 30 s (Ray Client) to minutes (a head's GCS port); a student clicking Start
    should hear sooner. "auto" is left to Ray, which answers at once.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address == "auto" or not host or not port.isdigit():
        return
    with socket.create_connection((host, int(port)), timeout=timeout_s):
        pass


class RayJobs(JobBackend):
    """The Ray backend: runs are Ray tasks, the queue a Ray actor, every file in the shared run store."""

    def __init__(
        self,
        runs_dir: Path,
        *,
        max_concurrent_runs: int,
        torch_threads_per_run: int,
        limits: Limits | None = None,
        options: RayOptions | None = None,
        cancel_grace_s: float = 2.0,
        worker: Worker = train_worker,
        warm_worker: bool = True,
        database_url: str | None = None,
    ):
        self.store = run_store(Path(runs_dir), database_url)  # the run index when a URL is set
        self.database_url = worker_database_url(database_url) if database_url else None  # for the queue and tasks
        self.max_concurrent_runs = max_concurrent_runs
        self.torch_threads_per_run = torch_threads_per_run
        self.limits = limits or Limits()
        self.options = options or RayOptions()
        self.cancel_grace_s = cancel_grace_s
        self._queue_args = (max_concurrent_runs, torch_threads_per_run, self.options.gpus_per_run, self.limits,
                            cancel_grace_s, worker, warm_worker)  # fmt: skip
        self._queue = None  # the actor's handle, once connected
        self._failed_at: float | None = None  # when connecting last failed
        self._problem: str | None = None
        self._reinit = False  # the connection broke: ray.shutdown() before connecting again

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RayJobs:
        settings = settings or Settings.from_env()
        return cls(
            settings.runs_dir,
            max_concurrent_runs=settings.max_concurrent_runs,
            torch_threads_per_run=settings.torch_threads_per_run,
            limits=Limits.from_settings(settings),
            options=RayOptions(settings.ray_address, settings.ray_gpus_per_run),
            database_url=settings.database_url,
        )

    # --- the contract -------------------------------------------------------------------------------

    def submit(self, config: TrainConfig, owner: str | None = None, owner_id: str | None = None,
               per_student: bool = True, files: Mapping[str, bytes] | None = None,
               client: str | None = None) -> str:  # fmt: skip
        config.check()
        if problems := self.limits.config_problems(config):
            raise UserError(problems[0])
        return self._call("submit", config.to_dict(), owner, owner_id, per_student, dict(files or {}), client)

    def cancel(self, run_id: str, wait_s: float | None = None) -> Job:
        """Stop a run: a queued one at once; a running one is asked, then ended after the grace time.

        The waiting happens here, in the app, so the queue actor keeps answering other replicas.
        """
        if self._call("ask_cancel", run_id) != "running":
            return self.status(run_id)
        deadline = time.monotonic() + (self.cancel_grace_s if wait_s is None else wait_s)
        while time.monotonic() < deadline and self.store.read_status(run_id).state == "running":
            time.sleep(0.05)
        if wait_s is None or wait_s >= self.cancel_grace_s:
            self._call("end_cancelled", run_id)
        return self.status(run_id)

    def resume(self, run_id: str, per_student: bool = True) -> Job:
        self._call("resume", run_id, per_student)
        return self.status(run_id)

    def delete(self, run_id: str) -> None:
        self._call("delete", run_id)

    def prune(self) -> list[dict]:
        return self._call("prune")

    def reconcile(self) -> list[str]:
        return self._call("reconcile")

    def schedule(self) -> list[str]:
        """Let the queue act now: notice ended tasks, stop overstaying ones, start queued runs."""
        return self._call("schedule")

    def start_background(self, interval_s: float = 1.0) -> threading.Event:
        """Tick the queue actor every ``interval_s`` seconds from a daemon thread; set the returned event to stop."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval_s):
                try:
                    self.schedule()
                except UserError:  # the cluster is away: said once when it went, tried again later
                    pass
                except Exception:
                    logger.exception("Ray job scheduler tick failed")

        threading.Thread(target=loop, name="stride-ray-scheduler", daemon=True).start()
        return stop

    def close(self) -> None:
        """Forget the actor's handle; the actor and its running tasks carry on."""
        self._queue = None

    def shutdown(self) -> None:
        """End the queue actor and every run it trains (tests; taking a deployment down)."""
        queue = self._connect()
        try:
            ray.get(queue.stop_all.remote(), timeout=CALL_TIMEOUT_S)
        finally:
            ray.kill(queue, no_restart=True)
            self._queue = None

    # --- Ray ----------------------------------------------------------------------------------------

    def _unreachable(self) -> UserError:
        return UserError(Message("jobs.ray_unreachable", {"address": self.options.address, "error": self._problem}))

    def _connect(self):
        """Return the queue actor, connecting to the cluster (and creating the actor) the first time."""
        if self._queue is not None:
            return self._queue
        if self._failed_at is not None and time.monotonic() - self._failed_at < RECONNECT_S:
            raise self._unreachable()
        try:
            with _connect_lock:
                if self._reinit or not ray.is_initialized():
                    # the connection broke (a head restart): a new one. A Ray Client whose server went away
                    # says it is not initialized but still holds its dead connection, which ray.init refuses
                    ray.shutdown()
                self._reinit = False
                if not ray.is_initialized():
                    _probe(self.options.address)
                    ray.init(address=self.options.address, namespace=NAMESPACE, logging_level=logging.WARNING,
                             log_to_driver=False, configure_logging=False)  # fmt: skip
                actor = ray.remote(RunQueue).options(
                    name=queue_name(self.store.root),
                    namespace=NAMESPACE,
                    lifetime="detached",
                    get_if_exists=True,
                    num_cpus=0,
                    max_restarts=-1,
                    resources={"node:__internal_head__": 0.001},  # it lives as long as the cluster does
                )
                try:
                    queue = actor.remote(str(Path(self.store.root).resolve()), self.database_url, *self._queue_args)
                except ActorAlreadyExistsError:  # another replica created it a moment ago
                    queue = ray.get_actor(queue_name(self.store.root), namespace=NAMESPACE)
                ray.get(queue.configure.remote(*self._queue_args), timeout=CALL_TIMEOUT_S)
        except (OSError, RayError, RuntimeError, ValueError) as exc:  # OSError: ConnectionError, timeouts
            self._failed_at, self._problem = time.monotonic(), f"{type(exc).__name__}: {exc}"[:200]
            logger.error("Ray cluster at %s unreachable: %s", self.options.address, self._problem)
            raise self._unreachable() from None
        self._queue, self._failed_at = queue, None
        return queue

    def _call(self, method: str, *args):
        queue = self._connect()
        try:
            outcome, value = ray.get(queue.call.remote(method, *args), timeout=CALL_TIMEOUT_S)
        except RayTaskError:
            raise  # a bug in the queue actor: its traceback, not "unreachable"
        except Exception as exc:
            # a Ray Client whose connection closed (its head gone, or this process stopping) raises a bare Exception
            closed = not isinstance(exc, (RayError, GetTimeoutError, ConnectionError)) and not ray.is_initialized()
            if not closed and not isinstance(exc, (RayError, GetTimeoutError, ConnectionError)):
                raise
            self._queue, self._failed_at = None, time.monotonic()
            self._reinit = closed or isinstance(exc, ConnectionError)
            self._problem = f"{type(exc).__name__}: {exc}"[:200]
            (logger.warning if closed else logger.error)("Ray queue call %s failed: %s", method, self._problem)
            raise self._unreachable() from None
        if outcome == "refused":
            raise UserError(value)
        return value
