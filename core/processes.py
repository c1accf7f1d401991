"""Worker processes: the environment they get, and by pid: is it still the process we started, ending it.

A pid alone is not enough: a dead process's pid can be given to a new one, and a child that
exited stays a zombie until reaped. So a run records its worker's pid *and* start time, and both
must match for the worker to count as alive.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Mapping
from pathlib import Path

# What a training worker may see of the app's environment; nothing else is passed on, so no
# secret of the app (STRIDE_TEACHER_PASSWORD, cloud credentials) reaches code that runs a student's
# config. Settings the worker reads from STRIDE_* come through by name. The one exception is
# STRIDE_DATABASE_URL, added by core.jobs when it is set: the worker writes its run's status into
# the run index there (core.run_index).
WORKER_ENV = (
    "PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV",
    "CUDA_VISIBLE_DEVICES", "TORCH_HOME", "XDG_CACHE_HOME",
    "STRIDE_DATA_DIR", "STRIDE_RUNS_DIR", "STRIDE_MAX_UPLOAD_MB", "STRIDE_MAX_IMAGE_PIXELS", "STRIDE_MAX_IMAGE_SIDE",
)  # fmt: skip


def worker_environment(environ: Mapping[str, str], threads: int, python_path: str) -> dict[str, str]:
    """Return the environment of a training worker: the names of WORKER_ENV, thread caps, ``python_path`` first."""
    kept = {name: environ[name] for name in WORKER_ENV if name in environ}
    path = os.pathsep.join(p for p in (python_path, environ.get("PYTHONPATH")) if p)
    # The thread caps must be set before torch starts its thread pools.
    return {**kept, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONPATH": path}


# How much likelier than the app a training worker is to be ended when memory runs out (-1000..1000).
# The kernel's OOM killer ends the process with the highest score: a worker (its run is interrupted,
# resumable from its checkpoint) rather than the server that every student's page lives in.
WORKER_OOM_SCORE_ADJ = 500


def prefer_for_oom_kill(adj: int = WORKER_OOM_SCORE_ADJ, proc_file: Path = Path("/proc/self/oom_score_adj")) -> bool:
    """Raise this process's OOM score adjustment to ``adj`` (raising needs no privilege); return whether it took."""
    try:
        current = int(proc_file.read_text())
        if current < adj:
            proc_file.write_text(str(adj))
        return True
    except (OSError, ValueError):  # not Linux, or a read-only /proc
        return False


def process_start_ticks(pid: int) -> int | None:
    """Return when process ``pid`` started (clock ticks since boot; Linux only), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 of /proc/<pid>/stat. Field 2, the command name, may hold spaces and ")".
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_alive(pid: int, pid_start: int | None = None) -> bool:
    """Return whether process ``pid`` runs, and is the same process that started at ``pid_start``.

    A zombie (exited, not yet reaped) and a pid reused by another process both count as dead.
    """
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists without touching it
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): os.kill is all we can know
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # zombie or dead: it has exited
        return False
    return pid_start is None or int(fields[19]) == pid_start


def end_process(pid: int, pid_start: int | None, wait_s: float = 0.5) -> None:
    """Terminate a worker (SIGTERM, then SIGKILL) if it is still the process we started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not process_alive(pid, pid_start):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and process_alive(pid, pid_start):
            time.sleep(0.02)
