"""Loading a trained model safely, and running it on pictures: predictions, feature maps, Grad-CAM.

Owns what the Predict page asks of a model: where models come from (the bundled ones in
``models/``, a run of the run store, or uploaded weights plus their ``model.json``), the checks
that make a model file safe to load, and the model at work. Every model, whatever its source,
goes through :func:`_assemble`: its spec is read by the untrusted-spec parser
(:func:`core.models.parse_spec`), its shapes are checked by :func:`core.summary.summarize`, and
every tensor's name, shape and kind is compared with the spec-built model *before*
``load_state_dict``. Weights are safetensors, or a state dict read by
``torch.load(weights_only=True)``: nothing here unpickles code, and there is no fallback.

Pictures become inputs by the preprocessing saved with the model (``Preprocessing.apply``, the
code path training used). A loaded model may be shared by every session (the bundled ones are
cached), so it is never changed after loading: its parameters are frozen, it stays in eval mode,
and each forward pass holds the model's lock, because hooks one call registers would fire during
another call's forward pass.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import json
import logging
import math
import pickle
import re
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.torch
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors import SafetensorError
from torch import nn

from core.data import DATASETS, Preprocessing, Standardization
from core.i18n import Message, UserError
from core.models import ModelSpec, build_model, parse_spec
from core.runs import MODEL_INFO_FILE, MODEL_WEIGHTS_FILE, RunStore
from core.summary import summarize
from core.train import TrainConfig, load_data

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # the bundled models, one folder each

MAX_WEIGHTS_BYTES = 50 * 2**20  # an uploaded weights file, and what a .pt may unpack to (Streamlit caps uploads too)
MAX_INFO_BYTES = 2**20  # model.json: a spec, class names and a few numbers
MAX_ZIP_ENTRIES = 10_000  # a torch.save file holds one entry per tensor storage, plus a few
MAX_CLASSES = 10_000
MAX_CLASS_NAME = 100  # characters
MAX_TEST_SAMPLES = 1_000  # per call of test_samples
PREDICT_BATCH = 256  # images per forward pass: bounds memory for a large batch of uploads
TOP_K = 3  # classes listed per prediction, as in the batch table's top-3
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


@dataclass(frozen=True)
class Prediction:
    """One picture's prediction: a probability per class, and the most likely ones."""

    probabilities: tuple[float, ...]  # in class order; they sum to 1
    top: tuple[tuple[int, str, float], ...]  # (class index, class name, probability), most likely first

    @property
    def index(self) -> int:
        return self.top[0][0]

    @property
    def label(self) -> str:
        return self.top[0][1]

    @property
    def probability(self) -> float:
        return self.top[0][2]


@dataclass(frozen=True, eq=False)
class TestSample:
    """One sample of the model's test split, as the trainer evaluated it."""

    index: int  # row in the test split
    x: torch.Tensor  # the model input, (C, H, W) or (F,), already preprocessed
    label: int  # the true class index
    picture: Image.Image | None  # image models: what the model sees, normalisation undone

    __test__ = False  # pytest: a data class, not a test class, whatever its name says


# --- where models come from --------------------------------------------------------------------------


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
        close = difflib.get_close_matches(str(name), names, n=3)
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
    return _assemble(state, info, f"upload:{filename[:120]}", _train_config(info))


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


def _assemble(state: Mapping, info: dict, source: str, train_config: TrainConfig | None) -> LoadedModel:
    """Return a LoadedModel from tensors and model.json, after checking that they fit each other."""
    if "spec" not in info:
        raise _field_error("spec", "{layers, input_shape, ...}", None)
    spec = parse_spec(json.dumps(info["spec"]))  # the untrusted-spec parser: layer rules, size, memory
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
    outputs = summary.output_shape[-1] if summary.output_shape and len(summary.output_shape) == 2 else None
    if outputs != len(classes):
        raise UserError(Message("inference.classes_mismatch", {"outputs": outputs, "classes": len(classes)}))

    # Shapes first, on the meta device (no memory): a spec asking for gigabytes of parameters
    # costs nothing until the file is known to hold exactly those tensors.
    check_state_dict(state, build_model(spec, device="meta").state_dict())
    model = build_model(spec, seed=0)  # a seed, so loading leaves the global random state alone
    model.load_state_dict(state)
    model.eval()
    model.requires_grad_(False)  # nothing here trains; Grad-CAM takes its gradients through the input
    return LoadedModel(
        model, info, spec, tuple(classes), spec.input_shape, preprocessing, standardization, source, train_config
    )


