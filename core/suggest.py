"""Did-you-mean: the nearest valid names for a mistyped one, and short displays of bad values.

Every message that refuses a name (a preset, a layer type, a data set, a URL parameter) names the
closest valid choices, as click does; these helpers are the one way to find them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

SHOWN_CHARS = 60  # a bad value quoted in a message is cut to this many characters


def closest(value: object, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``n`` of ``choices`` that look like ``value``, the most alike first."""
    return difflib.get_close_matches(str(value), list(choices), n=n, cutoff=cutoff)


def suggestion(value: object, choices: Iterable[str], n: int = 3, cutoff: float = 0.5) -> str:
    """Return the choices like ``value``, comma-separated; every choice when none is alike."""
    choices = list(choices)
    return ", ".join(closest(value, choices, n, cutoff) or choices)


def nearest(value: str, choices: Iterable[str]) -> str:
    """Return the one choice most like ``value`` (case-insensitive), however unlike it is."""
    return difflib.get_close_matches(value.lower(), list(choices), n=1, cutoff=0.0)[0]


def shown(value: Any) -> str:
    """Return ``value`` as short JSON text to quote in a message (long values end in "...")."""
    text = json.dumps(value, default=str)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
