"""The run store: ids from URLs, statuses, the metrics log, atomic checkpoints, process liveness."""

import json
import os
import subprocess
import sys

import pytest
import torch

from core import files, metrics, runs
from core.checkpoints import Checkpoint
from core.i18n import Message, UserError
from core.metrics import CheckpointMeta, EpochRecord, ResumeRecord, StartRecord, StepRecord, current
from core.processes import process_alive, process_start_ticks
from core.run_status import RunStatus
from core.runs import RunStore


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


@pytest.mark.parametrize("bad", ["../x", "..", "", ".hidden", "a/b", "a\\b", "x" * 65, "run id", "é", None, 7])
def test_run_id_validation_refuses_anything_that_could_leave_the_store(store, bad):
    with pytest.raises(UserError) as caught:
        store.read_status(bad)
    assert caught.value.message.key == "runs.bad_id"


def test_new_run_ids_are_url_safe_distinct_and_accepted(store):
    ids = {runs.new_run_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(runs.check_run_id(i) == i for i in ids)


def test_created_run_has_its_config_owner_and_a_queued_status(store):
    info = store.create_run({"epochs": 3}, owner="ada")
    assert store.read_config(info.run_id) == {"epochs": 3}
    assert store.read_run(info.run_id).owner == "ada"
    status = store.read_status(info.run_id)
    assert status.state == "queued" and status.queued_at is not None
    assert not any(p.name.startswith(".new-") for p in store.root.iterdir())  # staging dir renamed away


def test_list_runs_is_newest_first_and_skips_foreign_directories(store):
    first = store.create_run({"n": 1})
    second = store.create_run({"n": 2})
    (store.root / "not a run").mkdir()
    (store.root / "emptydir").mkdir()  # a valid name without config.json
    assert [r.run_id for r in store.list_runs()][:2] in ([second.run_id, first.run_id], [first.run_id, second.run_id])
    assert {r.run_id for r in store.list_runs()} == {first.run_id, second.run_id}


def test_status_round_trip_keeps_the_reason_message(store):
    run_id = store.create_run({}).run_id
    reason = Message("train.loss_not_finite", {"what": "NaN", "step": 3, "suggested_lr": 0.01})
    store.update_status(run_id, state="failed", reason=reason)
    status = store.read_status(run_id)
    assert status.state == "failed" and status.reason == reason
    assert "step 3" in status.reason.text("en")


def test_unknown_state_in_status_file_is_an_error_not_a_new_state():
    with pytest.raises(ValueError, match="unknown run state"):
        RunStatus.from_dict({"state": "exploded"})


def _step(step: int, loss: float | None = 0.5) -> StepRecord:
    return StepRecord(epoch=1, step=step, loss=loss, acc=0.5, lr=0.1, images_per_s=100.0, eta_s=1.0, time_s=0.1)


def _step_line(step: int) -> bytes:
    return json.dumps(metrics.to_json(_step(step))).encode()


def _meta(epoch: int, step: int) -> CheckpointMeta:
    return CheckpointMeta(epoch, step, steps_per_epoch=7, train_loss=0.5, train_acc=0.9, val_loss=0.6, val_acc=0.8)


def test_half_written_last_line_is_ignored_until_it_is_complete(store):
    run_id = store.create_run({}).run_id
    store.append_metrics(run_id, _step(1), _step(2))
    path = store.run_dir(run_id) / runs.METRICS_FILE
    line = _step_line(3)
    with open(path, "ab") as f:
        f.write(line[:20])  # a worker killed in the middle of a write
    records, next_line = store.read_metrics(run_id)
    assert [r.step for r in records] == [1, 2] and next_line == 2
    with open(path, "ab") as f:
        f.write(line[20:] + b"\n")
    records, next_line = store.read_metrics(run_id, since_line=next_line)
    assert [r.step for r in records] == [3] and next_line == 3


def test_appending_after_a_half_written_line_drops_the_fragment(store):
    run_id = store.create_run({}).run_id
    store.append_metrics(run_id, _step(1))
    with open(store.run_dir(run_id) / runs.METRICS_FILE, "ab") as f:
        f.write(_step_line(2)[:25])
    store.append_metrics(run_id, _step(3))
    lines = (store.run_dir(run_id) / runs.METRICS_FILE).read_bytes().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 3]