def _input_recipe(info: dict, input_shape: tuple[int, ...]) -> tuple[Preprocessing | None, Standardization | None]:
    """Return the preprocessing (image models) or standardisation (table models) saved in model.json."""
    if info.get("kind") == "image":
        if not isinstance(info.get("preprocessing"), dict):
            raise _field_error("preprocessing", "{mode, size, resize, mean, std}", info.get("preprocessing"))
        preprocessing = Preprocessing.from_dict(info["preprocessing"])
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
            close = difflib.get_close_matches(name, unexpected, n=1)
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
    if unexpected:
        first = got[unexpected[0]]
        shape = list(first.shape) if isinstance(first, torch.Tensor) else type(first).__name__
        raise UserError(
            Message("inference.tensor_unexpected", {"name": unexpected[0], "shape": shape, "count": len(unexpected)})
        )


# --- running a model ---------------------------------------------------------------------------------


def to_input(loaded: LoadedModel, image: Image.Image) -> torch.Tensor:
    """Return ``image`` as the model's input, (C, H, W), by the preprocessing saved with the model."""
    if loaded.preprocessing is None:
        raise UserError(Message("inference.not_image_model", {"source": loaded.source}))
    return loaded.preprocessing.apply(image)


def prepare_steps(loaded: LoadedModel, image: Image.Image) -> list[tuple[str, object]]:
    """Return ``(text key, result)`` per preprocessing stage: the original, then those of ``Preprocessing.steps``.

    The last result is the (C, H, W) tensor the model receives, equal to :func:`to_input`.
    """
    if loaded.preprocessing is None:
        raise UserError(Message("inference.not_image_model", {"source": loaded.source}))
    return [("inference.step_original", image), *loaded.preprocessing.steps(image)]


def predict(loaded: LoadedModel, images: list[Image.Image], k: int = TOP_K) -> list[Prediction]:
    """Return one prediction per picture, with the ``k`` most likely classes."""
    if not images:
        return []
    x = torch.stack([to_input(loaded, image) for image in images])  # N x (C, H, W) -> (N, C, H, W)
    return predict_inputs(loaded, x, k)


def predict_inputs(loaded: LoadedModel, x: torch.Tensor, k: int = TOP_K) -> list[Prediction]:
    """Return one prediction per row of ``x``, inputs already preprocessed: (N, *input_shape)."""
    if x.dim() != len(loaded.input_shape) + 1 or tuple(x.shape[1:]) != loaded.input_shape:
        raise UserError(
            Message("inference.input_shape", {"expected": list(loaded.input_shape), "got": list(x.shape[1:])})
        )
    if len(x) == 0:
        return []
    with loaded.lock, torch.no_grad():
        outputs = torch.cat(
            [loaded.model(x[i : i + PREDICT_BATCH]) for i in range(0, len(x), PREDICT_BATCH)]
        )  # (N, *input_shape) -> (N, classes)
    # The trainer's losses read outputs as logits (cross-entropy's log-softmax, mse's softmax);
    # a spec that ends in Softmax already gives probabilities.
    ends_in_softmax = bool(loaded.spec.layers) and loaded.spec.layers[-1].type == "Softmax"
    probabilities = outputs if ends_in_softmax else outputs.softmax(dim=1)  # (N, classes)
    top_p, top_i = probabilities.topk(min(k, len(loaded.classes)), dim=1)  # (N, k) each
    return [
        Prediction(
            tuple(row.tolist()),
            tuple((i, loaded.classes[i], p) for i, p in zip(indices.tolist(), ps.tolist(), strict=True)),
        )
        for row, indices, ps in zip(probabilities, top_i, top_p, strict=True)
    ]


