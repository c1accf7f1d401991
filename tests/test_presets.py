"""Which model fits which data set: core.presets.fit_problem and fitting_presets, checked against a real forward pass."""

from __future__ import annotations

import dataclasses

import pytest

from core.builder import build_model
from core.data import load_dataset
from core.datasets import DATASETS
from core.i18n import UserError
from core.modelspec import LayerSpec, ModelSpec
from core.presets import PRESETS, fit_problem, fitting_presets
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


def test_each_curriculum_data_set_has_its_presets_and_the_uci_tables_have_none():
    assert fitting_presets(DATASETS["digits"]) == ["dnn_mnist", "lenet"]
    assert fitting_presets(DATASETS["synthetic3"]) == ["dnn_tabular"]  # the curriculum's DNN 3-5-5-5-3
    for table in ("iris", "wine", "breast_cancer"):  # the page sends these to the Architecture page
        assert fitting_presets(DATASETS[table]) == []


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
