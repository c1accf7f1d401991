"""Which model fits which data set: core.presets.fit_problem and fitting_presets, checked against a real forward pass."""

from __future__ import annotations

import dataclasses

import pytest

from core.builder import build_model
from core.data import load_dataset
from core.datasets import DATASETS, DatasetInfo
from core.i18n import UserError
from core.modelspec import LayerSpec, ModelSpec
from core.presets import PRESETS, fit_problem, fitting_presets, presets_for
from core.train import check_fit

OFFLINE = [key for key, info in DATASETS.items() if info.offline]  # the ones that load without downloads


def _with_input(key: str, input_shape: tuple[int, ...]) -> ModelSpec:
    return dataclasses.replace(PRESETS[key].spec, input_shape=input_shape)


def _trains_on(spec: ModelSpec, dataset: str) -> bool:
    """Return whether the trainer accepts ``spec`` on ``dataset``: data loaded at the model's size, one forward pass."""
    square = len(spec.input_shape) == 3 and spec.input_shape[1] == spec.input_shape[2]
    size = spec.input_shape[-1] if DATASETS[dataset].kind == "image" and square else None
    try:
        data = load_dataset(dataset, input_size=size, max_samples=50)
        if tuple(data.x_train.shape[1:]) != tuple(spec.input_shape):
            return False  # check_fit's first rule; no need to build a model the size of VGG16
        check_fit(build_model(spec), spec, data)
    except (UserError, RuntimeError):
        return False
    return True


@pytest.mark.parametrize("dataset", OFFLINE)
def test_fitting_presets_are_exactly_those_the_trainer_accepts(dataset):
    expected = [key for key, preset in PRESETS.items() if _trains_on(preset.spec, dataset)]
    assert fitting_presets(DATASETS[dataset]) == expected


def test_each_curriculum_data_set_has_its_presets_and_the_uci_tables_none_as_they_are():
    assert fitting_presets(DATASETS["digits"]) == ["dnn_mnist", "lenet"]
    assert fitting_presets(DATASETS["synthetic3"]) == ["dnn_tabular"]  # the curriculum's DNN 3-5-5-5-3
    for table in ("iris", "wine", "breast_cancer"):
        assert fitting_presets(DATASETS[table]) == []


def test_the_tutorials_dnns_are_fitted_to_every_table_and_the_binary_one_only_to_two_classes():
    names = {key: {k: s.name for k, s in presets_for(DATASETS[key]).items()} for key in DATASETS}
    assert names["iris"] == {"dnn_tabular": "DNN 4-5-5-5-3"}
    assert names["wine"] == {"dnn_tabular": "DNN 13-5-5-5-3"}
    assert names["breast_cancer"] == {"dnn_tabular": "DNN 30-5-5-5-2", "dnn_binary": "DNN 30-32-8-4-1"}
    assert names["synthetic3"] == {"dnn_tabular": "DNN 3-5-5-5-3"}  # as it is: nothing to fit
    assert list(names["digits"]) == ["dnn_mnist", "lenet"]  # built-in pictures keep their own models
    binary = presets_for(DATASETS["breast_cancer"])["dnn_binary"]
    assert binary.layers[-1].type == "Sigmoid" and binary.layers[-2].args["out_features"] == 1


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer"])
def test_a_fitted_table_model_is_accepted_by_the_trainer(dataset):
    for spec in presets_for(DATASETS[dataset]).values():
        loss = "bce" if spec.layers[-1].type == "Sigmoid" else "cross_entropy"
        data = load_dataset(dataset, max_samples=50)
        model = build_model(spec)
        check_fit(model, spec, data, loss)  # raises UserError when the trainer would refuse it
        outputs = 1 if loss == "bce" else data.num_classes
        assert tuple(model(data.x_train[:4]).shape) == (4, outputs)


def test_pictures_of_any_classes_and_channels_get_lenet_and_the_small_cnn_fitted():
    two_colour = DatasetInfo("zip", "image", (3, 32, 32), 2, True, 40)
    fitted = presets_for(two_colour)
    assert {k: s.name for k, s in fitted.items()} == {
        "lenet": "LeNet 3×32×32 → 2",
        "small_cnn": "Small CNN 3×32×32 → 2",
    }
    assert fitted["lenet"].layers[0].args["in_channels"] == 3 and fitted["lenet"].layers[-1].args["out_features"] == 2
    grey_ten = DatasetInfo("zip", "image", (1, 32, 32), 10, True, 40)
    assert list(presets_for(grey_ten)) == ["dnn_mnist", "lenet", "small_cnn"]  # as they are, then fitted


def test_an_image_model_fits_at_any_square_size_in_range():
    assert fit_problem(_with_input("small_cnn", (3, 48, 48)), DATASETS["shapes"]) is None
    assert fit_problem(_with_input("small_cnn", (3, 8, 8)), DATASETS["shapes"]) is None


@pytest.mark.parametrize(
    ("input_shape", "data_shape"),
    [((1, 32, 32), [3, 32, 32]), ((3, 32, 24), [3, 32, 32]), ((3, 128, 128), [3, 32, 32]), ((3, 4, 4), [3, 32, 32])],
)
def test_wrong_channels_a_non_square_or_an_out_of_range_input_names_both_shapes(input_shape, data_shape):
    problem = fit_problem(_with_input("small_cnn", input_shape), DATASETS["shapes"])
    assert problem.key == "train.shape_mismatch"
    assert problem.params == {"data_shape": data_shape, "model_shape": list(input_shape)}


def test_a_resized_image_is_named_at_the_models_size():
    problem = fit_problem(PRESETS["small_cnn"].spec, DATASETS["digits"])  # 3 channels for 1-channel digits
    assert problem.params == {"data_shape": [1, 32, 32], "model_shape": [3, 32, 32]}


def test_a_table_model_must_take_exactly_the_data_sets_features():
    assert fit_problem(PRESETS["dnn_tabular"].spec, DATASETS["synthetic3"]) is None
    problem = fit_problem(PRESETS["dnn_tabular"].spec, DATASETS["iris"])
    assert problem.key == "train.shape_mismatch"
    assert problem.params == {"data_shape": [4], "model_shape": [3]}


def test_a_model_with_the_wrong_number_of_outputs_names_the_classes():
    spec = PRESETS["dnn_tabular"].spec
    two_outputs = dataclasses.replace(
        spec, layers=(*spec.layers[:-1], LayerSpec("Linear", {"in_features": 5, "out_features": 2}))
    )
    problem = fit_problem(two_outputs, DATASETS["synthetic3"])
    assert problem.key == "train.classes_mismatch"
    assert problem.params == {"outputs": 2, "classes": 3}


def test_a_layer_that_cannot_take_the_resized_input_is_the_problem():
    # LeNet's Linear(400, 120) expects 16x5x5 features; at 28x28 the convolutions leave 16x4x4 = 256
    problem = fit_problem(_with_input("lenet", (1, 28, 28)), DATASETS["digits"])
    assert problem is not None and problem.key not in ("train.shape_mismatch", "train.classes_mismatch")
    assert not _trains_on(_with_input("lenet", (1, 28, 28)), "digits")
