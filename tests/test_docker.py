"""The container packaging: Dockerfile, .dockerignore, compose.yaml and docker/ agree with the app.

No Docker engine runs here: the files are read as text, and docker/entrypoint.sh and
docker/healthcheck.py run for real against a local server (docker/check.sh goes further).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
HEALTHCHECK = ROOT / "docker" / "healthcheck.py"
# what the app reads at run time: its scripts, packages, bundled models, Streamlit config, start scripts
RUNTIME_PATHS = ["streamlit_app.py", "ui", "pages", "core", "models", ".streamlit", "docker"]
START_TIMEOUT_S = 90


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (KEYWORD, arguments): comment lines dropped, continuation lines joined."""
    kept = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    pairs = []
    for line in re.sub(r"\\\n", " ", "\n".join(kept)).splitlines():
        if line.strip():
            key, _, rest = line.strip().partition(" ")
            pairs.append((key.upper(), rest.strip()))
    return pairs


def arguments(keyword: str) -> list[str]:
    return [rest for key, rest in instructions() if key == keyword]


def copied_sources() -> set[str]:
    sources = set()
    for rest in arguments("COPY"):
        args = [a for a in shlex.split(rest) if not a.startswith("--")]
        sources.update(a.strip("/").removeprefix("./") for a in args[:-1])
    return sources


def dockerignored(rel: str) -> bool:
    """Whether .dockerignore keeps `rel` out of the build context (`*` within a folder, `**` across)."""
    result = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").strip().strip("/")
        parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
        regex = "".join({"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(p, re.escape(p)) for p in parts)
        if re.fullmatch(regex + "(/.*)?", rel):  # a matched folder takes its contents along
            result = not negated  # the last matching line wins
    return result


def pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"\b(torch|torchvision)==([\w.+]+)", text))


def test_dockerfile_installs_the_torch_versions_of_requirements_from_the_cpu_index():
    required = pins((ROOT / "requirements.txt").read_text())
    assert set(required) == {"torch", "torchvision"}
    runs = arguments("RUN")
    cpu = [i for i, cmd in enumerate(runs) if "download.pytorch.org/whl/cpu" in cmd]
    reqs = [i for i, cmd in enumerate(runs) if "-r requirements.lock" in cmd]
    assert len(cpu) == 1 and len(reqs) == 1, runs
    assert pins(runs[cpu[0]]) == required  # the versions requirements.txt pins, as CPU builds
    assert cpu[0] < reqs[0], "CPU torch must be installed before the lock"
    # the lock has torch's dependencies but not torch: nothing may pull PyPI's CUDA build in
    assert "--no-deps" in runs[cpu[0]] and "--no-deps" in runs[reqs[0]] and "--require-hashes" in runs[reqs[0]]
    assert "pip check" in runs[reqs[0]]
    assert all("--no-cache-dir" in runs[i] for i in cpu + reqs)


def test_dockerfile_health_check_user_volume_and_entry_point():
    (healthcheck,) = arguments("HEALTHCHECK")
    assert "/app/docker/healthcheck.py" in healthcheck
    assert "/_stcore/health" in HEALTHCHECK.read_text()
    (user,) = arguments("USER")
    assert user.split(":")[0] not in ("root", "0")
    assert any(re.search(rf"\buseradd\b.*\s{re.escape(user)}(\s|$)", run) for run in arguments("RUN"))  # it exists
    (volume,) = arguments("VOLUME")
    env = dict(item.split("=", 1) for rest in arguments("ENV") for item in shlex.split(rest))
    assert env["STRIDE_RUNS_DIR"].startswith(volume + "/") and env["STRIDE_DATA_DIR"].startswith(volume + "/")
    (entrypoint,) = arguments("ENTRYPOINT")
    assert json.loads(entrypoint) == ["/app/docker/entrypoint.sh"]
    assert arguments("WORKDIR") == ["/app"]
    assert os.access(ENTRYPOINT, os.X_OK), "COPY keeps the mode: the entry point must be executable in git"


