"""The class's small shared state in a database: the teacher's board, exercise answers, practice sets, run index.

Run artifacts (metrics, checkpoints) stay files in the run store; what a class shares and what
grows with every click lives here (with ``STRIDE_DATABASE_URL`` set, the run index too:
:mod:`core.run_index`), behind one small interface:

``ClassState``   what the rest of Stride holds: schema migration, JSON documents changed without
                 losing a concurrent change (the board), and ``transaction()`` for the modules that
                 keep their own tables (:mod:`core.answers`).
``Backend``      how to reach one kind of database. ``SqliteBackend`` (standard library, WAL mode,
                 one file) is the embedded default: ``<runs dir>/.class/class.sqlite3``, next to the
                 runs, so every app process on the host shares it.

Where it lives: ``STRIDE_DATABASE_URL`` (``core.settings``) when set, else that SQLite file.
``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` name another SQLite file.

How another backend (PostgreSQL) plugs in
-----------------------------------------
1. Write a class with the ``Backend`` protocol below: ``dialect`` (a name), ``transaction(write,
   exclusive)`` yielding a ``Tx`` (``rows(sql, params)`` and ``change(sql, params)``), and ``close()``.
   ``exclusive=True`` must serialise with every other exclusive transaction of every process (on
   PostgreSQL: ``SELECT pg_advisory_xact_lock(...)`` first); it guards migrations. A ``write=True``
   transaction may read before it writes (a student's tries are counted, then one is added):
   SQLite's ``BEGIN IMMEDIATE`` runs writers one at a time; a backend whose writers overlap runs
   them at SERIALIZABLE and retries a serialization failure, or accepts that two tries of one
   student in the same instant may share an attempt number (no answer is lost either way).
   When the database cannot be reached (gone, locked past the timeout, disk full) it raises
   :class:`StateUnavailable`, which the pages report instead of failing.
2. The SQL in Stride uses qmark placeholders (``?``) only, never a literal ``?`` or ``%``: a driver
   with the format style (psycopg: ``%s``) passes each statement through :func:`format_placeholders`.
3. Give the module a ``connect(url: str) -> Backend`` function and name it in ``BACKENDS`` under
   its URL scheme (e.g. ``"postgresql": "core.class_state_pg"``).
4. Run ``tests/test_class_state.py`` against it: its contract tests take the backend as a fixture.

Portable SQL, the rules every statement here follows: types TEXT, BIGINT and DOUBLE PRECISION
only (booleans as 0/1); ids made by the app (random hex), no AUTOINCREMENT or SERIAL; upserts as
``INSERT ... ON CONFLICT (...) DO ...`` (SQLite 3.24+, PostgreSQL 9.5+); no ``FOR UPDATE``:
read-modify-write goes through a version column (:meth:`ClassState.update_doc`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

DEFAULT_FILE = ".class/class.sqlite3"  # under the runs directory
LEGACY_BOARD = ".class/board.json"  # the board before this module: a JSON file under a flock
BACKENDS = {"sqlite": "core.class_state", "postgresql": "core.class_state_pg"}  # URL scheme -> module with connect(url)
BUSY_TIMEOUT_S = 30.0  # a writer waits this long for another writer before giving up
MAX_DOC_RETRIES = 50  # update_doc attempts before a concurrent writer is reported

# (version, statements): applied in order, each version once, in one exclusive transaction.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE TABLE IF NOT EXISTS class_docs ("
            " name TEXT PRIMARY KEY, body TEXT NOT NULL, version BIGINT NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE IF NOT EXISTS answers ("
            " answer_id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT NOT NULL, set_id TEXT NOT NULL,"
            " kind TEXT NOT NULL, question TEXT NOT NULL, typed TEXT NOT NULL, understood TEXT NOT NULL,"
            " mistake TEXT NOT NULL, correct BIGINT NOT NULL, attempt BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL)",
            "CREATE INDEX IF NOT EXISTS answers_by_owner ON answers (owner_id, set_id)",
            "CREATE INDEX IF NOT EXISTS answers_by_kind ON answers (kind, correct)",
            "CREATE TABLE IF NOT EXISTS practice_sets ("
            " owner_id TEXT NOT NULL, set_id TEXT NOT NULL, body TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,"
            " PRIMARY KEY (owner_id, set_id))",
        ),
    ),
    (  # the run index (core.run_index): which runs exist and each one's status, as JSON
        2,
        (
            "CREATE TABLE IF NOT EXISTS runs ("
            " run_id TEXT PRIMARY KEY, owner_id TEXT, owner TEXT, client TEXT, label TEXT,"
            " created_at DOUBLE PRECISION NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,"
            " updated_at DOUBLE PRECISION NOT NULL, cancel_at DOUBLE PRECISION)",
            "CREATE INDEX IF NOT EXISTS runs_by_owner ON runs (owner_id)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StateUnavailable(Exception):
    """The class database could not be used just now; the message says why (for the server's log)."""


class Tx(Protocol):
    """One transaction's statements: ``?`` placeholders, parameters as a sequence."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    def change(self, sql: str, params: Sequence[Any] = ()) -> int: ...  # rows changed


class Backend(Protocol):
    dialect: str

    def replaced(self) -> bool: ...  # the database was swapped under the app (a server's: always False)

    def transaction(self, write: bool = False, exclusive: bool = False) -> contextlib.AbstractContextManager[Tx]: ...

    def close(self) -> None: ...


def format_placeholders(sql: str) -> str:
    """Return ``sql`` with its ``?`` placeholders in the format style (``%s``) that psycopg reads."""
    if "%" in sql:
        raise ValueError("portable SQL has no literal %: pass the value as a parameter")
    return sql.replace("?", "%s")


# --- SQLite: the embedded default ---------------------------------------------------------------------


class _SqliteTx:
    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._connection.execute(sql, tuple(params)).fetchall()

    def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql, tuple(params)).rowcount


class ConnectionPool:
    """Idle connections kept for the next transaction, shared by the backends (at most ``MAX_IDLE`` wait).

    A backend opens a connection when none is idle; a connection in an unknown state is closed, not
    given back. ``close()`` closes the idle ones (a borrowed one is given back or closed by its user).
    """

    MAX_IDLE = 8

    def __init__(self) -> None:
        self._idle: list = []
        self._lock = threading.Lock()

    def _take_idle(self):
        """Return an idle connection, or None when there is none."""
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, connection) -> None:
        with self._lock:
            if len(self._idle) < self.MAX_IDLE:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):  # closing a broken connection may raise; it is gone anyway
                connection.close()


class SqliteBackend(ConnectionPool):
    """One SQLite file in WAL mode: readers never wait for the writer; writers take turns.

    Connections are pooled, not kept per thread: Streamlit runs every rerun in a new thread, and a
    connection per thread would leave one open file behind per rerun. A transaction borrows an idle
    connection (or opens one) and gives it back; at most ``MAX_IDLE`` wait. Every writing
    transaction starts with ``BEGIN IMMEDIATE``, so two writers queue (``BUSY_TIMEOUT_S``) instead
    of one failing when it upgrades a read lock.
    """

    dialect = "sqlite"

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.transaction(write=True):  # creates the file, in WAL mode from the start
            pass
        self._file = self._file_id()

    def _file_id(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def replaced(self) -> bool:
        """Whether the file was deleted or replaced since it was opened (``make reset-class``, a restore).

        Then the pooled connections, which still point at the old file, are closed: the next
        transaction opens the file now at the path (a new, empty one when it was deleted).
        """
        now = self._file_id()
        if now == self._file:
            return False
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a cleared store has no .class/ folder
        with self.transaction(write=True):
            pass
        self._file = self._file_id()
        return True

    def _borrow(self) -> sqlite3.Connection:
        if (idle := self._take_idle()) is not None:
            return idle
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives an app crash
        return connection

    @contextlib.contextmanager
    def transaction(self, write: bool = False, exclusive: bool = False) -> Iterator[Tx]:
        try:
            connection = self._borrow()
        except sqlite3.Error as exc:
            raise StateUnavailable(f"{self.path}: {exc}") from exc
        try:
            connection.execute("BEGIN IMMEDIATE" if write or exclusive else "BEGIN")
            try:
                yield _SqliteTx(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # locked past the timeout, disk full, file gone
            connection.close()
            raise StateUnavailable(f"{self.path}: {exc}") from exc
        except BaseException:
            connection.close()  # in an unknown state: not reused
            raise
        self._give_back(connection)


def connect(url: str) -> SqliteBackend:
    """Return the SQLite backend for ``sqlite:///path`` (relative) or ``sqlite:////path`` (absolute)."""
    if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
        raise ValueError(f"a SQLite URL reads sqlite:///path/to/file.db, not {url!r}")
    return SqliteBackend(Path(url[len("sqlite:///") :]))


def backend_for(url: str) -> Backend:
    """Return the backend that ``url``'s scheme names (see BACKENDS)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme == "postgres":
        scheme = "postgresql"
    if scheme not in BACKENDS:
        known = ", ".join(f"{name}://" for name in BACKENDS)
        raise ValueError(f"STRIDE_DATABASE_URL names {scheme!r}, which Stride has no backend for; use {known}")
    return importlib.import_module(BACKENDS[scheme]).connect(url)


# --- the class state ------------------------------------------------------------------------------------


class ClassState:
    """The class's shared state in one database: migrated on open, safe to share between threads."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._legacy_board: Path | None = None

    def transaction(self, write: bool = False) -> contextlib.AbstractContextManager[Tx]:
        if self.backend.replaced():  # cleared or restored under a running app: migrate the new one
            self.migrate(self._legacy_board)
        return self.backend.transaction(write=write)

    def migrate(self, legacy_board: Path | None = None) -> int:
        """Bring the schema to SCHEMA_VERSION and import a board file once; return the version found."""
        self._legacy_board = legacy_board
        with self.backend.transaction(exclusive=True) as tx:
            tx.change("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            found = (tx.rows("SELECT MAX(version) FROM schema_version")[0][0]) or 0
            for version, statements in MIGRATIONS:
                if version > found:
                    for sql in statements:
                        tx.change(sql)
                    tx.change("INSERT INTO schema_version (version) VALUES (?)", (version,))
            if legacy_board is not None:
                _import_board(tx, legacy_board)
        return found

    # --- JSON documents: small state read and replaced whole (the board) -------------------------

    def read_doc(self, name: str) -> Any:
        """Return the JSON document ``name``; None when there is none (or it is damaged)."""
        with self.transaction() as tx:
            found = tx.rows("SELECT body FROM class_docs WHERE name = ?", (name,))
        return _loads(found[0][0]) if found else None

    def update_doc(self, name: str, change: Callable[[Any], Any]) -> Any:
        """Replace document ``name`` by ``change(its JSON or None)``; return the new JSON.

        Two processes changing it at once both get their change in: a write only lands on the
        version it read (``WHERE version = ?``), and the loser reads again and re-applies.
        """
        for _ in range(MAX_DOC_RETRIES):
            with self.transaction(write=True) as tx:
                found = tx.rows("SELECT body, version FROM class_docs WHERE name = ?", (name,))
                data = change(_loads(found[0][0]) if found else None)
                body, now = json.dumps(data, ensure_ascii=False), time.time()
                if found:
                    sql = "UPDATE class_docs SET body = ?, version = ?, updated_at = ? WHERE name = ? AND version = ?"
                    landed = tx.change(sql, (body, found[0][1] + 1, now, name, found[0][1]))
                else:
                    sql = "INSERT INTO class_docs (name, body, version, updated_at) VALUES (?, ?, 1, ?) ON CONFLICT (name) DO NOTHING"
                    landed = tx.change(sql, (name, body, now))
            if landed == 1:
                return data
        raise RuntimeError(f"document {name!r} kept changing under {MAX_DOC_RETRIES} attempts")

    def close(self) -> None:
        self.backend.close()


def _loads(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _import_board(tx: Tx, path: Path) -> None:
    """Copy a board file written before the database into it, once; the file is kept, renamed."""
    if not path.is_file() or tx.rows("SELECT name FROM class_docs WHERE name = 'board'"):
        return
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        logger.warning("the old board file %s is unreadable (%s); starting with an empty board", path, exc)
        data = None
    if isinstance(data, dict):
        body = json.dumps(data, ensure_ascii=False)
        tx.change(
            "INSERT INTO class_docs (name, body, version, updated_at) VALUES ('board', ?, 1, ?)", (body, time.time())
        )
    with contextlib.suppress(OSError):
        os.replace(path, path.with_name(path.name + ".migrated"))  # kept for a look, never read again
    logger.info("moved the class board from %s into the class database", path)


def snapshot_sqlite(source: Path, target: Path) -> None:
    """Write a consistent copy of the SQLite database ``source`` (its WAL folded in) to ``target``.

    What a backup holds instead of the file itself: a copy of a file in WAL mode taken while the app
    writes could miss the commits still in the ``-wal`` file, or catch one half-written.
    """
    live, copy = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S), sqlite3.connect(target)
    with contextlib.closing(live), contextlib.closing(copy):
        live.backup(copy)


# --- one ClassState per database and process ----------------------------------------------------------

_OPEN: dict[str, ClassState] = {}
_OPEN_LOCK = threading.Lock()


def database_url(runs_dir: Path, configured: str | None = None) -> str:
    """Return the database a server uses: ``configured`` (STRIDE_DATABASE_URL) or SQLite by the runs."""
    return configured or f"sqlite:///{(Path(runs_dir) / DEFAULT_FILE).absolute()}"


def open_class_state(runs_dir: Path, configured: str | None = None) -> ClassState:
    """Return this process's ClassState for the class whose runs are in ``runs_dir``, migrated.

    The first open in a process migrates the schema and imports ``<runs_dir>/.class/board.json``.
    """
    url = database_url(runs_dir, configured)
    with _OPEN_LOCK:
        state = _OPEN.get(url)
        if state is None:
            state = ClassState(backend_for(url))
            state.migrate(Path(runs_dir) / LEGACY_BOARD)
            _OPEN[url] = state
        return state


def close_all() -> None:
    """Close every database this process opened (tests; a server keeps them for its life)."""
    with _OPEN_LOCK:
        for state in _OPEN.values():
            state.close()
        _OPEN.clear()
