"""A trained model at work: predictions for pictures, feature maps, first-layer filters, Grad-CAM, test samples.

Pictures become inputs by the preprocessing saved with the model (``Preprocessing.apply``, the code
path training used). The model is shared between sessions (:mod:`core.model_files` loads it), so
each forward pass holds its lock: hooks one call registers would fire during another call's pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from core import builder
from core.config import TrainConfig
from core.data import load_training_data, open_image_source, training_input_size
from core.datasets import DATASETS
from core.i18n import Message, UserError
from core.limits import Limits
from core.losses import class_probabilities
from core.model_files import LoadedModel
from core.preprocessing import ink_shares

MAX_TEST_SAMPLES = 1_000  # per call of test_samples
PREDICT_BATCH = 256  # images per forward pass at most: bounds memory for a large batch of uploads
PREDICT_MEMORY_BYTES = 128 * 2**20  # and fewer for a model whose layer outputs are large
TOP_K = 3  # classes listed per prediction, as in the batch table's top-3
UNSURE_BELOW = 0.6  # a most likely class under this probability is called a guess


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
    batch = predict_batch(loaded)
    with loaded.lock, torch.no_grad():
        outputs = torch.cat(
            [loaded.model(x[i : i + batch]) for i in range(0, len(x), batch)]
        )  # (N, *input_shape) -> (N, classes)
    # The trainer's losses read outputs as logits (cross-entropy's log-softmax, mse's softmax), or one
    # sigmoid output as p(class 1) (bce); a spec that ends in Softmax already gives probabilities.
    ends_in_softmax = bool(loaded.spec.layers) and loaded.spec.layers[-1].type == "Softmax"
    probabilities = outputs if ends_in_softmax else class_probabilities(outputs)  # (N, classes)
    top_p, top_i = probabilities.topk(min(k, len(loaded.classes)), dim=1)  # (N, k) each
    return [
        Prediction(
            tuple(row.tolist()),
            tuple((i, loaded.classes[i], p) for i, p in zip(indices.tolist(), ps.tolist(), strict=True)),
        )
        for row, indices, ps in zip(probabilities, top_i, top_p, strict=True)
    ]


def doubts(loaded: LoadedModel, x: torch.Tensor, prediction: Prediction) -> list[Message]:
    """Return the signs that a picture is far from what the model learned, most telling first; [] if none.

    ``x`` is the picture as the model received it, (C, H, W). For a model that fits the ink
    (digits): no ink found, or ink covering less or more of the input than in every training
    picture (``Preprocessing.ink_range``). For any model: probability spread out, the most likely
    class under UNSURE_BELOW. A softmax gives some class the most probability whatever it is shown,
    so a confident number alone says nothing about a picture unlike the training data.
    """
    _check_sample(loaded, x)
    found = []
    pre = loaded.preprocessing
    if pre is not None and pre.fit_ink:
        mean, std = torch.tensor(pre.mean).view(-1, 1, 1), torch.tensor(pre.std).view(-1, 1, 1)
        share = float(ink_shares((x * std + mean)[None])[0])  # the normalisation undone
        if share == 0:
            found.append(Message("inference.no_ink"))
        elif pre.ink_range and not pre.ink_range[0] <= share <= pre.ink_range[1]:
            low, high = pre.ink_range
            found.append(Message("inference.ink_unlike", {"share": share, "low": low, "high": high}))
    if prediction.probability < UNSURE_BELOW and len(prediction.top) > 1:
        (_, first, p), (_, second, q) = prediction.top[:2]
        found.append(Message("inference.unsure", {"first": first, "p": p, "second": second, "q": q}))
    return found


def predict_batch(loaded: LoadedModel) -> int:
    """Return how many samples one forward pass takes: PREDICT_BATCH, fewer where layer outputs are large."""
    return max(1, min(PREDICT_BATCH, PREDICT_MEMORY_BYTES // max(1, loaded.activation_bytes)))


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
    _convs(loaded)  # a model without one is told so
    return builder.first_layer_filters(loaded.model)


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
        out = model(x_in)  # (1, classes), or (1, 1): one sigmoid output, p(class 1)
        score = out[0, class_index] if out.shape[1] > 1 else (out[0, 0] if class_index == 1 else -out[0, 0])
        name = next(iter(kept))
        (grads,) = torch.autograd.grad(score, kept[name])  # d score / d A: (1, K, h, w)
    activations = kept[name].detach()  # A: (1, K, h, w)
    weights = grads.mean(dim=(2, 3), keepdim=True)  # (1, K, 1, 1): how much each channel counts for the class
    cam = F.relu((weights * activations).sum(dim=1, keepdim=True))  # (1, 1, h, w)
    cam = F.interpolate(cam, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)[0, 0]  # (H, W)
    peak = cam.max()
    return (cam / peak).clamp_(0, 1) if peak > 0 else torch.zeros_like(cam)


def test_samples(loaded: LoadedModel, n: int, seed: int = 0, limits: Limits | None = None) -> list[TestSample]:
    """Return ``n`` random samples (fixed by ``seed``) of the model's test split, with their true labels.

    The split is the trainer's own, from the model's TrainConfig (bundled models and runs have one),
    so these are images the model never trained on; only the ``n`` pictures drawn are made, through
    the model's saved preprocessing. An upload without its config gets the data set's default
    split (seed 0), which may overlap its training images; an upload's config is held to ``limits``,
    as the Training form is (bundled models and runs were trained here).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_TEST_SAMPLES:
        raise UserError(Message("inference.bad_count", {"value": n, "max": MAX_TEST_SAMPLES}))
    config = loaded.train_config or TrainConfig(dataset=str(loaded.dataset))
    if config.dataset not in DATASETS:
        raise UserError(
            Message("inference.no_test_set", {"dataset": str(loaded.dataset)[:60], "choices": ", ".join(DATASETS)})
        )
    uploaded = loaded.source.startswith("upload:")  # bundled models and runs were trained here, within limits
    if limits is not None and uploaded and (problems := limits.config_problems(config)):
        raise UserError(problems[0])
    if loaded.preprocessing is None:  # a table: small, loaded whole as the trainer does
        data = load_training_data(config, loaded.spec)
        classes, x_test, y_test = data.classes, data.x_test, data.y_test
        _check_test_set(loaded, config, data.input_shape, classes)
        rows = _draw_rows(len(x_test), n, seed)
        return [TestSample(int(i), x_test[i], int(y_test[i]), None) for i in rows]
    source = open_image_source(
        config.dataset,
        input_size=training_input_size(loaded.spec),
        val_fraction=config.val_fraction,
        seed=config.seed,
        max_samples=config.max_samples,
    )
    _check_test_set(loaded, config, (source.draft.channels, *source.draft.size), source.classes)
    test = source.splits[2]
    rows = _draw_rows(len(test), n, seed)
    x = loaded.preprocessing.normalize(source.unit(test[rows]))  # (n, C, H, W), as the trainer normalised it
    return [
        TestSample(int(i), x[k], int(source.labels[test[i]]), loaded.preprocessing.to_image(x[k]))
        for k, i in enumerate(rows)
    ]


def _draw_rows(available: int, n: int, seed: int) -> np.ndarray:
    """Return ``n`` distinct rows of ``available``, fixed by ``seed``."""
    return np.random.default_rng(seed).choice(available, size=min(n, available), replace=False)


def _check_test_set(loaded: LoadedModel, config: TrainConfig, shape: tuple[int, ...], classes: tuple) -> None:
    if tuple(shape) != loaded.input_shape or len(classes) != len(loaded.classes):
        raise UserError(
            Message(
                "inference.test_set_mismatch",
                {
                    "dataset": config.dataset,
                    "data_shape": list(shape),
                    "data_classes": len(classes),
                    "model_shape": list(loaded.input_shape),
                    "model_classes": len(loaded.classes),
                },
            )
        )


test_samples.__test__ = False  # pytest: not a test, whatever its name says (tests import this module)
