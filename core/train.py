"""TrainConfig and the training loop: data on the device, metrics out through a callback.

The loop is the one every PyTorch tutorial teaches (``zero_grad``, ``backward``, ``step``;
``model.eval()`` and ``torch.no_grad()`` to evaluate), made fast for small data sets:

- the whole data set sits on the device as one tensor; each epoch shuffles it with one
  ``randperm`` and augments a batch at a time (random crop + flip, drawn per image), so no
  per-image Python or PIL work runs inside the loop;
- losses stay on the device between log points, so the GPU is not stalled by ``.item()`` each step;
- every epoch's randomness comes from ``(seed, epoch)``, so a run resumed from its last
  checkpoint repeats exactly what the uninterrupted run would have done (on the CPU).

Side effects go through callbacks: ``emit(record)`` for metrics (the run store in a worker, a
progress bar in the CLI) and ``on_epoch_end`` for checkpoints. :func:`run_in_store` ties the
loop to a run directory; ``python -m core.train`` is its command line and the job worker.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import difflib
import io
import json
import logging
import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from core.data import DATASETS, LoadedData, load_dataset
from core.i18n import Message, UserError
from core.models import ModelSpec, build_model
from core.presets import get_preset
from core.runs import Checkpoint, RunStore, check_run_id, process_start_ticks

logger = logging.getLogger(__name__)

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "multistep", "cosine", "onecycle")
LOSSES = ("cross_entropy", "mse")
DEVICES = ("auto", "cpu", "cuda")

# Log points per epoch: enough for a smooth live curve, few enough that logging costs nothing.
LOG_POINTS_PER_EPOCH = 20
MISCLASSIFIED_SHOWN = 8  # validation images shown per epoch as "what the model got wrong"
MAX_FILTERS_SHOWN = 32  # first-layer kernels sent per epoch
EVAL_BATCH_SIZE = 512  # no gradients are kept, so evaluation batches can be large


_ALSO_ALLOWED = {"model": dict, "max_samples": int}  # types besides the default's own


def _fits(value: Any, default: Any, also: type | None) -> bool:
    """Return whether a JSON value has the type of a field whose default is ``default``."""
    if also is not None and isinstance(value, also) and not isinstance(value, bool):
        return True
    if isinstance(value, bool) or isinstance(default, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, type(default))


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings; ``to_dict``/``from_dict`` round-trip through JSON."""

    dataset: str = "digits"  # a data set key of core.data
    model: str | dict = "lenet"  # a preset key of core.models, or a ModelSpec as a dict
    epochs: int = 5  # passes over the training set
    batch_size: int = 64  # samples per step; steps per epoch: see steps_per_epoch()
    optimizer: str = "adam"  # one of OPTIMIZERS
    lr: float = 1e-3  # learning rate; the peak rate for "onecycle"
    momentum: float = 0.9  # SGD and RMSprop only
    weight_decay: float = 0.0  # L2 penalty on the weights (decoupled from the gradient in AdamW)
    schedule: str = "none"  # one of SCHEDULES: how lr changes over the run
    step_size: int = 2  # "step": multiply lr by gamma every step_size epochs
    milestones: tuple[int, ...] = (3, 6)  # "multistep": multiply lr by gamma at these epochs
    gamma: float = 0.1  # the factor of "step" and "multistep"
    loss: str = "cross_entropy"  # one of LOSSES; "mse" compares softmax outputs with one-hot targets
    crop_padding: int = 0  # random crop: pad by this many pixels, crop back to size (0 = off)
    flip: bool = False  # random horizontal flip of half the images
    val_fraction: float = 0.1  # share of the data held out to validate after each epoch
    seed: int = 0  # one seed fixes weights, shuffling and augmentation
    device: str = "auto"  # "auto" = cuda when available, else cpu
    threads: int = 0  # torch CPU threads; 0 = as many as the job queue gives a run
    max_samples: int | None = None  # use at most this many samples of the data set (None = all)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["milestones"] = list(self.milestones)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build a config from JSON; unknown keys and wrong types raise :class:`UserError`."""
        if not isinstance(data, dict):
            raise UserError(Message("train.bad_type", {"name": "config", "value": repr(data)[:60]}))
        names = [f.name for f in dataclasses.fields(cls)]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=3)
                raise UserError(Message("train.unknown_setting", {"name": key, "close": ", ".join(close) or "-"}))
        values = dict(data)
        if isinstance(values.get("milestones"), list):
            values["milestones"] = tuple(values["milestones"])
        for f in dataclasses.fields(cls):
            if f.name in values and not _fits(values[f.name], f.default, _ALSO_ALLOWED.get(f.name)):
                raise UserError(Message("train.bad_type", {"name": f.name, "value": repr(values[f.name])[:60]}))
            if f.name in values and isinstance(f.default, float):
                values[f.name] = float(values[f.name])  # 1 and 1.0 mean the same rate; store one form
        return cls(**values)

    def problems(self) -> list[Message]:
        """Return every broken rule, each naming the value and the nearest valid choice."""
        found = []
        if self.dataset not in DATASETS:
            close = difflib.get_close_matches(self.dataset, list(DATASETS), n=3)
            found.append(Message("train.unknown_dataset", {"name": self.dataset, "close": ", ".join(close) or "-"}))
        for name, allowed in (
            ("optimizer", OPTIMIZERS),
            ("schedule", SCHEDULES),
            ("loss", LOSSES),
            ("device", DEVICES),
        ):
            value = getattr(self, name)
            if value not in allowed:
                close = difflib.get_close_matches(str(value), allowed, n=1)
                found.append(
                    Message(
                        "train.not_one_of",
                        {"name": name, "value": value, "allowed": ", ".join(allowed), "close": ", ".join(close) or "-"},
                    )
                )
        for name, low in (("epochs", 1), ("batch_size", 1), ("step_size", 1), ("threads", 0), ("crop_padding", 0)):
            if getattr(self, name) < low:
                found.append(Message("train.too_small", {"name": name, "value": getattr(self, name), "low": low}))
        if self.max_samples is not None and self.max_samples < 10:
            found.append(Message("train.too_small", {"name": "max_samples", "value": self.max_samples, "low": 10}))
        if not (math.isfinite(self.lr) and self.lr > 0):
            found.append(Message("train.lr_positive", {"value": self.lr}))
        for name, ok, allowed in (
            ("momentum", 0 <= self.momentum < 1, "0 <= momentum < 1"),
            ("gamma", 0 < self.gamma <= 1, "0 < gamma <= 1"),
            ("weight_decay", 0 <= self.weight_decay < 1, "0 <= weight_decay < 1"),
            ("val_fraction", 0 < self.val_fraction <= 0.5, "0 < val_fraction <= 0.5"),
        ):
            if not ok:
                found.append(
                    Message("train.out_of_range", {"name": name, "value": getattr(self, name), "allowed": allowed})
                )
        if self.schedule == "multistep" and (
            not self.milestones or list(self.milestones) != sorted(set(self.milestones)) or self.milestones[0] < 1
        ):
            found.append(Message("train.bad_milestones", {"value": list(self.milestones)}))
        return found

    def check(self) -> TrainConfig:
        """Return the config if it has no problems; raise :class:`UserError` with the first one."""
        found = self.problems()
        if found:
            raise UserError(found[0])
        return self


