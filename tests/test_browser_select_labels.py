"""A picker over "the n-th item" in a real Chromium names the item it shows after the items change.

Streamlit sends a keyed selectbox's value to the browser only when the value changes; the browser
keeps the label it had. These pickers keep their place (sample 2 of the iteration) while the items
under it change (another data set, the next batch, another language), so each test changes them and
reads the label the student sees against what the page computes for that place.
"""

from __future__ import annotations

import re

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

from core.data import load_dataset
from core.pipeline import loader_batches

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000
RERUN_MS = 20_000


def selectbox(pg: Page, label: str):
    return pg.locator('[data-testid="stSelectbox"]', has_text=label).locator("input")


def choose_next(pg: Page, label: str) -> None:
    """Open the select box labelled ``label`` and take the option below the current one, as a student would."""
    selectbox(pg, label).click()
    pg.keyboard.press("ArrowDown")
    pg.keyboard.press("Enter")
    pg.wait_for_timeout(300)
    wait_idle(pg, RERUN_MS)


def test_the_sample_picker_names_the_new_data_sets_sample(page: Page):
    page.goto(f"{page.base_url}/pipeline?lang=en&dataset=digits&seed=1&batch_size=65&drop_last=1&sample=1")
    wait_idle(page, FIRST_RUN_MS)
    digits = load_dataset("digits", input_size=8, val_fraction=0.1)
    first = loader_batches(len(digits.y_train), 65, True, True, 1)[0]
    expect(selectbox(page, "Sample")).to_have_value(f"#{first[1]}", timeout=RERUN_MS)

    choose_next(page, "Data set")  # digits -> shapes: the same place in the iteration holds another sample
    assert "dataset=shapes" in page.url and "sample=1" in page.url
    shapes = load_dataset("shapes", input_size=32, val_fraction=0.1)
    first = loader_batches(len(shapes.y_train), 65, True, True, 1)[0]
    expect(selectbox(page, "Sample")).to_have_value(f"#{first[1]}", timeout=RERUN_MS)


def test_the_step_pages_sample_picker_names_the_next_batchs_sample(page: Page):
    page.goto(f"{page.base_url}/step?lang=en")
    next_batch = page.get_by_role("button", name="Next batch")
    expect(next_batch).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(page, FIRST_RUN_MS)
    true_class = page.get_by_text(re.compile(r"^True class: "))
    seen = set()
    for step in (1, 2, 3, 4):
        next_batch.click()
        expect(page.get_by_text(f"Step {step} · epoch 1")).to_be_visible(timeout=RERUN_MS)
        wait_idle(page, RERUN_MS)
        if step == 1:  # the phases are there once a step has run
            page.get_by_role("radio", name="2 Forward").click()
            wait_idle(page, RERUN_MS)
            choose_next(page, "Sample")
        shown = true_class.inner_text().removeprefix("True class: ")
        seen.add(shown)
        expect(selectbox(page, "Sample")).to_have_value(f"sample 2 (label {shown})")
    assert len(seen) > 1, seen  # the batches did put different classes under sample 2


def test_the_add_layer_forms_place_is_named_in_the_language_switched_to(page: Page):
    page.goto(f"{page.base_url}/architecture?lang=en")
    wait_idle(page, FIRST_RUN_MS)
    expect(selectbox(page, "Where")).to_have_value("At the end", timeout=RERUN_MS)
    page.locator('[data-testid="stSidebar"] button', has_text="中文").click()
    wait_idle(page, RERUN_MS)
    expect(selectbox(page, "位置")).to_have_value("末尾", timeout=RERUN_MS)
