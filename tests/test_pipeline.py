"""The data pipeline (core.pipeline): iterations per epoch, what each iteration gets, one pixel through ToTensor
and Normalize, augmentation as the trainer draws it, and the generated Dataset + DataLoader script, run for real."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from core import train as train_module
from core.config import TrainConfig
from core.data import load_dataset
from core.loop_code import pipeline_script
from core.pipeline import as_hwc_picture, iterations, loader_batches, pixel_walk, trainer_first_batch

ROOT = Path(__file__).resolve().parent.parent


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 400), batch_size=st.integers(1, 80), drop_last=st.booleans())
def test_iterations_per_epoch_are_len_of_a_real_dataloader(n, batch_size, drop_last):
    split = iterations(n, batch_size, drop_last)
    assert split.count == len(DataLoader(range(n), batch_size=batch_size, drop_last=drop_last))
    assert split.full * batch_size + split.rest == n


def test_the_curriculums_arithmetic_10240_samples_batch_1024_is_10_iterations():
    assert iterations(10_240, 1_024, drop_last=False).count == 10  # SEEDS.md section 5: 50 over 5 epochs
    assert iterations(1_259, 64, drop_last=False).count == 20 and iterations(1_259, 64, drop_last=True).count == 19


def test_each_epoch_deals_every_sample_once_in_a_new_order_and_drop_last_leaves_the_rest_out():
    first = loader_batches(100, 16, shuffle=True, drop_last=False, seed=0, epoch=1)
    second = loader_batches(100, 16, shuffle=True, drop_last=False, seed=0, epoch=2)
    assert sorted(i for b in first for i in b) == list(range(100)) and [len(b) for b in first][-1] == 4
    assert first != second and sorted(i for b in second for i in b) == list(range(100))
    assert loader_batches(100, 16, True, False, seed=1) != first  # another seed, another order
    assert loader_batches(100, 16, True, False, seed=0) == first  # the same seed, the same order
    dropped = loader_batches(100, 16, shuffle=True, drop_last=True, seed=0)
    assert len(dropped) == 6 and all(len(b) == 16 for b in dropped)
    assert loader_batches(10, 4, shuffle=False, drop_last=False, seed=0) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_one_pixel_through_to_tensor_and_normalize_by_hand_and_by_torchvision():
    picture = np.zeros((4, 5, 3), dtype=np.uint8)
    picture[2, 3] = (255, 128, 0)
    walk = pixel_walk(picture, 2, 3, mean=(0.5, 0.5, 0.5), std=(0.5, 0.25, 0.5))
    assert walk.hwc_shape == (4, 5, 3) and walk.chw_shape == (3, 4, 5)  # HWC -> CHW
    assert walk.raw == [255, 128, 0] and walk.unit == [1.0, 128 / 255, 0.0]
    assert walk.normalized == [1.0, (128 / 255 - 0.5) / 0.25, -1.0]
    assert walk.agrees


def test_the_augmentation_preview_is_exactly_the_trainers_first_batch(monkeypatch):
    data = load_dataset("shapes", max_samples=200)
    config = TrainConfig(
        dataset="shapes", model="small_cnn", epochs=1, batch_size=32, crop_padding=4, flip=True, zoom=0.2, seed=5
    )
    seen = []
    real = train_module.augment

    def recording(x, crop_padding, flip, generator, zoom):
        out = real(x, crop_padding, flip, generator, zoom)
        seen.append(out.detach().clone())
        return out

    monkeypatch.setattr(train_module, "augment", recording)
    train_module.train(config, data, dry_run=True)
    _, original, augmented = trainer_first_batch(data.x_train, 32, crop_padding=4, flip=True, seed=5, zoom=0.2)
    assert torch.equal(seen[0], augmented)
    assert not torch.equal(original, augmented)  # crops and flips changed something


def test_a_picture_in_unit_range_becomes_the_uint8_hwc_array_a_photo_decodes_to():
    unit = torch.tensor([[[0.0, 1.0]], [[0.5, 0.2]], [[1.0, 0.0]]])  # (C=3, H=1, W=2)
    assert as_hwc_picture(unit).tolist() == [[[0, 128, 255], [255, 51, 0]]]


@pytest.mark.parametrize(("dataset", "input_size"), [("digits", 32), ("iris", None)])
def test_the_generated_dataset_and_dataloader_script_gets_the_batches_the_page_shows(dataset, input_size, tmp_path):
    script = pipeline_script(dataset, input_size, batch_size=16, shuffle=True, drop_last=True, seed=3, epoch=2)
    path = tmp_path / "data_pipeline.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    data = load_dataset(dataset, input_size=input_size, val_fraction=0.1, seed=3)
    expected = loader_batches(len(data.y_train), 16, True, True, seed=3, epoch=2)
    printed = [ast.literal_eval(m) for m in re.findall(r"y (\[[\d, ]*\])", done.stdout)]
    assert printed == [data.y_train[b].tolist() for b in expected]
    assert f"{len(expected)} iterations per epoch" in done.stdout
