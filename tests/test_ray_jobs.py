"""The Ray job backend beyond the contract (tests/test_job_contract.py runs the whole contract on Ray too).

On the session's real local cluster (a head and a second node, one CPU each, ``ray_cluster`` in
conftest): Ray places two runs on the two nodes; losing a node mid-run leaves its run interrupted
and it resumes on the other; the queue actor, killed and restarted by Ray, marks the runs it lost
interrupted; the Training page starts, shows, stops and resumes a run on Ray. Without a cluster: one
clear message and every page still serves; and the app needs no Ray at all unless asked for. On a
cluster of its own (a subprocess over Ray Client, as the replicas connect): the whole head killed
mid-run and started again leaves the run interrupted, and it resumes on the new head. The node loss
and the queue actor's restart also run with the run index in PostgreSQL (core.run_index).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import replace_worker_node, wait_for
from pg_server import fresh_database
from test_page_training import RUN_TIMEOUT_S, _metric, _poll, _tiny

from core import class_state
from core.config import TrainConfig
from core.i18n import UserError
from core.metrics import EpochRecord, ResumeRecord
from core.processes import process_alive

ROOT = Path(__file__).resolve().parents[1]
# Long enough to lose a node in the middle: 8 epochs of 262 steps, a second or two each.
LONG = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=8, batch_size=4, lr=0.01, max_samples=1500)
TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)


def _jobs(tmp_path, **kwargs):
    from core.ray_jobs import RayJobs

    kwargs = {"max_concurrent_runs": 1, "torch_threads_per_run": 1, "warm_worker": False, **kwargs}
    return RayJobs(tmp_path / "runs", **kwargs)


@pytest.fixture(params=["files", "postgresql"])
def database_url(request, tmp_path):
    """Where the runs' records are: files in the store, or the run index in PostgreSQL (STRIDE_DATABASE_URL)."""
    yield fresh_database() if request.param == "postgresql" else None
    class_state.close_all()
    if request.param == "postgresql":  # the queue actor, restarted or not, and every task wrote there
        assert not list((tmp_path / "runs").glob("*/status.json"))


def _host(node) -> str:
    return f"ray:{node.node_id[:12]}"


def _settled(jobs, run_id: str, state: str) -> bool:
    try:
        jobs.schedule()
    except UserError:  # the queue actor is restarting
        return False
    return jobs.status(run_id).state == state


@pytest.mark.slow
def test_runs_go_to_both_nodes_and_a_lost_node_leaves_its_run_interrupted_and_it_resumes_on_the_other(
    ray_cluster, tmp_path, database_url
):
    jobs = _jobs(tmp_path, max_concurrent_runs=2, database_url=database_url)
    try:
        runs = [jobs.submit(LONG) for _ in range(2)]
        hosts = wait_for(
            lambda: (h := {r: jobs.status(r).status.host for r in runs}) and "ray" not in h.values() and h,
            60,
            "both tasks to start",
        )
        head, lost_node = _host(ray_cluster.head_node), _host(ray_cluster.worker_node)
        assert sorted(hosts.values()) == sorted([head, lost_node])  # one CPU each: a run on each node
        lost = next(r for r, h in hosts.items() if h == lost_node)
        wait_for(lambda: jobs.store.checkpoint_meta(lost), 90, "a checkpoint of the run on the second node")

        ray_cluster.remove_node(ray_cluster.worker_node)  # its raylet and workers end, as a machine lost would
        wait_for(lambda: _settled(jobs, lost, "interrupted"), 60, "the run on the lost node to be interrupted")
        assert jobs.status(lost).status.reason.key == "jobs.worker_died"
        kept_epoch = jobs.store.checkpoint_meta(lost).epoch
        assert 1 <= kept_epoch < LONG.epochs
        other = next(r for r in runs if r != lost)
        wait_for(lambda: _settled(jobs, other, "finished"), 120, "the run on the head to finish undisturbed")

        assert jobs.resume(lost).state in ("queued", "running")
        wait_for(lambda: _settled(jobs, lost, "finished"), 120, "the resumed run to finish")
        assert jobs.status(lost).status.host == head  # the only node left
        records, _ = jobs.store.read_metrics(lost)
        assert [r.epoch for r in records if isinstance(r, ResumeRecord)] == [kept_epoch]
        assert [r.epoch for r in records if isinstance(r, EpochRecord)][-1] == LONG.epochs
    finally:
        jobs.shutdown()
        if ray_cluster.worker_node not in ray_cluster.worker_nodes:
            replace_worker_node(ray_cluster)


