"""Shared links at the edges of the sliders, in a real Chromium: every section renders, clamped with a warning.

A link is untrusted text: a value past a section's slider (the transposed section stops at size 6
and kernel 5) is moved to the nearest one the slider has and said so; nothing raises. The address
the browser sends with each rerun is read as a link only when it can be one: a click sent before
the browser heard the last run keeps that run's change, and the back button still steps back.
"""

from __future__ import annotations

import re

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 30_000  # a new session's first run imports torch and draws every figure
EDGES = "size=12&kernel=7&stride=4&padding=4&dilation=3"  # the highest value of every slider
WARNING = '[data-testid="stAlertContentWarning"]'
EXCEPTION = '[data-testid="stException"]'
TITLE = "Convolution explorer"


def _open(page: Page, query: str) -> None:
    page.goto(f"{page.base_url}/convolution?{query}")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(page, FIRST_RUN_MS)


@pytest.mark.parametrize("mode", ["matrix", "image", "pool", "act"])
def test_a_link_at_every_sliders_edge_opens_each_section_without_an_error(page: Page, mode):
    _open(page, f"mode={mode}&{EDGES}")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"[?&]mode={mode}(&|$)"))


def test_a_link_past_the_transposed_sections_sliders_is_clamped_with_a_warning(page: Page):
    _open(page, f"mode=transposed&{EDGES}")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    warnings = page.locator(WARNING)
    expect(warnings.filter(has_text="size=12")).to_contain_text("1..6")
    expect(warnings.filter(has_text="kernel=7")).to_contain_text("1..5")
    expect(page.get_by_role("slider", name=re.compile(r"^Input size"))).to_have_value("6", timeout=FIRST_RUN_MS)
    expect(page).to_have_url(re.compile(r"[?&]size=6(&|$)"))


def test_the_transposed_link_that_once_raised_now_shows_its_section(page: Page):
    _open(page, "mode=transposed&size=7&kernel=3&stride=1&padding=2")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.locator(WARNING).filter(has_text="size=7")).to_contain_text("nearest valid value 6")
    expect(page.get_by_role("slider", name=re.compile(r"^Kernel size"))).to_have_value("3", timeout=FIRST_RUN_MS)


def _pick(page: Page, label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]', has_text=label).locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _model(page: Page):
    return page.locator('[data-testid="stSelectbox"]', has_text="Model").locator("input")


def test_a_click_sent_before_the_last_run_reached_the_browser_keeps_that_runs_change(page: Page):
    """A slow network: the browser has not heard the run that chose MLP (nor its new address) when the next click goes.

    That click still carries the address that says LeNet; the page keeps MLP and puts the address right.
    """
    held, relay = [], {}

    def hold_back(ws) -> None:
        server = ws.connect_to_server()
        relay["ws"] = ws
        server.on_message(lambda message: held.append(message) if relay.get("hold") else ws.send(message))

    page.route_web_socket(re.compile(r"/_stcore/stream"), hold_back)
    page.goto(f"{page.base_url}/architecture?lang=en&preset=lenet")
    wait_idle(page, FIRST_RUN_MS)
    relay["hold"] = True
    _pick(page, "Model", "MLP")
    finished = lambda: any(ForwardMsg.FromString(m).WhichOneof("type") == "script_finished" for m in held)  # noqa: E731
    for _ in range(300):  # the server ran the page for MLP and wrote preset=mlp; the browser has none of it
        if finished():
            break
        page.wait_for_timeout(100)
    assert finished()
    _pick(page, "Weight initialisation", "Xavier (Glorot)")
    page.wait_for_timeout(1500)
    relay["hold"] = False
    for message in held:
        relay["ws"].send(message)
    wait_idle(page)
    expect(_model(page)).to_have_value("MLP", timeout=FIRST_RUN_MS)
    expect(page).to_have_url(re.compile(r"[?&]preset=mlp(&|$)"))


def test_the_back_button_returns_to_the_setting_before(page: Page):
    page.goto(f"{page.base_url}/architecture?lang=en&preset=lenet")
    wait_idle(page, FIRST_RUN_MS)
    _pick(page, "Model", "MLP")
    expect(page).to_have_url(re.compile(r"[?&]preset=mlp(&|$)"), timeout=FIRST_RUN_MS)
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]preset=lenet(&|$)"))
    expect(_model(page)).to_have_value("LeNet", timeout=FIRST_RUN_MS)