@pytest.mark.parametrize("path", RUNTIME_PATHS)
def test_runtime_path_is_copied_and_in_the_build_context(path):
    assert path in copied_sources()
    assert (ROOT / path).exists()
    assert not dockerignored(path)
    files = [ROOT / path] if (ROOT / path).is_file() else [p for p in (ROOT / path).rglob("*") if p.is_file()]
    kept = [p for p in files if not dockerignored(p.relative_to(ROOT).as_posix())]
    assert [p for p in files if p.suffix != ".pyc" and "__pycache__" not in p.parts] == kept


def test_dockerignore_keeps_the_heavy_folders_out():
    for path in [".venv", ".git", "runs", "data", "benchmarks/results", "tests", "core/__pycache__/x.pyc"]:
        assert dockerignored(path), path
    assert not dockerignored("models/digits_lenet/model.safetensors")


def test_compose_sets_only_variables_the_app_reads_and_matches_the_image():
    compose = (ROOT / "compose.yaml").read_text()
    settings = (ROOT / "core" / "settings.py").read_text()
    set_here = set(re.findall(r"^\s+(STRIDE_\w+):", compose, flags=re.MULTILINE))
    read_there = set(re.findall(r'"(STRIDE_\w+)"', settings)) | {"STRIDE_SITE"}  # the entry point reads the site
    assert "${STRIDE_SITE:-}" in ENTRYPOINT.read_text()
    assert "STRIDE_TEACHER_PASSWORD" in set_here and "STRIDE_MAX_CONCURRENT_RUNS" in set_here
    assert set_here <= read_there | {"STRIDE_TEACHER_PASSWORD"}, set_here - read_there
    (volume,) = arguments("VOLUME")
    assert f"stride-data:{volume}" in compose
    (exposed,) = arguments("EXPOSE")
    assert re.search(rf'^    expose:\n      - "{exposed}"$', compose, flags=re.MULTILINE)


