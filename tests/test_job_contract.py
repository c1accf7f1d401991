"""The job backend contract: what the pages may rely on, whatever backend trains the runs.

Every test here is written against :class:`core.jobs.JobBackend` alone. A backend joins the suite
through the ``harness`` fixture, which knows the few things the interface does not say: how to
make one (with a stand-in worker that only sleeps, or the real trainer), how to kill a worker the
hard way, how to restart the app on the same store, and how to let the backend act now instead of
on its next background tick. Backend-specific behaviour (the local warm worker, claim files, lock
files) is tested beside each backend (tests/test_jobs.py for LocalJobs). Each backend also runs with
its runs' records in the run index of the class database (``STRIDE_DATABASE_URL``, core.run_index):
LocalJobs with SQLite, RayJobs with PostgreSQL (skipped only where the PostgreSQL binaries are absent).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from conftest import SLEEPING_WORKER, end_workers, refused, wait_for
from pg_server import fresh_database

from core import class_state
from core.classroom import Classroom, Viewer, new_key
from core.config import TrainConfig
from core.jobs import JobBackend, LocalJobs
from core.limits import MB, Limits
from core.metrics import EpochRecord, ResumeRecord
from core.processes import process_alive
from core.run_status import RunStatus

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
# Long enough to be stopped or killed mid-run: 3 epochs of 262 steps, about a second each.
LONG = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=3, batch_size=4, lr=0.01, max_samples=1500)
KB = 1024


@dataclass
class Harness:
    """How the contract reaches one backend."""

    make: Callable[..., JobBackend]  # (max_concurrent_runs=1, limits=None, worker="sleep" | "train")
    kill_worker: Callable[[JobBackend, str], None]  # end the process training the run, as a crash would
    restart: Callable[[JobBackend], JobBackend]  # the app restarts: a new backend on the same store
    settle: Callable[[JobBackend], None]  # act now on what changed: start queued runs, notice dead workers
    made: list[JobBackend] = field(default_factory=list)


def _local(tmp_path, database_url: str | None = None) -> Harness:
    def make(max_concurrent_runs: int = 1, limits: Limits | None = None, worker: str = "sleep") -> JobBackend:
        jobs = LocalJobs(
            tmp_path / "runs",
            max_concurrent_runs=max_concurrent_runs,
            torch_threads_per_run=1,
            warm_worker=False,
            cancel_grace_s=0.3 if worker == "sleep" else 2.0,
            worker_command=SLEEPING_WORKER if worker == "sleep" else None,
            limits=limits,
            database_url=database_url,  # its workers get it too
        )
        harness.made.append(jobs)
        return jobs

    def kill_worker(jobs: JobBackend, run_id: str) -> None:
        pid = jobs.status(run_id).status.pid
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not process_alive(pid), 5, "the worker to die")

    def restart(jobs: JobBackend) -> JobBackend:
        jobs.close()
        again = make(
            jobs.max_concurrent_runs, jobs.limits, "sleep" if jobs.worker_command == SLEEPING_WORKER else "train"
        )
        again.reconcile()  # what the app does when it starts
        return again

    harness = Harness(make, kill_worker, restart, settle=lambda jobs: jobs.schedule())
    return harness


def _ray(tmp_path, database_url: str | None = None) -> Harness:
    """Runs as tasks of the session's local Ray cluster (two nodes); the stand-in task sleeps and ignores cancel."""
    from core.ray_jobs import RayJobs
    from core.ray_queue import train_worker

    def make(max_concurrent_runs: int = 1, limits: Limits | None = None, worker: str = "sleep") -> JobBackend:
        jobs = RayJobs(
            tmp_path / "runs",
            max_concurrent_runs=max_concurrent_runs,
            torch_threads_per_run=1,
            limits=limits,
            cancel_grace_s=0.3 if worker == "sleep" else 2.0,
            worker=(lambda *_: time.sleep(60)) if worker == "sleep" else train_worker,  # a lambda travels by value
            warm_worker=False,
            database_url=database_url,  # the queue actor and its tasks get it too
        )
        jobs.worker_kind = worker
        harness.made.append(jobs)
        return jobs

    def kill_worker(jobs: JobBackend, run_id: str) -> None:
        pid = wait_for(lambda: jobs.status(run_id).status.pid, 30, "the task to start")
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not process_alive(pid), 5, "the worker to die")

    def restart(jobs: JobBackend) -> JobBackend:
        jobs.close()
        again = make(jobs.max_concurrent_runs, jobs.limits, jobs.worker_kind)
        again.reconcile()  # what the app does when it starts: the queue actor lives on in the cluster
        # an app takes seconds to restart, and Ray reports a killed task within moments: reconcile until it has
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            j.state == "running" and j.status.pid is not None and not process_alive(j.status.pid)
            for j in again.list_jobs()
        ):
            time.sleep(0.1)
            again.reconcile()
        return again

    def settle(jobs: JobBackend) -> None:
        """Tick the queue; Ray reports a killed worker within moments, so wait while a dead one still runs."""
        jobs.schedule()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            j.state == "running" and j.status.pid is not None and not process_alive(j.status.pid)
            for j in jobs.list_jobs()
        ):
            time.sleep(0.1)
            jobs.schedule()

    harness = Harness(make, kill_worker, restart, settle)
    return harness


