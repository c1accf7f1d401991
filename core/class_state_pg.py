"""The class state in PostgreSQL: :class:`PostgresBackend`, for ``STRIDE_DATABASE_URL=postgresql://...``.

Several app replicas share the class (board, exercise answers, practice sets) through one
PostgreSQL database instead of a SQLite file on one host. It keeps the promises of
:class:`core.class_state.SqliteBackend`, so the same portable SQL gives the same results:

- writers take turns: every writing (and every exclusive) transaction first takes one
  transaction-scoped advisory lock (``pg_advisory_xact_lock``), as SQLite's ``BEGIN IMMEDIATE``
  does, so "count, then insert if under the cap" (:mod:`core.practice`) holds across replicas;
  readers never wait (MVCC).
- connections are pooled (at most ``MAX_IDLE`` idle), not kept per thread: Streamlit reruns in new
  threads.
- ``?`` placeholders become psycopg's ``%s`` (:func:`core.class_state.format_placeholders`).

psycopg (pinned in requirements-ray.txt and requirements-dev.txt) is imported only when a
PostgreSQL URL is configured.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from core.class_state import BUSY_TIMEOUT_S, ConnectionPool, Tx, format_placeholders

WRITE_LOCK = 0x5374726964  # "Strid": the advisory lock key every writing transaction takes
CONNECT_TIMEOUT_S = 10


class _PostgresTx:
    def __init__(self, connection: psycopg.Connection):
        self._cursor = connection.cursor()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self._cursor.execute(format_placeholders(sql), tuple(params))
        return self._cursor.fetchall()

    def change(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(format_placeholders(sql), tuple(params))
        return self._cursor.rowcount


class PostgresBackend(ConnectionPool):
    """A pool of connections to one PostgreSQL database; writing transactions serialised by an advisory lock."""

    dialect = "postgresql"

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        with self.transaction():  # a wrong URL, password or host fails here, at start, with psycopg's reason
            pass

    def _borrow(self) -> psycopg.Connection:
        while (idle := self._take_idle()) is not None:
            if not idle.closed:
                return idle
        return psycopg.connect(
            self.url,
            autocommit=True,  # transaction() below says where each transaction begins and ends
            connect_timeout=CONNECT_TIMEOUT_S,
            # a writer waits this long for another writer's lock before giving up (SQLite's busy timeout)
            options=f"-c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}",
        )

    @contextlib.contextmanager
    def transaction(self, write: bool = False, exclusive: bool = False) -> Iterator[Tx]:
        connection = self._borrow()
        try:
            with connection.transaction():  # commits on leaving, rolls back on an exception
                tx = _PostgresTx(connection)
                if write or exclusive:
                    tx.rows("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                yield tx
        except BaseException:
            connection.close()  # in an unknown state (or the server went away): not reused
            raise
        self._give_back(connection)

    def replaced(self) -> bool:
        """Always False: a database server is not swapped under the app the way a file is (a restore goes through it)."""
        return False


def connect(url: str) -> PostgresBackend:
    """Return the PostgreSQL backend for ``postgresql://user:password@host:port/database`` (or ``postgres://``)."""
    return PostgresBackend(url)
