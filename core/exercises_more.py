"""Check yourself, beyond one layer: shapes through curriculum models, parameter counts, the layer that
breaks a model, loss values, iterations per epoch, and which class a trained model will choose.

The answers come from :mod:`core.summary` (a real forward pass of the model), :mod:`core.geometry`,
:mod:`core.loss_calculator` (checked against ``torch.nn.functional``), ``torch.utils.data.DataLoader``
and the bundled digits model (:mod:`core.inference`). Registered into :data:`core.exercises.KINDS`.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import replace

import numpy as np
import torch
from torch.utils.data import DataLoader

from core.answer_check import Expected
from core.exercises import Question, kind, slips
from core.geometry import conv_geometry
from core.i18n import Message
from core.layer_settings import ConvSettings
from core.loss_calculator import CLASS_NAMES, work_out
from core.modelspec import LayerSpec, ModelSpec, layer_names
from core.presets import PRESETS
from core.summary import Summary, summarize

AS_WRITTEN = "AlexNet (as written)"  # the tutorial's AlexNet, typos and all

SHAPE_MODELS = ("lenet", "net_three_elements", "cnn_typical", "cifar10_sequential", "alexnet", "small_cnn", "vgg16")
BREAKABLE = ("lenet", "net_three_elements", "cnn_typical", "cifar10_sequential", "small_cnn")
PREDICT_MODEL = "digits_lenet"
PREDICT_POOL = 200  # test pictures the digit questions are drawn from


@functools.lru_cache(maxsize=32)
def _summary(spec: ModelSpec) -> Summary:
    return summarize(spec)


def _listing(spec: ModelSpec) -> str:
    names = layer_names(spec)
    return "\n".join(
        f"{i:>2}  {name:<10} {layer.code()}" for i, (name, layer) in enumerate(zip(names, spec.layers, strict=True), 1)
    )


def _numbers(values: list) -> str:
    return str(values).replace(".0,", ",").replace(".0]", "]")


def _shape(values: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


# --- architecture --------------------------------------------------------------------------------------


@kind("layer_shape", "architecture")
def _layer_shape(rng: random.Random) -> Question:
    preset = PRESETS[rng.choice(SHAPE_MODELS)]
    summary = _summary(preset.spec)
    rows = [r for r in summary.rows if r.in_shape != r.out_shape]  # a layer that changes the shape
    row = rng.choice(rows)
    slips = [(row.in_shape, "exercise.hint.layer_changes")]
    if row.type == "Conv2d" and len(row.in_shape) == 4:
        slips.append(((1, row.in_shape[1], *row.out_shape[2:]), "exercise.hint.out_channels"))
    if row.type == "Flatten":
        slips.append(((1, row.in_shape[1] * row.in_shape[2]), "exercise.hint.flatten_all"))
    mistakes = tuple((tuple(map(float, v)), key) for v, key in slips if tuple(v) != row.out_shape)
    expected = Expected(
        "shape", tuple(map(float, row.out_shape)), "[1, 6, 14, 14]", mistakes=mistakes, hint="exercise.hint.layer_shape"
    )
    prompt = Message(
        "exercise.ask.layer_shape",
        {"model": preset.title, "input": _shape(summary.input_shape), "index": row.index + 1, "layer": row.settings},
    )
    reveal = (
        f"{row.index + 1} {row.name}: {row.settings}",
        f"{_shape(row.in_shape)} -> {row.calculation} -> {_shape(row.out_shape)}",
    )
    code = (
        "import torch\nfrom core.presets import PRESETS\nfrom core.summary import summarize\n\n"
        f"row = summarize(PRESETS[{preset.key!r}].spec).rows[{summary.rows.index(row)}]\nprint(row.out_shape)"
    )
    return Question(
        "", 0, prompt, expected, reveal, Message("exercise.explain.layer_shape"), code, listing=_listing(preset.spec)
    )


@kind("param_count", "architecture")
def _param_count(rng: random.Random) -> Question:
    if rng.random() < 0.25:
        n_in, n_out, bias = rng.choice((16, 84, 120, 256, 400, 784)), rng.choice((10, 64, 84, 120)), rng.random() < 0.8
        right = n_out * n_in + (n_out if bias else 0)
        layer = f"nn.Linear({n_in}, {n_out}{'' if bias else ', bias=False'})"
        slips = [((n_out * n_in,), "exercise.hint.bias"), ((n_out * n_in + n_in,), "exercise.hint.bias_per_output")]
        reveal = (f"{n_out} x {n_in}" + (f" + {n_out}" if bias else "") + f" = {right}",)
    else:
        c_in, c_out, k = rng.choice((1, 3, 6, 16, 32)), rng.choice((6, 8, 16, 32, 64)), rng.choice((1, 3, 3, 5, 7))
        groups = rng.choice([g for g in (1, 1, 2, 4) if c_in % g == 0 and c_out % g == 0])
        bias = rng.random() < 0.8
        settings = ConvSettings(in_channels=c_in, out_channels=c_out, kernel_size=k, groups=groups, bias=bias)
        right, b = conv_geometry(settings, (c_in, 8 * k, 8 * k)).params, c_out if bias else 0
        layer = settings.code()
        slips = [
            ((c_out * c_in * k * k + b,), "exercise.hint.groups"),
            ((c_out * c_in // groups * k * k,), "exercise.hint.bias"),
            ((c_out * k * k + b,), "exercise.hint.in_channels"),
            ((c_out * c_in // groups * k + b,), "exercise.hint.kernel_area"),
        ]
        reveal = (f"C_out x C_in/groups x kH x kW + C_out = {c_out} x {c_in}/{groups} x {k} x {k} + {b} = {right}",)
    mistakes = tuple((tuple(map(float, v)), key) for v, key in slips if v != (right,))
    expected = Expected("int", (float(right),), "456", mistakes=mistakes, hint="exercise.hint.params")
    code = f"from torch import nn\n\nprint(sum(p.numel() for p in {layer}.parameters()))"
    return Question(
        "",
        0,
        Message("exercise.ask.param_count", {"layer": layer}),
        expected,
        reveal,
        Message("exercise.explain.param_count"),
        code,
    )


def _broken_spec(rng: random.Random) -> tuple[str, ModelSpec]:
    if rng.random() < 0.25:
        return AS_WRITTEN, PRESETS["alexnet_as_written"].spec
    preset = PRESETS[rng.choice(BREAKABLE)]
    layers = list(preset.spec.layers)
    choices = [i for i, layer in enumerate(layers) if i > 0 and layer.type in ("Conv2d", "Linear")]
    i = rng.choice(choices)
    arg = "in_channels" if layers[i].type == "Conv2d" else "in_features"
    right = layers[i].args[arg]
    wrong = rng.choice(
        [v for v in (right // 2, right * 2, right + 1, right - 1, 16 * 4 * 4, 6 * 5 * 5) if v > 0 and v != right]
    )
    layers[i] = LayerSpec(layers[i].type, {**layers[i].args, arg: wrong}, layers[i].name)
    return preset.title, replace(preset.spec, layers=tuple(layers))


def _changed(broken: LayerSpec, fixed: LayerSpec) -> str:
    return next(name for name, value in fixed.args.items() if broken.args.get(name) != value)


def _typo_where_written(before: int) -> tuple[int, LayerSpec, LayerSpec] | None:
    """AlexNet as written: the tutorial's typo above layer ``before`` (from 0), with the layer as meant.

    Its ``Conv2d(384, 383)`` breaks the next convolution, ``Conv2d(384, 256)``; mending the typo
    (383 -> 384, as the Architecture page's note says) is as right as making the next layer take 383.
    """
    written, meant = PRESETS["alexnet_as_written"].spec.layers, PRESETS["alexnet"].spec.layers
    return next(((i, written[i], meant[i]) for i in range(before) if written[i] != meant[i]), None)


@kind("broken_layer", "architecture")
def _broken_layer(rng: random.Random) -> Question:
    title, spec = _broken_spec(rng)
    problem = _summary(spec).problem
    broken, fixed = spec.layers[problem.layer_index], problem.fix.layers[problem.layer_index]
    arg = _changed(broken, fixed)
    number = problem.layer_index + 1  # from 1, as the Architecture page and its messages number layers
    right = (float(number), float(fixed.args[arg]))
    mistakes = slips((number, fixed.args[arg]), [((number, broken.args[arg]), "exercise.hint.broken_value")])
    reveal = (f"{number}: {broken.code()}", f"{number}: {fixed.code()}")
    also = ()
    if title == AS_WRITTEN and (typo := _typo_where_written(problem.layer_index)):
        i, written, meant = typo
        also = ((float(i + 1), float(meant.args[_changed(written, meant)])),)
        reveal += (f"{i + 1}: {written.code()}", f"{i + 1}: {meant.code()}")
    expected = Expected("layer_fix", right, "5: 400", mistakes=mistakes, hint="exercise.hint.broken_layer", also=also)
    prompt = Message("exercise.ask.broken_layer", {"model": title, "input": _shape((1, *spec.input_shape))})
    code = "from core.summary import summarize\n\nprint(summarize(spec).problem.text())"
    return Question("", 0, prompt, expected, reveal, problem.message, code, listing=_listing(spec))


# --- training -------------------------------------------------------------------------------------------


@kind("loss_value", "training")
def _loss_value(rng: random.Random) -> Question:
    name = rng.choice(("cross_entropy", "cross_entropy", "mse", "bce"))
    if name == "cross_entropy":
        x = [[float(rng.randint(-2, 3)) for _ in range(3)]]
        y = [[float(rng.randrange(3))]]
        p = torch.softmax(torch.tensor(x[0], dtype=torch.float64), 0)[int(y[0][0])].item()
        slips = [
            (p, "exercise.hint.ce_probability"),
            (math.log(p), "exercise.hint.minus"),
            (-math.log10(p), "exercise.hint.natural_log"),
        ]
    elif name == "mse":
        x = [[float(rng.randint(-3, 3)), float(rng.randint(-3, 3)), float(rng.randint(-3, 3))]]
        y = [[float(rng.randint(-3, 3)) for _ in range(3)]]
        diffs = [a - b for a, b in zip(x[0], y[0], strict=True)]
        slips = [
            (sum(d * d for d in diffs), "exercise.hint.mean"),
            (sum(abs(d) for d in diffs) / 3, "exercise.hint.square"),
        ]
    else:
        x = [[round(rng.uniform(0.1, 0.9), 1) for _ in range(2)]]
        y = [[float(rng.randint(0, 1)) for _ in range(2)]]
        wrong_side = sum(-math.log(q if t == 0 else 1 - q) for q, t in zip(x[0], y[0], strict=True)) / 2
        slips = [(wrong_side, "exercise.hint.bce_target")]
    result = work_out(name, x, y, "mean")
    value = result.torch_value[0]
    mistakes = tuple(((round(v, 6),), key) for v, key in slips if abs(v - value) > 0.011)
    expected = Expected("number", (value,), "0.41", tolerance=0.0051, mistakes=mistakes, hint=f"exercise.hint.{name}")
    target = [int(t) for t in y[0]] if name == "cross_entropy" else y
    prompt = Message(
        "exercise.ask.loss_value",
        {"loss": f"nn.{CLASS_NAMES[name]}()", "input": _numbers(x), "target": _numbers(target)},
    )
    return Question(
        "", 0, prompt, expected, (*result.terms, result.reduced), Message(f"exercise.explain.{name}"), result.code
    )


@kind("iterations", "training")
def _iterations(rng: random.Random) -> Question:
    n, batch, epochs = rng.randint(100, 60_000), rng.choice((16, 32, 50, 64, 100, 128, 256)), rng.randint(1, 5)
    if n % batch == 0:
        n += rng.randint(1, batch - 1)
    drop_last = rng.random() < 0.4
    per_epoch = len(DataLoader(range(n), batch_size=batch, drop_last=drop_last))
    right = per_epoch * epochs
    other = math.ceil(n / batch) if drop_last else n // batch
    slips = [
        ((other * epochs,), "exercise.hint.drop_last" if drop_last else "exercise.hint.last_batch"),
        ((per_epoch,), "exercise.hint.epochs"),
    ]
    mistakes = tuple((tuple(map(float, v)), key) for v, key in slips if v != (right,))
    expected = Expected("int", (float(right),), "1875", mistakes=mistakes, hint="exercise.hint.iterations")
    rounding = f"floor({n} / {batch})" if drop_last else f"ceil({n} / {batch})"
    reveal = (f"{rounding} = {per_epoch}", f"{per_epoch} x {epochs} = {right}")
    prompt = Message("exercise.ask.iterations", {"n": n, "batch": batch, "epochs": epochs, "drop_last": drop_last})
    code = f"from torch.utils.data import DataLoader\n\nprint({epochs} * len(DataLoader(range({n}), batch_size={batch}, drop_last={drop_last})))"
    return Question("", 0, prompt, expected, reveal, Message("exercise.explain.iterations"), code)


# --- predict --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def digit_pool() -> tuple:
    """Return the bundled digits model, ``PREDICT_POOL`` samples of its test split and its prediction for each.

    Made once per process (building the digits' test split takes about a second); each question
    then picks one of them by its seed.
    """
    from core.inference import predict_inputs, test_samples  # the model and its data load on first use
    from core.model_files import load_bundled

    loaded = load_bundled(PREDICT_MODEL)
    samples = test_samples(loaded, PREDICT_POOL, seed=0)
    return loaded, samples, predict_inputs(loaded, torch.stack([sample.x for sample in samples]))


@kind("predict_class", "predict")
def _predict_class(rng: random.Random) -> Question:
    loaded, samples, predictions = digit_pool()
    chosen = rng.randrange(len(samples))
    sample, prediction = samples[chosen], predictions[chosen]
    mistakes = () if prediction.index == sample.label else (((float(sample.label),), "exercise.hint.model_wrong"),)
    expected = Expected("int", (float(prediction.index),), "7", mistakes=mistakes, hint="exercise.hint.predict")
    reveal = tuple(f"{name}: {p:.1%}" for _, name, p in prediction.top)
    truth = Message(
        "exercise.explain.predict_class", {"label": loaded.classes[sample.label], "test_index": sample.index}
    )
    code = (
        "from core.exercises_more import digit_pool\n\n"
        f"model, samples, predictions = digit_pool()\nprint(predictions[{chosen}].label)  # test sample {sample.index}"
    )
    image = np.asarray(sample.picture.convert("L")) if sample.picture is not None else None
    bars = tuple((name, p) for _, name, p in prediction.top)
    return Question(
        "", 0, Message("exercise.ask.predict_class"), expected, reveal, truth, code, image=image, bars=bars,
        true_label=loaded.classes[sample.label],
    )  # fmt: skip
