"""Where trained models come from, and the checks that make a model file safe to load.

Three sources: the bundled models in ``models/``, a run of the run store, or weights uploaded with
their ``model.json``. Every model, whatever its source, goes through :func:`_assemble`: its spec is
read by the untrusted-spec parser (:func:`core.spec_parsing.parse_spec`), its shapes are checked by
:func:`core.summary.summarize`, and every tensor's name, shape and kind is compared with the
spec-built model *before* ``load_state_dict``. Weights are safetensors, or a state dict read by
``torch.load(weights_only=True)``: nothing here unpickles code, and there is no fallback.

A loaded model may be shared by every session (the bundled ones are cached), so it is never
changed after loading: its parameters are frozen, it stays in eval mode, and each forward pass
holds the model's lock (:mod:`core.inference` runs it).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import pickle
import re
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import safetensors.torch
import torch
from safetensors import SafetensorError
from torch import nn

from core.builder import build_model
from core.config import TrainConfig
from core.datasets import check_input_size
from core.i18n import Message, UserError
from core.layers import BYTES_PER_PARAM
from core.modelspec import ModelSpec
from core.preprocessing import Preprocessing, Standardization
from core.runs import MODEL_INFO_FILE, MODEL_WEIGHTS_FILE, RunStore
from core.spec_parsing import estimate_param_count, parse_spec
from core.suggest import closest
from core.summary import summarize

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # the bundled models, one folder each

MAX_WEIGHTS_BYTES = 50 * 2**20  # an uploaded weights file, and what a .pt may unpack to (Streamlit caps uploads too)
MAX_INFO_BYTES = 2**20  # model.json: a spec, class names and a few numbers
MAX_ZIP_ENTRIES = 10_000  # a torch.save file holds one entry per tensor storage, plus a few
MAX_CLASSES = 10_000
MAX_CLASS_NAME = 100  # characters
# Every layer output of one picture together (core.summary's activation_bytes at batch 1); predict,
# feature maps and Grad-CAM run on every view of the Predict page. VGG16 at the trainer's largest
# input (64 x 64) takes 9 MB; a 4.7 KB upload of Conv2d(3, 100, 1) on 1024 x 1024 took 885 MB.
MAX_ACTIVATION_BYTES = 32 * 2**20
_BUNDLED_CACHED = 8  # bound of the bundled-model cache; there are two today


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A trained model ready to predict, with everything its ``model.json`` says about it."""

    model: nn.Module  # eval mode, parameters frozen; shared between sessions, so never changed
    info: dict  # model.json as read; for an upload, untrusted text to show, never to run
    spec: ModelSpec
    classes: tuple[str, ...]  # output index -> class name
    input_shape: tuple[int, ...]  # one sample: (C, H, W) for images, (F,) for tables
    preprocessing: Preprocessing | None  # image models: picture -> input, exactly as in training
    standardization: Standardization | None  # table models: the training split's feature statistics
    source: str  # "bundled:digits_lenet", "run:<run id>" or "upload:<file name>"
    train_config: TrainConfig | None = None  # how it was trained, when known: rebuilds its test split
    activation_bytes: int = 0  # every layer's output for one sample (float32): what a forward pass holds
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one forward pass at a time

    @property
    def dataset(self) -> str | None:
        """Return the data set key the model was trained on, as model.json says."""
        value = self.info.get("dataset")
        return value if isinstance(value, str) else None

    @property
    def test_acc(self) -> float | None:
        """Return the test accuracy stored with the model (0..1), or None when it has none."""
        value = (self.info.get("metrics") or {}).get("test_acc")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def list_bundled() -> list[str]:
    """Return the names of the bundled models (folders of ``models/`` with weights and model.json)."""
    if not MODELS_DIR.is_dir():
        return []
    return sorted(
        p.name for p in MODELS_DIR.iterdir() if (p / MODEL_WEIGHTS_FILE).is_file() and (p / MODEL_INFO_FILE).is_file()
    )


