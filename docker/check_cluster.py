"""Check compose.cluster.yaml without a Docker engine: what can be checked here, and a list of what cannot.

``make cluster-check`` (``python docker/check_cluster.py``):
1. the compose file: its six services, a health check on each, the shared run volume at the image's
   STRIDE_RUNS_DIR on every Ray node and replica, the replicas' Ray and database settings, start
   order by health, only the proxy published, one Ray token for all;
2. the Caddyfile: both replicas upstream, cookie stickiness, health checks of the replicas;
3. docker/Dockerfile.cluster: every COPY source exists and survives .dockerignore, Ray pinned alike;
4. live, on this machine, the processes compose would start: a Ray head (no CPUs) and a worker node
   with token authentication, each passing docker/ray_node_health.py; two replicas through
   docker/entrypoint.sh with STRIDE_JOBS=ray over Ray Client, each passing docker/healthcheck.py
   and running streamlit_app.py; a run submitted as replica 1 trains on the worker node into the
   shared store, and replica 2's backend sees it finished.
It cannot check (no engine here): the image build, PostgreSQL's container, the named volume across
machines (NFS), shm sizes and container user ids. Caddy's sticky cookies and websockets in front of
two replicas are exercised by `make loadtest-replicas` (benchmarks/replicas.py), with the same
reverse_proxy block; Caddy's TLS on a real address is not.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PY = os.environ.get("CHECK_PYTHON") or sys.executable
BIN = Path(PY).parent
SERVICES = {"ray-head", "ray-worker", "app-1", "app-2", "postgres", "proxy"}
STRIDE = {"ray-head", "ray-worker", "app-1", "app-2"}  # the services of Stride's image
notes: list[str] = []
# A Ray Client connection starts a server process on the head; on a busy 2-core machine that takes longer
# than Ray's 30 s default (compose.cluster.yaml gives the head the same allowance). Without gRPC's fork
# handlers: the head's Ray Client proxy forks that server while its gRPC threads run, and with them it was
# seen to abort the child ("Check failed: next_worker->state == KICKED"), leaving the client waiting
SLOW_CLIENT = {"RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S": "120", "GRPC_ENABLE_FORK_SUPPORT": "0"}


# --- the cluster's proxy on this machine (benchmarks/replicas.py: the load test across replicas) ---


CLUSTER_CADDYFILE = Path(__file__).resolve().parent / "Caddyfile.cluster"


def local_caddyfile(cluster_text: str, port: int, upstreams: list[str]) -> str:
    """Return a Caddyfile for plain http on 127.0.0.1:``port`` with the cluster Caddyfile's reverse_proxy block.

    Only the upstreams change (``app-1:8501 app-2:8501`` -> ``upstreams``); the policy, health
    checks and comments are the cluster's own, so the load test measures the deployment's proxy.
    """
    found = re.search(r"^(\s*)reverse_proxy [^{\n]+\{\n.*?^\1\}\n", cluster_text, re.S | re.M)
    if found is None:
        raise ValueError("no reverse_proxy block in the cluster Caddyfile")
    block = re.sub(r"reverse_proxy [^{\n]+\{", f"reverse_proxy {' '.join(upstreams)} {{", found.group(0), count=1)
    options = "{\n\tadmin off\n\tauto_https off\n}\n"
    return f"{options}\nhttp://127.0.0.1:{port} {{\n{block}}}\n"


def replica_of(cookie: str | None, upstreams: list[str]) -> str | None:
    """Return the upstream address Caddy's sticky cookie names, or None for no cookie or an unknown one."""
    for upstream in upstreams:
        if cookie and hmac.compare_digest(cookie, hmac.new(b"", upstream.encode(), hashlib.sha256).hexdigest()):
            return upstream
    return None


def fail(why: str) -> None:
    sys.exit(f"cluster-check: FAIL: {why}")


def ok(what: str) -> None:
    notes.append(what)
    print(f"cluster-check: {what}", flush=True)


