"""Losses: the calculator's worked values (SEEDS.md), agreement with torch.nn.functional, typed-input refusals,
the trainer's CE / MSE / BCE semantics, and each optimizer's update written out for one weight."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from conftest import refused, rendered
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import TrainConfig
from core.loss_calculator import CALC_LOSSES, EXAMPLES, REDUCTIONS, calculate, parse_numbers
from core.losses import class_probabilities, compute_loss, loss_problem, loss_warning, predicted_classes
from core.optimizers import element_state, make_optimizer, written_update
from core.presets import PRESETS

# --- the curriculum's worked values (SEEDS.md section 6), asserted exactly at the tutorial's 4 decimals -------


@pytest.mark.parametrize(
    ("name", "x", "y", "reduction", "expected"),
    [
        ("l1", "1, 2, 3", "4, -2, 5", "mean", 3.0),
        ("l1", "1, 2, 3", "4, -2, 5", "sum", 9.0),
        ("mse", "1, 2, 3", "4, -2, 5", "mean", 9.6667),
        ("mse", "1, 2, 3", "4, -2, 5", "sum", 29.0),
        ("cross_entropy", "0.1, 0.7, 0.2", "1", "mean", 0.7679),
        ("cross_entropy", "0.8, 0.1, 0.1", "1", "mean", 1.3897),
    ],
)
def test_the_tutorials_worked_losses_come_out_exactly(name, x, y, reduction, expected):
    result = calculate(name, x, y, reduction)
    assert round(result.value[0], 4) == expected
    assert round(result.torch_value[0], 4) == expected
    assert result.agrees


def test_the_worked_values_show_every_term_with_its_numbers():
    l1 = calculate("l1", "1, 2, 3", "4, -2, 5", "mean")
    assert l1.terms == ["ℓ1 = |1 − 4| = 3", "ℓ2 = |2 − (−2)| = 4", "ℓ3 = |3 − 5| = 2"]
    assert l1.reduced == "mean = (3 + 4 + 2) / 3 = 3"
    mse = calculate("mse", "1, 2, 3", "4, -2, 5", "sum")
    assert mse.terms[1] == "ℓ2 = (2 − (−2))² = 16" and mse.reduced == "sum = 9 + 16 + 4 = 29"
    ce = calculate("cross_entropy", "0.1, 0.7, 0.2", "1", "mean")
    assert ce.terms == ["ℓ1 = −log(e^0.7 / (e^0.1 + e^0.7 + e^0.2)) = −log 0.464 = 0.7679"]


def test_the_generated_code_is_the_tutorials_and_prints_the_same_value(capsys):
    result = calculate("cross_entropy", "0.1, 0.7, 0.2", "1", "mean")
    assert "input = torch.tensor([0.1, 0.7, 0.2])\ntarget = torch.tensor(1)\n" in result.code
    exec(compile(result.code, "<loss>", "exec"), {})  # noqa: S102 (our own output)
    assert capsys.readouterr().out.strip() == "tensor(0.7679)"
    exec(compile(calculate("mse", "1, 2, 3", "4, -2, 5", "sum").code, "<loss>", "exec"), {})  # noqa: S102
    assert capsys.readouterr().out.strip() == "tensor(29.)"


@pytest.mark.parametrize("name", CALC_LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_example_agrees_with_torch_for_every_reduction(name, reduction):
    for _, x, y in EXAMPLES[name]:
        result = calculate(name, x, y, reduction)
        assert result.agrees, (result.value, result.torch_value)
        assert len(result.value) == (len(result.terms) if reduction == "none" else 1)


numbers = st.floats(-20, 20, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 4),
    classes=st.integers(2, 5),
    data=st.data(),
    reduction=st.sampled_from(REDUCTIONS),
    smoothing=st.sampled_from([0.0, 0.1, 0.35]),
    weighted=st.booleans(),
)
def test_cross_entropy_with_weights_and_smoothing_agrees_with_torch(
    rows, classes, data, reduction, smoothing, weighted
):
    x = [data.draw(st.lists(numbers, min_size=classes, max_size=classes)) for _ in range(rows)]
    y = data.draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows))
    w = (
        data.draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.0]), min_size=classes, max_size=classes))
        if weighted
        else []
    )
    text = "; ".join(", ".join(repr(v) for v in row) for row in x)
    result = calculate("cross_entropy", text, ", ".join(map(str, y)), reduction, ", ".join(map(repr, w)), smoothing)
    weight = torch.tensor(w) if w else None
    expected = F.cross_entropy(
        torch.tensor(x), torch.tensor(y), weight=weight, reduction=reduction, label_smoothing=smoothing
    )
    assert result.agrees
    assert torch.allclose(torch.tensor(result.value, dtype=torch.float32), expected.reshape(-1), rtol=1e-4, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.tuples(numbers, st.floats(0, 1, width=32)), min_size=1, max_size=6))
def test_bce_with_logits_and_the_elementwise_losses_agree_with_torch(values):
    x = ", ".join(repr(a) for a, _ in values)
    y = ", ".join(repr(b) for _, b in values)
    probabilities = ", ".join(repr(1 / (1 + math.exp(-a))) for a, _ in values)
    for name, inputs in (("bce_with_logits", x), ("bce", probabilities), ("l1", x), ("mse", x)):
        for reduction in REDUCTIONS:
            assert calculate(name, inputs, y, reduction).agrees, (name, reduction)


def test_bce_clamps_its_logs_at_minus_100_as_pytorch_does():
    result = calculate("bce", "0, 1", "1, 0", "none")
    assert result.value == [100.0, 100.0] and result.agrees


# --- warnings ---------------------------------------------------------------------------------------------


def test_probabilities_given_to_cross_entropy_warn_of_softmax_applied_twice():
    warned = calculate("cross_entropy", "0.1, 0.7, 0.2", "1").warnings
    assert [w.key for w in warned] == ["losses.softmax_before_cross_entropy"]
    rendered(warned[0])
    assert calculate("cross_entropy", "2.0, 0.5, -1.0", "0").warnings == []  # logits: no warning
    assert [w.key for w in calculate("nll", "0.2, 0.8", "1").warnings] == ["losses.nll_needs_log"]


def test_a_model_ending_in_softmax_is_warned_before_training_with_cross_entropy():
    spec = PRESETS["dnn_tabular"].spec
    ends_in_softmax = type(spec)((*spec.layers, type(spec.layers[0])("Softmax", {"dim": 1})), spec.input_shape)
    assert loss_warning("cross_entropy", ends_in_softmax).key == "losses.softmax_before_loss"
    assert loss_warning("cross_entropy", spec) is None


# --- bad input: the problem, the value, the nearest valid choice, in both languages ----------------------


@pytest.mark.parametrize(
    ("args", "key", "params"),
    [
        (("l1", "1, two, 3", "4, 5, 6"), "losses.not_a_number", {"value": "two", "row": 1, "position": 2}),
        (("l1", "", "1"), "losses.empty", {"field": "input"}),
        (("l1", "1, 2; 3", "1, 2; 3, 4"), "losses.ragged", {"row": 2, "got": 1, "expected": 2}),
        (("mse", "1, 2, 3", "4, 5"), "losses.shape_mismatch", {"input": [3], "target": [2]}),
        (("l1", "1, nan", "1, 2"), "losses.not_finite", {"value": "nan"}),
        (("l1", "[1, 2", "1, 2"), "losses.bad_list", {"field": "input"}),
        (("cross_entropy", "0.1, 0.7, 0.2", "3"), "losses.target_not_index", {"value": "3", "max": 2, "nearest": 2}),
        (("cross_entropy", "0.1, 0.7, 0.2", "1.5"), "losses.target_not_index", {"nearest": 2}),
        (("cross_entropy", "0.1, 0.7; 0.2, 0.3", "1"), "losses.target_count", {"rows": 2, "got": 1}),
        (("cross_entropy", "0.1; 0.7", "0, 0"), "losses.one_class", {"field": "input"}),
        (("cross_entropy", "0.1, 0.7", "1", "mean", "1, 2, 3"), "losses.weight_count", {"classes": 2, "got": 3}),
        (("cross_entropy", "0.1, 0.7", "1", "mean", "", 1.0), "losses.smoothing_range", {"nearest": 0.9}),
        (("bce", "1.5, 0.2", "1, 0"), "losses.bce_input_range", {"value": "1.5"}),
        (("bce_with_logits", "1.5, 0.2", "2, 0"), "losses.bce_target_range", {"value": "2", "nearest": "1"}),
        (("hinge", "1", "1"), "losses.unknown", {"value": "hinge"}),
        (("l1", "1", "1", "avg"), "losses.bad_reduction", {"value": "avg"}),
    ],
)
def test_typed_input_that_cannot_be_used_names_the_problem_and_the_nearest_choice(args, key, params):
    message = refused(lambda: calculate(*args), key)
    assert params.items() <= message.params.items()


def test_numbers_can_be_typed_as_rows_or_as_a_json_list_and_the_count_is_capped():
    assert parse_numbers("0.1, 0.7; 0.8 0.1", "input") == [[0.1, 0.7], [0.8, 0.1]]
    assert parse_numbers("[[0.1, 0.7], [0.8, 0.1]]", "input") == [[0.1, 0.7], [0.8, 0.1]]
    assert parse_numbers("−1, 2", "input") == [[-1.0, 2.0]]  # a minus sign pasted from a page
    refused(lambda: parse_numbers(", ".join(["1"] * 401), "input"), "losses.too_many")


# --- the trainer's losses (core.losses) -----------------------------------------------------------------------


def test_the_trainers_losses_are_what_the_page_says():
    torch.manual_seed(0)
    logits, target = torch.randn(5, 3), torch.tensor([0, 2, 1, 1, 0])
    assert torch.equal(compute_loss("cross_entropy", logits, target), F.cross_entropy(logits, target))
    mse = F.mse_loss(logits.softmax(dim=1), F.one_hot(target, 3).float())
    assert torch.equal(compute_loss("mse", logits, target), mse)
    p, binary = torch.rand(5, 1), torch.tensor([0, 1, 1, 0, 1])
    assert torch.equal(compute_loss("bce", p, binary), F.binary_cross_entropy(p[:, 0], binary.float()))
    assert torch.equal(predicted_classes("bce", p), (p[:, 0] >= 0.5).long())
    assert torch.equal(predicted_classes("cross_entropy", logits), logits.argmax(dim=1))
    assert torch.allclose(class_probabilities(p), torch.cat([1 - p, p], dim=1))


def test_bce_needs_one_sigmoid_output_and_two_classes_and_each_rule_names_the_fix():
    binary = PRESETS["dnn_binary"].spec
    assert loss_problem("bce", binary, 1, 2) is None
    assert loss_problem("bce", binary, 1, 3).key == "losses.bce_needs_two_classes"
    assert loss_problem("bce", PRESETS["dnn_tabular"].spec, 3, 2).key == "losses.bce_needs_one_output"
    no_sigmoid = type(binary)(binary.layers[:-1], binary.input_shape)
    assert loss_problem("bce", no_sigmoid, 1, 2).key == "losses.bce_needs_sigmoid"
    assert loss_problem("cross_entropy", binary, 1, 2).key == "losses.one_output_needs_bce"
    for message in (loss_problem("bce", binary, 1, 3), loss_problem("cross_entropy", binary, 1, 2)):
        rendered(message)


# --- one weight's update, written out (core.optimizers) ----------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(optimizer="sgd", lr=0.1, momentum=0.0),
        TrainConfig(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=0.01),
        TrainConfig(optimizer="adam", lr=0.01),
        TrainConfig(optimizer="adam", lr=0.01, weight_decay=0.001),
        TrainConfig(optimizer="adamw", lr=0.01, weight_decay=0.01),
        TrainConfig(optimizer="rmsprop", lr=0.01, momentum=0.5),
        TrainConfig(optimizer="rmsprop", lr=0.01, momentum=0.0),
    ],
    ids=lambda c: f"{c.optimizer}-m{c.momentum}-wd{c.weight_decay}",
)
def test_the_written_out_update_is_what_optimizer_step_does_for_three_steps(config):
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    optimizer = make_optimizer(config, model)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    weight, index = model.weight, 4
    for step in range(1, 4):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        w, g = float(weight.detach().view(-1)[index]), float(weight.grad.view(-1)[index])
        before = element_state(optimizer, weight, index)
        lines, after = written_update(config, w, g, before, step)
        optimizer.step()
        assert math.isclose(lines[-1].value, float(weight.detach().view(-1)[index]), rel_tol=1e-5, abs_tol=1e-7)
        real = element_state(optimizer, weight, index)
        for name, value in after.items():
            assert math.isclose(value, real[name], rel_tol=1e-4, abs_tol=1e-9), name
        assert lines[-1].name == "w" and all(line.numbers for line in lines)


def test_a_model_with_one_sigmoid_output_loads_and_predicts_two_class_probabilities(tmp_path):
    from core.data import load_dataset
    from core.datasets import DATASETS
    from core.inference import predict_inputs
    from core.model_files import load_run
    from core.presets import adapted_spec
    from core.runs import RunStore
    from core.worker import run_here

    spec = adapted_spec("dnn_binary", DATASETS["breast_cancer"])
    config = TrainConfig(dataset="breast_cancer", model=spec.to_dict(), epochs=1, loss="bce", max_samples=100)
    store = RunStore(tmp_path / "runs")
    run_id = store.create_run(config.to_dict()).run_id
    assert run_here(store, run_id).state == "finished"
    loaded = load_run(store, run_id)  # one output, two class names: accepted
    rows = load_dataset("breast_cancer", max_samples=100).x_test[:4]
    predictions = predict_inputs(loaded, rows)
    with torch.no_grad():
        p = loaded.model(rows)[:, 0]
    for prediction, p_one in zip(predictions, p.tolist(), strict=True):
        assert prediction.probabilities == pytest.approx((1 - p_one, p_one))
        assert prediction.index == int(p_one >= 0.5)