# (backend, where the run index is): none keeps the runs' records as files in the store; SQLite
# and PostgreSQL keep them in the class database (STRIDE_DATABASE_URL, core.run_index)
INDEXES = {"files": lambda tmp_path: None, "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'class.db'}",
           "postgresql": lambda tmp_path: fresh_database()}  # fmt: skip


@pytest.fixture(params=["local", "ray", "local+sqlite", "ray+postgresql"])
def harness(request, tmp_path):
    backend, _, index = request.param.partition("+")
    if backend == "ray":
        request.getfixturevalue("ray_cluster")
    made = {"local": _local, "ray": _ray}[backend](tmp_path, INDEXES[index or "files"](tmp_path))
    yield made
    if backend == "ray" and made.made:
        made.made[-1].shutdown()  # the store's queue actor, and every task it started
    else:
        for jobs in made.made:
            end_workers(jobs)
    class_state.close_all()
    if index:  # every status went to the index: none was written as a file by the app, a worker or a task
        assert not list((tmp_path / "runs").glob("*/status.json"))


def _states(jobs: JobBackend, run_ids) -> list[str]:
    return [jobs.status(r).state for r in run_ids]


def _ballast(jobs: JobBackend, run_id: str, size: int) -> None:
    (jobs.store.run_dir(run_id) / "ballast.bin").write_bytes(b"\0" * size)


# --- the queue ------------------------------------------------------------------------------------------


def test_a_queue_with_one_slot_runs_students_first_runs_in_submission_order_and_shows_positions(harness):
    jobs = harness.make()
    first, second, third = (jobs.submit(TINY, owner=f"student{i}", owner_id=f"{i}" * 32) for i in range(3))
    assert _states(jobs, (first, second, third)) == ["running", "queued", "queued"]
    assert [jobs.status(r).position for r in (first, second, third)] == [None, 0, 1]
    assert {j.run_id: j.position for j in jobs.list_jobs()} == {first: None, second: 0, third: 1}
    assert {j.run_id: j.owner for j in jobs.list_jobs()}[second] == "student1"

    jobs.cancel(first)
    harness.settle(jobs)
    assert _states(jobs, (first, second, third)) == ["cancelled", "running", "queued"]
    assert [jobs.status(r).position for r in (second, third)] == [None, 0]


def test_the_queue_is_fair_a_flood_from_one_owner_delays_only_that_owner(harness):
    # issue 12 item 7: first come first served let one person fill the queue ahead of everyone
    jobs = harness.make()
    flood = [jobs.submit(TINY, owner="flood", owner_id="f" * 32) for _ in range(3)]
    late = jobs.submit(TINY, owner="late", owner_id="1" * 32)  # queued after the whole flood
    later = jobs.submit(TINY, owner="later", owner_id="2" * 32)
    assert _states(jobs, flood) == ["running", "queued", "queued"]
    assert [jobs.status(r).position for r in (late, later, *flood[1:])] == [0, 1, 2, 3]
    jobs.cancel(flood[0])
    harness.settle(jobs)
    assert _states(jobs, (late, later, flood[1])) == ["running", "queued", "queued"]
    assert [jobs.status(r).position for r in (later, flood[1], flood[2])] == [0, 1, 2]


def test_fresh_identities_from_one_machine_count_as_one_and_delay_only_that_machine(harness):
    # issue 12 item 7: a fresh tab is a fresh identity; before, each ranked as a new student, so a
    # script opening tabs on one machine kept every start ahead of the students who queued after it
    jobs = harness.make()
    tabs = [jobs.submit(TINY, owner=f"tab{i}", owner_id=f"{i:032d}", client="m-flood") for i in range(4)]
    honest = [jobs.submit(TINY, owner=n, owner_id=n * 32, client=f"m-{n}") for n in "ab"]
    assert _states(jobs, tabs[:1]) == ["running"]
    assert [jobs.status(r).position for r in (*honest, *tabs[1:])] == [0, 1, 2, 3, 4]
    assert jobs.store.read_run(honest[0]).client == "m-a"


