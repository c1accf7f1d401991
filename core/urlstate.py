"""Reading settings from URL query parameters, which are untrusted text like any upload.

Each parser returns the value to use and, when the text was not usable as given, a
:class:`Message` naming the parameter, what was wrong and the nearest valid value it chose.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from core.i18n import Message

_PAIR = re.compile(r"^\s*(-?\d{1,6})\s*(?:[xX×*,]\s*(-?\d{1,6}))?\s*$")


def parse_pair(
    raw: str, name: str, low: int, high: int, default: tuple[int, int]
) -> tuple[tuple[int, int], Message | None]:
    """Return (h, w) from "N" or "HxW", clamped to low..high, and a message if it had to change."""
    match = _PAIR.match(raw or "")
    if not match:
        return default, Message("url.bad_pair", {"name": name, "value": raw[:40], "default": format_pair(default)})
    h = int(match.group(1))
    w = int(match.group(2)) if match.group(2) is not None else h
    clamped = (min(max(h, low), high), min(max(w, low), high))
    if clamped != (h, w):
        return clamped, Message(
            "url.out_of_range",
            {"name": name, "value": raw[:40], "low": low, "high": high, "used": format_pair(clamped)},
        )
    return clamped, None


def parse_choice(raw: str, name: str, choices: Sequence[str], default: str) -> tuple[str, Message | None]:
    """Return raw if it is one of choices (any case), else default with a "did you mean" message."""
    lowered = {c.lower(): c for c in choices}
    if (raw or "").strip().lower() in lowered:
        return lowered[raw.strip().lower()], None
    close = difflib.get_close_matches((raw or "").lower(), list(lowered), n=1)
    suggestion = lowered[close[0]] if close else default
    return suggestion, Message(
        "url.bad_choice", {"name": name, "value": (raw or "")[:40], "choices": ", ".join(choices), "used": suggestion}
    )


def format_pair(value: tuple[int, int]) -> str:
    """Return "N" for a square pair and "HxW" otherwise: the URL form of a (h, w) setting."""
    h, w = value
    return str(h) if h == w else f"{h}x{w}"
