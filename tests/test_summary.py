"""The per-layer shape table: shapes, parameters, MACs, receptive fields, and shape errors with their fixes.

The golden table lives in tests/golden/; regenerate it with STRIDE_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from core.builder import build_model
from core.geometry import conv_geometry
from core.i18n import UserError
from core.layer_settings import ConvSettings
from core.modelspec import LayerSpec, ModelSpec
from core.presets import PRESETS
from core.summary import SAME_SHAPE, summarize

GOLDEN = Path(__file__).parent / "golden"


def _spec(*layers: LayerSpec, input_shape=(1, 28, 28)) -> ModelSpec:
    return ModelSpec(layers, input_shape)


def conv(c_in: int, c_out: int, k: int, **args) -> LayerSpec:
    return LayerSpec("Conv2d", {"in_channels": c_in, "out_channels": c_out, "kernel_size": k, **args})


def fc(n_in: int, n_out: int) -> LayerSpec:
    return LayerSpec("Linear", {"in_features": n_in, "out_features": n_out})


def table(summary) -> str:
    lines = [f"input {list(summary.input_shape)}"]
    for r in summary.rows:
        lines.append(f"{r.index:>2} {r.name:<9} {r.settings:<50} {r.calculation:<52} {list(r.out_shape)}")
    lines.append(f"params {summary.total_params:,}  MACs {summary.total_macs:,}")
    return "\n".join(lines) + "\n"


def test_cifar10_sequential_matches_the_seed_shape_table():
    summary = summarize(PRESETS["cifar10_sequential"].spec, batch_size=64)
    assert summary.input_shape == (64, 3, 32, 32)
    assert [list(r.out_shape) for r in summary.rows] == [
        [64, 32, 32, 32],
        [64, 32, 16, 16],
        [64, 32, 16, 16],
        [64, 32, 8, 8],
        [64, 64, 8, 8],
        [64, 64, 4, 4],
        [64, 1024],
        [64, 64],
        [64, 10],
    ]
    assert summary.total_params == 145_578
    golden = GOLDEN / "cifar10_sequential_b64.txt"
    if os.environ.get("STRIDE_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(table(summary), encoding="utf-8")
    assert table(summary) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", list(PRESETS))
def test_summary_agrees_with_the_built_model(key):
    spec = PRESETS[key].spec
    summary = summarize(spec, batch_size=2)
    meta = key == "vgg16"  # a real VGG16 forward takes seconds on 2 cores; the meta one checks the shapes
    model = build_model(spec, seed=0, device="meta" if meta else None).eval()
    assert summary.total_params == summary.trainable_params == sum(p.numel() for p in model.parameters())
    assert summary.param_bytes == 4 * summary.total_params
    x = torch.zeros(2, *spec.input_shape, device="meta" if meta else None)
    if key == "alexnet_as_written":
        with pytest.raises(RuntimeError):
            model(x)
        assert summary.output_shape is None and summary.problem is not None
        return
    with torch.no_grad():
        assert summary.output_shape == tuple(model(x).shape)
    assert summary.problem is None
    assert summary.rows[-1].out_shape == summary.output_shape


def test_vgg16_summary_has_torchvisions_numbers():
    summary = summarize(PRESETS["vgg16"].spec)
    assert summary.total_params == 134_301_514
    assert summary.output_shape == (1, 10)
    assert [r.out_shape for r in summary.rows if r.type == "MaxPool2d"][-1] == (1, 512, 7, 7)
    assert round(summary.total_macs / 1e9, 2) == 15.47  # the 15.5 GMACs usually quoted for VGG16


def test_lenet_rows_show_the_formula_and_the_calculation():
    rows = {r.name: r for r in summarize(PRESETS["lenet"].spec).rows}
    assert rows["conv1"].settings == "Conv2d(1, 6, kernel_size=5)"
    assert rows["conv1"].calculation == "H, W: floor((32 + 2*0 - 1*(5-1) - 1) / 1) + 1 = 28"
    assert rows["pool1"].calculation.endswith("/ 2) + 1 = 14")
    assert rows["flatten1"].calculation == "16*5*5 = 400"
    assert rows["fc1"].calculation == "400 -> 120"
    assert rows["relu1"].calculation == SAME_SHAPE
    assert (rows["conv1"].trainable_params, rows["fc1"].trainable_params) == (156, 48_120)


def test_non_square_layers_show_each_dimension():
    summary = summarize(_spec(conv(1, 2, (3, 5), padding=(0, 1), stride=(3, 4)), input_shape=(1, 8, 8)))
    assert summary.rows[0].calculation.startswith("H: floor((8 + 2*0 - 1*(3-1) - 1) / 3) + 1 = 2; W: ")
    assert summary.output_shape == (1, 2, 2, 2)  # the seed's (3, 5) kernel example


def test_macs_come_from_pytorch_and_agree_with_geometry():
    summary = summarize(PRESETS["lenet"].spec, batch_size=4)
    rows = {r.name: r for r in summary.rows}
    geometry = conv_geometry(ConvSettings(6, 16, 5), (6, 14, 14))
    assert rows["conv2"].macs == 4 * geometry.macs == 4 * 16 * 6 * 25 * 10 * 10
    assert rows["fc1"].macs == 4 * 400 * 120
    assert rows["pool1"].macs == rows["relu1"].macs == 0
    assert summary.total_macs == sum(r.macs for r in summary.rows) == 4 * 416_520


def test_receptive_field_grows_through_convs_and_pools():
    rows = {r.name: r for r in summarize(PRESETS["lenet"].spec).rows}
    assert (rows["conv1"].receptive_field, rows["conv1"].jump) == ((5, 5), (1, 1))
    assert (rows["pool1"].receptive_field, rows["pool1"].jump) == ((6, 6), (2, 2))
    assert (rows["pool2"].receptive_field, rows["pool2"].jump) == ((16, 16), (4, 4))
    assert rows["fc1"].receptive_field is None and rows["flatten1"].jump is None


def test_activation_memory_is_the_outputs_in_float32():
    summary = summarize(PRESETS["lenet"].spec, batch_size=8)
    assert summary.rows[0].activation_bytes == 8 * 6 * 28 * 28 * 4
    assert summary.activation_bytes == sum(4 * torch.Size(r.out_shape).numel() for r in summary.rows)


def test_empty_spec_passes_the_input_through():
    summary = summarize(_spec(input_shape=(3, 4, 4)))
    assert summary.rows == () and summary.output_shape == (1, 3, 4, 4) and summary.total_params == 0


# --- shape problems and their fixes -------------------------------------------------------------------


def test_alexnet_as_written_is_guided_to_a_working_model():
    spec = PRESETS["alexnet_as_written"].spec
    first = summarize(spec).problem
    assert first.layer_name == "conv5" and spec.layers[first.layer_index].args["in_channels"] == 384
    assert first.message.key == "models.summary.channel_mismatch"
    assert (first.message.params["expected"], first.message.params["got"]) == (384, 383)
    assert "expects 384 input channels but receives 383" in first.text("en")
    assert "in_channels=383" in first.text("zh")

    second = summarize(first.fix).problem
    assert second.layer_name == "fc3" and second.message.key == "models.summary.linear_in_features"
    assert (second.message.params["expected"], second.message.params["got"]) == (4096, 4086)

    fixed = summarize(second.fix)
    assert fixed.problem is None and fixed.output_shape == (1, 10)
    model = build_model(second.fix, seed=0, device="meta")
    assert model(torch.zeros(2, 1, 224, 224, device="meta")).shape == (2, 10)


def test_conv_without_flatten_gets_a_flatten_inserted():
    spec = _spec(conv(1, 4, 3), LayerSpec("ReLU"), fc(4 * 26 * 26, 10))
    problem = summarize(spec).problem
    assert (problem.layer_index, problem.message.key) == (2, "models.summary.linear_needs_flatten")
    assert [layer.type for layer in problem.fix.layers] == ["Conv2d", "ReLU", "Flatten", "Linear"]
    fixed = build_model(problem.fix, seed=0)
    assert fixed(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_missing_flatten_and_wrong_in_features_are_fixed_together():
    problem = summarize(_spec(conv(1, 4, 3), fc(100, 10))).problem
    assert problem.message.key == "models.summary.linear_needs_flatten_and_in_features"
    assert problem.fix.layers[2].args["in_features"] == 4 * 26 * 26
    assert summarize(problem.fix).output_shape == (1, 10)


def test_linear_in_features_mismatch_says_expected_and_got():
    spec = PRESETS["lenet"].spec
    broken = replace(
        spec,
        layers=tuple(
            replace(la, args={**la.args, "in_features": 6400}) if i == 7 else la for i, la in enumerate(spec.layers)
        ),
    )
    problem = summarize(broken).problem
    assert problem.message.params["expected"] == 6400 and problem.message.params["got"] == 400
    assert problem.fix == spec
    assert len(summarize(broken).rows) == 7  # the table stops before the failing layer


def test_batchnorm_channel_mismatch_sets_num_features():
    spec = _spec(conv(1, 8, 3), LayerSpec("BatchNorm2d", {"num_features": 16}))
    problem = summarize(spec).problem
    assert problem.message.params["arg"] == "num_features" and problem.message.params["got"] == 8
    assert summarize(problem.fix).problem is None


def test_batchnorm1d_on_images_becomes_batchnorm2d():
    problem = summarize(_spec(conv(1, 8, 3), LayerSpec("BatchNorm1d", {"num_features": 8}))).problem
    assert problem.fix.layers[1] == LayerSpec("BatchNorm2d", {"num_features": 8})


def test_kernel_larger_than_padded_input_uses_the_geometry_fix():
    spec = _spec(conv(1, 4, 3), LayerSpec("MaxPool2d", {"kernel_size": 2}), conv(4, 4, 7), input_shape=(1, 8, 8))
    problem = summarize(spec).problem
    assert problem.message.key == "models.summary.geometry_problem"
    assert problem.detail.key == "geometry.kernel_too_large"
    assert problem.fix.layers[2].args["kernel_size"] == 3
    assert "3" in problem.text("en") and problem.text("zh") != problem.text("en")
    assert summarize(problem.fix).output_shape == (1, 4, 1, 1)


def test_a_layer_pytorch_cannot_build_gets_the_geometry_reason():
    problem = summarize(_spec(conv(1, 6, 3), conv(6, 4, 3, groups=4))).problem
    assert problem.layer_index == 1 and problem.detail.key == "geometry.groups_not_dividing"
    assert summarize(problem.fix).problem is None


def test_conv_after_flatten_explains_it_needs_an_image():
    problem = summarize(_spec(LayerSpec("Flatten"), conv(1, 2, 3))).problem
    assert problem.message.key == "models.summary.needs_image" and problem.fix is None


def test_other_pytorch_errors_name_the_layer():
    problem = summarize(_spec(LayerSpec("Flatten"), LayerSpec("Flatten", {"start_dim": 3}))).problem
    assert problem.message.key == "models.summary.torch_error" and problem.layer_name == "flatten2"
    assert "out of range" in problem.message.params["error"]


def test_bad_input_shape_is_a_user_error():
    with pytest.raises(UserError):
        summarize(PRESETS["lenet"].spec, (0, 32, 32))


# --- any nn.Module ---------------------------------------------------------------------------------------


class LeNet(nn.Module):
    """The curriculum's LeNet: layers in __init__, F.relu and a view in forward."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def test_a_custom_module_is_summarized_layer_by_layer():
    summary = summarize(LeNet(), (1, 32, 32))
    assert [r.name for r in summary.rows] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert summary.output_shape == (1, 10) and summary.total_params == 61_706
    assert summary.rows[1].calculation.endswith("= 10")


def test_a_custom_forward_failing_between_layers_says_where():
    problem = summarize(LeNet(), (1, 28, 28)).problem  # 16x4x4 cannot be viewed as 400 features
    assert problem.message.key == "models.summary.error_between_layers"
    assert problem.message.params["after"] == "conv2"


def test_summarizing_a_module_leaves_it_as_found():
    model = build_model(PRESETS["small_cnn"].spec, seed=0).train()
    model.conv1.requires_grad_(False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary = summarize(model, (3, 32, 32))
    assert summary.frozen_params == 3 * 16 * 9 and summary.rows[0].frozen_params == 3 * 16 * 9
    assert summary.trainable_params == summary.total_params - summary.frozen_params
    assert all(m.training for m in model.modules())
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_a_broken_sequential_module_gets_a_spec_fix():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Linear(8 * 30 * 30, 10))
    problem = summarize(model, (3, 32, 32)).problem
    assert [layer.type for layer in problem.fix.layers] == ["Conv2d", "Flatten", "Linear"]