def test_a_full_queue_makes_room_from_the_machine_with_the_most_runs_waiting(harness):
    # the flood filled the queue, so the class was refused ("the queue is full") until it drained
    jobs = harness.make(max_concurrent_runs=0, limits=Limits(max_queue=3))
    flood = [jobs.submit(TINY, owner_id=f"{i:032d}", client="m-flood") for i in range(3)]
    honest = jobs.submit(TINY, owner_id="a" * 32, client="m-a")
    assert _states(jobs, (*flood, honest)) == ["queued", "queued", "cancelled", "queued"]
    assert jobs.status(flood[2]).status.reason.key == "limits.bumped_from_queue"
    assert jobs.status(flood[2]).status.reason.params == {"waiting": 3}
    refused(lambda: jobs.submit(TINY, owner_id="9" * 32, client="m-flood"), "limits.queue_full")  # no more
    # the flood has 2 waiting, m-a would have 2: taking one of the flood's would only move the excess
    refused(lambda: jobs.submit(TINY, owner_id="b" * 32, client="m-a"), "limits.queue_full")


def test_identities_on_one_machine_are_never_pushed_out_of_the_queue_for_each_other(harness):
    jobs = harness.make(max_concurrent_runs=0, limits=Limits(max_queue=2))  # a school NAT: one address
    waiting = [jobs.submit(TINY, owner_id=owner * 32, client="nat") for owner in "cd"]
    refused(lambda: jobs.submit(TINY, owner_id="e" * 32, client="nat"), "limits.queue_full")
    assert _states(jobs, waiting) == ["queued", "queued"]  # nobody lost their place to a classmate


def test_a_student_who_trained_a_lot_waits_for_one_run_of_a_new_flood_not_for_all_of_it(harness):
    # counting starts in the last hour sent a student who had trained 5 times behind every run of a
    # flood that began later; round robin over machines lets the flood go once per round
    jobs = harness.make(max_concurrent_runs=0)
    now = time.time()
    for minutes in range(5):
        done = jobs.store.create_run(TINY.to_dict(), state="finished", owner_id="a" * 32, client="m-a").run_id
        jobs.store.write_status(done, RunStatus("finished", started_at=now - 60 * (minutes + 1)))
    flood = [jobs.submit(TINY, owner_id=f"{i:032d}", client="m-flood") for i in range(4)]
    honest = jobs.submit(TINY, owner_id="a" * 32, client="m-a")
    assert [jobs.status(r).position for r in (flood[0], honest, *flood[1:])] == [0, 1, 2, 3, 4]


def test_students_who_share_one_address_are_told_apart_by_identity(harness):
    jobs = harness.make(max_concurrent_runs=0)  # a school NAT: every run from one address
    first = [jobs.submit(TINY, owner_id=owner * 32, client="nat") for owner in "aab"]
    assert [jobs.status(r).position for r in (first[0], first[2], first[1])] == [0, 1, 2]


def test_runs_started_more_than_an_hour_ago_do_not_count_against_their_owner(harness):
    jobs = harness.make(max_concurrent_runs=0)  # keep everything in the queue to look at the order
    now = time.time()
    for owner, started in (("a" * 32, now - 600), ("b" * 32, now - 2 * 3600)):
        done = jobs.store.create_run(TINY.to_dict(), state="finished", owner_id=owner).run_id
        jobs.store.write_status(done, RunStatus("finished", started_at=started))
    a = jobs.submit(TINY, owner_id="a" * 32)
    b = jobs.submit(TINY, owner_id="b" * 32)  # queued second, but b has trained less recently
    assert [jobs.status(r).position for r in (b, a)] == [0, 1]


def test_a_higher_cap_runs_that_many_at_once(harness):
    jobs = harness.make(max_concurrent_runs=2)
    ids = [jobs.submit(TINY) for _ in range(3)]
    assert _states(jobs, ids) == ["running", "running", "queued"]
    assert jobs.queue_positions(jobs.store.list_runs()) == {ids[2]: 0}


