"""Repeat two measurements side by side and summarise them: median, p95 and their ratio.

A benchmark is always a pair: the thing measured and a baseline that does the least the same
machinery can do (an empty script, a bare slider). The two are interleaved, one of each per
repetition, so a busy neighbour on this shared machine slows both alike and the ratio stays
meaningful even when the absolute milliseconds move.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WARMUP = 5  # repetitions run before timing starts: first reruns import modules and fill caches
MIN_REPEATS = 50  # fewer than this and the p95 rests on two or three samples


@dataclass(frozen=True)
class Comparison:
    """One benchmark: the measured times next to the baseline's, both in milliseconds."""

    name: str  # what is measured, as a reader would say it
    baseline_name: str  # what the same run measured to compare against
    target_p95_ms: float  # the goal from issue 3, on the measured thing itself (not the ratio)
    measured_ms: tuple[float, ...]
    baseline_ms: tuple[float, ...]

    @property
    def measured(self) -> tuple[float, float]:
        return summary(self.measured_ms)

    @property
    def baseline(self) -> tuple[float, float]:
        return summary(self.baseline_ms)

    @property
    def meets_target(self) -> bool:
        return self.measured[1] <= self.target_p95_ms


def summary(samples_ms: tuple[float, ...]) -> tuple[float, float]:
    """Return (median, p95) of the samples in milliseconds."""
    # "inclusive" interpolates between the samples themselves, so p95 of 50 lies between the 47th and 48th
    p95 = statistics.quantiles(samples_ms, n=100, method="inclusive")[94]
    return statistics.median(samples_ms), p95


def interleaved(
    measure: Callable[[int], float], baseline: Callable[[int], float], repeats: int
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Call measure(i) and baseline(i) alternately; return both lists of milliseconds, warm-up dropped.

    Each callable does its own set-up, times only the part that matters and returns that time;
    i (0, 1, 2, ...) lets it alternate between two values so every repetition changes something.
    """
    measured, base = [], []
    for i in range(WARMUP + repeats):
        m, b = measure(i), baseline(i)
        if i >= WARMUP:
            measured.append(m)
            base.append(b)
    return tuple(measured), tuple(base)


def stopwatch_ms(start_ns: int) -> float:
    """Return the milliseconds since start_ns (from time.perf_counter_ns)."""
    return (time.perf_counter_ns() - start_ns) / 1e6


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    """Return the 1- and 5-minute load averages: on a shared machine, how busy the neighbours were."""
    load_1, load_5, _ = os.getloadavg()
    return f"{load_1:.2f} (1 min), {load_5:.2f} (5 min)"


def machine_header(repeats: int) -> list[tuple[str, str]]:
    """Return (name, value) lines that say where and with what the figures were measured."""
    import streamlit
    import torch

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    if torch.cuda.is_available():
        device = f"CUDA {torch.cuda.get_device_name(0)} (the pages compute on CPU)"
    else:
        device = "CPU only"
    return [
        ("machine", f"{cpu_model()}, {os.cpu_count()} cores (os.cpu_count), {usable} usable by this process"),
        ("device", device),
        ("load at start", load_average()),
        ("python", platform.python_version()),
        ("torch", torch.__version__),
        ("streamlit", streamlit.__version__),
        ("repetitions", f"{repeats} per benchmark and per baseline, interleaved, after {WARMUP} warm-up"),
    ]
