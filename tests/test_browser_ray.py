"""The Training page in a real Chromium with STRIDE_JOBS=ray: start, live curves, stop, resume, on a local Ray cluster.

The server is a `streamlit run` whose job backend is the session's Ray cluster (``ray_cluster``: a
head and a second node); the run trains in a Ray task, and the page reads its metrics from the run
store exactly as with the local backend.
"""

from __future__ import annotations

import os
import re

import pytest
from conftest import ROOT, type_in, wait_idle
from live_server import streamlit_server
from playwright.sync_api import Page, expect
from test_browser_training import FIRST_RUN_MS, PROGRESS, RUN_MS, STOPPED, open_training, screenshot, shown_step

from core.runs import RunStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def ray_page(browser, ray_cluster, tmp_path):
    runs = tmp_path / "runs"
    env = {
        **os.environ,
        "STRIDE_RUNS_DIR": str(runs),
        "STRIDE_JOBS": "ray",
        "STRIDE_RAY_ADDRESS": ray_cluster.address,  # the session's cluster, as a node's `auto` would find it
        "STRIDE_TORCH_THREADS_PER_RUN": "1",
        "STRIDE_MAX_CONCURRENT_RUNS": "1",
    }
    with streamlit_server(ROOT / "streamlit_app.py", tmp_path / "streamlit.log", env) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.base_url = url
        try:
            yield page, RunStore(runs)
        finally:
            context.close()
            print(*(tmp_path / "streamlit.log").read_text().splitlines()[-40:], sep="\n")  # shown if the test fails
            import ray

            from core.ray_jobs import NAMESPACE, queue_name

            ray.kill(ray.get_actor(queue_name(runs), namespace=NAMESPACE), no_restart=True)  # and its tasks


def _steps_past(page: Page, step: int) -> None:
    page.wait_for_function(
        f"""() => {{
            const m = /step (\\d+)\\//.exec(document.querySelector('{PROGRESS}')?.innerText ?? '');
            return m !== null && Number(m[1]) > {step};
        }}""",
        timeout=RUN_MS,
    )


def test_the_training_page_trains_on_ray_live_stops_and_resumes(ray_page, tmp_path):
    page, store = ray_page
    start = open_training(page, "Start training")
    for label, value in (("Batch size", "1"), ("Epochs", "40")):  # far longer than the test: only stopped
        type_in(page, label, value)
    start.click()
    expect(page).to_have_url(re.compile(r"[?&]run=[0-9]{8}-[0-9]{6}-[0-9a-f]{8}(&|$)"), timeout=FIRST_RUN_MS)
    run_id = re.search(r"run=([0-9a-f-]+)", page.url).group(1)
    _steps_past(page, 0)
    first = shown_step(page)
    _steps_past(page, first)  # the live area refreshes itself while Ray trains
    assert store.read_status(run_id).host.startswith("ray:")
    page.locator(PROGRESS).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(page, tmp_path / "ray-running.png")

    page.get_by_role("button", name="Stop", exact=True).first.click()
    expect(page.locator(STOPPED)).to_contain_text("Stopped", timeout=RUN_MS)
    wait_idle(page)
    stopped_at = shown_step(page)
    assert store.read_status(run_id).state == "cancelled"

    page.get_by_role("button", name="Resume", exact=True).first.click()
    _steps_past(page, stopped_at)  # it goes on from where it stopped
    assert store.read_status(run_id).state == "running"
    page.locator(PROGRESS).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(page, tmp_path / "ray-resumed.png")
    page.get_by_role("button", name="Stop", exact=True).first.click()
    expect(page.locator(STOPPED)).to_contain_text("Stopped", timeout=RUN_MS)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
