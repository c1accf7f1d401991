"""Runs stuck "running" after a container is recreated (issue 16 item 1), and the teacher's "mark interrupted".

A container's host name is its id, new at every `docker compose up -d --build`. A run training at
that moment recorded the old name; the new container must still find its worker dead.
"""

import dataclasses
import subprocess
import sys

import pytest
from conftest import SLEEPING_WORKER, end_workers

from core.config import TrainConfig
from core.i18n import UserError
from core.jobs import LocalJobs
from core.reconcile import judged_here, mark_interrupted, unowned_runs
from core.run_status import RunStatus

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
OLD_CONTAINER, NEW_CONTAINER = "3f2a9c0d11e4", "b81c44e9a0f7"  # what `hostname` says in each


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _jobs(runs_dir, host: str, shared_store: bool = False) -> LocalJobs:
    jobs = LocalJobs(
        runs_dir,
        max_concurrent_runs=1,
        torch_threads_per_run=1,
        warm_worker=False,
        cancel_grace_s=0.3,
        worker_command=SLEEPING_WORKER,
        shared_store=shared_store,
    )
    jobs.store = dataclasses.replace(jobs.store, host=host)
    return jobs


def _run_of_the_old_container(jobs: LocalJobs, owner_id: str = "student-a") -> str:
    """A student's run that was training in the old container when it was recreated: its worker went with it."""
    run_id = jobs.store.create_run(TINY.to_dict(), owner="otter-42", state="running", owner_id=owner_id).run_id
    jobs.store.update_status(run_id, pid=_dead_pid(), pid_start=12345, host=OLD_CONTAINER)
    return run_id


def test_a_recreated_container_finds_the_old_containers_run_dead_and_the_student_can_go_on(tmp_path):
    jobs = _jobs(tmp_path / "runs", NEW_CONTAINER)
    try:
        stuck = _run_of_the_old_container(jobs)
        assert jobs.reconcile() == [stuck]  # what the app does at start
        status = jobs.store.read_status(stuck)
        assert status.state == "interrupted" and status.reason.key == "jobs.worker_died"
        # the student's next run is not refused by the per-student limit (1 run at a time)
        fresh = jobs.submit(TINY, owner_id="student-a")
        assert jobs.status(fresh).state == "running" and jobs.status(fresh).status.host == NEW_CONTAINER
        jobs.resume(stuck, per_student=False)  # the teacher may resume it beside; a student, once free
        assert jobs.status(stuck).state == "queued"
        jobs.cancel(stuck)
        jobs.delete(stuck)  # and an ended run can be deleted
        assert not jobs.store.exists(stuck)
    finally:
        end_workers(jobs)


def test_the_scheduler_and_quota_pruning_see_it_too(tmp_path):
    jobs = _jobs(tmp_path / "runs", NEW_CONTAINER)
    try:
        stuck = _run_of_the_old_container(jobs)
        started = jobs.schedule()  # the background tick: reconciles, then starts queued runs
        assert jobs.store.read_status(stuck).state == "interrupted" and started == []
        assert [p["run_id"] for p in jobs.store.free_space(jobs.store.list_runs(), 1)] == [stuck]
    finally:
        end_workers(jobs)


def test_a_shared_store_leaves_another_hosts_run_to_that_host(tmp_path):
    jobs = _jobs(tmp_path / "runs", NEW_CONTAINER, shared_store=True)
    stuck = _run_of_the_old_container(jobs)
    assert jobs.reconcile() == []
    assert jobs.store.read_status(stuck).state == "running"
    info = jobs.store.read_run(stuck)
    assert not judged_here(jobs.store, info.status)
    assert [r.run_id for r in unowned_runs(jobs.store, jobs.store.list_runs())] == [stuck]


def test_the_teacher_marks_a_run_no_worker_owns_interrupted_and_it_resumes(tmp_path):
    jobs = _jobs(tmp_path / "runs", NEW_CONTAINER, shared_store=True)
    try:
        stuck = _run_of_the_old_container(jobs)
        status = mark_interrupted(jobs.store, stuck)
        assert status.state == "interrupted" and status.reason.key == "reconcile.marked"
        assert status.reason.params["host"] == OLD_CONTAINER
        assert jobs.store.cancel_requested(stuck)  # should the old worker live after all, it stops
        assert unowned_runs(jobs.store, jobs.store.list_runs()) == []
        assert jobs.resume(stuck).state in ("queued", "running")
    finally:
        end_workers(jobs)


def test_mark_interrupted_refuses_a_run_whose_worker_is_alive_here_and_a_run_not_running(sleeping_jobs):
    jobs = sleeping_jobs
    alive = jobs.submit(TINY)
    assert jobs.status(alive).state == "running"
    with pytest.raises(UserError) as error:
        mark_interrupted(jobs.store, alive)
    assert error.value.message.key == "reconcile.worker_alive"
    assert jobs.status(alive).state == "running"
    waiting = jobs.submit(TINY, owner_id="another")
    with pytest.raises(UserError) as error:
        mark_interrupted(jobs.store, waiting)
    assert error.value.message.key == "reconcile.not_running" and error.value.message.params["state"] == "queued"


def test_a_status_without_a_host_is_judged_here_in_any_store(tmp_path):
    jobs = _jobs(tmp_path / "runs", NEW_CONTAINER, shared_store=True)
    assert judged_here(jobs.store, RunStatus("running", host=None))
    assert not judged_here(jobs.store, RunStatus("running", host=OLD_CONTAINER))
    assert judged_here(dataclasses.replace(jobs.store, shared=False), RunStatus("running", host=OLD_CONTAINER))
