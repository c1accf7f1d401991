"""Shared fixtures: AppTest for page tests, a real `streamlit run` server and Chromium for browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from apptest import navigation_known
from live_server import streamlit_server

from core.i18n import Message, UserError
from core.jobs import LocalJobs
from core.processes import process_alive

ROOT = Path(__file__).resolve().parent.parent
SLEEPING_WORKER = [sys.executable, "-c", "import time; time.sleep(60)"]  # a stand-in worker: starts in ms
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def app(tmp_path, monkeypatch):
    """Return a function that opens a page in AppTest: app("pages/convolution.py", size="5")."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("STRIDE_RUNS_DIR", str(tmp_path / "runs"))

    def open_page(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
        at.query_params.update(query)
        at.run()
        if page is not None:
            at.switch_page(page)
            at.query_params.update(query)
            at.run()
        assert not at.exception, at.exception
        return at

    import streamlit as st

    from core import class_state

    with navigation_known():
        yield open_page
    # shared resources of the pages (the training page's job queue holds a worker and a thread)
    st.cache_resource.clear()
    class_state.close_all()  # the class databases this test's pages opened


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Serve the app with `streamlit run` on a free localhost port; yield its base URL."""
    env = {**os.environ, "STRIDE_RUNS_DIR": str(tmp_path_factory.mktemp("runs"))}
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    with streamlit_server(ROOT / "streamlit_app.py", log_path, env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright; skips when no Chromium is installed."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser page (1400x1000) with a helper to wait for Streamlit's rerun to finish."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.base_url = server
    yield pg
    context.close()


def wait_idle(pg, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished running the script."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)


def type_in(pg, label: str, value) -> None:
    """Type ``value`` into the text or number box labelled ``label`` and press Enter, as a student would.

    A text box takes Enter only once it shows that it holds the typed text ("Press Enter to ..."), as a
    person sees before pressing; number boxes show no such line."""
    field = pg.get_by_label(label, exact=True)
    field.fill(str(value))
    if field.get_attribute("type") != "number":
        field.locator('xpath=ancestor::*[@data-testid="stTextInput"][1]').get_by_test_id("InputInstructions").wait_for()
    field.press("Enter")
    wait_idle(pg)


def wait_for(condition, timeout_s: float, what: str):
    """Return ``condition()`` once it is true, polling every 50 ms; fail after ``timeout_s`` naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def rendered(message: Message) -> str:
    """Render ``message`` in both languages, failing if a placeholder was left unfilled."""
    texts = [message.text(lang) for lang in ("en", "zh")]
    for text in texts:
        assert "{" not in text and "}" not in text, text
    return texts[0]


def refused(call, key: str) -> Message:
    """Run ``call``, expect a UserError with the text ``key``, return its message (rendered)."""
    with pytest.raises(UserError) as caught:
        call()
    assert caught.value.message.key == key, caught.value.message
    rendered(caught.value.message)
    return caught.value.message


def end_workers(jobs: LocalJobs) -> None:
    """Kill the workers a test's job queue left running, and let its warm worker go."""
    for job in jobs.list_jobs():
        if job.state == "running" and job.status.pid not in (None, os.getpid()) and process_alive(job.status.pid):
            os.kill(job.status.pid, signal.SIGKILL)
    jobs.close()


@pytest.fixture
def sleeping_jobs(tmp_path):
    """A job queue with one slot whose workers only sleep (and ignore cancel requests)."""
    jobs = LocalJobs(
        tmp_path / "runs",
        max_concurrent_runs=1,
        torch_threads_per_run=1,
        warm_worker=False,
        cancel_grace_s=0.3,
        worker_command=SLEEPING_WORKER,
    )
    yield jobs
    end_workers(jobs)


@pytest.fixture
def no_warm_worker(monkeypatch):
    """The pages' job queue keeps no warm worker: for tests that train nothing (one costs ~3 s of CPU)."""
    make = LocalJobs.from_settings.__func__

    def without_warm_worker(cls, settings=None):
        jobs = make(cls, settings)
        jobs.warm_worker = False
        return jobs

    monkeypatch.setattr(LocalJobs, "from_settings", classmethod(without_warm_worker))


def watch_lock(jobs: LocalJobs, monkeypatch) -> list:
    """Wrap the job queue's lock; return a list that is non-empty exactly while the lock is held."""
    held, real_locked = [], jobs._locked

    @contextlib.contextmanager
    def counting_lock():
        with real_locked():
            held.append(True)
            try:
                yield
            finally:
                held.pop()

    monkeypatch.setattr(jobs, "_locked", counting_lock)
    return held


@pytest.fixture
def shapes_drawn(monkeypatch) -> list[int]:
    """Count the generated shapes drawn, wherever the drawing is called from."""
    import core.data
    import core.data_source
    import core.generated_shapes

    drawn: list[int] = []
    real = core.generated_shapes.draw_shapes

    def counting(params, indices, *args, **kwargs):
        drawn.append(len(indices))
        return real(params, indices, *args, **kwargs)

    for module in (core.generated_shapes, core.data_source, core.data):
        monkeypatch.setattr(module, "draw_shapes", counting, raising=False)
    return drawn


@pytest.fixture(scope="session")
def ray_cluster():
    """A real local Ray cluster for the session: a head and a second node, one CPU each (the Ray job backend's tests).

    Started once (~7 s, ~600 MB); this process is its driver. ``ray_cluster.worker_node`` is the
    second node: a test may remove it to lose a node, and must add one back (:func:`replace_worker_node`).
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: no usage report
    # Ray runs its workers at nice 15. Here the queue actor shares two cores with the app, pytest and
    # Chromium, and starved behind them (its first call took over 50 s beside three busy processes);
    # a deployment gives the head its own machine or container (compose.cluster.yaml)
    os.environ.setdefault("RAY_worker_niceness", "0")
    import ray
    from ray.cluster_utils import Cluster

    small = {"num_cpus": 1, "object_store_memory": 80 * 2**20}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    cluster.worker_node = cluster.add_node(**small)
    cluster.small = small
    ray.init(address=cluster.address, namespace="stride", log_to_driver=False, configure_logging=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def replace_worker_node(cluster) -> None:
    """Give the session's Ray cluster back a second node after a test removed it."""
    cluster.worker_node = cluster.add_node(**cluster.small)
    cluster.wait_for_nodes()
