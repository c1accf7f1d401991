"""Model specs, the curriculum's presets, untrusted spec uploads, weight initialisation and code export."""

from __future__ import annotations

import inspect
import json
import time

import pytest
import torch
import torchvision
from torch import nn

from core.builder import build_model, init_weights, spec_from_module
from core.codegen import generate_code
from core.i18n import CATALOG, UserError
from core.layers import ARG_RULES, LAYER_ARGS, LAYER_TYPES
from core.modelspec import INIT_SCHEMES, LayerSpec, ModelSpec, layer_names
from core.presets import PRESETS, get_preset
from core.spec_parsing import estimate_param_count, parse_spec

# Parameter counts: the golden ones from SEEDS.md as numbers, the others as the arithmetic behind them.
GOLDEN_PARAMS = {
    "mlp": (784 * 256 + 256) + (256 * 10 + 10),
    "dnn_tabular": 98,
    "dnn_binary": (8 * 32 + 32) + (32 * 8 + 8) + (8 * 4 + 4) + (4 + 1),
    "dnn_mnist": sum(a * b + b for a, b in [(784, 512), (512, 256), (256, 128), (128, 64), (64, 10)]),
    "lenet": 61_706,
    "net_three_elements": 61_706 + 2 * 6 * 25,  # LeNet with 3 input channels: conv1 has 2 more 6x5x5 slices
    "cnn_typical": (3 * 16 * 9 + 16) + (16 * 14 * 14 * 10 + 10),
    "cifar10_sequential": 145_578,
    "cifar10_simple_v3": 419_690,
    "alexnet": (96 * 121 + 96)
    + (256 * 96 * 25 + 256)
    + (384 * 256 * 9 + 384)
    + (384 * 384 * 9 + 384)
    + (256 * 384 * 9 + 256)
    + (6400 * 4096 + 4096)
    + (4096 * 4096 + 4096)
    + (4096 * 10 + 10),
    "small_cnn": (3 * 16 * 9 + 32) + (16 * 32 * 9 + 64) + (32 * 64 * 9 + 128) + (64 * 10 + 10),
}
# as written: conv4 has 383 filters, fc2 4086 outputs; each layer is built as written, so it still counts
GOLDEN_PARAMS["alexnet_as_written"] = (
    GOLDEN_PARAMS["alexnet"]
    - (384 * 384 * 9 + 384)
    + (383 * 384 * 9 + 383)
    - (4096 * 4096 + 4096)
    + (4096 * 4086 + 4086)
)
BIG = {"vgg16", "alexnet", "alexnet_as_written"}  # built on the meta device where only shapes matter


def torchvision_vgg16_for_10_classes() -> nn.Module:
    with torch.device("meta"):
        vgg = torchvision.models.vgg16(weights=None)
        vgg.classifier[6] = nn.Linear(4096, 10)
    return vgg


def test_every_preset_has_a_golden_parameter_count():
    assert set(GOLDEN_PARAMS) | {"vgg16"} == set(PRESETS)


@pytest.mark.parametrize("key", sorted(GOLDEN_PARAMS))
def test_preset_has_the_golden_parameter_count(key):
    spec = PRESETS[key].spec
    model = build_model(spec, device="meta")
    assert sum(p.numel() for p in model.parameters()) == GOLDEN_PARAMS[key]
    assert estimate_param_count(spec) == GOLDEN_PARAMS[key]


