"""The training page in a real Chromium against `streamlit run`: a run's curve grows live; a recipe trains.

Waits are on DOM state (the progress text, the status box, Streamlit's script state), never a sleep,
and only for what must happen on any machine: a run too long to finish before the page refreshes
is watched growing and then stopped; a short one is waited for until it has finished.
"""

from __future__ import annotations

import re

import pytest
from conftest import type_in, wait_idle
from playwright.sync_api import Page, expect
from test_browser_layout import cut_off

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000  # a new session's first run imports torch and loads the digits for the preview
RUN_MS = 120_000  # LeNet on all the digits takes ~5 s alone, far longer on a busy 2-core machine
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 20_000  # a blank 1400x1600 page compresses to a few kB; the page is far more
PROGRESS = '[data-testid="stProgress"]'
STEP = re.compile(r"step (\d+)/(\d+)")
FINISHED = '[data-testid="stAlertContentSuccess"]'  # the live area's status box of a finished run
STOPPED = '[data-testid="stAlertContentWarning"]'  # ... and of a stopped one


def screenshot(pg: Page, path) -> None:
    """Save a full-page screenshot and check it is a real, non-trivial PNG."""
    pg.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path} is only {len(data)} bytes: a blank page?"


def shown_step(pg: Page) -> int:
    """Return the step the live progress bar shows (0 before the first one)."""
    match = STEP.search(pg.locator(PROGRESS).first.inner_text()) if pg.locator(PROGRESS).count() else None
    return int(match.group(1)) if match else 0


def show_live_area(pg: Page) -> None:
    """Scroll the live area (its progress bar) to the top of the window, so a screenshot shows the curves."""
    pg.locator(PROGRESS).first.evaluate("e => e.scrollIntoView({block: 'start'})")


def open_training(pg: Page, button: str | re.Pattern):
    """Open the training page (tall, to see the live area) and return one of its buttons once it is ready."""
    pg.set_viewport_size({"width": 1400, "height": 1600})
    pg.goto(pg.base_url + "/training")
    found = pg.get_by_role("button", name=button)
    expect(found).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(pg, FIRST_RUN_MS)
    return found


def test_a_long_run_streams_a_growing_curve_until_it_is_stopped(page: Page, tmp_path):
    # 40 epochs of one picture per step: tens of thousands of steps, so the run is still going
    # while the page refreshes, however fast the machine; Stop then ends it
    start = open_training(page, "Start training")
    for label, value in (("Batch size", "1"), ("Epochs", "40")):
        type_in(page, label, value)
    expect(page.get_by_text(re.compile(r"= [\d,]+ iterations per epoch")).first).to_contain_text("batch size 1 =")
    screenshot(page, tmp_path / "form.png")

    start.click()
    expect(page).to_have_url(re.compile(r"[?&]run=[0-9]{8}-[0-9]{6}-[0-9a-f]{8}(&|$)"), timeout=FIRST_RUN_MS)
    page.wait_for_function(
        f"() => /step [1-9]/.test(document.querySelector('{PROGRESS}')?.innerText ?? '')", timeout=RUN_MS
    )
    first = shown_step(page)
    # the live area refreshes itself; no click or reload is needed for the step to move on
    page.wait_for_function(
        f"""() => {{
            const m = /step (\\d+)\\//.exec(document.querySelector('{PROGRESS}')?.innerText ?? '');
            return m !== null && Number(m[1]) > {first};
        }}""",
        timeout=RUN_MS,
    )
    assert shown_step(page) > first
    show_live_area(page)
    screenshot(page, tmp_path / "running.png")

    page.get_by_role("button", name="Stop", exact=True).first.click()
    expect(page.locator(STOPPED)).to_contain_text("Stopped", timeout=RUN_MS)
    wait_idle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_the_lenet_recipe_trains_to_its_test_accuracy_and_a_reload_keeps_watching(page: Page, tmp_path):
    recipe = open_training(page, re.compile(r"^LeNet on digits \(about [\d.]+ s\)$"))

    recipe.click()
    expect(page).to_have_url(re.compile(r"[?&]run=[0-9]{8}-[0-9]{6}-[0-9a-f]{8}(&|$)"), timeout=FIRST_RUN_MS)
    expect(page.locator(FINISHED)).to_contain_text("Finished", timeout=RUN_MS)
    wait_idle(page)
    test_acc = page.locator('[data-testid="stMetric"]', has_text="Test accuracy").locator(
        '[data-testid="stMetricValue"]'
    )
    # the live area's last frame and the page's final rerun can both be on screen for a moment
    expect(test_acc).to_have_count(1, timeout=RUN_MS)
    expect(test_acc).to_have_text(re.compile(r"\d+\.\d%"))
    assert float(test_acc.inner_text().rstrip("%")) >= 90.0  # ~98% when trained; 90 leaves room for noise
    show_live_area(page)
    screenshot(page, tmp_path / "finished.png")
    page.set_viewport_size({"width": 1280, "height": 1000})  # a finished run's numbers are the widest
    page.wait_for_timeout(500)
    assert cut_off(page) == [], page.screenshot(path=str(tmp_path / "cut.png"), full_page=True) and cut_off(page)

    page.reload()  # a refresh keeps watching the same run: its id is in the URL
    expect(page.locator(FINISHED)).to_contain_text("Finished", timeout=FIRST_RUN_MS)
    expect(test_acc).to_have_text(re.compile(r"\d+\.\d%"), timeout=FIRST_RUN_MS)

    # a rename shows at once in the run picker, where the box would keep the name it was first given
    run_box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("Run", exact=True))
    type_in(page, "Name this run", "my first LeNet")
    expect(run_box.locator("input")).to_have_value(re.compile(r"^my first LeNet · [0-9a-f]{8}$"))
