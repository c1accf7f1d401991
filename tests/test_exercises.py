"""Every generated question's answer is what PyTorch computes, and every slip it names gets its hint.

The answers come from core modules; here they are checked against real ``torch.nn`` modules and
``torch.nn.functional``, for any seed (hypothesis). Model shapes use the real modules on the
``meta`` device (shapes without arithmetic), so VGG16 costs nothing.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader

from core.answer_check import check
from core.builder import build_model
from core.exercises import KINDS, MAX_SEED, TOPICS, generate
from core.presets import PRESETS

SEEDS = st.integers(0, MAX_SEED)


def _layer(question) -> nn.Module:
    return eval(question.prompt.params["layer"], {"nn": nn})  # our own generated code line, e.g. "nn.Conv2d(3, 6, ...)"


def _input(question) -> torch.Tensor:
    return torch.zeros(*eval(question.prompt.params["shape"]))


@pytest.mark.parametrize("kind", ["conv_size", "pool_size", "transpose_size"])
@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_output_sizes_are_what_the_real_layer_gives(kind, seed):
    question = generate(kind, seed)
    with torch.device("meta"):
        out = _layer(question)(_input(question))
    assert question.expected.value == tuple(map(float, out.shape[2:]))
    assert question.expected.channels == out.shape[1]
    assert check(f"[{', '.join(map(str, out.shape))}]", question.expected).right


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_one_output_cell_is_what_f_conv2d_gives(seed):
    question = generate("conv_cell", seed)
    (_, x), (_, kernel) = question.tables
    padding, row, col = (question.prompt.params[p] for p in ("padding", "row", "col"))
    out = F.conv2d(torch.tensor(x)[None, None], torch.tensor(kernel)[None, None], padding=padding)
    assert question.expected.value == (out[0, 0, row, col].item(),)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_the_shape_after_a_layer_is_what_the_real_model_gives(seed):
    question = generate("layer_shape", seed)
    preset = next(p for p in PRESETS.values() if p.title == question.prompt.params["model"])
    with torch.device("meta"):
        model = build_model(preset.spec)
        x = torch.zeros(1, *preset.spec.input_shape)
    for layer in list(model)[: question.prompt.params["index"]]:
        x = layer(x)
    assert question.expected.value == tuple(map(float, x.shape))


def test_alexnet_as_written_takes_its_typo_mended_where_it_is_written_as_a_right_answer():
    # Its Conv2d(384, 383) breaks the next layer, Conv2d(384, 256); the Architecture page's note says
    # 384 was meant, so "9: 384" mends it as well as "11: 383" does, and a student who read the note is right.
    seed = next(s for s in range(100) if "as written" in generate("broken_layer", s).prompt.params["model"])
    question = generate("broken_layer", seed)
    assert [check(answer, question.expected).outcome for answer in ("11: 383", "9: 384", "9: 383", "11: 384")] == [
        "right",
        "right",
        "wrong",
        "wrong",
    ]
    assert question.answers == "11: 383 / 9: 384"  # what the page says once it is right or revealed
    layers = [eval(line.split(None, 2)[2], {"nn": nn}) for line in question.listing.splitlines()]
    layers[8] = eval(question.reveal[-1].split(": ", 1)[1], {"nn": nn})  # the typo mended, as the answer shows it
    x = torch.zeros(1, 1, 224, 224)
    for layer in layers[:11]:
        x = layer(x)  # runs through layer 11, where the tutorial's model fails
    assert x.shape == (1, 256, 12, 12)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_a_parameter_count_is_what_the_real_layer_holds(seed):
    question = generate("param_count", seed)
    layer = _layer(question)
    assert question.expected.value == (float(sum(p.numel() for p in layer.parameters())),)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_the_broken_layer_is_where_pytorch_fails_and_the_fix_runs(seed):
    question = generate("broken_layer", seed)
    number, value = map(int, question.expected.value)
    shape = eval(question.prompt.params["input"])
    with torch.device("meta"):
        layers = [eval(line.split(None, 2)[2], {"nn": nn}) for line in question.listing.splitlines()]
        x = torch.zeros(*shape)
        for i, layer in enumerate(layers, 1):
            if i == number:
                with pytest.raises(RuntimeError):
                    layer(x)
                fixed = eval(question.reveal[1].split(": ", 1)[1], {"nn": nn})
                assert value in (getattr(fixed, "in_channels", None), getattr(fixed, "in_features", None))
                fixed(x)  # runs: the first break is mended (AlexNet as written has a second one further on)
                break
            x = layer(x)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_a_loss_value_is_what_torch_nn_functional_gives(seed):
    question = generate("loss_value", seed)
    loss, x, y = (question.prompt.params[p] for p in ("loss", "input", "target"))
    x = torch.tensor(eval(x), dtype=torch.float64)
    if loss == "nn.CrossEntropyLoss()":
        want = F.cross_entropy(x, torch.tensor(eval(y)))
    elif loss == "nn.MSELoss()":
        want = F.mse_loss(x, torch.tensor(eval(y), dtype=torch.float64))
    else:
        want = F.binary_cross_entropy(x, torch.tensor(eval(y), dtype=torch.float64))
    assert math.isclose(question.expected.value[0], want.item(), rel_tol=1e-9)
    assert check(f"{want.item():.2f}", question.expected).right


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_iterations_are_the_data_loaders_length_times_the_epochs(seed):
    question = generate("iterations", seed)
    p = question.prompt.params
    per_epoch = len(DataLoader(range(p["n"]), batch_size=p["batch"], drop_last=p["drop_last"]))
    assert question.expected.value == (float(per_epoch * p["epochs"]),)
    rounding = math.floor if p["drop_last"] else math.ceil
    assert per_epoch == rounding(p["n"] / p["batch"])


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_digit_question_answers_what_the_bundled_model_chooses(seed):
    from core.exercises_more import digit_pool

    question = generate("predict_class", seed)
    loaded, samples, _ = digit_pool()
    (sample,) = [s for s in samples if s.index == question.explain.params["test_index"]]
    with torch.no_grad():
        chosen = loaded.model(sample.x[None]).argmax(1).item()
    assert question.expected.value == (float(chosen),)
    assert question.true_label == loaded.classes[sample.label] and question.image.ndim == 2
    assert [name for name, _ in question.bars][0] == loaded.classes[chosen]


# --- every kind: the same seed gives the same question; right checks right; each slip gets its hint ---


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "predict_class"])
@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_every_slip_differs_from_the_answer_and_checks_as_its_hint(kind, seed):
    question = generate(kind, seed)
    assert generate(kind, seed) == question
    assert check(question.answer, question.expected).right
    tolerance = question.expected.tolerance
    for slip, _ in question.expected.mistakes:
        typed = ", ".join(f"{v:.6f}" for v in slip)
        verdict = check(typed, question.expected)
        assert verdict.outcome == "wrong", (typed, question.answer)
        first = next(
            key
            for other, key in question.expected.mistakes
            if len(other) == len(slip) and all(abs(a - b) <= tolerance for a, b in zip(other, slip, strict=True))
        )
        assert verdict.mistake == first


def test_every_topic_has_kinds_and_every_kind_a_topic():
    assert set(TOPICS) == {"convolution", "architecture", "training", "predict"}
    assert sorted(k for kinds in TOPICS.values() for k in kinds) == sorted(KINDS)


def test_the_floor_drops_rows_in_some_convolution_questions():
    explained = {generate("conv_size", seed).explain.key for seed in range(40)}
    assert explained == {"exercise.explain.conv_size", "exercise.explain.conv_size_dropped"}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no exercise kind"):
        generate("nope", 1)
