"""Your own data in a real Chromium against `streamlit run`: a zip of class folders is uploaded on the Training
page, trained on, and the run's model predicts one of the zip's pictures on the Predict page.

Every wait is on DOM state (the status box, a metric's text, the URL, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from conftest import type_in, wait_idle
from playwright.sync_api import Page, expect
from test_run_data import coloured_zip

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000  # a new session's first run imports torch and loads the digits for the preview
RERUN_MS = 30_000  # reading a 40-picture zip takes well under a second; the margin is for a busy machine
RUN_MS = 120_000  # 3 epochs of 28 pictures: seconds alone, far longer on a busy 2-core machine
FINISHED = '[data-testid="stAlertContentSuccess"]'
PREDICTION = '[data-testid="stMetric"]:has-text("Prediction") [data-testid="stMetricValue"]'
EXCEPTION = '[data-testid="stException"]'


def test_a_zip_of_class_folders_trains_and_predicts_one_of_its_pictures(page: Page, tmp_path):
    data = coloured_zip()
    archive = tmp_path / "hymenoptera.zip"
    archive.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        bee = tmp_path / "bees7.png"
        bee.write_bytes(opened.read("hymenoptera/bees/bees7.png"))

    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(page.base_url + "/training")
    start = page.get_by_role("button", name="Start training")
    expect(start).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(page, FIRST_RUN_MS)
    page.get_by_label("Data set", exact=True).click()
    page.get_by_role("option", name="Your pictures (a zip of class folders)").click()
    expect(page.get_by_text("Upload a zip with one folder per class")).to_be_visible(timeout=RERUN_MS)
    wait_idle(page)
    page.locator(".st-key-train-upload_zip input[type=file]").set_input_files(archive)
    expect(page.get_by_text("40 pictures in 2 classes from your zip", exact=False)).to_be_attached(timeout=RERUN_MS)
    expect(page.get_by_text("Split: 28 training · 4 validation · 8 test samples")).to_be_visible()
    wait_idle(page)
    type_in(page, "Epochs", 3)
    type_in(page, "Batch size", 8)
    expect(start).to_be_enabled()

    start.click()
    expect(page).to_have_url(re.compile(r"[?&]run=[0-9]{8}-[0-9]{6}-[0-9a-f]{8}(&|$)"), timeout=FIRST_RUN_MS)
    run_id = re.search(r"run=([0-9a-f-]+)", page.url).group(1)
    expect(page.locator(FINISHED)).to_contain_text("Finished", timeout=RUN_MS)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)

    page.goto(page.base_url + f"/predict?model=run:{run_id}")
    expect(page.get_by_role("heading", name="Predict", exact=True)).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(page, FIRST_RUN_MS)
    page.locator(".st-key-predict-images input[type=file]").set_input_files(bee)
    expect(page.locator(PREDICTION)).to_have_text("bees", timeout=RERUN_MS)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
