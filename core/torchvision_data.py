"""The torchvision data sets (MNIST, FashionMNIST, CIFAR-10): loaded only from files already on disk.

Nothing here downloads during a run: a missing set gets a message with the command that fetches it
(``python -m core.data download mnist``), which calls :func:`download`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from core.datasets import DATASETS, DIGIT_CLASSES
from core.i18n import Message, UserError
from core.packaged_data import PACKAGED, packaged_file
from core.settings import Settings

logger = logging.getLogger(__name__)


# key -> (torchvision class name, folder under data_dir, files that must be there, class names)
TORCHVISION = {
    "mnist": (
        "MNIST",
        "MNIST/raw",
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        DIGIT_CLASSES,
    ),
    "fashion_mnist": (
        "FashionMNIST",
        "FashionMNIST/raw",
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"),
    ),
    "cifar10": (
        "CIFAR10",
        "cifar-10-batches-py",
        ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"),
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}


def files_present(key: str, data_dir: Path | str | None = None) -> bool:
    """Return whether ``key`` can be loaded without a network: embedded, installed, or its files are on disk."""
    if key in PACKAGED:
        return packaged_file(key) is not None
    if DATASETS[key].offline:
        return True
    folder = Path(data_dir) if data_dir is not None else Settings.from_env().data_dir
    _, sub, files, _ = TORCHVISION[key]
    return all((folder / sub / name).is_file() for name in files)


def read_torchvision(key: str, data_dir: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the official [(train images, labels), (test images, labels)] of ``key``, uint8 as stored.

    Images are (N, H, W) for the grey sets, (N, H, W, 3) for CIFAR-10; labels (N,) int64.
    """
    class_name, sub, _, _ = TORCHVISION[key]
    if not files_present(key, data_dir):
        # where and how is for whoever runs the server (the log, the README), not for the student
        logger.warning(
            "%s is not in %s; fetch it with: python -m core.data download %s --data-dir %s",
            class_name, (data_dir / sub).resolve(), key, data_dir,
        )  # fmt: skip
        raise UserError(Message("data.torchvision_missing", {"name": class_name}))
    import torchvision  # slow to import; only these sets need it

    parts = []
    try:
        for train in (True, False):
            dataset = getattr(torchvision.datasets, class_name)(root=str(data_dir), train=train, download=False)
            parts.append((np.asarray(dataset.data), np.asarray(dataset.targets, dtype=np.int64)))
    except (RuntimeError, OSError, ValueError, EOFError) as exc:  # damaged or partial files
        logger.info("could not read %s from %s: %r", class_name, data_dir, exc)
        raise UserError(
            Message(
                "data.torchvision_unreadable",
                {"name": class_name, "folder": str(data_dir / sub), "detail": str(exc)[:200]},
            )
        ) from exc
    return parts


def download(key: str, data_dir: Path, timeout_s: float) -> None:
    """Download the torchvision set ``key`` into ``data_dir``; network reads time out after ``timeout_s``."""
    import socket

    import torchvision

    class_name = TORCHVISION[key][0]
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # torchvision's urllib calls take no timeout of their own
    try:
        for train in (True, False):
            getattr(torchvision.datasets, class_name)(root=str(data_dir), train=train, download=True)
    finally:
        socket.setdefaulttimeout(previous)