def test_the_queue_actor_restarted_by_ray_marks_the_runs_it_lost_interrupted(ray_cluster, tmp_path, database_url):
    import ray

    from core.ray_jobs import NAMESPACE, queue_name

    jobs = _jobs(tmp_path, worker=lambda *_: time.sleep(60), cancel_grace_s=0.3, database_url=database_url)
    try:
        run_id = jobs.submit(TINY)
        pid = wait_for(lambda: jobs.status(run_id).status.pid, 30, "the task to start")
        ray.kill(ray.get_actor(queue_name(jobs.store.root), namespace=NAMESPACE), no_restart=False)
        wait_for(lambda: _settled(jobs, run_id, "interrupted"), 60, "the restarted queue to notice")
        wait_for(lambda: not process_alive(pid), 30, "the task of the dead queue to end with it")
        assert jobs.status(jobs.submit(TINY)).state == "running"  # the restarted queue takes new runs
        assert jobs.resume(run_id).state == "queued"
    finally:
        jobs.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python(script: str, env: dict[str, str], timeout_s: float = 240) -> dict:
    """Run ``script`` in a fresh interpreter (no Ray connection of this process); return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0", **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_cluster_out_of_reach_gives_one_clear_message_and_every_page_still_serves(tmp_path):
    address = f"ray://127.0.0.1:{_free_port()}"  # nothing listens there
    found = _python(
        """
        import json, time
        from pathlib import Path
        from streamlit.testing.v1 import AppTest
        from core.config import TrainConfig
        from core.i18n import UserError
        from core.jobs import backend_from_settings

        jobs = backend_from_settings()
        took, keys = [], []
        for _ in range(2):
            started = time.monotonic()
            try:
                jobs.submit(TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, max_samples=100))
            except UserError as exc:
                keys.append(exc.message.key)
                text = exc.message.text("en")
            took.append(time.monotonic() - started)
        at = AppTest.from_file("streamlit_app.py", default_timeout=90).run()
        failed = [] if not at.exception else ["streamlit_app.py"]
        pages = [p for p in sorted(str(p) for p in Path("pages").glob("*.py")) if p != "pages/classroom.py"]
        for page in pages:  # every page of a server without class mode
            at.switch_page(page).run()
            failed += [page] if at.exception else []
        at.switch_page("pages/training.py").run()
        at.number_input(key="train.max_samples").set_value(100).run()
        at.button(key="train.start").click().run()
        shown = [e.value for e in (*at.error, *at.warning)]
        print(json.dumps({"keys": keys, "took": took, "text": text, "failed": failed, "shown": shown,
                          "runs": len(jobs.list_jobs()), "pages": len(pages)}))
        """,
        {"STRIDE_JOBS": "ray", "STRIDE_RAY_ADDRESS": address, "STRIDE_RUNS_DIR": str(tmp_path / "runs")},
    )
    assert found["keys"] == ["jobs.ray_unreachable"] * 2
    assert found["took"][0] < 10 and found["took"][1] < 0.5  # a refused port answers at once; then no retry for 10 s
    assert address in found["text"] and "Every other page works" in found["text"]
    assert found["failed"] == [] and found["runs"] == 0 and found["pages"] >= 8
    assert any(address in text for text in found["shown"]), found["shown"]


def test_the_app_needs_no_ray_unless_asked_and_asking_without_it_names_the_fix(tmp_path):
    found = _python(
        """
        import json, os, sys

        sys.modules["ray"] = None  # as if Ray were not installed: importing it fails, find_spec says None
        from core.jobs import LocalJobs, backend_from_settings
        from core.settings import Settings
        import ui.classroom, ui.run_views  # noqa: the job queue of the pages
        local = isinstance(backend_from_settings(), LocalJobs)
        os.environ["STRIDE_JOBS"] = "ray"
        try:
            Settings.from_env()
            problem = None
        except ValueError as exc:
            problem = str(exc)
        print(json.dumps({"local": local, "problem": problem, "ray": any(m.startswith("ray") and sys.modules[m] for m in sys.modules)}))
        """,
        {"STRIDE_RUNS_DIR": str(tmp_path / "runs"), "STRIDE_JOBS": ""},
    )
    assert found == {
        "local": True,
        "problem": "STRIDE_JOBS=ray needs Ray: pip install -r requirements-ray.txt",
        "ray": False,
    }


@pytest.mark.slow
def test_the_training_page_starts_shows_stops_and_resumes_a_run_on_ray(ray_cluster, app, tmp_path, monkeypatch):
    import streamlit as st

    from core.jobs import backend_from_settings

    monkeypatch.setenv("STRIDE_JOBS", "ray")
    monkeypatch.setenv("STRIDE_MAX_EPOCHS", "200")
    monkeypatch.setenv("STRIDE_MAX_CONCURRENT_RUNS", "1")
    at = _tiny(app("pages/training.py"), epochs=200, batch_size=8, max_samples=600)  # minutes: only stopped
    try:
        at.button(key="train.start").click().run()
        run_id = at.query_params["run"]
        store = backend_from_settings().store
        _poll(at, lambda at: _metric(at, "training.m_loss") != "—", RUN_TIMEOUT_S, "the first loss from Ray")
        assert store.read_status(run_id).host.startswith("ray:")
        _poll(at, lambda at: store.checkpoint_meta(run_id), RUN_TIMEOUT_S, "the first epoch's checkpoint")
        at.button(key="train.stop").click().run()
        _poll(at, lambda at: not any(b.key == "train.stop" for b in at.button), 10, "the stop")
        assert store.read_status(run_id).state == "cancelled"
        steps = len(store.read_metrics(run_id)[0])
        at.button(key="train.resume").click().run()
        _poll(at, lambda at: len(store.read_metrics(run_id)[0]) > steps + 2, RUN_TIMEOUT_S, "the resumed run's steps")
        assert store.read_status(run_id).state == "running"
        records, _ = store.read_metrics(run_id)
        assert any(isinstance(r, ResumeRecord) for r in records)
    finally:
        st.cache_resource.clear()
        backend_from_settings().shutdown()


UPLOADER = """
import sys
from pathlib import Path
from core import class_state
from core.config import TrainConfig
from core.ray_jobs import RayJobs, RayOptions
jobs = RayJobs(Path(sys.argv[1]), max_concurrent_runs=0, torch_threads_per_run=1, warm_worker=False,
               options=RayOptions(sys.argv[2]))  # a cap of 0: the runs stay queued, to be looked at
