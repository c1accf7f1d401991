"""The run index in the class database (:class:`RunIndex`) and :func:`run_store`, the one way to open a run store.

With ``STRIDE_DATABASE_URL`` set (any scheme: ``sqlite:///...`` or ``postgresql://...``), which runs
exist (owner, owner id, client, label, creation time, config), what each is doing (its
:class:`~core.run_status.RunStatus`) and when it was asked to stop are rows of the ``runs`` table of
the class database (:mod:`core.class_state`, migration 2). Every app replica, the Ray queue actor
and every worker then see the same runs, statuses and stop requests through the database, not
through files and ``flock`` on a shared directory (nor a network file system's attribute cache,
which can hide a new ``cancel`` file from another node for seconds). A status change is one write
transaction (read, change, write back), so two writers at once both get their change in. Metrics,
checkpoints, models and worker logs stay files in each run's directory on the shared volume; so do
LocalJobs' claim files (one host's queue).

Without the setting the records are files in each run's directory (:class:`core.run_records.RunFiles`).
Runs a store already held as files are moved into the index the first time a process opens it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.class_state import ClassState, Tx, open_class_state
from core.i18n import Message, UserError
from core.run_records import (
    CANCEL_FILE,
    CONFIG_FILE,
    RUN_ID_PATTERN,
    STATUS_FILE,
    RunFiles,
    newest_first,
    not_found,
    run_info,
)
from core.run_status import RunInfo, RunStatus
from core.runs import RunStore

logger = logging.getLogger(__name__)

_COLUMNS = "run_id, owner, owner_id, client, label, created_at, config, status"


class RunIndex:
    """The runs of the store at ``root`` as rows of the class database ``state`` (safe to share between threads)."""

    def __init__(self, state: ClassState, root: Path):
        self.state = state
        self.root = Path(root)

    def stage(self, staging: Path, meta: dict, status: RunStatus) -> None:
        """Nothing in the folder: the row added once the folder is in place lists the run."""

    def add(self, meta: dict, status: RunStatus) -> None:
        with self.state.transaction(write=True) as tx:
            if not _insert(tx, meta, status):
                raise ValueError(f"run {meta.get('run_id')} is in the run index already")

    def has(self, run_id: str) -> bool:
        with self.state.transaction() as tx:
            return bool(tx.rows("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)))

    def read(self, run_id: str) -> RunInfo:
        with self.state.transaction() as tx:
            found = tx.rows(f"SELECT {_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        if not found:
            raise not_found(run_id)
        return self._info(found[0])

    def list(self) -> list[RunInfo]:
        """Return every run, newest first, in one query; a damaged row is skipped and logged."""
        with self.state.transaction() as tx:
            found = tx.rows(f"SELECT {_COLUMNS} FROM runs ORDER BY created_at DESC, run_id DESC")
        runs = []
        for row in found:
            try:
                runs.append(self._info(row))
            except (ValueError, TypeError) as exc:
                logger.warning("skipping unreadable run %s in the run index: %s", row[0], exc)
        return newest_first(runs)

    def set_label(self, run_id: str, label: str | None) -> None:
        with self.state.transaction(write=True) as tx:
            if tx.change("UPDATE runs SET label = ? WHERE run_id = ?", (label, run_id)) == 0:
                raise not_found(run_id)

    def forget(self, run_id: str) -> None:
        """Remove the run's row, in one transaction with the check that it is neither queued nor running."""
        with self.state.transaction(write=True) as tx:
            if self._status(tx, run_id).active:
                raise UserError(Message("runs.delete_active", {"run_id": run_id}))
            tx.change("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def read_status(self, run_id: str) -> RunStatus:
        with self.state.transaction() as tx:
            return self._status(tx, run_id)

    def write_status(self, run_id: str, status: RunStatus) -> None:
        with self.state.transaction(write=True) as tx:
            sql = "UPDATE runs SET status = ?, updated_at = ? WHERE run_id = ?"
            if tx.change(sql, (_dumps(status), time.time(), run_id)) == 0:
                raise not_found(run_id)

    def update_status(self, run_id: str, changes: dict[str, Any]) -> RunStatus:
        """Read, change and write the status in one write transaction: a concurrent change is never lost."""
        with self.state.transaction(write=True) as tx:
            status = replace(self._status(tx, run_id), **changes)
            tx.change(
                "UPDATE runs SET status = ?, updated_at = ? WHERE run_id = ?", (_dumps(status), time.time(), run_id)
            )
        return status

    def request_cancel(self, run_id: str, at: float) -> None:
        with self.state.transaction(write=True) as tx:
            if tx.change("UPDATE runs SET cancel_at = ? WHERE run_id = ?", (at, run_id)) == 0:
                raise not_found(run_id)

    def cancel_requested_at(self, run_id: str) -> float | None:
        """Return when a stop was asked for; the worker asks ten times a second (one indexed read)."""
        with self.state.transaction() as tx:
            found = tx.rows("SELECT cancel_at FROM runs WHERE run_id = ?", (run_id,))
        return found[0][0] if found else None

    def clear_cancel(self, run_id: str) -> None:
        with self.state.transaction(write=True) as tx:
            tx.change("UPDATE runs SET cancel_at = NULL WHERE run_id = ?", (run_id,))

    def remove_all(self) -> None:
        """Forget every run (a store cleared between classes, or replaced by a backup)."""
        with self.state.transaction(write=True) as tx:
            tx.change("DELETE FROM runs")

    def adopt_files(self) -> int:
        """Move the runs kept as files under ``root`` (before the index, or from a backup) into the index.

        Each run's ``config.json``, ``status.json`` and ``cancel`` become its row and are deleted; a run the
        index holds already keeps its row. Return the number of runs moved in.
        """
        moved = 0
        for entry in sorted(self.root.iterdir()) if self.root.is_dir() else ():
            if not RUN_ID_PATTERN.fullmatch(entry.name) or not (entry / CONFIG_FILE).is_file():
                continue
            try:
                meta = {**json.loads((entry / CONFIG_FILE).read_text()), "run_id": entry.name}
                status = RunStatus.from_dict(json.loads((entry / STATUS_FILE).read_text()))
                meta["cancel_at"] = RunFiles(self.root).cancel_requested_at(entry.name)
                with self.state.transaction(write=True) as tx:
                    moved += _insert(tx, meta, status)  # indexed already: kept as it is
            except FileNotFoundError:  # another process moved it a moment ago
                continue
            except (ValueError, TypeError, AttributeError) as exc:  # damaged: not a run any more
                logger.warning("run %s not moved into the run index: %s", entry.name, exc)
                continue
            for name in (CONFIG_FILE, STATUS_FILE, CANCEL_FILE):
                with contextlib.suppress(FileNotFoundError):
                    (entry / name).unlink()
        if moved:
            logger.info("moved %d runs of %s into the run index", moved, self.root)
        return moved

    # --- internals ----------------------------------------------------------------------------------

    def _status(self, tx: Tx, run_id: str) -> RunStatus:
        found = tx.rows("SELECT status FROM runs WHERE run_id = ?", (run_id,))
        if not found:
            raise not_found(run_id)
        return RunStatus.from_dict(json.loads(found[0][0]))

    def _info(self, row: tuple) -> RunInfo:
        run_id, owner, owner_id, client, label, created_at, config, status = row
        meta = {"owner": owner, "owner_id": owner_id, "client": client, "label": label, "created_at": created_at}
        return run_info(
            self.root, run_id, {**meta, "config": json.loads(config)}, RunStatus.from_dict(json.loads(status))
        )


def record_files(store: RunStore, info: RunInfo) -> list[tuple[str, bytes, float]]:
    """Return a run's record as the files a store without the index keeps: (name, bytes, modification time).

    What a backup holds for each run of the index; :meth:`RunIndex.adopt_files` reads them back.
    """
    meta = {"run_id": info.run_id, "owner": info.owner, "owner_id": info.owner_id, "client": info.client,
            "created_at": info.created_at, "label": info.label, "config": info.config}  # fmt: skip
    at = info.status.updated_at or info.created_at
    files = [(CONFIG_FILE, _pretty(meta), at), (STATUS_FILE, _pretty(info.status.to_dict()), at)]
    if (asked_at := store.cancel_requested_at(info.run_id)) is not None:
        files.append((CANCEL_FILE, str(asked_at).encode(), asked_at))  # its time says when
    return files


def _pretty(data: dict) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True).encode()


