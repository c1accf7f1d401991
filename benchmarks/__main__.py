"""Run every benchmark, print one table and write it to benchmarks/results/latest.md.

`python -m benchmarks` (what `make bench` runs) runs them all, 50 repetitions each;
`python -m benchmarks --only server` runs just the AppTest reruns.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
from pathlib import Path

from benchmarks import (
    bench_architecture,
    bench_learning,
    bench_practice,
    bench_predict,
    bench_ray,
    bench_training,
    browser_keypress,
    page_rerun,
)
from benchmarks.timing import MIN_REPEATS, Comparison, load_average, machine_header
from tests.apptest import navigation_known

BENCHMARKS = {"server": page_rerun, "architecture": bench_architecture, "predict": bench_predict, "browser": browser_keypress, "training": bench_training, "learning": bench_learning, "practice": bench_practice, "ray": bench_ray}  # fmt: skip
RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
COLUMNS = ("benchmark", "median ms", "p95 ms", "target p95", "baseline", "baseline median ms",
           "baseline p95 ms", "ratio median", "ratio p95")  # fmt: skip


def rows(results: list[Comparison]) -> list[tuple[str, ...]]:
    """Return one row of text per benchmark, in COLUMNS order."""
    table = []
    for r in results:
        (median, p95), (base_median, base_p95) = r.measured, r.baseline
        verdict = "met" if r.meets_target else "MISSED"
        table.append((
            r.name, f"{median:.1f}", f"{p95:.1f}", f"≤ {r.target_p95_ms:.0f} ms: {verdict}", r.baseline_name,
            f"{base_median:.1f}", f"{base_p95:.1f}", f"{median / base_median:.1f}×", f"{p95 / base_p95:.1f}×",
        ))  # fmt: skip
    return table


def markdown(header: list[tuple[str, str]], table: list[tuple[str, ...]]) -> str:
    """Return the header and table as a markdown page (what results/latest.md holds)."""
    lines = [f"# Stride benchmarks, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", ""]
    lines += [f"- {name}: {value}" for name, value in header]
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    lines += ["", "Ratios are measured / baseline, for the median and for p95 separately.", ""]
    return "\n".join(lines)


def plain(header: list[tuple[str, str]], table: list[tuple[str, ...]]) -> str:
    """Return the header and table as aligned plain text for the terminal."""
    widths = [max(len(c), *(len(row[i]) for row in table)) for i, c in enumerate(COLUMNS)]
    lines = [f"{name:>13}: {value}" for name, value in header] + [""]
    for row in (COLUMNS, *table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=MIN_REPEATS,
                        help=f"timed repetitions per benchmark and per baseline (default {MIN_REPEATS}; "
                             f"fewer is a smoke run and is not written to {RESULTS.name})")  # fmt: skip
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="run only this group; repeat the flag for several (default: all)")  # fmt: skip
    args = parser.parse_args()

    header = machine_header(args.repeats)
    results: list[Comparison] = []
    with tempfile.TemporaryDirectory(prefix="stride-bench-runs-") as runs_dir, navigation_known():
        os.environ["STRIDE_RUNS_DIR"] = runs_dir  # the app never writes into the repository's runs/
        for name in args.only or BENCHMARKS:
            print(f"running {name} benchmarks ...", file=sys.stderr, flush=True)
            results += BENCHMARKS[name].run(args.repeats)
    header.append(("load at end", load_average()))
    if not results:
        print("no benchmark ran", file=sys.stderr)
        return 1
    table = rows(results)
    print(plain(header, table))
    if args.repeats >= MIN_REPEATS:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(markdown(header, table), encoding="utf-8")
        print(f"\nwritten to {RESULTS.relative_to(page_rerun.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