def check_compose() -> dict:
    compose = yaml.safe_load((REPO / "compose.cluster.yaml").read_text())
    services = compose["services"]
    if set(services) != SERVICES:
        fail(f"services {sorted(services)}, expected {sorted(SERVICES)}")
    for name, service in services.items():
        if not service.get("healthcheck", {}).get("test"):
            fail(f"{name} has no health check")
        if "ports" in service and name != "proxy":
            fail(f"{name} publishes ports: only the proxy may")
    image_env = dict(re.findall(r"(STRIDE_RUNS_DIR)=(\S+)", (REPO / "docker/Dockerfile.cluster").read_text()))
    for name in STRIDE:
        if f"stride-runs:{image_env['STRIDE_RUNS_DIR']}" not in services[name].get("volumes", []):
            fail(f"{name} does not mount the shared run volume at {image_env['STRIDE_RUNS_DIR']}")
        env = services[name].get("environment", {})
        if env.get("RAY_AUTH_MODE") != "token" or "STRIDE_RAY_TOKEN" not in str(env.get("RAY_AUTH_TOKEN")):
            fail(f"{name}: Ray token authentication is not configured")
    for name in ("app-1", "app-2"):
        env, needs = services[name]["environment"], services[name]["depends_on"]
        if env["STRIDE_JOBS"] != "ray" or env["STRIDE_RAY_ADDRESS"] != "ray://ray-head:10001":
            fail(f"{name} does not train on the Ray head's client port")
        if (
            not env["STRIDE_DATABASE_URL"].startswith("postgresql://")
            or "@postgres:5432/" not in env["STRIDE_DATABASE_URL"]
        ):
            fail(f"{name} does not keep class state in the postgres service")
        if {needs[s]["condition"] for s in ("ray-head", "postgres")} != {"service_healthy"}:
            fail(f"{name} may start before the Ray head and PostgreSQL are healthy")
    if (
        "10001" not in services["ray-head"]["expose"]
        or "--ray-client-server-port=10001" not in services["ray-head"]["entrypoint"]
    ):
        fail("the Ray head does not serve Ray Client on 10001")
    head_env = services["ray-head"]["environment"]
    if any(str(head_env.get(name)) != value for name, value in SLOW_CLIENT.items()):
        fail(f"the Ray head lacks what the live check starts it with: {SLOW_CLIENT}")
    if "--address=ray-head:6379" not in services["ray-worker"]["entrypoint"]:
        fail("the worker node does not join the head")
    proxy_needs = services["proxy"]["depends_on"]
    if {proxy_needs[s]["condition"] for s in ("app-1", "app-2")} != {"service_healthy"}:
        fail("the proxy may start before both replicas are healthy")
    ok("compose.cluster.yaml: 6 services with health checks; the run volume shared at one path; start order by health")
    return services


def check_caddyfile() -> None:
    text = (REPO / "docker/Caddyfile.cluster").read_text()
    upstreams = re.search(r"reverse_proxy\s+([^{]+)\{", text)
    if upstreams is None or set(upstreams.group(1).split()) != {"app-1:8501", "app-2:8501"}:
        fail("the Caddyfile does not proxy to app-1:8501 and app-2:8501")
    for needed in ("lb_policy cookie", "health_uri /_stcore/health"):
        if needed not in text:
            fail(f"the Caddyfile lacks '{needed}'")
    ok("Caddyfile.cluster: both replicas, sticky by cookie, health-checked (Caddy itself not here: not parsed)")


