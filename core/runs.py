"""The run store: one directory per training run, shared by the app, the workers and the CLI.

```
<root>/<run_id>/config.json         the TrainConfig, plus run id, owner, owner id, client, label and creation time *
<root>/<run_id>/status.json         queued | running | finished | failed | cancelled | interrupted *
<root>/<run_id>/status.lock         held while status.json or config.json is changed *
<root>/<run_id>/metrics.jsonl       one record per line (core.metrics), appended and flushed as they happen
<root>/<run_id>/checkpoint.safetensors  weights + optimizer state + resume point, one atomic file
<root>/<run_id>/model.safetensors   the weights alone (state dict), for prediction
<root>/<run_id>/model.json          spec, class names, input shape, preprocessing, final metrics
<root>/<run_id>/cancel              present once someone asked the run to stop *
<root>/<run_id>/claim               present once a launcher took the run from the queue
<root>/<run_id>/worker.log          the worker process's stdout and stderr
<root>/.pruned.jsonl                runs deleted to keep the store within its disk quota, a line each
<root>/.class/class.sqlite3         the class database (core.class_state): board, exercise answers, practice
<root>/*.lock                       lock files: the job queue's, and one per shared file
```

The lines marked * are a run's record (who made it, its config and label, its status, a request to
stop). With ``STRIDE_DATABASE_URL`` set it is a row of the run index in the class database instead
(:mod:`core.run_index`; :func:`core.run_index.run_store` is the one way the app, its workers, the
Ray queue and the command line open a store): every replica and worker sees the same runs and
statuses through the database, a status change is one transaction, and the run's folder holds only
what training writes. Without the setting (the default) the record is those files
(:class:`core.run_records.RunFiles`).

Every other fact lives in a file, so any app process or replica that sees the directory sees the
same runs, queue and statuses. Whole files are written atomically (temp file + ``os.replace``), so a
reader sees the old version or the new one, never half of one; the metrics log is append-only and
its readers ignore a half-written last line. Read-modify-write of a shared file, and the job queue's
decisions, hold a ``flock`` on a lock file of the store (:meth:`RunStore.locked`), and a status
change holds the run's ``status.lock``: the places Stride locks files. Nothing here unpickles:
tensors are safetensors, everything else JSON.
Run ids come from URLs, so every public method checks them against a strict pattern before
touching the disk.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors import safe_open
from safetensors.torch import save as safetensors_bytes

from core import checkpoints, metrics
from core.checkpoints import Checkpoint
from core.files import JsonLines, atomic_write_bytes, atomic_write_json, flocked, read_json_lines, tree_bytes
from core.i18n import Message, UserError
from core.metrics import CheckpointMeta, Record
from core.processes import process_start_ticks
from core.run_records import CANCEL_FILE as CANCEL_FILE  # re-exported: where a run store keeps its records
from core.run_records import CONFIG_FILE as CONFIG_FILE
from core.run_records import RUN_ID_PATTERN, RunFiles, RunRecords
from core.run_records import STATUS_FILE as STATUS_FILE
from core.run_status import RunInfo, RunStatus

if TYPE_CHECKING:
    from core.run_index import RunIndex

logger = logging.getLogger(__name__)

TENSORBOARD_DIR = "tb"  # TensorBoard event files, only when tensorboard is installed
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoint.safetensors"
MODEL_WEIGHTS_FILE = "model.safetensors"
MODEL_INFO_FILE = "model.json"
CLAIM_FILE = "claim"
WORKER_LOG_FILE = "worker.log"
PRUNE_LOG = ".pruned.jsonl"
QUEUE_LOCK = ".scheduler"  # the job queue's lock: <root>/.scheduler.lock

MAX_LABEL = 60  # characters of a run's label
_META_KEY = "stride"  # the safetensors header key that holds our JSON metadata


def check_run_id(run_id: object) -> str:
    """Return ``run_id`` if it is a well-formed run id; raise :class:`UserError` otherwise."""
    if isinstance(run_id, str) and RUN_ID_PATTERN.fullmatch(run_id):
        return run_id
    raise UserError(Message("runs.bad_id", {"run_id": repr(run_id)[:80]}))


def clean_label(text: object) -> str:
    """Return a run's label as stored: one line of printable text, at most ``MAX_LABEL`` characters."""
    words = "".join(c for c in str(text) if c.isprintable()).split() if isinstance(text, str) else []
    return " ".join(words)[:MAX_LABEL].strip()


