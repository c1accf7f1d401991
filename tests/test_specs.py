"""Typed specs: input shapes, layer arguments as text, the layer editor's rows and the Add-layer suggestions."""

from __future__ import annotations

import ast
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.i18n import UserError
from core.layers import LAYER_TYPES
from core.modelspec import LayerSpec, ModelSpec
from core.presets import PRESETS
from core.spec_editing import (
    MAX_ARGS_CHARS,
    format_args,
    format_input_shape,
    insert_layer,
    move_layer,
    parse_args,
    parse_input_shape,
    remove_layer,
    rows_from_spec,
    spec_from_rows,
    suggest_args,
)
from core.summary import summarize


@pytest.mark.parametrize(
    ("text", "shape"),
    [("1x32x32", (1, 32, 32)), ("784", (784,)), (" 3 × 224 × 224 ", (3, 224, 224)), ("(3, 32, 32)", (3, 32, 32)),
     ("[1,28,28]", (1, 28, 28)), ("16 5 5", (16, 5, 5))],
)  # fmt: skip
def test_input_shape_is_read_in_the_ways_people_write_it(text, shape):
    assert parse_input_shape(text) == shape
    assert parse_input_shape(format_input_shape(shape)) == shape


@pytest.mark.parametrize(
    "text", ["", "abc", "0x32x32", "1x-3x3", "1x2x3x4", "3.5", "99999999", "3x4096x4096", "1" * 100]
)
def test_unusable_input_shape_says_how_to_write_one(text):
    with pytest.raises(UserError) as info:
        parse_input_shape(text)
    assert info.value.message.key == "specs.bad_input_shape"
    assert "1x32x32" in info.value.message.text("en")


def test_arguments_are_read_as_pytorch_code_or_json():
    assert parse_args("in_channels=1, out_channels=6, kernel_size=5", 1) == {
        "in_channels": 1,
        "out_channels": 6,
        "kernel_size": 5,
    }
    assert parse_args('kernel_size=(3, 5), padding="same", bias=False, momentum=None', 1) == {
        "kernel_size": [3, 5],
        "padding": "same",
        "bias": False,
        "momentum": None,
    }
    assert parse_args("bias=false, momentum=null", 1) == {"bias": False, "momentum": None}
    assert parse_args('{"kernel_size": [3, 3], "bias": true}', 1) == {"kernel_size": [3, 3], "bias": True}
    assert parse_args("  ", 1) == {}


def test_two_sessions_never_build_an_argument_tree_at_once(monkeypatch):
    # CPython 3.11 counts the AST builder's depth in state shared by threads: a load test's session
    # failed with "SystemError: AST constructor recursion depth mismatch" while another parsed
    inside, most = [0], [0]
    parse = ast.parse

    def slow_parse(*args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)  # lets another thread in, as a thread switch can in the middle of a build
        inside[0] -= 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", slow_parse)
    with ThreadPoolExecutor(4) as pool:
        parsed = list(pool.map(lambda i: parse_args(f"in_features={i}, out_features=2", i + 1), range(8)))
    assert parsed == [{"in_features": i, "out_features": 2} for i in range(8)]
    assert most == [1]


@pytest.mark.parametrize("key", list(PRESETS))
def test_editor_rows_give_back_the_same_spec(key):
    spec = PRESETS[key].spec
    rows = rows_from_spec(spec)
    assert spec_from_rows(rows, spec) == spec
    for row, layer in zip(rows, spec.layers, strict=True):
        assert parse_args(row["args"], 1) == layer.args
    assert format_args({}) == ""


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("in_channels=6, out_channels=16, kernel_size=", "specs.args_syntax"),
        ("6, 16, kernel_size=5", "specs.args_positional"),
        ("**{'a': 1}", "specs.args_positional"),
        ("padding_mode=zeros", "specs.args_value"),
        ("p={'x': 1}", "specs.args_value"),
        ("x=__import__('os').system('echo hacked')", "specs.args_value"),
        ("a=1) + (2", "specs.args_syntax"),  # closes the call the parser wraps it in
        ("{not json", "specs.args_syntax"),
        ("[1, 2]", "specs.args_positional"),
        ("a=" + "1" * MAX_ARGS_CHARS, "specs.args_too_long"),
    ],
)
def test_unreadable_arguments_name_the_row_and_run_nothing(text, key, capfd):
    with pytest.raises(UserError) as info:
        parse_args(text, 4)
    assert info.value.message.key == key
    assert info.value.message.text("en").startswith("Row 4")
    assert "hacked" not in capfd.readouterr().out


def test_empty_rows_are_left_out_and_a_row_without_type_is_named():
    spec = PRESETS["cnn_typical"].spec
    rows = [*rows_from_spec(spec), {"type": None, "args": None, "name": None}, {"type": "", "args": "  "}]
    assert spec_from_rows(rows, spec) == spec
    with pytest.raises(UserError) as info:
        spec_from_rows([*rows_from_spec(spec), {"type": None, "args": "p=0.5", "name": None}], spec)
    assert info.value.message.key == "specs.row_needs_type" and info.value.message.params["position"] == 6


def test_rows_are_checked_like_any_spec():
    spec = PRESETS["lenet"].spec
    rows = rows_from_spec(spec)
    rows[0] = {**rows[0], "args": "in_channels=1, out_chanels=6, kernel_size=5"}
    with pytest.raises(UserError) as info:
        spec_from_rows(rows, spec)
    assert info.value.message.key == "models.unknown_argument"
    assert "out_channels" in info.value.message.text("en")


def test_moving_inserting_and_removing_layers():
    spec = PRESETS["lenet"].spec
    moved = move_layer(spec, 1, +1)
    assert [layer.type for layer in moved.layers[:3]] == ["Conv2d", "MaxPool2d", "ReLU"]
    assert move_layer(spec, 0, -1) == spec  # already first
    assert move_layer(moved, 2, -1) == spec
    dropout = LayerSpec("Dropout", {"p": 0.2})
    assert insert_layer(spec, len(spec.layers), dropout).layers[-1] == dropout
    assert insert_layer(spec, 0, dropout).layers[0] == dropout
    assert remove_layer(insert_layer(spec, 3, dropout), 3) == spec
    with pytest.raises(UserError):
        insert_layer(spec, 0, LayerSpec("Conv2d", {"in_channels": 1}))  # out_channels and kernel_size missing


IMAGE_IN = (1, 3, 32, 32)  # (N, C, H, W)
VECTOR_IN = (1, 10)


@pytest.mark.parametrize("layer_type", list(LAYER_TYPES))
def test_a_suggested_layer_fits_what_it_receives(layer_type):
    vector_only = layer_type in ("BatchNorm1d", "Linear")
    in_shape = VECTOR_IN if vector_only else IMAGE_IN
    layer = LayerSpec(layer_type, suggest_args(layer_type, in_shape))
    summary = summarize(ModelSpec((layer,), in_shape[1:]))
    assert summary.problem is None, summary.problem.text("en")


def test_suggestions_for_an_unknown_type_are_refused():
    with pytest.raises(UserError) as info:
        suggest_args("Conv3d", IMAGE_IN)
    assert info.value.message.key == "specs.unknown_type"
    assert "Conv2d" in info.value.message.text("en")
