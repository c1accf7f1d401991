"""The arguments of the layers whose output size Stride explains: Conv2d, Max/AvgPool2d, ConvTranspose2d.

Small frozen dataclasses with PyTorch's argument names: ints are stored as (h, w) pairs, so 3 and
(3, 3) compare equal; each knows its PyTorch keyword arguments and its line of code. What the
settings do to a shape, and whether PyTorch accepts them, is :mod:`core.geometry`.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Self

Pair = tuple[int, int]
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_STRINGS = ("same", "valid")
POOL_KINDS = ("max", "avg")
AXES = ("H", "W")


def pair(value: int | Sequence[int]) -> Pair:
    """Return ``value`` as an (h, w) pair, as PyTorch reads it: 3 -> (3, 3), (3, 5) -> (3, 5)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"expected one int or two (h, w), got {value!r}")
        return (operator.index(value[0]), operator.index(value[1]))
    size = operator.index(value)  # refuses floats and strings instead of silently truncating them
    return (size, size)


def code_value(value: Any) -> str:
    if isinstance(value, tuple):
        return str(value[0]) if value[0] == value[1] else f"({value[0]}, {value[1]})"
    return repr(value)


class _LayerSettings:
    """JSON round trip, PyTorch keyword arguments and a line of code, shared by the settings below."""

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict (pairs as lists)."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Return settings from ``to_dict`` output; ``__post_init__`` turns the lists back into pairs."""
        return cls(**d)

    def torch_kwargs(self) -> dict[str, Any]:
        """Return keyword arguments for the PyTorch layer: ``nn.Conv2d(**s.torch_kwargs())``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def _code_line(self, layer: str, leading: list[str], optional: Sequence[str]) -> str:
        defaults = {f.name: f.default for f in fields(self)}
        changed = [
            f"{name}={code_value(getattr(self, name))}" for name in optional if getattr(self, name) != defaults[name]
        ]
        return f"nn.{layer}({', '.join(leading + changed)})"

    def _normalise(self, names: Sequence[str]) -> None:
        for name in names:  # frozen, hence object.__setattr__; afterwards 3 and (3, 3) compare equal
            object.__setattr__(self, name, pair(getattr(self, name)))


@dataclass(frozen=True)
class ConvSettings(_LayerSettings):
    """The arguments of ``nn.Conv2d``; ints are stored as (h, w) pairs."""

    in_channels: int = 1
    out_channels: int = 1
    kernel_size: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair | str = (0, 0)  # pixels added on each side, or "same" / "valid"
    dilation: Pair = (1, 1)  # distance between kernel taps: 1 means touching
    groups: int = 1  # the channels split into this many independent convolutions
    bias: bool = True
    padding_mode: str = "zeros"  # what the padding pixels hold; one of PADDING_MODES

    def __post_init__(self) -> None:
        self._normalise(["kernel_size", "stride", "dilation"] + ([] if isinstance(self.padding, str) else ["padding"]))

    def code(self) -> str:
        """Return the PyTorch line that builds this layer, with only the non-default arguments."""
        leading = [str(self.in_channels), str(self.out_channels), f"kernel_size={code_value(self.kernel_size)}"]
        return self._code_line("Conv2d", leading, ("stride", "padding", "dilation", "groups", "bias", "padding_mode"))


@dataclass(frozen=True)
class PoolSettings(_LayerSettings):
    """The arguments of ``nn.MaxPool2d`` (kind "max") or ``nn.AvgPool2d`` (kind "avg")."""

    kind: str = "max"
    kernel_size: Pair = (2, 2)
    stride: Pair | None = None  # None: the kernel size, PyTorch's default (windows side by side)
    padding: Pair = (0, 0)  # implicit -inf (max) or 0 (avg) on each side
    dilation: Pair = (1, 1)  # max only: nn.AvgPool2d has no dilation
    ceil_mode: bool = False  # round the output size up, so a partial last window counts
    count_include_pad: bool = True  # avg only: padding zeros count in the mean's divisor

    def __post_init__(self) -> None:
        self._normalise(["kernel_size", "padding", "dilation"] + ([] if self.stride is None else ["stride"]))

    @property
    def resolved_stride(self) -> Pair:
        """Return the stride PyTorch uses: the kernel size when ``stride`` is None."""
        return self.kernel_size if self.stride is None else self.stride

    def torch_kwargs(self) -> dict[str, Any]:
        """Return keyword arguments for ``nn.MaxPool2d(**kw)`` or ``nn.AvgPool2d(**kw)``."""
        kw = super().torch_kwargs()
        del kw["kind"]
        if self.kind == "max":
            del kw["count_include_pad"]
        elif self.dilation == (1, 1):
            del kw["dilation"]  # kept when != 1, so that PyTorch refuses it just as we do
        return kw

    def code(self) -> str:
        """Return the PyTorch line that builds this layer, with only the non-default arguments."""
        optional = ["stride", "padding", "dilation", "ceil_mode"] + (
            ["count_include_pad"] if self.kind == "avg" else []
        )
        layer = "MaxPool2d" if self.kind == "max" else "AvgPool2d"
        return self._code_line(layer, [f"kernel_size={code_value(self.kernel_size)}"], optional)


@dataclass(frozen=True)
class ConvTransposeSettings(_LayerSettings):
    """The arguments of ``nn.ConvTranspose2d``, which upsamples: out is about in * stride."""

    in_channels: int = 1
    out_channels: int = 1
    kernel_size: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)  # trimmed from each side of the output, not added to the input
    output_padding: Pair = (0, 0)  # extra rows/cols at the far end, to hit an exact size
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    padding_mode: str = "zeros"  # PyTorch accepts only "zeros" here

    def __post_init__(self) -> None:
        self._normalise(["kernel_size", "stride", "padding", "output_padding", "dilation"])

    def code(self) -> str:
        """Return the PyTorch line that builds this layer, with only the non-default arguments."""
        leading = [str(self.in_channels), str(self.out_channels), f"kernel_size={code_value(self.kernel_size)}"]
        optional = ("stride", "padding", "output_padding", "dilation", "groups", "bias", "padding_mode")
        return self._code_line("ConvTranspose2d", leading, optional)
