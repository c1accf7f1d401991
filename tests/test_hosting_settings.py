"""Settings a class server's operator gives (issue 16): the password from a file, a shared store, the CPU quota."""

import gc
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from core.cpus import cpu_quota, usable_cores
from core.jobs import LocalJobs
from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("STRIDE_"):
            monkeypatch.delenv(name)
    return monkeypatch


# --- the teacher password from a file (a Compose secret) ----------------------------------------------------


def test_the_password_is_read_from_the_file_without_its_line_end(clean_env, tmp_path):
    secret = tmp_path / "teacher_password"
    secret.write_text("pa$$word-with-dollars\n")
    clean_env.setenv("STRIDE_TEACHER_PASSWORD_FILE", str(secret))
    settings = Settings.from_env()
    assert settings.class_mode and settings.teacher_password == "pa$$word-with-dollars"
    assert str(secret) not in repr(settings) and "dollars" not in repr(settings)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("short\n", "has 5 characters; class mode needs at least 10"),
        ("x" * 5000, "is over 4096 bytes"),
        (None, "cannot be read"),
    ],
)
def test_a_bad_password_file_is_named_with_what_is_wrong(clean_env, tmp_path, content, problem):
    secret = tmp_path / "teacher_password"
    if content is not None:
        secret.write_text(content)
    clean_env.setenv("STRIDE_TEACHER_PASSWORD_FILE", str(secret))
    with pytest.raises(ValueError, match=problem) as error:
        Settings.from_env()
    assert "xxxxx" not in str(error.value)  # the file's content is never echoed


def test_the_password_in_both_places_is_refused(clean_env, tmp_path):
    secret = tmp_path / "teacher_password"
    secret.write_text("a-long-password\n")
    clean_env.setenv("STRIDE_TEACHER_PASSWORD_FILE", str(secret))
    clean_env.setenv("STRIDE_TEACHER_PASSWORD", "another-long-one")
    with pytest.raises(ValueError, match="both STRIDE_TEACHER_PASSWORD and STRIDE_TEACHER_PASSWORD_FILE"):
        Settings.from_env()


