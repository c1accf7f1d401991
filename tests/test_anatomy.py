"""What a model is made of, by PyTorch: parameters per layer, freezing, the module walk, the tutorials' own layers,
Dropout and BatchNorm in train() and eval(), and the tutorials' slips (golden values: SEEDS.md sections 1-4, 8)."""

import pytest
import torch
import torch.nn.functional as F

from core.anatomy import anatomy, freeze_layers, module_walk
from core.builder import build_model
from core.custom_layers import MyDictDense, MyListDense, centered_demo, container_demo, parameter_demo
from core.i18n import UserError
from core.presets import PRESETS
from core.summary import summarize
from core.train_eval import BN_EPS, batchnorm_demo, dropout_demo, parse_small_tensor
from core.tutorial_slips import alexnet_errors, flatten_slip

SMALL_ENOUGH_FOR_CPU = 50_000_000  # bytes of parameters; bigger presets (VGG16, AlexNet) are compared on meta


def test_the_tutorials_conv_has_456_parameters_written_out_as_its_sum():
    parts = anatomy(PRESETS["net_three_elements"].spec)
    conv1 = parts.layers[0]
    assert [(r.name, r.shape) for r in conv1.rows] == [("conv1.weight", (6, 3, 5, 5)), ("conv1.bias", (6,))]
    assert conv1.numel == 456
    assert conv1.sum_text() == "conv1.weight 6×3×5×5 = 450 + conv1.bias 6 = 456"


def test_lenet_has_ten_parameter_tensors_and_61706_parameters():
    parts = anatomy(PRESETS["lenet"].spec)
    assert len(parts.rows) == 10
    assert parts.trainable == 61_706 and parts.frozen == 0


def test_a_layer_without_bias_and_a_batchnorm_sum_as_written():
    layers = {layer.layer: layer for layer in anatomy(PRESETS["small_cnn"].spec).layers}
    assert layers["conv1"].sum_text() == "conv1.weight 16×3×3×3 = 432"
    assert layers["bn1"].sum_text() == "bn1.weight 16 + bn1.bias 16 = 32"


@pytest.mark.parametrize("key", [k for k in PRESETS if k != "alexnet_as_written"])
def test_the_parameter_table_is_pytorchs_named_parameters_for_every_preset(key):
    spec = PRESETS[key].spec
    device = "cpu" if summarize(spec).param_bytes < SMALL_ENOUGH_FOR_CPU else "meta"
    model = build_model(spec, seed=0, device=device)
    expected = [(name, tuple(p.shape), p.numel(), p.requires_grad) for name, p in model.named_parameters()]
    assert [(r.name, r.shape, r.numel, r.requires_grad) for r in anatomy(spec).rows] == expected
    assert anatomy(spec).trainable == sum(p.numel() for p in model.parameters()) == summarize(spec).total_params


def test_freezing_moves_a_layers_parameters_from_trainable_to_frozen():
    spec = PRESETS["lenet"].spec
    parts = anatomy(spec, ["conv1", "fc3", "relu1", "not_a_layer"])  # layers without parameters are ignored
    assert parts.frozen == 156 + 850
    assert parts.trainable == 61_706 - 1_006
    assert [layer.layer for layer in parts.layers if layer.frozen] == ["conv1", "fc3"]
    assert [r.requires_grad for r in parts.rows[:2]] == [False, False]


def test_freeze_layers_refuses_an_unknown_name_with_the_closest():
    model = build_model(PRESETS["lenet"].spec, device="meta")
    with pytest.raises(UserError) as caught:
        freeze_layers(model, ["conv"])
    assert "conv1" in caught.value.message.params["close"]


def test_the_module_walk_yields_the_model_first_then_each_layer():
    walk = module_walk(PRESETS["lenet"].spec)
    children = walk.children.splitlines()
    assert children[0] == "conv1 -> Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
    assert len(children) == 12 and walk.module_count == 13
    assert walk.modules.startswith("['Sequential', 'Conv2d', 'ReLU', 'MaxPool2d'")


def test_the_tutorials_first_conv_check_gives_the_golden_shapes():
    lines = module_walk(PRESETS["net_three_elements"].spec).first_conv.splitlines()
    assert lines == [
        "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))",
        "torch.Size([6, 3, 5, 5])",
        "torch.Size([6])",
        "torch.Size([16, 3, 10, 10])",
        "torch.Size([16, 6, 6, 6])",
    ]


def test_the_first_conv_check_reports_pytorchs_error_when_the_kernel_exceeds_10x10():
    last = module_walk(PRESETS["alexnet"].spec).first_conv.splitlines()[-1]
    assert last.startswith("RuntimeError:") and "Kernel size can't be greater than actual input size" in last
    assert module_walk(PRESETS["mlp"].spec).first_conv is None


def test_the_centering_layer_gives_the_tutorials_output_and_has_no_parameters():
    demo = centered_demo([1, 2, 3, 4, 5])
    assert demo.output == "tensor([-2., -1.,  0.,  1.,  2.])\n[]"
    assert "return x - x.mean()" in demo.source
    assert centered_demo([2, 4]).output.startswith("tensor([-1.,  1.])")


def test_only_the_nn_parameter_is_a_parameter_the_buffer_is_saved_the_plain_tensor_is_neither():
    lines = parameter_demo().output.splitlines()
    assert lines[1:5] == ["['weight']", "['calls']", "['weight', 'calls']", "False tensor([0., 0., 0.])"]


