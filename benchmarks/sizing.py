"""Measure what the README's sizing table needs: the server's memory per open session, a worker's, a run's disk.

``python -m benchmarks.sizing`` (about 3 minutes on 2 cores; not part of CI):

1. a class-mode ``streamlit run`` with 1, 10 and 30 open browser sessions (websocket clients of
   tests/streamlit_client.py, each opening a page in turn: convolution, architecture, training,
   predict, pipeline, step): the server's resident memory (RSS) at each level, and its peak;
2. training workers (``python -m core.train``), one at a time, on the class's usual runs: peak RSS
   (``ru_maxrss`` from ``wait4``) and the run's folder on disk; a warm worker, imports done, idle;
3. the installed packages: torch (with whatever wheels this machine has) and the rest.

Prints a table and writes benchmarks/results/sizing.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.loadtest import server_pid
from benchmarks.timing import cpu_model
from core.files import tree_bytes
from tests.live_server import streamlit_server
from tests.streamlit_client import Session

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PAGES = ("convolution", "architecture", "training", "predict", "pipeline", "step")
LEVELS = (1, 10, 30)
RUNS = {  # what a class trains: the recipes' sizes
    "LeNet on digits, 5 epochs": {"dataset": "digits", "model": "lenet", "epochs": 5},
    "LeNet on MNIST 5,000, 3 epochs": {"dataset": "mnist5k", "model": "lenet", "epochs": 3},
    "CIFAR10_Net_Simple_v3 on shapes, 2 epochs": {
        "dataset": "shapes",
        "model": "cifar10_simple_v3",
        "epochs": 2,
        "max_samples": 5000,
    },
}


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sessions_memory(url: str, pid: int) -> list[dict]:
    """Open sessions up to each of LEVELS and keep them open; return the server's RSS at each level."""
    open_sessions: list[Session] = []
    levels = []
    try:
        for level in LEVELS:
            while len(open_sessions) < level:
                session = Session(url, PAGES[len(open_sessions) % len(PAGES)], query="lang=en")
                await session.open()
                open_sessions.append(session)
            await asyncio.sleep(2)
            levels.append(
                {"sessions": level, "server_rss_mb": round(rss_mb(pid)), "peak_mb": round(rss_mb(pid, "VmHWM"))}
            )
            print(f"  {level:>3} sessions: server RSS {levels[-1]['server_rss_mb']} MB", flush=True)
    finally:
        for session in open_sessions:
            await session.close()
    return levels


def worker_memory(runs_dir: Path) -> list[dict]:
    """Train each of RUNS in its own worker process; return its peak RSS and its folder's size."""
    measured = []
    for title, config in RUNS.items():
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({**config, "threads": 2}, f)
        before = set(os.listdir(runs_dir)) if runs_dir.is_dir() else set()
        started = time.monotonic()
        env = {**os.environ, "STRIDE_RUNS_DIR": str(runs_dir)}
        process = subprocess.Popen([sys.executable, "-m", "core.train", "--config", f.name], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        os.unlink(f.name)
        (run_id,) = set(os.listdir(runs_dir)) - before - {".scheduler.lock"}
        measured.append(
            {
                "run": title,
                "exit": os.waitstatus_to_exitcode(status),
                "peak_rss_mb": round(usage.ru_maxrss / 1024),
                "disk_mb": round(tree_bytes(runs_dir / run_id) / 2**20, 2),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
        print(f"  {title}: peak RSS {measured[-1]['peak_rss_mb']} MB, disk {measured[-1]['disk_mb']} MB", flush=True)
    return measured


def warm_worker_mb(runs_dir: Path) -> float:
    """Return the RSS of a warm worker (imports done, waiting for a run id), after it settles."""
    process = subprocess.Popen([sys.executable, "-m", "core.train_cli", "--run", "-", "--runs-dir", str(runs_dir)],
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        last, steady = -1.0, 0
        while steady < 3:  # RSS unchanged for 3 readings a second apart: warmed up, waiting
            time.sleep(1)
            now = rss_mb(process.pid)
            steady = steady + 1 if abs(now - last) < 1 else 0
            last = now
        return round(last)
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def packages_mb() -> dict[str, float]:
    site = Path(torch.__file__).parent.parent
    sizes = {"torch (this machine's wheels)": tree_bytes(site / "torch")}
    cuda = sum(tree_bytes(p) for p in site.iterdir() if p.name.startswith(("nvidia", "triton", "cuda")))
    sizes["CUDA libraries beside torch"] = cuda
    sizes["everything else"] = tree_bytes(site) - sum(sizes.values())
    return {k: round(v / 2**20) for k, v in sizes.items()}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = Path(tmp) / "runs"
        env = {**os.environ, "STRIDE_RUNS_DIR": str(runs_dir), "STRIDE_TEACHER_PASSWORD": "sizing-teacher",
               "STRIDE_MAX_CONCURRENT_RUNS": "1"}  # fmt: skip
        print("server memory with open sessions:", flush=True)
        with streamlit_server(ROOT / "streamlit_app.py", Path(tmp) / "server.log", env=env) as url:
            pid = server_pid(url)
            idle = round(rss_mb(pid))
            print(f"    0 sessions: server RSS {idle} MB", flush=True)
            sessions = asyncio.run(sessions_memory(url, pid))
        print("training workers:", flush=True)
        warm = warm_worker_mb(runs_dir)
        print(f"  warm worker, waiting: {warm} MB", flush=True)
        workers = worker_memory(runs_dir)
    result = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, {platform.python_version()}, torch {torch.__version__}",
        "server_idle_rss_mb": idle,
        "sessions": sessions,
        "warm_worker_rss_mb": warm,
        "workers": workers,
        "packages_mb": packages_mb(),
    }
    (RESULTS / "sizing.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
