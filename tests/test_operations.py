"""Operating a class server (issue 16 item 2): backup, restore, reset between classes, upgrade, rollback, `make run`.

core.store_backup is tested directly; the make targets run for real against a stand-in `docker` on
PATH that logs its arguments and runs `compose exec`/`compose run` commands here, in this checkout,
so `make backup` then `make restore` carry a real run store through the Makefile's own commands.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from core import store_backup
from core.config import TrainConfig
from core.jobs import LocalJobs
from core.runs import RunStore

ROOT = Path(__file__).resolve().parent.parent
TINY = TrainConfig(dataset="digits", model="lenet", epochs=1).to_dict()


def _store(root: Path) -> tuple[RunStore, dict[str, str]]:
    """A store with a finished run, a run that was training (its worker gone), the board and a lock file."""
    store = RunStore(root)
    finished = store.create_run(TINY, owner="alice", state="finished").run_id
    store.set_label(finished, "my best")
    training = store.create_run(TINY, owner="bob", state="running").run_id
    store.update_status(training, pid=999_999, pid_start=1, host="old-container")
    store.update_shared(".class/board", lambda _: {"sharing": True, "recipes": [], "pins": []})
    (root / ".new-20990101-000000-deadbeef").mkdir()  # a run being created: never backed up
    return store, {"finished": finished, "training": training}


def _backup(root: Path) -> bytes:
    out = io.BytesIO()
    store_backup.create(root, out)
    return out.getvalue()


def test_a_backup_restores_every_run_and_the_board_and_a_training_run_comes_back_interrupted(tmp_path):
    source, runs = _store(tmp_path / "runs")
    data = _backup(source.root)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
    assert ".class/board.json" in names and f"{runs['finished']}/config.json" in names
    assert not [n for n in names if n.endswith(".lock") or n.startswith(".new-")]

    target = tmp_path / "restored"
    assert store_backup.restore(target, io.BytesIO(data)) == 2
    restored = RunStore(target)
    assert restored.read_run(runs["finished"]).label == "my best"
    assert restored.read_shared(".class/board")["sharing"] is True
    jobs = LocalJobs(target, max_concurrent_runs=0, torch_threads_per_run=1, warm_worker=False)
    assert jobs.reconcile() == [runs["training"]]  # the new server at start: resumable, not stuck
    assert restored.read_status(runs["training"]).state == "interrupted"


def test_restore_refuses_a_store_with_runs_unless_told_to_replace_it(tmp_path):
    source, runs = _store(tmp_path / "runs")
    data = _backup(source.root)
    other = RunStore(tmp_path / "other")
    kept = other.create_run(TINY, state="finished").run_id
    with pytest.raises(ValueError, match="already holds runs; restore with --replace"):
        store_backup.restore(other.root, io.BytesIO(data))
    assert other.exists(kept)
    store_backup.restore(other.root, io.BytesIO(data), replace=True)
    assert not other.exists(kept) and other.exists(runs["finished"])


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/stride-owned.txt"])
def test_restore_refuses_an_archive_that_writes_outside_the_store(tmp_path, name):
    crafted = io.BytesIO()
    with tarfile.open(fileobj=crafted, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    target = tmp_path / "store"
    with pytest.raises(ValueError, match="cannot be restored|is not part of a run store"):
        store_backup.restore(target, io.BytesIO(crafted.getvalue()))
    assert not (tmp_path / "outside.txt").exists() and not Path("/etc/stride-owned.txt").exists()
    assert not target.exists() and not (tmp_path / "store.restoring").exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    with pytest.raises(ValueError, match="cannot be restored"):
        store_backup.restore(tmp_path / "store", io.BytesIO(b"not a tar file at all"))


def test_clear_refuses_while_a_run_is_active_then_empties_the_store(tmp_path):
    store, runs = _store(tmp_path / "runs")
    store.update_status(runs["training"], state="queued")
    with pytest.raises(ValueError, match="1 run\\(s\\) are queued or running"):
        store_backup.clear(store.root)
    assert len(store.list_runs()) == 2
    store.update_status(runs["training"], state="cancelled")
    assert store_backup.clear(store.root) == 2
    assert store.list_runs() == [] and store.read_shared(".class/board") is None


# --- the make targets, against a stand-in docker ---------------------------------------------------------

FAKE_DOCKER = """#!{python}
import os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
assert args[0] == "compose", args
if args[1] == "exec":  # compose exec -T stride CMD...
    command = args[4:]
elif args[1] == "run":  # compose run --rm -T --no-deps --entrypoint python stride ARGS...
    at = args.index("--entrypoint")
    command = [args[at + 1], *args[at + 3 :]]
else:  # stop, start, build, up: only logged
    sys.exit(0)