def test_parameter_list_and_dict_register_each_parameter_by_position_and_key():
    listed = container_demo(MyListDense).output
    assert "params.0 (4, 4) 16" in listed and "params.3 (4, 1) 4" in listed
    assert listed.endswith("torch.Size([1, 1])")
    keyed = container_demo(MyDictDense).output
    assert "params.linear3 (4, 2) 8" in keyed and keyed.endswith("torch.Size([1, 2])")
    assert container_demo(MyListDense) == container_demo(MyListDense)  # seeded


# --- train() vs eval() ---------------------------------------------------------------------------------------


def test_dropout_outputs_are_pytorchs_with_the_same_seed_and_eval_is_the_identity():
    x = parse_small_tensor("1, 2, 3, 4; 5, 6, 7, 8", "x")
    demo = dropout_demo(x, 0.5, seed=3)
    torch.manual_seed(3)
    drop = torch.nn.Dropout(0.5)
    expected = [drop(x) for _ in range(3)]
    assert all(torch.equal(a, b) for a, b in zip(demo.train_outputs, expected, strict=True))
    assert torch.equal(demo.eval_output, x)


def test_dropout_draws_a_new_mask_each_call_and_scales_kept_values_by_one_over_one_minus_p():
    x = parse_small_tensor("1, 2, 3, 4; 5, 6, 7, 8", "x")
    demo = dropout_demo(x, 0.75, seed=0)
    assert demo.scale == 4.0
    assert len({tuple(m.flatten().tolist()) for m in demo.masks}) == 3  # three calls, three masks
    for out, mask in zip(demo.train_outputs, demo.masks, strict=True):
        assert torch.equal(out, torch.where(mask, x * 4.0, torch.zeros_like(x)))


def test_batchnorm_train_uses_the_batch_and_eval_the_running_statistics():
    x = parse_small_tensor("1, 2; 3, 6; 5, 10; 7, 14", "x", min_rows=2)
    demo = batchnorm_demo(x, momentum=0.1, calls=3)
    batch = F.batch_norm(x, None, None, training=True, eps=BN_EPS)
    assert torch.allclose(demo.train_output, batch)
    mean, var = x.mean(0), x.var(0, unbiased=True)
    running_mean, running_var = torch.zeros(2), torch.ones(2)
    for step in demo.steps:
        running_mean, running_var = 0.9 * running_mean + 0.1 * mean, 0.9 * running_var + 0.1 * var
        assert torch.allclose(step.running_mean, running_mean) and torch.allclose(step.running_var, running_var)
    assert torch.allclose(demo.steps[0].running_mean, torch.tensor([0.4, 0.8]))  # 0.9 * 0 + 0.1 * [4, 8]
    assert torch.allclose(demo.eval_output, (x - running_mean) / torch.sqrt(running_var + BN_EPS))


@pytest.mark.parametrize(
    ("text", "min_rows", "key"),
    [
        ("1, 2, 3", 2, "anatomy.tensor_few_rows"),
        ("; ".join(["1"] * 9), 1, "anatomy.tensor_too_big"),
        ("1, x", 1, "losses.not_a_number"),
    ],
)
def test_a_typed_tensor_that_cannot_be_shown_gets_a_message_with_the_fix(text, min_rows, key):
    with pytest.raises(UserError) as caught:
        parse_small_tensor(text, "x", min_rows=min_rows)
    assert caught.value.message.key == key


# --- the tutorials' slips -------------------------------------------------------------------------------------


def test_alexnet_as_written_fails_with_pytorchs_own_words_at_each_typo():
    first, second = alexnet_errors()
    assert "expected input[1, 383, 12, 12] to have 384 channels, but got 383 channels instead" in first.output
    assert second.output == "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x4086 and 4096x10)"


def test_torch_flatten_without_start_dim_merges_the_batch_into_196608_features():
    lines = flatten_slip((3, 32, 32)).output.splitlines()
    assert lines == ["torch.Size([196608])", "torch.Size([10])", "torch.Size([64, 3072])", "torch.Size([64, 10])"]


# --- a hostile student's most expensive inputs ------------------------------------------------------------------

HOSTILE = """
import resource, sys, time
import torch
torch.set_num_threads(1)
from core.anatomy import anatomy, module_walk
from core.modelspec import LayerSpec, ModelSpec
from core.train_eval import batchnorm_demo, dropout_demo, parse_small_tensor
from core.tutorial_slips import flatten_slip
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
# the biggest model the layer editor allows, as far as parameters go: 200 Linear layers near the 2 GB cap
layers = tuple(LayerSpec("Linear", {"in_features": 1 << 20, "out_features": 2}) for _ in range(200))
spec = ModelSpec(layers, (1 << 20,))
parts = anatomy(spec, [f"fc{i}" for i in range(1, 201)])
walk = module_walk(spec)
flatten_slip((3, 2048, 2048))
x = parse_small_tensor("; ".join([", ".join(["1e300"] * 8)] * 8), "x", min_rows=2)
dropout_demo(x, 0.9, 9999, calls=5)
batchnorm_demo(x, 1.0, calls=5)
print(parts.frozen, walk.module_count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, time.perf_counter() - started)
"""


def test_the_most_expensive_model_and_tensors_cost_no_memory_behind_their_parameters():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", HOSTILE], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frozen, modules, rss_kb, seconds = done.stdout.split()
    assert int(frozen) == 200 * ((1 << 20) * 2 + 2) and int(modules) == 201  # 419 M parameters, counted on meta
    assert int(rss_kb) < 200_000  # not the 1.7 GB those parameters would take
    print(f"hostile anatomy: {int(rss_kb) / 1024:.0f} MB more RSS, {float(seconds):.2f} s")