def test_compose_serves_the_class_over_https_through_a_proxy_that_passes_websockets():
    # issue 12 item 11: the students' keys travel in their links, so the class is served over TLS
    compose = (ROOT / "compose.yaml").read_text()
    (exposed,) = arguments("EXPOSE")
    assert f'"{exposed}:' not in compose  # Streamlit is reachable only through the proxy
    proxy = compose[compose.index("\n  proxy:") : compose.index("\nvolumes:")]
    assert "image: caddy:2" in proxy and '"443:443"' in proxy and '"80:80"' in proxy
    assert "./docker/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy and "caddy-data:/data" in proxy
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    lines = [line.strip() for line in caddyfile.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines[0] == "{$SITE_ADDRESS} {" and lines[-1] == "}"
    assert "tls {$TLS_MODE}" in lines and f"reverse_proxy stride:{exposed}" in lines
    body = "\n".join(lines)  # comments left out
    assert body.count("{") == body.count("}")
    for name in re.findall(r"\{\$(\w+)\}", body):  # every placeholder is set by compose
        assert re.search(rf"^      {name}: \$\{{STRIDE_\w+:[?-]", proxy, flags=re.MULTILINE), name
    assert "${STRIDE_TLS:-internal}" in proxy  # a school LAN without a domain works as it is


def run_entrypoint(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run the entry point with a fake interpreter that prints its folder and arguments, one a line."""
    fake = tmp_path / "fake-python"
    fake.write_text('#!/bin/sh\npwd\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRIDE_") and k not in ("PORT", "ADDRESS")}
    return subprocess.run(
        [str(ENTRYPOINT), "--logger.level", "debug"],
        cwd=tmp_path,  # anywhere: the script finds the app from its own location
        env={**base, "PYTHON": str(fake), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )


def test_entry_point_runs_streamlit_from_the_app_folder_with_the_environment(tmp_path):
    out = run_entrypoint(tmp_path, PORT="9123", STRIDE_MAX_UPLOAD_MB="7").stdout.splitlines()
    assert out[0] == str(ROOT)
    args = out[1:]
    assert args[:4] == ["-m", "streamlit", "run", "streamlit_app.py"]
    for flag, value in [("--server.port", "9123"), ("--server.address", "0.0.0.0"), ("--server.maxUploadSize", "7")]:
        assert args[args.index(flag) + 1] == value
    assert args[-2:] == ["--logger.level", "debug"]  # extra arguments go to streamlit
    default = run_entrypoint(tmp_path).stdout.splitlines()
    assert default[default.index("--server.maxUploadSize") + 1] == "10"  # core/settings.py's default
    assert default[default.index("--server.port") + 1] == "8501"


def test_entry_point_warns_when_class_mode_is_off(tmp_path):
    assert "class mode is off" in run_entrypoint(tmp_path).stderr
    assert "class mode is off" not in run_entrypoint(tmp_path, STRIDE_TEACHER_PASSWORD="secret-teacher").stderr
    secret = tmp_path / "teacher_password"
    secret.write_text("secret-teacher\n")
    assert "class mode is off" not in run_entrypoint(tmp_path, STRIDE_TEACHER_PASSWORD_FILE=str(secret)).stderr


def test_entry_point_gives_streamlit_the_site_name_and_no_other_host(tmp_path):
    # issue 16 item 5: no outbound look-up of the server's address at start; websockets for the site only
    args = run_entrypoint(tmp_path, STRIDE_SITE="stride.school.example").stdout.splitlines()[1:]
    assert args[args.index("--browser.serverAddress") + 1] == "stride.school.example"
    hosts = [args[i + 1] for i, a in enumerate(args) if a == "--server.allowedHosts"]
    assert hosts == ["stride.school.example", "localhost", "127.0.0.1"]
    assert "--server.allowedHosts" not in run_entrypoint(tmp_path).stdout  # no site: any host, as before


def test_entry_point_refuses_class_mode_with_a_password_under_ten_characters(tmp_path):
    # issue 12 item 10: pacing makes guessing slow; the length makes it hopeless
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRIDE_")}
    done = subprocess.run(
        [str(ENTRYPOINT)],
        env={**base, "PYTHON": sys.executable, "STRIDE_TEACHER_PASSWORD": "short"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2, done
    assert "STRIDE_TEACHER_PASSWORD has 5 characters; class mode needs at least 10" in done.stderr


def test_health_check_fails_when_nothing_answers():
    port = free_port()
    done = subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env={**os.environ, "PORT": str(port)}, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert f"127.0.0.1:{port}/_stcore/health" in done.stdout


def get(url: str) -> str:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=60) as reply:
        return reply.read().decode()


def test_entry_point_serves_a_healthy_app(tmp_path):
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRIDE_")}
    env = {
        **base,
        "PYTHON": sys.executable,
        "PORT": str(port),
        "ADDRESS": "127.0.0.1",
        "STRIDE_RUNS_DIR": str(tmp_path / "runs"),
        "STRIDE_DATA_DIR": str(tmp_path / "data"),
        "STRIDE_MAX_UPLOAD_MB": "7",
        "STRIDE_SITE": "stride.test",
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(
        [str(ENTRYPOINT), "--server.scriptHealthCheckEnabled", "true"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: training workers go down with it
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while subprocess.run([sys.executable, str(HEALTHCHECK)], env=env, capture_output=True).returncode != 0:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, f"not healthy after {START_TIMEOUT_S}s"
            time.sleep(0.5)  # a process that is not listening yet: nothing to wait on but time
        url = f"http://127.0.0.1:{port}"
        assert "<title>Streamlit</title>" in get(url + "/")
        assert get(url + "/_stcore/script-health-check") == "ok"  # streamlit_app.py ran from the app folder
        host_config = json.loads(get(url + "/_stcore/host-config"))
        if "maxUploadSize" in host_config:
            assert host_config["maxUploadSize"] == 7
        else:  # Streamlit 1.67 does not serve it: the entry point exec'd Streamlit with the flag
            cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
            assert cmdline[cmdline.index(b"--server.maxUploadSize") + 1] == b"7"
        assert "class mode is off" in (tmp_path / "server.log").read_text()
        assert websocket_status(port, "stride.test") == 101 and websocket_status(port, "localhost") == 101
        assert websocket_status(port, "evil.example") == 403  # server.allowedHosts: a DNS-rebinding page
    finally:
        stop_group(proc)
        log.close()


def websocket_status(port: int, host: str) -> int:
    """Return the HTTP status of a websocket upgrade to Streamlit's stream sent with ``Host: host``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    headers = {"Host": host, "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
               "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "streamlit"}  # fmt: skip
    connection.request("GET", "/_stcore/stream", headers=headers)
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def stop_group(proc: subprocess.Popen) -> None:
    """Stop the process group led by `proc`: the server, then anything of it still running."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
