"""Where a run's record lives: who made it, its config, its label and its status (:class:`RunRecords`).

The run store (:class:`core.runs.RunStore`) keeps each run's artifacts (metrics, checkpoints, model)
as files in the run's directory and asks a ``RunRecords`` for the rest. Two kinds keep the same
promises:

``RunFiles``  the default: ``config.json`` and ``status.json`` in the run's directory, written
              atomically; a status change holds a ``flock`` on the run's ``status.lock``.
``RunIndex``  (:mod:`core.run_index`) rows of the class database, when ``STRIDE_DATABASE_URL`` is set:
              every app replica and worker sees the same runs through the database.

Callers pass run ids already checked by the store (:func:`core.runs.check_run_id`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from core.files import atomic_write_json, flocked
from core.i18n import Message, UserError
from core.run_status import RunInfo, RunStatus

logger = logging.getLogger(__name__)

# Letters, digits, "_" and "-", starting with a letter or digit: safe in a URL and as a
# directory name, and no way to spell "..", "/" or a hidden file.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
CONFIG_FILE = "config.json"
STATUS_FILE = "status.json"
CANCEL_FILE = "cancel"  # present once someone asked the run to stop; its modification time says when
STATUS_LOCK = "status.lock"  # held while a status file is changed (files only)


# config.json and status.json paths -> (the file's inode, modification time and size; the file parsed), for
# every RunFiles of this process. Both change only by an atomic write (a new file, so a new inode), so a
# listing stats each run's two files and reads only those that changed. With 300 runs a listing took 25 ms
# when it parsed every file; reading each status (open, read, close: each lets go of the interpreter lock,
# to wait for it again behind the other sessions' reruns) took 5 ms for 200 runs alone and about 1 s beside
# one busy thread (1.5 ms and 18-440 ms with a stat each). Each live area lists every second, as does the
# scheduler.
_CONFIGS: dict[str, tuple[tuple[int, int, int], dict]] = {}
_STATUSES: dict[str, tuple[tuple[int, int, int], RunStatus]] = {}
# config.json path -> (its config and status as parsed, the run as last listed). An unchanged run is the same
# object in every listing, so the listings that the sessions' pages hold share it: under a 30-minute load test
# with 259 runs the server held 27,000 RunInfo, a copy of the list for each of the 84 sessions.
_LISTED: dict[str, tuple[dict, RunStatus, RunInfo]] = {}


def _parsed(path: str, held: dict, parse: Callable[[dict], Any]) -> Any:
    """Return the file at ``path`` parsed, read again only when it is not the file read before (one stat)."""
    found = os.stat(path)
    key = (found.st_ino, found.st_mtime_ns, found.st_size)
    kept = held.get(path)
    if kept is None or kept[0] != key:
        with open(path, encoding="utf-8") as file:
            kept = held[path] = (key, parse(json.load(file)))
    return kept[1]


def not_found(run_id: str) -> UserError:
    return UserError(Message("runs.not_found", {"run_id": run_id}))


def run_info(root: Path, run_id: str, meta: dict, status: RunStatus) -> RunInfo:
    """Return the RunInfo of a stored record (``meta``: config.json's fields, or a row's)."""
    text = {name: meta.get(name) if isinstance(meta.get(name), str) else None for name in ("label", "client")}
    return RunInfo(
        run_id=run_id,
        path=Path(root) / run_id,
        owner=meta.get("owner"),
        created_at=float(meta.get("created_at") or 0.0),
        config=meta.get("config") or {},
        status=status,
        owner_id=meta.get("owner_id"),
        **text,
    )


class RunRecords(Protocol):
    """What the run store asks of the place that holds its runs' records."""

    def stage(self, staging: Path, meta: dict, status: RunStatus) -> None: ...  # before the run's folder is in place

    def add(self, meta: dict, status: RunStatus) -> None: ...  # after: the run is listed from now on

    def has(self, run_id: str) -> bool: ...

    def read(self, run_id: str) -> RunInfo: ...

    def list(self) -> list[RunInfo]: ...  # newest first

    def set_label(self, run_id: str, label: str | None) -> None: ...

    def forget(self, run_id: str) -> None: ...  # refuses an active run (runs.delete_active)

    def read_status(self, run_id: str) -> RunStatus: ...

    def write_status(self, run_id: str, status: RunStatus) -> None: ...

    def update_status(self, run_id: str, changes: dict[str, Any]) -> RunStatus: ...  # one atomic change

    def request_cancel(self, run_id: str, at: float) -> None: ...  # the worker checks between steps

    def cancel_requested_at(self, run_id: str) -> float | None: ...  # None: not asked (or no such run)

    def clear_cancel(self, run_id: str) -> None: ...


