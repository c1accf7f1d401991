"""The teacher's tools (issue 16 item 6): stop all, delete ended runs, the results as CSV, health, "mark interrupted".

Core functions first, then the Class page in teacher mode (AppTest). A "running" run's worker is a
sleeping child process here, never this test process: Stop all ends workers that overstay.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest

from core import class_report, classroom, teacher
from core.classroom import Classroom, Viewer
from core.config import TrainConfig
from core.i18n import Message, UserError, t
from core.jobs import LocalJobs
from core.processes import process_start_ticks
from core.runs import RunStore

PASSWORD = "s3cret-teacher"
KEY_A, KEY_B = "a1" * 8, "b2" * 8
CLASS = "pages/classroom.py"


def _run(store: RunStore, key: str, name: str, state: str = "finished", label: str | None = None) -> str:
    config = TrainConfig(dataset="digits", model="lenet", epochs=2).to_dict()
    run_id = store.create_run(config, owner=name, owner_id=classroom.owner_id(key), state=state).run_id
    if label is not None:
        store.set_label(run_id, label)
    return run_id


@pytest.fixture
def sleeper():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def _training(store: RunStore, run_id: str, process: subprocess.Popen, host: str | None = None) -> None:
    store.update_status(
        run_id, state="running", pid=process.pid, pid_start=process_start_ticks(process.pid), host=host or store.host
    )


def _room(tmp_path, viewer: Viewer, shared: bool = False) -> Classroom:
    jobs = LocalJobs(
        tmp_path / "runs", max_concurrent_runs=0, torch_threads_per_run=1, warm_worker=False, shared_store=shared
    )
    return Classroom(jobs, viewer)


TEACHER = Viewer("mrs-smith", "c3" * 8, teacher=True, class_mode=True)
STUDENT = Viewer("alice", KEY_A, teacher=False, class_mode=True)


# --- core ---------------------------------------------------------------------------------------------------


def test_results_csv_has_a_row_per_run_and_keeps_a_students_formula_as_text(tmp_path):
    room = _room(tmp_path, TEACHER)
    store = room.store
    plain = _run(store, KEY_A, "alice", label="my best")
    hostile = _run(store, KEY_B, "bob", label='=HYPERLINK("http://x","y")')
    store.update_status(plain, started_at=100.0, ended_at=142.5)
    (store.run_dir(plain) / "model.json").write_text(json.dumps({"metrics": {"test_acc": 0.9712}}))
    data = class_report.results_csv(store, room.runs("mine"))
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(class_report.CSV_COLUMNS)
    by_run = {row["run_id"]: row for row in rows}
    assert by_run[plain]["student"] == "alice" and by_run[plain]["label"] == "my best"
    assert (by_run[plain]["dataset"], by_run[plain]["model"], by_run[plain]["epochs"]) == ("digits", "lenet", "2")
    assert by_run[plain]["test_acc"] == "0.9712" and by_run[plain]["train_seconds"] == "42.5"
    assert by_run[hostile]["label"] == "'" + '=HYPERLINK("http://x","y")'  # text, not a formula


def test_results_csv_tells_apart_two_students_who_share_a_name(tmp_path):
    room = _room(tmp_path, TEACHER)
    first = _run(room.store, KEY_A, "otter-42")
    second = _run(room.store, KEY_B, "otter-42")  # a fresh tab drew the same name, or typed it
    again = _run(room.store, KEY_A, "otter-42")
    rows = list(
        csv.DictReader(io.StringIO(class_report.results_csv(room.store, room.runs("mine")).decode("utf-8-sig")))
    )
    student = {row["run_id"]: row["student"] for row in rows}
    assert student == {first: "otter-42", second: "otter-42 (2)", again: "otter-42"}


def test_stop_all_stops_every_active_run_and_only_the_teacher_may(tmp_path, sleeper):
    room = _room(tmp_path, TEACHER)
    store = room.store
    queued, running, done = _run(store, KEY_A, "alice", "queued"), _run(store, KEY_B, "bob", "running"), None
    _training(store, running, sleeper)
    done = _run(store, KEY_A, "alice")
    with pytest.raises(UserError) as error:
        teacher.stop_all(_room(tmp_path, STUDENT))
    assert error.value.message.key == "teacher.only"
    assert store.read_status(queued).state == "queued"
    assert sorted(teacher.stop_all(room)) == sorted([queued, running])
    assert store.read_status(queued).state == "cancelled"
    assert store.cancel_requested(running)  # its worker stops within a step; the scheduler ends it after grace
    assert store.read_status(done).state == "finished"


def test_delete_ended_keeps_active_runs(tmp_path, sleeper):
    room = _room(tmp_path, TEACHER)
    store = room.store
    ended = [_run(store, KEY_A, "alice"), _run(store, KEY_B, "bob", "cancelled")]
    queued = _run(store, KEY_B, "bob", "queued")
    with pytest.raises(UserError):
        teacher.delete_ended(_room(tmp_path, STUDENT))
    assert sorted(teacher.delete_ended(room)) == sorted(ended)
    assert [r.run_id for r in store.list_runs()] == [queued]


def test_health_counts_the_queue_and_the_workers_memory(tmp_path, sleeper):
    room = _room(tmp_path, TEACHER)
    store = room.store
    _training(store, _run(store, KEY_A, "alice"), sleeper)
    _run(store, KEY_B, "bob", "queued")
    first = class_report.server_health(store, room.runs("mine"), store_mb=1.0)
    assert (first.running, first.queued) == (1, 1)
    assert sleeper.pid in [w.pid for w in first.workers]  # a child of this process, and a running run's worker
    assert first.server is not None and first.server.rss_mb > 10
    assert first.disk_total_mb >= first.disk_free_mb > 0
    busy_until = time.process_time() + 0.1  # CPU time between two readings: /proc counts it in 10 ms ticks
    while time.process_time() < busy_until:
        sum(i * i for i in range(10_000))
    second = class_report.server_health(store, room.runs("mine"), store_mb=1.0)
    cores = class_report.cores_used(first.server, second.server, second.at - first.at)
    assert cores is not None and cores > 0


def test_memory_limit_is_read_from_the_cgroup(tmp_path):
    (tmp_path / "memory.max").write_text("6442450944\n")
    assert class_report.memory_limit_mb(tmp_path) == 6144
    (tmp_path / "memory.max").write_text("max\n")
    assert class_report.memory_limit_mb(tmp_path) is None


# --- the Class page in teacher mode ----------------------------------------------------------------------


@pytest.fixture
def class_mode(monkeypatch, no_warm_worker):
    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", PASSWORD)


def _teacher_page(app):
    at = app(CLASS)
    at.text_input(key="class.password").input(PASSWORD)
    at.button(key="class.unlock").click().run()
    assert not at.exception, at.exception
    return at


def _success(at) -> list[str]:
    return [s.value for s in at.success]


def test_the_class_page_shows_health_and_deletes_ended_runs_once_confirmed(app, class_mode, tmp_path):
    store = RunStore(tmp_path / "runs")
    ended = _run(store, KEY_A, "alice")
    waiting = _run(store, KEY_B, "bob", "queued")
    at = _teacher_page(app)
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["Browser sessions", "App process"]
    assert next(m.help for m in at.metric if m.label.startswith("Training workers")) == t("teacher.workers_help")
    assert any(m.label == "Runs training / queued" and m.value == "0 / 1" for m in at.metric)
    assert at.button(key="class.tools_delete_ended").disabled  # not before the confirmation
    at.checkbox(key="class.tools_confirm_delete").check().run()
    at.button(key="class.tools_delete_ended").click().run()
    assert not at.exception, at.exception
    assert Message("teacher.deleted", {"count": 1}).text("en", markdown=True) in _success(at)
    assert not store.exists(ended) and store.exists(waiting)
    at.checkbox(key="class.tools_confirm_stop").check().run()
    at.button(key="class.tools_stop_all").click().run()
    assert store.read_status(waiting).state == "cancelled"


def test_a_student_sees_no_teacher_tools(app, class_mode):
    at = app(CLASS, key=KEY_A)
    assert not any(b.key == "class.tools_stop_all" for b in at.button)
    assert not at.metric


def test_the_teacher_marks_another_hosts_run_interrupted_in_a_shared_store(app, class_mode, tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDE_SHARED_STORE", "1")
    store = RunStore(tmp_path / "runs")
    _run(store, KEY_A, "alice")
    stuck = _run(store, KEY_B, "alice")  # a second student named alice: named as the run list names her
    store.update_status(stuck, state="running", pid=4242, host="replica-that-died")
    at = _teacher_page(app)
    label = at.selectbox(key="class.tools_unowned").options[0]
    assert stuck in label and "alice (2)" in label
    at.button(key="class.tools_mark").click().run()
    assert not at.exception, at.exception
    assert store.read_status(stuck).state == "interrupted"
    assert not any(s.key == "class.tools_unowned" for s in at.selectbox)  # nothing left to mark
