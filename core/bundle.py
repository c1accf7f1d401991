"""The bundled models: trained by ``make bundled-models`` and shipped in ``models/``.

They let the Predict page work at first start, with no training and no network. Each one is a
:class:`~core.config.TrainConfig` trained by :func:`core.worker.run_here` (the code path of the
Training page and of ``python -m core.train``) in a throw-away run store; the run's
``model.safetensors`` and ``model.json`` are then copied to ``models/<name>/``, with the config
and the time it took added to ``model.json``. Training is deterministic on the CPU for a given
seed and thread count, so a rebuild with the same torch gives the same weights.

    python -m core.bundle                  # rebuild every bundled model (about 2 minutes on 2 cores)
    python -m core.bundle digits_lenet     # only one
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from core.config import TrainConfig
from core.metrics import EpochRecord, current
from core.model_files import MODELS_DIR
from core.runs import MODEL_INFO_FILE, MODEL_WEIGHTS_FILE, RunStore
from core.train_cli import ProgressBar
from core.worker import run_here

# Two threads and the CPU, always: the weights then depend only on the seed (and torch's version),
# not on the machine that rebuilds them.
BUNDLED_CONFIGS: dict[str, TrainConfig] = {
    # LeNet on handwriting and print (mixed_digits: mnist5k + 930 printed digits), ink fitted into
    # the box like MNIST, with random 2-px shifts and zooms of up to 20%: ~98% on its 890 test
    # images and 99%+ of tests/typed_digits.py's 600 typed digits (python -m benchmarks.typed_digits).
    "digits_lenet": TrainConfig(
        dataset="mixed_digits",
        model="lenet",
        epochs=15,
        batch_size=32,
        optimizer="adam",
        lr=2e-3,
        crop_padding=2,
        zoom=0.2,
        seed=0,
        device="cpu",
        threads=2,
    ),
    # The small conv-BN-ReLU net on the 6,000 generated shapes: ~99.8% on the 1,200 test images.
    # One-cycle needs a few epochs of warm-up before accuracy moves; 40 epochs is ~1 s each on 2 cores.
    "shapes_small_cnn": TrainConfig(
        dataset="shapes",
        model="small_cnn",
        epochs=40,
        batch_size=64,
        optimizer="adamw",
        lr=3e-3,
        weight_decay=0.05,
        schedule="onecycle",
        crop_padding=2,
        seed=0,
        device="cpu",
        threads=2,
    ),
}


def build(name: str, models_dir: Path = MODELS_DIR) -> dict:
    """Train the bundled model ``name`` and write it to ``models_dir/name``; return its ``model.json``."""
    config = BUNDLED_CONFIGS[name]
    with tempfile.TemporaryDirectory(prefix="stride-bundle-") as tmp:
        store = RunStore(Path(tmp))
        run_id = store.create_run(config.to_dict(), owner="make bundled-models").run_id
        started = time.perf_counter()
        result = run_here(store, run_id, progress=ProgressBar())
        wall_s = time.perf_counter() - started
        if result.state != "finished":
            raise RuntimeError(f"{name}: training {result.state}: {result.reason}")
        weights = (store.run_dir(run_id) / MODEL_WEIGHTS_FILE).read_bytes()
        _, info = store.load_model(run_id)
        records, _ = store.read_metrics(run_id)
    train_s = current(records, EpochRecord)[-1].time_s  # the loop alone, evaluation included
    info = {
        **info,
        "run_id": None,  # the throw-away run is gone; the config below rebuilds it
        "bundled": name,
        "train_config": config.to_dict(),
        "metrics": {**info["metrics"], "train_time_s": round(train_s, 1), "wall_time_s": round(wall_s, 1)},
        "trained_with": {"torch": torch.__version__, "device": "cpu", "threads": torch.get_num_threads()},
    }
    out = models_dir / name
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_WEIGHTS_FILE).write_bytes(weights)
    (out / MODEL_INFO_FILE).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


def main(argv: list[str] | None = None) -> int:
    """Rebuild the bundled models named on the command line (all by default); return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m core.bundle", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"which models, of {', '.join(BUNDLED_CONFIGS)} (default: all)"
    )
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, help=f"where to write (default: {MODELS_DIR})")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BUNDLED_CONFIGS]
    if unknown:
        parser.error(f"no bundled model {unknown[0]!r}; choose from {', '.join(BUNDLED_CONFIGS)}")
    for name in args.names or BUNDLED_CONFIGS:
        print(f"--- {name}", file=sys.stderr)
        info = build(name, args.models_dir)
        metrics = info["metrics"]
        print(
            f"{name}: test accuracy {metrics['test_acc']:.2%}, trained in {metrics['train_time_s']:.1f} s "
            f"({metrics['wall_time_s']:.1f} s with data loading) -> {args.models_dir / name}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
