"""The contract of every training-job backend: :class:`JobBackend`, the one type the pages hold, and :class:`Job`.

A backend queues a run under the server's limits (:func:`core.queue_policy.admit`), says where
each run is (state, place in the fair queue), stops, resumes, deletes, and marks runs whose worker
died as interrupted. The pages and :class:`core.classroom.Classroom` hold a ``JobBackend`` and
nothing more specific; ``tests/test_job_contract.py`` checks every backend against it.
:class:`core.jobs.LocalJobs`, worker processes on this machine, is the default.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from core.config import TrainConfig
from core.limits import Limits
from core.queue_policy import queue_order
from core.run_status import RunInfo, RunStatus
from core.runs import RunStore


@dataclass(frozen=True)
class Job:
    """A run as the queue sees it."""

    run_id: str
    owner: str | None
    status: RunStatus
    position: int | None  # place in the queue, 0 = starts next; None unless queued

    @property
    def state(self) -> str:
        return self.status.state


class JobBackend(abc.ABC):
    """What the pages and the classroom may ask of the training jobs of one run store.

    Every backend keeps each run's config, status, metrics and checkpoints in ``store`` (the pages
    read them there), enforces ``limits`` whenever a run is queued, and trains at most
    ``max_concurrent_runs`` runs at once; the rest wait in the queue, in the fair order of
    :func:`core.queue_policy.queue_order`.
    """

    store: RunStore  # where every run lives; the pages read metrics, checkpoints and models there
    limits: Limits  # what this server allows: checked when a run is queued
    max_concurrent_runs: int  # runs training at once; more wait in the queue

    @abc.abstractmethod
    def submit(self, config: TrainConfig, owner: str | None = None, owner_id: str | None = None,
               per_student: bool = True, files: Mapping[str, bytes] | None = None,
               client: str | None = None) -> str:  # fmt: skip
        """Queue a run of ``config`` for ``owner``; return its id. Raise UserError naming the first limit it breaks.

        ``per_student=False`` (the teacher) skips the cap on one owner's runs. ``files`` (name -> bytes,
        e.g. an uploaded data set) are in the run's directory before any worker can see it. ``client``
        (a hash of the submitter's network address, :func:`core.classroom.client_group`) lets the fair
        queue see many identities from one machine as one.
        """

    def status(self, run_id: str) -> Job:
        """Return the run's status and, while it waits, its place in the queue (0 = starts next)."""
        info = self.store.read_run(run_id)
        if info.status.state != "queued":
            return Job(run_id, info.owner, info.status, None)
        return Job(run_id, info.owner, info.status, self.queue_positions(self.store.list_runs()).get(run_id))

    def list_jobs(self) -> list[Job]:
        """Return every run, newest first, with queue positions for the queued ones."""
        runs = self.store.list_runs()
        position = self.queue_positions(runs)
        return [Job(r.run_id, r.owner, r.status, position.get(r.run_id)) for r in runs]

    def queue_positions(self, runs: list[RunInfo]) -> dict[str, int]:
        """Return the place in the queue of each queued run among ``runs`` (every run of the store)."""
        return {r.run_id: i for i, r in enumerate(queue_order(runs))}

    @abc.abstractmethod
    def cancel(self, run_id: str, wait_s: float | None = None) -> Job:
        """Stop a run: a queued one at once, a running one within a step (ended by force after a grace time)."""

    @abc.abstractmethod
    def resume(self, run_id: str, per_student: bool = True) -> Job:
        """Queue an interrupted, cancelled or failed run again, under the same limits as ``submit``.

        It continues from its last checkpoint. ``per_student=False`` (the teacher) skips the cap on
        the run's owner's active runs.
        """

    @abc.abstractmethod
    def delete(self, run_id: str) -> None:
        """Delete a run that is neither queued nor running, with all its files."""

    @abc.abstractmethod
    def prune(self) -> list[dict]:
        """Delete ended runs (the largest owners', oldest first) while the store is over its quota; return what went."""

    @abc.abstractmethod
    def reconcile(self) -> list[str]:
        """Mark runs whose worker is gone "interrupted" (or "cancelled" if asked); return their ids."""

    @abc.abstractmethod
    def start_background(self, interval_s: float = 1.0) -> threading.Event:
        """Start the backend's own scheduling in the background; setting the returned event stops it."""

    @abc.abstractmethod
    def close(self) -> None:
        """Let go of what this instance holds (its running jobs carry on)."""