def newest_first(runs: list[RunInfo]) -> list[RunInfo]:
    return sorted(runs, key=lambda r: (r.created_at, r.run_id), reverse=True)


class RunFiles:
    """Each run's record as ``config.json`` and ``status.json`` in its directory under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def stage(self, staging: Path, meta: dict, status: RunStatus) -> None:
        atomic_write_json(staging / CONFIG_FILE, meta)
        atomic_write_json(staging / STATUS_FILE, status.to_dict())

    def add(self, meta: dict, status: RunStatus) -> None:
        """Nothing more: renaming the staged folder into place published the run."""

    def has(self, run_id: str) -> bool:
        return (self.root / run_id / CONFIG_FILE).is_file()

    def _config_path(self, run_id: str) -> Path:
        if not self.has(run_id):
            raise not_found(run_id)
        return self.root / run_id / CONFIG_FILE

    def read(self, run_id: str) -> RunInfo:
        try:
            meta = _parsed(os.path.join(self.root, run_id, CONFIG_FILE), _CONFIGS, dict)
        except FileNotFoundError:
            raise not_found(run_id) from None
        return run_info(self.root, run_id, meta, self.read_status(run_id))

    def list(self) -> list[RunInfo]:
        """Return every readable run; damaged directories are skipped and logged."""
        runs = []
        with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(self.root) as entries:
            for entry in entries:
                if not RUN_ID_PATTERN.fullmatch(entry.name):
                    continue
                path = os.path.join(entry.path, CONFIG_FILE)
                try:
                    meta = _parsed(path, _CONFIGS, dict)
                except FileNotFoundError:
                    continue  # not a run: no config (or deleted meanwhile)
                try:
                    status = self.read_status(entry.name)
                    held = _LISTED.get(path)
                    if held is None or held[0] is not meta or held[1] is not status:  # a file was read again
                        info = run_info(self.root, entry.name, meta, status)
                        held = _LISTED[path] = (meta, status, held[2] if held and held[2] == info else info)
                except (OSError, ValueError, UserError) as exc:
                    logger.warning("skipping unreadable run %s: %s", entry.name, exc)
                    continue
                runs.append(held[2])
        listed = {os.path.join(self.root, r.run_id, CONFIG_FILE) for r in runs}
        under = os.path.join(self.root, "")
        for path in [p for p in list(_CONFIGS) + list(_LISTED) if p.startswith(under) and p not in listed]:
            _CONFIGS.pop(path, None)  # deleted runs are forgotten
            _STATUSES.pop(os.path.join(os.path.dirname(path), STATUS_FILE), None)
            _LISTED.pop(path, None)
        return newest_first(runs)

    def set_label(self, run_id: str, label: str | None) -> None:
        path = self._config_path(run_id)
        with flocked(self.root / run_id / STATUS_LOCK):
            atomic_write_json(path, {**json.loads(path.read_text()), "label": label})

    def forget(self, run_id: str) -> None:
        """Refuse an active run; the store then deletes the folder, and the record with it."""
        if self.read_status(run_id).active:
            raise UserError(Message("runs.delete_active", {"run_id": run_id}))

    def read_status(self, run_id: str) -> RunStatus:
        try:
            return _parsed(os.path.join(self.root, run_id, STATUS_FILE), _STATUSES, RunStatus.from_dict)
        except FileNotFoundError:
            raise not_found(run_id) from None

    def write_status(self, run_id: str, status: RunStatus) -> None:
        self._config_path(run_id)
        with flocked(self.root / run_id / STATUS_LOCK):
            atomic_write_json(self.root / run_id / STATUS_FILE, status.to_dict())

    def update_status(self, run_id: str, changes: dict[str, Any]) -> RunStatus:
        """Read, change and write the status under the run's lock: two writers both get their change in."""
        self._config_path(run_id)
        with flocked(self.root / run_id / STATUS_LOCK):
            status = replace(self.read_status(run_id), **changes)
            atomic_write_json(self.root / run_id / STATUS_FILE, status.to_dict())
        return status

    def request_cancel(self, run_id: str, at: float) -> None:
        (self._config_path(run_id).parent / CANCEL_FILE).write_text(str(at))

    def cancel_requested_at(self, run_id: str) -> float | None:
        try:
            return (self.root / run_id / CANCEL_FILE).stat().st_mtime
        except FileNotFoundError:
            return None

    def clear_cancel(self, run_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / run_id / CANCEL_FILE).unlink()