def _check_sample(loaded: LoadedModel, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or tuple(x.shape) != loaded.input_shape:
        got = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise UserError(Message("inference.input_shape", {"expected": list(loaded.input_shape), "got": got}))


def _convs(loaded: LoadedModel) -> list[tuple[str, nn.Conv2d]]:
    convs = [(name, m) for name, m in loaded.model.named_modules() if isinstance(m, nn.Conv2d)]
    if not convs:
        raise UserError(Message("inference.no_conv", {"source": loaded.source}))
    return convs


@contextlib.contextmanager
def _hooked(
    loaded: LoadedModel, modules: list[tuple[str, nn.Module]], keep: Callable[[str, torch.Tensor], None]
) -> Iterator[nn.Module]:
    """Yield the model in eval mode, ``keep(name, output)`` called as each module runs; undo it all on exit."""
    model = loaded.model
    with loaded.lock:
        was_training = model.training
        handles = []
        try:
            for name, module in modules:
                handles.append(module.register_forward_hook(lambda m, args, out, name=name: keep(name, out)))
            model.eval()
            yield model
        finally:
            for handle in handles:
                handle.remove()
            model.train(was_training)


def feature_maps(
    loaded: LoadedModel, x: torch.Tensor, layer_types: tuple[type[nn.Module], ...] = (nn.Conv2d,)
) -> dict[str, torch.Tensor]:
    """Return each ``layer_types`` layer's output for one input ``x`` (C, H, W): name -> (C_out, H_out, W_out).

    In model order. Pass e.g. ``(nn.Conv2d, nn.ReLU, nn.MaxPool2d)`` to see activations and pooling too;
    layers whose output is no longer a picture (after Flatten) are left out.
    """
    _check_sample(loaded, x)
    _convs(loaded)
    modules = [(name, m) for name, m in loaded.model.named_modules() if name and isinstance(m, layer_types)]
    maps: dict[str, torch.Tensor] = {}

    def keep(name: str, out: torch.Tensor) -> None:
        if out.dim() == 4:
            # a copy: an in-place ReLU after this layer would otherwise overwrite it
            maps[name] = out[0].detach().clone()  # (1, C_out, H_out, W_out) -> (C_out, H_out, W_out)

    with _hooked(loaded, modules, keep) as model, torch.no_grad():
        model(x[None])  # (C, H, W) -> (1, C, H, W) -> (1, classes)
    return maps


def first_layer_filters(loaded: LoadedModel) -> tuple[str, torch.Tensor]:
    """Return the first Conv2d's name and a copy of its kernels, (C_out, C_in / groups, kH, kW)."""
    name, conv = _convs(loaded)[0]
    return name, conv.weight.detach().clone()


def grad_cam(loaded: LoadedModel, x: torch.Tensor, class_index: int) -> torch.Tensor:
    """Return where in ``x`` (C, H, W) the evidence for ``class_index`` lies: an (H, W) map in [0, 1].

    Grad-CAM (Selvaraju et al., 2017) on the last Conv2d: each of its channels is weighted by the
    mean gradient of the class score over the channel, the weighted sum is kept where positive,
    scaled so its maximum is 1, and upsampled bilinearly to the input's size.
    """
    _check_sample(loaded, x)
    if isinstance(class_index, bool) or not isinstance(class_index, int) or not 0 <= class_index < len(loaded.classes):
        raise UserError(Message("inference.bad_class", {"value": class_index, "max": len(loaded.classes) - 1}))
    kept: dict[str, torch.Tensor] = {}
    with _hooked(loaded, _convs(loaded)[-1:], kept.__setitem__) as model, torch.enable_grad():
        # The parameters stay frozen; an input that requires grad makes every activation require it too.
        x_in = x[None].detach().clone().requires_grad_(True)  # (1, C, H, W)
        score = model(x_in)[0, class_index]  # (1, classes) -> the class's raw score
        name = next(iter(kept))
        (grads,) = torch.autograd.grad(score, kept[name])  # d score / d A: (1, K, h, w)
    activations = kept[name].detach()  # A: (1, K, h, w)
    weights = grads.mean(dim=(2, 3), keepdim=True)  # (1, K, 1, 1): how much each channel counts for the class
    cam = F.relu((weights * activations).sum(dim=1, keepdim=True))  # (1, 1, h, w)
    cam = F.interpolate(cam, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)[0, 0]  # (H, W)
    peak = cam.max()
    return (cam / peak).clamp_(0, 1) if peak > 0 else torch.zeros_like(cam)


def test_samples(loaded: LoadedModel, n: int, seed: int = 0) -> list[TestSample]:
    """Return ``n`` random samples (fixed by ``seed``) of the model's test split, with their true labels.

    The split is rebuilt by the trainer's own loader from the model's TrainConfig (bundled models
    and runs have one), so these are images the model never trained on. An upload without its
    config gets the data set's default split (seed 0), which may overlap its training images.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_TEST_SAMPLES:
        raise UserError(Message("inference.bad_count", {"value": n, "max": MAX_TEST_SAMPLES}))
    config = loaded.train_config or TrainConfig(dataset=str(loaded.dataset))
    if config.dataset not in DATASETS:
        raise UserError(
            Message("inference.no_test_set", {"dataset": str(loaded.dataset)[:60], "choices": ", ".join(DATASETS)})
        )
    data = load_data(config, loaded.spec)  # the same size, split and seed as the trainer used
    if data.input_shape != loaded.input_shape or len(data.classes) != len(loaded.classes):
        raise UserError(
            Message(
                "inference.test_set_mismatch",
                {
                    "dataset": config.dataset,
                    "data_shape": list(data.input_shape),
                    "data_classes": len(data.classes),
                    "model_shape": list(loaded.input_shape),
                    "model_classes": len(loaded.classes),
                },
            )
        )
    rows = np.random.default_rng(seed).choice(len(data.x_test), size=min(n, len(data.x_test)), replace=False)
    return [
        TestSample(
            index=int(i),
            x=data.x_test[i],
            label=int(data.y_test[i]),
            picture=data.preprocessing.to_image(data.x_test[i]) if data.preprocessing is not None else None,
        )
        for i in rows
    ]


test_samples.__test__ = False  # pytest: not a test, whatever its name says (tests import this module)
