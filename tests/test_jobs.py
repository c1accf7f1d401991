"""The job queue: cap and FIFO order, cancel, dead workers, reconciliation, resume.

Queue logic is tested with a stand-in worker (a bare Python that sleeps and ignores cancel
requests), which starts in milliseconds; two tests start real `python -m core.train` workers.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import end_workers

from core.i18n import UserError
from core.jobs import LocalJobs
from core.runs import RunStatus, process_alive
from core.train import TrainConfig, run_in_store

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
# Long enough to be stopped or killed mid-run: 3 epochs of 262 steps, about a second each.
LONG = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=3, batch_size=4, lr=0.01, max_samples=1500)


def _wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def test_queue_with_cap_one_runs_in_submission_order_and_shows_positions(sleeping_jobs):
    jobs = sleeping_jobs
    first, second, third = (jobs.submit(TINY, owner=f"student{i}") for i in range(3))
    assert [jobs.status(r).state for r in (first, second, third)] == ["running", "queued", "queued"]
    assert [jobs.status(r).position for r in (first, second, third)] == [None, 0, 1]
    assert {j.run_id: j.position for j in jobs.list_jobs()} == {first: None, second: 0, third: 1}
    assert process_alive(jobs.status(first).status.pid)

    jobs.cancel(first)  # the stand-in ignores the request, so it is ended after the grace time
    assert jobs.status(first).state == "cancelled"
    assert jobs.status(first).status.reason.key == "jobs.cancel_forced"
    assert jobs.schedule() == [second]
    assert [jobs.status(r).position for r in (second, third)] == [None, 0]
    assert jobs.status(second).state == "running"


def test_a_higher_cap_runs_that_many_at_once(sleeping_jobs):
    sleeping_jobs.max_concurrent_runs = 2
    ids = [sleeping_jobs.submit(TINY) for _ in range(3)]
    assert [sleeping_jobs.status(r).state for r in ids] == ["running", "running", "queued"]


def test_the_background_scheduler_notices_a_dead_worker_and_starts_the_next_run(sleeping_jobs):
    jobs = sleeping_jobs
    first, second = jobs.submit(TINY), jobs.submit(TINY)
    stop = jobs.start_background(interval_s=0.05)
    try:
        os.kill(jobs.status(first).status.pid, signal.SIGKILL)
        _wait_for(lambda: jobs.status(second).state == "running", 5, "the next run to start")
        assert jobs.status(first).state == "interrupted"
    finally:
        stop.set()


def test_cancelling_a_queued_run_is_immediate(sleeping_jobs):
    jobs = sleeping_jobs
    jobs.submit(TINY)
    waiting = jobs.submit(TINY)
    job = jobs.cancel(waiting)
    assert job.state == "cancelled" and job.status.reason.key == "jobs.cancelled_in_queue"
    assert jobs.schedule() == []


def test_a_cancel_that_does_not_wait_is_enforced_by_the_scheduler(sleeping_jobs):
    jobs = sleeping_jobs
    run_id = jobs.submit(TINY)
    pid = jobs.status(run_id).status.pid
    assert jobs.cancel(run_id, wait_s=0).state == "running"  # asked, not yet ended
    time.sleep(jobs.cancel_grace_s + 0.1)
    jobs.schedule()
    assert jobs.status(run_id).state == "cancelled" and not process_alive(pid)


def test_submit_refuses_an_invalid_config_and_creates_no_run(sleeping_jobs):
    with pytest.raises(UserError) as caught:
        sleeping_jobs.submit(TrainConfig(optimizer="adma"))
    assert caught.value.message.key == "train.not_one_of"
    assert sleeping_jobs.list_jobs() == []


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_reconcile_marks_runs_with_dead_workers_interrupted_and_leaves_queued_runs_queued(sleeping_jobs):
    store = sleeping_jobs.store
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


def test_resume_queues_an_interrupted_run_again_and_refuses_a_finished_one(sleeping_jobs):
    store = sleeping_jobs.store
    sleeping_jobs.max_concurrent_runs = 0  # keep it in the queue to look at it
    run_id = store.create_run(TINY.to_dict(), state="interrupted").run_id
    store.request_cancel(run_id)
    job = sleeping_jobs.resume(run_id)
    assert job.state == "queued" and job.position == 0 and not store.cancel_requested(run_id)
    store.write_status(run_id, RunStatus("finished"))
    with pytest.raises(UserError) as caught:
        sleeping_jobs.resume(run_id)
    assert caught.value.message.key == "jobs.not_resumable"


# --- real workers -------------------------------------------------------------------------------


def _epochs_logged(store, run_id) -> int:
    records, _ = store.read_metrics(run_id)
    return sum(r["kind"] == "epoch" for r in records)


def test_cancel_ends_a_real_worker_within_two_seconds_and_keeps_metrics_and_checkpoint(tmp_path):
    jobs = LocalJobs(tmp_path / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=False)
    try:
        run_id = jobs.submit(LONG)
        _wait_for(lambda: jobs.store.checkpoint_meta(run_id).get("epoch"), 60, "the first checkpoint")
        pid = jobs.status(run_id).status.pid
        asked = time.monotonic()
        job = jobs.cancel(run_id)
        _wait_for(lambda: not process_alive(pid), 2, "the worker to exit")
        assert time.monotonic() - asked < 2.0
        assert job.state == "cancelled" and job.status.reason.key == "train.cancelled"  # it stopped itself
        assert _epochs_logged(jobs.store, run_id) >= 1
        assert jobs.store.load_checkpoint(run_id).meta["epoch"] >= 1
    finally:
        end_workers(jobs)


def test_a_worker_killed_mid_epoch_is_marked_interrupted_and_its_run_resumes_to_the_end(tmp_path):
    jobs = LocalJobs(tmp_path / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=True)
    try:
        jobs.schedule()  # no run yet: the launcher starts its warm worker
        spare_pid = jobs._spare.pid
        run_id = jobs.submit(LONG)
        assert jobs.status(run_id).status.pid == spare_pid  # the warm worker took the run
        jobs.warm_worker = False  # no new spare importing torch beside the rest of this test

        _wait_for(lambda: jobs.store.checkpoint_meta(run_id).get("epoch"), 60, "the first checkpoint")
        os.kill(spare_pid, signal.SIGKILL)
        _wait_for(lambda: not process_alive(spare_pid), 5, "the worker to die")
        jobs.schedule()
        job = jobs.status(run_id)
        assert job.state == "interrupted" and job.status.reason.key == "jobs.worker_died"
        epochs_before = _epochs_logged(jobs.store, run_id)
        kept_epoch = jobs.store.checkpoint_meta(run_id)["epoch"]
        assert epochs_before >= kept_epoch >= 1

        jobs.max_concurrent_runs = 0  # resume it here, in this process, instead of in a new worker
        jobs.resume(run_id)
        assert run_in_store(jobs.store, run_id).state == "finished"
        records, _ = jobs.store.read_metrics(run_id)
        assert [r for r in records if r["kind"] == "resume"][0]["epoch"] == kept_epoch
        assert jobs.store.read_status(run_id).state == "finished"
    finally:
        end_workers(jobs)
