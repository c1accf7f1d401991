"""The loss calculator: PyTorch's loss functions on numbers a student types, with the formula filled in.

:func:`calculate` parses the typed input and target (untrusted text: every broken rule is a
:class:`~core.i18n.UserError` naming the value and the nearest valid choice), computes each
sample's or element's loss from the formula in float64, reduces it as ``reduction`` says, and
computes the same thing with ``torch.nn.functional`` so the page can show that both agree. The
curriculum's worked values (SEEDS.md: L1 3.0 / 9.0, MSE 9.6667 / 29.0, CrossEntropy 0.7679 /
1.3897) are this module's tests. The losses a *run* trains with are :mod:`core.losses`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from core.i18n import Message, UserError

CALC_LOSSES = ("l1", "mse", "cross_entropy", "nll", "bce", "bce_with_logits")
REDUCTIONS = ("none", "mean", "sum")
MAX_NUMBERS = 400  # per field: a worked example, not a data set
MAX_TEXT = 4_000  # characters per field
CLASS_NAMES = {  # each loss's nn class, as the code and the page name it
    "l1": "L1Loss",
    "mse": "MSELoss",
    "cross_entropy": "CrossEntropyLoss",
    "nll": "NLLLoss",
    "bce": "BCELoss",
    "bce_with_logits": "BCEWithLogitsLoss",
}
FORMULAS = {  # one element's (or one sample's) loss, before the reduction
    "l1": "ℓ = |x − y|",
    "mse": "ℓ = (x − y)²",
    "cross_entropy": "ℓ = −log( e^x[y] / Σ_c e^x[c] ) = −x[y] + log Σ_c e^x[c]",
    "nll": "ℓ = −x[y]   (x: log-probabilities, e.g. log_softmax's output)",
    "bce": "ℓ = −( y·log(x) + (1 − y)·log(1 − x) )   (x: a probability in [0, 1])",
    "bce_with_logits": "ℓ = −( y·log σ(x) + (1 − y)·log(1 − σ(x)) ),  σ(x) = 1 / (1 + e^−x)",
}
# Worked examples per loss: (example key, input, target). "tutorial" ones are the curriculum's own (SEEDS.md).
EXAMPLES = {
    "l1": [("tutorial", "1, 2, 3", "4, -2, 5")],
    "mse": [("tutorial", "1, 2, 3", "4, -2, 5")],
    "cross_entropy": [
        ("tutorial", "0.1, 0.7, 0.2", "1"),
        ("tutorial_2", "0.8, 0.1, 0.1", "1"),
        ("batch", "2.0, 0.5, -1.0; 0.1, 1.5, 0.3", "0, 2"),
    ],
    "nll": [("log_softmax", "-0.2413, -1.7413, -3.2413; -1.7109, -0.3109, -1.5109", "0, 2")],
    "bce": [("probabilities", "0.9, 0.2, 0.6", "1, 0, 1")],
    "bce_with_logits": [("logits", "2.2, -1.4, 0.4", "1, 0, 1")],
}
CLASS_LOSSES = ("cross_entropy", "nll")  # input (N, C) scores, target (N,) class indices
PROBABILITY_TOLERANCE = 1e-3  # a row within this of summing to 1 "looks like" softmax output


@dataclass(frozen=True)
class LossResult:
    """A loss worked out: the terms with their numbers, the reduction, and torch's own value beside it."""

    name: str
    reduction: str
    terms: list[str]  # one line per element (L1, MSE, BCE) or sample (CrossEntropy, NLL), numbers in
    reduced: str  # how the terms become the result, numbers in ("" for reduction="none")
    value: list[float]  # the result by the formulas: one number, or one per term for "none"
    torch_value: list[float]  # the same from torch.nn.functional (in float64, like the formulas)
    code: str  # a runnable snippet that prints the same result
    warnings: list[Message] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """Whether the formulas and torch agree (to float64 rounding)."""
        return len(self.value) == len(self.torch_value) and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(self.value, self.torch_value, strict=True)
        )


def _problem(key: str, **params) -> UserError:
    return UserError(Message(f"losses.{key}", params))


