"""The load test, short: six simulated students against a real `streamlit run` server, in CI.

The same command as `make loadtest` (`python -m benchmarks.loadtest`, run here as a process): a
server in class mode, a lone user's slider moves, then two convolution students, one each on the
architecture, predict and training pages, and one hostile student (benchmarks/hostile.py) for
20 s. No timing is asserted (CI machines vary); what is asserted is that nothing broke: no
exception, no unexpected st.error, no closed websocket or timeout, no failed run, no traceback in
the server's log, and that every student got answers.

The pieces of ``--replicas`` that need no cluster, fast: the local Caddyfile keeps the cluster
Caddyfile's proxy block, the proxy's cookie names a replica, and a simulated student sends the
cookies of its first requests with every later one.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from unittest import mock

import pytest

from tests.streamlit_client import _http, cookie_header, fetch_cookies

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docker"))  # docker/ is scripts, not a package
from check_cluster import CLUSTER_CADDYFILE, local_caddyfile, replica_of  # noqa: E402

STUDENTS = ["conv-1", "conv-2", "arch-1", "predict-1", "train-1", "hostile-1"]
MIN_RERUNS = 3  # the page load and at least two actions in 20 s, thinking ~1 s between them


ROOT = Path(__file__).resolve().parent.parent
COMMAND = [
    *("--students", str(len(STUDENTS)), "--hostile", "1", "--duration", "20", "--baseline-duration", "0"),
    *("--think", "1.0", "--single-moves", "5", "--seed", "0"),
]


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("loadtest")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadtest", *COMMAND, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    [report] = out.glob("loadtest-*.json")  # written whatever the outcome; the exit status says if it erred
    result = json.loads(report.read_text())
    result["report"] = done.stdout
    return result


@pytest.mark.slow
def test_the_class_mix_is_two_convolution_students_one_on_each_other_page_and_one_hostile(result):
    assert result["config"]["mix"] == {"conv": 2, "arch": 1, "predict": 1, "train": 1, "hostile": 1}


@pytest.mark.slow
def test_no_errors_under_load(result):
    assert result["errors"] == [], result["report"]


@pytest.mark.slow
def test_every_student_got_answers(result):
    reruns = result["load"]["reruns"]
    assert sorted(reruns) == sorted(STUDENTS)
    assert min(reruns.values()) >= MIN_RERUNS, reruns


@pytest.mark.slow
def test_latencies_were_recorded_for_every_kind_of_action(result):
    latency = result["load"]["latency"]
    for category in ("load", "conv_slider", "arch", "predict_upload", "train_click", "train_watch", "hostile"):
        assert latency.get(category, {}).get("n", 0) > 0, (category, latency)
    assert result["single_user"]["latency"]["conv_slider"]["n"] == 5


@pytest.mark.slow
def test_training_stayed_within_the_cap_and_the_server_was_watched(result):
    queue = result["load"]["queue"]
    assert queue["runs"] >= 1
    assert queue["samples_over_cap"] == 0, queue
    assert result["load"]["memory"]["server_rss_mb"]["peak"] > 0


UPSTREAMS = ["127.0.0.1:41001", "127.0.0.1:41002"]


def test_the_local_caddyfile_is_the_cluster_proxy_block_on_plain_http_with_local_upstreams():
    cluster = CLUSTER_CADDYFILE.read_text()
    text = local_caddyfile(cluster, 40999, UPSTREAMS)
    assert "http://127.0.0.1:40999 {" in text and "auto_https off" in text and "admin off" in text
    assert "\treverse_proxy 127.0.0.1:41001 127.0.0.1:41002 {" in text
    block = [line.strip() for line in text.split("reverse_proxy", 1)[1].splitlines()[1:] if line.strip()]
    cluster_block = [line.strip() for line in cluster.split("reverse_proxy", 1)[1].splitlines()[1:] if line.strip()]
    assert block[:-1] == cluster_block[: len(block) - 1]  # the same policy, health checks and notes, line for line
    assert "lb_policy cookie stride_replica" in block and "health_uri /_stcore/health" in block
    assert "tls" not in text and "app-1" not in text and "Strict-Transport-Security" not in text
    with pytest.raises(ValueError, match="no reverse_proxy block"):
        local_caddyfile("example.com {\n\trespond 200\n}\n", 1, UPSTREAMS)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="no caddy here (apt-get install caddy)")
def test_caddy_accepts_the_local_caddyfile(tmp_path):
    path = tmp_path / "Caddyfile"
    path.write_text(local_caddyfile(CLUSTER_CADDYFILE.read_text(), 40999, UPSTREAMS))
    done = subprocess.run(["caddy", "adapt", "--config", str(path), "--adapter", "caddyfile"],
                          capture_output=True, text=True, timeout=60, env={"HOME": str(tmp_path)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    handler = json.loads(done.stdout)["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"][0]
    proxy = handler["handle"][0]
    assert [u["dial"] for u in proxy["upstreams"]] == UPSTREAMS
    assert proxy["load_balancing"]["selection_policy"] == {"name": "stride_replica", "policy": "cookie"}
    assert proxy["health_checks"]["active"]["uri"] == "/_stcore/health"


def test_the_proxy_cookie_names_the_replica_by_the_hmac_of_its_address():
    cookie = hmac.new(b"", UPSTREAMS[1].encode(), hashlib.sha256).hexdigest()
    assert replica_of(cookie, UPSTREAMS) == UPSTREAMS[1]
    assert replica_of(None, UPSTREAMS) is None and replica_of("0" * 64, UPSTREAMS) is None


def test_a_student_sends_the_proxy_cookie_of_its_first_request_with_every_later_one():
    seen: dict[str, str | None] = {}

    class Proxy(http.server.BaseHTTPRequestHandler):  # what a sticky proxy in front of Streamlit answers
        def do_GET(self):
            seen[self.path] = self.headers.get("Cookie")
            self.send_response(200)
            if self.path == "/":
                self.send_header("Set-Cookie", "stride_replica=abc123; Path=/; HttpOnly")
            else:
                self.send_header("Set-Cookie", "_streamlit_xsrf=2|x|y|z; Path=/; SameSite=Strict")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cookies = fetch_cookies(f"http://127.0.0.1:{server.server_port}", timeout_s=10)
        assert seen == {"/": None, "/_stcore/health": "stride_replica=abc123"}  # the health check: the same replica
        assert cookies == {"stride_replica": "abc123", "_streamlit_xsrf": "2|x|y|z"}
        fetch_cookies(f"http://127.0.0.1:{server.server_port}", timeout_s=10, kept={"stride_replica": "abc123"})
        assert seen["/"] == "stride_replica=abc123"  # a reload: the page's first request goes where the tab was
    finally:
        server.shutdown()
    assert cookie_header(cookies) == {"Cookie": "stride_replica=abc123; _streamlit_xsrf=2|x|y|z"}  # the websocket's
    assert cookie_header({}) == {}


def test_a_refused_request_brings_back_the_start_of_the_answers_text():
    class Replica(http.server.BaseHTTPRequestHandler):  # Streamlit refusing an upload for a session it does not hold
        def do_PUT(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"Invalid session_id" + b"." * 500
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replica)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, text = _http("PUT", f"http://127.0.0.1:{server.server_port}/_stcore/upload_file/s/f", {}, b"x", "a/b")
    finally:
        server.shutdown()
    assert status == 400 and text.startswith("Invalid session_id") and len(text) == 200


def test_the_cluster_compose_file_passes_the_static_checks_and_starts_the_head_as_the_live_check_does():
    import check_cluster

    services = check_cluster.check_compose()  # exits with the reason on any failed check
    assert set(services) == check_cluster.SERVICES
    head = dict(services["ray-head"]["environment"])
    del head["GRPC_ENABLE_FORK_SUPPORT"]
    services["ray-head"]["environment"] = head
    with (
        mock.patch.object(check_cluster.yaml, "safe_load", return_value={"services": services}),
        pytest.raises(SystemExit, match="the Ray head lacks"),
    ):
        check_cluster.check_compose()
