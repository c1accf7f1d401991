"""Numbers as the pages write them: matrix cells, parameter counts, memory sizes."""

from __future__ import annotations

import math


def format_number(value: float) -> str:
    """Return an integer without decimals and anything else with up to 4 significant digits."""
    if not math.isfinite(value):
        return "-∞" if value < 0 else ("∞" if value > 0 else "nan")
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def format_count(n: int) -> str:
    """Return a count as "61,706" below a million, "134.30 M" or "15.47 G" above (for metrics)."""
    if abs(n) < 1_000_000:
        return f"{n:,}"
    if abs(n) < 1_000_000_000:
        return f"{n / 1e6:.2f} M"
    return f"{n / 1e9:.2f} G"


def format_bytes(n: int) -> str:
    """Return a size in decimal units: "241.0 kB", "537.2 MB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"
