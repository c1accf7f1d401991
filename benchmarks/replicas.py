"""App replicas behind Caddy on this machine, without Docker: `python -m benchmarks.loadtest --replicas 2`.

What compose.cluster.yaml runs, as local processes in one temporary folder:
- a Ray head (no CPUs, Ray Client) and one worker node that trains the runs, token-authenticated
  (docker/check_cluster.py's :func:`start_ray`, the code its live check uses);
- the class state in a throwaway PostgreSQL (tests/pg_server.py), one database for all replicas;
- N replicas through docker/entrypoint.sh (``streamlit run``), STRIDE_JOBS=ray over Ray Client, one
  shared run store;
- Caddy (``apt-get install caddy``) in front, with docker/Caddyfile.cluster's own ``reverse_proxy``
  block (sticky cookie ``stride_replica``, health checks; websockets pass as they are) on plain
  http on localhost, its admin API off and its files in the temporary folder.

Which replica a student was sent to is read from the cookie Caddy set on the student's first
request: Caddy 2.6 names an upstream by the hex HMAC-SHA256 of its address (key: the policy's
secret, here none), and ``check_cluster.replica_of`` turns it back into the address.
"""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docker"))
import check_cluster  # noqa: E402  (docker/ is scripts, not a package)

from tests.streamlit_client import REPLICA_COOKIE  # noqa: E402, F401  (re-exported for the load test)


def open_connections(port: int) -> int:
    """Count established TCP connections to a local ``port`` (a replica's: the proxy's websockets and requests)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                count += state == "01" and int(local.rsplit(":", 1)[1], 16) == port
    return count


@dataclass
class Replicas:
    url: str  # the proxy's: what the students open
    upstreams: list[str]  # each replica's host:port, in order
    pids: list[int]  # each replica's streamlit process
    logs: list[Path]
    database: str


@contextmanager
def replica_cluster(
    work: Path, env: dict[str, str], replicas: int = 2, log_path: Path | None = None
) -> Iterator[Replicas]:
    """Start the Ray cluster, PostgreSQL, ``replicas`` app replicas and Caddy; yield them; end them all.

    ``log_path``: where the replicas' logs are written at the end, one after the other (also after a failure).
    """
    from tests.pg_server import fresh_database

    caddy = shutil.which("caddy")
    if caddy is None:
        raise RuntimeError("--replicas needs Caddy: apt-get install caddy (Debian's 2.6 will do)")
    groups: list[int] = []
    logs = [work / f"app-{i}.log" for i in range(1, replicas + 1)]
    try:
        Path(env["STRIDE_RUNS_DIR"]).mkdir(parents=True, exist_ok=True)
        ray_env = check_cluster.ray_env()
        _, client = check_cluster.start_ray(work, groups, ray_env)
        database = fresh_database()
        replica_env = {**ray_env, **env, "STRIDE_JOBS": "ray", "STRIDE_RAY_ADDRESS": f"ray://127.0.0.1:{client}",
                       "STRIDE_DATABASE_URL": database, "PYTHON": sys.executable, "ADDRESS": "127.0.0.1"}  # fmt: skip
        ports = [check_cluster.free_port() for _ in range(replicas)]
        upstreams = [f"127.0.0.1:{port}" for port in ports]
        argv = ["docker/entrypoint.sh", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
        pids = [
            check_cluster.start(argv, log, {**replica_env, "PORT": str(port)}, groups)
            for port, log in zip(ports, logs, strict=True)
        ]
        for upstream in upstreams:
            check_cluster.wait(f"the replica at {upstream} to be healthy", lambda u=upstream: check_cluster.passes(
                [sys.executable, "docker/healthcheck.py", f"http://{u}"], replica_env))  # fmt: skip
        port = check_cluster.free_port()
        caddyfile = work / "Caddyfile"
        caddyfile.write_text(
            check_cluster.local_caddyfile(check_cluster.CLUSTER_CADDYFILE.read_text(), port, upstreams)
        )
        home = {"HOME": str(work), "XDG_DATA_HOME": str(work / "caddy"), "XDG_CONFIG_HOME": str(work / "caddy")}
        check_cluster.start([caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"], work / "caddy.log",
                            {**os.environ, **home}, groups)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        check_cluster.wait("Caddy to answer", lambda: _answers(url + "/_stcore/health"), 60)
        yield Replicas(url, upstreams, pids, logs, database)
    finally:  # the replicas and Caddy first: a replica that loses its Ray head while stopping logs Ray's tracebacks
        check_cluster.end_started(groups[2:], work)
        check_cluster.end_started(groups, work)
        if log_path is not None:
            log_path.write_text(
                "".join(f"=== app-{i} ===\n{p.read_text()}" for i, p in enumerate(logs, 1) if p.exists())
            )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False
