"""How often a digits model reads typed digits right: `python -m benchmarks.typed_digits [bundled:NAME | run:ID]`.

The pictures are tests/typed_digits.py's fixed set (10 fonts x 10 digits x 6 ways of writing them);
each goes through the model's own saved preprocessing, as an upload on the Predict page does.
Prints the share read right overall, per way of writing and per font.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from core.inference import predict
from core.model_files import load_bundled, load_run
from core.run_index import run_store
from core.settings import Settings
from tests.typed_digits import typed_digits


def reading_rate(model_name: str = "bundled:digits_lenet") -> tuple[float, dict[str, float], dict[str, float]]:
    """Return (share right, share right per way of writing, per font) of the typed digits."""
    kind, _, name = model_name.partition(":")
    settings = Settings.from_env()
    loaded = (
        load_bundled(name) if kind == "bundled" else load_run(run_store(settings.runs_dir, settings.database_url), name)
    )
    pictures = typed_digits()
    predictions = predict(loaded, [p for p, _, _ in pictures])
    by_variant, by_font = defaultdict(list), defaultdict(list)
    for (_, digit, label), prediction in zip(pictures, predictions, strict=True):
        font, variant = label.split(" · ")
        right = prediction.label == str(digit)
        by_variant[variant].append(right)
        by_font[font].append(right)
    rates = lambda groups: {k: sum(v) / len(v) for k, v in groups.items()}  # noqa: E731
    right = sum(sum(v) for v in by_font.values()) / len(pictures)
    return right, rates(by_variant), rates(by_font)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.typed_digits", description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="bundled:digits_lenet", help="bundled:NAME or run:RUN_ID")
    args = parser.parse_args()
    right, by_variant, by_font = reading_rate(args.model)
    print(f"{args.model}: {right:.1%} of {len(typed_digits())} typed digits read right")
    for title, rates in (("way of writing", by_variant), ("font", by_font)):
        print(f"\n{title}:")
        for name, rate in rates.items():
            print(f"  {name:30} {rate:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