def _insert(tx: Tx, meta: dict, status: RunStatus) -> bool:
    """Add a run's row unless its id is there; return whether it was added."""
    values = [meta.get(name) for name in ("run_id", "owner", "owner_id", "client", "label")]
    config = json.dumps(meta.get("config") or {}, ensure_ascii=False)
    sql = (
        f"INSERT INTO runs ({_COLUMNS}, updated_at, cancel_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id) DO NOTHING"
    )
    created_at, cancel_at = float(meta.get("created_at") or 0.0), meta.get("cancel_at")
    return tx.change(sql, (*values, created_at, config, _dumps(status), time.time(), cancel_at)) == 1


def _dumps(status: RunStatus) -> str:
    return json.dumps(status.to_dict(), ensure_ascii=False)


# --- one index per database, store and process -------------------------------------------------------

_OPEN: dict[tuple[str, Path], RunIndex] = {}
_OPEN_LOCK = threading.Lock()


def open_run_index(root: Path, database_url: str) -> RunIndex:
    """Return this process's index of the store at ``root`` in ``database_url``; opening it moves file runs in."""
    state = open_class_state(Path(root), database_url)  # one per database and process, migrated
    key = (database_url, Path(root).absolute())
    with _OPEN_LOCK:
        index = _OPEN.get(key)
        if index is None or index.state is not state:  # the first open, or after class_state.close_all()
            index = RunIndex(state, Path(root))
            index.adopt_files()
            _OPEN[key] = index
        return index


def run_store(root: Path, database_url: str | None = None, *, shared: bool = False) -> RunStore:
    """Return the run store at ``root``: its runs indexed in ``database_url`` when one is set, else in files.

    Every place that opens a run store for the app, its workers, the Ray queue and the command line
    comes through here, so all of them see the same runs.
    """
    if not database_url:
        return RunStore(Path(root), shared=shared)
    return RunStore(Path(root), shared=shared, index=open_run_index(Path(root), database_url))


def worker_database_url(database_url: str) -> str:
    """Return ``database_url`` as a process started elsewhere reads it: a relative SQLite path made absolute."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and not database_url.startswith(prefix + "/"):
        return prefix + str(Path(database_url[len(prefix) :]).absolute())
    return database_url