def parse_numbers(text: str, field_name: str) -> list[list[float]]:
    """Return typed numbers as rows: ``"1, 2, 3"`` is one row; rows are split by ``;`` or new lines.

    JSON-style lists work too (``[[0.1, 0.7], [0.8, 0.1]]``). Raises UserError naming the field,
    the text that is not a number, and an example of what works.
    """
    text = str(text).strip()
    if not text:
        raise _problem("empty", field=field_name)
    if len(text) > MAX_TEXT:
        raise _problem("too_many", field=field_name, max=MAX_NUMBERS)
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise _problem("bad_list", field=field_name) from None
        rows = parsed if parsed and all(isinstance(r, list) for r in parsed) else [parsed]
        cells = [[str(v) for v in row] if isinstance(row, list) else [str(row)] for row in rows]
    else:
        cells = [[c for c in re.split(r"[,\s]+", line.strip()) if c] for line in re.split(r"[;\n]", text)]
        cells = [row for row in cells if row]
    count = sum(len(row) for row in cells)
    if count > MAX_NUMBERS:
        raise _problem("too_many", field=field_name, max=MAX_NUMBERS)
    numbers = []
    for r, row in enumerate(cells):
        values = []
        for c, cell in enumerate(row):
            try:
                value = float(cell.replace("−", "-"))  # a typographic minus pasted from a page
            except ValueError:
                raise _problem("not_a_number", field=field_name, value=cell[:20], row=r + 1, position=c + 1) from None
            if not math.isfinite(value):
                raise _problem("not_finite", field=field_name, value=cell[:20])
            values.append(value)
        numbers.append(values)
    if any(len(row) != len(numbers[0]) for row in numbers):
        bad = next(i for i, row in enumerate(numbers) if len(row) != len(numbers[0]))
        raise _problem("ragged", field=field_name, row=bad + 1, got=len(numbers[bad]), expected=len(numbers[0]))
    return numbers