def test_cancelling_a_queued_run_is_immediate_and_starts_nothing(harness):
    jobs = harness.make()
    running = jobs.submit(TINY)
    waiting = jobs.submit(TINY)
    job = jobs.cancel(waiting)
    assert job.state == "cancelled" and job.status.reason.key == "jobs.cancelled_in_queue"
    harness.settle(jobs)
    assert _states(jobs, (running, waiting)) == ["running", "cancelled"]


def test_an_invalid_config_is_refused_and_creates_no_run(harness):
    jobs = harness.make()
    refused(lambda: jobs.submit(TrainConfig(optimizer="adma")), "train.not_one_of")
    assert jobs.list_jobs() == []


def test_resume_queues_an_interrupted_run_again_and_refuses_a_finished_one(harness):
    jobs = harness.make(max_concurrent_runs=0)  # keep it in the queue to look at it
    run_id = jobs.store.create_run(TINY.to_dict(), state="interrupted").run_id
    jobs.store.request_cancel(run_id)
    job = jobs.resume(run_id)
    assert job.state == "queued" and job.position == 0 and not jobs.store.cancel_requested(run_id)
    jobs.store.write_status(run_id, RunStatus("finished"))
    refused(lambda: jobs.resume(run_id), "jobs.not_resumable")


def test_delete_refuses_an_active_run_and_removes_an_ended_one(harness):
    jobs = harness.make()
    running = jobs.submit(TINY)
    refused(lambda: jobs.delete(running), "runs.delete_active")
    jobs.cancel(running)
    jobs.delete(running)
    assert jobs.list_jobs() == []


# --- the server's limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=51, max_samples=100), "limits.epochs"),
        (TrainConfig(dataset="mnist"), "limits.samples"),
        (TrainConfig(dataset="mnist", max_samples=20_001), "limits.samples"),
    ],
)
def test_a_config_past_the_limits_is_refused_and_creates_nothing(harness, config, key):
    jobs = harness.make(limits=Limits())
    refused(lambda: jobs.submit(config, owner="otter-01", owner_id="a" * 32), key)
    assert jobs.list_jobs() == [] and jobs.store.disk_usage() == 0


def test_a_full_queue_refuses_new_runs_until_one_starts(harness):
    jobs = harness.make(limits=Limits(max_queue=2))
    first, second, third = (jobs.submit(TINY) for _ in range(3))
    assert _states(jobs, (first, second, third)) == ["running", "queued", "queued"]
    message = refused(lambda: jobs.submit(TINY), "limits.queue_full")
    assert message.params == {"queued": 2, "limit": 2}
    assert len(jobs.list_jobs()) == 3

    jobs.cancel(second)  # a place in the queue is free again
    assert jobs.status(jobs.submit(TINY)).state == "queued"


def test_each_student_may_have_one_active_run(harness):
    jobs = harness.make(limits=Limits(max_runs_per_student=1))
    alice = Classroom(jobs, Viewer("alice", new_key(), class_mode=True))
    bob = Classroom(jobs, Viewer("bob", new_key(), class_mode=True))
    first = alice.submit(TINY)
    assert jobs.status(first).state == "running"
    message = refused(lambda: alice.submit(TINY), "limits.per_student")
    assert message.params == {"active": 1, "limit": 1}
    assert len(jobs.list_jobs()) == 1

    bobs = bob.submit(TINY)  # another student is not held up by Alice's run
    assert jobs.status(bobs).state == "queued"
    refused(lambda: bob.submit(TINY), "limits.per_student")  # a queued run counts too

    assert alice.cancel(first).state == "cancelled"
    second = alice.submit(TINY)  # her first run ended: she may start another
    assert jobs.store.read_run(second).owner_id == alice.viewer.owner_id
    assert [r.run_id for r in alice.runs("mine")] == [second, first]


def test_the_teacher_is_not_held_to_the_per_student_cap(harness):
    jobs = harness.make(limits=Limits(max_runs_per_student=1))
    teacher = Classroom(jobs, Viewer("teacher", new_key(), teacher=True, class_mode=True))
    ids = [teacher.submit(TINY) for _ in range(3)]
    assert _states(jobs, ids) == ["running", "queued", "queued"]
    assert {jobs.store.read_run(r).owner_id for r in ids} == {teacher.viewer.owner_id}


