"""The convolution page in a real Chromium against `streamlit run`: keyboard, URL, language, errors.

Every wait is on DOM state (a metric's text, the URL, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import re

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# matrix mode shows one metric, the output size; its label is checked in each language
METRIC_LABEL = '[data-testid="stMetricLabel"]'
METRIC_VALUE = '[data-testid="stMetricValue"]'
# KaTeX keeps the LaTeX source in an <annotation>; that is the formula exactly as the page wrote it
LATEX_SOURCE = ".katex-mathml annotation"
FIRST_RUN_MS = 30_000  # a new session's first run imports torch and draws every figure
RERUN_MS = 15_000  # a rerun takes well under a second; the margin is for a busy 2-core machine
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 20_000  # a blank 1400x1000 page compresses to a few kB; the page is far more


def screenshot(pg: Page, path) -> None:
    """Save a full-page screenshot and check it is a real, non-trivial PNG."""
    pg.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path} is only {len(data)} bytes: a blank page?"


def test_stride_key_press_updates_formula_link_and_survives_language_switch(page: Page, tmp_path):
    page.goto(page.base_url + "/convolution?size=5&kernel=3&stride=2&padding=1")
    metric = page.locator(METRIC_VALUE)
    # floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3
    expect(metric).to_have_text("3 × 3", timeout=FIRST_RUN_MS)
    expect(page.locator(METRIC_LABEL)).to_have_text("Output size (H × W)")
    wait_idle(page)
    screenshot(page, tmp_path / "stride2.png")

    stride = page.get_by_role("slider", name="Stride (stride)")
    expect(stride).to_have_value("2")
    stride.focus()
    page.keyboard.press("ArrowLeft")

    # floor((5 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 5
    expect(metric).to_have_text("5 × 5", timeout=RERUN_MS)
    wait_idle(page)
    expect(stride).to_have_value("1")
    formulas = page.locator(LATEX_SOURCE)
    expect(formulas).to_have_count(2)  # H_out and W_out
    for axis, source in zip("HW", formulas.all_text_contents(), strict=True):
        assert source.startswith(f"{axis}_{{out}}"), source
        assert r"\frac{5 + 2 \cdot 1 - 1 \cdot (3-1) - 1}{1}" in source, source
        assert source.rstrip().endswith("= 5"), source
    expect(page).to_have_url(re.compile(r"[?&]stride=1(&|$)"))
    screenshot(page, tmp_path / "stride1.png")

    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="简体中文").click()
    expect(page.get_by_role("heading", name="卷积实验台")).to_be_visible(timeout=RERUN_MS)
    wait_idle(page)
    expect(page.get_by_role("slider", name="步长（stride）")).to_have_value("1")
    expect(page.locator(METRIC_LABEL)).to_have_text("输出尺寸（H × W）")
    expect(metric).to_have_text("5 × 5")  # the settings survive the language switch
    expect(page).to_have_url(re.compile(r"[?&]lang=[^&]+"))
    expect(page).to_have_url(re.compile(r"[?&]stride=1(&|$)"))
    screenshot(page, tmp_path / "zh.png")

    # the link is what a teacher shares: opened afresh, it shows the same setting in Chinese
    shared = page.context.new_page()
    shared.goto(page.url)
    expect(shared.locator(METRIC_VALUE)).to_have_text("5 × 5", timeout=FIRST_RUN_MS)  # a new session's first run
    expect(shared.get_by_role("heading", name="卷积实验台")).to_be_visible()
    wait_idle(shared)
    expect(shared.locator('[data-testid="stException"]')).to_have_count(0)


def test_invalid_link_names_the_kernel_rule_and_offers_a_fix_without_a_traceback(page: Page, tmp_path):
    page.goto(page.base_url + "/convolution?size=3&kernel=7")
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("kernel 7", timeout=FIRST_RUN_MS)
    wait_idle(page)
    expect(error).to_contain_text("larger than the padded input 3")
    expect(error).to_contain_text("use kernel ≤ 3 or padding ≥ 2")  # the nearest valid settings
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator(METRIC_VALUE)).to_have_count(0)  # no output size for an invalid setting
    fix = page.get_by_role("button", name=re.compile("Use the nearest valid setting"))
    expect(fix).to_be_visible()
    screenshot(page, tmp_path / "invalid.png")

    fix.click()
    expect(page.locator(METRIC_VALUE)).to_be_visible(timeout=RERUN_MS)
    wait_idle(page)
    expect(error).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
