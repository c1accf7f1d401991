"""The Convolution page's channels section in a real Chromium: the groups slider moves the parameter count."""

from __future__ import annotations

import re

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 30_000  # a new session's first run imports torch and draws every figure
RERUN_MS = 15_000


def params_metric(page: Page):
    """The value of the "Parameters of the convolution" metric."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Parameters of the convolution")
    return metric.locator('[data-testid="stMetricValue"]')


def test_moving_the_groups_slider_changes_the_parameter_count_and_says_the_rule(page: Page):
    page.goto(page.base_url + "/convolution?mode=channels&cin=4&cout=8&groups=1&size=7&kernel=3")
    value = params_metric(page)
    expect(value).to_have_text("296", timeout=FIRST_RUN_MS)  # 8 × 4 × 3 × 3 + 8
    wait_idle(page)
    groups = page.get_by_role("slider", name="Groups (groups)")
    expect(groups).to_have_value("1")
    groups.focus()
    page.keyboard.press("ArrowRight")

    expect(value).to_have_text("152", timeout=RERUN_MS)  # 8 × 2 × 3 × 3 + 8: each filter sees 2 channels
    wait_idle(page)
    expect(page.get_by_text("8 × 2 × 3 × 3 + 8 = 152")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]groups=2(&|$)"))

    groups.focus()
    page.keyboard.press("ArrowRight")  # 3 divides neither 4 nor 8
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("not divisible by groups=3", timeout=RERUN_MS)
    wait_idle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"Use nn\.Conv2d\(4, 8")).click()
    expect(value).to_be_visible(timeout=RERUN_MS)
    wait_idle(page)
    expect(error).to_have_count(0)
    expect(groups).not_to_have_value("3")