def check_dockerfile() -> None:
    ignored = {line.strip().strip("/") for line in (REPO / ".dockerignore").read_text().splitlines()}
    for line in (REPO / "docker/Dockerfile.cluster").read_text().splitlines():
        if line.startswith("COPY "):
            for source in shlex.split(line)[1:-1]:
                if not (REPO / source).exists() or source.strip("/").split("/")[0] in ignored:
                    fail(f"Dockerfile.cluster: COPY {source} is missing or excluded by .dockerignore")
    pins = {
        f: re.findall(r"^ray(?:\[\w+\])?==(\S+)", (REPO / f).read_text(), re.M)
        for f in ("requirements-ray.txt", "requirements-dev.txt")
    }
    if len({tuple(v) for v in pins.values()}) != 1 or not pins["requirements-ray.txt"]:
        fail(f"Ray is not pinned alike: {pins}")
    ok(
        f"Dockerfile.cluster: every COPY source present; Ray {pins['requirements-ray.txt'][0]} pinned for tests and image"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(what: str, condition, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    fail(f"timed out after {timeout_s:.0f} s: {what}")


def passes(argv: list[str], env: dict) -> bool:
    try:
        return subprocess.run(argv, env=env, capture_output=True, timeout=90).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def in_sessions(sessions: list[int]) -> list[int]:
    """Return the processes of these sessions: each process started here leads one, and its descendants stay in it
    even when they leave its process group (Ray puts each worker in a group of its own and renames it ray::...)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) in sessions:
                found.append(int(stat.parent.name))
    return found


def end_started(groups: list[int], work: Path) -> None:
    """End the process groups this check started, then any process of theirs that left its group (Ray workers)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in reversed(groups):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
        time.sleep(2)
    for pid in in_sessions(groups):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError, ValueError):
            if str(work).encode() in cmdline.read_bytes():  # started with this check's temporary folder
                os.kill(int(cmdline.parent.name), signal.SIGKILL)


def ray_env() -> dict[str, str]:
    """The environment of the Ray nodes and replicas: the app's folder importable, token authentication, no usage report."""
    # PYTHONPATH: Ray's workers import core.* (the queue actor, the runs) from the app's folder, as in the image
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
    }


def start(argv: list[str], log: Path, env: dict, groups: list[int]) -> int:
    """Start a process in its own group (noted in ``groups``, for end_started), its output to ``log``."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO
        )
    groups.append(process.pid)
    return process.pid


def start_ray(work: Path, groups: list[int], env: dict, worker_cpus: int = 1) -> tuple[int, int]:
    """Start compose's Ray head (no CPUs, Ray Client) and one worker node, logs in ``work``; return (GCS, client) ports."""
    gcs, client = free_port(), free_port()
    ray_cli = str(BIN / "ray")
    start([ray_cli, "start", "--head", f"--port={gcs}", f"--ray-client-server-port={client}", "--num-cpus=0",
           "--include-dashboard=false", f"--temp-dir={work}/ray", "--block"], work / "head.log",
          {**env, **SLOW_CLIENT}, groups)  # fmt: skip
    node_env = {**env, "RAY_ADDRESS": f"127.0.0.1:{gcs}"}
    wait("the Ray head to be healthy", lambda: passes([PY, "docker/ray_node_health.py"], node_env))
    start([ray_cli, "start", f"--address=127.0.0.1:{gcs}", f"--num-cpus={worker_cpus}", "--block"],
          work / "worker.log", env, groups)  # fmt: skip
    return gcs, client


