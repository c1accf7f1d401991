"""What one server allows: limits on a config, on the queue, per student, and the run store's disk quota.

The job queue runs a stand-in worker (a bare Python that sleeps), as in test_jobs.py; nothing trains.
"""

import dataclasses
import json
import os
import sys
import time

import pytest
from conftest import watch_lock

from core.config import TrainConfig
from core.data import load_dataset
from core.datasets import DATASETS, SHAPES_COUNT, SYNTHETIC3_COUNT
from core.generated_shapes import shape_params
from core.jobs import LocalJobs
from core.limits import Limits
from core.runs import PRUNE_LOG, RunStore
from core.settings import Settings

TINY = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
KB = 1024


@pytest.fixture
def jobs(sleeping_jobs):
    return sleeping_jobs


def _run_dirs(store: RunStore) -> list[str]:
    """Every directory in the store, hidden ones (a half-made run) included."""
    return sorted(p.name for p in store.root.iterdir() if p.is_dir()) if store.root.is_dir() else []


def _ballast(store: RunStore, run_id: str, size: int) -> None:
    (store.run_dir(run_id) / "ballast.bin").write_bytes(b"\0" * size)


# --- limits on a config -----------------------------------------------------------------------------------


def test_config_problems_name_epochs_past_the_limit():
    limits = Limits(max_epochs=10)
    assert limits.config_problems(TrainConfig(dataset="digits", epochs=10)) == []
    (problem,) = limits.config_problems(TrainConfig(dataset="digits", epochs=11))
    assert problem.key == "limits.epochs" and problem.params == {"value": 11, "limit": 10}


@pytest.mark.parametrize(
    ("dataset", "max_samples", "value"),
    [
        ("mnist", None, "70,000"),  # the whole set counts when nothing caps it
        ("fashion_mnist", None, "70,000"),
        ("cifar10", None, "60,000"),
        ("mnist", 20_001, "20,001"),
        ("cifar10", 50_000, "50,000"),
    ],
)
def test_config_problems_name_samples_past_the_limit(dataset, max_samples, value):
    config = TrainConfig(dataset=dataset, max_samples=max_samples)
    (problem,) = Limits(max_samples=20_000).config_problems(config)
    assert problem.key == "limits.samples" and problem.params == {"value": value, "limit": "20,000"}


@pytest.mark.parametrize(
    ("dataset", "max_samples"),
    [("digits", None), ("shapes", None), ("synthetic3", None), ("mnist", 20_000), ("cifar10", 500), ("iris", None)],
)
def test_config_problems_accept_what_fits(dataset, max_samples):
    assert Limits(max_samples=20_000).config_problems(TrainConfig(dataset=dataset, max_samples=max_samples)) == []


def test_config_problems_list_every_limit_passed():
    problems = Limits(max_epochs=5, max_samples=1000).config_problems(TrainConfig(dataset="mnist", epochs=6))
    assert [p.key for p in problems] == ["limits.epochs", "limits.samples"]


@pytest.mark.parametrize("key", ["digits", "iris", "wine", "breast_cancer", "synthetic3"])
def test_the_catalogue_counts_the_samples_the_offline_sets_really_have(key):
    data = load_dataset(key)
    assert DATASETS[key].samples == len(data.y_train) + len(data.y_val) + len(data.y_test)


def test_the_catalogue_counts_the_generated_sets():
    # Drawing 6,000 shapes takes seconds; their count is fixed by the parameters drawn first.
    assert DATASETS["shapes"].samples == SHAPES_COUNT == len(shape_params(SHAPES_COUNT, 0)["label"])
    assert DATASETS["synthetic3"].samples == SYNTHETIC3_COUNT


# --- limits the queue enforces ----------------------------------------------------------------------------


def test_limits_from_settings_cap_students_only_in_class_mode():
    alone = Limits.from_settings(
        Settings(max_runs_per_student=3, max_queue=7, max_epochs=9, max_samples=1234, runs_quota_mb=55)
    )
    assert alone == Limits(
        max_queue=7, max_runs_per_student=None, max_epochs=9, max_samples=1234, quota_mb=55, max_run_minutes=60
    )
    in_class = Limits.from_settings(Settings(teacher_password="s3cret", max_runs_per_student=3))
    assert in_class.max_runs_per_student == 3 and in_class.student_quota_mb == Settings().student_quota_mb
    assert Limits.from_settings(Settings(teacher_password="s3cret")).max_runs_per_student == 1


