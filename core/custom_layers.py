"""The tutorials' own layers (tutorial 000): a layer without parameters, one with its own, and parameter containers.

Each class is shown on the architecture page as its source (``inspect.getsource``) next to what
the demo function beside it prints, so the code a student reads is the code that ran.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
from torch import nn

DEMO_SEED = 0  # the containers' torch.randn weights: the same numbers on every run


class CenteredLayer(nn.Module):
    """The tutorial's ``MyLayer``: subtracts the mean; it has no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x - x.mean()


class ScaleShift(nn.Module):
    """A layer with its own nn.Parameter, beside a buffer and a plain tensor attribute."""

    def __init__(self, n: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))  # learned and saved
        self.register_buffer("calls", torch.zeros(()))  # saved, not learned
        self.shift = torch.zeros(n)  # neither; .to(device) leaves it behind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x * self.weight + self.shift


class MyListDense(nn.Module):
    """The tutorial's ParameterList: three 4x4 weights and a 4x1, multiplied in turn."""

    def __init__(self):
        super().__init__()
        self.params = nn.ParameterList([nn.Parameter(torch.randn(4, 4)) for _ in range(3)])
        self.params.append(nn.Parameter(torch.randn(4, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for param in self.params:
            x = torch.mm(x, param)  # (N, 4) @ (4, 4) ... @ (4, 1) -> (N, 1)
        return x


class MyDictDense(nn.Module):
    """The tutorial's ParameterDict: weights by name; forward picks one."""

    def __init__(self):
        super().__init__()
        self.params = nn.ParameterDict(
            {"linear1": nn.Parameter(torch.randn(4, 4)), "linear2": nn.Parameter(torch.randn(4, 1))}
        )
        self.params.update({"linear3": nn.Parameter(torch.randn(4, 2))})

    def forward(self, x: torch.Tensor, choice: str = "linear1") -> torch.Tensor:
        return torch.mm(x, self.params[choice])  # (N, 4) @ (4, k) -> (N, k)


@dataclass(frozen=True)
class Demo:
    """A layer's source, the lines that use it, and what those lines print."""

    source: str  # the class, as defined above
    code: str  # the lines run with it
    output: str  # what they print, from PyTorch


def _seeded(make: type[nn.Module]) -> nn.Module:
    with torch.random.fork_rng(devices=[]):  # the global random state is left as it was
        torch.manual_seed(DEMO_SEED)
        return make()


def centered_demo(values: list[float]) -> Demo:
    """Return the tutorial's ``MyLayer`` run on ``values`` (``[1..5]`` gives ``[-2, -1, 0, 1, 2]``)."""
    x = torch.tensor(values, dtype=torch.float)
    out = CenteredLayer()(x)
    numbers = ", ".join(f"{v:g}" for v in values)
    code = (
        "layer = CenteredLayer()\n"
        f"x = torch.tensor([{numbers}], dtype=torch.float)\n"
        "print(layer(x))\n"
        "print(list(layer.parameters()))"
    )
    return Demo(inspect.getsource(CenteredLayer), code, f"{out}\n{list(CenteredLayer().parameters())}")


def parameter_demo() -> Demo:
    """Return which of ScaleShift's three tensors are parameters, buffers, or neither."""
    layer = ScaleShift(3)
    out = layer(torch.tensor([1.0, 2.0, 3.0]))
    code = (
        "layer = ScaleShift(3)\n"
        "print(layer(torch.tensor([1.0, 2.0, 3.0])))\n"
        "print([name for name, p in layer.named_parameters()])\n"
        "print([name for name, b in layer.named_buffers()])\n"
        "print(list(layer.state_dict()))\n"
        'print("shift" in dict(layer.named_parameters()), layer.shift)'
    )
    output = "\n".join(
        [
            str(out),
            str([name for name, _ in layer.named_parameters()]),
            str([name for name, _ in layer.named_buffers()]),
            str(list(layer.state_dict())),
            f"{'shift' in dict(layer.named_parameters())} {layer.shift}",
        ]
    )
    return Demo(inspect.getsource(ScaleShift), code, output)


def container_demo(make: type[MyListDense] | type[MyDictDense]) -> Demo:
    """Return ``print(net)``, its named parameters and one forward pass of a tutorial container layer (seeded)."""
    net = _seeded(make)
    x = torch.ones(1, 4)
    call = "net(x, 'linear3')" if make is MyDictDense else "net(x)"
    out = net(x, "linear3") if make is MyDictDense else net(x)
    code = (
        f"torch.manual_seed({DEMO_SEED})\n"
        f"net = {make.__name__}()\n"
        "print(net)\n"
        "for name, p in net.named_parameters():\n"
        "    print(name, tuple(p.shape), p.numel())\n"
        "x = torch.ones(1, 4)\n"
        f"print({call}.shape)"
    )
    lines = [str(net), *(f"{name} {tuple(p.shape)} {p.numel()}" for name, p in net.named_parameters()), str(out.shape)]
    return Demo(inspect.getsource(make), code, "\n".join(lines))