# --- what the loop needs: device, model, data --------------------------------------------------


def pick_device(name: str) -> torch.device:
    """Return the device a config asks for; "auto" is cuda when available, else cpu."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError(Message("train.no_cuda"))
    return torch.device(name)


def resolve_spec(config: TrainConfig) -> ModelSpec:
    """Return the ModelSpec of a config: a preset's, or the one given as a dict (validated)."""
    if isinstance(config.model, dict):
        return ModelSpec.from_dict(config.model)
    return get_preset(config.model).spec


def load_data(config: TrainConfig, spec: ModelSpec) -> LoadedData:
    """Load the config's data set at the size the model expects (images are resized to fit)."""
    input_size = spec.input_shape[-1] if len(spec.input_shape) == 3 else None
    return load_dataset(
        config.dataset,
        input_size=input_size,
        val_fraction=config.val_fraction,
        seed=config.seed,
        max_samples=config.max_samples,
    )


def check_fit(model: nn.Module, spec: ModelSpec, data: LoadedData) -> None:
    """Raise :class:`UserError` unless the model takes the data's inputs and has one output per class."""
    sample_shape = tuple(data.x_train.shape[1:])
    if sample_shape != tuple(spec.input_shape):
        raise UserError(
            Message("train.shape_mismatch", {"data_shape": list(sample_shape), "model_shape": list(spec.input_shape)})
        )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            n_outputs = model(data.x_train[:2]).shape[-1]  # (2, *input_shape) -> (2, n_outputs)
    finally:
        model.train(was_training)
    if n_outputs != len(data.classes):
        raise UserError(Message("train.classes_mismatch", {"outputs": n_outputs, "classes": len(data.classes)}))


