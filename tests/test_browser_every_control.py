"""Every control on each page changed in a real Chromium; its link opened in a fresh browser shows the same.

The test moves each widget the way a student would (a slider one step with the arrow key, the next
option of a select box, a box ticked, a number stepped up), page by page and section by section,
then opens the page's URL in a new browser context (no session, no cookies) and compares what every
widget shows. A setting missing from the URL shows up as a difference named by its label.
"""

from __future__ import annotations

import contextlib

import pytest
from conftest import wait_for, wait_idle
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000
MAIN = '[data-testid="stMain"]'
SKIP = ("Play", "播放", "Section", "内容", "部分", "Live", "Teacher")  # animations, the section switch, class mode

SHOWN = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const label = (el) => ((el.querySelector('[data-testid="stWidgetLabel"]') || {}).innerText || '').trim();
  const out = {};
  const put = (kind, el, value) => { let k = `${kind}: ${label(el)}`; while (k in out) k += "'"; out[k] = value; };
  const each = (testids, f) => main.querySelectorAll(testids).forEach(el =>
    el.closest('[data-testid="stForm"]') || put(el.dataset.testid, el, f(el)));
  each('[data-testid="stSlider"]', el => [...el.querySelectorAll('input[type=range]')].map(i => i.getAttribute('aria-valuetext')).join(' – '));
  each('[data-testid="stNumberInput"], [data-testid="stTextInput"], [data-testid="stTextArea"]', el => el.querySelector('input, textarea').value);
  each('[data-testid="stCheckbox"]', el => el.querySelector('input').checked);
  each('[data-testid="stSelectbox"]', el => el.querySelector('input').value);
  each('[data-testid="stMultiSelect"]', el => el.innerText.split('\\n').slice(1).join('|'));
  each('[data-testid="stRadio"]', el => [...el.querySelectorAll('input')].findIndex(i => i.checked));
  each('[data-testid="stButtonGroup"]', el => [...el.querySelectorAll('button[aria-checked="true"]')].map(b => b.innerText).join('|'));
  return out;
}"""


def shown(page: Page) -> dict:
    """Return every widget of the main area by kind and label, with the value it shows."""
    return page.evaluate(SHOWN)


def drawn(page: Page) -> dict | None:
    """Return what :func:`shown` returns once the page has drawn its widgets (the same twice, half a second apart)."""
    now = shown(page)
    page.wait_for_timeout(500)
    settled = any(not kind.startswith("stButtonGroup") for kind in now) and shown(page) == now
    return now if settled else None


def change_every_control(page: Page) -> list[str]:
    """Move each enabled widget of the main area once, as a student would; return the labels changed."""
    changed: list[str] = []
    kinds = {
        "stSlider": lambda w: (
            w.locator("input[type=range]").first.focus(timeout=5000),
            page.keyboard.press("ArrowRight"),
        ),
        "stNumberInput": lambda w: (
            w.locator("input").focus(timeout=5000),
            page.keyboard.press("ArrowUp"),
            page.keyboard.press("Enter"),
        ),
        "stCheckbox": lambda w: w.locator("label").first.click(timeout=5000),
        "stSelectbox": lambda w: (
            w.locator("input").click(timeout=5000),
            page.keyboard.press("ArrowDown"),
            page.keyboard.press("Enter"),
        ),
        "stRadio": lambda w: w.locator("label").last.click(timeout=5000),
    }
    for kind, move in kinds.items():
        index = 0
        while index < page.locator(f'{MAIN} [data-testid="{kind}"]').count():
            widget = page.locator(f'{MAIN} [data-testid="{kind}"]').nth(index)
            index += 1
            try:  # a change can take a widget away (a smaller output has fewer cells to pick)
                label = widget.locator('[data-testid="stWidgetLabel"]').inner_text(timeout=3000).strip()
            except PlaywrightTimeout:
                continue
            disabled = widget.locator("input[disabled], input[aria-disabled=true]").count() > 0
            in_form = widget.locator('xpath=ancestor::*[@data-testid="stForm"]').count() > 0  # staged, sent by a button
            if disabled or in_form or any(label.startswith(skip) for skip in SKIP) or not widget.is_visible():
                continue
            for _ in range(2):  # a widget drawn again by its fragment's rerun is found afresh once
                try:
                    move(widget)
                    break
                except PlaywrightTimeout:
                    wait_idle(page, FIRST_RUN_MS)
            else:
                continue
            wait_idle(page, FIRST_RUN_MS)
            changed.append(f"{kind}: {label}")
    return changed


def open_fresh(page: Page, url: str) -> Page:
    """Open ``url`` in a new browser context: no session state, no cookies, as a link sent to a friend."""
    fresh = page.context.browser.new_context(viewport=page.viewport_size).new_page()
    fresh.goto(url)
    wait_idle(fresh, FIRST_RUN_MS)
    fresh.wait_for_timeout(1000)
    wait_idle(fresh, FIRST_RUN_MS)
    return fresh


@pytest.mark.parametrize(
    "path",
    [
        "convolution?mode=matrix",
        "convolution?mode=image",
        "convolution?mode=pool",
        "convolution?mode=act",
        "convolution?mode=transposed",
        "architecture",
        "pipeline",
        "step",
        "losses",
        "training",
        "predict",
    ],
)
def test_every_control_changed_reopens_from_the_link(page: Page, path):
    page.goto(f"{page.base_url}/{path}")
    wait_idle(page, FIRST_RUN_MS)
    before = wait_for(lambda: drawn(page), 30, "the page's widgets")
    changed = change_every_control(page)
    page.wait_for_timeout(500)
    wait_idle(page, FIRST_RUN_MS)
    after = shown(page)
    assert changed and after != before  # the controls did move
    fresh = open_fresh(page, page.url)
    try:  # a fresh page draws its widgets over a few frames: wait for it to settle on the same values
        with contextlib.suppress(AssertionError):
            wait_for(lambda: shown(fresh) == after, 30, "the reopened page to show the same")
        reopened = shown(fresh)
        differences = {k: (v, reopened.get(k)) for k, v in after.items() if reopened.get(k) != v}
        assert differences == {}, page.url
    finally:
        fresh.context.close()
