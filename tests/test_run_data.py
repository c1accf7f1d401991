"""A student's upload stored in its run (core.run_data): the worker trains on those tensors, never on the zip,
within the server's limits; a damaged or missing file is named."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from conftest import refused
from PIL import Image
from test_uploads import make_zip

from core.config import TrainConfig
from core.datasets import DatasetInfo
from core.jobs import LocalJobs
from core.limits import Limits
from core.presets import adapted_spec
from core.run_data import DATA_FILE, data_from_bytes, data_to_bytes, load_run_data
from core.runs import RunStore
from core.uploads import load_csv, load_image_zip
from core.worker import run_here


def coloured_zip(per_class: int = 20, size: int = 24) -> bytes:
    """A zip of two class folders that a small model tells apart: reddish ants, bluish bees, with noise."""
    rng = np.random.default_rng(0)
    entries = {}
    for i in range(per_class):
        for folder, base in (("ants", (200, 60, 40)), ("bees", (40, 60, 200))):
            pixels = np.clip(np.array(base) + rng.normal(0, 30, (size, size, 3)), 0, 255).astype(np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="PNG")
            entries[f"hymenoptera/{folder}/{folder}{i}.png"] = buffer.getvalue()
    return make_zip(entries)


def _same(a, b) -> bool:
    names = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
    return all(torch.equal(getattr(a, n), getattr(b, n)) for n in names)


def test_an_upload_round_trips_through_the_run_file_exactly():
    pictures, _ = load_image_zip(coloured_zip(), input_size=32)
    again = data_from_bytes(data_to_bytes(pictures))
    assert (
        _same(pictures, again) and again.classes == ("ants", "bees") and again.preprocessing == pictures.preprocessing
    )
    table = load_csv(b"a,b,label\n" + b"".join(f"{i},{i % 3},{'yes' if i % 2 else 'no'}\n".encode() for i in range(30)))
    again = data_from_bytes(data_to_bytes(table))
    assert _same(table, again) and again.standardization == table.standardization and again.kind == "tabular"


def test_a_damaged_stored_data_set_is_refused_with_a_message():
    blob = bytearray(data_to_bytes(load_image_zip(coloured_zip(5), input_size=16)[0]))
    for damaged in (bytes(blob[: len(blob) // 2]), b"not at all"):
        message = refused(lambda damaged=damaged: data_from_bytes(damaged), "data.stored_damaged")
        assert message.key == "data.stored_damaged"


def test_the_worker_trains_on_the_stored_tensors_and_saves_the_uploads_preprocessing(tmp_path):
    data, _ = load_image_zip(coloured_zip(), input_size=32)
    info = DatasetInfo("zip", "image", data.input_shape, 2, True, 40)
    spec = adapted_spec("lenet", info)
    config = TrainConfig(dataset="zip", model=spec.to_dict(), epochs=3, batch_size=8, lr=3e-3, max_samples=40)
    store = RunStore(tmp_path / "runs")
    run_id = store.create_run(config.to_dict(), files={DATA_FILE: data_to_bytes(data)}).run_id
    result = run_here(store, run_id)
    assert result.state == "finished", result.reason
    assert result.metrics["test_acc"] == 1.0  # red and blue: told apart
    _, model_info = store.load_model(run_id)
    assert model_info["dataset"] == "zip" and model_info["classes"] == ["ants", "bees"]
    assert model_info["preprocessing"] == data.preprocessing.to_dict()  # prediction resizes as training did


def test_a_run_holding_more_samples_than_it_declares_or_none_at_all_fails_with_the_limit(tmp_path):
    data, _ = load_image_zip(coloured_zip(), input_size=16)
    store = RunStore(tmp_path / "runs")
    config = TrainConfig(dataset="zip", model="lenet", epochs=1, max_samples=10)
    refused(
        lambda: load_run_data(
            store.run_dir(store.create_run(config.to_dict(), files={DATA_FILE: data_to_bytes(data)}).run_id), 10
        ),
        "limits.samples",
    )
    missing = store.create_run(config.to_dict()).run_id
    result = run_here(store, missing)
    assert result.state == "failed" and result.reason.key == "data.stored_missing"


def test_the_job_queue_counts_an_uploads_samples_against_the_server_limit(tmp_path):
    limits = Limits(max_samples=30)
    jobs = LocalJobs(
        tmp_path / "runs", max_concurrent_runs=1, torch_threads_per_run=1, warm_worker=False, limits=limits
    )
    try:
        config = TrainConfig(dataset="zip", model="lenet", max_samples=40)
        message = refused(lambda: jobs.submit(config, files={DATA_FILE: b"x"}), "limits.samples")
        assert message.params["limit"] == "30"
        refused(lambda: jobs.submit(TrainConfig(dataset="csv", model="lenet")), "train.upload_without_count")
        assert jobs.store.list_runs() == []
    finally:
        jobs.close()


@pytest.mark.parametrize("name", ["../escape.bin", "/abs/data.safetensors"])
def test_files_given_to_a_new_run_stay_inside_its_directory(tmp_path, name):
    store = RunStore(tmp_path / "runs")
    run = store.create_run(TrainConfig().to_dict(), files={name: b"data"})
    assert (run.path / name.rsplit("/", 1)[-1]).read_bytes() == b"data"
    assert not (tmp_path / "escape.bin").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
