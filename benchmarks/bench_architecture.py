"""The architecture page: VGG16's shape table, and a server-side rerun of the page showing LeNet.

Two rows, each next to a baseline timed in the same run (interleaved, see timing.py):

- `summarize(VGG16)` at 3x224x224, the table issue 4 wants in under a second, next to the least the
  same machinery can do: building VGG16 on the meta device and running one forward pass there,
  without hooks, FLOP counting or geometry. The ratio is the table's own cost.
- an AppTest rerun of pages/architecture.py with LeNet after switching the weight initialisation
  (default <-> xavier), next to an AppTest rerun of an empty script, as in page_rerun.py: with the
  page's caches warm (both models seen before), compiled per run and once (as page_rerun.py does),
  and with the caches emptied before each rerun (what a student's edit, a model never seen, costs).

`python -m benchmarks.bench_architecture [--repeats N]` runs it alone and prints the table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext

import streamlit as st
import torch

from benchmarks.page_rerun import APP, BASELINE, TIMEOUT_S, bytecode_cached_like_a_server, empty_rerun
from benchmarks.timing import MIN_REPEATS, Comparison, interleaved, machine_header, stopwatch_ms

PAGE = "pages/architecture.py"
VGG16_PARAMS = 134_301_514  # torchvision's vgg16 with a 10-class classifier[6]
LENET_PARAMS = "61,706"
INITS = ("default", "xavier")  # what each page rerun alternates
BATCHES = (1, 2)  # what each summary alternates: the table for one image, then for two


def vgg16_summary() -> tuple[Callable[[int], float], Callable[[int], float]]:
    """Return (measurement, baseline): summarize VGG16, and a bare meta-device forward pass of it."""
    from core.builder import build_model
    from core.presets import PRESETS
    from core.summary import summarize

    spec = PRESETS["vgg16"].spec

    def measure(i: int) -> float:
        batch = BATCHES[i % 2]
        start = time.perf_counter_ns()
        summary = summarize(spec, batch_size=batch)
        elapsed = stopwatch_ms(start)
        if summary.total_params != VGG16_PARAMS or summary.output_shape != (batch, 10):
            raise RuntimeError(f"VGG16's table is wrong: {summary.total_params} params, output {summary.output_shape}")
        return elapsed

    def baseline(i: int) -> float:
        batch = BATCHES[i % 2]
        start = time.perf_counter_ns()
        with torch.no_grad():
            out = build_model(spec, device="meta").eval()(torch.empty(batch, *spec.input_shape, device="meta"))
        elapsed = stopwatch_ms(start)
        if tuple(out.shape) != (batch, 10):
            raise RuntimeError(f"VGG16 on meta gave {tuple(out.shape)}")
        return elapsed

    return measure, baseline


def open_lenet():
    """Return an AppTest that has run the app and switched to the architecture page on LeNet."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(PAGE)
    at.query_params.update(preset="lenet", input="1x32x32")
    at.run()
    check(at)
    return at


def check(at) -> None:
    """Fail loudly when a rerun raised, showed an error or the wrong count: a broken page must not look fast."""
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    if at.error:
        raise RuntimeError(f"the page shows an error: {at.error[0].value}")
    if at.metric[0].value != LENET_PARAMS:
        raise RuntimeError(f"expected {LENET_PARAMS} parameters, the page shows {at.metric[0].value}")


def init_rerun(at, cold: bool = False) -> Callable[[int], float]:
    """Return a measurement: one timed rerun after choosing the other weight initialisation.

    ``cold`` empties Streamlit's caches first (outside the clock), so the rerun computes everything a
    model never seen before needs: table, code, print(model), both figures and the initialised weights.
    """

    def rerun(i: int) -> float:
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()
        start = time.perf_counter_ns()
        at.selectbox(key="arch.init").set_value(INITS[i % 2]).run()
        elapsed = stopwatch_ms(start)
        check(at)
        return elapsed

    return rerun


def run(repeats: int) -> list[Comparison]:
    """Time VGG16's summary and the LeNet page rerun, each next to its same-run baseline."""
    times = interleaved(*vgg16_summary(), repeats)
    results = [
        Comparison(
            "summarize(VGG16), 3×224×224, batch 1↔2", "VGG16 built on meta + one forward, no table", 1000, *times
        )
    ]
    for cached in (False, True):
        with bytecode_cached_like_a_server() if cached else nullcontext():
            how = ", compiled once" if cached else ""
            times = interleaved(init_rerun(open_lenet()), empty_rerun(), repeats)
            results.append(
                Comparison(f"server: architecture page, LeNet, init default↔xavier{how}", BASELINE, 100, *times)
            )
    # every edit makes a new spec, which nothing is cached for yet
    times = interleaved(init_rerun(open_lenet(), cold=True), empty_rerun(), repeats)
    name = "server: architecture page, LeNet, init default↔xavier, caches empty"
    results.append(Comparison(name, BASELINE, 100, *times))
    return results


def main() -> int:
    from benchmarks.__main__ import plain, rows

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_architecture", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=MIN_REPEATS, help=f"timed repetitions (default {MIN_REPEATS})")
    args = parser.parse_args()
    header = machine_header(args.repeats)
    print(plain(header, rows(run(args.repeats))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
