"""The curriculum's models as ready-made specs, each with its input shape and a one-line description.

Every model of SEEDS.md's table (parameter counts checked in tests/test_models.py), AlexNet as the
tutorial wrote it (typos kept: it fails where the tutorial fails) and fixed, torchvision's VGG16
adapted to 10 classes, and one small modern CNN that trains on 2 CPU cores. Also which model fits
which data set (:func:`fit_problem`, :func:`fitting_presets`), the check the training page lists
its presets by, and the curriculum's models fitted to a table or an uploaded picture set
(:func:`presets_for`): the first layer takes the data's features or channels, the last its classes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from core.config import TrainConfig
from core.datasets import INPUT_SIZE_RANGE, UPLOAD_KINDS, DatasetInfo
from core.i18n import Message
from core.modelspec import LayerSpec, ModelSpec, spec_error
from core.suggest import shown, suggestion
from core.summary import summarize


@dataclass(frozen=True)
class Preset:
    """A ready-made model: its spec and the i18n keys of its one-line description and notes."""

    key: str
    title: str
    description_key: str
    spec: ModelSpec
    notes_key: str | None = None


def _l(layer_type: str, *, name: str | None = None, **args: Any) -> LayerSpec:
    return LayerSpec(layer_type, args, name)


def _conv(c_in: int, c_out: int, k: int, **args: Any) -> LayerSpec:
    return _l("Conv2d", in_channels=c_in, out_channels=c_out, kernel_size=k, **args)


def _fc(n_in: int, n_out: int, **args: Any) -> LayerSpec:
    return _l("Linear", in_features=n_in, out_features=n_out, **args)


def _mlp(sizes: list[int], activation: str, last_activation: bool = False) -> list[LayerSpec]:
    layers = []
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers.append(_fc(n_in, n_out))
        if last_activation or i < len(sizes) - 2:
            layers.append(_l(activation))
    return layers


def _lenet_like(c_in: int) -> list[LayerSpec]:
    # conv -> ReLU -> pool twice, then 16*5*5 = 400 -> 120 -> 84 -> 10, as both tutorials write it
    return [
        _conv(c_in, 6, 5),
        _l("ReLU"),
        _l("MaxPool2d", kernel_size=2),
        _conv(6, 16, 5),
        _l("ReLU"),
        _l("MaxPool2d", kernel_size=2),
        _l("Flatten"),
        *_mlp([400, 120, 84, 10], "ReLU"),
    ]


def _alexnet(as_written: bool) -> list[LayerSpec]:
    # the tutorial's typos, kept in "as written": Conv2d(384, 383) and Linear(4096, 4086)
    c4, f2 = (383, 4086) if as_written else (384, 4096)
    return [
        _conv(1, 96, 11, stride=4),
        _l("ReLU"),
        _l("MaxPool2d", kernel_size=3, stride=2),
        _conv(96, 256, 5, padding=2),
        _l("ReLU"),
        _l("MaxPool2d", kernel_size=3, stride=2),
        _conv(256, 384, 3, padding=1),
        _l("ReLU"),
        _conv(384, c4, 3, padding=1),
        _l("ReLU"),
        _conv(384, 256, 3, padding=1),
        _l("ReLU"),
        _l("MaxPool2d", kernel_size=3, stride=2),
        _l("Flatten"),  # the tutorial's feature.view(img.shape[0], -1): 256*5*5 = 6400
        _fc(256 * 5 * 5, 4096),
        _l("ReLU"),
        _l("Dropout", p=0.5),
        _fc(4096, f2),
        _l("ReLU"),
        _l("Dropout", p=0.5),
        _fc(4096, 10),
    ]


# torchvision's VGG configuration "D" (torchvision.models.vgg.cfgs["D"]; a test checks they agree):
# output channels of each 3x3 conv, "M" for a 2x2 max-pool
VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def _vgg16() -> list[LayerSpec]:
    # VGG16 flattened: features, avgpool, flatten, classifier (10 classes)
    layers, c_in = [], 3
    for v in VGG16_CONFIG:
        if v == "M":
            layers.append(_l("MaxPool2d", kernel_size=2))
        else:
            layers += [_conv(c_in, v, 3, padding=1), _l("ReLU", inplace=True)]
            c_in = v
    layers += [_l("AdaptiveAvgPool2d", output_size=7), _l("Flatten")]
    for n_in, n_out in ((512 * 7 * 7, 4096), (4096, 4096)):
        layers += [_fc(n_in, n_out), _l("ReLU", inplace=True), _l("Dropout", p=0.5)]
    return [*layers, _fc(4096, 10)]  # classifier[6]: Linear(4096, 1000) replaced for 10 classes


def _cifar10_simple_v3() -> list[LayerSpec]:
    layers = []
    for c_in, c_out in ((3, 32), (32, 64), (64, 128)):  # each block: two convs, then halve H and W
        for a, b in ((c_in, c_out), (c_out, c_out)):
            layers += [_conv(a, b, 3, padding=1), _l("ReLU", inplace=True), _l("BatchNorm2d", num_features=b)]
        layers.append(_l("MaxPool2d", kernel_size=2))
    return [
        *layers,
        _l("Flatten"),
        _l("Dropout", p=0.4),
        _fc(2048, 64),
        _l("ReLU", inplace=True),
        _l("Dropout", p=0.4),
        _fc(64, 10),
    ]


def _small_cnn() -> list[LayerSpec]:
    # conv-BN-ReLU blocks (no conv bias: BatchNorm's beta does that job); global average pooling
    # makes it work for any input size, so 1x28x28 only needs in_channels=1
    layers = []
    for c_in, c_out, pool in ((3, 16, True), (16, 32, True), (32, 64, False)):
        layers += [_conv(c_in, c_out, 3, padding=1, bias=False), _l("BatchNorm2d", num_features=c_out), _l("ReLU")]
        if pool:
            layers.append(_l("MaxPool2d", kernel_size=2))
    return [*layers, _l("AdaptiveAvgPool2d", output_size=1), _l("Flatten"), _fc(64, 10)]


def _preset(
    key: str,
    title: str,
    input_shape: tuple[int, ...],
    layers: list[LayerSpec],
    *,
    init: str = "default",
    notes: bool = False,
) -> Preset:
    spec = ModelSpec(tuple(layers), input_shape, init, title)
    return Preset(key, title, f"models.preset.{key}", spec, f"models.preset.{key}.notes" if notes else None)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        _preset(
            "mlp", "MLP", (784,), [_fc(784, 256, name="hidden"), _l("ReLU", name="act"), _fc(256, 10, name="output")]
        ),
        _preset("dnn_tabular", "DNN 3-5-5-5-3", (3,), _mlp([3, 5, 5, 5, 3], "ReLU")),
        _preset("dnn_binary", "DNN 8-32-8-4-1", (8,), _mlp([8, 32, 8, 4, 1], "Sigmoid", last_activation=True)),
        _preset("dnn_mnist", "DNN MNIST", (1, 28, 28), [_l("Flatten"), *_mlp([784, 512, 256, 128, 64, 10], "ReLU")]),
        _preset("lenet", "LeNet", (1, 32, 32), _lenet_like(1)),
        _preset("net_three_elements", "Net", (3, 32, 32), _lenet_like(3), init="xavier"),
        _preset(
            "cnn_typical",
            "CNN",
            (3, 30, 30),
            [
                _conv(3, 16, 3, name="conv1"),
                _l("ReLU"),
                _l("MaxPool2d", kernel_size=2, name="pool"),
                _l("Flatten"),
                _fc(16 * 14 * 14, 10, name="fc"),
            ],
        ),
        _preset(
            "cifar10_sequential",
            "CIFAR10_Network",
            (3, 32, 32),
            [
                _conv(3, 32, 5, padding=2),
                _l("MaxPool2d", kernel_size=2),
                _conv(32, 32, 5, padding=2),
                _l("MaxPool2d", kernel_size=2),
                _conv(32, 64, 5, padding=2),
                _l("MaxPool2d", kernel_size=2),
                _l("Flatten"),
                _fc(1024, 64),
                _fc(64, 10),
            ],
        ),
        _preset("cifar10_simple_v3", "CIFAR10_Net_Simple_v3", (3, 32, 32), _cifar10_simple_v3(), notes=True),
        _preset("alexnet_as_written", "AlexNet (as written)", (1, 224, 224), _alexnet(as_written=True), notes=True),
        _preset("alexnet", "AlexNet", (1, 224, 224), _alexnet(as_written=False)),
        _preset("vgg16", "VGG16", (3, 224, 224), _vgg16(), init="kaiming", notes=True),
        _preset("small_cnn", "Small CNN", (3, 32, 32), _small_cnn(), init="kaiming", notes=True),
    )
}


def get_preset(key: str) -> Preset:
    """Return the preset called ``key``; a mistyped key gets :class:`UserError` with the closest keys."""
    if key not in PRESETS:
        raise spec_error("unknown_preset", value=shown(key), suggestion=suggestion(key, PRESETS))
    return PRESETS[key]


def fit_problem(spec: ModelSpec, info: DatasetInfo) -> Message | None:
    """Return why ``spec`` cannot train on the data set ``info`` (input shape or number of classes), or None.

    An image data set is resized to the model's square input, so a model fits it at any square
    size in INPUT_SIZE_RANGE with the data's channels; a table must match the input shape exactly.
    """
    shape = tuple(spec.input_shape)
    data_shape = info.input_shape
    if info.kind == "image":
        low, high = INPUT_SIZE_RANGE
        square = len(shape) == 3 and shape[1] == shape[2] and low <= shape[2] <= high
        data_shape = (info.input_shape[0], *shape[1:]) if square else info.input_shape
        fits = square and shape[0] == info.input_shape[0]
    else:
        fits = shape == info.input_shape
    if not fits:
        return Message("train.shape_mismatch", {"data_shape": list(data_shape), "model_shape": list(shape)})
    summary = summarize(spec)
    if summary.problem is not None:
        return summary.problem.message
    outputs = summary.output_shape[-1]  # the shape is (batch, ..., outputs)
    if outputs != info.num_classes and not (outputs == 1 and info.num_classes == 2):  # one sigmoid output: BCE
        return Message("train.classes_mismatch", {"outputs": outputs, "classes": info.num_classes})
    return None


def fitting_presets(info: DatasetInfo) -> list[str]:
    """Return the keys of the presets that train on the data set ``info`` as they are, in PRESETS order."""
    return [key for key, preset in PRESETS.items() if fit_problem(preset.spec, info) is None]


# The curriculum's models that fit any table (the DNNs of tutorial 002) or uploaded picture set (LeNet,
# the small CNN): the first layer takes the data's features or channels, the last Linear its classes.
ADAPTABLE = ("dnn_tabular", "dnn_binary", "lenet", "small_cnn")


def adapted_spec(key: str, info: DatasetInfo) -> ModelSpec | None:
    """Return preset ``key`` fitted to the data set ``info``, or None when it cannot be.

    A table model's first Linear takes ``info``'s features; an image model's first Conv2d takes its
    channels (pictures are resized to the model's input, so height and width stay). The last
    Linear gets one output per class; the binary DNN keeps its one sigmoid output, for two classes.
    """
    spec = PRESETS[key].spec
    layers = list(spec.layers)
    first, last = layers[0], layers[-1]
    if key == "dnn_binary":
        last_linear = len(layers) - 2  # Linear(4, 1) then Sigmoid
        if info.num_classes != 2:
            return None
    else:
        last_linear = len(layers) - 1
    if layers[last_linear].type != "Linear":
        return None
    if info.kind == "tabular" and first.type == "Linear":
        input_shape: tuple[int, ...] = info.input_shape
        layers[0] = dataclasses.replace(first, args={**first.args, "in_features": info.input_shape[0]})
    elif info.kind == "image" and first.type == "Conv2d" and len(spec.input_shape) == 3:
        input_shape = (info.input_shape[0], *spec.input_shape[1:])
        layers[0] = dataclasses.replace(first, args={**first.args, "in_channels": info.input_shape[0]})
    else:
        return None
    if key != "dnn_binary":
        layers[last_linear] = dataclasses.replace(last, args={**last.args, "out_features": info.num_classes})
    linear = [layer.args for layer in layers if layer.type == "Linear"]
    if info.kind == "tabular":
        name = "DNN " + "-".join(str(n) for n in [linear[0]["in_features"], *(a["out_features"] for a in linear)])
    else:
        name = f"{PRESETS[key].title} {'×'.join(map(str, input_shape))} → {info.num_classes}"
    adapted = ModelSpec(tuple(layers), input_shape, spec.init, name)
    return adapted if fit_problem(adapted, info) is None else None


def presets_for(info: DatasetInfo) -> dict[str, ModelSpec]:
    """Return the presets the training form offers for ``info``, by key: the spec to train, in PRESETS order.

    Built-in image sets get the presets that fit them as they are (:func:`fitting_presets`);
    tables and uploads also get the ADAPTABLE presets fitted to them (:func:`adapted_spec`).
    """
    offered = {key: PRESETS[key].spec for key in fitting_presets(info)}
    if info.kind == "tabular" or info.key in UPLOAD_KINDS:
        for key in ADAPTABLE:
            if key not in offered and (spec := adapted_spec(key, info)) is not None:
                offered[key] = spec
    return {key: offered[key] for key in PRESETS if key in offered}


def resolve_spec(config: TrainConfig) -> ModelSpec:
    """Return the ModelSpec of a config: a preset's, or the one given as a dict (validated)."""
    if isinstance(config.model, dict):
        return ModelSpec.from_dict(config.model)
    return get_preset(config.model).spec