def test_the_settings_check_at_start_exits_2_naming_the_file(clean_env, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIDE_")}
    missing = tmp_path / "nope"
    done = subprocess.run(
        [sys.executable, "-m", "core.settings"],
        cwd=ROOT,
        env={**env, "STRIDE_TEACHER_PASSWORD_FILE": str(missing)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and f"STRIDE_TEACHER_PASSWORD_FILE='{missing}' cannot be read" in done.stderr


# --- a store shared with other hosts -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "shared"), [("", False), ("0", False), ("1", True), ("yes", True)])
def test_the_store_is_shared_only_when_the_settings_say_so(clean_env, tmp_path, raw, shared):
    clean_env.setenv("STRIDE_SHARED_STORE", raw)
    clean_env.setenv("STRIDE_RUNS_DIR", str(tmp_path / "runs"))
    settings = Settings.from_env()
    assert settings.shared_store is shared
    assert LocalJobs.from_settings(settings).store.shared is shared


@pytest.mark.parametrize(("raw", "behind"), [("", False), ("0", False), ("1", True)])
def test_the_proxys_address_header_is_trusted_only_when_the_settings_say_so(clean_env, raw, behind):
    clean_env.setenv("STRIDE_BEHIND_PROXY", raw)
    assert Settings.from_env().behind_proxy is behind


def test_a_shared_flag_that_is_not_yes_or_no_is_refused(clean_env):
    clean_env.setenv("STRIDE_SHARED_STORE", "maybe")
    with pytest.raises(ValueError, match="STRIDE_SHARED_STORE='maybe' is not a yes or no"):
        Settings.from_env()


# --- the container's CPU quota (a fake cgroup file tree) ---------------------------------------------------


def _v2_tree(tmp_path: Path, cpu_max: dict[str, str], own: str = "/") -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    for folder, value in cpu_max.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(value + "\n")
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text(f"0::{own}\n")
    return root, proc


def test_a_v2_quota_of_two_cores_caps_the_cores_to_two(tmp_path):
    root, proc = _v2_tree(tmp_path, {".": "200000 100000"})  # docker run --cpus 2: the container's own cgroup
    assert cpu_quota(root, proc) == 2.0
    assert usable_cores(root, proc) == min(2, len(os.sched_getaffinity(0)))


def test_a_v2_quota_is_the_tightest_on_the_way_up_and_rounds_up(tmp_path):
    root, proc = _v2_tree(
        tmp_path,
        {".": "max 100000", "school.slice": "150000 100000", "school.slice/stride.scope": "max 100000"},
        own="/school.slice/stride.scope",
    )
    assert cpu_quota(root, proc) == 1.5
    assert usable_cores(root, proc) == min(2, len(os.sched_getaffinity(0)))  # 1.5 cores: 2 threads


def test_no_quota_leaves_the_cpu_set(tmp_path):
    root, proc = _v2_tree(tmp_path, {".": "max 100000"})
    assert cpu_quota(root, proc) is None
    assert usable_cores(root, proc) == len(os.sched_getaffinity(0))
    assert cpu_quota(tmp_path / "absent", tmp_path / "absent-too") is None  # no cgroup file system at all


def test_a_v1_quota_is_read_from_the_cpu_controller(tmp_path):
    root = tmp_path / "cgroup"
    cpu = root / "cpu,cpuacct" / "docker" / "abc"
    cpu.mkdir(parents=True)
    (cpu / "cpu.cfs_quota_us").write_text("50000\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    (root / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("-1\n")
    (root / "cpu,cpuacct" / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc_self_cgroup"
    proc.write_text("12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n")
    assert cpu_quota(root, proc) == 0.5
    assert usable_cores(root, proc) == 1


def test_a_damaged_cpu_max_counts_as_no_quota(tmp_path):
    root, proc = _v2_tree(tmp_path, {".": "lots of cpu"})
    assert cpu_quota(root, proc) is None


def test_a_two_core_quota_on_a_sixteen_core_host_gives_one_run_of_two_threads(clean_env, monkeypatch):
    # issue 16 item 4: `cpus: "2"` on a 16-core host gave each run 16 threads throttled into 2 cores
    import core.cpus

    monkeypatch.setattr(core.cpus.os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(core.cpus, "cpu_quota", lambda *paths: None)
    unlimited = Settings.from_env()
    assert (unlimited.max_concurrent_runs, unlimited.torch_threads_per_run) == (8, 2)
    monkeypatch.setattr(core.cpus, "cpu_quota", lambda *paths: 2.0)
    quota = Settings.from_env()
    assert (quota.max_concurrent_runs, quota.torch_threads_per_run) == (1, 2)


# --- the server process's garbage collector ---------------------------------------------------------------


@pytest.fixture
def real_server(monkeypatch):
    """As inside `streamlit run`: a real Runtime exists (AppTest's is a stand-in). Unfreezes afterwards."""
    from streamlit.runtime import Runtime

    import ui.app

    monkeypatch.setattr(Runtime, "_instance", Runtime.__new__(Runtime))
    monkeypatch.setattr(ui.app, "_frozen_modules", 0)
    collections = []
    collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(a) or collect(*a))
    thresholds = gc.get_threshold()
    yield collections
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_server_freezes_what_it_has_loaded_and_again_only_after_new_imports(real_server, monkeypatch):
    from ui.app import YOUNG_THRESHOLD, freeze_long_lived

    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    assert gc.get_freeze_count() == 0
    freeze_long_lived()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000 and real_server == [()]  # collected first, then froze the modules' objects
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)  # Python's own 700, 10, 10 before
    freeze_long_lived()
    assert gc.get_freeze_count() == frozen and len(real_server) == 1  # nothing imported since: no collection
    monkeypatch.setitem(sys.modules, "a_page_module_imported_later", types.ModuleType("later"))
    freeze_long_lived()
    assert gc.get_freeze_count() > frozen and len(real_server) == 2


def test_pages_run_by_apptest_freeze_nothing(app):
    gc.unfreeze()
    thresholds = gc.get_threshold()
    app("pages/convolution.py")
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds  # the test process keeps its collector


def test_a_session_keeps_no_metadata_of_the_layer_editors_it_no_longer_shows(app):
    # each model gets its own layer editor (a new key); Streamlit drops a gone widget's value but
    # kept its metadata (callbacks with their arguments, converters with their options) for the
    # session's life: eight models left eight editors' metadata behind
    at = app("pages/architecture.py", preset="lenet")
    for preset in ("mlp", "cnn_typical", "lenet", "mlp", "cnn_typical", "lenet", "mlp", "cnn_typical"):
        at.selectbox(key="arch.preset").set_value(preset).run()
        assert not at.exception, at.exception
    widgets = at._session_state._state._new_widget_state
    editors = [w for w in widgets.widget_metadata if "-arch.layers." in w]
    assert len(editors) == 1, editors  # the one on the page


def test_a_session_keeps_no_metadata_of_the_matrix_editors_of_sizes_it_left(app):
    # each input size has its own editor (the key names the shape): six sizes, one editor on the page
    at = app("pages/convolution.py", mode="matrix")
    for size in (6, 7, 8, 5, 6, 7):
        at.slider(key="conv.matrix.size_h").set_value(size).run()
        assert not at.exception, at.exception
    widgets = at._session_state._state._new_widget_state
    editors = [w for w in widgets.widget_metadata if "-conv.matrix.x_editor" in w]
    assert len(editors) == 1, editors


# A sitecustomize for the server process alone (not `python -m core.settings`): twelve threads alive at
# once allocate, as a loaded server's script runs do; glibc's heap count (malloc_info) goes to a file.
HEAP_PROBE = """
import ctypes, os, sys, threading
if "streamlit" in " ".join(sys.argv):
    alive = threading.Barrier(13)
    def run():
        kept = [bytearray(2_000) for _ in range(100)]  # malloc's, not Python's small-object allocator's
        alive.wait()
    for _ in range(12):
        threading.Thread(target=run).start()
    alive.wait()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    out = os.environ["HEAPS_OUT"]
    stream = ctypes.c_void_p(libc.fopen(out.encode(), b"w"))
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    os._exit(0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
@pytest.mark.parametrize(
    ("launch", "four"),
    [
        (["docker/entrypoint.sh"], True),
        (["make", "--no-print-directory", "run"], True),
        ([sys.executable, "-m", "streamlit", "run", "streamlit_app.py"], False),  # a bare `streamlit run`: 13 here
    ],
)
def test_the_class_servers_threads_share_four_c_heaps(clean_env, tmp_path, launch, four):
    # glibc gave each thread alive at once a heap of its own (up to 16 on 2 cores), each keeping what
    # it freed: 190 MB free but kept in a 30-student load test
    (tmp_path / "sitecustomize.py").write_text(HEAP_PROBE)
    out = tmp_path / "heaps.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    env |= {"PYTHONPATH": str(tmp_path), "HEAPS_OUT": str(out), "PYTHON": sys.executable, "PORT": "0"}
    done = subprocess.run(launch, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    heaps = out.read_text().count("<heap nr=")
    assert heaps == 4 if four else heaps > 4, heaps


def test_a_session_keeps_its_buttons_metadata_so_a_click_during_a_run_still_calls_back(monkeypatch):
    # The browser sends a button's value only in the click's own message. A run that drops the
    # metadata of every widget the browser sent no value for, then ends early because the click
    # arrived, left the click's callback nothing to call: the Ray browser test's Start was lost so.
    import threading
    from types import SimpleNamespace

    from streamlit.runtime.state.common import WidgetMetadata
    from streamlit.runtime.state.session_state import WStates

    from ui import app

    widgets = WStates()
    for widget_id, value_type in (("start", "trigger_value"), ("rename", "string_value")):
        widgets.widget_metadata[widget_id] = WidgetMetadata(widget_id, str, str, value_type, callback=print)
    state = SimpleNamespace(_state=SimpleNamespace(_new_widget_state=widgets), _lock=threading.RLock())
    drawn = SimpleNamespace(snapshot=frozenset)  # this run has drawn nothing yet
    ctx = SimpleNamespace(shared=SimpleNamespace(widget_ids_this_run=drawn), fragment_ids_this_run=[])
    monkeypatch.setattr(app, "get_session_state", lambda: state)
    monkeypatch.setattr(app, "get_script_run_ctx", lambda: ctx)
    app.forget_gone_widgets()
    assert set(widgets.widget_metadata) == {"start"}  # the gone text box's metadata went, the button's stayed
