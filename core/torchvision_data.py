"""The torchvision data sets (MNIST, FashionMNIST, CIFAR-10): loaded only from files already on disk.

Nothing here downloads during a run: a missing set gets a message with the command that fetches it
(``python -m core.data download mnist``), which calls :func:`download`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from core.datasets import DATASETS, DIGIT_CLASSES
from core.i18n import Message, UserError
from core.packaged_data import PACKAGED, packaged_file
from core.preprocessing import draft_preprocessing
from core.settings import Settings
from core.splits import LoadedData, image_data, split_indices, subsample

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


def load_torchvision(
    key: str, data_dir: Path, size: int, val_fraction: float, seed: int, max_samples: int | None
) -> LoadedData:
    class_name, sub, _, classes = TORCHVISION[key]
    if not files_present(key, data_dir):
        raise UserError(
            Message(
                "data.torchvision_missing",
                {
                    "name": class_name,
                    "folder": str((data_dir / sub).resolve()),
                    "command": f"python -m core.data download {key} --data-dir {data_dir}",
                },
            )
        )
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
    (train_images, train_labels), (test_images, test_labels) = parts
    if max_samples is not None:  # cap both official parts, keeping their proportions
        n_train = round(max_samples * len(train_labels) / (len(train_labels) + len(test_labels)))
        keep_train = subsample(train_labels, max(1, n_train), seed)
        keep_test = subsample(test_labels, max(1, max_samples - n_train), seed)
        train_images, train_labels = train_images[keep_train], train_labels[keep_train]
        test_images, test_labels = test_images[keep_test], test_labels[keep_test]
    images = np.concatenate([train_images, test_images])
    pixels = (
        torch.from_numpy(images)[:, None]
        if images.ndim == 3
        else torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    )
    if key == "mnist":  # shown as dark ink on white, like the digits; see digits_source()
        pixels = 255 - pixels
    labels = np.concatenate([train_labels, test_labels])
    train, val, _ = split_indices(train_labels, val_fraction, 0.0, seed)
    test = np.arange(len(train_labels), len(labels))
    draft = draft_preprocessing("RGB" if key == "cifar10" else "L", size, "bilinear", invert=key == "mnist")
    sizes = {"name": class_name, "train": len(train_labels), "test": len(test_labels), "size": size}
    description = Message("data.desc_torchvision", sizes)
    return image_data(key, draft.to_unit(pixels), draft, labels, classes, (train, val, test), description)


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
