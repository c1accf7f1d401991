"""The Convolution page's link: every setting of the section on screen, read from and written to the URL.

Each parameter belongs to some sections (:data:`APPLIES`); it is read for them, clamped to the
section's slider ranges (:data:`ui.conv_controls.RANGES`), and written only while one of them is on
screen. Edited matrices travel as ``x`` (the input) and ``k`` (the kernel), ``1,2;3,4``, and only
when they differ from the example, so an unedited view keeps a short link.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import streamlit as st

from core import classroom, ops
from core.examples import MATRIX_EXAMPLES
from core.formatting import format_number
from core.i18n import Message, UserError
from core.images import sample_photos
from core.layer_settings import PADDING_MODES
from core.runs import RunStore
from core.urlstate import format_pair, parse_choice, parse_pair
from ui.app import settings
from ui.conv_channels import channel_params
from ui.conv_controls import (
    DEFAULTS,
    FILTERS,
    MODES,
    RANGES,
    default_matrices,
    get,
    key,
    load_example,
    section,
    start_section,
)
from ui.conv_photo import COMBINES, channel_kernels_param, mix_param
from ui.text import show, t
from ui.urlstate import PageUrl, Param

S = st.session_state
MATRIX_LIMIT = 1e6  # |value| of a matrix cell read from a link
ALPHA_RANGE = (0.0, 1.0)


# the sections each parameter belongs to; a link's parameter for another section is ignored with a warning
APPLIES = {
    "preset": {"matrix", "pool", "transposed"},
    "size": {"matrix", "channels", "pool", "transposed"},
    "kernel": {"matrix", "channels", "image", "pool", "transposed"},
    "stride": {"matrix", "channels", "image", "pool", "transposed"},
    "padding": {"matrix", "channels", "image", "pool", "transposed"},
    "dilation": {"matrix", "image", "pool", "transposed"},
    "output": {"transposed"},
    "pmode": {"matrix", "image"},
    "bias": {"matrix"},
    "photo": {"image"},
    "filter": {"image"},
    "channels": {"image"},
    "map": {"image"},
    "combine": {"image"},
    "pool": {"pool"},
    "ceil": {"pool"},
    "acts": {"act"},
    "alpha": {"act"},
    "x": {"matrix", "pool", "act", "transposed"},
    "k": {"matrix", "image", "transposed"},
    "cell": {"matrix", "channels", "pool", "transposed"},
}


def format_matrix(values) -> str:
    """Return a matrix as link text: rows split by ";", cells by "," (``1,2;3,4``)."""
    return ";".join(",".join(format_number(float(v)) for v in row) for row in values)


def parse_matrix(raw: str, name: str, low: int, high: int) -> tuple[list[list[float]] | None, Message | None]:
    """Return the matrix in link text, or None and why it cannot be used (shape within low..high, finite cells)."""
    try:
        rows = [[float(cell) for cell in row.split(",")] for row in raw.split(";")] if len(raw) <= 2_000 else []
    except ValueError:
        rows = []
    ok = (
        rows
        and len({len(r) for r in rows}) == 1
        and low <= len(rows) <= high
        and low <= len(rows[0]) <= high
        and all(math.isfinite(v) and abs(v) <= MATRIX_LIMIT for r in rows for v in r)
    )
    if not ok:
        return None, Message("conv.url_bad_matrix", {"name": name, "value": raw[:40], "low": low, "high": high})
    return rows, None


def _param(name: str, read: Callable[[str], Message | None], write: Callable[[], str | None]) -> Param:
    """A parameter of some sections: read for them (starting the section first), written only while one shows."""

    def read_here(raw: str) -> Message | None:
        if section() not in APPLIES[name]:
            return Message("conv.url_not_here", {"name": name, "mode": t(f"conv.mode_{section()}")})
        start_section()
        return read(raw)

    return Param(name, read_here, lambda: write() if section() in APPLIES[name] else None)


def _pair(name: str) -> Param:
    def read(raw: str) -> Message | None:
        if name == "padding" and raw.strip().lower() in ("same", "valid"):
            S[key("pad_kind")] = raw.strip().lower()
            return None
        low, high, default = RANGES[section()][name] if name in RANGES[section()] else RANGES["matrix"][name]
        (h, w), problem = parse_pair(raw, name, low, high, default)
        S[key(f"{name}_h")], S[key(f"{name}_w")] = h, w
        S[key("rect")] = get("rect") or h != w or "x" in raw.lower()  # "4x4": the student showed H and W apart
        if name == "padding":
            S[key("pad_kind")] = "number"
        if name == "stride" and section() == "pool":
            S[key("stride_default")] = False  # a link names a stride only when it is not the kernel size
        return problem

    def write() -> str | None:
        if name == "padding" and get("pad_kind", "number") != "number":
            return get("pad_kind")
        if name not in RANGES[section()] or (name == "kernel" and section() == "image" and get("filter") != "custom"):
            return None
        if name == "stride" and section() == "pool" and get("stride_default"):
            return None
        h, w = get(f"{name}_h"), get(f"{name}_w")
        return f"{h}x{w}" if get("rect") else format_pair((h, w))

    return _param(name, read, write)


def _choice(name: str, setting: str, choices: Callable[[], list[str]]) -> Param:
    def read(raw: str) -> Message | None:
        options = choices()
        S[key(setting)], problem = parse_choice(
            raw, name, options, get(setting) if get(setting) in options else options[0]
        )
        return problem

    return _param(name, read, lambda: get(setting))


def _flag(name: str, setting: str) -> Param:
    def read(raw: str) -> Message | None:
        value, problem = parse_choice(raw, name, ("0", "1"), "0")
        S[key(setting)] = value == "1"
        return problem

    return _param(name, read, lambda: "1" if get(setting) else "0")


def _number(name: str, setting: str, low: float, high: float) -> Param:
    def read(raw: str) -> Message | None:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            used = min(max(value, low), high) if math.isfinite(value) else get(setting)
            S[key(setting)] = used
            return Message(
                "url.out_of_range", {"name": name, "value": raw[:40], "low": low, "high": high, "used": used}
            )
        S[key(setting)] = value
        return None

    return _param(name, read, lambda: format_number(float(get(setting))))


def _matrix(name: str) -> Param:
    """`x` (the input) or `k` (the kernel): written only when the student changed it from the example."""
    size = "size" if name == "x" else "kernel"

    def read(raw: str) -> Message | None:
        low, high = RANGES[section()][size][:2] if size in RANGES[section()] else (1, 12)
        values, problem = parse_matrix(raw, name, low, high)
        if values is not None:
            S[key(name)] = values
            S[key(f"{name}_v")] = S.get(key(f"{name}_v"), 0) + 1
            if size in RANGES[section()]:
                S[key(f"{size}_h")], S[key(f"{size}_w")] = len(values), len(values[0])
                S[key("rect")] = get("rect") or len(values) != len(values[0])
        return problem

    def write() -> str | None:
        held = get(name)
        if held is None or (name == "k" and section() == "image" and get("filter") != "custom"):
            return None
        if section() == "act":
            default = np.asarray(DEFAULTS["act"]["x"])
        else:
            shape = np.shape(held)
            x, k = default_matrices(section(), shape if name == "x" else (1, 1), shape if name == "k" else (1, 1))
            default = x if name == "x" else k
        return None if np.array_equal(np.asarray(held), default) else format_matrix(held)

    return _param(name, read, write)


def _cell() -> Param:
    """`cell`: the output (or, transposed, input) cell on screen, as row,col."""

    def read(raw: str) -> Message | None:
        value, problem = parse_pair(raw, "cell", 0, 100, (0, 0))
        S[key("cell_link")] = value  # an index once the section knows its grid (walk)
        return problem

    return _param("cell", read, lambda: "{},{}".format(*get("cell_rc")) if get("cell_rc") else None)


def page_url() -> PageUrl:
    """Return the Convolution page's URL parameters: the section first, then everything it shows."""

    def read_mode(raw: str) -> Message | None:
        S["conv.mode"], problem = parse_choice(raw, "mode", MODES, "matrix")
        start_section()
        return problem

    examples = _choice("preset", "example", lambda: [*MATRIX_EXAMPLES[section()], "random"])
    params = [
        Param("mode", read_mode, section),
        Param(examples.name, lambda raw: (examples.read(raw), load_example())[0], examples.write),
        *(_pair(name) for name in ("size", "kernel", "stride", "padding", "dilation", "output")),
        _choice("pmode", "padding_mode", lambda: list(PADDING_MODES)),
        _number("bias", "bias", -10.0, 10.0),
        _choice("photo", "photo", lambda: list(sample_photos())),
        _choice("filter", "filter", lambda: list(FILTERS)),
        _choice("channels", "channels", lambda: ["gray", "rgb"]),
        _choice("map", "map", lambda: ["clip", "rescale"]),
        _choice("combine", "combine", lambda: list(COMBINES)),
        *channel_params(),
        mix_param(),
        channel_kernels_param(),
        _choice("pool", "kind", lambda: ["max", "avg"]),
        _flag("ceil", "ceil_mode"),
        Param("acts", _read_acts, lambda: ",".join(get("acts")) if section() == "act" else None),
        _number("alpha", "alpha", *ALPHA_RANGE),
        _matrix("x"),
        _matrix("k"),
        _cell(),
    ]
    return PageUrl("convolution", params)


