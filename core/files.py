"""Writing files so that a crash or a second process never leaves them half-written or half-changed.

The run store (:mod:`core.runs`) is built on these: whole files replaced atomically, and ``flock``
around read-modify-write sequences.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def tree_bytes(path: Path) -> int:
    """Return the bytes of the files under ``path``; files vanishing meanwhile count as 0."""
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json.dumps(data, indent=1, sort_keys=True).encode())


@contextlib.contextmanager
def flocked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the file ``path`` (created if missing) while inside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class JsonLines:
    """Appends JSON objects to a log file, one flushed line each (use as a context manager).

    A writer killed mid-line leaves a last line without its newline; appending after it would glue
    the next object onto the fragment, so the fragment is cut off first.
    """

    def __init__(self, path: Path):
        self._file = open(path, "ab+")  # noqa: SIM115 (closed by close() / the context manager)
        size = self._file.seek(0, os.SEEK_END)
        if size:
            self._file.seek(size - 1)
            if self._file.read(1) != b"\n":
                self._file.seek(0)
                self._file.truncate(self._file.read().rfind(b"\n") + 1)

    def write(self, obj: Any) -> None:
        self._file.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
        self._file.flush()  # readers read the file while it is written

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> JsonLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_json_lines(path: Path, since_line: int = 0) -> tuple[list[tuple[int, Any]], int]:
    """Return ``(line number, object)`` for each complete line from ``since_line`` on, and the next line to read.

    A half-written last line is left for the next read, so calling again with the returned number
    gives exactly what was written since; a line that is not JSON comes back as ``None``.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    lines = data.split(b"\n")[:-1]  # the piece after the last newline is unfinished
    found = []
    for number, line in enumerate(lines[since_line:], start=since_line):
        try:
            found.append((number, json.loads(line)))
        except ValueError:
            found.append((number, None))
    return found, len(lines)
