"""The run store's records (which runs exist, their statuses) in files and in the class database's run index.

The contract tests take a ``store`` made by :func:`core.run_index.run_store`: files (no database URL),
the index in SQLite, and the index in PostgreSQL (a throwaway server, tests/pg_server.py; skipped only
where its binaries are absent). Every one must keep the same promises.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from conftest import refused
from pg_server import fresh_database

from core import class_state, run_records, store_backup
from core.files import atomic_write_json
from core.i18n import Message
from core.run_index import run_store
from core.run_records import CANCEL_FILE, CONFIG_FILE, STATUS_FILE
from core.run_status import RunStatus
from core.runs import RunStore

ROOT = Path(__file__).resolve().parent.parent
WHERE = {
    "files": lambda tmp_path: None,
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'class.db'}",
    "postgresql": lambda tmp_path: fresh_database(),
}


@pytest.fixture(params=sorted(WHERE))
def url(request, tmp_path):
    yield WHERE[request.param](tmp_path)
    class_state.close_all()


@pytest.fixture
def store(url, tmp_path) -> RunStore:
    return run_store(tmp_path / "runs", url)


indexed = pytest.mark.parametrize("url", ["sqlite", "postgresql"], indirect=True)


# --- contract: files, SQLite, PostgreSQL ---------------------------------------------------------------


def test_a_created_run_reads_back_whole_and_its_folder_holds_its_files(store):
    info = store.create_run({"epochs": 3, "note": "卷积"}, owner="ada", owner_id="a" * 32, files={"data.bin": b"xy"},
                            client="m-1")  # fmt: skip
    read = store.read_run(info.run_id)
    assert (read.owner, read.owner_id, read.client, read.label) == ("ada", "a" * 32, "m-1", None)
    assert read.config == {"epochs": 3, "note": "卷积"} and read.created_at == info.created_at
    assert read.status.state == "queued" and read.status.queued_at == info.created_at
    assert store.exists(info.run_id) and read.path == store.run_dir(info.run_id)
    assert (read.path / "data.bin").read_bytes() == b"xy"
    kept_in_files = store.index is None
    assert (read.path / STATUS_FILE).is_file() == kept_in_files and (read.path / CONFIG_FILE).is_file() == kept_in_files
    refused(lambda: store.read_run("20990101-000000-deadbeef"), "runs.not_found")
    assert not store.exists("20990101-000000-deadbeef")


def test_the_list_is_every_run_newest_first_and_nothing_else(store):
    made = [store.create_run({"n": i}, owner=f"s{i}").run_id for i in range(4)]
    (store.root / "not-a-run").mkdir()
    assert [r.run_id for r in store.list_runs()] == made[::-1]
    assert [r.config["n"] for r in store.list_runs()] == [3, 2, 1, 0]


def test_a_label_is_cleaned_stored_and_cleared(store):
    run_id = store.create_run({}).run_id
    assert store.set_label(run_id, "  Fast   and small  ") == "Fast and small"
    assert store.read_run(run_id).label == "Fast and small"
    assert store.list_runs()[0].label == "Fast and small"
    assert store.set_label(run_id, "   ") == "" and store.read_run(run_id).label is None
    refused(lambda: store.set_label("20990101-000000-deadbeef", "x"), "runs.not_found")


def test_a_file_listing_reads_each_file_once_until_it_changes_and_forgets_deleted_runs(tmp_path, monkeypatch):
    store = RunStore(tmp_path / "runs")
    made = [store.create_run({"n": i}, state="finished").run_id for i in range(3)]
    store.list_runs()
    parsed = []
    monkeypatch.setattr(run_records.json, "load", lambda file: parsed.append(file.name) or json.loads(file.read()))
    assert [r.config["n"] for r in store.list_runs()] == [2, 1, 0]
    assert parsed == []  # configs and statuses came from memory
    config = store.run_dir(made[0]) / CONFIG_FILE
    atomic_write_json(config, {**json.loads(config.read_text()), "config": {"n": 7}})  # same size, a new file
    store.update_status(made[1], state="failed")
    parsed.clear()
    assert [(r.config["n"], r.status.state) for r in store.list_runs()] == [
        (2, "finished"),
        (1, "failed"),
        (7, "finished"),
    ]
    read = {str(Path(name).relative_to(store.root)) for name in parsed}
    assert len(parsed) == 2 and read == {f"{made[0]}/{CONFIG_FILE}", f"{made[1]}/{STATUS_FILE}"}  # what changed
    store.delete_run(made[0])
    assert [r.run_id for r in store.list_runs()] == made[:0:-1]
    assert not [path for path in [*run_records._CONFIGS, *run_records._STATUSES] if made[0] in path]


def test_status_changes_keep_the_other_fields_and_the_reason(store):
    run_id = store.create_run({}).run_id
    running = store.mark_running(run_id, pid=4242)
    assert (running.state, running.pid, running.host) == ("running", 4242, store.host)
    reason = Message("train.loss_not_finite", {"what": "NaN", "step": 3, "suggested_lr": 0.01})
    failed = store.update_status(run_id, state="failed", reason=reason, ended_at=running.started_at + 5)
    assert store.read_status(run_id) == failed and failed.pid == 4242 and failed.seconds == 5
    assert store.read_run(run_id).status.reason == reason
    written = store.write_status(run_id, RunStatus("interrupted", created_at=1.0))
    assert store.read_status(run_id) == written and written.pid is None and written.updated_at is not None
    refused(lambda: store.update_status("20990101-000000-deadbeef", state="failed"), "runs.not_found")


def test_delete_refuses_an_active_run_and_removes_an_ended_one_with_its_folder(store):
    run_id = store.create_run({}, state="queued").run_id
    refused(lambda: store.delete_run(run_id), "runs.delete_active")
    store.mark_running(run_id, pid=1)
    refused(lambda: store.delete_run(run_id), "runs.delete_active")
    assert store.exists(run_id) and store.run_dir(run_id).is_dir()
    store.update_status(run_id, state="finished")
    store.delete_run(run_id)
    assert not store.exists(run_id) and not store.run_dir(run_id).exists() and store.list_runs() == []
    refused(lambda: store.read_status(run_id), "runs.not_found")


def test_pruning_deletes_ended_runs_and_their_records(store):
    ended, running = store.create_run({}, state="finished").run_id, store.create_run({}, state="running").run_id
    (store.run_dir(ended) / "ballast.bin").write_bytes(b"\0" * 5000)
    assert [p["run_id"] for p in store.prune(quota_bytes=100)] == [ended]
    assert [r.run_id for r in store.list_runs()] == [running] and not store.run_dir(ended).exists()


def test_a_stop_request_is_seen_by_every_store_of_the_class_and_cleared_on_resume(store, url):
    run_id = store.create_run({}, state="running").run_id
    assert not store.cancel_requested(run_id) and store.cancel_requested_at(run_id) is None
    before = time.time()
    store.request_cancel(run_id)
    again = run_store(store.root, url)  # another replica's store, or the worker's
    assert again.cancel_requested(run_id) and before - 1 <= again.cancel_requested_at(run_id) <= time.time() + 1
    assert (store.run_dir(run_id) / CANCEL_FILE).exists() == (store.index is None)
    again.clear_cancel_request(run_id)
    assert not store.cancel_requested(run_id)
    refused(lambda: store.request_cancel("20990101-000000-deadbeef"), "runs.not_found")
    assert store.cancel_requested_at("20990101-000000-deadbeef") is None


def test_two_threads_changing_one_status_at_once_both_keep_their_changes(store):
    """Each thread sets its own field; a lost update shows as the other field going back."""
    run_id = store.create_run({}).run_id
    rounds, done = 60, {"pid": -1, "queued_at": -1}
    problems: list[str] = []
    start = threading.Barrier(2)

    def writer(mine: str, theirs: str) -> None:
        start.wait()
        for i in range(rounds):
            seen = done[theirs]  # the other thread's change that had landed before this one began
            status = store.update_status(run_id, **{mine: i})
            if (getattr(status, theirs) if getattr(status, theirs) is not None else -1) < seen:
                problems.append(f"{theirs} went back from {seen} to {getattr(status, theirs)}")
            done[mine] = i

    threads = [threading.Thread(target=writer, args=pair) for pair in (("pid", "queued_at"), ("queued_at", "pid"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    final = store.read_status(run_id)
    assert problems == [] and (final.pid, final.queued_at) == (rounds - 1, rounds - 1)


# --- the index: one truth for every process ------------------------------------------------------------

CHANGE_ELSEWHERE = """
import sys
from core.run_index import run_store
store = run_store(sys.argv[1], sys.argv[2])
store.update_status(sys.argv[3], state="finished", pid=99)
store.set_label(sys.argv[3], "from another process")
print(store.create_run({"made": "elsewhere"}, owner="replica-2").run_id)
"""


@indexed
def test_another_process_sees_and_changes_the_same_runs_through_the_database(store, url):
    run_id = store.create_run({"made": "here"}, owner="replica-1").run_id
    argv = [sys.executable, "-c", CHANGE_ELSEWHERE, str(store.root), url, run_id]
    other = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert (store.read_status(run_id).state, store.read_status(run_id).pid) == ("finished", 99)
    assert store.read_run(run_id).label == "from another process"
    assert [(r.run_id, r.owner) for r in store.list_runs()] == [(other, "replica-2"), (run_id, "replica-1")]
    assert not list(store.root.glob(f"*/{STATUS_FILE}"))  # no status file in any run's folder


@indexed
def test_runs_kept_as_files_move_into_the_index_when_it_is_first_opened(url, tmp_path):
    files = RunStore(tmp_path / "runs")
    old = files.create_run({"n": 1}, owner="before", owner_id="b" * 32, state="finished")
    files.set_label(old.run_id, "from the files")
    files.request_cancel(old.run_id)
    asked_at = files.cancel_requested_at(old.run_id)
    (tmp_path / "runs" / "20200101-000000-0000dead").mkdir()
    (tmp_path / "runs" / "20200101-000000-0000dead" / CONFIG_FILE).write_text("not json")  # damaged: left alone
    store = run_store(tmp_path / "runs", url)
    [moved] = store.list_runs()
    assert (moved.run_id, moved.owner, moved.owner_id, moved.label) == (
        old.run_id,
        "before",
        "b" * 32,
        "from the files",
    )
    assert moved.status.state == "finished" and moved.created_at == old.created_at
    assert store.cancel_requested_at(old.run_id) == asked_at  # a stop asked for before the move still counts
    assert not any((old.path / name).exists() for name in (CONFIG_FILE, STATUS_FILE, CANCEL_FILE))
    assert (tmp_path / "runs" / "20200101-000000-0000dead" / CONFIG_FILE).exists()


@indexed
def test_a_backup_holds_the_index_and_a_restore_puts_back_exactly_its_runs(store, url, tmp_path):
    finished = store.create_run({"n": 1}, owner="alice", owner_id="a" * 32, state="finished").run_id
    store.set_label(finished, "my best")
    (store.run_dir(finished) / "metrics.jsonl").write_text('{"kind": "x"}\n')
    training = store.create_run({"n": 2}, owner="bob", state="running").run_id
    store.request_cancel(training)
    asked_at = store.cancel_requested_at(training)
    out = io.BytesIO()
    store_backup.create(store.root, out, url)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        names = set(tar.getnames())
    assert {f"{r}/{f}" for r in (finished, training) for f in (CONFIG_FILE, STATUS_FILE)} <= names
    assert f"{finished}/metrics.jsonl" in names

    later = store.create_run({"n": 3}, state="finished").run_id  # made after the backup: gone after the restore
    with pytest.raises(ValueError, match="already holds runs"):
        store_backup.restore(store.root, io.BytesIO(out.getvalue()), database_url=url)
    store.update_status(training, state="cancelled")
    assert store_backup.clear(store.root, url) == 3 and store.list_runs() == []
    store.create_run({"n": 4}, state="finished")  # the next class began, then the backup is restored over it
    assert store_backup.restore(store.root, io.BytesIO(out.getvalue()), replace=True, database_url=url) == 2
    assert [(r.run_id, r.label, r.status.state) for r in store.list_runs()] == [
        (training, None, "running"),
        (finished, "my best", "finished"),
    ]
    assert not store.exists(later) and store.read_run(finished).owner_id == "a" * 32
    assert store.cancel_requested_at(training) == pytest.approx(asked_at) and not store.cancel_requested(finished)
    assert (store.run_dir(finished) / "metrics.jsonl").read_text() == '{"kind": "x"}\n'
    assert not [p for name in (STATUS_FILE, CONFIG_FILE, CANCEL_FILE) for p in store.root.glob(f"*/{name}")]
    files_only = tmp_path / "without-index"  # the same backup, into a store that keeps files
    assert store_backup.restore(files_only, io.BytesIO(out.getvalue())) == 2
    assert RunStore(files_only).read_run(finished).label == "my best" and RunStore(files_only).cancel_requested(
        training
    )


def test_listings_share_each_unchanged_run_and_a_changed_one_is_new(tmp_path):
    # every session's page holds its last listing: unchanged runs are one object for all of them
    store = RunStore(tmp_path / "runs")
    made = [store.create_run({"n": i}, state="finished").run_id for i in range(3)]
    first, second = store.list_runs(), store.list_runs()
    assert first == second and all(a is b for a, b in zip(first, second, strict=True))
    store.set_label(made[1], "renamed")
    third = {r.run_id: r for r in store.list_runs()}
    assert third[made[1]].label == "renamed" and third[made[1]] is not second[1]
    assert third[made[0]] is second[2] and third[made[2]] is second[0]
    store.delete_run(made[0])
    store.list_runs()
    assert not [path for path in run_records._LISTED if made[0] in path]
