"""One training step taken apart (core.stepper) and its loop as a script (core.loop_code), run for real.

The script is executed in a subprocess and must print the very losses the step view computed, then
train to well above chance; looking at a step never changes the training.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import rendered

from core.loop_code import PHASES, loop_script, marked, marked_line
from core.stepper import (
    SETUPS,
    Stepper,
    StepSettings,
    largest_gradient,
    load_step_data,
    loader_drops_last,
    running_mean_check,
    update_of,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits():
    return load_step_data("lenet_digits", 0)


@pytest.fixture(scope="module")
def shapes():
    return load_step_data("v3_shapes", 0)


def _run_script(script: str, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "train_loop.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, str(path), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _printed_losses(stdout: str) -> list[float]:
    return [float(v) for v in re.findall(r"step \d+: loss ([\d.]+)", stdout)]


# --- the step, opened up ------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_numbers_step_after_step(digits):
    first, second = Stepper(StepSettings(), digits), Stepper(StepSettings(), digits)
    first.advance(3)
    second.advance(3)
    assert first.losses == second.losses
    assert all(torch.equal(a, b) for a, b in zip(first.model.parameters(), second.model.parameters(), strict=True))
    other_seed = Stepper(StepSettings(seed=1), digits)
    other_seed.advance(1)
    assert other_seed.losses[0] != first.losses[0]


def test_looking_at_a_step_never_changes_the_training_even_with_dropout_and_batchnorm(shapes):
    settings = StepSettings(setup="v3_shapes", batch_size=8, optimizer="adam", lr=1e-3)
    looked, unseen = Stepper(settings, shapes), Stepper(settings, shapes)
    for _ in range(3):
        looked.advance(1)  # every step looked at: eval pass, loss after the step, hooks
    for _ in range(3):
        unseen.take_step(look=False)
    assert looked.losses == unseen.losses
    for (name, a), b in zip(looked.model.state_dict().items(), unseen.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), name  # weights and BatchNorm's running statistics alike


def test_the_loss_is_worked_out_per_sample_and_agrees_with_torch_and_the_trainer(digits):
    view = Stepper(StepSettings(batch_size=16), digits).advance(1)
    assert view.x.shape == (16, 1, 32, 32) and view.outputs.shape == (16, 10)
    assert len(view.worked.terms) == 16 and view.worked.agrees
    expected = F.cross_entropy(view.outputs, view.y).item()
    assert math.isclose(view.worked.value[0], expected, rel_tol=1e-6)
    assert math.isclose(view.loss, expected, rel_tol=1e-6)
    assert torch.allclose(view.probabilities.sum(dim=1), torch.ones(16))


def test_backward_gives_every_named_parameter_a_gradient_and_step_moves_the_weights_as_written(digits):
    for optimizer, lr in (("sgd", 0.01), ("adam", 0.001)):
        stepper = Stepper(StepSettings(optimizer=optimizer, lr=lr), digits)
        view = stepper.advance(2)
        names = [name for name, _ in stepper.model.named_parameters()]
        assert list(view.grads) == names and names[0] == "conv1.weight" and len(names) == 10  # LeNet's 10 tensors
        assert all(norm > 0 for _, _, norm in view.grad_norms())
        index = largest_gradient(view, "conv1.weight")
        lines, written = update_of(view, stepper.settings, "conv1.weight", index)
        before = float(view.before["conv1.weight"].reshape(-1)[index])
        assert written != before  # the weight moved
        assert math.isclose(lines[-1].value, written, rel_tol=1e-5, abs_tol=1e-8)
        assert view.loss_after != view.loss


def test_train_and_eval_differ_only_with_dropout_or_batchnorm(digits, shapes):
    lenet = Stepper(StepSettings(), digits).advance(1)
    assert lenet.mode_difference == 0 and lenet.dropout == [] and lenet.batchnorm == []
    settings = StepSettings(setup="v3_shapes", batch_size=16)
    view = Stepper(settings, shapes).advance(1)
    assert view.mode_difference > 0
    assert [d.name for d in view.dropout] == ["dropout1", "dropout2"]
    assert all(abs(d.zeroed - d.p) < 0.2 for d in view.dropout)  # about p of the activations dropped
    assert len(view.batchnorm) == 6 and all(running_mean_check(b) for b in view.batchnorm)
    assert view.batchnorm[0].running_before == [0.0] * 8  # BatchNorm's running mean starts at 0


def test_a_lone_last_sample_is_dropped_only_where_batchnorm_would_fail():
    small_cnn, lenet = SETUPS["small_cnn_shapes"].spec(), SETUPS["lenet_digits"].spec()
    assert loader_drops_last(33, 16, small_cnn) and not loader_drops_last(34, 16, small_cnn)
    assert not loader_drops_last(33, 16, lenet)


def test_settings_that_cannot_be_used_are_named(digits):
    problems = StepSettings(setup="lenet_digits", loss="bce", batch_size=1000, lr=0.5).problems()
    assert [p.key for p in problems] == ["step.loss_not_for_model", "step.not_one_of", "step.batch_range"]
    for problem in problems:
        rendered(problem)
    assert [p.key for p in StepSettings(setup="resnet").problems()] == ["step.unknown_setup"]


# --- the loop as a script -------------------------------------------------------------------------------------


def test_the_loop_script_marks_each_phase_on_its_own_line(digits):
    script = loop_script(StepSettings(), len(digits.y_train))
    lines = [marked_line(script, phase) for phase in PHASES]
    assert len(set(lines)) == len(PHASES)
    assert "optimizer.zero_grad()" in script.splitlines()[lines[1] - 1]
    assert marked(script, "backward").count("◀◀") == 1
    compile(script, "train_loop.py", "exec")


@pytest.mark.parametrize(
    "settings",
    [
        StepSettings(),  # LeNet on digits, SGD with momentum
        StepSettings(setup="dnn_binary_cancer", loss="bce", optimizer="adam", lr=0.01, batch_size=32),
        StepSettings(setup="v3_shapes", loss="mse", optimizer="rmsprop", lr=1e-3, batch_size=8, seed=3),
    ],
    ids=["lenet-sgd", "binary-bce-adam", "v3-dropout-mse-rmsprop"],
)
def test_the_generated_script_prints_the_losses_the_step_view_shows(settings, tmp_path):
    stepper = Stepper(settings, load_step_data(settings.setup, settings.seed))
    stepper.advance(3)
    out = _run_script(loop_script(settings, len(stepper.data.y_train)), tmp_path, "--steps", "3")
    printed = _printed_losses(out)
    assert len(printed) == 3
    for shown, run in zip(stepper.losses, printed, strict=True):
        assert math.isclose(shown, run, rel_tol=1e-5, abs_tol=1e-6), (stepper.losses, printed)


def test_the_generated_script_trains_lenet_on_digits_well_above_chance(digits, tmp_path):
    out = _run_script(loop_script(StepSettings(), len(digits.y_train)), tmp_path, "--epochs", "2")
    losses = _printed_losses(out)  # every 50th step
    accuracy = [float(v) for v in re.findall(r"test accuracy ([\d.]+)%", out)]
    assert len(accuracy) == 2 and accuracy[-1] > 60  # chance is 10%; ~90% after two epochs
    assert losses[-1] < losses[0]
