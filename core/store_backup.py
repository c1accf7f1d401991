"""Back up, restore and clear the run store: ``python -m core.store_backup create|restore|clear``.

A backup is a gzipped tar of the store's folder (``STRIDE_RUNS_DIR``): every run, the quota log and
the class's shared files (``.class/``, the class database as a consistent snapshot), without lock
files and half-built runs. Files in the store
are replaced atomically, so a backup taken while the class works holds each file whole, old or new;
a run that was training appears "running" in it, and the server that restores it marks it
interrupted at start (core.reconcile), resumable from the checkpoint in the backup.

Restoring unpacks with tarfile's "data" filter (no absolute paths, no ``..``, no links out of the
folder, no devices; a leading "/" is dropped) into an empty store, or with ``--replace`` over the present
one, which is removed first; an archive holding anything but runs and the store's hidden files is refused. ``clear`` empties the store between two classes and refuses while a run is active.
The make targets ``backup``, ``restore`` and ``reset-class`` run these inside the container.

With ``STRIDE_DATABASE_URL`` set, the runs' records (who, config, label, status, a stop request) are
rows of the run index (:mod:`core.run_index`), not files: a backup writes each as the run's
``config.json``, ``status.json`` and ``cancel``, as a store without the index keeps them, and a restore (or ``clear``) replaces the
index's rows with the backup's. A backup of either kind restores into either kind of store. The
class database itself is in a backup only when it is a SQLite file inside the store.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import BinaryIO

from core.class_state import snapshot_sqlite
from core.run_index import open_run_index, record_files, run_store
from core.runs import CONFIG_FILE, RUN_ID_PATTERN, RunStore
from core.settings import Settings

SQLITE_SUFFIX = ".sqlite3"  # the class database (core.class_state)
SQLITE_SIDE_FILES = (".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")
SKIPPED_SUFFIXES = (".lock", ".tmp")  # flock files (meaningless elsewhere) and temp files being written
STAGING_PREFIX = ".new-"  # a run being created (core.runs.RunStore.create_run)


def _kept(rel: Path) -> bool:
    return not rel.name.endswith(SKIPPED_SUFFIXES) and not any(p.startswith(STAGING_PREFIX) for p in rel.parts)


def create(root: Path, out: BinaryIO, database_url: str | None = None) -> int:
    """Write a gzipped tar of the store at ``root`` to ``out``; return the number of files in it.

    With ``database_url`` (the run index) each run's record is written as its config and status files.
    """
    count = 0
    store = run_store(root, database_url)
    with tarfile.open(fileobj=out, mode="w|gz") as tar:
        for info in store.list_runs() if database_url else []:
            for name, blob, at in record_files(store, info):
                member = tarfile.TarInfo(f"{info.run_id}/{name}")
                member.size, member.mtime, member.mode = len(blob), at, 0o644
                tar.addfile(member, io.BytesIO(blob))
                count += 1
        for path in sorted(Path(root).rglob("*")) if Path(root).is_dir() else []:
            rel = path.relative_to(root)
            if not path.is_file() or path.is_symlink() or not _kept(rel):
                continue
            if path.name.endswith(SQLITE_SIDE_FILES):
                continue  # folded into the database's snapshot
            try:
                if path.name.endswith(SQLITE_SUFFIX):  # the class database: a consistent snapshot, not the live file
                    with tempfile.TemporaryDirectory() as tmp:
                        snapshot_sqlite(path, Path(tmp) / path.name)
                        tar.add(Path(tmp) / path.name, arcname=rel.as_posix(), recursive=False)
                else:
                    tar.add(path, arcname=rel.as_posix(), recursive=False)
            except FileNotFoundError:  # deleted meanwhile (a pruned run, a replaced temp file)
                continue
            count += 1
    return count


def restore(root: Path, data: BinaryIO, replace: bool = False, database_url: str | None = None) -> int:
    """Unpack a backup into the store at ``root``; return the number of runs in it.

    Refuses (ValueError) a store that already holds runs unless ``replace``, and an archive that is
    not a backup (no run in it, or a member the "data" filter rejects). With ``database_url`` the
    run index then holds the backup's runs, and only those.
    """
    root = Path(root)
    if run_store(root, database_url).list_runs() and not replace:
        raise ValueError(f"{root} already holds runs; restore with --replace to remove them first")
    staging = root.with_name(root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=data, mode="r|gz") as tar:
            tar.extractall(staging, filter="data")
        for entry in staging.iterdir():  # runs, and the store's own hidden files (.class/, .pruned.jsonl)
            is_run = RUN_ID_PATTERN.fullmatch(entry.name) and (entry / CONFIG_FILE).is_file()
            if not (is_run or entry.name.startswith(".")):
                raise ValueError(f"{entry.name!r} is not part of a run store: is this a Stride backup?")
        runs = len(RunStore(staging).list_runs())
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
        if database_url:  # the backup's records, as files now, become the index's rows
            index = open_run_index(root, database_url)
            index.remove_all()
            index.adopt_files()
        return runs
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(f"the backup cannot be restored: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def clear(root: Path, database_url: str | None = None) -> int:
    """Delete every run and the class's shared files; return the runs deleted. Refuses while a run is active."""
    store = run_store(Path(root), database_url)
    active = [r.run_id for r in store.list_runs() if r.status.active]
    if active:
        raise ValueError(
            f"{len(active)} run(s) are queued or running ({', '.join(active[:3])}...); "
            "stop them first (Class page: Stop all runs), then clear"
        )
    runs = len(store.list_runs())
    for entry in Path(root).iterdir() if Path(root).is_dir() else []:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif not entry.name.endswith(".lock"):  # locks stay: a running app may hold them
            entry.unlink()
    if store.index is not None:
        store.index.remove_all()
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return 0 on success, 2 when refused."""
    parser = argparse.ArgumentParser(prog="python -m core.store_backup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", type=Path, help="the run store (default: STRIDE_RUNS_DIR or ./runs)")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("create", help="write a backup (a .tar.gz) of the run store")
    made.add_argument("output", help="the file to write, or - for standard output")
    back = commands.add_parser("restore", help="unpack a backup into the run store")
    back.add_argument("input", help="the backup file, or - for standard input")
    back.add_argument("--replace", action="store_true", help="remove the runs the store holds first")
    commands.add_parser(
        "clear", help="delete every run, the class board and the exercise answers (between two classes)"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    root, url = args.runs_dir or settings.runs_dir, settings.database_url  # url: the run index, when set
    try:
        if args.command == "create":
            with contextlib.ExitStack() as stack:
                out = sys.stdout.buffer if args.output == "-" else stack.enter_context(open(args.output, "wb"))
                count = create(root, out, url)
            print(f"stride: backed up {count} files of {root}", file=sys.stderr)
        elif args.command == "restore":
            with contextlib.ExitStack() as stack:
                source = sys.stdin.buffer if args.input == "-" else stack.enter_context(open(args.input, "rb"))
                runs = restore(root, source, args.replace, url)
            print(f"stride: restored {runs} runs into {root}", file=sys.stderr)
        else:
            print(f"stride: deleted {clear(root, url)} runs from {root}", file=sys.stderr)
    except (ValueError, OSError) as exc:
        print(f"stride: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