def test_the_per_student_cap_counts_by_owner_id_not_by_name(harness):
    jobs = harness.make(limits=Limits(max_runs_per_student=2))
    jobs.submit(TINY, owner="otter-01", owner_id="1" * 32)
    jobs.submit(TINY, owner="otter-02", owner_id="1" * 32)  # a new name, the same key
    refused(lambda: jobs.submit(TINY, owner="otter-03", owner_id="1" * 32), "limits.per_student")
    jobs.submit(TINY, owner="otter-01", owner_id="2" * 32)  # the same name, another key
    assert len(jobs.list_jobs()) == 3


def test_a_submit_over_the_disk_quota_deletes_the_oldest_ended_runs_first(harness):
    jobs = harness.make(limits=Limits(quota_mb=1))
    ended = [jobs.store.create_run(TINY.to_dict(), state="finished").run_id for _ in range(3)]
    for run_id in ended:
        _ballast(jobs, run_id, 400 * KB)
    assert jobs.store.disk_usage() > 1 * MB

    new = jobs.submit(TINY)
    assert {j.run_id for j in jobs.list_jobs()} == {new, *ended[1:]}
    assert [p["run_id"] for p in jobs.store.read_pruned()] == ended[:1]
    assert jobs.store.disk_usage() <= 1 * MB


def test_a_submit_is_refused_when_only_active_runs_fill_the_quota(harness):
    jobs = harness.make(limits=Limits(quota_mb=1))
    running = jobs.submit(TINY)
    queued = jobs.submit(TINY)
    old = jobs.store.create_run(TINY.to_dict(), state="finished").run_id
    for run_id in (running, queued):
        _ballast(jobs, run_id, 600 * KB)

    message = refused(lambda: jobs.submit(TINY), "limits.disk_full")
    assert message.params == {"used": 1, "quota": 1}
    assert {j.run_id for j in jobs.list_jobs()} == {running, queued}  # the ended run went, and nothing came
    assert _states(jobs, (running, queued)) == ["running", "queued"]
    assert [p["run_id"] for p in jobs.store.read_pruned()] == [old]
    jobs.cancel(queued)  # one ends: its space may be reused
    assert jobs.status(jobs.submit(TINY)).state == "queued"
    assert [p["run_id"] for p in jobs.store.read_pruned()] == [old, queued]


def test_resume_is_held_to_the_same_limits_as_submit(harness):
    # issue 12 item 6: submit, cancel, resume x5 gave 5 queued runs with a per-student cap of 1
    jobs = harness.make(max_concurrent_runs=0, limits=Limits(max_runs_per_student=1, max_queue=2))
    mine = [jobs.store.create_run(TINY.to_dict(), state="cancelled", owner_id="a" * 32).run_id for _ in range(5)]
    assert jobs.resume(mine[0]).state == "queued"
    for run_id in mine[1:]:
        assert refused(lambda r=run_id: jobs.resume(r), "limits.per_student").params == {"active": 1, "limit": 1}
    theirs = [jobs.store.create_run(TINY.to_dict(), state="cancelled", owner_id=c * 32).run_id for c in "bc"]
    assert jobs.resume(theirs[0]).state == "queued"
    refused(lambda: jobs.resume(theirs[1]), "limits.queue_full")  # two waiting, and two allowed
    assert [j.state for j in jobs.list_jobs()].count("queued") == 2


def test_making_room_deletes_the_submitters_own_ended_runs_before_anyone_elses(harness):
    # issue 12 item 9: the oldest ended runs went first, whoever they belonged to
    jobs = harness.make(limits=Limits(quota_mb=1))
    theirs = jobs.store.create_run(TINY.to_dict(), state="finished", owner_id="b" * 32).run_id  # the oldest
    mine = [jobs.store.create_run(TINY.to_dict(), state="finished", owner_id="a" * 32).run_id for _ in range(2)]
    for run_id in (theirs, *mine):
        _ballast(jobs, run_id, 350 * KB)
    jobs.submit(TINY, owner_id="a" * 32)
    assert [p["run_id"] for p in jobs.store.read_pruned()] == mine[:1]
    assert jobs.store.exists(theirs) and jobs.store.exists(mine[1])


