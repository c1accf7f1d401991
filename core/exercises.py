"""Check yourself: questions drawn from a seed and answered by the app's own rules, never by a key.

Each kind draws random settings from ``random.Random(f"{kind}:{seed}")``, asks about them, and
knows its answer because it asks :mod:`core.geometry`, :mod:`core.ops`, :mod:`core.summary` or
:mod:`core.loss_calculator`, the modules the pages show. The worked answer (``reveal``) is the
page's own explanation with the numbers filled in. Slips students often make (padding counted once,
the ``+ 1`` forgotten, ceil for floor) are computed too, so a wrong answer gets the hint for the
step that went wrong (:mod:`core.answer_check`). ``tests/test_exercises.py`` compares every kind's
answer with PyTorch on real modules. The convolution kinds live here; the others in
:mod:`core.exercises_more`.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from core.answer_check import Expected, shown
from core.geometry import conv_geometry, conv_out_size, conv_transpose_geometry, conv_transpose_out_size, pool_geometry
from core.i18n import Message
from core.layer_settings import ConvSettings, ConvTransposeSettings, PoolSettings
from core.ops import conv2d_matrix, conv_window

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Question:
    """One question: what is asked, the answer as the app computes it, and the worked answer."""

    kind: str
    seed: int
    prompt: Message  # the question with its numbers
    expected: Expected
    reveal: tuple[str, ...]  # the worked answer, a line each: formulas with the numbers (not translated)
    explain: Message  # the page's explanation in words
    code: str  # PyTorch that prints the answer
    tables: tuple[tuple[str, np.ndarray], ...] = field(default=(), compare=False)  # (caption key, matrix) to show
    image: np.ndarray | None = field(default=None, compare=False)  # a picture to classify (kind "predict_class")
    listing: str = ""  # a model's layers, numbered, to read the question by
    bars: tuple[tuple[str, float], ...] = ()  # kind "predict_class": the model's most likely classes, shown after
    true_label: str | None = None  # and what the picture really shows

    @property
    def answer(self) -> str:
        return shown(self.expected.value, self.expected.form)

    @property
    def answers(self) -> str:
        """The right answer as the page shows it, then any just as right after " / "."""
        return " / ".join(shown(value, self.expected.form) for value in (self.expected.value, *self.expected.also))


@dataclass(frozen=True)
class Kind:
    key: str
    topic: str  # the page it belongs to
    make: Callable[[random.Random], Question]


KINDS: dict[str, Kind] = {}


def kind(key: str, topic: str):
    """Register a question maker under ``key`` (decorator)."""

    def register(make: Callable[[random.Random], Question]) -> Callable[[random.Random], Question]:
        KINDS[key] = Kind(key, topic, make)
        return make

    return register


@functools.lru_cache(maxsize=512)
def generate(kind_key: str, seed: int) -> Question:
    """Return question ``seed`` of kind ``kind_key``: the same numbers for everyone with that seed."""
    if kind_key not in KINDS:
        raise ValueError(f"no exercise kind {kind_key!r}; known: {', '.join(KINDS)}")
    seed = int(seed) % (MAX_SEED + 1)
    return replace(KINDS[kind_key].make(random.Random(f"{kind_key}:{seed}")), kind=kind_key, seed=seed)


def slips(right: tuple[int, ...], candidates: list[tuple[tuple[int, ...], str]]) -> tuple:
    """Return the slips whose result differs from the right answer and from earlier slips."""
    kept, seen = [], {right}
    for value, key in candidates:
        if value not in seen and all(v >= 1 for v in value):
            kept.append((tuple(float(v) for v in value), key))
            seen.add(value)
    return tuple(kept)


def _each(sizes: tuple[int, int], size: Callable[..., int], *args: int | bool) -> tuple[int, int]:
    """Return ``size(n, *args)`` for the height and the width."""
    return size(sizes[0], *args), size(sizes[1], *args)


def _ceil_size(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    """The output size with ceil for floor and no other rule: a slip, and ceil_mode before its last-window rule."""
    return -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1


def _times(n: int, s: int) -> int:
    return n * s


# --- convolution ------------------------------------------------------------------------------------------


@kind("conv_size", "convolution")
def _conv_size(rng: random.Random) -> Question:
    while True:
        h = rng.randint(5, 64)
        hw = (h, h if rng.random() < 0.6 else rng.randint(5, 64))
        k, s, d = rng.choice((1, 2, 3, 3, 5, 5, 7)), rng.choice((1, 1, 2, 2, 3)), rng.choice((1, 1, 1, 2))
        p = rng.randint(0, k // 2 + 1)
        c_in, c_out = rng.choice((1, 3, 16)), rng.choice((6, 8, 16, 32))
        settings = ConvSettings(in_channels=c_in, out_channels=c_out, kernel_size=k, stride=s, padding=p, dilation=d)
        geometry = conv_geometry(settings, (c_in, *hw))
        dropping = any(dim.uncovered for dim in geometry.dims)
        if geometry.problem is None and (dropping or rng.random() < 0.5):  # half the time the floor drops rows
            break
    right = geometry.out_shape[1:]
    mistakes = slips(
        right,
        [
            (_each(hw, conv_out_size, k, s, p, 0, d), "exercise.hint.padding_twice"),
            (_each(hw, conv_out_size, k, s, 0, 0, d), "exercise.hint.padding_forgot"),
            (_each(hw, conv_out_size, k, s, p, p, 1), "exercise.hint.dilation"),
            (_each(hw, conv_out_size, k, 1, p, p, d), "exercise.hint.stride"),
            (_each(hw, _ceil_size, k, s, p, d), "exercise.hint.floor"),
            ((right[0] - 1, right[1] - 1), "exercise.hint.plus_one"),
        ],
    )
    example = shown((7.0, 7.0), "size")
    expected = Expected(
        "size", tuple(map(float, right)), example, channels=c_out, mistakes=mistakes, hint="exercise.hint.conv_formula"
    )
    reveal = tuple(f"{dim.axis}: {dim.formula}" for dim in geometry.dims)
    dropped = [f"{dim.axis}: {dim.uncovered}" for dim in geometry.dims if dim.uncovered]
    explain = Message("exercise.explain.conv_size" + ("_dropped" if dropped else ""), {"dropped": ", ".join(dropped)})
    prompt = Message("exercise.ask.conv_size", {"shape": f"[1, {c_in}, {hw[0]}, {hw[1]}]", "layer": settings.code()})
    code = f"import torch\nfrom torch import nn\n\nprint({settings.code()}(torch.zeros(1, {c_in}, {hw[0]}, {hw[1]})).shape)"
    return Question("", 0, prompt, expected, reveal, explain, code)


@kind("conv_cell", "convolution")
def _conv_cell(rng: random.Random) -> Question:
    n, k, p = rng.choice((4, 5)), rng.choice((2, 3)), rng.choice((0, 0, 1))
    x = np.array([[rng.randint(-2, 4) for _ in range(n)] for _ in range(n)], dtype=np.float64)
    kernel = np.array([[rng.randint(-1, 2) for _ in range(k)] for _ in range(k)], dtype=np.float64)
    settings = ConvSettings(kernel_size=k, padding=p)
    result = conv2d_matrix(x, kernel, settings)
    rows, cols = result.output.shape
    row, col = rng.randrange(rows), rng.randrange(cols)
    window = conv_window(result, settings, kernel, 0.0, row, col)
    flipped = float((window.patch * kernel[::-1, ::-1]).sum())
    mistakes = []
    if flipped != window.value:
        mistakes.append(((flipped,), "exercise.hint.flipped"))
    if p:
        unpadded = conv2d_matrix(x, kernel, ConvSettings(kernel_size=k)).output
        if row < unpadded.shape[0] and col < unpadded.shape[1] and unpadded[row, col] != window.value:
            mistakes.append(((float(unpadded[row, col]),), "exercise.hint.cell_padding"))
    products = " + ".join(f"({a:g})*({b:g})" for a, b in zip(window.patch.ravel(), kernel.ravel(), strict=True))
    r0, c0, span = window.rows[0], window.cols[0], k
    reveal = (
        f"window = x_padded[{r0}:{r0 + span}, {c0}:{c0 + span}]",
        f"out[{row}, {col}] = {products} = {window.value:g}",
    )
    expected = Expected("int", (window.value,), "7", mistakes=tuple(mistakes), hint="exercise.hint.cell")
    prompt = Message("exercise.ask.conv_cell", {"row": row, "col": col, "padding": p})
    x_code = "[" + ", ".join("[" + ", ".join(f"{v:g}" for v in r) + "]" for r in x) + "]"
    k_code = "[" + ", ".join("[" + ", ".join(f"{v:g}" for v in r) + "]" for r in kernel) + "]"
    code = (
        "import torch\nimport torch.nn.functional as F\n\n"
        f"x = torch.tensor({x_code})\nk = torch.tensor({k_code})\n"
        f"print(F.conv2d(x[None, None], k[None, None], padding={p})[0, 0, {row}, {col}])"
    )
    tables = (("exercise.table.input", x), ("exercise.table.kernel", kernel))
    return Question("", 0, prompt, expected, reveal, Message("exercise.explain.conv_cell"), code, tables)


@kind("pool_size", "convolution")
def _pool_size(rng: random.Random) -> Question:
    while True:
        h = rng.randint(5, 40)
        hw = (h, h if rng.random() < 0.6 else rng.randint(5, 40))
        k = rng.choice((2, 2, 3, 3, 4))
        s = rng.choice((None, None, 2, 3))
        p, ceil = rng.randint(0, k // 2), rng.random() < 0.5
        settings = PoolSettings(kind="max", kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
        geometry = pool_geometry(settings, (8, *hw))
        floor_hw = _each(hw, conv_out_size, k, s or k, p, p)
        if geometry.problem is None and (not ceil or floor_hw != geometry.out_shape[1:] or rng.random() < 0.3):
            break
    right, stride = geometry.out_shape[1:], s or k
    raw_ceil = _each(hw, _ceil_size, k, stride, p)
    mistakes = slips(
        right,
        [
            (floor_hw if ceil else raw_ceil, "exercise.hint.ceil_mode" if ceil else "exercise.hint.floor"),
            (raw_ceil, "exercise.hint.ceil_last_window"),
            (_each(hw, conv_out_size, k, 1, p, p, 1, ceil), "exercise.hint.pool_stride"),
            (_each(hw, conv_out_size, k, stride, 0, 0, 1, ceil), "exercise.hint.padding_forgot"),
        ],
    )
    expected = Expected(
        "size", tuple(map(float, right)), "7x7", channels=8, mistakes=mistakes, hint="exercise.hint.conv_formula"
    )
    reveal = tuple(f"{dim.axis}: {dim.formula}" for dim in geometry.dims)
    prompt = Message("exercise.ask.pool_size", {"shape": f"[1, 8, {hw[0]}, {hw[1]}]", "layer": settings.code()})
    explain = Message("exercise.explain.pool_ceil" if ceil else "exercise.explain.pool_floor")
    code = f"import torch\nfrom torch import nn\n\nprint({settings.code()}(torch.zeros(1, 8, {hw[0]}, {hw[1]})).shape)"
    return Question("", 0, prompt, expected, reveal, explain, code)


@kind("transpose_size", "convolution")
def _transpose_size(rng: random.Random) -> Question:
    while True:
        h = rng.randint(2, 32)
        hw = (h, h if rng.random() < 0.7 else rng.randint(2, 32))
        k, s, d = rng.choice((2, 3, 4, 5)), rng.choice((1, 2, 2, 3)), rng.choice((1, 1, 1, 2))
        p, op = rng.randint(0, k // 2), rng.choice((0, 0, 1))
        settings = ConvTransposeSettings(
            in_channels=16, out_channels=8, kernel_size=k, stride=s, padding=p, output_padding=op, dilation=d
        )
        geometry = conv_transpose_geometry(settings, (16, *hw))
        if geometry.problem is None:
            break
    right = geometry.out_shape[1:]
    mistakes = slips(
        right,
        [
            (_each(hw, conv_out_size, k, s, p, p, d), "exercise.hint.transpose_is_not_conv"),
            (_each(hw, conv_transpose_out_size, k, s, 0, op, d), "exercise.hint.transpose_padding"),
            (_each(hw, conv_transpose_out_size, k, s, p, 0, d), "exercise.hint.output_padding"),
            (_each(hw, _times, s), "exercise.hint.transpose_times_stride"),
        ],
    )
    expected = Expected(
        "size", tuple(map(float, right)), "7x7", channels=8, mistakes=mistakes, hint="exercise.hint.transpose_formula"
    )
    reveal = tuple(f"{dim.axis}: {dim.formula}" for dim in geometry.dims)
    prompt = Message("exercise.ask.transpose_size", {"shape": f"[1, 16, {hw[0]}, {hw[1]}]", "layer": settings.code()})
    code = f"import torch\nfrom torch import nn\n\nprint({settings.code()}(torch.zeros(1, 16, {hw[0]}, {hw[1]})).shape)"
    return Question("", 0, prompt, expected, reveal, Message("exercise.explain.transpose_size"), code)


import core.exercises_more  # noqa: E402, F401  the architecture, training and predict kinds register themselves

TOPICS = {
    topic: tuple(k.key for k in KINDS.values() if k.topic == topic)
    for topic in dict.fromkeys(k.topic for k in KINDS.values())
}