def _epoch_seed(seed: int, epoch: int) -> int:
    return (seed << 20) + epoch  # distinct for every (seed, epoch) a run can have


# --- augmentation: per image, a whole batch at a time ---------------------------------------------


def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Return each image shifted by its own random offset: zero-pad, then crop back to size.

    The same as torchvision's ``RandomCrop(size, padding)`` image by image, but done with one
    gather for the whole batch. Zero is the data set's mean after normalisation.
    """
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))  # (N, C, H, W) -> (N, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    rows = dy[:, None] + torch.arange(h, device=x.device)  # (N, H): the rows each image keeps
    cols = dx[:, None] + torch.arange(w, device=x.device)  # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None]
    crops = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return crops.permute(0, 3, 1, 2)  # (N, C, H, W), stored channels_last


def random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Return the batch with a random half of its images mirrored left to right."""
    flip = (torch.rand(x.shape[0], generator=generator) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(3), x)


# --- building the optimizer, the schedule and the loss ------------------------------------------------


def make_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.RMSprop(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def make_schedule(
    config: TrainConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Return the lr schedule, stepped once per batch (so epoch milestones become step counts)."""
    total_steps = config.epochs * steps_per_epoch
    if config.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, config.step_size * steps_per_epoch, config.gamma)
    if config.schedule == "multistep":
        milestones = [m * steps_per_epoch for m in config.milestones]
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, config.gamma)
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps)
    return None


def compute_loss(name: str, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Return the mean loss of a batch: (N, classes) logits and (N,) class indices -> scalar."""
    if name == "mse":
        one_hot = F.one_hot(target, logits.shape[1]).to(logits.dtype)
        return F.mse_loss(logits.softmax(dim=1), one_hot)
    return F.cross_entropy(logits, target)


# --- evaluation -----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Loss, accuracy and confusion matrix of a model on one split."""

    loss: float
    acc: float
    confusion: torch.Tensor  # (classes, classes): row = true class, column = predicted
    predicted: torch.Tensor  # (N,) on the CPU


def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_name: str, n_classes: int, max_batches: int | None = None
) -> Evaluation:
    """Return the model's loss, accuracy and confusion matrix on ``(x, y)``, in eval mode."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=x.device)
    predicted = []
    n = 0
    try:
        with torch.no_grad():
            for i, start in enumerate(range(0, len(x), EVAL_BATCH_SIZE)):
                if max_batches is not None and i >= max_batches:
                    break
                xb, yb = x[start : start + EVAL_BATCH_SIZE], y[start : start + EVAL_BATCH_SIZE]
                logits = model(xb)  # (B, *input_shape) -> (B, classes)
                loss_sum += compute_loss(loss_name, logits, yb) * len(xb)
                predicted.append(logits.argmax(dim=1))
                n += len(xb)
    finally:
        model.train(was_training)
    pred = torch.cat(predicted).cpu() if predicted else torch.zeros(0, dtype=torch.long)
    true = y[:n].cpu()
    confusion = torch.bincount(true * n_classes + pred, minlength=n_classes * n_classes).view(n_classes, n_classes)
    return Evaluation(
        loss=loss_sum.item() / max(n, 1),
        acc=(pred == true).float().mean().item() if n else 0.0,
        confusion=confusion,
        predicted=pred,
    )


def png_base64(picture: Image.Image) -> str:
    """Return a picture as a base64 PNG, ready for ``st.image`` or an ``<img>`` data URL."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def misclassified_examples(data: LoadedData, predicted: torch.Tensor) -> list[dict]:
    """Return the first few wrongly predicted validation samples: index, true, predicted, picture."""
    wrong = (predicted != data.y_val[: len(predicted)]).nonzero().flatten()[:MISCLASSIFIED_SHOWN].tolist()
    examples = []
    for i in wrong:
        example = {"index": i, "true": int(data.y_val[i]), "predicted": int(predicted[i])}
        if data.preprocessing is not None:  # undo the normalisation to show the picture as it was
            example["png_base64"] = png_base64(data.preprocessing.to_image(data.x_val[i]))
        else:
            example["features"] = [round(v, 4) for v in data.x_val[i].tolist()]
        examples.append(example)
    return examples


def first_layer_filters(model: nn.Module) -> dict | None:
    """Return the first Conv2d's kernels as nested lists (out, in, kH, kW), or None without one."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            weight = module.weight.detach()[:MAX_FILTERS_SHOWN].float().cpu()
            return {"layer": name, "shape": list(module.weight.shape), "values": weight.round(decimals=4).tolist()}
    return None


# --- the loop ------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """How a call to :func:`train` ended."""

    state: str  # "finished", "failed" or "cancelled"
    reason: Message | None  # why it failed or stopped; None when finished
    epoch: int  # epochs completed (and checkpointed)
    step: int  # optimizer steps taken, over all attempts
    metrics: dict = field(default_factory=dict)  # the last epoch's numbers; test_* once finished
    model: nn.Module | None = None


StopFlag = Callable[[], bool] | threading.Event


def steps_per_epoch(n_samples: int, batch_size: int) -> int:
    """Return the optimizer steps (iterations) of one epoch: ``n_samples`` split into batches of ``batch_size``.

    A batch size above ``n_samples`` gives one batch of all of them. A last batch of a single
    sample is skipped: it breaks BatchNorm (no variance to measure). The training page shows this
    count as its "samples / batch size = iterations per epoch" arithmetic.
    """
    if n_samples < 1 or batch_size < 1:
        raise ValueError(f"n_samples {n_samples} and batch_size {batch_size} must both be at least 1")
    batch_size = min(batch_size, n_samples)
    full_batches, rest = divmod(n_samples, batch_size)
    return full_batches + (1 if rest > 1 else 0)


def _nan_reason(bad_value: float, step: int, steps_before: int, lr: float) -> Message:
    what = "NaN" if math.isnan(bad_value) else "infinite"
    if steps_before == 0 and step == 1:
        # Nothing was updated yet, so the learning rate cannot be the cause.
        return Message("train.loss_not_finite_at_start", {"what": what})
    return Message(
        "train.loss_not_finite", {"what": what, "step": step, "suggested_lr": f"{float(f'{lr / 10:.1g}'):g}"}
    )


def train(
    config: TrainConfig,
    data: LoadedData,
    *,
    emit: Callable[[dict], None] | None = None,
    should_stop: StopFlag | None = None,
    on_epoch_end: Callable[[nn.Module, torch.optim.Optimizer, dict], None] | None = None,
    resume_from: Checkpoint | None = None,
    dry_run: bool = False,
) -> TrainResult:
    """Train a model as ``config`` says on ``data``; return how it ended.

    ``emit`` receives every record (a dict with ``kind`` start / resume / step / epoch / end);
    ``should_stop`` is polled before every step; ``on_epoch_end(model, optimizer, meta)`` runs
    after each epoch, where the caller saves a checkpoint; ``resume_from`` continues a run at the
    epoch after its checkpoint. ``dry_run`` takes one step and evaluates one batch.
    """
    config.check()
    emit = emit or (lambda record: None)
    stop = should_stop.is_set if isinstance(should_stop, threading.Event) else (should_stop or (lambda: False))
    spec = resolve_spec(config)
    device = pick_device(config.device)
    model = build_model(spec, seed=config.seed)
    check_fit(model, spec, data)

    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    x_val, y_val = data.x_val.to(device), data.y_val.to(device)
    is_image = x_train.dim() == 4
    if is_image and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        # channels_last (N, H, W, C in memory) lets the convolution kernels read each pixel's
        # channels together; the values and shapes are unchanged.
        model = model.to(memory_format=torch.channels_last)
        x_train = x_train.contiguous(memory_format=torch.channels_last)
        x_val = x_val.contiguous(memory_format=torch.channels_last)
    model.to(device)

    n_train, n_classes = len(x_train), len(data.classes)
    batch_size = min(config.batch_size, n_train)
    epoch_steps = steps_per_epoch(n_train, batch_size)
    total_steps = config.epochs * epoch_steps
    log_every = max(1, epoch_steps // LOG_POINTS_PER_EPOCH)

    optimizer = make_optimizer(config, model)
    schedule = make_schedule(config, optimizer, epoch_steps)
    epoch_done, step = 0, 0
    if resume_from is not None:
        epoch_done, step = int(resume_from.meta["epoch"]), int(resume_from.meta["step"])
        model.load_state_dict(resume_from.model_state)
        if schedule is not None:
            with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()": intended here
                warnings.simplefilter("ignore", UserWarning)
                for _ in range(step):  # the schedule is a function of the step count; replay it
                    schedule.step()
        if resume_from.optimizer_state is not None:
            optimizer.load_state_dict(resume_from.optimizer_state)
        emit({"kind": "resume", "epoch": epoch_done, "step": step})
    emit(
        {
            "kind": "start",
            "classes": list(data.classes),
            "epochs": config.epochs,
            "steps_per_epoch": epoch_steps,
            "total_steps": total_steps,
            "batch_size": batch_size,
            "n_train": n_train,
            "n_val": len(x_val),
            "n_test": len(data.x_test),
            "device": str(device),
            "threads": torch.get_num_threads(),
            "parameters": sum(p.numel() for p in model.parameters()),
        }
    )

    started = time.perf_counter()
    steps_this_attempt = 0
    metrics: dict = {
        k: v for k, v in (resume_from.meta if resume_from else {}).items() if k not in ("step", "steps_per_epoch")
    }
    for epoch in range(epoch_done + 1, config.epochs + 1):  # epochs count from 1, like the page
        torch.manual_seed(_epoch_seed(config.seed, epoch))  # dropout
        generator = torch.Generator().manual_seed(_epoch_seed(config.seed, epoch))  # shuffle + augmentation
        order = torch.randperm(n_train, generator=generator).to(device)
        model.train()
        epoch_loss, epoch_correct, epoch_seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        window_losses, window_seen, window_started = [], 0, time.perf_counter()
        for i in range(1 if dry_run else epoch_steps):
            if stop():
                reason = Message("train.cancelled", {"epoch": epoch - 1, "step": step})
                return TrainResult("cancelled", reason, epoch - 1, step, metrics, model)
            batch = order[i * batch_size : (i + 1) * batch_size]
            xb, yb = x_train[batch], y_train[batch]  # (B, *input_shape), (B,)
            if is_image and config.crop_padding:
                xb = random_crop(xb, config.crop_padding, generator)
            if is_image and config.flip:
                xb = random_flip(xb, generator)
            logits = model(xb)  # (B, *input_shape) -> (B, classes)
            loss = compute_loss(config.loss, logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if schedule is not None:
                schedule.step()
            step += 1
            steps_this_attempt += 1
            window_losses.append(loss.detach())
            window_seen += len(yb)
            epoch_loss += loss.detach() * len(yb)
            epoch_correct += (logits.argmax(dim=1) == yb).sum()
            epoch_seen += len(yb)
            if (i + 1) % log_every and i + 1 < epoch_steps and not dry_run:
                continue
            losses = torch.stack(window_losses).cpu()  # one device sync per log point, not per step
            bad = (~torch.isfinite(losses)).nonzero()
            if len(bad):
                bad_step = step - len(losses) + int(bad[0]) + 1
                reason = _nan_reason(float(losses[int(bad[0])]), bad_step, steps_this_attempt - len(losses), config.lr)
                return TrainResult("failed", reason, epoch - 1, step, metrics, model)
            now = time.perf_counter()
            emit(
                {
                    "kind": "step",
                    "epoch": epoch,
                    "step": step,
                    "loss": losses.mean().item(),  # mean over the steps since the last record
                    "acc": epoch_correct.item() / epoch_seen,  # running accuracy of this epoch
                    "lr": optimizer.param_groups[0]["lr"],
                    "images_per_s": window_seen / max(now - window_started, 1e-9),
                    "eta_s": (total_steps - step) * (now - started) / steps_this_attempt,
                    "time_s": now - started,
                }
            )
            window_losses, window_seen, window_started = [], 0, time.perf_counter()

        val = evaluate(model, x_val, y_val, config.loss, n_classes, max_batches=1 if dry_run else None)
        rows = val.confusion.sum(dim=1)
        metrics = {
            "epoch": epoch,
            "train_loss": epoch_loss.item() / epoch_seen,
            "train_acc": epoch_correct.item() / epoch_seen,
            "val_loss": val.loss,
            "val_acc": val.acc,
        }
        emit(
            {
                "kind": "epoch",
                "step": step,
                **metrics,
                "lr": optimizer.param_groups[0]["lr"],
                "confusion": val.confusion.tolist(),
                "per_class_acc": [
                    (int(val.confusion[c, c]) / int(rows[c])) if rows[c] else None for c in range(n_classes)
                ],
                "misclassified": misclassified_examples(data, val.predicted),
                "filters": first_layer_filters(model),
                "time_s": time.perf_counter() - started,
            }
        )
        if dry_run:
            return TrainResult("finished", None, epoch, step, metrics, model)
        if on_epoch_end is not None:
            on_epoch_end(model, optimizer, {"epoch": epoch, "step": step, "steps_per_epoch": epoch_steps, **metrics})

    if len(data.x_test):
        x_test = data.x_test.to(device)
        if is_image and x_test.dim() == 4:
            x_test = x_test.contiguous(memory_format=torch.channels_last)
        test = evaluate(model, x_test, data.y_test.to(device), config.loss, n_classes)
        metrics = {**metrics, "test_loss": test.loss, "test_acc": test.acc}
        emit(
            {
                "kind": "end",
                "step": step,
                "test_loss": test.loss,
                "test_acc": test.acc,
                "test_confusion": test.confusion.tolist(),
            }
        )
    return TrainResult("finished", None, config.epochs, step, metrics, model)


# --- a run in the run store: what the job worker and the command line execute ----------------------------


def model_info(
    run_id: str, config: TrainConfig, spec: ModelSpec, data: LoadedData, metrics: dict, complete: bool
) -> dict:
    """Return ``model.json``: all that prediction needs besides the weights."""
    return {
        "format": 1,
        "run_id": run_id,
        "name": spec.name,
        "spec": spec.to_dict(),
        "classes": list(data.classes),
        "input_shape": list(spec.input_shape),
        "kind": data.kind,
        "dataset": config.dataset,
        # The exact preprocessing of training, reused for prediction (one source of truth).
        "preprocessing": data.preprocessing.to_dict() if data.preprocessing is not None else None,
        "standardization": data.standardization.to_dict() if data.standardization is not None else None,
        "metrics": metrics,
        "complete": complete,  # False while training: these are the weights of the last epoch so far
    }


def _throttled(check: Callable[[], bool], every_s: float) -> Callable[[], bool]:
    """Return ``check`` limited to one real call per ``every_s`` seconds (a file check per step is waste)."""
    last = [-math.inf, False]

    def throttled() -> bool:
        now = time.monotonic()
        if now - last[0] >= every_s:
            last[0], last[1] = now, check()
        return last[1]

    return throttled


def run_in_store(
    store: RunStore,
    run_id: str,
    *,
    should_stop: StopFlag | None = None,
    progress: Callable[[dict], None] | None = None,
    max_threads: int | None = None,
) -> TrainResult:
    """Train the run ``run_id`` of ``store`` (from its last checkpoint, if it has one); return how it ended.

    Marks the run running, appends every record to its metrics log, checkpoints each epoch,
    honours a cancel request, and always leaves a final status: finished, failed (with the
    reason) or cancelled.
    """
    pid = os.getpid()
    store.update_status(
        run_id,
        state="running",
        reason=None,
        pid=pid,
        pid_start=process_start_ticks(pid),
        host=store.host,
        started_at=time.time(),
        ended_at=None,
    )
    cancel_requested = _throttled(lambda: store.cancel_requested(run_id), every_s=0.1)
    external = should_stop.is_set if isinstance(should_stop, threading.Event) else (should_stop or (lambda: False))
    result = TrainResult("failed", Message("train.crashed", {"error": "the worker was told to exit"}), 0, 0)
    try:
        config = TrainConfig.from_dict(store.read_config(run_id)).check()
        threads = config.threads or max_threads or torch.get_num_threads()
        torch.set_num_threads(min(threads, max_threads) if max_threads else threads)
        spec = resolve_spec(config)
        data = load_data(config, spec)
        checkpoint = store.load_checkpoint(run_id)

        def save(model: nn.Module, optimizer: torch.optim.Optimizer, meta: dict) -> None:
            state = model.state_dict()
            store.save_checkpoint(run_id, state, optimizer.state_dict(), meta)
            store.save_model(run_id, state, model_info(run_id, config, spec, data, meta, complete=False))

        with store.metrics_writer(run_id) as writer, store.tensorboard_logger(run_id) as tensorboard:

            def emit(record: dict) -> None:
                writer.write(record)
                tensorboard(record)
                if progress is not None:
                    progress(record)

            result = train(
                config,
                data,
                emit=emit,
                should_stop=lambda: cancel_requested() or external(),
                on_epoch_end=save,
                resume_from=checkpoint,
            )
        if result.state == "finished" and result.model is not None:
            info = model_info(run_id, config, spec, data, result.metrics, complete=True)
            store.save_model(run_id, result.model.state_dict(), info)
    except UserError as exc:
        result = TrainResult("failed", exc.message, 0, 0)
    except KeyboardInterrupt:  # Ctrl-C in the command line
        kept = store.checkpoint_meta(run_id)
        epoch, step = kept.get("epoch", 0), kept.get("step", 0)
        result = TrainResult("cancelled", Message("train.cancelled", {"epoch": epoch, "step": step}), epoch, step)
    except Exception as exc:  # a bug or a broken environment: keep the worker's last word for the user
        logger.exception("run %s crashed", run_id)
        result = TrainResult("failed", Message("train.crashed", {"error": f"{type(exc).__name__}: {exc}"[:300]}), 0, 0)
    finally:
        store.update_status(run_id, state=result.state, reason=result.reason, ended_at=time.time())
    return result


# --- command line -----------------------------------------------------------------------------------------


def warm_up() -> None:
    """Take one step of a tiny default run, so that a waiting worker pays the first-call costs now.

    The first data set load and the first convolution in a fresh process cost ~1.5 s (file
    reads, kernel selection); a warm worker pays them before a student clicks Start.
    """
    try:
        config = dataclasses.replace(TrainConfig(), max_samples=20)
        train(config, load_data(config, resolve_spec(config)), dry_run=True)
    except Exception:  # only an optimisation: the real run reports any real problem
        logger.exception("warm-up failed")


class ProgressBar:
    """Prints records as a one-line progress bar (on a terminal), and a line per epoch (CLI only)."""

    def __init__(self, stream: Any = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()  # in a log file, a bar redrawn with "\r" is just noise
        self.width, self.total_steps, self.epochs = width, 1, 1

    def __call__(self, record: dict) -> None:
        kind = record.get("kind")
        if kind == "start":
            self.total_steps, self.epochs = max(1, record["total_steps"]), record["epochs"]
            print(
                f"{record['n_train']} training images, {record['steps_per_epoch']} steps per epoch, "
                f"{record['parameters']:,} parameters, on {record['device']}",
                file=self.stream,
            )
        elif kind == "step" and self.live:
            filled = round(self.width * record["step"] / self.total_steps)
            bar = "#" * filled + "-" * (self.width - filled)
            print(
                f"\repoch {record['epoch']}/{self.epochs} [{bar}] loss {record['loss']:.4f} "
                f"acc {record['acc']:.1%} {record['images_per_s']:,.0f} img/s eta {record['eta_s']:.0f}s ",
                end="",
                file=self.stream,
                flush=True,
            )
        elif kind == "epoch":
            line = (
                f"epoch {record['epoch']}/{self.epochs}: train loss {record['train_loss']:.4f} "
                f"acc {record['train_acc']:.1%} | val loss {record['val_loss']:.4f} acc {record['val_acc']:.1%}"
            )
            print(f"\r{line:<100}" if self.live else line, file=self.stream, flush=True)
        elif kind == "end":
            print(f"test loss {record['test_loss']:.4f} acc {record['test_acc']:.1%}", file=self.stream)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m core.train",
        description="Train a model from a TrainConfig JSON file into the run store, printing progress.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--config", type=Path, help="a TrainConfig as JSON: starts a new run")
    what.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a run from its last checkpoint")
    what.add_argument(
        "--run",
        metavar="RUN_ID",
        help="train a run already in the store (the job queue's worker); '-' reads the id from stdin once ready",
    )
    parser.add_argument("--runs-dir", type=Path, help="the run store (default: STRIDE_RUNS_DIR or ./runs)")
    parser.add_argument("--owner", help="who started the run (stored with it; default: nobody)")
    parser.add_argument("--max-threads", type=int, help="cap on torch CPU threads (default: the config's threads)")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by this much first")
    parser.add_argument(
        "--dry-run", action="store_true", help="with --config: one batch, one evaluation, nothing stored"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 finished, 1 failed, 2 bad arguments, 3 cancelled)."""
    from core.settings import Settings

    args = _parse_args(argv)
    if args.nice:
        os.nice(args.nice)  # the job queue's workers yield the CPU to page reruns
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    runs_dir = args.runs_dir or Settings.from_env().runs_dir
    try:
        if args.config is not None:
            config = TrainConfig.from_dict(json.loads(args.config.read_text())).check()
            if args.dry_run:
                if args.max_threads:
                    torch.set_num_threads(args.max_threads)
                data = load_data(config, resolve_spec(config))
                result = train(config, data, emit=ProgressBar(), dry_run=True)
                print(
                    f"dry run: {result.state}, val loss {result.metrics.get('val_loss', math.nan):.4f}", file=sys.stderr
                )
                return 0
            store = RunStore(runs_dir)
            run_id = store.create_run(config.to_dict(), owner=args.owner, state="running").run_id
            print(f"run {run_id} in {store.run_dir(run_id)}", file=sys.stderr)
        elif args.resume is not None:
            store, run_id = RunStore(args.resume.resolve().parent), check_run_id(args.resume.resolve().name)
            store.clear_cancel_request(run_id)
        else:
            store, run_id = RunStore(runs_dir), args.run
            if run_id == "-":  # a warm worker: imports done; warm up, then wait for work
                warm_up()
                run_id = sys.stdin.readline().strip()
                if not run_id:
                    return 0  # the app closed our stdin without giving us a run
                log_fd = os.open(store.worker_log_path(check_run_id(run_id)), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
                os.dup2(log_fd, 1)  # from here on, print and logging go to the run's worker.log
                os.dup2(log_fd, 2)
                os.close(log_fd)
            check_run_id(run_id)
        result = run_in_store(store, run_id, progress=ProgressBar(), max_threads=args.max_threads)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if result.reason is not None:
        print(f"\n{result.state}: {result.reason}", file=sys.stderr)
    return {"finished": 0, "failed": 1, "cancelled": 3}.get(result.state, 1)


if __name__ == "__main__":
    sys.exit(main())