def new_run_id() -> str:
    """Return a fresh run id: creation time (sorts by age) plus 32 random bits (unguessable)."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"


def _read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    with safe_open(str(path), framework="pt", device="cpu") as f:
        header = f.metadata() or {}
        tensors = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 (safe_open has no __iter__)
    return tensors, json.loads(header.get(_META_KEY, "{}"))


@dataclass(frozen=True)
class RunStore:
    """The runs under ``root``; every method takes a run id and validates it first."""

    root: Path
    host: str = field(default_factory=socket.gethostname)
    shared: bool = False  # other hosts use this store too: each judges only its own runs (core.reconcile)
    index: RunIndex | None = None  # the runs' records in the class database (core.run_index); None: files

    @property
    def records(self) -> RunRecords:
        """Where each run's config, label and status live: the run index, or files in the run's directory."""
        return self.index if self.index is not None else RunFiles(Path(self.root))

    def run_dir(self, run_id: str) -> Path:
        """Return the directory of ``run_id`` (checked against RUN_ID_PATTERN, never joined raw)."""
        return Path(self.root) / check_run_id(run_id)

    def exists(self, run_id: str) -> bool:
        return self.records.has(check_run_id(run_id))

    def _existing_dir(self, run_id: str) -> Path:
        path = self.run_dir(run_id)
        if not self.records.has(run_id):
            raise UserError(Message("runs.not_found", {"run_id": run_id}))
        return path

    # --- creating, listing, deleting ---------------------------------------------------------

    def create_run(
        self,
        config: dict,
        owner: str | None = None,
        state: str = "queued",
        owner_id: str | None = None,
        files: Mapping[str, bytes] | None = None,
        client: str | None = None,
    ) -> RunInfo:
        """Create a run directory with its config, a first status and ``files`` (name -> bytes); return the run."""
        Path(self.root).mkdir(parents=True, exist_ok=True)
        now = time.time()
        while True:
            run_id = new_run_id()
            # Build the directory under a hidden name and rename it into place, so other
            # processes never list a run that has a config but no status yet.
            staging = Path(self.root) / f".new-{run_id}"
            staging.mkdir()
            meta = {"run_id": run_id, "owner": owner, "owner_id": owner_id, "client": client, "created_at": now}
            status = RunStatus(state, created_at=now, queued_at=now, updated_at=now)
            self.records.stage(staging, meta | {"config": config}, status)  # files: config.json and status.json
            for name, blob in (files or {}).items():  # plain names only: nothing can land outside the run
                atomic_write_bytes(staging / Path(name).name, blob)
            try:
                os.rename(staging, Path(self.root) / run_id)
                break
            except OSError:  # the same id in the same second: astronomically rare, try again
                shutil.rmtree(staging, ignore_errors=True)
        try:
            self.records.add(meta | {"config": config}, status)  # the index: its row lists the run from now on
        except BaseException:
            shutil.rmtree(Path(self.root) / run_id, ignore_errors=True)
            raise
        return RunInfo(run_id, self.run_dir(run_id), owner, now, config, status, owner_id, client=client)

    def read_run(self, run_id: str) -> RunInfo:
        return self.records.read(check_run_id(run_id))

    def set_label(self, run_id: str, label: str) -> str:
        """Give the run a name people read (``clean_label``'s rules); "" goes back to none. Return what was stored."""
        cleaned = clean_label(label)
        self.records.set_label(check_run_id(run_id), cleaned or None)
        return cleaned

    def read_config(self, run_id: str) -> dict:
        """Return the stored TrainConfig dict of ``run_id``."""
        return self.read_run(run_id).config

    def list_runs(self) -> list[RunInfo]:
        """Return every readable run, newest first; damaged ones are skipped and logged."""
        return self.records.list()

    def delete_run(self, run_id: str) -> None:
        """Delete a run and all its files; refuse while it is queued or running."""
        self.records.forget(check_run_id(run_id))  # refuses an active run
        shutil.rmtree(self.run_dir(run_id), ignore_errors=self.index is not None)

    # --- disk quota -------------------------------------------------------------------------------

    def disk_usage(self) -> int:
        """Return the bytes of every file in the store."""
        return tree_bytes(Path(self.root))

    def prune(self, quota_bytes: int) -> list[dict]:
        """Delete the oldest ended runs until the store fits in ``quota_bytes``; return what went."""
        return self.free_space(list(reversed(self.list_runs())), self.disk_usage() - quota_bytes)

    def free_space(self, candidates: list[RunInfo], need_bytes: int) -> list[dict]:
        """Delete ended runs of ``candidates``, in their order, until ``need_bytes`` are freed; return what went.

        Queued and running runs are never touched. The caller holds the job queue's lock, so no run
        is resumed between being judged ended here and being deleted. Each deleted run is logged in
        ``.pruned.jsonl`` so its owner can be told why it is gone.
        """
        pruned = []
        for info in candidates:
            if need_bytes <= 0:
                break
            if info.status.active:
                continue
            size = tree_bytes(info.path)
            try:
                self.records.forget(info.run_id)
            except UserError:  # gone meanwhile
                continue
            shutil.rmtree(info.path, ignore_errors=True)
            need_bytes -= size
            pruned.append(
                {
                    "run_id": info.run_id,
                    "owner_id": info.owner_id,
                    "owner": info.owner,
                    "bytes": size,
                    "at": time.time(),
                }
            )
            logger.info("run %s deleted to keep the run store within its quota (%d bytes)", info.run_id, size)
        if pruned:
            with JsonLines(Path(self.root) / PRUNE_LOG) as log:
                for record in pruned:
                    log.write(record)
        return pruned

    def read_pruned(self) -> list[dict]:
        """Return the runs deleted to keep within the quota, oldest first (half-written lines skipped)."""
        lines, _ = read_json_lines(Path(self.root) / PRUNE_LOG)
        return [record for _, record in lines if isinstance(record, dict)]

    # --- status ---------------------------------------------------------------------------------

    def read_status(self, run_id: str) -> RunStatus:
        return self.records.read_status(check_run_id(run_id))

    def write_status(self, run_id: str, status: RunStatus) -> RunStatus:
        """Replace the status of ``run_id`` (atomically); return what was written."""
        status = replace(status, updated_at=time.time())
        self.records.write_status(check_run_id(run_id), status)
        return status

    def update_status(self, run_id: str, **changes: Any) -> RunStatus:
        """Change some fields of the status, keep the others, in one atomic step; return the new status.

        Two processes changing one status at once both get their change in.
        """
        return self.records.update_status(check_run_id(run_id), {**changes, "updated_at": time.time()})

    def mark_running(self, run_id: str, pid: int) -> RunStatus:
        """Record that process ``pid`` of this host now trains the run: the one writer of "running".

        Whoever starts the worker calls it (the job queue for a queued run, the command line for
        its own), before the worker's first report, so the run is never running without a pid.
        """
        return self.update_status(
            run_id,
            state="running",
            reason=None,
            pid=pid,
            pid_start=process_start_ticks(pid),
            host=self.host,
            started_at=time.time(),
            ended_at=None,
        )

    # --- locks and shared files ---------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, name: str = QUEUE_LOCK) -> Iterator[None]:
        """Hold the store-wide lock ``name`` (between threads and processes of this host) while inside."""
        with flocked(Path(self.root) / f"{name}.lock"):
            yield

    def read_shared(self, name: str) -> Any:
        """Return the JSON of the shared file ``<root>/<name>.json``; None when it does not exist."""
        try:
            return json.loads((Path(self.root) / f"{name}.json").read_text())
        except FileNotFoundError:
            return None

    def update_shared(self, name: str, change: Callable[[Any], Any]) -> Any:
        """Replace the shared file ``name`` by ``change(its JSON or None)`` under its lock; return the new JSON.

        Two processes changing it at once both get their change in: neither overwrites the other's.
        """
        with self.locked(name):
            try:
                current = self.read_shared(name)
            except ValueError:  # damaged: the change starts from nothing
                current = None
            data = change(current)
            atomic_write_json(Path(self.root) / f"{name}.json", data)
            return data

    # --- metrics ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def metrics_writer(self, run_id: str) -> Iterator[Callable[[Record], None]]:
        """Yield a function that appends a record to the metrics log of ``run_id``, a flushed line each."""
        with JsonLines(self._existing_dir(run_id) / METRICS_FILE) as log:
            yield lambda record: log.write(metrics.to_json(record))

    def tensorboard_dir(self, run_id: str) -> Path:
        """Return where the run's TensorBoard event files go (``tensorboard --logdir runs`` finds them)."""
        return self._existing_dir(run_id) / TENSORBOARD_DIR

    def append_metrics(self, run_id: str, *records: Record) -> None:
        with self.metrics_writer(run_id) as write:
            for record in records:
                write(record)

    def read_metrics(self, run_id: str, since_line: int = 0) -> tuple[list[Record], int]:
        """Return the records from line ``since_line`` on, and the line number to ask for next.

        Only complete lines count: a half-written last line is left for the next read, so
        calling again with the returned number gives exactly the records written since. A line
        that is not a record is skipped (and logged).
        """
        lines, next_line = read_json_lines(self.run_dir(run_id) / METRICS_FILE, since_line)
        records = []
        for number, data in lines:
            record = metrics.from_json(data) if data is not None else None
            if record is None:
                logger.warning("run %s: metrics line %d is not a record; skipped", run_id, number + 1)
            else:
                records.append(record)
        return records, next_line

    # --- checkpoints and the trained model --------------------------------------------------------

    def save_checkpoint(self, run_id: str, checkpoint: Checkpoint) -> None:
        """Write weights, optimizer state and where training stands as one safetensors file, atomically."""
        tensors, header = checkpoints.to_tensors(checkpoint)
        data = safetensors_bytes(tensors, metadata={_META_KEY: json.dumps(header)})
        atomic_write_bytes(self._existing_dir(run_id) / CHECKPOINT_FILE, data)

    def load_checkpoint(self, run_id: str) -> Checkpoint | None:
        """Return the last checkpoint of ``run_id``, or None if it never finished an epoch."""
        path = self._existing_dir(run_id) / CHECKPOINT_FILE
        if not path.is_file():
            return None
        return checkpoints.from_tensors(*_read_safetensors(path))

    def checkpoint_meta(self, run_id: str) -> CheckpointMeta | None:
        """Return where the checkpoint stands (epoch, step, metrics) without loading tensors; None if none."""
        path = self.run_dir(run_id) / CHECKPOINT_FILE
        try:
            with safe_open(str(path), framework="pt", device="cpu") as f:
                header = f.metadata() or {}
        except (OSError, ValueError) as exc:  # absent, or being replaced right now
            logger.debug("run %s: no readable checkpoint (%s)", run_id, exc)
            return None
        return CheckpointMeta.from_json(json.loads(header.get(_META_KEY, "{}")).get("meta"))

    def save_model(self, run_id: str, state_dict: dict[str, torch.Tensor], info: dict) -> None:
        """Write the trained weights (``model.safetensors``) and ``model.json``, each atomically."""
        path = self._existing_dir(run_id)
        tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
        atomic_write_bytes(path / MODEL_WEIGHTS_FILE, safetensors_bytes(tensors))
        atomic_write_json(path / MODEL_INFO_FILE, info)

    def load_model(self, run_id: str) -> tuple[dict[str, torch.Tensor], dict]:
        """Return the state dict and ``model.json`` of a run's trained model."""
        path = self._existing_dir(run_id)
        if not (path / MODEL_INFO_FILE).is_file():
            raise UserError(Message("runs.no_model", {"run_id": run_id}))
        tensors, _ = _read_safetensors(path / MODEL_WEIGHTS_FILE)
        return tensors, json.loads((path / MODEL_INFO_FILE).read_text())

    def model_files(self, run_id: str) -> list[Path]:
        """Return the files a user downloads to keep the trained model (those that exist)."""
        path = self._existing_dir(run_id)
        return [p for p in (path / MODEL_WEIGHTS_FILE, path / MODEL_INFO_FILE) if p.is_file()]

    # --- cancel requests and worker logs -------------------------------------------------------

    def request_cancel(self, run_id: str) -> None:
        """Ask the run's worker to stop; it checks between steps (the ``cancel`` file, or the run index)."""
        self.records.request_cancel(check_run_id(run_id), time.time())

    def cancel_requested(self, run_id: str) -> bool:
        return self.cancel_requested_at(run_id) is not None

    def cancel_requested_at(self, run_id: str) -> float | None:
        """Return when a stop was asked for (Unix seconds), or None if it was not."""
        return self.records.cancel_requested_at(check_run_id(run_id))

    def clear_cancel_request(self, run_id: str) -> None:
        self.records.clear_cancel(check_run_id(run_id))

    def claim(self, run_id: str, owner: str) -> bool:
        """Mark the run as taken by a worker launcher; return False if another launcher has it.

        ``O_EXCL`` creation is atomic even on network file systems, so two app replicas that
        see the same queued run cannot both start it.
        """
        try:
            fd = os.open(self.run_dir(run_id) / CLAIM_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(owner)
        return True

    def claimed_at(self, run_id: str) -> float | None:
        """Return when the run was claimed (Unix seconds), or None if it is not."""
        try:
            return (self.run_dir(run_id) / CLAIM_FILE).stat().st_mtime
        except FileNotFoundError:
            return None

    def release_claim(self, run_id: str) -> None:
        """Let the run be started again (when it is queued once more to resume)."""
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir(run_id) / CLAIM_FILE).unlink()

    def worker_log_path(self, run_id: str) -> Path:
        return self._existing_dir(run_id) / WORKER_LOG_FILE
