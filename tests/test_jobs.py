"""The job queue: cap and FIFO order, cancel, dead workers, reconciliation, resume.

Queue logic is tested with a stand-in worker (a bare Python that sleeps and ignores cancel
requests), which starts in milliseconds; one test starts a real `python -m core.train_cli` worker.
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, end_workers, wait_for

from core.config import TrainConfig
from core.jobs import LocalJobs
from core.metrics import EpochRecord, ResumeRecord
from core.processes import WORKER_OOM_SCORE_ADJ, process_alive
from core.runs import RunStore
from core.worker import run_here, run_in_store

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
# Long enough to be stopped or killed mid-run: 3 epochs of 262 steps, about a second each.
LONG = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=3, batch_size=4, lr=0.01, max_samples=1500)


def test_the_background_scheduler_notices_a_dead_worker_and_starts_the_next_run(sleeping_jobs):
    jobs = sleeping_jobs
    first, second = jobs.submit(TINY), jobs.submit(TINY)
    stop = jobs.start_background(interval_s=0.05)
    try:
        os.kill(jobs.status(first).status.pid, signal.SIGKILL)
        wait_for(lambda: jobs.status(second).state == "running", 5, "the next run to start")
        assert jobs.status(first).state == "interrupted"
    finally:
        stop.set()


def test_a_cancel_that_does_not_wait_is_enforced_by_the_scheduler(sleeping_jobs):
    jobs = sleeping_jobs
    run_id = jobs.submit(TINY)
    pid = jobs.status(run_id).status.pid
    assert jobs.cancel(run_id, wait_s=0).state == "running"  # asked, not yet ended
    time.sleep(jobs.cancel_grace_s + 0.1)
    jobs.schedule()
    assert jobs.status(run_id).state == "cancelled" and not process_alive(pid)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_reconcile_marks_runs_with_dead_workers_interrupted_and_leaves_queued_runs_queued(sleeping_jobs):
    # a store shared with another replica: that replica's runs are its own to judge (tests/test_reconcile.py:
    # a store of one host judges every run)
    store = sleeping_jobs.store = dataclasses.replace(sleeping_jobs.store, shared=True)
    orphan = store.create_run(TINY.to_dict(), state="running").run_id
    store.update_status(orphan, pid=_dead_pid(), host=store.host)
    waiting = store.create_run(TINY.to_dict()).run_id
    elsewhere = store.create_run(TINY.to_dict(), state="running").run_id
    store.update_status(elsewhere, pid=_dead_pid(), host="another-replica")

    assert sleeping_jobs.reconcile() == [orphan]
    status = store.read_status(orphan)
    assert status.state == "interrupted" and status.reason.key == "jobs.worker_died"
    assert store.read_status(waiting).state == "queued"  # the scheduler will start it
    assert store.read_status(elsewhere).state == "running"  # its own host judges its pids


def test_a_run_claimed_by_another_launcher_is_not_started_twice(sleeping_jobs):
    store = sleeping_jobs.store
    run_id = store.create_run(TINY.to_dict()).run_id
    assert store.claim(run_id, "replica-2:123")
    assert sleeping_jobs.schedule() == []
    assert store.read_status(run_id).state == "queued"


# --- real workers -------------------------------------------------------------------------------


def _epochs_logged(store, run_id) -> int:
    records, _ = store.read_metrics(run_id)
    return sum(isinstance(r, EpochRecord) for r in records)


def test_a_worker_killed_mid_epoch_is_marked_interrupted_and_its_run_resumes_to_the_end(tmp_path):
    jobs = LocalJobs(tmp_path / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=True)
    try:
        jobs.schedule()  # no run yet: the launcher starts its warm worker
        spare_pid = jobs._spare.pid
        run_id = jobs.submit(LONG)
        assert jobs.status(run_id).status.pid == spare_pid  # the warm worker took the run
        jobs.warm_worker = False  # no new spare importing torch beside the rest of this test

        wait_for(lambda: getattr(jobs.store.checkpoint_meta(run_id), "epoch", 0), 60, "the first checkpoint")
        # short of memory, the kernel's OOM killer picks the worker before the app (issue 16 item 5)
        assert int(Path(f"/proc/{spare_pid}/oom_score_adj").read_text()) == WORKER_OOM_SCORE_ADJ
        os.kill(spare_pid, signal.SIGKILL)
        wait_for(lambda: not process_alive(spare_pid), 5, "the worker to die")
        jobs.schedule()
        job = jobs.status(run_id)
        assert job.state == "interrupted" and job.status.reason.key == "jobs.worker_died"
        epochs_before = _epochs_logged(jobs.store, run_id)
        kept_epoch = jobs.store.checkpoint_meta(run_id).epoch
        assert epochs_before >= kept_epoch >= 1

        jobs.max_concurrent_runs = 0  # resume it here, in this process, instead of in a new worker
        jobs.resume(run_id)
        assert run_here(jobs.store, run_id).state == "finished"
        records, _ = jobs.store.read_metrics(run_id)
        assert [r for r in records if isinstance(r, ResumeRecord)][0].epoch == kept_epoch
        assert jobs.store.read_status(run_id).state == "finished"
    finally:
        end_workers(jobs)


def test_a_worker_gets_only_the_environment_it_needs_never_the_teacher_password(tmp_path, monkeypatch):
    # issue 12 item 15: workers inherited the app's whole environment, STRIDE_TEACHER_PASSWORD included
    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", "correct horse battery")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not for students")
    monkeypatch.setenv("STRIDE_DATA_DIR", str(tmp_path / "datasets"))
    dump = (
        "import json, os, sys; runs = sys.argv[sys.argv.index('--runs-dir') + 1]; "
        "open(os.path.join(runs, 'worker-env.json'), 'w').write(json.dumps(dict(os.environ)))"
    )
    jobs = LocalJobs(
        tmp_path / "runs",
        max_concurrent_runs=1,
        torch_threads_per_run=2,
        warm_worker=False,
        worker_command=[sys.executable, "-c", dump],
    )
    try:
        jobs.submit(TINY)
        env_file = tmp_path / "runs" / "worker-env.json"
        wait_for(lambda: env_file.is_file() and env_file.stat().st_size > 0, 20, "the worker to write its environment")
        env = json.loads(env_file.read_text())
    finally:
        end_workers(jobs)
    assert "STRIDE_TEACHER_PASSWORD" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["STRIDE_DATA_DIR"] == str(tmp_path / "datasets") and env["OMP_NUM_THREADS"] == "2"
    assert env["PATH"] == os.environ["PATH"] and env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)


def test_a_worker_gets_the_database_url_only_when_the_run_index_is_in_a_database(tmp_path, monkeypatch):
    # the worker writes its run's status into the run index (issue 18 item 4); a relative SQLite path
    # would name another file from the worker's working directory, so it gets the absolute one
    monkeypatch.chdir(tmp_path)
    dump = (
        "import json, os, sys; runs = sys.argv[sys.argv.index('--runs-dir') + 1]; "
        "open(os.path.join(runs, 'worker-env.json'), 'w').write(json.dumps(dict(os.environ)))"
    )
    seen = {}
    for i, url in enumerate((None, "sqlite:///class/index.db")):
        jobs = LocalJobs(tmp_path / f"runs{i}", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=False,
                         worker_command=[sys.executable, "-c", dump], database_url=url)  # fmt: skip
        env_file = tmp_path / f"runs{i}" / "worker-env.json"
        try:
            jobs.submit(TINY)
            wait_for(lambda f=env_file: f.is_file() and f.stat().st_size > 0, 20, "the worker's environment")
            seen[url] = json.loads(env_file.read_text()).get("STRIDE_DATABASE_URL")
        finally:
            end_workers(jobs)
    assert seen == {None: None, "sqlite:///class/index.db": f"sqlite:///{tmp_path / 'class' / 'index.db'}"}
    assert (tmp_path / "class" / "index.db").is_file()


def test_a_worker_past_its_time_limit_stops_itself_after_an_epoch_with_its_checkpoint(tmp_path, monkeypatch):
    # issue 12 item 8: a run over STRIDE_MAX_RUN_MINUTES ends "stopped: time limit", resumable
    import core.worker
    from core.metrics import EpochRecord as Epoch

    wall, steady = time.time, time.monotonic

    class Clock:  # the worker's wall clock: an hour passes as the first epoch ends
        offset = 0.0
        time = staticmethod(lambda: wall() + Clock.offset)
        monotonic = staticmethod(steady)

    def progress(record) -> None:
        if isinstance(record, Epoch):
            Clock.offset = 3600.0

    monkeypatch.setattr(core.worker, "time", Clock)
    store = RunStore(tmp_path / "runs")
    run_id = store.create_run(LONG.to_dict()).run_id
    store.mark_running(run_id, os.getpid())
    result = run_in_store(store, run_id, progress=progress, max_run_s=600)
    status = store.read_status(run_id)
    assert result.state == status.state == "cancelled"
    assert status.reason.key == "train.time_limit"
    assert status.reason.params == {"minutes": 10, "epoch": 1, "step": store.checkpoint_meta(run_id).step}
    assert store.load_checkpoint(run_id).meta.epoch == 1  # kept: Resume continues from epoch 2
