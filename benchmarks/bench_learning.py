"""How a network learns (issue 14): the step view, the batch viewer, and training on an uploaded zip.

Three rows, each next to a baseline timed in the same run (interleaved, see timing.py):

- an AppTest rerun of pages/step.py after a click on "Next batch" (LeNet on digits, SGD, batch 16,
  the "Forward" phase shown), next to an AppTest rerun of an empty script. Each click takes a real
  optimizer step; the check after the clock stops is that the step count moved on by one.
  Target: p95 <= 150 ms.
- an AppTest rerun of pages/pipeline.py after moving the batch viewer's iteration slider (digits,
  batch_size 64, 1 <-> 2), next to the empty script. Checked: the caption names the new iteration.
  Target: p95 <= 100 ms.
- training on an uploaded zip: 2,000 generated shape pictures (32x32 PNGs in 10 class folders) read
  by core.uploads as the Training page reads them, stored as the run's data file; the measurement
  is the worker's part (reading that file with core.run_data, then ``train()``, the Net preset, 2
  epochs), the baseline ``train()`` on the very same tensors as a built-in set already in memory.
  Target: the upload's images/s at least 0.9 of the built-in set's.

`python -m benchmarks.bench_learning [--repeats N]` runs it alone and prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import math
import sys
import time
import zipfile
from collections.abc import Callable

import numpy as np

from benchmarks.bench_training import REPEATS, images_per_s, interleaved_swapped, ratio_row, say
from benchmarks.page_rerun import APP, BASELINE, TIMEOUT_S, empty_rerun
from benchmarks.timing import Comparison, interleaved, machine_header, stopwatch_ms

UPLOAD_IMAGES = 2_000
UPLOAD_EPOCHS = 2
TARGET_UPLOAD = 0.9  # upload images/s / built-in images/s, at least


def open_page(page: str, **query: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return at


def step_rerun() -> Callable[[int], float]:
    """Return a measurement: one timed rerun of the step page after a click on "Next batch"."""
    at = open_page("pages/step.py", phase="forward")

    def rerun(i: int) -> float:
        before = at.session_state["step.stepper"].step
        start = time.perf_counter_ns()
        at.button(key="step.next").click().run()
        elapsed = stopwatch_ms(start)
        if at.exception or at.session_state["step.stepper"].step != before + 1:
            raise RuntimeError(f"the step page did not take a step: {at.exception}")
        return elapsed

    return rerun


def batch_viewer_rerun() -> Callable[[int], float]:
    """Return a measurement: one timed rerun of the pipeline page after moving the iteration slider 1 <-> 2."""
    at = open_page("pages/pipeline.py", dataset="digits", batch_size="64")

    def rerun(i: int) -> float:
        iteration = 1 + i % 2
        start = time.perf_counter_ns()
        at.slider(key="pipe.iteration").set_value(iteration).run()
        elapsed = stopwatch_ms(start)
        shown = [c.value for c in at.caption if c.value.startswith(f"Iteration {iteration} of 20 gets 64 samples")]
        if at.exception or not shown:
            raise RuntimeError(f"the batch viewer does not show iteration {iteration}")
        return elapsed

    return rerun


def shapes_zip(count: int) -> bytes:
    """Return ``count`` generated shape pictures as PNGs in one folder per class, zipped (stored, no compression)."""
    from PIL import Image

    from core.generated_shapes import SHAPE_CLASSES, draw_shapes, shape_params

    params = shape_params(count, seed=0)
    pictures = draw_shapes(params, np.arange(count))  # (count, 32, 32, 3) uint8
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i, (picture, label) in enumerate(zip(pictures, params["label"][:count], strict=True)):
            png = io.BytesIO()
            Image.fromarray(picture).save(png, format="PNG")
            archive.writestr(f"shapes/{SHAPE_CLASSES[label]}/{i}.png", png.getvalue())
    return buffer.getvalue()


def upload_training() -> tuple[Callable[[int], float], Callable[[int], float], int]:
    """Return (measurement, baseline, images per run): the worker on a stored upload vs the same tensors built in."""
    from core.config import TrainConfig
    from core.run_data import data_from_bytes, data_to_bytes
    from core.train import steps_per_epoch, train
    from core.uploads import load_image_zip

    upload, skipped = load_image_zip(shapes_zip(UPLOAD_IMAGES), input_size=32, max_bytes=1 << 30)
    if skipped or upload.num_classes != 10:
        raise RuntimeError(f"the zip read wrongly: {len(skipped)} files left out, {upload.num_classes} classes")
    stored = data_to_bytes(upload)  # what the Training page writes into the run
    built_in = dataclasses.replace(upload, key="shapes")  # the same tensors, as a loaded built-in set
    config = TrainConfig(dataset="zip", model="net_three_elements", epochs=UPLOAD_EPOCHS, max_samples=UPLOAD_IMAGES)
    steps = UPLOAD_EPOCHS * steps_per_epoch(len(upload.y_train), config.batch_size)
    images = UPLOAD_EPOCHS * len(upload.y_train)

    def checked(name: str, result) -> None:
        if result.state != "finished" or result.step != steps or not math.isfinite(result.metrics["train_loss"]):
            raise RuntimeError(f"{name}: {result.state} after {result.step} of {steps} steps: {result.reason}")

    def measure(i: int) -> float:
        start = time.perf_counter_ns()
        result = train(dataclasses.replace(config, seed=i % 2), data_from_bytes(stored))
        elapsed = stopwatch_ms(start)
        checked("upload", result)
        return elapsed

    def baseline(i: int) -> float:
        start = time.perf_counter_ns()
        result = train(dataclasses.replace(config, dataset="shapes", seed=i % 2), built_in)
        elapsed = stopwatch_ms(start)
        checked("built-in", result)
        return elapsed

    return measure, baseline, images


def run(repeats: int) -> list[Comparison]:
    """Time the step view's rerun, the batch viewer's rerun and training on an upload, each next to its baseline."""
    results = [
        Comparison(
            "server: training step page, LeNet on digits, Next batch",
            BASELINE,
            150,
            *interleaved(step_rerun(), empty_rerun(), repeats),
        ),
        Comparison(
            "server: data pipeline page, digits, batch viewer iteration 1↔2",
            BASELINE,
            100,
            *interleaved(batch_viewer_rerun(), empty_rerun(), repeats),
        ),
    ]
    runs = max(2, min(repeats, REPEATS))
    started = time.perf_counter()
    measure, baseline, images = upload_training()
    times = interleaved_swapped(measure, baseline, runs)
    ours, theirs = images_per_s(images, times[0]), images_per_s(images, times[1])
    name = (
        f"training: Net on an uploaded zip of {UPLOAD_IMAGES:,} pictures, {UPLOAD_EPOCHS} epochs, read from the "
        f"run's data file: {ours:,.0f} img/s vs {theirs:,.0f} = {ours / theirs:.2f}× (target ≥ {TARGET_UPLOAD}×), {runs} runs"
    )
    base_name = "train() on the same tensors as a built-in set, already in memory"
    results.append(ratio_row(name, base_name, 1 / TARGET_UPLOAD, *times))
    say(f"  {name}: {time.perf_counter() - started:.0f} s")
    return results


def main() -> int:
    from benchmarks.__main__ import plain, rows
    from tests.apptest import navigation_known

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_learning", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed repetitions (default 50)")
    args = parser.parse_args()
    header = machine_header(args.repeats)
    with navigation_known():
        print(plain(header, rows(run(args.repeats))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