def _read_acts(raw: str) -> Message | None:
    if section() != "act":
        return Message("conv.url_not_here", {"name": "acts", "mode": t(f"conv.mode_{section()}")})
    start_section()
    chosen, problems = [], []
    for name in filter(None, raw.split(",")):
        used, problem = parse_choice(name, "acts", ops.ACTIVATIONS, ops.ACTIVATIONS[0])
        chosen.append(used)
        problems += [problem] if problem else []
    S[key("acts")] = list(dict.fromkeys(chosen))
    return problems[0] if problems else None


# --- pinning the link for the class (teacher mode) ------------------------------------------------------


def pin(params: dict[str, str]) -> None:
    """Callback (teacher): pin these URL settings on the class board under the typed title."""
    try:
        classroom.publish_pin(RunStore(settings().runs_dir), S.get("conv.pin_title", ""), params)
        S["conv._pinned"] = S["conv.pin_title"]
    except UserError as exc:
        S["conv._pin_problem"] = exc.message


def pin_ui(params: dict[str, str]) -> None:
    with st.expander(t("class.publish_pin"), icon=":material/push_pin:"):
        st.text_input(t("class.publish_title"), key="conv.pin_title", max_chars=classroom.MAX_TITLE)
        st.button(t("class.publish"), key="conv.pin", on_click=pin, args=(dict(params),))
        if "conv._pinned" in S:
            show(Message("class.published", {"title": S.pop("conv._pinned")}), "success")
        if "conv._pin_problem" in S:
            show(S.pop("conv._pin_problem"))
