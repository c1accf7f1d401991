"""Nothing cut off at 1280 and 1920 px, in both languages, and nothing fetched from the internet.

A page is measured in a real Chromium: text clipped by its box (a metric's "0.002…"), an element
reaching past the main column's right edge, a code line or a matrix editor the reader has to
scroll sideways, or a chart title wider than its chart. The states are the widest each page gets:
the largest matrices, a 3-channel model on Predict, VGG-16's table.
"""

from __future__ import annotations

import pytest
from conftest import wait_idle
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

FIRST_RUN_MS = 60_000

CUT_OFF = """() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const edge = main.getBoundingClientRect().right + 1;
  const hidden = '[data-testid="stSidebar"], .katex-mathml, details:not([open])';
  const cut = [];
  for (const el of main.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || !box.width || !box.height || el.closest(hidden)) continue;
    const text = (el.innerText || '').trim().slice(0, 60);
    const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && text && el.scrollWidth > el.clientWidth + 1) cut.push(`clipped: ${text}`);
    else if (box.right > edge && !el.closest('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"]'))
      cut.push(`past the edge: ${el.tagName} ${text}`);
  }
  for (const el of main.querySelectorAll('pre, .dvn-scroller')) {
    if (el.closest(hidden) || !el.getBoundingClientRect().width) continue;
    if (el.scrollWidth > el.clientWidth + 1) cut.push(`scrolls sideways: ${el.textContent.slice(0, 60)}`);
  }
  for (const chart of main.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const box = chart.getBoundingClientRect();
    for (const title of chart.querySelectorAll('.gtitle')) {
      const r = title.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) cut.push(`chart title: ${title.textContent}`);
    }
  }
  return cut;
}"""

WIDEST = [  # (path and query, widths): each page at its widest
    ("convolution?size=7", (1280, 1920)),
    ("convolution?size=12&kernel=1&lang=zh", (1280,)),
    ("convolution?mode=pool&size=12", (1280,)),
    ("convolution?mode=transposed&size=6&kernel=5", (1280, 1920)),
    ("convolution?mode=image&lang=zh", (1280,)),
    ("convolution?mode=channels&cin=4&cout=8&size=10&kernel=5&padding=2", (1280, 1920)),
    ("convolution?mode=channels&cin=4&cout=8&size=10&kernel=5&padding=2&lang=zh", (1280,)),
    ("convolution?mode=image&cout=8&chk=sobel_x,same,emboss", (1280,)),
    ("architecture?preset=vgg16", (1280, 1920)),
    ("architecture?preset=alexnet_as_written&lang=zh", (1280,)),
    ("predict?model=bundled:shapes_small_cnn", (1280, 1920)),
    ("predict?lang=zh", (1280,)),
    ("step?lang=zh", (1280,)),
    ("losses", (1280,)),
    ("pipeline?lang=zh", (1280, 1920)),
    ("training", (1280,)),
    ("", (1280,)),
]


def cut_off(page: Page) -> list[str]:
    """Return what is cut off on the page as it is now."""
    return page.evaluate(CUT_OFF)


def remote_requests(page: Page) -> list[str]:
    """Start recording the page's requests to anywhere but the app's own server; return the list."""
    requests: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((page.base_url, "data:", "blob:")) else requests.append(r.url)
    )
    return requests


@pytest.mark.parametrize(
    ("path", "width"), [(path, width) for path, widths in WIDEST for width in widths], ids=lambda v: str(v)
)
def test_nothing_is_cut_off_and_nothing_is_fetched_from_the_internet(page: Page, path, width):
    remote = remote_requests(page)
    page.set_viewport_size({"width": width, "height": 1400})
    page.goto(f"{page.base_url}/{path}")
    wait_idle(page, FIRST_RUN_MS)
    page.wait_for_timeout(1500)  # charts and editors lay themselves out after the run
    wait_idle(page, FIRST_RUN_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert cut_off(page) == []
    assert remote == []
