"""Training with frozen layers and from a bundled model's weights (transfer learning), on tiny runs."""

import dataclasses

import pytest
import torch

from core import worker
from core.builder import build_model
from core.config import TrainConfig
from core.data import load_dataset
from core.i18n import UserError
from core.model_files import load_bundled
from core.presets import PRESETS
from core.runs import RunStore
from core.train import train
from core.transfer import load_start_weights, spec_plan
from core.worker import run_here

TINY = TrainConfig(dataset="digits", model="lenet", epochs=1, batch_size=32, lr=1e-2, max_samples=120)


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    return load_dataset("digits", input_size=32, val_fraction=0.1, seed=0, max_samples=120)


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in before if not torch.equal(before[k], after[k])}


def test_frozen_layers_keep_bit_identical_weights_and_the_others_learn(digits):
    config = TrainConfig(**{**TINY.to_dict(), "milestones": (3, 6), "frozen": ("conv1", "conv2")})
    start = build_model(PRESETS["lenet"].spec, seed=config.seed).state_dict()
    result = train(config, digits)
    assert result.state == "finished"
    after = {k: v.cpu().contiguous() for k, v in result.model.state_dict().items()}
    assert _changed(start, after) == {f"{layer}.{p}" for layer in ("fc1", "fc2", "fc3") for p in ("weight", "bias")}
    assert all(not p.requires_grad for name, p in result.model.named_parameters() if name.startswith("conv"))


def test_weight_decay_cannot_move_a_frozen_layer(digits):
    config = TrainConfig(
        **{**TINY.to_dict(), "milestones": (3, 6), "optimizer": "adamw", "weight_decay": 0.1, "frozen": ("fc3",)}
    )
    start = build_model(PRESETS["lenet"].spec, seed=0).state_dict()
    after = train(config, digits).model.state_dict()
    assert torch.equal(start["fc3.weight"], after["fc3.weight"].cpu())
    assert not torch.equal(start["fc2.weight"], after["fc2.weight"].cpu())


def test_a_run_starts_from_the_bundled_digits_model_and_retrains_only_the_classifier(digits):
    config = TrainConfig(
        **{**TINY.to_dict(), "milestones": (3, 6), "init_from": "digits_lenet", "frozen": ("conv1", "conv2")}
    )
    bundled = load_bundled("digits_lenet").model.state_dict()
    result = train(config, digits)
    after = {k: v.cpu().contiguous() for k, v in result.model.state_dict().items()}
    for name in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"):
        assert torch.equal(after[name], bundled[name]), name  # the bundled features, untouched
    assert not torch.equal(after["fc3.weight"], bundled["fc3.weight"])  # the classifier retrained
    assert result.metrics["val_acc"] > 0.5  # digits features transfer to the 8x8 digits at once


def test_every_layer_frozen_is_refused_with_what_to_unfreeze(digits):
    config = TrainConfig(**{**TINY.to_dict(), "milestones": (3, 6), "frozen": ("conv1", "conv2", "fc1", "fc2", "fc3")})
    with pytest.raises(UserError) as caught:
        train(config, digits)
    assert caught.value.message.key == "anatomy.all_frozen"


def test_an_unknown_frozen_layer_is_refused_with_the_closest_names(digits):
    config = TrainConfig(**{**TINY.to_dict(), "milestones": (3, 6), "frozen": ("conv3",)})
    with pytest.raises(UserError) as caught:
        train(config, digits)
    assert caught.value.message.key == "anatomy.unknown_layer"
    assert "conv1" in caught.value.message.params["close"]


def test_start_weights_load_what_fits_and_leave_a_new_last_layer_fresh():
    spec = PRESETS["small_cnn"].spec
    assert spec_plan(spec, "shapes_small_cnn").fresh == ()
    lenet = build_model(PRESETS["lenet"].spec, seed=0)
    plan = load_start_weights(lenet, "digits_lenet")
    assert len(plan.loaded) == 10 and plan.fresh == ()
    assert torch.equal(lenet.fc3.weight, load_bundled("digits_lenet").model.fc3.weight)


def test_a_model_nothing_of_the_bundled_one_fits_is_refused_naming_its_architecture():
    with pytest.raises(UserError) as caught:
        spec_plan(PRESETS["mlp"].spec, "digits_lenet")
    assert caught.value.message.key == "anatomy.nothing_loads"
    assert caught.value.message.params["model"] == "LeNet"


def test_an_unknown_bundled_model_is_refused_with_the_closest_name():
    with pytest.raises(UserError) as caught:
        spec_plan(PRESETS["lenet"].spec, "digits_lenett")
    assert "digits_lenet" in caught.value.message.params["choices"]


@pytest.mark.parametrize(
    ("data", "key"),
    [({"init_from": "../etc"}, "train.bad_init_from"), ({"frozen": ["conv1", "not a name"]}, "train.bad_frozen")],
)
def test_config_refuses_a_path_as_bundled_model_and_odd_layer_names(data, key):
    config = TrainConfig.from_dict(data)
    assert [p.key for p in config.problems()] == [key]


def test_transfer_settings_round_trip_through_json():
    config = TrainConfig(init_from="digits_lenet", frozen=("conv1", "conv2"))
    again = TrainConfig.from_dict(config.to_dict())
    assert again == config and again.frozen == ("conv1", "conv2")
    with pytest.raises(UserError):
        TrainConfig.from_dict({"frozen": [1, 2]})


def test_a_stored_run_with_frozen_features_resumes_and_saves_them_unchanged(tmp_path, monkeypatch, digits):
    monkeypatch.setattr(worker, "load_training_data", lambda config, spec: digits)
    store = RunStore(tmp_path / "runs")
    config = dataclasses.replace(TINY, epochs=2, init_from="digits_lenet", frozen=("conv1", "conv2"))
    run_id = store.create_run(config.to_dict()).run_id
    stop_after_one = lambda: getattr(store.checkpoint_meta(run_id), "epoch", 0) == 1  # noqa: E731
    assert run_here(store, run_id, should_stop=stop_after_one).state == "cancelled"
    assert run_here(store, run_id).state == "finished"  # resumed: still frozen, still from the bundled weights
    weights, _ = store.load_model(run_id)
    bundled = load_bundled("digits_lenet").model.state_dict()
    assert all(
        torch.equal(weights[k], bundled[k]) for k in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias")
    )
    assert not torch.equal(weights["fc1.weight"], bundled["fc1.weight"])
