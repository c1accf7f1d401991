"""Loading models safely and running them: bundled models, runs, uploads, hostile files, feature maps, Grad-CAM.

The names ``test_samples`` and ``TestSample`` are reached through the module (``inference.``), so
pytest does not mistake them for tests of this file.
"""

import dataclasses
import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save as safetensors_bytes
from torch import nn

from core import inference, model_files
from core.builder import build_model
from core.config import TrainConfig
from core.data import load_training_data
from core.i18n import UserError
from core.modelspec import LayerSpec
from core.packaged_data import mnist5k_source
from core.presets import get_preset
from core.printed_digits import printed_source
from core.runs import RunStore
from core.splits import split_indices
from core.summary import summarize
from core.train import evaluate
from core.worker import run_here

DIGITS_JSON = (model_files.MODELS_DIR / "digits_lenet" / "model.json").read_bytes()


@pytest.fixture(scope="module")
def digits():
    return model_files.load_bundled("digits_lenet")


@pytest.fixture(scope="module")
def digits_data(digits):
    return load_training_data(digits.train_config, digits.spec)  # the trainer's own loader: its exact test split


@pytest.fixture(scope="module")
def shapes():
    return model_files.load_bundled("shapes_small_cnn")


@pytest.fixture(scope="module")
def shapes_data(shapes):
    return load_training_data(shapes.train_config, shapes.spec)


def _state(loaded):
    return {k: v.clone() for k, v in loaded.model.state_dict().items()}


