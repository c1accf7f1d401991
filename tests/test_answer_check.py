"""Typed answers: the forms that mean the same, hints for the slip, and any hostile string refused cheaply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.answer_check import MAX_ANSWER_CHARS, Expected, check, kept, read_numbers

ROOT = Path(__file__).resolve().parent.parent
SIZE = Expected("size", (28.0, 28.0), "7x7", channels=6, mistakes=(((30.0, 30.0), "exercise.hint.padding_twice"),))
WIDE = Expected("size", (28.0, 14.0), "7x7", channels=6)
SHAPE = Expected("shape", (1.0, 16.0, 5.0, 5.0), "[1, 6, 14, 14]")
FLAT = Expected("shape", (1.0, 400.0), "[1, 400]")
NUMBER = Expected(
    "number", (0.4076,), "0.41", tolerance=0.0051, mistakes=(((0.6652,), "exercise.hint.ce_probability"),)
)
LAYER = Expected("layer_fix", (10.0, 383.0), "5: 400", mistakes=(((10.0, 384.0), "exercise.hint.broken_value"),))


@pytest.mark.parametrize(
    "typed",
    ["28x28", "28 x 28", "28X28", "28×28", "28", "(28, 28)", "[1, 6, 28, 28]", "6x28x28", "torch.Size([1, 6, 28, 28])",
     "２８ｘ２８", "２８，２８", " 28 * 28 ", "28,28", "[28, 28]", "28.0 x 28"],
)  # fmt: skip
def test_every_form_of_a_square_output_size_is_right(typed):
    verdict = check(typed, SIZE)
    assert verdict.outcome == "right" and verdict.understood == "28x28"


def test_a_non_square_size_needs_both_numbers_in_height_width_order():
    assert check("28x14", WIDE).right
    assert check("14x28", WIDE).outcome == "wrong"
    assert check("28", WIDE).outcome == "unclear"  # one number cannot name two different sizes
    assert check("[1, 6, 28, 14]", WIDE).right


def test_right_height_and_width_with_wrong_channels_gets_the_channels_hint():
    verdict = check("[1, 3, 28, 28]", SIZE)
    assert verdict.outcome == "wrong" and verdict.mistake == "exercise.hint.channels"
    assert verdict.understood == "1x3x28x28"


def test_a_known_slip_gets_its_hint_and_any_other_wrong_answer_the_kinds_hint():
    slip = check("30 x 30", SIZE)
    assert (slip.outcome, slip.mistake, slip.understood) == ("wrong", "exercise.hint.padding_twice", "30x30")
    other = check("27", SIZE)
    assert other.mistake == "exercise.hint.generic" and other.message.key == "exercise.hint.generic"


def test_shapes_may_leave_out_the_batch_and_flattened_ones_may_be_one_number():
    for typed in ("[1, 16, 5, 5]", "16x5x5", "(16, 5, 5)", "torch.Size([1, 16, 5, 5])"):
        assert check(typed, SHAPE).right, typed
    assert check("[2, 16, 5, 5]", SHAPE).outcome == "wrong"
    assert check("400", FLAT).right and check("[1, 400]", FLAT).right
    assert check("5x5", SHAPE).outcome == "wrong"  # a shape, just not this one


def test_numbers_are_right_within_the_tolerance_and_slips_are_named():
    assert check("0.41", NUMBER).right and check("0.4076", NUMBER).right and check("０.４１", NUMBER).right
    assert check("0.40", NUMBER).outcome == "wrong"
    assert check("0.67", NUMBER).mistake == "exercise.hint.ce_probability"
    assert check("1e-1", NUMBER).outcome == "wrong"


def test_a_layer_and_its_value_read_in_several_forms():
    for typed in ("10: 383", "10, 383", "layer 10: 383", "第10层：383", "10 383"):
        assert check(typed, LAYER).right, typed
    assert check("10: 384", LAYER).mistake == "exercise.hint.broken_value"
    assert check("383", LAYER).outcome == "unclear"


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abc", "# 28", "_28_", "<b>28</b>", "<script>alert(1)</script>", "[28](http://x)", "28 🙂", "🙂" * 50,
     "28x28x28x28x28x28x28x28x28", "nan", "inf", "1e999", "--28", "28 - 28", "\x00\x01", "‮28", None, 28, ["28"],
     "2" * (MAX_ANSWER_CHARS + 1)],
)  # fmt: skip
def test_anything_else_is_not_understood_and_names_an_example(typed):
    verdict = check(typed, SIZE)
    assert verdict.outcome == "unclear" and verdict.understood == "" and verdict.message.params["example"] == "7x7"


def test_a_too_long_answer_says_so():
    assert check("1" * 10_000, SIZE).message.key == "exercise.too_long"
    assert check("1x1", SIZE).outcome == "wrong"


def test_what_is_kept_of_a_typed_answer_is_short():
    assert kept("x" * 10_000) == "x" * 60 and kept(None) == ""


def test_reading_numbers_keeps_only_finite_numbers():
    assert read_numbers("1, -2.5, +3e2") == (1.0, -2.5, 300.0)
    assert read_numbers("1e400") is None


HOSTILE = """
import json, resource, sys, time
from core.answer_check import Expected, check
expected = Expected("size", (28.0, 28.0), "7x7", channels=6)
texts = {"10 MB digits": "2" * 10_000_000, "10 MB emoji": "🙂" * 2_500_000, "200 separators": "x" * 200,
         "200 digits, one number": "9" * 200, "8 long numbers": ",".join(["9" * 24] * 8)}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times = {}
for name, text in texts.items():
    start = time.perf_counter()
    for _ in range(100):
        check(text, expected)
    times[name] = (time.perf_counter() - start) / 100
print(json.dumps({"times": times, "rss_growth_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))
"""


def test_hostile_answers_cost_microseconds_and_no_memory_beyond_the_text_itself():
    """Measured in a fresh process: the strings exist before the clock starts; checking them adds nothing."""
    result = json.loads(
        subprocess.run([sys.executable, "-c", HOSTILE], cwd=ROOT, capture_output=True, check=True).stdout
    )
    assert all(seconds < 0.02 for seconds in result["times"].values()), result
    assert result["rss_growth_kb"] < 5_000, result  # no copy of a 10 MB string per check