@functools.lru_cache(maxsize=_BUNDLED_CACHED)
def load_bundled(name: str) -> LoadedModel:
    """Return the bundled model ``name``, loaded once and shared (``name`` may come from a URL)."""
    names = list_bundled()
    if name not in names:  # checked against the listing, so no name can reach outside models/
        close = closest(name, names, cutoff=0.6)
        raise UserError(
            Message("inference.unknown_bundled", {"name": str(name)[:60], "choices": ", ".join(close or names) or "-"})
        )
    folder = MODELS_DIR / name
    info = _read_info((folder / MODEL_INFO_FILE).read_bytes(), MODEL_INFO_FILE)
    state = safetensors.torch.load_file(folder / MODEL_WEIGHTS_FILE)
    return _assemble(state, info, f"bundled:{name}", _train_config(info))


def load_run(store: RunStore, run_id: str) -> LoadedModel:
    """Return the trained model of a run (the last epoch's weights while it is still training)."""
    try:
        state, info = store.load_model(run_id)  # checks the run id; UserError when there is no model.json yet
    except (OSError, SafetensorError):  # model.json without its weights: a run store damaged by hand
        raise UserError(Message("runs.no_model", {"run_id": run_id})) from None
    return _assemble(state, info, f"run:{run_id}", TrainConfig.from_dict(store.read_config(run_id)))


def load_uploaded(
    weights: bytes, filename: str, model_json: bytes, *, max_bytes: int = MAX_WEIGHTS_BYTES
) -> LoadedModel:
    """Return the model of an uploaded weights file and its ``model.json``; every problem is a UserError.

    ``weights`` is a safetensors file or a state dict saved by ``torch.save``, told apart by
    content, not by ``filename`` (used in messages only). A pickle that would run code is refused
    without running it.
    """
    info = _read_info(model_json, "model.json")
    state = _read_weights(weights, filename, max_bytes)
    # an honest file of max_bytes holds at most max_bytes of parameters: a spec asking for more
    # could only be filled by tensors that are not real data
    return _assemble(state, info, f"upload:{filename[:120]}", _train_config(info), max_param_bytes=max_bytes)