command[0] = sys.executable if command[0] == "python" else command[0]
sys.exit(subprocess.call(command, cwd=os.environ["FAKE_DOCKER_APP"]))
"""


@pytest.fixture
def make(tmp_path):
    """Return a function running `make TARGET ...` in ``folder`` with the stand-in docker; the log is tmp/docker.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER.format(python=sys.executable))
    (bin_dir / "docker").chmod(0o755)
    log = tmp_path / "docker.log"

    def run(*args: str, folder: Path = ROOT, runs_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRIDE_")}
        env.update(
            PATH=f"{bin_dir}:{env['PATH']}",
            FAKE_DOCKER_LOG=str(log),
            FAKE_DOCKER_APP=str(ROOT),
            STRIDE_RUNS_DIR=str(runs_dir),
        )
        done = subprocess.run(["make", "-s", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 or not check, done.stdout + done.stderr
        return done

    run.log = log
    return run


def test_make_backup_then_make_restore_carry_the_store_through_the_containers_commands(make, tmp_path):
    _, runs = _store(tmp_path / "runs")
    made = make("backup", f"BACKUPS={tmp_path / 'backups'}", runs_dir=tmp_path / "runs")
    (backup,) = (tmp_path / "backups").iterdir()
    assert f"stride: backup in {backup}" in made.stdout and backup.name.endswith(".tar.gz")
    assert not list((tmp_path / "backups").glob("*.part"))

    make("restore", f"FILE={backup}", runs_dir=tmp_path / "new-server")
    assert {r.run_id for r in RunStore(tmp_path / "new-server").list_runs()} == set(runs.values())
    calls = make.log.read_text().splitlines()
    assert calls[1:] == [
        "compose stop stride",
        "compose run --rm -T --no-deps --entrypoint python stride -m core.store_backup restore --replace -",
        "compose start stride",
    ]


def test_make_restore_without_a_file_says_how(make, tmp_path):
    done = make("restore", runs_dir=tmp_path / "runs", check=False)
    assert done.returncode != 0 and "make restore FILE=" in done.stderr
    assert not make.log.exists()  # nothing was stopped


def test_make_reset_class_backs_up_first_and_is_refused_while_a_run_is_active(make, tmp_path):
    store, runs = _store(tmp_path / "runs")
    store.update_status(runs["training"], state="queued")
    refused = make("reset-class", f"BACKUPS={tmp_path / 'b'}", runs_dir=store.root, check=False)
    assert refused.returncode != 0 and "stop them first" in refused.stderr
    assert len(store.list_runs()) == 2 and len(list((tmp_path / "b").iterdir())) == 1
    store.update_status(runs["training"], state="cancelled")
    make("reset-class", f"BACKUPS={tmp_path / 'b'}", runs_dir=store.root)
    assert store.list_runs() == [] and len(list((tmp_path / "b").iterdir())) == 2


def test_make_upgrade_tags_a_new_version_in_env_and_rollback_goes_back(make, tmp_path):
    folder = tmp_path / "server"
    folder.mkdir()
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    env_file = folder / ".env"
    env_file.write_text("STRIDE_TEACHER_PASSWORD='pa$$word-1234'\nSTRIDE_SITE=192.168.1.20\nSTRIDE_VERSION=abc1234\n")
    env_file.chmod(0o600)
    done = make("upgrade", f"BACKUPS={tmp_path / 'b'}", folder=folder, runs_dir=tmp_path / "runs")
    assert "to go back: make rollback VERSION=abc1234" in done.stdout
    lines = env_file.read_text().splitlines()
    assert lines[:2] == ["STRIDE_TEACHER_PASSWORD='pa$$word-1234'", "STRIDE_SITE=192.168.1.20"]
    assert lines[2].startswith("STRIDE_VERSION=") and lines[2] != "STRIDE_VERSION=abc1234"
    assert env_file.stat().st_mode & 0o777 == 0o600  # the password stays private
    assert make.log.read_text().splitlines()[-2:] == ["compose build stride", "compose up -d"]
    assert len(list((tmp_path / "b").iterdir())) == 1  # backed up before

    make("rollback", "VERSION=abc1234", folder=folder, runs_dir=tmp_path / "runs")
    assert env_file.read_text().splitlines()[2:] == ["STRIDE_VERSION=abc1234"]
    assert make.log.read_text().splitlines()[-1] == "compose up -d --no-build"


@pytest.mark.parametrize(("host", "says"), [(None, "this machine only"), ("0.0.0.0", "anyone on the network")])
def test_make_run_listens_on_localhost_unless_asked(host, says):
    args = ["make", "-n", "run", *([f"HOST={host}"] if host else [])]
    printed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    assert f"--server.address {host or '127.0.0.1'} " in printed
    assert says in printed


def test_backing_up_while_runs_are_written_keeps_each_file_whole(tmp_path):
    store, runs = _store(tmp_path / "runs")
    started = time.monotonic()
    for _ in range(20):  # the status file is replaced atomically while the backup reads it
        store.update_status(runs["finished"], reason=None)
    data = _backup(store.root)
    assert time.monotonic() - started < 30
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        status = tar.extractfile(f"{runs['finished']}/status.json").read()
    assert status.startswith(b"{") and status.endswith(b"}")