def test_a_student_fills_only_their_share_and_a_run_that_cannot_fit_is_refused_before_it_starts(harness):
    jobs = harness.make(limits=Limits(quota_mb=100, student_quota_mb=1))
    student, other = "a" * 32, "b" * 32
    theirs = jobs.store.create_run(TINY.to_dict(), state="finished", owner_id=other).run_id
    old = [jobs.store.create_run(TINY.to_dict(), state="finished", owner_id=student).run_id for _ in range(2)]
    for run_id in (theirs, *old):
        _ballast(jobs, run_id, 500 * KB)
    jobs.submit(TINY, owner_id=student)  # 1 MB of theirs: the oldest of their own goes
    assert [p["run_id"] for p in jobs.store.read_pruned()] == old[:1] and jobs.store.exists(theirs)
    big = TrainConfig(dataset="digits", model="lenet", epochs=20)  # model, Adam's checkpoint, metrics: ~2.3 MB
    message = refused(lambda: jobs.submit(big, owner_id=student), "limits.run_too_large")
    assert message.params["limit"] == "1.0" and float(message.params["need"]) > 2
    assert jobs.submit(big, owner_id="t" * 32, per_student=False)  # the teacher has no share, only the quota
    _ballast(jobs, jobs.submit(TINY, owner_id="c" * 32), 1100 * KB)  # a queued run fills c's share ...
    refused(lambda: jobs.submit(TINY, owner_id="c" * 32), "limits.student_disk_full")  # ... and cannot go


def test_a_run_past_its_time_limit_is_stopped_with_its_checkpoint_and_can_be_resumed(harness):
    # issue 12 item 8: batch size 1 x 20 epochs x 20,000 samples held the only slot for hours
    jobs = harness.make(limits=Limits(max_run_minutes=1))  # its stand-in worker ignores being asked
    run_id = jobs.submit(TINY)
    jobs.store.update_status(run_id, started_at=time.time() - 61)
    harness.settle(jobs)  # asks it to stop ...
    assert jobs.store.cancel_requested(run_id)
    wait_for(lambda: [harness.settle(jobs)] and jobs.status(run_id).state == "cancelled", 10, "the stop by force")
    job = jobs.status(run_id)
    assert job.status.reason.key == "train.time_limit" and job.status.reason.params["minutes"] == 1
    assert jobs.resume(run_id).state in ("queued", "running")


# --- crashes and restarts -------------------------------------------------------------------------------


def test_a_dead_worker_leaves_its_run_interrupted_and_the_next_run_starts(harness):
    jobs = harness.make()
    first, second = jobs.submit(TINY), jobs.submit(TINY)
    harness.kill_worker(jobs, first)
    harness.settle(jobs)
    job = jobs.status(first)
    assert job.state == "interrupted" and job.status.reason.key == "jobs.worker_died"
    assert jobs.status(second).state == "running"


def test_after_a_restart_runs_whose_worker_died_are_interrupted_and_queued_runs_keep_their_place(harness):
    jobs = harness.make()
    running, queued = jobs.submit(TINY), jobs.submit(TINY)
    harness.kill_worker(jobs, running)  # it dies while the app is down
    again = harness.restart(jobs)
    assert again.status(running).state == "interrupted"
    assert again.status(queued).state in ("queued", "running")  # nobody's place is lost
    harness.settle(again)
    assert again.status(queued).state == "running"


@pytest.mark.slow
def test_cancel_stops_a_real_run_within_two_seconds_and_keeps_its_metrics_and_checkpoint(harness):
    jobs = harness.make(worker="train")
    run_id = jobs.submit(LONG)
    wait_for(lambda: jobs.store.checkpoint_meta(run_id), 60, "the first checkpoint")
    asked = time.monotonic()
    job = jobs.cancel(run_id)
    assert time.monotonic() - asked < 2.5
    assert job.state == "cancelled" and job.status.reason.key == "train.cancelled"  # it stopped itself
    records, _ = jobs.store.read_metrics(run_id)
    assert sum(isinstance(r, EpochRecord) for r in records) >= 1
    assert jobs.store.load_checkpoint(run_id).meta.epoch >= 1


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_checkpoint_and_finishes(harness):
    jobs = harness.make(worker="train")
    run_id = jobs.submit(LONG)
    wait_for(lambda: jobs.store.checkpoint_meta(run_id), 60, "the first checkpoint")
    harness.kill_worker(jobs, run_id)
    harness.settle(jobs)
    assert jobs.status(run_id).state == "interrupted"
    kept_epoch = jobs.store.checkpoint_meta(run_id).epoch

    assert jobs.resume(run_id).state in ("queued", "running")
    wait_for(lambda: [harness.settle(jobs)] and jobs.status(run_id).state == "finished", 120, "the run to finish")
    records, _ = jobs.store.read_metrics(run_id)
    assert [r.epoch for r in records if isinstance(r, ResumeRecord)] == [kept_epoch]
    assert [r.epoch for r in records if isinstance(r, EpochRecord)][-1] == LONG.epochs
