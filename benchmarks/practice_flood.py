"""A hostile student floods the practice page: hundreds of checks as fast as the server answers.

`python -m benchmarks.practice_flood [--checks 200]` starts a class-mode `streamlit run`, opens
the practice page as one websocket client (tests/streamlit_client.py, Streamlit's own protocol)
and presses Check ``--checks`` times in a row with each kind of answer: honest wrong answers,
900 KB of digits, 900 KB of emoji (both just under `server.maxWidgetStateSize`, 1 MB), and HTML.
It prints, per kind, the rerun latency (p50, p95), the server's RSS before and after, and at the
end the rows and bytes the class database holds. What to expect: every kind costs about what an
honest check costs (Streamlit cuts a text input to its ``max_chars`` before the page sees it; the
page reads at most 200 characters), RSS does not climb, and the database keeps at most
``MAX_TRIES_KEPT`` rows of the question however many checks arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from live_server import streamlit_server  # noqa: E402
from streamlit_client import Session  # noqa: E402

from core.practice import make_set  # noqa: E402

KINDS = {
    "honest wrong answers": None,
    "900 KB of digits": "9" * 900_000,
    "900 KB of emoji": "🙂" * 225_000,
    "HTML": "<img src=x onerror=alert(1)>" * 7,
}


def rss_mb(pid: int) -> int:
    return int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024


async def flood(url: str, pid: int, checks: int) -> dict:
    chosen = make_set("conv_size", 3, 5)
    session = Session(url, "practice", f"set={chosen.set_id}&me=mallory&key={'d4' * 8}")
    await session.open()
    submit = next(k for k in session.widget_keys() if k.startswith("FormSubmitter:"))
    answer = f"practice.answer_{chosen.set_id}_0"
    report = {}
    for kind, text in KINDS.items():
        latencies, before = [], rss_mb(pid)
        for i in range(checks):
            typed = f"{i + 1000}x{i + 1000}" if text is None else text + str(i)  # never right
            outcome = await session.rerun({answer: typed}, click=submit)
            if outcome.exceptions:
                raise RuntimeError(f"the page raised: {outcome.exceptions[0]}")
            latencies.append(outcome.latency_ms)
        latencies.sort()
        report[kind] = {
            "p50 ms": round(latencies[len(latencies) // 2], 1),
            "p95 ms": round(latencies[int(len(latencies) * 0.95)], 1),
            "RSS MB before, after": (before, rss_mb(pid)),
            "last message": outcome.alerts[-1][1][:80] if outcome.alerts else "",
        }
    await session.close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.practice_flood")
    parser.add_argument("--checks", type=int, default=200, help="checks per kind of answer (default 200)")
    args = parser.parse_args()
    runs = Path(tempfile.mkdtemp(prefix="stride-flood-"))
    env = {**os.environ, "STRIDE_RUNS_DIR": str(runs), "STRIDE_TEACHER_PASSWORD": "flood-teacher-password"}
    with streamlit_server(ROOT / "streamlit_app.py", runs / "streamlit.log", env) as url:
        pid = _server_pid(url)
        report = asyncio.run(flood(url, pid, args.checks))
    with sqlite3.connect(runs / ".class" / "class.sqlite3") as db:
        rows, typed = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(typed)), 0) FROM answers").fetchone()
    files = sum(p.stat().st_size for p in (runs / ".class").iterdir())
    report["class database"] = {"answer rows": rows, "typed characters kept": typed, "bytes on disk": files}
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


def _server_pid(url: str) -> int:
    """The `streamlit run` process serving ``url`` (found by its port: other servers may run here)."""
    import subprocess

    port = url.rsplit(":", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"server.port {port} "], capture_output=True, text=True)
    return int(found.stdout.split()[0])


if __name__ == "__main__":
    sys.exit(main())
