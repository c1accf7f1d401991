"""Training on a student's own data, driven by AppTest: a zip of class folders or a CSV is read on the page,
previewed, trained on from the tensors stored in the run, and the result predicts one of its pictures."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest
from test_page_training import RUN_TIMEOUT_S, _metric, _open, _poll
from test_run_data import coloured_zip
from test_uploads import make_zip, png

from core.i18n import t
from core.run_data import DATA_FILE
from core.runs import RunStore

PAGE = "pages/training.py"


@pytest.fixture
def training_runs(app, tmp_path):
    """The Training page and its run store, as in test_page_training.py (its workers are killed afterwards)."""
    yield from _open(app, RunStore(tmp_path / "runs"))


@pytest.fixture
def training(app, tmp_path, no_warm_worker):
    """Like training_runs, for tests that train nothing."""
    yield from _open(app, RunStore(tmp_path / "runs"))


def _upload_zip(at, data: bytes, name: str = "hymenoptera.zip"):
    at.selectbox(key="train.dataset").set_value("zip").run()
    at.file_uploader(key="train.upload_zip").set_value((name, data, "application/zip")).run()
    assert not at.exception, at.exception
    return at


def test_a_zip_of_class_folders_trains_and_its_model_predicts_one_of_its_pictures(training_runs, app):
    open_page, store = training_runs
    data = coloured_zip()
    at = _upload_zip(open_page(), data)
    assert any("Split: 28 training · 4 validation · 8 test samples" in c.value for c in at.caption)
    assert at.selectbox(key="train.preset").options == ["LeNet 3×32×32 → 2", "Small CNN 3×32×32 → 2"]
    at.number_input(key="train.epochs").set_value(3).run()
    at.number_input(key="train.batch_size").set_value(8).run()
    at.button(key="train.start").click().run()
    run = store.list_runs()[0]
    assert run.config["dataset"] == "zip" and run.config["max_samples"] == 40  # what the server's limits count
    assert (run.path / DATA_FILE).is_file()  # the tensors the worker trains on, not the zip
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the run on the upload to finish")
    assert store.read_status(run.run_id).state == "finished"

    predict = app("pages/predict.py", model=f"run:{run.run_id}")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        bee = archive.read("hymenoptera/bees/bees3.png")
    predict.file_uploader(key="predict.images").set_value(("bees3.png", bee, "image/png")).run()
    assert not predict.exception
    assert next(m.value for m in predict.metric if m.label == "Prediction") == "bees"


def test_a_csv_like_the_tutorials_trains_the_binary_dnn_with_bce(training_runs):
    open_page, store = training_runs
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(120, 8))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([f"x{i}" for i in range(1, 9)] + ["label"])
    for row in rows:
        writer.writerow([f"{v:.4f}" for v in row] + [int(row[:4].sum() > 0)])
    at = open_page()
    at.selectbox(key="train.dataset").set_value("csv").run()
    at.file_uploader(key="train.upload_csv").set_value(("Data.csv", text.getvalue().encode(), "text/csv")).run()
    assert at.selectbox(key="train.preset").options == ["DNN 8-5-5-5-2", "DNN 8-32-8-4-1"]  # tutorial 002's DNNs
    at.selectbox(key="train.preset").set_value("dnn_binary").run()
    assert at.selectbox(key="train.loss").value == "bce"
    at.number_input(key="train.epochs").set_value(2).run()
    at.button(key="train.start").click().run()
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the run on the CSV to finish")
    run = store.list_runs()[0]
    assert run.config["dataset"] == "csv" and run.config["loss"] == "bce"
    assert _metric(at, "training.m_test_acc").endswith("%")


def test_a_zip_with_one_class_or_a_csv_with_text_is_named_and_the_form_keeps_its_values(training):
    open_page, store = training
    at = open_page()
    at.number_input(key="train.epochs").set_value(7).run()
    _upload_zip(at, make_zip({f"ants/{i}.png": png((200, 10 * i, 0)) for i in range(4)}), "one.zip")
    assert [e.value for e in at.error][0].startswith("Found 1 class folder(s) with readable pictures (ants)")
    assert at.button(key="train.start").disabled and at.number_input(key="train.epochs").value == 7
    at.selectbox(key="train.dataset").set_value("csv").run()
    at.file_uploader(key="train.upload_csv").set_value(("bad.csv", b"a,b,y\n1,2,x\n3,four,y\n", "text/csv")).run()
    assert not at.exception
    assert any("'four', not a number" in e.value for e in at.error)
    assert at.button(key="train.start").disabled and store.list_runs() == []


def test_an_upload_larger_than_the_server_allows_is_refused_before_start(training, monkeypatch):
    monkeypatch.setenv("STRIDE_MAX_SAMPLES", "30")
    open_page, _ = training
    at = _upload_zip(open_page(), coloured_zip())
    assert any(t("limits.samples", value="40", limit="30") == e.value for e in at.error)
    assert at.button(key="train.start").disabled
