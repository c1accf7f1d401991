"""The predict page in a real Chromium against `streamlit run`: an uploaded photo, a broken file, a drawn digit.

Every wait is on DOM state (a metric's text, a caption, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect
from test_page_predict import digit_upload

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1600}
FIRST_RUN_MS = 60_000  # a new session's first run imports torch and loads the model
RERUN_MS = 20_000  # a rerun takes well under a second; the margin is for a busy 2-core machine
PREDICTION = '[data-testid="stMetric"]:has-text("Prediction") [data-testid="stMetricValue"]'
EXCEPTION = '[data-testid="stException"]'
ERROR = '[data-testid="stAlertContentError"]'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_SCREENSHOT_BYTES = 20_000  # a blank page compresses to a few kB; this page is far more


@pytest.fixture
def tall_page(browser, server):
    """A fresh browser page, tall enough to show the picture, its preprocessing and the prediction at once."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.base_url = server
    yield pg
    context.close()


def screenshot(pg: Page, path) -> None:
    """Save a screenshot once the charts have drawn, and check it is a real, non-trivial PNG."""
    pg.screenshot(path=path, full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path} is only {len(data)} bytes: a blank page?"


def charts_drawn(pg: Page, count: int) -> None:
    """Wait until ``count`` plotly charts have drawn their SVG (they load after the script is idle)."""
    expect(pg.locator(".js-plotly-plot .main-svg").nth(count * 2 - 1)).to_be_attached(timeout=RERUN_MS)


def test_an_uploaded_photo_is_predicted_with_its_preprocessing_and_feature_maps_and_a_broken_file_is_named(
    tall_page: Page, tmp_path
):
    pg = tall_page
    name, data, digit = digit_upload(20)
    photo = tmp_path / name
    photo.write_bytes(data)
    broken = tmp_path / "broken.png"
    broken.write_bytes(data[: len(data) // 3])

    pg.goto(pg.base_url + "/predict")
    expect(pg.get_by_role("heading", name="Predict", exact=True)).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(pg, FIRST_RUN_MS)
    pg.locator(".st-key-predict-images input[type=file]").set_input_files([photo, broken])

    expect(pg.locator(PREDICTION)).to_have_text(str(digit), timeout=RERUN_MS)
    wait_idle(pg)
    expect(pg.locator(ERROR)).to_have_count(1)
    expect(pg.locator(ERROR)).to_contain_text("broken.png could not be decoded")
    expect(pg.locator(EXCEPTION)).to_have_count(0)
    expect(
        pg.get_by_text("Ink found, fitted into the box, centred · 32 × 32 · L")
    ).to_be_visible()  # the preprocessing, step by step
    charts_drawn(pg, 2)  # the input tensor's heatmap and the probability bars
    screenshot(pg, tmp_path / "predict_upload_top.png")

    maps = pg.get_by_text("conv1: 6 of 6 channels")
    maps.scroll_into_view_if_needed()
    expect(maps).to_be_visible()
    grid = pg.locator('[data-testid="stImage"]').filter(has_text="conv1: 6 of 6 channels").locator("img")
    assert grid.evaluate("img => img.complete && img.naturalWidth") > 500  # 6 tiles of 84 px
    expect(pg.get_by_text(f"Grad-CAM for {digit} on the last conv layer")).to_be_visible()
    screenshot(pg, tmp_path / "predict_upload_inside.png")


def test_a_vertical_stroke_drawn_on_the_canvas_is_read_as_a_one(tall_page: Page, tmp_path):
    pg = tall_page
    pg.goto(pg.base_url + "/predict?model=bundled:digits_lenet&input=draw")
    canvas = pg.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(pg, FIRST_RUN_MS)
    expect(pg.get_by_text("Draw a digit in the square")).to_be_visible()
    box = canvas.bounding_box()
    # A "1" as most writers of the digits data set wrote it: one stroke down the middle, top to bottom.
    # It starts left of the centre: the canvas's toolbar covers the top right strip while the mouse is over it.
    x, top, bottom = box["x"] + 130, box["y"] + 40, box["y"] + 250
    pg.mouse.move(x, top)
    pg.mouse.down()
    for i in range(1, 31):
        pg.mouse.move(x, top + (bottom - top) * i / 30)
    pg.mouse.up()

    expect(pg.locator(PREDICTION)).to_have_text("1", timeout=RERUN_MS)
    wait_idle(pg)
    expect(pg.locator(EXCEPTION)).to_have_count(0)
    expect(pg.get_by_text("Original · 280 × 280 · RGB")).to_be_visible()  # the drawing, decoded like a photo
    charts_drawn(pg, 2)
    screenshot(pg, tmp_path / "predict_drawn_one.png")