def _n(value: float, bracket: bool = True) -> str:
    """Return a number as the formulas show it: 4 decimals at most, a negative one in brackets (inside a sum)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    if text == "-0":
        return "0"
    if text.startswith("-"):
        text = "−" + text[1:]
        return f"({text})" if bracket else text
    return text


def _shaped(rows: list[list[float]]) -> torch.Tensor:
    """Rows as a tensor: one row is 1-D, as the tutorials type it; more rows are 2-D."""
    t = torch.tensor(rows, dtype=torch.float64)
    return t[0] if len(rows) == 1 else t


def _tensor_code(t: torch.Tensor, integer: bool = False) -> str:
    def item(v: float) -> str:
        return str(int(v)) if integer else repr(float(v))

    values = t.tolist()
    if t.dim() == 0:
        return f"torch.tensor({item(values)})"
    if t.dim() == 1:
        return "torch.tensor([" + ", ".join(item(v) for v in values) + "])"
    return "torch.tensor([" + ", ".join("[" + ", ".join(item(v) for v in row) + "]" for row in values) + "])"


def _softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _class_targets(target: list[list[float]], n_rows: int, n_classes: int) -> list[int]:
    flat = [v for row in target for v in row]
    if len(flat) != n_rows:
        raise _problem("target_count", rows=n_rows, got=len(flat))
    for v in flat:
        if not float(v).is_integer() or not 0 <= v < n_classes:
            nearest = min(max(round(v), 0), n_classes - 1)
            raise _problem("target_not_index", value=_n(v), max=n_classes - 1, nearest=nearest)
    return [int(v) for v in flat]


def calculate(
    name: str,
    input_text: str,
    target_text: str,
    reduction: str = "mean",
    weight_text: str = "",
    label_smoothing: float = 0.0,
) -> LossResult:
    """Return the loss ``name`` of the typed input and target, worked out and checked against torch.

    ``weight_text`` (one number per class) and ``label_smoothing`` (0 to 1) apply to CrossEntropy,
    NLL takes ``weight_text`` too; both are ignored by the other losses.
    """
    if name not in CALC_LOSSES:
        raise _problem("unknown", value=str(name)[:40], choices=", ".join(CALC_LOSSES))
    if reduction not in REDUCTIONS:
        raise _problem("bad_reduction", value=str(reduction)[:20], choices=", ".join(REDUCTIONS))
    x_rows = parse_numbers(input_text, "input")
    y_rows = parse_numbers(target_text, "target")
    weight = None
    if name in CLASS_LOSSES and str(weight_text).strip():
        weight = [v for row in parse_numbers(weight_text, "weight") for v in row]
    return work_out(name, x_rows, y_rows, reduction, weight, label_smoothing)


def work_out(
    name: str,
    x_rows: list[list[float]],
    y_rows: list[list[float]],
    reduction: str = "mean",
    weight: list[float] | None = None,
    label_smoothing: float = 0.0,
) -> LossResult:
    """Return the loss ``name`` of numbers already parsed (rows), worked out and checked against torch.

    What :func:`calculate` does after parsing; the step-by-step training view calls it with a batch's outputs.
    """
    if name in CLASS_LOSSES:
        return _class_loss(name, x_rows, y_rows, reduction, weight, label_smoothing)
    return _elementwise_loss(name, x_rows, y_rows, reduction)


def _reduce(name: str, reduction: str, terms: list[float], divisor: float, shown_divisor: str) -> tuple[list, str]:
    if reduction == "none":
        return terms, ""
    total = sum(terms)
    joined = " + ".join(_n(v) for v in terms)
    if reduction == "sum":
        return [total], f"sum = {joined} = {_n(total)}"
    joined = f"({joined})" if len(terms) > 1 else joined
    return [total / divisor], f"mean = {joined} / {shown_divisor} = {_n(total / divisor)}"


def _elementwise_loss(name: str, x_rows: list[list[float]], y_rows: list[list[float]], reduction: str) -> LossResult:
    x, y = _shaped(x_rows), _shaped(y_rows)
    if x.shape != y.shape:
        raise _problem("shape_mismatch", input=list(x.shape), target=list(y.shape))
    warnings = []
    xs, ys = x.reshape(-1).tolist(), y.reshape(-1).tolist()
    if name in ("bce", "bce_with_logits"):
        bad_y = next((v for v in ys if not 0 <= v <= 1), None)
        if bad_y is not None:
            raise _problem("bce_target_range", value=_n(bad_y), nearest=_n(min(max(bad_y, 0.0), 1.0)))
    if name == "bce":
        bad_x = next((v for v in xs if not 0 <= v <= 1), None)
        if bad_x is not None:
            raise _problem("bce_input_range", value=_n(bad_x))
    terms, lines = [], []
    for i, (a, b) in enumerate(zip(xs, ys, strict=True)):
        if name == "l1":
            v = abs(a - b)
            lines.append(f"ℓ{i + 1} = |{_n(a)} − {_n(b)}| = {_n(v)}")
        elif name == "mse":
            v = (a - b) ** 2
            lines.append(f"ℓ{i + 1} = ({_n(a)} − {_n(b)})² = {_n(v)}")
        elif name == "bce":
            # PyTorch clamps each log at -100, so p = 0 or 1 gives a large, finite loss
            log_p = max(math.log(a), -100.0) if a > 0 else -100.0
            log_q = max(math.log(1 - a), -100.0) if a < 1 else -100.0
            v = -(b * log_p + (1 - b) * log_q)
            lines.append(f"ℓ{i + 1} = −({_n(b)}·log {_n(a)} + (1 − {_n(b)})·log(1 − {_n(a)})) = {_n(v)}")
        else:
            # log σ(x) = −softplus(−x) and log(1 − σ(x)) = −softplus(x): exact for any x, no clamping
            v = b * _softplus(-a) + (1 - b) * _softplus(a)
            p = math.exp(-_softplus(-a))
            lines.append(
                f"ℓ{i + 1} = −({_n(b)}·log σ({_n(a, False)}) + (1 − {_n(b)})·log(1 − σ({_n(a, False)}))),  σ = {_n(p)}  → {_n(v)}"
            )
        terms.append(v)
    value, reduced = _reduce(name, reduction, terms, len(terms), str(len(terms)))
    xt, yt = x, y  # float64: the check compares formulas, not float32 rounding near log(0)
    fn = {
        "l1": F.l1_loss,
        "mse": F.mse_loss,
        "bce": F.binary_cross_entropy,
        "bce_with_logits": F.binary_cross_entropy_with_logits,
    }[name]
    torch_value = fn(xt, yt, reduction=reduction).reshape(-1).tolist()
    code = _code(name, reduction, _tensor_code(x), _tensor_code(y), "")
    return LossResult(name, reduction, lines, reduced, value, torch_value, code, warnings)


def _class_loss(
    name: str,
    x_rows: list[list[float]],
    y_rows: list[list[float]],
    reduction: str,
    weight: list[float] | None,
    label_smoothing: float,
) -> LossResult:
    n_rows, n_classes = len(x_rows), len(x_rows[0])
    if n_classes < 2:
        raise _problem("one_class", field="input")
    targets = _class_targets(y_rows, n_rows, n_classes)
    if weight is not None and (len(weight) != n_classes or any(w < 0 for w in weight)):
        raise _problem("weight_count", classes=n_classes, got=len(weight))
    if name == "nll":
        label_smoothing = 0.0  # NLLLoss has no label smoothing
    elif not 0 <= label_smoothing < 1:
        raise _problem("smoothing_range", value=label_smoothing, nearest=min(max(label_smoothing, 0.0), 0.9))
    w = weight or [1.0] * n_classes
    warnings = []
    if all(min(row) >= 0 and abs(sum(row) - 1) < PROBABILITY_TOLERANCE for row in x_rows):
        key = "losses.softmax_before_cross_entropy" if name == "cross_entropy" else "losses.nll_needs_log"
        warnings.append(Message(key, {}))
    terms, lines = [], []
    eps = label_smoothing
    for i, (row, y) in enumerate(zip(x_rows, targets, strict=True)):
        if name == "nll":
            v = -w[y] * row[y]
            scale = f"{_n(w[y])}·" if weight else ""
            lines.append(f"ℓ{i + 1} = −{scale}x[{y}] = −{scale}{_n(row[y])} = {_n(v)}")
        else:
            top = max(row)  # log Σ e^c = top + log Σ e^(c − top): no overflow for large scores
            log_sum = top + math.log(sum(math.exp(c - top) for c in row))
            log_p = [c - log_sum for c in row]
            nll = -w[y] * log_p[y]
            exps = " + ".join(f"e^{_n(c)}" for c in row)
            scale = f"{_n(w[y])}·" if weight else ""
            line = f"ℓ{i + 1} = −{scale}log(e^{_n(row[y])} / ({exps})) = −{scale}log {_n(math.exp(log_p[y]))}"
            v = nll
            if eps:
                smooth = -sum(wc * lp for wc, lp in zip(w, log_p, strict=True)) / n_classes
                v = (1 - eps) * nll + eps * smooth
                line += f" → (1 − {_n(eps)})·{_n(nll)} + {_n(eps)}·{_n(smooth)}"
            lines.append(f"{line} = {_n(v)}")
        terms.append(v)
    # With class weights, "mean" divides by the summed weights of the targets, not by N (PyTorch's rule)
    divisor = sum(w[y] for y in targets)
    shown_divisor = " + ".join(_n(w[y]) for y in targets) if weight else str(n_rows)
    if weight and n_rows > 1:
        shown_divisor = f"({shown_divisor})"
    value, reduced = _reduce(name, reduction, terms, divisor, shown_divisor)
    x64 = torch.tensor(x_rows, dtype=torch.float64)  # for the code: 0.1 stays 0.1
    x = x64
    y = torch.tensor(targets)
    weight_t = torch.tensor(weight, dtype=torch.float64) if weight else None
    if name == "nll":
        result = F.nll_loss(x, y, weight=weight_t, reduction=reduction)
    else:
        result = F.cross_entropy(x, y, weight=weight_t, reduction=reduction, label_smoothing=eps)
    unbatched = n_rows == 1 and len(y_rows) == 1 and len(y_rows[0]) == 1  # typed as (C,) and one index
    x_code = _tensor_code(x64[0] if unbatched else x64)
    y_code = _tensor_code(y[0] if unbatched else y, integer=True)
    extra = ""
    if weight:
        extra += f", weight={_tensor_code(torch.tensor(weight))}"
    if eps:
        extra += f", label_smoothing={eps!r}"
    code = _code(name, reduction, x_code, y_code, extra)
    return LossResult(name, reduction, lines, reduced, value, result.reshape(-1).tolist(), code, warnings)


def _code(name: str, reduction: str, x_code: str, y_code: str, extra: str) -> str:
    """Return the snippet a student can run: the tensors, the loss object, the result."""
    return "\n".join(
        [
            "import torch",
            "from torch import nn",
            "",
            f"input = {x_code}",
            f"target = {y_code}",
            f'loss_fn = nn.{CLASS_NAMES[name]}(reduction="{reduction}"{extra})',
            "print(loss_fn(input, target))",
        ]
    )