def test_lenet_has_ten_parameter_tensors_and_relu_after_each_hidden_layer():
    model = build_model(PRESETS["lenet"].spec, seed=0)
    assert len(list(model.parameters())) == 10
    assert [type(m).__name__ for m in model] == [
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert list(dict(model.named_children()))[:3] == ["conv1", "relu1", "pool1"]


def test_vgg16_is_torchvisions_model_with_classifier_6_replaced():
    vgg = torchvision_vgg16_for_10_classes()
    spec = PRESETS["vgg16"].spec
    assert estimate_param_count(spec) == sum(p.numel() for p in vgg.parameters()) == 134_301_514
    flat = nn.Sequential(*vgg.features, vgg.avgpool, nn.Flatten(), *vgg.classifier)
    assert spec_from_module(flat, (3, 224, 224), init="kaiming", name="VGG16") == spec


def test_alexnet_as_written_keeps_the_tutorials_typos():
    layers = PRESETS["alexnet_as_written"].spec.layers
    convs = [la.args for la in layers if la.type == "Conv2d"]
    fcs = [la.args for la in layers if la.type == "Linear"]
    assert (convs[3]["out_channels"], convs[4]["in_channels"]) == (383, 384)
    assert (fcs[0]["in_features"], fcs[1]["out_features"], fcs[2]["in_features"]) == (6400, 4086, 4096)


def test_small_cnn_is_small_and_takes_any_image_size():
    spec = PRESETS["small_cnn"].spec
    assert estimate_param_count(spec) < 100_000
    model = build_model(spec, seed=0).eval()
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert model(torch.zeros(2, 3, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_round_trips_through_json(key):
    spec = PRESETS[key].spec
    assert parse_spec(spec.to_json().encode()) == spec
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_round_trips_through_a_module(key):
    spec = PRESETS[key].spec
    model = build_model(spec, device="meta")
    assert spec_from_module(model, spec.input_shape, init=spec.init, name=spec.name) == spec


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_has_text_in_both_languages(key):
    preset = get_preset(key)
    for text_key in (preset.description_key, preset.notes_key):
        if text_key is not None:
            en, zh = CATALOG[text_key]
            assert en and zh and en != zh


def test_mistyped_preset_suggests_the_closest():
    with pytest.raises(UserError) as info:
        get_preset("lenet5")
    assert "lenet" in info.value.message.params["suggestion"]


def test_equal_models_have_equal_specs():
    written = LayerSpec(
        "Conv2d", {"in_channels": 1, "out_channels": 6, "kernel_size": (5, 5), "stride": [1, 1], "bias": True}
    )
    assert written == LayerSpec("Conv2d", {"in_channels": 1, "out_channels": 6, "kernel_size": 5})
    assert LayerSpec("MaxPool2d", {"kernel_size": 2, "stride": 2}) == LayerSpec("MaxPool2d", {"kernel_size": 2})
    assert LayerSpec("Dropout").args == LayerSpec("Dropout", {"p": 0.5}).args == {"p": 0.5}
    assert hash(written) == hash(LayerSpec("Conv2d", {"in_channels": 1, "out_channels": 6, "kernel_size": 5}))


def test_layers_are_named_by_type_and_position_unless_named():
    spec = ModelSpec(
        (
            LayerSpec("Conv2d", {"in_channels": 1, "out_channels": 2, "kernel_size": 3}),
            LayerSpec("ReLU"),
            LayerSpec("Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3}, name="conv1"),
            LayerSpec("ReLU", name="act"),
        ),
        (1, 8, 8),
    )
    assert layer_names(spec) == ["conv2", "relu1", "conv1", "act"]
    assert list(dict(build_model(spec).named_children())) == ["conv2", "relu1", "conv1", "act"]


def test_every_layer_argument_is_a_pytorch_argument_with_a_rule():
    assert list(LAYER_ARGS) == list(LAYER_TYPES)
    for name, cls in LAYER_TYPES.items():
        signature = inspect.signature(cls.__init__).parameters
        for arg in LAYER_ARGS[name]:
            assert arg in signature, (name, arg)
            assert arg in ARG_RULES, (name, arg)


# --- building ---------------------------------------------------------------------------------------


def test_seed_gives_the_same_weights_and_leaves_the_global_generator_alone():
    spec = PRESETS["lenet"].spec
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a, b = build_model(spec, seed=7), build_model(spec, seed=7)
    assert torch.equal(torch.rand(3), expected_next)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_pytorch_refusing_arguments_names_the_layer():
    spec = ModelSpec(
        (LayerSpec("Conv2d", {"in_channels": 3, "out_channels": 6, "kernel_size": 3, "groups": 2}),), (3, 8, 8)
    )
    with pytest.raises(UserError) as info:
        build_model(spec)
    assert info.value.message.key == "models.layer_build_failed"
    assert info.value.message.params["name"] == "conv1"
    assert "divisible by groups" in info.value.message.params["error"]


def test_init_scheme_is_checked():
    with pytest.raises(UserError) as info:
        init_weights(nn.Linear(2, 2), "xavir")
    assert info.value.message.params["suggestion"].startswith("xavier")


def _bn_cnn(init: str) -> ModelSpec:
    return ModelSpec(
        (
            LayerSpec("Conv2d", {"in_channels": 3, "out_channels": 64, "kernel_size": 3}),
            LayerSpec("BatchNorm2d", {"num_features": 64}),
            LayerSpec("ReLU"),
            LayerSpec("Flatten"),
            LayerSpec("Linear", {"in_features": 64 * 6 * 6, "out_features": 200}),
        ),
        (3, 8, 8),
        init=init,
    )


def test_xavier_is_the_curriculums_modules_walk():
    model = build_model(_bn_cnn("xavier"), seed=0)
    conv, bn, fc = model.conv1, model.bn1, model.fc1
    assert torch.count_nonzero(conv.bias) == 0 and torch.count_nonzero(fc.bias) == 0
    assert torch.all(bn.weight == 1) and torch.count_nonzero(bn.bias) == 0
    assert fc.weight.mean().abs() < 1e-3 and fc.weight.std().item() == pytest.approx(0.01, rel=0.03)
    fan_in, fan_out = 3 * 9, 64 * 9
    assert conv.weight.std().item() == pytest.approx((2 / (fan_in + fan_out)) ** 0.5, rel=0.1)


def test_kaiming_uses_fan_out_for_convolutions():
    conv = build_model(_bn_cnn("kaiming"), seed=0).conv1
    assert conv.weight.std().item() == pytest.approx((2 / (64 * 9)) ** 0.5, rel=0.1)


def test_normal_gives_every_weight_std_one_hundredth():
    model = build_model(_bn_cnn("normal"), seed=0)
    assert model.conv1.weight.std().item() == pytest.approx(0.01, rel=0.1)
    assert torch.count_nonzero(model.conv1.bias) == 0


def test_default_init_is_pytorchs():
    torch.manual_seed(5)
    expected = nn.Linear(3, 5)
    model = build_model(PRESETS["dnn_tabular"].spec, seed=5)
    assert torch.equal(model.fc1.weight, expected.weight)


# --- untrusted uploads ------------------------------------------------------------------------------


def _upload(layers: list, input_shape: list | None = None, **extra) -> str:
    return json.dumps({"input_shape": input_shape or [1, 28, 28], "layers": layers, **extra})


def _refused(text: str | bytes, **limits) -> UserError:
    with pytest.raises(UserError) as info:
        parse_spec(text, **limits)
    assert info.value.message.text("zh") and info.value.message.text("en")
    return info.value


def test_upload_larger_than_the_cap_is_refused_before_parsing():
    error = _refused(b"{" + b" " * 300_000 + b"}")
    assert error.message.key == "models.spec_too_large"


def test_deeply_nested_upload_is_refused():
    assert _refused("[" * 50 + "]" * 50).message.key == "models.spec_too_deep"
    assert _refused("[" * 100_000 + "]" * 100_000, max_bytes=10**6).message.key == "models.spec_too_deep"


def test_unknown_layer_type_suggests_the_closest():
    error = _refused(_upload([{"type": "Conv2D", "args": {}}]))
    assert error.message.key == "models.unknown_layer_type"
    assert error.message.params["suggestion"].startswith("Conv2d")
    assert "Did you mean Conv2d" in str(error)


def test_unknown_argument_suggests_the_closest():
    error = _refused(_upload([{"type": "Conv2d", "args": {"in_channels": 1, "out_channels": 2, "kernel": 3}}]))
    assert error.message.key == "models.unknown_argument"
    assert error.message.params["suggestion"].startswith("kernel_size")


def test_a_billion_channels_is_refused_quickly_without_building():
    start = time.perf_counter()
    error = _refused(_upload([{"type": "Conv2d", "args": {"in_channels": 1, "out_channels": 10**9, "kernel_size": 3}}]))
    assert time.perf_counter() - start < 1
    assert error.message.key == "models.bad_argument" and error.message.params["arg"] == "out_channels"


def test_parameter_memory_is_estimated_before_building():
    layers = [
        {"type": "Flatten"},
        {"type": "Linear", "args": {"in_features": 784, "out_features": 1_000_000}},
        {"type": "Linear", "args": {"in_features": 1_000_000, "out_features": 1_000}},
    ]
    error = _refused(_upload(layers))
    assert error.message.key == "models.too_many_params"
    assert error.message.params["params"] == 784 * 10**6 + 10**6 + 10**9 + 1000


@pytest.mark.parametrize(
    "args",
    [
        {"in_channels": 1, "out_channels": 2, "kernel_size": 0},
        {"in_channels": 1, "out_channels": 2, "kernel_size": 3, "padding": -1},
        {"in_channels": -1, "out_channels": 2, "kernel_size": 3},
        {"in_channels": 1, "out_channels": 2, "kernel_size": [3, -3]},
        {"in_channels": 1, "out_channels": 2, "kernel_size": True},
        {"in_channels": 1, "out_channels": 2, "kernel_size": 2.5},
        {"in_channels": 1, "out_channels": 2, "kernel_size": 3, "padding_mode": "mirror"},
    ],
)
def test_out_of_range_argument_is_refused_with_the_allowed_range(args):
    error = _refused(_upload([{"type": "Conv2d", "args": args}]))
    assert error.message.key == "models.bad_argument"
    assert error.message.params["allowed"]


def test_negative_input_shape_is_refused():
    assert _refused(_upload([], input_shape=[-1, 28, 28])).message.key == "models.bad_input_shape"


@pytest.mark.parametrize("text", ["not json", "{'layers': []}", b"\xff\xfe", '{"layers": [], "input_shape": [NaN]}'])
def test_non_json_is_refused(text):
    assert _refused(text).message.key == "models.spec_not_json"


@pytest.mark.parametrize(
    "obj, key",
    [
        ([], "models.spec_not_object"),
        ({"layers": [], "input_shape": [3], "optimizer": "sgd"}, "models.unknown_field"),
        ({"layers": {}, "input_shape": [3]}, "models.field_type"),
        ({"layers": [[1]], "input_shape": [3]}, "models.layer_not_object"),
        ({"layers": [{"type": "ReLU", "argz": {}}], "input_shape": [3]}, "models.unknown_layer_field"),
        ({"layers": [{"type": "Linear", "args": {"in_features": 3}}], "input_shape": [3]}, "models.missing_argument"),
        ({"layers": [{"type": "ReLU", "name": "forward"}], "input_shape": [3]}, "models.bad_layer_name"),
        (
            {"layers": [{"type": "ReLU", "name": "a"}, {"type": "Tanh", "name": "a"}], "input_shape": [3]},
            "models.duplicate_layer_name",
        ),
        ({"layers": [], "input_shape": [3], "init": "he"}, "models.unknown_init"),
        ({"layers": [{"type": "ReLU"}] * 201, "input_shape": [3]}, "models.too_many_layers"),
    ],
)
def test_malformed_spec_is_refused_with_its_reason(obj, key):
    assert _refused(json.dumps(obj)).message.key == key


# --- generated code ------------------------------------------------------------------------------------


def _exec_code(spec: ModelSpec) -> type[nn.Module]:
    namespace: dict = {"__name__": "generated"}
    exec(compile(generate_code(spec, "Net"), "<generated>", "exec"), namespace)  # noqa: S102 (our own output)
    return namespace["Net"]


@pytest.mark.parametrize("key", list(PRESETS))
def test_generated_code_builds_the_same_model(key):
    spec = PRESETS[key].spec
    code = generate_code(spec)
    assert "class Net(nn.Module):" in code and "def forward(self, x):" in code
    net_class = _exec_code(spec)
    on_meta = key in BIG
    with torch.device("meta") if on_meta else torch.device("cpu"):
        net = net_class().eval()
        x = torch.zeros(2, *spec.input_shape)
    assert sum(p.numel() for p in net.parameters()) == estimate_param_count(spec)
    if key == "alexnet_as_written":
        with pytest.raises(RuntimeError):
            net(x)
        return
    expected = build_model(spec, seed=0, device="meta" if on_meta else None).eval()(x).shape
    assert net(x).shape == expected


def test_generated_code_comments_each_shape():
    code = generate_code(PRESETS["lenet"].spec)
    assert "x = self.conv1(x)  # (N, 6, 28, 28)" in code
    assert "x = self.flatten1(x)  # (N, 400)" in code
    assert "self.conv1 = nn.Conv2d(1, 6, kernel_size=5)" in code


def test_generated_code_marks_where_the_shape_breaks():
    code = generate_code(PRESETS["alexnet_as_written"].spec)
    assert "x = self.conv5(x)  # shape error: Layer 11 `conv5`" in code


@pytest.mark.parametrize("init", [s for s in INIT_SCHEMES if s != "default"])
def test_generated_initialisation_matches_init_weights(init):
    spec = ModelSpec(_bn_cnn(init).layers, (3, 8, 8), init=init)
    torch.manual_seed(3)
    generated = _exec_code(spec)()
    built = build_model(spec, seed=3)
    for (name, p), q in zip(generated.named_parameters(), built.parameters(), strict=True):
        assert torch.equal(p, q), name


def test_a_spec_name_cannot_inject_code_into_the_generated_module():
    spec = ModelSpec(PRESETS["mlp"].spec.layers, (784,), name='evil"""\nimport os\n"""\\')
    namespace: dict = {"__name__": "generated"}
    exec(compile(generate_code(spec), "<generated>", "exec"), namespace)  # noqa: S102 (our own output)
    assert "os" not in namespace and "Net" in namespace


def test_class_names_reach_plotly_as_text_never_as_its_html():
    # issue 12 item 14: plotly's labels read <a href>, <b>, ...; class names come from uploads
    from core import figures

    name = "<a href='http://evil.example'>cat</a>"
    bars = figures.probabilities_figure([(name, 0.9), ("dog", 0.1)], true_label=name)
    assert list(bars.data[0].y) == ["&lt;a href='http://evil.example'&gt;cat&lt;/a&gt;", "dog"]
    assert bars.data[0].marker.color[0] == figures.TRUE_CLASS_COLOUR
    confusion = figures.confusion_figure([[1, 0], [0, 1]], [name, "dog"])
    per_class = figures.per_class_figure([name, "dog"], [1.0, None])
    assert "<a" not in str(list(confusion.data[0].x)) + str(list(per_class.data[0].x))


def test_every_chart_leaves_plotly_s_default_template_behind():
    # the Streamlit theme styles each chart in the browser; the default template only cost bytes and time
    import numpy as np
    import plotly.io as pio

    from core import figures

    x = np.arange(4.0)
    charts = [
        figures.matrix_figure(np.eye(3)),
        figures.curves_figure(x, {"relu": x}),
        figures.shapes_figure(["in", "fc"], ["input", "Linear"], [(1, 8, 8), (10,)]),
        figures.weight_histograms_figure({"fc": np.ones(8)}),
        figures.run_curves_figure({"train": ([1, 2], [2.0, 1.0])}),
        figures.bars_figure(["w"], [1.0]),
        figures.confusion_figure([[1, 0], [0, 1]], ["cat", "dog"]),
        figures.per_class_figure(["cat"], [1.0]),
        figures.probabilities_figure([("cat", 1.0)]),
        figures.tensor_heatmap_figure(np.zeros((2, 3, 3))),
    ]
    none = pio.templates["none"].to_plotly_json()
    for chart in charts:
        assert chart.to_dict()["layout"]["template"] == none, chart.layout.title.text
        assert len(pio.to_json(chart, validate=False)) < 5_000  # the default template alone is 6.5 kB