def test_the_queue_takes_its_limits_and_worker_priority_from_the_settings(tmp_path):
    settings = Settings(runs_dir=tmp_path / "runs", teacher_password="x", max_queue=4, worker_nice=7)
    jobs = LocalJobs.from_settings(settings)
    assert jobs.limits == Limits.from_settings(settings)
    assert jobs.worker_nice == 7
    jobs.worker_command = [sys.executable, "-c", "pass"]  # a stand-in: only its command line matters here
    for nice, flags in ((7, ["--nice", "7"]), (0, [])):
        jobs.worker_nice = nice
        process = jobs._popen("-", log_path=None)
        process.stdin.close()
        process.wait(timeout=10)
        threads = process.args.index("--max-threads")
        assert process.args[threads : threads + 2 + len(flags)] == [
            "--max-threads",
            str(jobs.torch_threads_per_run),
            *flags,
        ]


STRIDE_VARS = {
    "STRIDE_TEACHER_PASSWORD": "s3cret-teacher",
    "STRIDE_MAX_RUNS_PER_STUDENT": "2",
    "STRIDE_MAX_QUEUE": "12",
    "STRIDE_MAX_EPOCHS": "8",
    "STRIDE_MAX_SAMPLES": "5000",
    "STRIDE_RUNS_QUOTA_MB": "300",
    "STRIDE_WORKER_NICE": "0",
    "STRIDE_STUDENT_QUOTA_MB": "40",
    "STRIDE_MAX_STEPS": "9000",
    "STRIDE_MAX_RUN_MINUTES": "7",
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("STRIDE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_settings_read_every_class_variable(clean_env):
    defaults = Settings.from_env()
    assert not defaults.class_mode and defaults.teacher_password is None
    for name, value in STRIDE_VARS.items():
        clean_env.setenv(name, value)
    settings = Settings.from_env()
    assert settings.teacher_password == "s3cret-teacher" and settings.class_mode
    assert "s3cret-teacher" not in repr(settings)
    assert (
        settings.max_runs_per_student,
        settings.max_queue,
        settings.max_epochs,
        settings.max_samples,
        settings.runs_quota_mb,
        settings.worker_nice,
        settings.student_quota_mb,
        settings.max_steps,
        settings.max_run_minutes,
    ) == (2, 12, 8, 5000, 300, 0, 40, 9000, 7)
    clean_env.setenv("STRIDE_TEACHER_PASSWORD", "")
    assert not Settings.from_env().class_mode  # an empty password is none


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STRIDE_MAX_RUNS_PER_STUDENT", "one"),
        ("STRIDE_MAX_RUNS_PER_STUDENT", "0"),
        ("STRIDE_MAX_QUEUE", "1.5"),
        ("STRIDE_MAX_QUEUE", "0"),
        ("STRIDE_MAX_EPOCHS", "-3"),
        ("STRIDE_MAX_EPOCHS", "ten"),
        ("STRIDE_MAX_SAMPLES", "9"),
        ("STRIDE_MAX_SAMPLES", "20k"),
        ("STRIDE_RUNS_QUOTA_MB", "0"),
        ("STRIDE_RUNS_QUOTA_MB", "2GB"),
        ("STRIDE_WORKER_NICE", "-1"),
        ("STRIDE_WORKER_NICE", "low"),
        ("STRIDE_MAX_RUN_MINUTES", "0"),
        ("STRIDE_MAX_STEPS", "many"),
        ("STRIDE_STUDENT_QUOTA_MB", "0"),
    ],
)
def test_settings_refuse_bad_values_naming_the_variable(clean_env, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings.from_env()


# --- the disk quota ---------------------------------------------------------------------------------------


@pytest.fixture
def aged_store(tmp_path):
    """The two oldest runs are active and big; four ended runs of 100 kB follow, oldest first."""
    store = RunStore(tmp_path / "runs")
    active = {}
    for state in ("running", "queued"):
        run_id = store.create_run(TINY.to_dict(), owner=state, state=state, owner_id=f"{state:0>32}").run_id
        _ballast(store, run_id, 300 * KB)
        active[state] = run_id
    ended = []
    for i, state in enumerate(("finished", "failed", "cancelled", "interrupted")):
        run_id = store.create_run(TINY.to_dict(), owner=f"s{i}", state="running", owner_id=f"{i:0>32}").run_id
        store.update_status(run_id, state=state, ended_at=time.time())
        _ballast(store, run_id, 100 * KB)
        ended.append(run_id)
    return store, active, ended


def _existing(store: RunStore) -> set[str]:
    return {r.run_id for r in store.list_runs()}


def test_prune_deletes_the_oldest_ended_runs_first_and_only_as_many_as_needed(aged_store):
    store, active, ended = aged_store
    total = store.disk_usage()
    assert total > 1000 * KB
    assert store.prune(total) == [] and not (store.root / PRUNE_LOG).exists()

    pruned = store.prune(total - 150 * KB)  # two of the 100 kB runs must go
    assert [p["run_id"] for p in pruned] == ended[:2]
    assert [p["owner_id"] for p in pruned] == [f"{i:0>32}" for i in range(2)]
    assert [p["owner"] for p in pruned] == ["s0", "s1"]
    assert all(p["bytes"] > 100 * KB for p in pruned)
    assert _existing(store) == {*active.values(), *ended[2:]}
    assert store.disk_usage() <= total - 150 * KB
    assert store.read_pruned() == pruned
    lines = (store.root / PRUNE_LOG).read_text().splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == ended[:2]


def test_prune_never_deletes_a_queued_or_running_run_however_old(aged_store):
    store, active, ended = aged_store
    pruned = store.prune(100 * KB)  # less than the active runs alone
    assert [p["run_id"] for p in pruned] == ended
    assert _existing(store) == set(active.values())
    assert {store.read_status(r).state for r in active.values()} == {"running", "queued"}
    assert store.disk_usage() > 100 * KB  # still over: nothing else may go
    assert store.prune(100 * KB) == []
    assert [p["run_id"] for p in store.read_pruned()] == ended


def test_read_pruned_skips_a_half_written_line(aged_store):
    store, _, ended = aged_store
    store.prune(0)
    with open(store.root / PRUNE_LOG, "a") as log:
        log.write('{"run_id": "cut-off')
    assert [p["run_id"] for p in store.read_pruned()] == ended


def test_prune_and_resume_hold_the_queue_lock(jobs, monkeypatch):
    """A run must not be resumed between prune judging it ended and deleting it: both hold the lock."""
    jobs.limits = Limits(quota_mb=1)
    jobs.max_concurrent_runs = 0  # keep the resumed run in the queue
    store = jobs.store
    held = watch_lock(jobs, monkeypatch)
    seen = []
    real_usage, real_write_status = RunStore.disk_usage, RunStore.write_status

    def prune(self):  # the quota's decision starts by measuring the store
        seen.append(("prune", bool(held)))
        return real_usage(self)

    def write_status(self, run_id, status):
        seen.append((f"write_status {status.state}", bool(held)))
        return real_write_status(self, run_id, status)

    monkeypatch.setattr(RunStore, "disk_usage", prune)
    monkeypatch.setattr(RunStore, "write_status", write_status)

    run_id = store.create_run(TINY.to_dict(), state="cancelled").run_id
    seen.clear()
    jobs.prune()
    assert jobs.resume(run_id).state == "queued"
    assert ("prune", True) in seen and ("write_status queued", True) in seen
    assert all(inside for _, inside in seen), seen


def test_a_run_of_more_steps_than_the_budget_is_refused_with_the_batch_size_that_fits():
    # issue 12 item 8: batch size 1, 20 epochs, 20,000 samples: 360,000 steps for one slot
    limits = Limits(max_samples=20_000, max_steps=50_000)
    slow = TrainConfig(dataset="mnist", max_samples=20_000, batch_size=1, epochs=20, val_fraction=0.1)
    (problem,) = limits.config_problems(slow)
    assert problem.key == "limits.steps"
    assert problem.params == {"steps": "360,000", "limit": "50,000", "batch": 8, "epochs": 20}
    assert limits.config_problems(dataclasses.replace(slow, batch_size=8)) == []
    recipe = TrainConfig(dataset="digits", model="lenet", epochs=20, batch_size=1)  # 1,618 x 20: fine
    assert limits.config_problems(recipe) == []


def test_the_worker_is_told_the_time_limit_on_its_command_line(tmp_path):
    jobs = LocalJobs(tmp_path / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=False)
    jobs.worker_command = [sys.executable, "-c", "pass"]
    jobs.limits = Limits(max_run_minutes=12)
    process = jobs._popen("-", log_path=None)
    process.stdin.close()
    process.wait(timeout=10)
    assert process.args[-2:] == ["--max-run-minutes", "12"]


def test_config_problems_count_at_most_the_samples_the_set_has():
    assert Limits(max_samples=20_000).config_problems(TrainConfig(dataset="digits", max_samples=30_000)) == []
