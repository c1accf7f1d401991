"""A throwaway PostgreSQL server for the class-state tests, from the Debian ``postgresql`` binaries.

Started on first use (``fresh_database``), once per test session, on a Unix socket in a temporary
folder (no TCP port), with trust authentication; stopped and deleted when the session ends. Each
call returns the URL of a new, empty database on it. Where the binaries are absent the caller is
skipped with the command that installs them (``.ci/run`` does on a fresh machine).
"""

from __future__ import annotations

import atexit
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SEARCH = os.environ.get("STRIDE_PG_BIN") or "/usr/lib/postgresql/*/bin"
_server: dict = {}


def _binaries() -> Path | None:
    found = sorted(Path(p) for p in glob.glob(SEARCH) if (Path(p) / "initdb").is_file())
    return found[-1] if found else None  # the newest version installed


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: there, run it as the ``postgres`` user the package made."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str]) -> None:
    subprocess.run(_as_server_user(argv), check=True, capture_output=True, timeout=120)


def _start() -> dict:
    binaries = _binaries()
    if binaries is None:
        pytest.skip(f"no PostgreSQL binaries in {SEARCH}: apt-get install postgresql (.ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="stride-pg-"))  # the data, the socket and the log
    data = folder / "data"
    data.mkdir()
    if os.geteuid() == 0:
        for path in (folder, data):
            shutil.chown(path, "postgres")
    _run([str(binaries / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--no-sync"])
    port = 5400 + secrets.randbelow(500)  # only names the socket file: no TCP port is opened
    options = f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off -c max_connections=60 -c shared_buffers=16MB"
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"])
    server = {"folder": folder, "port": port, "binaries": binaries, "data": data}
    atexit.register(_stop, server)
    return server


def _stop(server: dict) -> None:
    pg_ctl = [str(server["binaries"] / "pg_ctl"), "-D", str(server["data"]), "-m", "immediate", "stop"]
    subprocess.run(_as_server_user(pg_ctl), capture_output=True, timeout=60)
    shutil.rmtree(server["folder"], ignore_errors=True)


def server_url(database: str) -> str:
    if not _server:
        _server.update(_start())
    server = _server
    return f"postgresql://postgres@/{database}?host={server['folder']}&port={server['port']}"


def fresh_database() -> str:
    """Return the URL of a new empty database on the session's throwaway server (started on first use)."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server_url(name)
