"""The metric records: what the trainer writes is exactly what core.metrics defines, and every reader reads it.

A reader that asks for a field the writer does not write fails here: the records of a real (tiny)
run, image and tabular, go through each reader of the metrics log: the Training page's live area
and run comparison, the command line's progress bar, the TensorBoard scalars and the run store's
own round trip.
"""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from streamlit.testing.v1 import AppTest

from core import metrics
from core.config import TrainConfig
from core.data import load_dataset
from core.metrics import KINDS, EndRecord, EpochRecord, StartRecord, StepRecord
from core.runs import METRICS_FILE, RunStore
from core.train import train
from core.train_cli import ProgressBar

RUNS = {
    "image": (TrainConfig(dataset="digits", model="lenet", epochs=2, batch_size=64, max_samples=200), "digits"),
    "tabular": (
        TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=2, batch_size=16, lr=0.01, max_samples=200),
        "synthetic3",
    ),
}


@pytest.fixture(scope="module", params=list(RUNS))
def records(request) -> list:
    config, dataset = RUNS[request.param]
    data = load_dataset(dataset, max_samples=config.max_samples)
    emitted: list = []
    assert train(config, data, emit=emitted.append).state == "finished"
    return emitted


def test_a_run_writes_every_kind_of_record_but_resume(records):
    kinds = [r.kind for r in records]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert {"step", "epoch"} <= set(kinds)


def test_each_record_on_disk_holds_exactly_its_kinds_fields_and_reads_back_equal(records, tmp_path):
    store = RunStore(tmp_path / "runs")
    run_id = store.create_run({}).run_id
    store.append_metrics(run_id, *records)
    for line in (store.run_dir(run_id) / METRICS_FILE).read_text().splitlines():
        data = json.loads(line)
        fields = {f.name for f in dataclasses.fields(KINDS[data["kind"]])}
        assert set(data) == {"kind"} | fields, data["kind"]
    assert store.read_metrics(run_id)[0] == records


def test_a_record_missing_a_field_is_not_read(records):
    epoch = next(r for r in records if isinstance(r, EpochRecord))
    data = metrics.to_json(epoch)
    del data["val_acc"]
    assert metrics.from_json(data) is None
    assert metrics.from_json({**metrics.to_json(epoch), "added_later": 1}) == epoch  # newer logs still read


def test_the_progress_bar_reads_every_record(records):
    out = io.StringIO()
    bar = ProgressBar(stream=out)
    bar.live = True  # draw the bar too, not only the epoch lines
    for record in records:
        bar(record)
    text = out.getvalue()
    start, end = records[0], records[-1]
    assert f"{start.n_train} training images" in text and f"epoch {start.epochs}/{start.epochs}" in text
    assert f"acc {end.test_acc:.1%}" in text


def test_tensorboard_gets_the_numbers_of_every_record_with_a_step(records):
    for record in records:
        plotted = metrics.scalars(record)
        if isinstance(record, StepRecord):
            assert {"acc", "lr", "images_per_s"} <= set(plotted)
        if isinstance(record, EpochRecord):
            assert {"train_acc", "val_loss", "val_acc"} <= set(plotted)
        if isinstance(record, EndRecord):
            assert {"test_loss", "test_acc"} <= set(plotted)


def _live_area(records: list) -> None:
    """The Training page's readers, as the live area and the comparison call them."""
    from core.classroom import Classroom  # noqa: F401 (the readers' imports, as on the page)
    from core.config import config_differences
    from core.jobs import Job
    from core.metrics import EpochRecord, StepRecord, current
    from core.run_status import RunStatus
    from ui import run_views

    job = Job("run", None, RunStatus("finished"), None)
    run_views.progress_ui(records, job)
    run_views.metrics_ui(records, job)
    run_views.curves_ui(records)
    run_views.epoch_views_ui(records)
    epochs, steps = current(records, EpochRecord), current(records, StepRecord)
    assert [r.val_acc for r in epochs] and [r.loss for r in steps]
    config_differences({"a": {"lr": 0.1}, "b": {"lr": 0.2}})


def test_the_live_area_draws_a_finished_runs_records(records):
    at = AppTest.from_function(_live_area, args=(records,), default_timeout=60).run()
    assert not at.exception, at.exception
    start = next(r for r in records if isinstance(r, StartRecord))
    end = records[-1]
    assert f"{end.test_acc:.1%}" in [m.value for m in at.metric]
    assert any(f"{start.total_steps}/{start.total_steps}" in p.proto.text for p in at.get("progress"))
    assert len(at.get("plotly_chart")) >= 5  # loss, accuracy, lr, confusion, per class