upload = {"upload.bin": bytes(range(256)) * (8 * 4096)}  # 8 MB, an uploaded data set's size
config = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, max_samples=100)
while True:
    print("sending", flush=True)
    jobs.submit(config, files=upload)
"""


def test_a_replica_killed_mid_upload_leaves_whole_queued_runs_or_none(ray_cluster, tmp_path):
    replica = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, str(tmp_path / "runs"), ray_cluster.address],
        cwd=ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert [replica.stdout.readline().strip() for _ in range(3)] == ["sending"] * 3  # the third is in flight
    replica.kill()
    replica.wait(30)
    jobs = _jobs(tmp_path, max_concurrent_runs=0)
    try:
        runs = jobs.list_jobs()
        assert len(runs) >= 2
        for job in runs:  # each run the queue took is whole: its config, status and every byte of the upload
            assert job.state == "queued"
            assert (jobs.store.run_dir(job.run_id) / "upload.bin").stat().st_size == 8 * 2**20
        assert not list((tmp_path / "runs").glob(".new-*"))  # no half-made run left behind
        assert {jobs.cancel(j.run_id).state for j in runs} == {"cancelled"}  # and none is stuck
    finally:
        jobs.shutdown()


HEAD_RESTART = """
import json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, "docker")
from check_cluster import SLOW_CLIENT, end_started, free_port, in_sessions
from core import class_state
from core.config import TrainConfig
from core.i18n import UserError
from core.metrics import ResumeRecord
from core.ray_jobs import RayJobs, RayOptions