def _torch_bytes(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _upload_error(weights: bytes, model_json: bytes = DIGITS_JSON, **kwargs) -> UserError:
    with pytest.raises(UserError) as caught:
        model_files.load_uploaded(weights, "weights.pt", model_json, **kwargs)
    return caught.value


def _no_hooks_left(model: nn.Module) -> bool:
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


# --- the bundled models ----------------------------------------------------------------------------


def test_both_bundled_models_are_listed_and_load_frozen_in_eval_mode(digits, shapes):
    assert model_files.list_bundled() == ["digits_lenet", "shapes_small_cnn"]
    for loaded, shape in ((digits, (1, 32, 32)), (shapes, (3, 32, 32))):
        assert loaded.input_shape == shape and len(loaded.classes) == 10
        assert loaded.preprocessing is not None and (loaded.preprocessing.channels, *loaded.preprocessing.size) == shape
        assert not loaded.model.training
        assert not any(p.requires_grad for p in loaded.model.parameters())
    assert digits.source == "bundled:digits_lenet" and digits.dataset == "mixed_digits"
    assert model_files.load_bundled("digits_lenet") is digits  # cached: one instance for every session


def test_bundled_digits_model_reaches_its_stated_test_accuracy(digits, digits_data):
    predictions = inference.predict_inputs(digits, digits_data.x_test)
    predicted = torch.tensor([p.index for p in predictions])
    accuracy = (predicted == digits_data.y_test).float().mean().item()
    assert len(predictions) == 1190  # 20% of mnist5k's 5,000 and the 930 printed digits
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(digits.test_acc, abs=0.5 / len(predictions))  # the same count right


def test_bundled_shapes_model_reaches_its_stated_test_accuracy(shapes, shapes_data):
    predicted = torch.tensor([p.index for p in inference.predict_inputs(shapes, shapes_data.x_test)])
    accuracy = (predicted == shapes_data.y_test).float().mean().item()
    assert accuracy >= 0.95
    assert accuracy == pytest.approx(shapes.test_acc, abs=0.5 / len(predicted))


def test_a_mistyped_or_path_like_bundled_name_is_refused_with_the_closest_names():
    with pytest.raises(UserError) as caught:
        model_files.load_bundled("digits_lenett")
    assert caught.value.message.key == "inference.unknown_bundled"
    assert caught.value.message.params["choices"] == "digits_lenet"
    for name in ("../models/digits_lenet", "/etc", ".", ""):
        with pytest.raises(UserError):
            model_files.load_bundled(name)


# --- predictions are the trainer's -----------------------------------------------------------------


def _source_pictures_of_test_split(config: TrainConfig) -> tuple[list[Image.Image], list[int]]:
    """Return the test split's digits as the 28x28 dark-on-white pictures they started as (mixed_digits)."""
    handwritten, hand_labels = mnist5k_source()
    printed, printed_labels = printed_source()
    pixels, labels = torch.cat([handwritten, printed]), np.concatenate([hand_labels, printed_labels])
    _, _, test_rows = split_indices(labels, config.val_fraction, 0.2, config.seed)  # load_dataset's test_fraction
    return [Image.fromarray(pixels[i, 0].numpy(), "L") for i in test_rows], [int(labels[i]) for i in test_rows]


def test_predictions_on_pictures_match_the_trainers_evaluation(digits, digits_data):
    pictures, labels = _source_pictures_of_test_split(digits.train_config)
    assert labels == digits_data.y_test.tolist()  # the same samples, in the same order
    evaluation = evaluate(digits.model, digits_data.x_test, digits_data.y_test, "cross_entropy", 10)
    predictions = inference.predict(digits, pictures)
    assert [p.index for p in predictions] == evaluation.predicted.tolist()
    for p in predictions[:20]:
        assert sum(p.probabilities) == pytest.approx(1.0, abs=1e-5)
        assert [c for c, _, _ in p.top] == sorted(range(10), key=lambda c: -p.probabilities[c])[:3]
        assert p.label == digits.classes[p.index] and p.probability == max(p.probabilities)


def test_a_digit_picture_gives_the_data_sets_tensor_through_the_saved_preprocessing(digits, digits_data):
    pictures, _ = _source_pictures_of_test_split(digits.train_config)
    for j in (0, 1, 100, 358):
        x = inference.to_input(digits, pictures[j])
        assert x.shape == (1, 32, 32)
        torch.testing.assert_close(x, digits_data.x_test[j], rtol=0, atol=1e-6)
        # a photo arrives as RGB: grey RGB converts back to the same luma
        torch.testing.assert_close(inference.to_input(digits, pictures[j].convert("RGB")), x, rtol=0, atol=1e-6)


def test_preprocessing_steps_start_with_the_original_and_end_with_the_model_input(digits):
    picture = Image.new("RGB", (40, 60), "white")
    steps = inference.prepare_steps(digits, picture)
    assert [key for key, _ in steps] == [
        "inference.step_original",
        "data.step_convert",
        "data.step_invert",
        "data.step_fit_ink",
        "data.step_normalize",
    ]
    assert steps[0][1] is picture and steps[1][1].mode == "L"
    assert torch.equal(steps[-1][1], inference.to_input(digits, picture))


def test_test_samples_are_the_trainers_test_split_fixed_by_seed(digits, digits_data):
    samples = inference.test_samples(digits, 6, seed=3)
    assert len(samples) == 6 and len({s.index for s in samples}) == 6
    for s in samples:
        assert torch.equal(s.x, digits_data.x_test[s.index]) and s.label == int(digits_data.y_test[s.index])
        assert s.picture.size == (32, 32)
    assert [s.index for s in inference.test_samples(digits, 6, seed=3)] == [s.index for s in samples]
    assert [s.index for s in inference.test_samples(digits, 6, seed=4)] != [s.index for s in samples]
    assert len(inference.test_samples(digits, 1000)) == min(1000, len(digits_data.x_test))  # at most the split
    with pytest.raises(UserError):
        inference.test_samples(digits, 0)


# --- uploads: round trips, mismatches and hostile files ------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(safetensors_bytes, id="safetensors"),
        pytest.param(_torch_bytes, id="state-dict-pt"),
        pytest.param(lambda sd: _torch_bytes({"epoch": 20, "model_state_dict": sd}), id="tutorial-checkpoint-pt"),
    ],
)
def test_uploaded_weights_round_trip_to_the_same_predictions(digits, digits_data, encode):
    loaded = model_files.load_uploaded(encode(_state(digits)), "lenet.bin", DIGITS_JSON)  # the name does not matter
    assert loaded.source == "upload:lenet.bin" and loaded.classes == digits.classes
    x = digits_data.x_test[:50]
    ours = inference.predict_inputs(loaded, x)
    theirs = inference.predict_inputs(digits, x)
    assert [p.probabilities for p in ours] == [p.probabilities for p in theirs]