def test_a_damaged_line_in_the_middle_is_skipped_but_counted(store):
    run_id = store.create_run({}).run_id
    lines = [_step_line(1), b"not json", b'{"kind": "step", "step": 2}', b'{"kind": "nonsense"}', _step_line(5)]
    (store.run_dir(run_id) / runs.METRICS_FILE).write_bytes(b"\n".join(lines) + b"\n")
    records, next_line = store.read_metrics(run_id)
    assert [r.step for r in records] == [1, 5] and next_line == 5


def test_metrics_never_contain_nan_because_json_has_none(store):
    run_id = store.create_run({}).run_id
    store.append_metrics(run_id, _step(1, loss=float("nan")))
    line = (store.run_dir(run_id) / runs.METRICS_FILE).read_text()
    assert json.loads(line)["loss"] is None and json.loads(line)["acc"] == 0.5
    assert store.read_metrics(run_id)[0] == [_step(1, loss=None)]


def _model_and_adam():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(4, 1, 4, 4)).sum().backward()
    optimizer.step()
    return model, optimizer


def test_checkpoint_round_trips_weights_and_optimizer_state_without_pickle(store):
    run_id = store.create_run({}).run_id
    model, optimizer = _model_and_adam()
    store.save_checkpoint(run_id, Checkpoint(model.state_dict(), optimizer.state_dict(), _meta(1, 7)))
    loaded = store.load_checkpoint(run_id)
    assert loaded.meta == _meta(1, 7)
    assert store.checkpoint_meta(run_id) == _meta(1, 7)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.model_state[name], tensor)
    saved = optimizer.state_dict()
    for index, state in saved["state"].items():
        for key, value in state.items():
            assert torch.equal(loaded.optimizer_state["state"][index][key], value)
    assert loaded.optimizer_state["param_groups"][0]["lr"] == saved["param_groups"][0]["lr"]
    fresh_model, fresh_optimizer = _model_and_adam()
    fresh_optimizer.load_state_dict(loaded.optimizer_state)  # torch accepts it as its own
    assert (store.run_dir(run_id) / runs.CHECKPOINT_FILE).read_bytes()[:2] != b"\x80\x04"  # not a pickle


def test_failed_checkpoint_write_keeps_the_old_file_and_leaves_no_temp_files(store, monkeypatch):
    run_id = store.create_run({}).run_id
    model, optimizer = _model_and_adam()
    store.save_checkpoint(run_id, Checkpoint(model.state_dict(), optimizer.state_dict(), _meta(1, 7)))
    before = (store.run_dir(run_id) / runs.CHECKPOINT_FILE).read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save_checkpoint(run_id, Checkpoint(model.state_dict(), optimizer.state_dict(), _meta(2, 14)))
    monkeypatch.undo()
    assert (store.run_dir(run_id) / runs.CHECKPOINT_FILE).read_bytes() == before
    assert [p.name for p in store.run_dir(run_id).iterdir() if p.name.endswith(".tmp")] == []
    assert store.load_checkpoint(run_id).meta.epoch == 1