work = Path(tempfile.mkdtemp(prefix="stride-head-"))  # short: Ray's socket paths have a length limit
gcs, client = free_port(), free_port()
ray_cli = str(Path(sys.executable).parent / "ray")

def start_head() -> int:
    argv = [ray_cli, "start", "--head", f"--port={gcs}", f"--ray-client-server-port={client}", "--num-cpus=1",
            "--include-dashboard=false", f"--temp-dir={work}/ray", "--block"]
    head = subprocess.Popen(argv, env={**os.environ, **SLOW_CLIENT}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return head.pid

def until(what, condition, timeout_s=180):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := condition()):
            return found
        time.sleep(0.5)
    raise SystemExit(f"timed out: {what}")

def settled(run_id=None, state=None):
    try:
        jobs.schedule()
    except UserError:
        return False
    return run_id is None or jobs.status(run_id).state == state

heads = [start_head()]
try:
    jobs = RayJobs(work / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=False,
                   options=RayOptions(f"ray://127.0.0.1:{client}"))
    config = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=10, batch_size=4, lr=0.01, max_samples=1500)
    until("the first head to answer", settled)
    run_id = jobs.submit(config)
    until("a checkpoint", lambda: jobs.store.checkpoint_meta(run_id))
    for pid in in_sessions(heads):  # the whole head at once, as a crash: GCS, raylet, Ray Client server, the run's worker
        os.kill(pid, signal.SIGKILL)
    kept = jobs.store.checkpoint_meta(run_id).epoch
    gone, keys = time.monotonic(), []
    for _ in range(2):
        try:
            jobs.submit(config)
        except UserError as exc:
            keys.append(exc.message.key)
    took_gone = time.monotonic() - gone
    state_while_gone = jobs.status(run_id).state

    heads.append(start_head())
    back = time.monotonic()
    until("the new head's queue to mark the run interrupted", lambda: settled(run_id, "interrupted"))
    reconnect_s = time.monotonic() - back
    reason = jobs.status(run_id).status.reason.key
    jobs.resume(run_id)
    until("the resumed run to finish", lambda: settled(run_id, "finished"))
    records, _ = jobs.store.read_metrics(run_id)
    resumed = [r.epoch for r in records if isinstance(r, ResumeRecord)]
    jobs.shutdown()
finally:
    end_started(heads, work)
    shutil.rmtree(work, ignore_errors=True)
print(json.dumps({"keys": keys, "took_gone": took_gone, "while_gone": state_while_gone, "reason": reason,
                  "kept": kept, "resumed": resumed, "reconnect_s": reconnect_s}))
"""


@pytest.mark.slow
def test_a_whole_head_restart_leaves_the_run_interrupted_and_it_resumes_on_the_new_head(tmp_path):
    # its own one-node cluster, whose head (GCS, raylet, Ray Client server, workers) is killed and started again
    # on the same ports; the app connects over Ray Client, as compose.cluster.yaml's replicas do
    env = {"RAY_CLIENT_RECONNECT_GRACE_PERIOD": "5", "RAY_AUTH_MODE": "disabled"}  # not a token from ~/.ray
    found = _python(HEAD_RESTART, env, timeout_s=400)
    assert found["keys"] == ["jobs.ray_unreachable"] * 2  # the message of a cluster out of reach
    assert found["while_gone"] == "running"  # nothing to tell it otherwise until a queue is back
    assert found["reason"] == "jobs.worker_died"
    assert found["kept"] >= 1 and found["resumed"] == [found["kept"]]
