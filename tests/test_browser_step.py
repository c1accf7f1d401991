"""The Training step page in a real Chromium against `streamlit run`: three batches, the loss changes, a weight moves.

Every wait is on DOM state (the status line, a metric's text, Streamlit's script state), never a sleep.
"""

from __future__ import annotations

import pytest
from conftest import wait_idle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000  # a new session's first run imports torch and loads the digits
RERUN_MS = 20_000  # a step takes a few ms; the margin is for a busy 2-core machine
EXCEPTION = '[data-testid="stException"]'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def metric(pg: Page, label: str):
    return pg.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')


def test_three_batches_change_the_loss_and_the_step_moves_a_weight_as_written(page: Page, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(page.base_url + "/step")
    next_batch = page.get_by_role("button", name="Next batch")
    expect(next_batch).to_be_visible(timeout=FIRST_RUN_MS)
    wait_idle(page, FIRST_RUN_MS)

    losses = []
    for step in (1, 2, 3):
        next_batch.click()
        expect(page.get_by_text(f"Step {step} · epoch 1, batch {step} of 79")).to_be_visible(timeout=RERUN_MS)
        wait_idle(page)
        losses.append(metric(page, "Loss on this batch").inner_text())
    assert len(set(losses)) == 3, losses
    assert "step=3" in page.url  # a shared link replays the same three steps

    page.get_by_role("radio", name="5 Step").click()  # the "Look inside" segmented control
    expect(
        page.get_by_text("Written out by hand, the update gives exactly what optimizer.step() wrote.")
    ).to_be_visible(timeout=RERUN_MS)
    wait_idle(page)
    before = metric(page, "Weight before").inner_text()
    after = metric(page, "After optimizer.step()").inner_text()
    assert before != after, (before, after)
    loop = page.locator('[data-testid="stCode"]').first  # the loop beside the phase, this phase's line marked
    expect(loop).to_contain_text("optimizer.step()  # ◀◀ 5. step: update every weight")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    shot = tmp_path / "step.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(PNG_MAGIC)
