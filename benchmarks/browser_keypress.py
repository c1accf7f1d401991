"""A key press on a slider in Chromium until the new output size is in the DOM, next to a bare app's.

Two real `streamlit run` servers on free ports: the Stride app, and a one-slider app written to a
temp dir. One headless Chromium drives both; presses alternate between them. What is timed is what
a student waits for: key down in the browser, the websocket round trip, the script rerun up to the
element that changes, and the browser drawing its new text. The bare app costs the same round trip
with almost no script, so the ratio is what the page's own work adds.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from benchmarks.timing import Comparison, interleaved, stopwatch_ms
from tests.live_server import START_TIMEOUT_S, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STEP_TIMEOUT_MS = 15_000  # one press; far above any real rerun, low enough to fail a hung page
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# true once any element matching the selector shows exactly the text; polled every animation frame
HAS_TEXT = "([selector, text]) => [...document.querySelectorAll(selector)].some(e => e.innerText.trim() === text)"
BARE_APP = """import streamlit as st

value = st.slider("Value", 0, 10, 5, key="value")
st.write(f"value = {value}")
"""
# (key, text afterwards) alternately; the page opens on stride 1 with size 5, kernel 3, padding 1
PAGE_URL = "/convolution?size=5&kernel=3&stride=1&padding=1"
PAGE_STEPS = (("ArrowRight", "3 × 3"), ("ArrowLeft", "5 × 5"))
BARE_STEPS = (("ArrowRight", "value = 6"), ("ArrowLeft", "value = 5"))


def open_slider(browser, url: str, slider_name: str, ready: tuple[str, str]):
    """Open url in a fresh 1400x1000 page; return the page and its slider once `ready` shows."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_function(HAS_TEXT, arg=list(ready), timeout=START_TIMEOUT_S * 1000)
    page.wait_for_selector(IDLE, timeout=START_TIMEOUT_S * 1000)
    return page, page.get_by_role("slider", name=slider_name)


def key_press(page, slider, selector: str, steps) -> Callable[[int], float]:
    """Return a measurement: the time from pressing steps[i % 2]'s key to its text in the DOM."""

    def press(i: int) -> float:
        key, text = steps[i % 2]
        page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)  # the previous rerun has finished
        slider.focus()
        start = time.perf_counter_ns()
        page.keyboard.press(key)
        page.wait_for_function(HAS_TEXT, arg=[selector, text], polling="raf", timeout=STEP_TIMEOUT_MS)
        return stopwatch_ms(start)

    return press


def run(repeats: int) -> list[Comparison]:
    """Time stride key presses on the convolution page next to presses on a bare slider app."""
    if CHROMIUM is None:
        print("browser benchmark skipped: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stride-bench-")))
        bare_script = tmp / "bare" / "bare_slider.py"
        bare_script.parent.mkdir()
        bare_script.write_text(BARE_APP)
        app_url = stack.enter_context(streamlit_server(ROOT / "streamlit_app.py", tmp / "app.log"))
        bare_url = stack.enter_context(streamlit_server(bare_script, tmp / "bare.log"))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)

        page, stride = open_slider(
            browser, app_url + PAGE_URL, "Stride (stride)", ('[data-testid="stMetricValue"]', "5 × 5")
        )
        bare, value = open_slider(browser, bare_url, "Value", ('[data-testid="stMarkdownContainer"] p', "value = 5"))
        times = interleaved(
            key_press(page, stride, '[data-testid="stMetricValue"]', PAGE_STEPS),
            key_press(bare, value, '[data-testid="stMarkdownContainer"] p', BARE_STEPS),
            repeats,
        )
        name = f"browser: stride key press to new output size (Chromium {browser.version.split('.')[0]})"
        return [Comparison(name, "key press, bare slider app", 300, *times)]