def check_live(work: Path, groups: list[int]) -> None:
    env = ray_env()
    gcs, client = start_ray(work, groups, env)
    ok(f"Ray head up (GCS {gcs}, Ray Client {client}, token auth, no CPUs); ray_node_health.py passes")

    runs = work / "runs"
    runs.mkdir()
    replica_env = {"STRIDE_JOBS": "ray", "STRIDE_RAY_ADDRESS": f"ray://127.0.0.1:{client}", "STRIDE_RUNS_DIR": str(runs),
                   "STRIDE_TEACHER_PASSWORD": "check-teacher-pw", "PYTHON": PY, "ADDRESS": "127.0.0.1",
                   "STRIDE_TORCH_THREADS_PER_RUN": "1", "STRIDE_MAX_CONCURRENT_RUNS": "1"}  # fmt: skip
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports, 1):
        start(
            ["docker/entrypoint.sh", "--server.scriptHealthCheckEnabled", "true"],
            work / f"app-{i}.log",
            {**env, **replica_env, "PORT": str(port)},
            groups,
        )
    for i, port in enumerate(ports, 1):
        wait(
            f"app-{i} to be healthy", lambda p=port: passes([PY, "docker/healthcheck.py", f"http://127.0.0.1:{p}"], env)
        )
        wait(f"app-{i} to run streamlit_app.py", lambda p=port: passes([PY, "-c", f"import urllib.request as u; u.urlopen('http://127.0.0.1:{p}/_stcore/script-health-check', timeout=80)"], env))  # fmt: skip
    ok(
        f"app-1 and app-2 healthy on ports {ports[0]} and {ports[1]} (STRIDE_JOBS=ray over Ray Client); streamlit_app.py runs"
    )

    script = """
import json, sys, time
from core.config import TrainConfig
from core.jobs import backend_from_settings
jobs = backend_from_settings()
if sys.argv[1] == "submit":
    run_id = jobs.submit(TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=2, max_samples=200))
    deadline = time.monotonic() + 240
    while jobs.status(run_id).state in ("queued", "running") and time.monotonic() < deadline:
        jobs.schedule(); time.sleep(0.5)
else:
    run_id = sys.argv[2]
    jobs.schedule()  # connects, as a replica's background tick does
job = jobs.status(run_id)
import ray
nodes = {n["NodeID"][:12]: n["Resources"].get("CPU", 0) for n in ray.nodes() if n["Alive"]}
print(json.dumps({"run_id": run_id, "state": job.state, "host": job.status.host, "nodes": nodes,
                  "files": sorted(p.name for p in jobs.store.run_dir(run_id).iterdir())}))
"""
    as_replica = {**env, **replica_env, "PYTHONPATH": str(REPO)}
    one = subprocess.run(
        [PY, "-c", script, "submit"], env=as_replica, capture_output=True, text=True, timeout=300, cwd=REPO
    )
    if one.returncode:
        logs = "".join(p.read_text()[-1500:] for p in (work / "ray").glob("session_latest/logs/ray_client_server*.err"))
        fail(f"a run through the Ray backend failed: {one.stderr[-2000:]}\n--- Ray Client server logs ---\n{logs}")
    first = json.loads(one.stdout.strip().splitlines()[-1])
    worker = [node for node, cpus in first["nodes"].items() if cpus]
    if first["state"] != "finished" or first["host"] != f"ray:{worker[0]}":
        fail(f"the run did not finish on the worker node: {first}")
    if not {"metrics.jsonl", "checkpoint.safetensors", "model.safetensors"} <= set(first["files"]):
        fail(f"the run's files are not in the shared store: {first['files']}")
    two = subprocess.run(
        [PY, "-c", script, "read", first["run_id"]],
        env=as_replica,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    if two.returncode or json.loads(two.stdout.strip().splitlines()[-1])["state"] != "finished":
        fail(f"a second replica does not see the run finished: {two.stdout[-500:]} {two.stderr[-1500:]}")
    ok(
        f"run {first['run_id']} trained on the worker node {worker[0]} into the shared store; a second replica sees it finished"
    )


def main() -> int:
    check_compose()
    check_caddyfile()
    check_dockerfile()
    groups: list[int] = []
    with tempfile.TemporaryDirectory(prefix="stride-cluster-check-") as tmp:
        try:
            check_live(Path(tmp), groups)
        finally:
            end_started(groups, Path(tmp))
    print("\ncluster-check: OK")
    for line in notes:
        print(f"  {line}")
    print("  not checked here (no Docker engine): the image build, the postgres container, the run volume across")
    print("  machines (NFS), shm sizes, container user ids; Caddy's sticky cookies and websockets in front of two")
    print("  replicas: make loadtest-replicas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
