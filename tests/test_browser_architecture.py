"""The architecture page in a real Chromium against `streamlit run`: a layer added through the form.

Every wait is on DOM state (the table's rows, a metric's text, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TABLE_ROWS = '[data-testid="stTable"] tbody tr'  # the per-layer table: one row per layer
METRIC_VALUE = '[data-testid="stMetricValue"]'
FIRST_RUN_MS = 30_000  # a new session's first run imports torch and summarizes the model
RERUN_MS = 15_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 20_000  # a blank page compresses to a few kB


def screenshot(pg: Page, path) -> None:
    """Save a screenshot and check it is a real, non-trivial PNG."""
    pg.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path} is only {len(data)} bytes: a blank page?"


def test_adding_a_linear_layer_through_the_form_grows_the_table_by_one_row(page: Page, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(page.base_url + "/architecture?preset=lenet&input=1x32x32")
    rows = page.locator(TABLE_ROWS)
    expect(rows).to_have_count(12, timeout=FIRST_RUN_MS)  # LeNet: conv1 ... fc3
    expect(page.locator(METRIC_VALUE).first).to_have_text("61,706")
    wait_idle(page)
    screenshot(page, tmp_path / "lenet.png")

    layer_type = page.get_by_role("combobox", name="Layer type")
    layer_type.click()
    page.get_by_role("option", name="Linear", exact=True).click()
    wait_idle(page)
    # the form proposes in_features=10: what LeNet's last layer puts out
    expect(page.get_by_label("in_features")).to_have_value("10", timeout=RERUN_MS)
    page.get_by_role("button", name="Add layer").click()

    expect(rows).to_have_count(13, timeout=RERUN_MS)
    wait_idle(page)
    expect(rows.last).to_contain_text("Linear(10, 10)")
    expect(page.locator(METRIC_VALUE).first).to_have_text(f"{61_706 + 10 * 10 + 10:,}")
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)  # the added layer fits: no shape error
    screenshot(page, tmp_path / "lenet_plus_linear.png")
