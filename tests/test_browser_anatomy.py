"""The architecture page's Parameters tab in a real Chromium: ticking a layer's freeze box changes Trainable.

Every wait is on DOM state (a metric's text, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000  # a new session's first run imports torch and summarizes the model (a loaded 2-core machine)
RERUN_MS = 15_000


def _metric(page: Page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def test_ticking_a_freeze_box_moves_conv1s_456_parameters_from_trainable_to_frozen(page: Page):
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(page.base_url + "/architecture?preset=net_three_elements")
    expect(_metric(page, "Trainable")).to_have_text("62,006", timeout=FIRST_RUN_MS)
    wait_idle(page)
    page.get_by_role("tab", name="Parameters").click()
    box = page.get_by_role("checkbox", name="conv1")
    expect(box).to_be_visible(timeout=RERUN_MS)
    expect(page.get_by_text("conv1.weight 6×3×5×5 = 450 + conv1.bias 6 = 456")).to_be_visible()
    wait_idle(page)
    box.check(force=True)  # Streamlit draws its own box over the input
    expect(_metric(page, "Trainable")).to_have_text("61,550", timeout=RERUN_MS)
    expect(_metric(page, "Frozen")).to_have_text("456")
    wait_idle(page)
    assert "freeze=conv1" in page.url
