"""The predict page: one uploaded picture to its prediction and feature maps, and the cost per picture of a batch.

Rows, each next to a baseline timed in the same run (interleaved, see timing.py):

- an AppTest rerun of pages/predict.py with the bundled LeNet after uploading the other of two digit
  pictures (so every rerun decodes a new upload, predicts it, shows its preprocessing, the probability
  bars, the feature maps, the first-layer filters and Grad-CAM), next to an AppTest rerun of an empty
  script, as in page_rerun.py: compiled per run and once (as a server does).
- `core.inference.predict` on a batch of 100 pictures, divided by 100, next to `predict` on one picture:
  what a picture costs in a batch against alone. Small digit pictures (64x64), then photos (640x427),
  whose resize dominates. The app's torch thread count (Settings.app_torch_threads) is used.

`python -m benchmarks.bench_predict [--repeats N]` runs it alone and prints the table.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext

import torch
from PIL import Image

from benchmarks.page_rerun import APP, BASELINE, TIMEOUT_S, bytecode_cached_like_a_server, empty_rerun
from benchmarks.timing import MIN_REPEATS, Comparison, interleaved, machine_header, stopwatch_ms
from tests.apptest import navigation_known

PAGE = "pages/predict.py"
MODEL = "bundled:digits_lenet"
DIGITS = (3, 4)  # rows of scikit-learn's digits (a 3 and a 4) uploaded in turn
PHOTO_PX = 64  # each digit is upscaled to this, dark ink on white, as a photo of it would be
BATCH = 100


def digit_picture(row: int) -> tuple[Image.Image, str]:
    """Return scikit-learn's digit ``row`` as an upscaled RGB picture, and its true class."""
    from core.data_source import digits_source

    pixels, labels = digits_source()
    picture = Image.fromarray(pixels[row, 0].numpy(), "L").convert("RGB")
    return picture.resize((PHOTO_PX, PHOTO_PX), Image.Resampling.BILINEAR), str(labels[row])


def png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def open_predict():
    """Return an AppTest that has run the app and switched to the predict page on LeNet."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(PAGE)
    at.query_params.update(model=MODEL, input="upload")
    at.run()
    check(at)
    return at


def check(at, expected: str | None = None) -> None:
    """Fail loudly when a rerun raised, showed an error or predicted wrongly: a broken page must not look fast."""
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].message}")
    if at.error:
        raise RuntimeError(f"the page shows an error: {at.error[0].value}")
    if expected is None:
        return
    predicted = [m.value for m in at.metric if m.label == "Prediction"]
    if predicted != [expected]:
        raise RuntimeError(f"expected the prediction {expected}, the page shows {predicted}")
    if not any(c.startswith("conv1: 6 of 6 channels") for image in at.image for c in image.captions):
        raise RuntimeError("the page shows no feature maps")


def upload_rerun(at) -> Callable[[int], float]:
    """Return a measurement: one timed rerun after uploading the other digit picture."""
    uploads = []
    for row in DIGITS:
        picture, label = digit_picture(row)
        uploads.append(((f"digit_{row}.png", png(picture), "image/png"), label))

    def rerun(i: int) -> float:
        file, label = uploads[i % 2]
        uploader = at.file_uploader(key="predict.images")
        start = time.perf_counter_ns()
        uploader.set_value(file).run()
        elapsed = stopwatch_ms(start)
        check(at, label)
        return elapsed

    return rerun


def batch_per_picture(pictures: list[Image.Image]) -> tuple[Callable[[int], float], Callable[[int], float]]:
    """Return (measurement, baseline): predict on BATCH pictures divided by BATCH, and predict on one."""
    from core.inference import predict
    from core.model_files import load_bundled

    loaded = load_bundled(MODEL.partition(":")[2])
    batch = [pictures[i % len(pictures)] for i in range(BATCH)]

    def measure(_: int) -> float:
        start = time.perf_counter_ns()
        predictions = predict(loaded, batch)
        elapsed = stopwatch_ms(start)
        if len(predictions) != BATCH:
            raise RuntimeError(f"{len(predictions)} predictions for {BATCH} pictures")
        return elapsed / BATCH

    def baseline(i: int) -> float:
        start = time.perf_counter_ns()
        predictions = predict(loaded, [pictures[i % len(pictures)]])
        elapsed = stopwatch_ms(start)
        if len(predictions) != 1:
            raise RuntimeError("no prediction for one picture")
        return elapsed

    return measure, baseline


def run(repeats: int) -> list[Comparison]:
    """Time the page's upload rerun and the per-picture cost of a batch, each next to its same-run baseline."""
    from core.images import sample_photos
    from core.settings import Settings

    results = []
    for cached in (False, True):
        with bytecode_cached_like_a_server() if cached else nullcontext():
            how = ", compiled once" if cached else ""
            times = interleaved(upload_rerun(open_predict()), empty_rerun(), repeats)
            name = f"server: predict page, LeNet, new upload → prediction + feature maps + Grad-CAM{how}"
            results.append(Comparison(name, BASELINE, 100, *times))

    torch.set_num_threads(Settings.from_env().app_torch_threads)  # as the app runs (streamlit_app.py)
    digits = [digit_picture(row)[0] for row in range(10)]
    times = interleaved(*batch_per_picture(digits), repeats)
    name = f"predict(), LeNet, per picture in a batch of {BATCH} ({PHOTO_PX}×{PHOTO_PX} digits)"
    results.append(Comparison(name, "predict() on 1 picture", 10, *times))
    photos = list(sample_photos().values())  # 640 x 427 RGB
    times = interleaved(*batch_per_picture(photos), repeats)
    name = f"predict(), LeNet, per picture in a batch of {BATCH} (640×427 photos)"
    results.append(Comparison(name, "predict() on 1 picture", 10, *times))
    return results


def main() -> int:
    from benchmarks.__main__ import plain, rows

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_predict", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=MIN_REPEATS, help=f"timed repetitions (default {MIN_REPEATS})")
    args = parser.parse_args()
    header = machine_header(args.repeats)
    with tempfile.TemporaryDirectory(prefix="stride-bench-runs-") as runs_dir, navigation_known():
        os.environ["STRIDE_RUNS_DIR"] = runs_dir  # the page lists runs: never the repository's runs/
        print(plain(header, rows(run(args.repeats))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