def _read_info(data: bytes, name: str) -> dict:
    """Return model.json as a dict, refusing oversized, non-JSON or non-object content."""
    if len(data) > MAX_INFO_BYTES:
        raise UserError(Message("inference.info_too_large", {"name": name, "size": len(data), "max": MAX_INFO_BYTES}))
    try:
        info = json.loads(data.decode("utf-8-sig"))
    except (RecursionError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(Message("inference.info_not_json", {"name": name, "detail": str(exc)[:200]})) from None
    if not isinstance(info, dict):
        raise _field_error("(model.json)", "{...}", info)
    return info


def _train_config(info: dict) -> TrainConfig | None:
    """Return the TrainConfig stored in model.json (bundled models have one), checked, or None."""
    data = info.get("train_config")
    return None if data is None else TrainConfig.from_dict(data).check()


def _field_error(name: str, expected: str, got: Any) -> UserError:
    shown = json.dumps(got, default=str)
    return UserError(
        Message(
            "inference.info_field", {"field": name, "expected": expected, "got": shown[:60] + "..." * (len(shown) > 60)}
        )
    )


def _read_weights(data: bytes, filename: str, max_bytes: int) -> Mapping:
    """Return the tensors of a safetensors file or a ``torch.save`` state dict; never unpickles code."""
    if not data:
        raise UserError(Message("inference.weights_empty", {"name": filename}))
    if len(data) > max_bytes:
        raise UserError(
            Message(
                "inference.weights_too_large",
                {"name": filename, "size_mb": len(data) / 2**20, "max_mb": max_bytes / 2**20},
            )
        )
    if data[:4] == b"PK\x03\x04":  # torch.save writes a zip: data.pkl plus one entry per storage
        return _read_torch_state_dict(data, filename, max_bytes)
    if len(data) > 8 and data[8:9] == b"{":  # safetensors: an 8-byte header length, then the JSON header
        try:
            return safetensors.torch.load(data)
        except (SafetensorError, ValueError, RuntimeError) as exc:
            raise _unreadable(filename, exc) from None
    raise UserError(Message("inference.weights_format", {"name": filename}))


def _read_torch_state_dict(data: bytes, filename: str, max_bytes: int) -> Mapping:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _unreadable(filename, exc) from None
    unpacked = sum(entry.file_size for entry in entries)  # what the zip declares; a zip bomb declares a lot
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > max_bytes:
        raise UserError(
            Message(
                "inference.weights_unpacked_too_large",
                {"name": filename, "size_mb": unpacked / 2**20, "entries": len(entries), "max_mb": max_bytes / 2**20},
            )
        )
    try:
        # weights_only=True: the unpickler builds only tensors and plain containers, and refuses
        # anything else (a __reduce__ that would call os.system) without calling it. Never False.
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # name only what was refused: torch's own text goes on to suggest allow-listing it
        found = re.search(r"Unsupported global: GLOBAL [\w.]+|Unsupported operand \d+", str(exc))
        detail = found.group(0) if found else type(exc).__name__
        raise UserError(
            Message("inference.weights_unsafe", {"name": filename, "detail": detail.strip()[:200]})
        ) from None
    except (RuntimeError, ValueError, EOFError, OSError, KeyError, IndexError, TypeError) as exc:
        raise _unreadable(filename, exc) from None
    if isinstance(state, Mapping):  # the PyTorch tutorial's checkpoint: {"epoch": ..., "model_state_dict": {...}}
        for key in ("model_state_dict", "state_dict"):
            if isinstance(state.get(key), Mapping):
                return state[key]
        return state
    raise UserError(Message("inference.not_state_dict", {"name": filename, "got": type(state).__name__}))


def _unreadable(filename: str, exc: BaseException) -> UserError:
    logger.info("could not read weights %r: %r", filename, exc)
    detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    return UserError(Message("inference.weights_unreadable", {"name": filename, "detail": detail}))


def _assemble(
    state: Mapping, info: dict, source: str, train_config: TrainConfig | None, max_param_bytes: int | None = None
) -> LoadedModel:
    """Return a LoadedModel from tensors and model.json, after checking that they fit each other."""
    if "spec" not in info:
        raise _field_error("spec", "{layers, input_shape, ...}", None)
    spec = parse_spec(json.dumps(info["spec"]))  # the untrusted-spec parser: layer rules, size, memory
    if max_param_bytes is not None and (size := estimate_param_count(spec) * BYTES_PER_PARAM) > max_param_bytes:
        raise UserError(
            Message(
                "inference.params_too_large_for_upload", {"size_mb": size / 2**20, "max_mb": max_param_bytes / 2**20}
            )
        )
    classes = info.get("classes")
    if not (
        isinstance(classes, list)
        and 1 <= len(classes) <= MAX_CLASSES
        and all(isinstance(c, str) and len(c) <= MAX_CLASS_NAME for c in classes)
    ):
        raise _field_error("classes", f"a list of 1 to {MAX_CLASSES} names", classes)
    if info.get("input_shape") != list(spec.input_shape):
        raise _field_error("input_shape", json.dumps(list(spec.input_shape)), info.get("input_shape"))
    preprocessing, standardization = _input_recipe(info, spec.input_shape)

    summary = summarize(spec)  # on the meta device: no memory, just shapes
    if summary.problem is not None:
        raise UserError(summary.problem.message)
    if summary.activation_bytes > MAX_ACTIVATION_BYTES:
        raise UserError(
            Message(
                "inference.activations_too_large",
                {"size_mb": summary.activation_bytes / 2**20, "max_mb": MAX_ACTIVATION_BYTES / 2**20},
            )
        )
    outputs = summary.output_shape[-1] if summary.output_shape and len(summary.output_shape) == 2 else None
    if outputs != len(classes) and not (outputs == 1 and len(classes) == 2):  # one sigmoid output (BCE)
        raise UserError(Message("inference.classes_mismatch", {"outputs": outputs, "classes": len(classes)}))

    # Shapes first, on the meta device (no memory): a spec asking for gigabytes of parameters
    # costs nothing until the file is known to hold exactly those tensors.
    check_state_dict(state, build_model(spec, device="meta").state_dict())
    model = build_model(spec, seed=0)  # a seed, so loading leaves the global random state alone
    model.load_state_dict(state)
    model.eval()
    model.requires_grad_(False)  # nothing here trains; Grad-CAM takes its gradients through the input
    return LoadedModel(
        model,
        info,
        spec,
        tuple(classes),
        spec.input_shape,
        preprocessing,
        standardization,
        source,
        train_config,
        summary.activation_bytes,
    )


def _input_recipe(info: dict, input_shape: tuple[int, ...]) -> tuple[Preprocessing | None, Standardization | None]:
    """Return the preprocessing (image models) or standardisation (table models) saved in model.json."""
    if info.get("kind") == "image":
        if not isinstance(info.get("preprocessing"), dict):
            raise _field_error("preprocessing", "{mode, size, resize, mean, std}", info.get("preprocessing"))
        preprocessing = Preprocessing.from_dict(info["preprocessing"])
        for side in preprocessing.size:  # the sizes the trainer makes: a picture never grows past them
            check_input_size(side)
        made = (preprocessing.channels, *preprocessing.size)
        if made != input_shape:
            raise UserError(
                Message("inference.preprocessing_mismatch", {"made": list(made), "input_shape": list(input_shape)})
            )
        return preprocessing, None
    if info.get("kind") == "tabular":
        data = info.get("standardization")
        try:
            standardization = Standardization.from_dict(data)
        except (KeyError, TypeError, ValueError):
            raise _field_error("standardization", "{feature_names, mean, std}", data) from None
        if (
            (len(standardization.mean),) != input_shape
            or len(standardization.std) != len(standardization.mean)
            or not all(math.isfinite(v) and v > 0 for v in standardization.std)
        ):
            raise _field_error("standardization", f"{input_shape[0]} means and stds", data)
        return None, standardization
    raise _field_error("kind", '"image" | "tabular"', info.get("kind"))


def check_state_dict(got: Any, expected: Mapping[str, torch.Tensor]) -> None:
    """Raise UserError naming the first tensor of ``got`` that does not fit the ``expected`` state dict.

    Missing, unexpected, wrongly shaped or of the wrong kind (integer for float): each message names
    the tensor, its layer and both shapes. Runs before ``load_state_dict``, which would allocate first
    and then list every problem in one long line.
    """
    if not isinstance(got, Mapping) or not all(isinstance(k, str) for k in got):
        raise UserError(Message("inference.not_state_dict", {"name": "weights", "got": type(got).__name__}))
    unexpected = [k for k in got if k not in expected]
    missing = [k for k in expected if k not in got]
    for name, want in expected.items():
        layer = name.rsplit(".", 1)[0]
        if name not in got:
            close = closest(name, unexpected, n=1)
            params = {"name": name, "layer": layer, "shape": list(want.shape), "count": len(missing)}
            raise UserError(Message("inference.tensor_missing", {**params, "close": close[0] if close else "-"}))
        have = got[name]
        if not isinstance(have, torch.Tensor) or have.layout != torch.strided:
            raise UserError(
                Message(
                    "inference.tensor_dtype", {"name": name, "expected": str(want.dtype), "got": type(have).__name__}
                )
            )
        if tuple(have.shape) != tuple(want.shape):
            raise UserError(
                Message(
                    "inference.tensor_shape",
                    {"name": name, "layer": layer, "expected": list(want.shape), "got": list(have.shape)},
                )
            )
        if have.is_complex() or have.is_floating_point() != want.is_floating_point():
            raise UserError(
                Message("inference.tensor_dtype", {"name": name, "expected": str(want.dtype), "got": str(have.dtype)})
            )
        _check_real_values(name, layer, have)
    if unexpected:
        first = got[unexpected[0]]
        shape = list(first.shape) if isinstance(first, torch.Tensor) else type(first).__name__
        raise UserError(
            Message("inference.tensor_unexpected", {"name": unexpected[0], "shape": shape, "count": len(unexpected)})
        )


def _check_real_values(name: str, layer: str, tensor: torch.Tensor) -> None:
    """Raise UserError unless ``tensor`` owns exactly its values and every one of them is finite.

    A ``torch.save`` of ``torch.zeros(1).expand(160000, 3072)`` is 1.8 KB on disk: its storage is
    one number, its strides are 0. ``load_state_dict`` would copy it into 1.9 GB of real parameters.
    So the storage must be the tensor's own, of exactly ``numel x element size`` bytes, checked
    before anything reads the values (``isfinite`` on that view would allocate 491 MB itself).
    """
    needed = tensor.numel() * tensor.element_size()
    stored = tensor.untyped_storage().nbytes()
    if not tensor.is_contiguous() or tensor.storage_offset() != 0 or stored != needed:
        params = {"name": name, "layer": layer, "shape": list(tensor.shape), "stored": stored, "needed": needed}
        raise UserError(Message("inference.tensor_not_real", params))
    if tensor.is_floating_point() and not (finite := torch.isfinite(tensor)).all():
        count = int(finite.numel() - finite.sum())
        raise UserError(Message("inference.tensor_not_finite", {"name": name, "layer": layer, "count": count}))
