"""What the teacher's tools read: the class's results as CSV, and the server's health at a glance.

Results: one row per run (student, data, model, epochs, accuracy, time; two students who share a
name are numbered, as in the run list: :func:`owner_shown`), from each run's status,
checkpoint header and ``model.json``: nothing is loaded but small JSON. The CSV is opened in a
spreadsheet, where a cell starting with ``=``, ``+``, ``-`` or ``@`` is a formula: run labels are
typed by students, so such cells get a leading apostrophe and stay text.

Health: memory and CPU time of the app process and of the training workers (its child processes,
and the workers of running runs), read from ``/proc`` on Linux; the container's memory limit from
its cgroup; the run store's disk. CPU use is CPU seconds between two readings (:func:`cores_used`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.limits import MB
from core.run_status import RunInfo
from core.runs import MODEL_INFO_FILE, RunStore

CSV_COLUMNS = (
    "student", "run_id", "label", "state", "dataset", "model", "epochs_done", "epochs",
    "val_acc", "test_acc", "train_seconds", "created",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> str:
    """Return a CSV cell as text a spreadsheet shows as text (no formula from a student's label)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _model_name(config: dict) -> str:
    model = config.get("model")
    if isinstance(model, dict):  # a hand-built spec
        return str(model.get("name") or "custom")
    return str(model or "")


def _test_acc(info: RunInfo) -> float | None:
    try:
        metrics = json.loads((info.path / MODEL_INFO_FILE).read_text()).get("metrics") or {}
    except (OSError, ValueError, AttributeError):
        return None
    value = metrics.get("test_acc") if isinstance(metrics, dict) else None
    return float(value) if isinstance(value, int | float) else None


def shown_names(owners: Iterable[tuple[str | None, str]]) -> dict[tuple[str | None, str], str]:
    """Return how a teacher's list shows each (owner id, name): a name another owner had first gets " (2)", " (3)".

    Names repeat (:func:`core.classroom.random_name` draws from 4,000, and anyone may type a
    classmate's name); owner ids do not. ``owners`` come in the order that numbers them. A typed
    name cannot hold a parenthesis (:func:`core.classroom.clean_name`): the mark cannot be forged.
    """
    shown: dict[tuple[str | None, str], str] = {}
    taken: Counter = Counter()
    for owner, name in owners:
        if (owner, name) not in shown:
            taken[name] += 1
            shown[owner, name] = name if taken[name] == 1 else f"{name} ({taken[name]})"
    return shown


def owner_shown(runs: Iterable[RunInfo]) -> Callable[[RunInfo], str]:
    """Return the name to show for a run's owner among ``runs``: :func:`shown_names`, the oldest run's owner first."""
    shown = shown_names((r.owner_id, r.owner or "") for r in sorted(runs, key=lambda r: (r.created_at, r.run_id)))
    return lambda run: shown.get((run.owner_id, run.owner or ""), run.owner or "")


def result_rows(store: RunStore, runs: list[RunInfo]) -> list[dict[str, object]]:
    """Return one row per run with the columns of CSV_COLUMNS (accuracies as fractions, times in seconds).

    Two students who share a name are told apart as the run list tells them (:func:`owner_shown`).
    """
    rows, student = [], owner_shown(runs)
    for info in runs:
        meta = store.checkpoint_meta(info.run_id)
        test_acc = _test_acc(info) if info.status.state == "finished" else None
        rows.append(
            {
                "student": student(info),
                "run_id": info.run_id,
                "label": info.label or "",
                "state": info.status.state,
                "dataset": info.config.get("dataset", ""),
                "model": _model_name(info.config),
                "epochs_done": meta.epoch if meta else 0,
                "epochs": info.config.get("epochs", ""),
                "val_acc": round(meta.val_acc, 4) if meta else None,
                "test_acc": round(test_acc, 4) if test_acc is not None else None,
                "train_seconds": round(info.status.seconds, 1) if info.status.seconds is not None else None,
                "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created_at)),
            }
        )
    return rows


def results_csv(store: RunStore, runs: list[RunInfo]) -> bytes:
    """Return the class's results as CSV bytes (UTF-8 with a byte-order mark, so spreadsheets read Chinese labels)."""
    return table_csv(CSV_COLUMNS, ([row[name] for name in CSV_COLUMNS] for row in result_rows(store, runs)))


def table_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a table as CSV bytes for a spreadsheet: UTF-8 with a byte-order mark, every cell kept as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([text_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


# --- the server's health ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessUse:
    """One process's memory and CPU time so far."""

    pid: int
    rss_mb: float
    cpu_s: float  # user + system CPU seconds since it started


@dataclass(frozen=True)
class Health:
    """The server at one moment: the app process, its training workers, the queue, memory and disk."""

    at: float  # time.monotonic() of the reading
    server: ProcessUse | None
    workers: tuple[ProcessUse, ...]
    running: int
    queued: int
    memory_limit_mb: float | None  # the container's (cgroup) limit; None: none set
    store_mb: float
    disk_free_mb: float
    disk_total_mb: float


def process_use(pid: int, proc: Path = Path("/proc")) -> ProcessUse | None:
    """Return a process's resident memory and CPU seconds from ``/proc``; None when it is gone (or not Linux)."""
    try:
        status = (proc / str(pid) / "status").read_text()
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    fields = stat.rsplit(")", 1)[1].split()  # the command name (field 2) may hold spaces
    ticks = int(fields[11]) + int(fields[12])  # utime + stime, fields 14 and 15
    return ProcessUse(pid, rss_kb / 1024, ticks / os.sysconf("SC_CLK_TCK"))


def child_pids(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Return the pids whose parent is ``pid`` (the app's workers, the warm one included)."""
    children = []
    for entry in proc.iterdir() if proc.is_dir() else []:
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    return children


def memory_limit_mb(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """Return the container's memory limit in MB (cgroup v2 ``memory.max`` or v1's limit), or None."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            raw = path.read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < 2**60:  # v1 says "no limit" with a huge number
            return int(raw) / MB
    return None


def server_health(store: RunStore, runs: list[RunInfo], store_mb: float, pid: int | None = None) -> Health:
    """Return the server's health now: this process (or ``pid``), its workers, the queue, memory and disk."""
    pid = os.getpid() if pid is None else pid
    worker_pids = set(child_pids(pid))
    worker_pids |= {r.status.pid for r in runs if r.status.state == "running" and r.status.pid is not None}
    workers = tuple(use for p in sorted(worker_pids) if (use := process_use(p)) is not None)
    Path(store.root).mkdir(parents=True, exist_ok=True)
    disk = shutil.disk_usage(store.root)
    return Health(
        at=time.monotonic(),
        server=process_use(pid),
        workers=workers,
        running=sum(r.status.state == "running" for r in runs),
        queued=sum(r.status.state == "queued" for r in runs),
        memory_limit_mb=memory_limit_mb(),
        store_mb=store_mb,
        disk_free_mb=disk.free / MB,
        disk_total_mb=disk.total / MB,
    )


def cores_used(before: ProcessUse | None, after: ProcessUse | None, seconds: float) -> float | None:
    """Return the cores a process used on average between two readings (1.0: one core busy), or None."""
    if before is None or after is None or before.pid != after.pid or seconds <= 0:
        return None
    return max(0.0, (after.cpu_s - before.cpu_s) / seconds)
