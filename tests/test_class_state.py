"""The class database: schema migration, documents changed by several processes, the board file moved in.

The contract tests take a ``state`` fixture; a new backend (PostgreSQL) adds its URL to
``BACKEND_URLS`` (skipped where that server is not reachable) and must pass them all.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pg_server import fresh_database

from core import class_state
from core.class_state import (
    LEGACY_BOARD,
    MIGRATIONS,
    SCHEMA_VERSION,
    ClassState,
    backend_for,
    database_url,
    format_placeholders,
    open_class_state,
)
from core.classroom import publish_pin, read_board
from core.runs import RunStore

ROOT = Path(__file__).resolve().parent.parent


def sqlite_url(tmp_path) -> str:
    return database_url(tmp_path)


# A new backend adds a function here that returns the URL of an empty database (pytest.skip where
# its server is not reachable); every test that takes ``url`` or ``state`` then runs against it too.
def postgresql_url(tmp_path) -> str:
    return fresh_database()  # a new database on the session's throwaway server (tests/pg_server.py)


BACKEND_URLS = {"sqlite": sqlite_url, "postgresql": postgresql_url}


@pytest.fixture(params=sorted(BACKEND_URLS))
def url(request, tmp_path) -> str:
    return BACKEND_URLS[request.param](tmp_path)


@pytest.fixture
def state(url):
    opened = ClassState(backend_for(url))
    opened.migrate()
    yield opened
    opened.close()


# --- contract: any backend ------------------------------------------------------------------------------


def test_migration_creates_the_tables_once_and_records_the_version(state):
    assert state.migrate() == SCHEMA_VERSION  # already there: nothing applied again
    with state.transaction() as tx:
        assert tx.rows("SELECT version FROM schema_version") == [(v,) for v, _ in MIGRATIONS]
        assert tx.rows("SELECT COUNT(*) FROM answers") == [(0,)]
        assert tx.rows("SELECT COUNT(*) FROM practice_sets") == [(0,)]


def test_a_document_round_trips_unicode_and_starts_absent(state):
    assert state.read_doc("notes") is None
    data = {"title": "卷积 <b>x</b> 🙂", "n": [1, 2.5, None]}
    assert state.update_doc("notes", lambda old: data) == data
    assert state.read_doc("notes") == data
    assert state.update_doc("notes", lambda old: {**old, "n": 3})["title"] == data["title"]


def test_a_change_that_raises_leaves_the_document_as_it_was(state):
    state.update_doc("notes", lambda old: {"kept": True})

    def broken(old):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        state.update_doc("notes", broken)
    assert state.read_doc("notes") == {"kept": True}
    assert state.update_doc("notes", lambda old: {"again": True}) == {"again": True}  # nothing left locked


def test_a_transaction_that_raises_writes_nothing(state):
    with pytest.raises(ValueError), state.transaction(write=True) as tx:
        tx.change("INSERT INTO class_docs (name, body, version, updated_at) VALUES (?, ?, 1, 0)", ("x", "{}"))
        raise ValueError("stop")
    assert state.read_doc("x") is None


COUNT_UP = """
import sys
from core.class_state import ClassState, backend_for
state = ClassState(backend_for(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    state.update_doc("counter", lambda old: (old or 0) + 1)
"""


def test_processes_changing_one_document_at_once_lose_no_change(url, state):
    workers = [subprocess.Popen([sys.executable, "-c", COUNT_UP, url, "25"], cwd=ROOT) for _ in range(4)]
    assert [w.wait(60) for w in workers] == [0, 0, 0, 0]
    assert state.read_doc("counter") == 100


def test_every_statement_is_portable_sql():
    for _, statements in MIGRATIONS:
        for sql in statements:
            assert format_placeholders(sql) == sql  # no placeholder, no literal %
            for word in ("AUTOINCREMENT", "SERIAL", "INTEGER PRIMARY KEY", "FOR UPDATE", "REAL", "BLOB"):
                assert word not in sql.upper()


# --- SQLite ---------------------------------------------------------------------------------------------


def test_the_default_database_is_one_sqlite_file_in_wal_mode_next_to_the_runs(tmp_path):
    state = open_class_state(tmp_path)
    assert state is open_class_state(tmp_path)  # one per process and database
    path = tmp_path / class_state.DEFAULT_FILE
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT MAX(version) FROM schema_version").fetchone() == (SCHEMA_VERSION,)


def test_placeholders_become_the_format_style_and_a_literal_percent_is_refused():
    assert format_placeholders("SELECT a FROM t WHERE b = ? AND c = ?") == "SELECT a FROM t WHERE b = %s AND c = %s"
    with pytest.raises(ValueError, match="literal %"):
        format_placeholders("SELECT '100%' FROM t")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://db/stride", "names 'mysql', which Stride has no backend"),
        ("sqlite://relative.db", "sqlite:///path"),
        ("sqlite:///", "sqlite:///path"),
    ],
)
def test_a_database_url_without_a_backend_names_the_forms_that_work(url, problem):
    with pytest.raises(ValueError, match=problem):
        backend_for(url)


def test_a_relative_sqlite_url_is_a_file_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state = ClassState(backend_for("sqlite:///sub/class.db"))
    state.migrate()
    state.close()
    assert (tmp_path / "sub" / "class.db").is_file()


# --- the board file from before the database ------------------------------------------------------------


def test_an_old_board_file_moves_into_the_database_once_and_is_kept_renamed(tmp_path):
    legacy = tmp_path / LEGACY_BOARD
    legacy.parent.mkdir(parents=True)
    recipe = {
        "sharing": True,
        "recipes": [],
        "pins": [{"pin_id": "0123456789abcdef", "title": "Old pin", "params": {"size": "3"}}],
    }
    legacy.write_text(json.dumps(recipe))
    board = read_board(RunStore(tmp_path))
    assert board.sharing and [p.title for p in board.pins] == ["Old pin"]
    assert not legacy.exists() and json.loads(legacy.with_name("board.json.migrated").read_text()) == recipe
    publish_pin(RunStore(tmp_path), "New pin", {"size": "5"})
    # a board file written again later (an old app version) is not imported over the database
    legacy.write_text(json.dumps({"sharing": False}))
    state = ClassState(backend_for(database_url(tmp_path)))
    state.migrate(legacy)
    assert [p["title"] for p in state.read_doc("board")["pins"]] == ["Old pin", "New pin"]


def test_a_damaged_old_board_file_starts_an_empty_board(tmp_path):
    legacy = tmp_path / LEGACY_BOARD
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"\x00\xff not json")
    assert read_board(RunStore(tmp_path)).pins == ()
    assert publish_pin(RunStore(tmp_path), "Fresh", {"size": "3"}).pins[0].title == "Fresh"


def test_transactions_from_many_threads_leave_a_few_connections_open_not_one_each(state):
    """Streamlit runs each rerun in a new thread: the connections are pooled, not kept per thread."""
    import threading

    def work(i: int) -> None:
        state.update_doc(f"doc-{i % 3}", lambda old: (old or 0) + 1)

    for i in range(60):
        thread = threading.Thread(target=work, args=(i,))
        thread.start()
        thread.join()
    assert [state.read_doc(f"doc-{i}") for i in range(3)] == [20, 20, 20]
    assert len(state.backend._idle) <= state.backend.MAX_IDLE
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    for i in range(60):
        thread = threading.Thread(target=work, args=(i,))
        thread.start()
        thread.join()
    if fds:
        assert len(os.listdir("/proc/self/fd")) <= fds + 2  # no file left open per thread


def test_the_database_url_setting_is_checked_before_a_server_starts(monkeypatch, tmp_path):
    from core.settings import Settings

    monkeypatch.setenv("STRIDE_DATABASE_URL", "class.db")
    with pytest.raises(ValueError, match="not a database URL"):
        Settings.from_env()
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("STRIDE_DATABASE_URL", url)
    assert Settings.from_env().database_url == url
    publish_pin(RunStore(tmp_path / "runs"), "Kept elsewhere", {"size": "3"})
    assert (tmp_path / "elsewhere.db").is_file() and not (tmp_path / "runs" / class_state.DEFAULT_FILE).exists()


# --- backups, restores and a cleared store under a running app --------------------------------------------


def test_a_database_deleted_under_the_app_is_made_again_and_a_restored_one_is_read(tmp_path):
    """`make reset-class` deletes .class/, `make restore` swaps the folder: the open app follows both."""
    import io

    from core import store_backup

    runs = tmp_path / "runs"
    publish_pin(RunStore(runs), "Before the backup", {"size": "3"})
    state = open_class_state(runs)
    state.update_doc("notes", lambda old: {"answers": 3})
    backup = io.BytesIO()
    store_backup.create(runs, backup)
    names = __import__("tarfile").open(fileobj=io.BytesIO(backup.getvalue())).getnames()
    assert ".class/class.sqlite3" in names and not [n for n in names if n.endswith(("-wal", "-shm"))]

    store_backup.clear(runs)  # another process, between two classes
    assert read_board(RunStore(runs)).pins == ()  # a fresh, migrated database
    assert state.read_doc("notes") is None
    publish_pin(RunStore(runs), "New class", {"size": "5"})

    RunStore(runs).create_run({"dataset": "digits"}, owner="x", state="finished")  # a backup holds a run
    backup_with_run = io.BytesIO()
    state.update_doc("notes", lambda old: {"answers": 3})
    store_backup.create(runs, backup_with_run)
    store_backup.clear(runs)
    assert state.read_doc("notes") is None
    store_backup.restore(runs, io.BytesIO(backup_with_run.getvalue()), replace=True)
    assert state.read_doc("notes") == {"answers": 3}  # the restored file is read, not the deleted one
    assert [p.title for p in read_board(RunStore(runs)).pins] == ["New class"]
