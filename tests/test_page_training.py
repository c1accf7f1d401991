"""The training page driven by AppTest: start a tiny run and watch it finish, stop a run, URL, compare, languages.

Runs train in real worker processes (the page's LocalJobs), on an empty run store per test; each
test's runs are a few hundred digits for one or two epochs. The `training` fixture releases the
page's job queue afterwards (scheduler thread stopped, warm worker let go) and kills any worker
still running, so no test leaves a process behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time

import pytest
import streamlit as st

from core.config import TrainConfig
from core.i18n import t
from core.metrics import EpochRecord, StartRecord, StepRecord
from core.presets import PRESETS
from core.processes import process_alive
from core.run_index import run_store
from core.runs import RunStore
from ui import keys
from ui.training_form import recipe_config

PAGE = "pages/training.py"
POLL_S = 0.3
RUN_TIMEOUT_S = 90  # a tiny run takes ~5 s; the margin is for a busy 2-core machine and a cold worker


def _open(app, store: RunStore):
    yield (lambda **query: app(PAGE, **query)), store
    st.cache_resource.clear()  # on_release: the scheduler thread stops, the warm worker's stdin closes
    for info in store.list_runs():
        pid = info.status.pid
        if info.status.state == "running" and pid not in (None, os.getpid()) and process_alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def training_runs(request, app, tmp_path, monkeypatch):
    """Return (open the training page, its run store), with the page's job queue as in the app.

    Afterwards the queue is released and any worker still running is killed. Parametrised with
    "index", the server keeps its run index in a database (STRIDE_DATABASE_URL, core.run_index).
    """
    if getattr(request, "param", "files") == "index":
        url = f"sqlite:///{tmp_path / 'class.db'}"
        monkeypatch.setenv("STRIDE_DATABASE_URL", url)
        yield from _open(app, run_store(tmp_path / "runs", url))
        assert not list((tmp_path / "runs").glob("*/status.json"))  # every status went to the database
        return
    yield from _open(app, RunStore(tmp_path / "runs"))


@pytest.fixture
def training(app, tmp_path, no_warm_worker):
    """Like training_runs, for tests that train nothing: no warm worker (it would cost ~3 s of CPU)."""
    yield from _open(app, RunStore(tmp_path / "runs"))


def _poll(at, done, timeout_s: float, what: str):
    """Rerun the page until done(at) is true (like the browser's live refresh); return the last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        value = done(at)
        if value:
            return value
        time.sleep(POLL_S)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _metric(at, key: str) -> str:
    label = t(key)
    return next(m.value for m in at.metric if m.label == label)


def _tiny(at, epochs: int = 1, batch_size: int = 64, max_samples: int = 300):
    at.number_input(key="train.max_samples").set_value(max_samples)
    at.number_input(key="train.epochs").set_value(epochs)
    at.number_input(key="train.batch_size").set_value(batch_size)
    return at.run()


def _chart_traces(at) -> dict[str, list]:
    """Return {trace name: y values} of every plotly chart on the page."""
    traces = {}
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            traces[trace.get("name", "")] = trace.get("y", [])
    return traces


def test_page_renders_the_form_preview_and_arithmetic(training):
    open_page, _ = training
    at = open_page()
    assert at.title[0].value == "Training"
    assert at.selectbox(key="train.dataset").value == "digits"
    assert at.selectbox(key="train.preset").value == "lenet"
    # 1,797 digits: 20% test, 10% validation, stratified per class -> 1,259 / 179 / 359
    assert any("Split: 1,259 training · 179 validation · 359 test" in c.value for c in at.caption)
    assert any("1,259 training samples / batch size 64 = 20 iterations per epoch" in i.value for i in at.info)
    assert not at.button(key="train.start").disabled


@pytest.mark.parametrize("training_runs", ["files", "index"], indirect=True)
def test_start_creates_a_run_that_streams_metrics_and_finishes(training_runs):
    open_page, store = training_runs
    at = _tiny(open_page(), epochs=2)
    at.button(key="train.start").click().run()
    runs = store.list_runs()
    assert len(runs) == 1
    run_id = runs[0].run_id
    assert at.query_params["run"] == run_id  # a refresh or a shared link watches the same run
    assert runs[0].config["max_samples"] == 300 and runs[0].config["epochs"] == 2

    _poll(at, lambda at: _metric(at, "training.m_loss") != "—", RUN_TIMEOUT_S, "the first loss on the page")
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the run to finish")
    assert store.read_status(run_id).state == "finished"
    assert _metric(at, "training.m_test_acc").endswith("%")
    traces = _chart_traces(at)
    losses = traces[t("training.s_train_loss")]
    assert len(losses) >= 2 and all(v is not None for v in losses)
    assert len(traces[t("training.s_val_acc")]) == 2  # one point per epoch
    # the page's iterations-per-epoch arithmetic is the trainer's own count
    start = next(r for r in store.read_metrics(run_id)[0] if isinstance(r, StartRecord))
    shown = next(i.value for i in at.info if "iterations per epoch" in i.value)
    assert f"= {start.steps_per_epoch} iterations per epoch" in shown
    captions = [c for image in at.get("image") for c in image.captions]
    assert any("weights [6, 1, 5, 5]" in c for c in captions), captions  # LeNet's first-layer filters


def test_a_second_run_waits_in_the_queue_and_stop_ends_each_within_seconds(training_runs, monkeypatch):
    monkeypatch.setenv("STRIDE_MAX_CONCURRENT_RUNS", "1")  # one run at a time, whatever the machine
    monkeypatch.setenv("STRIDE_MAX_EPOCHS", "200")
    open_page, store = training_runs
    at = _tiny(open_page(), epochs=200, batch_size=8, max_samples=600)  # minutes of training: only stopped
    at.button(key="train.start").click().run()
    first = store.list_runs()[0].run_id
    _poll(at, lambda at: _metric(at, "training.m_loss") != "—", RUN_TIMEOUT_S, "the first run to report a step")

    at.button(key="train.start").click().run()
    second = at.query_params["run"]
    assert second != first and store.read_status(second).state == "queued"
    assert any(t("training.queued_next") in i.value for i in at.info)
    loading = t("training.waiting_first_metrics")
    assert not any(c.value == loading for c in at.caption)  # queued: nothing is loading yet
    at.button(key="train.stop").click().run()  # a queued run is cancelled at once
    assert store.read_status(second).state == "cancelled"
    assert not any(c.value == loading for c in at.caption)  # and it never will

    at.selectbox(key="train.selected").set_value(first).run()
    at.button(key="train.watch").click().run()
    assert at.query_params["run"] == first
    assert store.read_status(first).state == "running"
    asked = time.monotonic()
    at.button(key="train.stop").click().run()
    _poll(at, lambda at: store.read_status(first).state != "running", 5, "the running run to stop")
    assert time.monotonic() - asked < 5
    assert store.read_status(first).state == "cancelled"
    assert any(t("training.status_cancelled") in w.value for w in at.warning)
    assert not any(b.key == "train.stop" for b in at.button)
    assert not at.button(key="train.resume").disabled  # a stopped run can be resumed


@pytest.mark.parametrize("training_runs", ["files", "index"], indirect=True)
def test_resume_continues_an_interrupted_run_to_the_end(training_runs):
    open_page, store = training_runs
    config = TrainConfig(dataset="synthetic3", model="dnn_tabular", epochs=1, lr=0.01, max_samples=100)
    run_id = store.create_run(config.to_dict(), state="interrupted").run_id
    at = open_page()
    at.selectbox(key="train.selected").set_value(run_id).run()
    at.button(key="train.resume").click().run()
    assert at.query_params["run"] == run_id
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the resumed run to finish")
    assert store.read_status(run_id).state == "finished"
    assert _metric(at, "training.m_test_acc").endswith("%")
    assert any(t("training.no_filters") in m.value for m in at.markdown)  # a table model has no kernels


@pytest.mark.parametrize(
    ("run", "expected"),
    [("../etc", "is not a run id"), ("20250101-000000-deadbeef", "There is no run 20250101-000000-deadbeef")],
)
def test_a_bad_or_unknown_run_in_the_url_gives_a_message(training, run, expected):
    open_page, _ = training
    at = open_page(run=run)
    assert not at.exception
    assert any(expected in w.value for w in at.warning), [w.value for w in at.warning]
    assert "run" not in at.query_params


def test_a_preset_in_the_url_picks_a_data_set_it_fits(training):
    open_page, _ = training
    at = open_page(preset="small_cnn")
    assert at.selectbox(key="train.dataset").value == "shapes"
    assert at.selectbox(key="train.preset").value == "small_cnn"


def test_a_uci_table_gets_the_tutorials_dnn_fitted_to_its_columns_and_start_is_ready(training):
    open_page, _ = training
    at = open_page()
    at.selectbox(key="train.dataset").set_value("iris").run()
    assert not at.exception
    assert at.selectbox(key="train.preset").options == ["DNN 4-5-5-5-3"]
    assert any(t("training.preset_fitted", name="DNN 4-5-5-5-3") == c.value for c in at.caption)
    assert at.selectbox(key="train.loss").options == ["CrossEntropyLoss", "MSELoss (softmax vs one-hot)"]
    assert not at.button(key="train.start").disabled


def test_the_binary_dnn_on_breast_cancer_trains_with_bce_from_the_page(training_runs):
    open_page, store = training_runs
    at = open_page()
    at.selectbox(key="train.dataset").set_value("breast_cancer").run()
    at.selectbox(key="train.preset").set_value("dnn_binary").run()
    assert at.selectbox(key="train.loss").options == [t("training.loss_bce")]  # one sigmoid output: BCE only
    assert any(t("training.loss_semantics_bce") == c.value for c in at.caption)
    at.number_input(key="train.epochs").set_value(2).run()
    at.button(key="train.start").click().run()
    run = store.list_runs()[0]
    assert run.config["loss"] == "bce" and run.config["model"]["name"] == "DNN 30-32-8-4-1"
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the BCE run to finish")
    assert store.read_status(run.run_id).state == "finished"
    assert _metric(at, "training.m_test_acc").endswith("%")


def test_a_broken_rule_of_the_config_is_shown_and_start_is_disabled(training):
    open_page, _ = training
    at = open_page()
    at.selectbox(key="train.schedule").set_value("multistep").run()
    assert at.multiselect(key="train.milestones").value == [3]  # (3, 6) without the epochs past 5
    at.multiselect(key="train.milestones").set_value([]).run()
    assert not at.exception
    assert any("milestones [] must be increasing epoch numbers" in e.value for e in at.error)
    assert at.button(key="train.start").disabled
    at.multiselect(key="train.milestones").set_value([2, 4]).run()
    assert not at.error and not at.button(key="train.start").disabled


def test_a_torchvision_set_without_its_files_gives_one_message_without_server_paths(training, tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDE_DATA_DIR", str(tmp_path / "data"))
    open_page, _ = training
    at = open_page()
    at.selectbox(key="train.dataset").set_value("mnist").run()
    assert not at.exception
    (error,) = at.error  # no "70,000 samples" limit beside it: the data is not there to count
    assert "MNIST is not on this server" in error.value and "your teacher" in error.value.lower()
    assert str(tmp_path) not in error.value and "python -m" not in error.value
    assert at.button(key="train.start").disabled


def test_a_model_from_the_architecture_page_is_offered_and_checked(training):
    open_page, _ = training
    at = open_page()
    spec = PRESETS["small_cnn"].spec.to_dict() | {"name": "My CNN"}
    at.session_state[keys.TRAIN_SPEC] = spec
    at.run()
    assert at.radio(key="train.source").value == "architecture"
    assert at.selectbox(key="train.dataset").value == "shapes"  # the first data set the model fits
    assert any("Model from the Architecture page: My CNN" in i.value for i in at.info)
    at.selectbox(key="train.dataset").set_value("digits").run()
    assert "[1, 32, 32]" in at.error[0].value and "[3, 32, 32]" in at.error[0].value
    assert at.button(key="train.start").disabled


def test_comparing_two_runs_shows_their_curves_and_config_differences(training):
    open_page, store = training
    ids = []
    for lr, loss in ((0.01, 0.5), (0.001, 0.9)):
        config = TrainConfig(dataset="digits", model="lenet", epochs=1, lr=lr).to_dict()
        run_id = store.create_run(config, state="finished").run_id
        store.append_metrics(
            run_id,
            StepRecord(epoch=1, step=10, loss=loss, acc=0.5, lr=lr, images_per_s=100.0, eta_s=0.0, time_s=1.0),
            EpochRecord(1, 10, loss, 0.5, loss, 0.8, lr, [[1]], [1.0], misclassified=[], filters=None, time_s=1.0),
        )
        ids.append(run_id)
    at = open_page()
    at.multiselect(key="train.compare").set_value(ids).run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.index) == ["lr"]
    assert [table.loc["lr", run_id] for run_id in ids] == ["0.01", "0.001"]
    assert set(_chart_traces(at)) >= set(ids)


def test_a_spec_name_reaches_the_compare_table_as_text_never_as_markdown(training):
    # issue 12 item 14: st.table renders its cells as Markdown, and a spec's name is what its author typed
    open_page, store = training
    name = "**loud** [click me](http://evil.example) <b>x</b>"
    ids = []
    for spec_name in (name, "plain"):
        spec = PRESETS["lenet"].spec.to_dict() | {"name": spec_name}
        config = TrainConfig(dataset="digits", model=spec, epochs=1).to_dict()
        ids.append(store.create_run(config, state="finished").run_id)
    at = open_page()
    at.multiselect(key="train.compare").set_value(ids).run()
    assert not at.exception and not at.table  # no Markdown table anywhere on the page
    table = at.dataframe[-1].value
    assert table.loc["model", ids[0]] == f"{name} ({len(PRESETS['lenet'].spec.layers)} layers)"


def test_finished_runs_can_be_deleted_but_not_running_ones(training):
    open_page, store = training
    config = TrainConfig(dataset="digits", model="lenet", epochs=1).to_dict()
    done = store.create_run(config, state="finished").run_id
    at = open_page(run=done)
    at.selectbox(key="train.selected").set_value(done).run()
    assert not at.button(key="train.delete").disabled
    at.button(key="train.delete").click().run()
    assert not at.exception
    assert not store.exists(done)
    assert "run" not in at.query_params
    assert any(t("training.no_runs") in c.value for c in at.caption)


def test_the_page_speaks_chinese(training):
    open_page, _ = training
    at = open_page()
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "训练"
    assert any(re.search(r"个训练样本 / batch 大小 64", i.value) for i in at.info)


def _run_table(at):
    """Return the run list's table (the data preview has a table too)."""
    return next(d.value for d in at.dataframe if t("training.col_run") in d.value.columns)


def _finished_run(store: RunStore, config: TrainConfig, seconds: float = 3.0) -> str:
    run_id = store.create_run(config.to_dict(), state="finished").run_id
    store.update_status(run_id, started_at=100.0, ended_at=100.0 + seconds)
    return run_id


def test_the_run_box_follows_the_run_being_watched_and_the_live_area_stops_and_resumes(training_runs):
    open_page, store = training_runs
    older = _finished_run(store, TrainConfig(dataset="digits", model="lenet", epochs=1))
    at = open_page()
    assert at.selectbox(key="train.selected").value == older
    at = _tiny(at, epochs=30, batch_size=1)  # long enough to be stopped while it runs
    at.button(key="train.start").click().run()
    new = at.session_state["train.run"]
    assert new != older and at.selectbox(key="train.selected").value == new  # the box follows the new run
    assert not at.button(key="train.stop_selected").disabled
    _poll(
        at,
        lambda at: store.checkpoint_meta(new) or store.read_status(new).state == "running",
        RUN_TIMEOUT_S,
        "the run to start",
    )
    at.button(key="train.stop").click().run()  # the live area's own Stop
    _poll(at, lambda at: store.read_status(new).state == "cancelled", RUN_TIMEOUT_S, "the run to stop")
    assert at.button(key="train.resume_live").label == t("training.resume")  # ... and now its Resume


def test_the_live_progress_and_the_run_table_count_the_same_epochs(training_runs):
    open_page, store = training_runs
    at = _tiny(open_page(), epochs=2)
    at.button(key="train.start").click().run()
    run_id = at.session_state["train.run"]
    _poll(at, lambda at: at.success, RUN_TIMEOUT_S, "the run to finish")
    progress = next(p.proto.text for p in at.get("progress"))
    table = _run_table(at)
    row = table[table[t("training.col_run")] == run_id].iloc[0]
    assert "2 of 2 epochs done" in progress and row[t("training.col_epochs")] == "2/2"


def test_runs_have_readable_labels_a_student_can_rename(training):
    open_page, store = training
    first = _finished_run(store, TrainConfig(dataset="digits", model="lenet", epochs=6, lr=0.01))
    at = open_page()
    labels = list(_run_table(at)[t("training.col_label")])
    assert labels == ["LeNet · Digits (scikit-learn, 8×8) · 6 epochs · adam lr 0.01"]
    at.text_input(key=f"train.label.{first}").input("my first LeNet").run()
    assert store.read_run(first).label == "my first LeNet"
    assert list(_run_table(at)[t("training.col_label")]) == ["my first LeNet"]


def test_compared_runs_are_drawn_in_different_colours(training):
    open_page, store = training
    ids = [_finished_run(store, TrainConfig(dataset="digits", model="lenet", lr=lr)) for lr in (0.01, 0.001)]
    for run_id in ids:
        store.append_metrics(
            run_id,
            StepRecord(epoch=1, step=10, loss=0.5, acc=0.5, lr=0.01, images_per_s=100.0, eta_s=0.0, time_s=1.0),
            EpochRecord(1, 10, 0.5, 0.5, 0.5, 0.8, 0.01, [[1]], [1.0], misclassified=[], filters=None, time_s=1.0),
        )
    at = open_page()
    at.multiselect(key="train.compare").set_value(ids).run()
    colours = [
        trace["line"]["color"]
        for chart in at.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        if "line" in trace
    ]
    assert len(colours) >= 2 and len(set(colours[:2])) == 2


def test_a_recipes_button_says_how_long_it_took_on_this_server(training):
    open_page, store = training
    at = open_page()
    assert (
        at.button(key="train.recipe_lenet_digits").label == "LeNet on digits (about 2.4 s)"
    )  # the shipped measurement
    recipe = recipe_config("lenet_digits")
    for seconds in (11.0, 12.0, 13.0):
        _finished_run(store, recipe, seconds)
    at = open_page()
    assert at.button(key="train.recipe_lenet_digits").label == "LeNet on digits (about 12 s)"  # this server's median


FORM_CHANGES = {  # one non-default value for every kind of form setting
    "train.epochs": 7,
    "train.batch_size": 32,
    "train.optimizer": "sgd",
    "train.lr": 0.03,
    "train.momentum": 0.8,
    "train.weight_decay": 5e-4,
    "train.schedule": "multistep",
    "train.milestones": [2, 5],
    "train.gamma": 0.5,
    "train.crop_padding": 3,
    "train.flip": True,
    "train.zoom": 0.15,
    "train.seed": 42,
    "train.val_fraction": 0.2,
    "train.max_samples": 500,
}


def test_the_form_is_in_the_url_and_a_link_reopens_it(training):
    """Every changed setting goes into the URL; the link opened afresh shows the same form."""
    open_page, _ = training
    at = open_page()
    for key, value in FORM_CHANGES.items():
        at.session_state[key] = value
    at.run()
    query = dict(at.query_params)
    assert query["epochs"] == "7" and query["lr"] == "0.03" and query["milestones"] == "2,5"
    assert query["flip"] == "1" and query["zoom"] == "0.15" and query["weight_decay"] == "0.0005"
    assert "dataset" not in query and "loss" not in query  # defaults stay out: the link stays short
    again = open_page(**query)
    assert not again.warning, [w.value for w in again.warning]
    for key, value in FORM_CHANGES.items():
        assert again.session_state[key] == value, key
    shown = {w.key: w.value for w in [*again.number_input, *again.slider, *again.select_slider] if w.key}
    assert shown["train.epochs"] == 7 and shown["train.lr"] == 0.03 and shown["train.zoom"] == 0.15


@pytest.mark.parametrize(
    ("query", "key", "used"),
    [
        ({"epochs": "9999"}, "train.epochs", 200),
        ({"lr": "0.002"}, "train.lr", 3e-3),  # the nearest step of the rate slider
        ({"zoom": "0.33"}, "train.zoom", 0.35),
        ({"momentum": "abc"}, "train.momentum", TrainConfig().momentum),
        ({"schedule": "multistep", "epochs": "4", "milestones": "2,9,x"}, "train.milestones", []),
    ],
)
def test_a_bad_form_value_in_the_url_names_what_was_used(training, query, key, used):
    open_page, _ = training
    at = open_page(**query)
    assert at.session_state[key] == used
    assert at.warning and list(query)[-1] in at.warning[0].value


def test_a_model_from_the_architecture_page_travels_in_the_link(training):
    open_page, _ = training
    at = open_page()
    sent = {**PRESETS["lenet"].spec.to_dict(), "name": "my LeNet"}
    at.session_state[keys.TRAIN_SPEC] = sent
    at.run()
    assert "spec" in at.query_params and at.session_state["train.source"] == "architecture"
    again = open_page(**dict(at.query_params))
    assert again.session_state[keys.TRAIN_SPEC] == sent
    assert again.session_state["train.source"] == "architecture"
    broken = open_page(spec="not-a-model")
    assert broken.error or broken.warning


def test_a_link_with_an_upload_data_set_keeps_it_beside_the_preset(training):
    """The preset's data-set check knows only the built-in sets: it must not turn "your zip" into digits."""
    open_page, _ = training
    at = open_page(dataset="zip", preset="lenet")
    assert not at.exception
    assert at.selectbox(key="train.dataset").value == "zip"