def test_torch_load_is_always_asked_for_weights_only(digits, monkeypatch):
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(model_files.torch, "load", spy)
    model_files.load_uploaded(_torch_bytes(_state(digits)), "lenet.pt", DIGITS_JSON)
    assert calls and all(call.get("weights_only") is True for call in calls)


class _RunsCode:
    """Pickles into an instruction to call exec(...) on load: what a hostile .pt file carries."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def test_a_pickle_that_would_run_code_is_refused_without_running_it(digits, tmp_path):
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(_RunsCode(control)))  # an unsafe loader runs it: the payload works
    assert control.exists()

    marker = tmp_path / "pwned"
    hostile_state = {**_state(digits), "conv1.weight": _RunsCode(marker)}
    error = _upload_error(_torch_bytes(hostile_state))
    assert error.message.key == "inference.weights_unsafe" and "exec" in error.message.params["detail"]
    assert not marker.exists()
    error = _upload_error(pickle.dumps(_RunsCode(marker)))  # a bare pickle, not torch.save's zip
    assert error.message.key == "inference.weights_format"
    assert not marker.exists()


def test_a_mismatching_tensor_is_named_with_both_shapes(digits, monkeypatch):
    def not_reached(*args, **kwargs):
        raise AssertionError("load_state_dict ran before the check")

    monkeypatch.setattr(nn.Module, "load_state_dict", not_reached)
    state = _state(digits)
    state["fc1.weight"] = torch.zeros(100, 400)
    message = _upload_error(safetensors_bytes(state)).message
    assert message.key == "inference.tensor_shape"
    assert message.params == {"name": "fc1.weight", "layer": "fc1", "expected": [120, 400], "got": [100, 400]}
    assert "fc1.weight" in message.text("en") and "[120, 400]" in message.text("zh")


def test_missing_renamed_and_extra_tensors_are_named(digits):
    state = _state(digits)
    del state["conv2.bias"]
    message = _upload_error(safetensors_bytes(state)).message
    assert (message.key, message.params["name"], message.params["shape"]) == (
        "inference.tensor_missing",
        "conv2.bias",
        [16],
    )

    renamed = {f"features.{k}": v for k, v in _state(digits).items()}  # an nn.Module with a `features` block
    message = _upload_error(safetensors_bytes(renamed)).message
    assert message.key == "inference.tensor_missing" and message.params["close"] == "features.conv1.weight"

    extra = {**_state(digits), "fc4.weight": torch.zeros(10, 10)}
    message = _upload_error(safetensors_bytes(extra)).message
    assert (message.key, message.params["name"], message.params["count"]) == (
        "inference.tensor_unexpected",
        "fc4.weight",
        1,
    )

    ints = {**_state(digits), "conv1.weight": torch.zeros(6, 1, 5, 5, dtype=torch.int64)}
    assert _upload_error(safetensors_bytes(ints)).message.key == "inference.tensor_dtype"


def test_broken_oversized_and_non_state_dict_weights_get_clear_messages(digits):
    weights = safetensors_bytes(_state(digits))
    assert _upload_error(b"").message.key == "inference.weights_empty"
    assert _upload_error(weights, max_bytes=1000).message.key == "inference.weights_too_large"
    assert _upload_error(weights[:-100]).message.key == "inference.weights_unreadable"
    assert _upload_error(b"GIF89a not weights at all").message.key == "inference.weights_format"
    assert _upload_error(_torch_bytes([1, 2, 3])).message.key == "inference.not_state_dict"
    assert _upload_error(_torch_bytes(_state(digits))[:-200]).message.key == "inference.weights_unreadable"

    bomb = io.BytesIO()  # 1 KB on disk, 20 MB unpacked
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/0", bytes(20 * 2**20))
    error = _upload_error(bomb.getvalue(), max_bytes=10 * 2**20)
    assert error.message.key == "inference.weights_unpacked_too_large" and error.message.params["size_mb"] == 20


def _json_with(**changes) -> bytes:
    return json.dumps({**json.loads(DIGITS_JSON), **changes}).encode()


def test_an_untrusted_model_json_is_checked_before_anything_is_built(digits):
    weights = safetensors_bytes(_state(digits))
    info = json.loads(DIGITS_JSON)
    conv3d = {**info["spec"], "layers": [{"type": "Conv3d", "args": {}}, *info["spec"]["layers"][1:]]}
    cases = {
        "models.unknown_layer_type": _json_with(spec=conv3d),
        "inference.classes_mismatch": _json_with(classes=list("abc")),
        "inference.info_field": _json_with(preprocessing=None),
        "inference.preprocessing_mismatch": _json_with(preprocessing={**info["preprocessing"], "size": [28, 28]}),
        "inference.info_not_json": b'{"spec": ',
        "inference.info_too_large": b" " * (model_files.MAX_INFO_BYTES + 1),
        "train.unknown_setting": _json_with(train_config={"epoch": 3}),
    }
    for key, model_json in cases.items():
        assert _upload_error(weights, model_json).message.key == key, key
    deep = b"[" * 100_000 + b"]" * 100_000
    assert _upload_error(weights, deep).message.key == "inference.info_not_json"


def test_a_spec_ending_in_softmax_gives_its_own_outputs_as_probabilities(digits, digits_data):
    info = json.loads(DIGITS_JSON)
    info["spec"]["layers"].append(LayerSpec("Softmax", {"dim": 1}).to_dict())
    loaded = model_files.load_uploaded(safetensors_bytes(_state(digits)), "w.safetensors", json.dumps(info).encode())
    x = digits_data.x_test[:5]
    for ours, theirs in zip(inference.predict_inputs(loaded, x), inference.predict_inputs(digits, x), strict=True):
        assert ours.probabilities == pytest.approx(theirs.probabilities, abs=1e-6)  # not softmax applied twice


def test_a_table_model_predicts_features_but_refuses_pictures():
    spec = {
        "name": "t",
        "input_shape": [3],
        "layers": [{"type": "Linear", "args": {"in_features": 3, "out_features": 2}}],
    }
    info = {
        "spec": spec,
        "classes": ["no", "yes"],
        "input_shape": [3],
        "kind": "tabular",
        "dataset": "csv",
        "standardization": {"feature_names": ["a", "b", "c"], "mean": [0, 0, 0], "std": [1, 1, 1]},
    }
    weights = {"fc1.weight": torch.tensor([[1.0, 0, 0], [0, 1, 0]]), "fc1.bias": torch.zeros(2)}
    loaded = model_files.load_uploaded(safetensors_bytes(weights), "t.safetensors", json.dumps(info).encode())
    assert [p.label for p in inference.predict_inputs(loaded, torch.tensor([[2.0, 0, 0], [0, 2.0, 0]]))] == [
        "no",
        "yes",
    ]
    with pytest.raises(UserError) as caught:
        inference.predict(loaded, [Image.new("RGB", (8, 8))])
    assert caught.value.message.key == "inference.not_image_model"
    with pytest.raises(UserError) as caught:
        inference.test_samples(loaded, 3)
    assert caught.value.message.key == "inference.no_test_set"


# --- a run of the run store ----------------------------------------------------------------------------


def test_a_finished_run_loads_with_its_config_and_test_split(tmp_path):
    store = RunStore(tmp_path / "runs")
    config = TrainConfig(dataset="digits", model="lenet", epochs=1, batch_size=32, max_samples=200, seed=5, threads=1)
    run_id = store.create_run(config.to_dict()).run_id
    assert run_here(store, run_id).state == "finished"
    loaded = model_files.load_run(store, run_id)
    assert loaded.source == f"run:{run_id}" and loaded.train_config == config
    data = load_training_data(config, loaded.spec)
    samples = inference.test_samples(loaded, 5)
    assert all(torch.equal(s.x, data.x_test[s.index]) for s in samples)

    empty = store.create_run(config.to_dict()).run_id
    with pytest.raises(UserError) as caught:
        model_files.load_run(store, empty)
    assert caught.value.message.key == "runs.no_model"


# --- inside the model -------------------------------------------------------------------------------------


def test_feature_maps_have_the_conv_output_shapes_of_the_shape_table(digits, shapes, digits_data, shapes_data):
    for loaded, x in ((digits, digits_data.x_test[0]), (shapes, shapes_data.x_test[0])):
        maps = inference.feature_maps(loaded, x)
        conv_rows = [row for row in summarize(loaded.spec).rows if row.type == "Conv2d"]
        assert list(maps) == [row.name for row in conv_rows]
        assert [tuple(m.shape) for m in maps.values()] == [row.out_shape[1:] for row in conv_rows]
    x = digits_data.x_test[0]
    maps = inference.feature_maps(digits, x)
    torch.testing.assert_close(maps["conv1"], digits.model.conv1(x[None])[0])
    torch.testing.assert_close(maps["conv2"], nn.Sequential(*list(digits.model)[:4])(x[None])[0])


def test_feature_maps_of_activations_and_pooling_are_kept_apart_from_the_conv_output(digits, digits_data):
    x = digits_data.x_test[0]
    maps = inference.feature_maps(digits, x, layer_types=(nn.Conv2d, nn.ReLU, nn.MaxPool2d))
    assert list(maps) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]  # relu3, relu4 act on vectors
    assert maps["conv1"].min() < 0 <= maps["relu1"].min()
    assert maps["pool2"].shape == (16, 5, 5)


def test_an_in_place_relu_does_not_overwrite_the_conv_output_it_follows():
    spec = get_preset("cifar10_simple_v3").spec  # Conv2d -> ReLU(inplace=True) -> BatchNorm2d, three times
    model = build_model(spec, seed=0)
    preprocessing = {"mode": "RGB", "size": [32, 32], "resize": "bilinear", "mean": [0.5] * 3, "std": [0.25] * 3}
    info = {
        "spec": spec.to_dict(),
        "classes": [str(c) for c in range(10)],
        "input_shape": [3, 32, 32],
        "kind": "image",
        "preprocessing": preprocessing,
    }
    loaded = model_files.load_uploaded(
        safetensors_bytes(model.state_dict()), "v3.safetensors", json.dumps(info).encode()
    )
    x = torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(0))
    maps = inference.feature_maps(loaded, x)
    assert maps["conv1"].min() < 0  # copied before the in-place ReLU clipped it
    torch.testing.assert_close(maps["conv1"], loaded.model.conv1(x[None])[0])
    cam = inference.grad_cam(loaded, x, 0)  # the gradient still reaches the last conv through the in-place ReLU
    assert cam.shape == (32, 32) and 0 <= cam.min() <= cam.max() <= 1


def test_first_layer_filters_are_a_copy_of_the_first_conv(digits):
    name, filters = inference.first_layer_filters(digits)
    assert name == "conv1" and filters.shape == (6, 1, 5, 5)
    assert torch.equal(filters, digits.model.conv1.weight)
    filters.zero_()
    assert digits.model.conv1.weight.abs().sum() > 0  # the shared model is untouched


def test_grad_cam_is_an_input_sized_map_in_zero_to_one(digits, shapes, digits_data, shapes_data):
    for loaded, data in ((digits, digits_data), (shapes, shapes_data)):
        cam = inference.grad_cam(loaded, data.x_test[7], int(data.y_test[7]))
        assert cam.shape == loaded.input_shape[1:]
        assert cam.min() >= 0 and cam.max() == 1 and cam.min() < 1
        assert not cam.requires_grad
        assert all(p.grad is None and not p.requires_grad for p in loaded.model.parameters())
    with pytest.raises(UserError) as caught:
        inference.grad_cam(digits, torch.zeros(1, 32, 32), 10)
    assert caught.value.message.key == "inference.bad_class"


@pytest.mark.parametrize("left, top", [(3, 18), (18, 3), (10, 10)])
def test_grad_cam_lights_up_the_drawn_shape(shapes, left, top):
    """The evidence for "square" lies on the square: the map is brighter there than elsewhere."""
    picture = Image.new("RGB", (32, 32), (40, 60, 160))
    ImageDraw.Draw(picture).rectangle((left, top, left + 11, top + 11), fill=(240, 220, 60))
    prediction = inference.predict(shapes, [picture])[0]
    assert prediction.label == "square"
    cam = inference.grad_cam(shapes, inference.to_input(shapes, picture), prediction.index)  # (H, W): rows are y
    inside = torch.zeros(32, 32, dtype=torch.bool)
    inside[top : top + 12, left : left + 12] = True
    assert cam[inside].mean() > 2 * cam[~inside].mean()


def test_hooks_are_removed_and_the_mode_restored_even_when_the_forward_pass_fails(digits, digits_data, monkeypatch):
    loaded = model_files.load_uploaded(safetensors_bytes(_state(digits)), "w.safetensors", DIGITS_JSON)  # not shared
    x = digits_data.x_test[0]
    inference.feature_maps(loaded, x)
    inference.grad_cam(loaded, x, 3)
    assert _no_hooks_left(loaded.model)

    loaded.model.train()
    inference.grad_cam(loaded, x, 3)
    assert loaded.model.training and all(m.training for m in loaded.model.modules())
    loaded.model.eval()

    def broken(_):
        raise RuntimeError("fc1 broke")

    monkeypatch.setattr(loaded.model.fc1, "forward", broken)
    for call in (lambda: inference.feature_maps(loaded, x), lambda: inference.grad_cam(loaded, x, 3)):
        with pytest.raises(RuntimeError, match="fc1 broke"):
            call()
        assert _no_hooks_left(loaded.model) and not loaded.model.training
        assert loaded.lock.acquire(blocking=False)  # released, so the next session is not stuck
        loaded.lock.release()


def test_a_wrongly_shaped_input_is_refused_with_both_shapes(digits):
    with pytest.raises(UserError) as caught:
        inference.feature_maps(digits, torch.zeros(3, 32, 32))
    assert caught.value.message.params == {"expected": [1, 32, 32], "got": [3, 32, 32]}
    with pytest.raises(UserError):
        inference.predict_inputs(digits, torch.zeros(2, 1, 28, 28))


def test_loaded_models_are_frozen_dataclasses(digits):
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits.classes = ("a",)


# --- weights that are not what they claim (issue 12) ----------------------------------------------------


def _table_upload(weights: dict, out_features: int = 2, in_features: int = 3) -> bytes:
    """Return the model.json of a one-Linear table model of that size, for hand-made weights."""
    info = {
        "spec": {
            "input_shape": [in_features],
            "layers": [{"type": "Linear", "args": {"in_features": in_features, "out_features": out_features}}],
        },
        "classes": [f"c{i}" for i in range(out_features)],
        "input_shape": [in_features],
        "kind": "tabular",
        "standardization": {"feature_names": ["f"] * in_features, "mean": [0] * in_features, "std": [1] * in_features},
    }
    return json.dumps(info).encode()


def test_an_expanded_tensor_of_one_number_is_refused_before_it_is_copied_into_parameters():
    # issue 12 item 1: torch.save of torch.zeros(1).expand(...) is a few KB and unpacks to gigabytes
    weights = {"fc1.weight": torch.zeros(1).expand(2, 3), "fc1.bias": torch.zeros(2)}
    caught = _upload_error(_torch_bytes(weights), _table_upload(weights))
    assert caught.message.key == "inference.tensor_not_real"
    assert caught.message.params == {"name": "fc1.weight", "layer": "fc1", "shape": [2, 3], "stored": 4, "needed": 24}
    sliced = {"fc1.weight": torch.zeros(4, 3)[1:3], "fc1.bias": torch.zeros(2)}  # a view into a larger storage
    assert _upload_error(_torch_bytes(sliced), _table_upload(sliced)).message.key == "inference.tensor_not_real"
    transposed = {"fc1.weight": torch.zeros(3, 2).t(), "fc1.bias": torch.zeros(2)}
    assert _upload_error(_torch_bytes(transposed), _table_upload(transposed)).message.key == "inference.tensor_not_real"


def test_a_spec_larger_than_any_honest_upload_is_refused_before_anything_is_allocated():
    import resource

    # the file: 1.8 KB, a spec of 491 M parameters (1.96 GB, under the 2 GB spec cap)
    weights = {
        "fc1.weight": torch.zeros(1).expand(160_000, 3072),
        "fc1.bias": torch.zeros(1).expand(160_000),
        "fc2.weight": torch.zeros(1).expand(2, 160_000),
        "fc2.bias": torch.zeros(2),
    }
    data = _torch_bytes(weights)
    assert len(data) < 4_000
    info = json.loads(_table_upload(weights, in_features=3072))
    info["spec"]["layers"] = [
        {"type": "Linear", "args": {"in_features": 3072, "out_features": 160_000}},
        {"type": "Linear", "args": {"in_features": 160_000, "out_features": 2}},
    ]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB
    caught = _upload_error(data, json.dumps(info).encode(), max_bytes=10 * 2**20)
    assert caught.message.key == "inference.params_too_large_for_upload"
    assert caught.message.params["max_mb"] == 10 and caught.message.params["size_mb"] > 1800
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # no 1.9 GB of parameters


def test_weights_holding_nan_or_infinity_are_refused_naming_the_tensor(digits):
    # issue 12 item 16: they were accepted and every prediction was NaN
    state = _state(digits)
    name = next(k for k in state if k.endswith("weight"))
    state[name].view(-1)[:3] = torch.tensor([float("nan"), float("inf"), -float("inf")])
    for encode in (_torch_bytes, safetensors_bytes):
        caught = _upload_error(encode(state))
        assert caught.message.key == "inference.tensor_not_finite"
        assert caught.message.params == {"name": name, "layer": name.rsplit(".", 1)[0], "count": 3}


def _image_upload(input_size: int, out_channels: int) -> tuple[bytes, bytes]:
    """Return (weights, model.json) of Conv2d(3, out_channels, 1) -> global pool -> Linear to 2 classes."""
    layers = [
        {"type": "Conv2d", "args": {"in_channels": 3, "out_channels": out_channels, "kernel_size": 1}},
        {"type": "AdaptiveAvgPool2d", "args": {"output_size": 1}},
        {"type": "Flatten", "args": {}},
        {"type": "Linear", "args": {"in_features": out_channels, "out_features": 2}},
    ]
    spec = {"input_shape": [3, input_size, input_size], "layers": layers}
    info = {
        "spec": spec,
        "classes": ["a", "b"],
        "input_shape": spec["input_shape"],
        "kind": "image",
        "preprocessing": {
            "mode": "RGB",
            "size": [input_size, input_size],
            "resize": "bilinear",
            "mean": [0.5] * 3,
            "std": [0.25] * 3,
        },
    }
    model = build_model(model_files.parse_spec(json.dumps(spec)), seed=0)
    return safetensors_bytes(model.state_dict()), json.dumps(info).encode()


def test_a_model_whose_layer_outputs_are_huge_is_refused_and_its_input_stays_in_the_trainers_range():
    # issue 12 item 2: 4.7 KB, input 3 x 1024 x 1024, Conv2d(3, 100, 1): +885 MiB on one picture
    weights, info = _image_upload(1024, 100)
    caught = _upload_error(weights, info)
    assert caught.message.key == "data.input_size_range" and caught.message.params["nearest"] == 64
    weights, info = _image_upload(64, 4096)  # 64 MB of conv output for one picture
    caught = _upload_error(weights, info)
    assert caught.message.key == "inference.activations_too_large" and caught.message.params["max_mb"] == 32
    weights, info = _image_upload(64, 64)  # an honest model at the largest size the trainer makes
    loaded = model_files.load_uploaded(weights, "w.safetensors", info)
    assert loaded.activation_bytes == summarize(loaded.spec).activation_bytes > 0
    assert len(inference.predict(loaded, [Image.new("RGB", (50, 40))] * 3)) == 3


def test_a_model_with_large_layer_outputs_predicts_in_smaller_batches(digits):
    assert inference.predict_batch(digits) == inference.PREDICT_BATCH
    heavy = dataclasses.replace(digits, activation_bytes=model_files.MAX_ACTIVATION_BYTES)
    assert inference.predict_batch(heavy) == inference.PREDICT_MEMORY_BYTES // model_files.MAX_ACTIVATION_BYTES


def test_run_models_are_kept_by_bytes_one_version_per_run(digits, shapes):
    # issue 12 item 5: eight models were kept whatever their size, each epoch of a run a new one
    from core.model_cache import ModelCache, model_bytes

    size = model_bytes(digits)
    cache = ModelCache(max_bytes=2 * size + 1)
    loads = []

    def load(model):
        loads.append(model.source)
        return model

    for epoch in ("1", "2", "3"):  # one run saving a model each epoch: only its latest is kept
        assert cache.get("run-a", epoch, lambda: load(digits)) is digits
    assert cache.keys() == ["run-a"] and cache.used_bytes == size
    cache.get("run-b", "1", lambda: load(digits))
    cache.get("run-a", "3", lambda: load(digits))  # kept: not loaded again, and now the most recent
    assert len(loads) == 4 and cache.keys() == ["run-b", "run-a"]
    cache.get("run-c", "1", lambda: load(digits))  # over the budget: the least recently used goes
    assert cache.keys() == ["run-a", "run-c"] and cache.used_bytes == 2 * size
    cache.get("run-d", "1", lambda: load(shapes))  # a smaller model still pushes the oldest out
    assert cache.keys() == ["run-c", "run-d"] and cache.used_bytes == size + model_bytes(shapes)
    tiny = ModelCache(max_bytes=size - 1)
    tiny.get("run-a", "1", lambda: load(digits))  # larger than the whole budget: used, never kept
    assert tiny.keys() == [] and tiny.used_bytes == 0


def test_test_samples_make_only_the_pictures_drawn_and_an_uploads_config_meets_the_limits(shapes, shapes_drawn):
    # issue 12 item 3: "New samples" rebuilt the whole test split (and a model.json could ask for any size)
    from core.limits import Limits

    samples = inference.test_samples(shapes, 5, seed=1, limits=Limits(max_epochs=20))  # trained for 40 here
    assert len(samples) == 5 and sum(shapes_drawn) == 5
    config = dataclasses.replace(shapes.train_config, dataset="mnist")
    everything = dataclasses.replace(shapes, train_config=config, source="upload:model.safetensors")
    with pytest.raises(UserError) as caught:
        inference.test_samples(everything, 5, limits=Limits(max_samples=20_000))
    assert caught.value.message.key == "limits.samples"  # all 70,000 of MNIST, as the form would refuse