def test_successful_writes_leave_no_temp_files(store):
    run_id = store.create_run({}).run_id
    model, optimizer = _model_and_adam()
    for epoch in (1, 2):
        store.save_checkpoint(run_id, Checkpoint(model.state_dict(), optimizer.state_dict(), _meta(epoch, epoch)))
        store.save_model(run_id, model.state_dict(), {"epoch": epoch})
    assert sorted(p.name for p in store.run_dir(run_id).iterdir()) == sorted(
        [runs.CONFIG_FILE, runs.STATUS_FILE, runs.CHECKPOINT_FILE, runs.MODEL_WEIGHTS_FILE, runs.MODEL_INFO_FILE]
    )
    weights, info = store.load_model(run_id)
    assert info == {"epoch": 2} and torch.equal(weights["0.weight"], model.state_dict()["0.weight"])


def test_no_checkpoint_before_the_first_epoch(store):
    run_id = store.create_run({}).run_id
    assert store.load_checkpoint(run_id) is None
    assert store.checkpoint_meta(run_id) is None


def test_delete_refuses_an_active_run_and_removes_a_finished_one(store):
    run_id = store.create_run({}).run_id
    with pytest.raises(UserError) as caught:
        store.delete_run(run_id)
    assert caught.value.message.key == "runs.delete_active"
    store.update_status(run_id, state="finished")
    store.delete_run(run_id)
    assert not store.run_dir(run_id).exists()


def test_cancel_request_and_claim_are_files_any_process_sees(store):
    run_id = store.create_run({}).run_id
    assert not store.cancel_requested(run_id) and store.cancel_requested_at(run_id) is None
    store.request_cancel(run_id)
    assert RunStore(store.root).cancel_requested(run_id)
    assert store.claim(run_id, "a") and not RunStore(store.root).claim(run_id, "b")
    store.release_claim(run_id)
    assert store.claim(run_id, "b")


def test_current_records_hide_steps_that_a_resume_repeated():
    epoch = EpochRecord(1, 10, 0.5, 0.8, 0.6, 0.7, 0.1, [[1]], [1.0], [], None, 1.0)
    records = [
        _step(5),
        epoch,
        _step(15),  # the interrupted attempt, after the epoch-1 checkpoint
        ResumeRecord(epoch=1, step=10),
        _step(15),
    ]
    assert [r.step for r in current(records, StepRecord)] == [5, 15]
    assert current(records, EpochRecord) == [epoch]


def test_process_alive_counts_zombies_and_reused_pids_as_dead():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        start = process_start_ticks(child.pid)
        assert process_alive(child.pid, start)
        if start is not None:  # Linux: a different start time means the pid was given to someone else
            assert not process_alive(child.pid, start + 1)
        os.kill(child.pid, 9)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
        assert not process_alive(child.pid, start)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid, start)


def test_tensorboard_scalars_are_written_only_when_tensorboard_is_installed(store, monkeypatch):
    import types

    run = store.create_run({"dataset": "digits"})
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as if not installed
    with metrics.tensorboard_logger(store.tensorboard_dir(run.run_id)) as log:
        log(_step(3))
    assert not (store.run_dir(run.run_id) / runs.TENSORBOARD_DIR).exists()

    scalars, closed = [], []

    class FakeWriter:
        def __init__(self, log_dir):
            self.log_dir = log_dir

        def add_scalar(self, tag, value, step):
            scalars.append((tag, value, step))

        def close(self):
            closed.append(self.log_dir)

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=FakeWriter))
    with metrics.tensorboard_logger(store.tensorboard_dir(run.run_id)) as log:
        log(StepRecord(epoch=1, step=3, loss=float("nan"), acc=0.9, lr=0.1, images_per_s=50.0, eta_s=2.0, time_s=0.5))
        log(StartRecord(["a", "b"], 1, 2, 2, 4, 8, 1, 1, "cpu", 1, 10))  # no step: nothing to plot
    assert scalars == [("step/acc", 0.9, 3), ("step/lr", 0.1, 3), ("step/images_per_s", 50.0, 3),
                       ("step/eta_s", 2.0, 3), ("step/time_s", 0.5, 3)]  # fmt: skip
    assert closed == [str(store.run_dir(run.run_id) / runs.TENSORBOARD_DIR)]
