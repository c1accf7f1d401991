"""What a model is made of: its ``named_parameters()`` summed layer by layer, frozen layers, the module walk.

The tutorials count parameters by hand (``Conv2d(3, 6, 5)``: 6 x 3 x 5 x 5 + 6 = 456) and check the
count with ``model.named_parameters()``; they walk ``model.modules()`` to initialise weights; and
transfer learning freezes layers with ``requires_grad = False``. Everything here is read from a
real ``nn.Module`` built on the "meta" device (shapes, no memory), so VGG16 costs nothing and the
table is PyTorch's own. :func:`freeze_layers` is the one place a model's layers are frozen: the
architecture page's totals and the trainer both use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from core.builder import build_model
from core.i18n import Message, UserError
from core.modelspec import ModelSpec
from core.suggest import suggestion

TUTORIAL_CONV_INPUT = (16, 10, 10)  # the tutorials' check: net.conv1(torch.ones((16, 3, 10, 10))); batch, H, W
# What :func:`module_walk` runs, as a student would type it (tutorial 003's loops)
CHILDREN_CODE = 'for name, child in model.named_children():\n    print(name, "->", child)'
MODULES_CODE = "print([type(m).__name__ for m in model.modules()])"
FIRST_CONV_CODE = """for m in model.modules():
    if isinstance(m, nn.Conv2d):
        print(m)
        print(m.weight.shape)
        print(None if m.bias is None else m.bias.shape)
        x = torch.ones((16, m.in_channels, 10, 10))
        print(x.shape)
        print(m(x).shape)
        break"""


@dataclass(frozen=True)
class ParamRow:
    """One entry of ``model.named_parameters()``."""

    name: str  # "conv1.weight"
    shape: tuple[int, ...]  # (6, 3, 5, 5)
    numel: int  # 450
    requires_grad: bool  # False once its layer is frozen


@dataclass(frozen=True)
class LayerParams:
    """One layer's parameters and their sum, written out."""

    layer: str  # "conv1"
    rows: tuple[ParamRow, ...]
    frozen: bool

    @property
    def numel(self) -> int:
        return sum(r.numel for r in self.rows)

    def sum_text(self) -> str:
        """Return the count as arithmetic: ``conv1.weight 6×3×5×5 = 450 + conv1.bias 6 = 456``."""
        terms = []
        for row in self.rows:
            dims = "×".join(map(str, row.shape)) or "1"
            terms.append(f"{row.name} {dims}" + (f" = {row.numel:,}" if len(row.shape) > 1 else ""))
        text = " + ".join(terms)
        return text + (f" = {self.numel:,}" if len(self.rows) > 1 or len(self.rows[0].shape) <= 1 else "")


@dataclass(frozen=True)
class Anatomy:
    """The parameter table of a model, grouped by layer, with the totals of what trains and what is frozen."""

    layers: tuple[LayerParams, ...]  # only layers that own parameters, in model order

    @property
    def rows(self) -> tuple[ParamRow, ...]:
        return tuple(row for layer in self.layers for row in layer.rows)

    @property
    def trainable(self) -> int:
        return sum(r.numel for r in self.rows if r.requires_grad)

    @property
    def frozen(self) -> int:
        return sum(r.numel for r in self.rows if not r.requires_grad)


def freeze_layers(model: nn.Module, layers: Iterable[str]) -> list[nn.Parameter]:
    """Set ``requires_grad = False`` on the parameters of the named child layers; return the frozen parameters.

    Raises :class:`UserError` naming an unknown layer and the closest names.
    """
    children = dict(model.named_children())
    frozen = []
    for name in layers:
        if name not in children:
            raise UserError(
                Message("anatomy.unknown_layer", {"name": str(name)[:60], "close": suggestion(name, children)})
            )
        for param in children[name].parameters():
            param.requires_grad_(False)
            frozen.append(param)
    return frozen


def anatomy(spec: ModelSpec, frozen: Iterable[str] = ()) -> Anatomy:
    """Return the model's ``named_parameters()`` grouped by layer, with the layers in ``frozen`` frozen.

    Names in ``frozen`` that are not layers with parameters are ignored (a link may name a layer of
    another model). Raises :class:`UserError` when a layer cannot be built.
    """
    model = build_model(spec, device="meta")
    children = dict(model.named_children())
    freeze_layers(model, [name for name in frozen if name in children])
    groups: dict[str, list[ParamRow]] = {}
    for name, param in model.named_parameters():
        groups.setdefault(name.split(".")[0], []).append(
            ParamRow(name, tuple(param.shape), param.numel(), param.requires_grad)
        )
    return Anatomy(
        tuple(LayerParams(layer, tuple(rows), not any(r.requires_grad for r in rows)) for layer, rows in groups.items())
    )


# --- the module walk: what the tutorials print, printed by PyTorch itself ---------------------------------


@dataclass(frozen=True)
class ModuleWalk:
    """The real output of the tutorials' ``named_children()`` / ``modules()`` loops over one model."""

    children: str  # for name, child in model.named_children(): print(name, "->", child)
    modules: str  # print([type(m).__name__ for m in model.modules()])
    module_count: int  # len(list(model.modules())): every child plus the model itself
    first_conv: str | None  # the tutorials' first-Conv2d check, or None for a model without one


def module_walk(spec: ModelSpec) -> ModuleWalk:
    """Return what the tutorials' module loops print for the model of ``spec`` (built on the meta device)."""
    model = build_model(spec, device="meta")
    children = "\n".join(f"{name} -> {child}" for name, child in model.named_children())
    types = [type(m).__name__ for m in model.modules()]
    return ModuleWalk(children, repr(types), len(types), _first_conv(model))


def _first_conv(model: nn.Module) -> str | None:
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        return None
    batch, h, w = TUTORIAL_CONV_INPUT
    lines = [str(conv), str(conv.weight.shape), str(None if conv.bias is None else conv.bias.shape)]
    x = torch.ones((batch, conv.in_channels, h, w), device="meta")  # (16, C_in, 10, 10)
    lines.append(str(x.shape))
    try:
        lines.append(str(conv(x).shape))  # (16, C_in, 10, 10) -> (16, C_out, H_out, W_out)
    except RuntimeError as exc:  # a kernel larger than 10x10 (AlexNet's 11): PyTorch's own words
        lines.append(f"RuntimeError: {str(exc).splitlines()[0]}")
    return "\n".join(lines)
