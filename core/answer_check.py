"""Reading a typed answer and comparing it with what PyTorch says, with a hint for a known slip.

Typed answers are untrusted text. Whatever arrives (empty, 10 MB, Markdown, HTML, emoji), reading
it costs at most ``MAX_ANSWER_CHARS`` characters of work: longer text is "not understood" before
anything else looks at it, and nothing typed is ever kept longer than ``MAX_KEPT_CHARS``.

Forms that mean the same are the same answer: ``3x3``, ``3 x 3``, ``3×3``, ``3`` (a square), ``(3, 3)``,
``[1, 6, 3, 3]`` and ``torch.Size([1, 6, 3, 3])`` for an output size; full-width digits and Chinese
punctuation read as their ASCII twins (Unicode NFKC).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from core.i18n import Message

MAX_ANSWER_CHARS = 200  # longer is not an answer to any question here
MAX_KEPT_CHARS = 60  # what the class database keeps of a typed answer
MAX_NUMBERS = 8
_WORDS = re.compile(r"torch\.size|shape|layer|no\.|[第层个]")
_SEPARATORS = re.compile(r"[\s,;:x×*/()\[\]、【】=]+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")

# The forms a question's answer takes:
#   size       an output's (H, W); "6x28x28" and "[1, 6, 28, 28]" read too when channels are given
#   shape      a whole tensor shape with its batch dimension; the batch may be left out
#   int        one whole number
#   number     one number, right within ``tolerance``
#   layer_fix  two whole numbers: a layer's number in the table, and the value it should have
FORMS = ("size", "shape", "int", "number", "layer_fix")


@dataclass(frozen=True)
class Expected:
    """The right answer of one question, how it may be typed, and the slips worth a hint."""

    form: str
    value: tuple[float, ...]
    example: str  # what a valid answer looks like: "13x13"
    channels: int | None = None  # form "size": the output's channels (and batch 1)
    tolerance: float = 0.0  # form "number"
    mistakes: tuple[tuple[tuple[float, ...], str], ...] = ()  # (what a slip gives, its hint key), first match wins
    also: tuple[tuple[float, ...], ...] = ()  # other answers just as right (a typo mended where it was written)
    hint: str = "exercise.hint.generic"  # the hint for any other wrong answer


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "right", "wrong" or "unclear" (not understood)
    understood: str  # the answer as read, in one canonical form ("13x13"); "" when unclear
    mistake: str  # the hint key of a wrong answer; "" otherwise
    message: Message | None  # the hint of a wrong answer, or why it was not understood

    @property
    def right(self) -> bool:
        return self.outcome == "right"


def read_numbers(text: object) -> tuple[float, ...] | None:
    """Return the numbers in a typed answer, or None when it is not a list of numbers."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return None
    cleaned = _WORDS.sub(" ", unicodedata.normalize("NFKC", text).lower())
    tokens = [token for token in _SEPARATORS.split(cleaned) if token]
    if not 0 < len(tokens) <= MAX_NUMBERS or not all(_NUMBER.fullmatch(token) for token in tokens):
        return None
    numbers = tuple(float(token) for token in tokens)
    return numbers if all(math.isfinite(n) for n in numbers) else None


def shown(numbers: tuple[float, ...], form: str) -> str:
    """Return numbers in the canonical form of ``form``: "13x13", "[1, 6, 28, 28]", "0.4076", "10: 383"."""
    parts = [str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else f"{n:.4g}" for n in numbers]
    if form == "size":
        return "x".join(parts)
    if form == "shape":
        return f"[{', '.join(parts)}]"
    if form == "layer_fix":
        return ": ".join(parts)
    return ", ".join(parts)


def _comparable(numbers: tuple[float, ...], expected: Expected) -> tuple[float, ...] | None:
    """Return the typed numbers in the expected answer's form, or None when they cannot be."""
    n, want = len(numbers), len(expected.value)
    if expected.form == "size":
        height, width = expected.value
        if n == 1:
            return (numbers[0], numbers[0]) if height == width else None
        if n == 2:
            return numbers
        if expected.channels is not None and n == 3:
            return numbers[1:] if numbers[0] == expected.channels else (math.nan, math.nan)
        if expected.channels is not None and n == 4:
            return numbers[2:] if numbers[:2] == (1, expected.channels) else (math.nan, math.nan)
        return None
    if expected.form == "shape":  # any shape is understood; one dimension short is read as the batch left out
        return (1.0, *numbers) if n == want - 1 else numbers
    if expected.form == "layer_fix":
        return numbers if n == 2 else None
    return numbers if n == 1 else None


def _same(typed: tuple[float, ...], value: tuple[float, ...], tolerance: float) -> bool:
    return len(typed) == len(value) and all(abs(a - b) <= tolerance for a, b in zip(typed, value, strict=True))


def check(text: object, expected: Expected) -> Verdict:
    """Read ``text`` as an answer to a question whose answer is ``expected``; say right, wrong (why) or unclear."""
    numbers = read_numbers(text)
    typed = None if numbers is None else _comparable(numbers, expected)
    if typed is None:
        too_long = isinstance(text, str) and len(text) > MAX_ANSWER_CHARS
        key = "exercise.too_long" if too_long else "exercise.unclear"
        return Verdict("unclear", "", "", Message(key, {"example": expected.example, "limit": MAX_ANSWER_CHARS}))
    understood = "?" if any(math.isnan(n) for n in typed) else shown(typed, expected.form)
    if any(_same(typed, value, expected.tolerance) for value in (expected.value, *expected.also)):
        return Verdict("right", understood, "", None)
    if expected.form == "size" and numbers is not None and len(numbers) > 2 and any(math.isnan(n) for n in typed):
        return Verdict("wrong", shown(numbers, "size"), "exercise.hint.channels", Message("exercise.hint.channels"))
    readings = [typed, (1.0, *typed)] if expected.form == "shape" else [typed]  # a slip's shape without its batch
    for slip, key in expected.mistakes:
        if any(_same(reading, slip, expected.tolerance) for reading in readings):
            return Verdict("wrong", understood, key, Message(key))
    return Verdict("wrong", understood, expected.hint, Message(expected.hint))


def kept(text: object) -> str:
    """Return what the class database keeps of a typed answer: its first MAX_KEPT_CHARS characters."""
    return text[:MAX_KEPT_CHARS] if isinstance(text, str) else ""
