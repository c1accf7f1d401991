"""Why the output-size formula is what it is, told on the student's own numbers.

A window of ``d(k - 1) + 1`` cells slides over ``W + 2P`` padded cells, ``S`` at a time: it can
start at ``0, S, 2S, ...`` as long as it still ends inside, so there are
``floor((W + 2P - (d(k - 1) + 1)) / S) + 1`` starts. The ``+ 1`` counts the window at 0, the floor
drops a start that would run past the end, and with ``d = 1`` this is the tutorials'
``(W - F + 2P) / S + 1``. Pooling's ``ceil_mode`` and the transposed convolution are told from the
same count. Each step is a :class:`Message`; the numbers come from :class:`core.geometry.DimReport`.
"""

from __future__ import annotations

from core.formatting import format_number
from core.geometry import DimReport, conv_out_size
from core.i18n import Message


def _pads(dim: DimReport) -> str:
    return f"2·{dim.pad_before}" if dim.pad_before == dim.pad_after else f"{dim.pad_before} + {dim.pad_after}"


def window_steps(dim: DimReport, ceil_mode: bool = False) -> list[Message]:
    """Return the derivation of one axis of a convolution or pooling output size, as messages."""
    axis, n, k, s, d = dim.axis, dim.in_size, dim.kernel, dim.stride, dim.dilation
    padded = n + dim.pad_before + dim.pad_after
    span = d * (k - 1) + 1
    room = padded - span  # the last cell a window may start at
    steps = [
        Message("conv.deriv.padded", {"axis": axis, "n": n, "pads": _pads(dim), "padded": padded}),
        Message("conv.deriv.span", {"k": k, "d": d, "span": span}),
    ]
    if room < 0 or s < 1:
        steps.append(Message("conv.deriv.no_room", {"padded": padded, "span": span}))
        return steps
    floor_out = room // s + 1
    steps.append(
        Message(
            "conv.deriv.starts",
            {"padded": padded, "span": span, "room": room, "s": s, "last": (floor_out - 1) * s, "out": floor_out},
        )
    )
    if ceil_mode:
        ceil_out = -(-room // s) + 1
        start = (ceil_out - 1) * s
        limit = n + dim.pad_before
        key = "conv.deriv.ceil_kept" if start < limit else "conv.deriv.ceil_dropped"
        steps.append(
            Message(key, {"room": room, "s": s, "ceil": ceil_out, "start": start, "limit": limit, "out": dim.out_size})
        )
    if d == 1 and dim.pad_before == dim.pad_after:
        exact = format_number((n - k + 2 * dim.pad_before) / s + 1)
        params = {"n": n, "k": k, "p": dim.pad_before, "s": s, "exact": exact, "out": floor_out}
        steps.append(Message("conv.deriv.tutorial", params))
    else:
        steps.append(Message("conv.deriv.tutorial_general", {"d": d, "span": span}))
    return steps


def transposed_steps(dim: DimReport, output_padding: int) -> list[Message]:
    """Return why a transposed convolution's output size is the convolution's formula solved for the input."""
    n, k, s, d, p = dim.in_size, dim.kernel, dim.stride, dim.dilation, dim.pad_before
    base = (n - 1) * s - 2 * p + d * (k - 1) + 1
    back = conv_out_size(dim.out_size, k, s, p, p, d) if dim.out_size >= 1 else None
    params = {"axis": dim.axis, "n": n, "k": k, "s": s, "d": d, "p": p, "base": base}
    steps = [Message("conv.deriv.inverse", params)]
    steps.append(Message("conv.deriv.output_padding", {"s": s, "op": output_padding, "out": dim.out_size}))
    if back is not None:
        steps.append(Message("conv.deriv.round_trip", {"out": dim.out_size, "back": back, "n": n}))
    return steps
