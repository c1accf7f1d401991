"""Server-side rerun of the convolution page, driven by AppTest, next to a rerun of an empty script.

AppTest runs the real script (streamlit_app.py, its navigation and sidebar, then the page) in this
process, with no browser and no network: what is timed is Python work on the server, the part of a
slider move the app's own code controls. The empty script's rerun is the floor AppTest itself costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from benchmarks.timing import Comparison, interleaved, stopwatch_ms

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
PAGE = "pages/convolution.py"
TIMEOUT_S = 60  # per AppTest run; the first one imports torch
BASELINE = "AppTest rerun, empty script"
# (stride, output shown) for the default settings: matrix 5x5, kernel 3, padding 0
MATRIX_STRIDES = ((2, "2 × 2"), (1, "3 × 3"))
# the image section's first photo, 427 rows x 640 columns: a 3x3 kernel at stride 1 keeps 425 x 638.
# Alternating kernels (not strides) convolves and encodes the full-size output on every rerun.
PHOTO = "china.jpg"
IMAGE_KERNELS = ("gaussian", "sobel_x")
IMAGE_OUTPUT = "425 × 638"
# issue 15: the channels section at C_in=3, C_out=8 on a 7x7 input (kernel 3 keeps 5 x 5), moving the
# output channel shown (every figure and sum is redone); the photo through a real Conv2d(3, 8, 3)
CHANNELS_LINK = {"mode": "channels", "cin": "3", "cout": "8", "groups": "1", "size": "7", "kernel": "3"}
CHANNELS_OUTPUT = "5 × 5"
OUT_CHANNELS = (0, 7)


@contextmanager
def bytecode_cached_like_a_server() -> Iterator[None]:
    """Let every AppTest run share one ScriptCache, as the sessions of a `streamlit run` server do.

    AppTest builds a new ScriptCache for each run, so each rerun parses, rewrites (magic) and
    compiles streamlit_app.py and pages/convolution.py again; a real server compiles them once.
    """
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = app_test.ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


def open_page(section: str, **link: str):
    """Return an AppTest that has run the app and switched to the convolution page in this mode (or link)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params.update(link)
    at.run()
    at.switch_page(PAGE)
    at.query_params.update(link)
    at.run()
    if section != "matrix" and not link:
        at.segmented_control(key="conv.mode").set_value(section).run()
    check(at)
    return at


def check(at, output: str | None = None) -> None:
    """Fail loudly when a rerun raised or showed the wrong output: a broken page must not look fast."""
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    if output is not None and at.metric[0].value != output:
        raise RuntimeError(f"expected output {output}, the page shows {at.metric[0].value}")


def empty_rerun() -> Callable[[int], float]:
    """Return a baseline: one timed rerun of an AppTest whose script only imports streamlit."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st", default_timeout=TIMEOUT_S)
    at.run()

    def rerun(_: int) -> float:
        start = time.perf_counter_ns()
        at.run()
        return stopwatch_ms(start)

    return rerun


def stride_rerun(at) -> Callable[[int], float]:
    """Return a measurement: one timed rerun after moving the stride slider to the next value."""

    def rerun(i: int) -> float:
        stride, output = MATRIX_STRIDES[i % 2]
        start = time.perf_counter_ns()
        at.slider(key="conv.matrix.stride_h").set_value(stride).run()
        elapsed = stopwatch_ms(start)
        check(at, output)
        return elapsed

    return rerun


def kernel_rerun(at) -> Callable[[int], float]:
    """Return a measurement: one timed rerun after choosing the next image kernel preset."""

    def rerun(i: int) -> float:
        start = time.perf_counter_ns()
        at.selectbox(key="conv.image.filter").set_value(IMAGE_KERNELS[i % 2]).run()
        elapsed = stopwatch_ms(start)
        check(at, IMAGE_OUTPUT)
        return elapsed

    return rerun


def out_channel_rerun(at) -> Callable[[int], float]:
    """Return a measurement: one timed rerun after moving the channels section's output channel."""

    def rerun(i: int) -> float:
        start = time.perf_counter_ns()
        at.slider(key="conv.channels.oc").set_value(OUT_CHANNELS[i % 2]).run()
        elapsed = stopwatch_ms(start)
        check(at, CHANNELS_OUTPUT)
        return elapsed

    return rerun


def run(repeats: int) -> list[Comparison]:
    """Time the page's reruns in matrix and image mode, each next to the empty-script baseline."""
    results = []
    for cached in (False, True):
        with bytecode_cached_like_a_server() if cached else nullcontext():
            how = ", compiled once" if cached else ""
            baseline = empty_rerun()

            matrix = open_page("matrix")
            times = interleaved(stride_rerun(matrix), baseline, repeats)
            results.append(Comparison(f"server: matrix mode, stride 1↔2{how}", BASELINE, 50, *times))

            image = open_page("image")
            if image.selectbox(key="conv.image.photo").value != PHOTO:
                raise RuntimeError(f"the image section no longer opens on {PHOTO}; update this benchmark")
            conv2d = open_page("image")  # the default since issue 15: a real Conv2d(3, C_out, 3); here C_out = 8
            conv2d.slider(key="conv.image.cout").set_value(8).run()
            image.radio(key="conv.image.channels").set_value("gray").run()  # as measured before issue 15
            image.radio(key="conv.image.combine").set_value("depthwise").run()
            times = interleaved(kernel_rerun(image), baseline, repeats)
            name = f"server: image mode ({PHOTO}, gray), kernel {'↔'.join(IMAGE_KERNELS)}{how}"
            results.append(Comparison(name, BASELINE, 120, *times))
            times = interleaved(kernel_rerun(conv2d), baseline, repeats)
            name = f"server: image mode ({PHOTO}, RGB), Conv2d(3, 8, 3), kernel {'↔'.join(IMAGE_KERNELS)}{how}"
            results.append(Comparison(name, BASELINE, 150, *times))

            channels = open_page("channels", **CHANNELS_LINK)
            times = interleaved(out_channel_rerun(channels), baseline, repeats)
            name = f"server: channels mode, Conv2d(3, 8, 3) on 7x7, output channel 0↔7{how}"
            results.append(Comparison(name, BASELINE, 60, *times))
    return results
