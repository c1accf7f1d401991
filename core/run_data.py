"""A student's uploaded data set, stored in its run as tensors: what the worker trains on.

The Training page reads an upload once (:mod:`core.uploads`: every check on untrusted bytes
happens there, in the app process) and stores the result, split and normalised, as
``<run>/data.safetensors`` when the run is created. The worker loads those tensors and never sees
the zip or the CSV. Safetensors holds tensors and a JSON header, nothing executable; the header is
still checked field by field (:func:`data_from_bytes`), as a file in the run store could be damaged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_save

from core.datasets import UPLOAD_KINDS
from core.i18n import Message, UserError
from core.preprocessing import Preprocessing, Standardization
from core.splits import LoadedData

DATA_FILE = "data.safetensors"
MAX_DATA_MB = 256  # a run's stored data set at most (4,000 colour pictures at 64x64 as float32 is ~200 MB)
_SPLITS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
_META_KEY = "stride_data"


def stored_mb(data: LoadedData) -> float:
    """Return how many MB ``data``'s tensors take in a run (float32 inputs, int64 labels)."""
    return sum(getattr(data, name).numel() * getattr(data, name).element_size() for name in _SPLITS) / 2**20


def data_to_bytes(data: LoadedData) -> bytes:
    """Return ``data`` as the bytes of a safetensors file: its six tensors and what they are (JSON)."""
    size = stored_mb(data)
    if size > MAX_DATA_MB:
        per_sample = size / sum(len(getattr(data, f"y_{s}")) for s in ("train", "val", "test"))
        raise UserError(
            Message(
                "data.stored_too_big",
                {"size_mb": round(size), "max_mb": MAX_DATA_MB, "samples": math.floor(MAX_DATA_MB / per_sample)},
            )
        )
    meta = {
        "key": data.key,
        "kind": data.kind,
        "classes": list(data.classes),
        "description": {"key": data.description.key, "params": data.description.params},
        "preprocessing": data.preprocessing.to_dict() if data.preprocessing is not None else None,
        "standardization": data.standardization.to_dict() if data.standardization is not None else None,
    }
    tensors = {name: getattr(data, name).contiguous() for name in _SPLITS}
    return safetensors_save(tensors, metadata={_META_KEY: json.dumps(meta)})


def data_from_bytes(blob: bytes) -> LoadedData:
    """Return the data set stored by :func:`data_to_bytes`; a damaged file raises UserError."""
    try:
        tensors = safetensors_load(blob)
        meta = json.loads(_header(blob).get(_META_KEY, "null"))
        if not isinstance(meta, dict) or meta.get("key") not in UPLOAD_KINDS or set(tensors) != set(_SPLITS):
            raise ValueError("not a stored data set")
        classes = tuple(str(c) for c in meta["classes"])
        kind = meta["kind"]
        description = Message(str(meta["description"]["key"]), dict(meta["description"]["params"]))
        pre = Preprocessing.from_dict(meta["preprocessing"]) if meta.get("preprocessing") else None
        std = Standardization.from_dict(meta["standardization"]) if meta.get("standardization") else None
        x = [tensors[f"x_{s}"] for s in ("train", "val", "test")]
        y = [tensors[f"y_{s}"] for s in ("train", "val", "test")]
        shapes_agree = len({t.shape[1:] for t in x}) == 1 and all(len(a) == len(b) for a, b in zip(x, y, strict=True))
        labels_ok = all(
            t.dtype == torch.int64 and (len(t) == 0 or 0 <= int(t.min()) <= int(t.max()) < len(classes)) for t in y
        )
        if kind not in ("image", "tabular") or not shapes_agree or not labels_ok or len(classes) < 2:
            raise ValueError("inconsistent tensors")
        if any(t.dtype != torch.float32 or not torch.isfinite(t).all() for t in x):
            raise ValueError("inputs are not finite float32")
        if (kind == "image") != (pre is not None) or (kind == "tabular") != (std is not None):
            raise ValueError("preprocessing does not match the kind")
    except UserError:
        raise
    except (SafetensorError, ValueError, KeyError, TypeError, OSError, RuntimeError) as exc:
        raise UserError(Message("data.stored_damaged", {"detail": str(exc)[:200]})) from exc
    return LoadedData(str(meta["key"]), kind, classes, x[0], y[0], x[1], y[1], x[2], y[2], description, pre, std)


def load_run_data(run_dir: Path, max_samples: int | None) -> LoadedData:
    """Return the data set stored in a run; refuse one that is missing or holds more than ``max_samples``."""
    path = Path(run_dir) / DATA_FILE
    if not path.is_file():
        raise UserError(Message("data.stored_missing", {"run": Path(run_dir).name}))
    data = data_from_bytes(path.read_bytes())
    total = sum(len(getattr(data, f"y_{s}")) for s in ("train", "val", "test"))
    if max_samples is not None and total > max_samples:
        raise UserError(Message("limits.samples", {"value": f"{total:,}", "limit": f"{max_samples:,}"}))
    return data


def _header(blob: bytes) -> dict:
    """Return a safetensors file's ``__metadata__`` (the first 8 bytes give the header's length)."""
    length = int.from_bytes(blob[:8], "little")
    if length <= 0 or length > len(blob) - 8:
        raise ValueError("not a safetensors file")
    return json.loads(blob[8 : 8 + length]).get("__metadata__") or {}
