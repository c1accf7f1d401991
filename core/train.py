"""The training loop: data on the device, metric records out through a callback.

The loop is the one every PyTorch tutorial teaches (``zero_grad``, ``backward``, ``step``;
``model.eval()`` and ``torch.no_grad()`` to evaluate), made fast for small data sets:

- the whole data set sits on the device as one tensor; each epoch shuffles it with one
  ``randperm`` and augments a batch at a time (random crop + flip, drawn per image), so no
  per-image Python or PIL work runs inside the loop;
- losses stay on the device between log points, so the GPU is not stalled by ``.item()`` each step;
- every epoch's randomness comes from ``(seed, epoch)``, so a run resumed from its last
  checkpoint repeats exactly what the uninterrupted run would have done (on the CPU).

Side effects go through callbacks: ``emit(record)`` for the :mod:`core.metrics` records (the run
store in a worker, a progress bar in the command line) and ``on_epoch_end`` for checkpoints.
What a run is (:class:`~core.config.TrainConfig`) is :mod:`core.config`; a run in the run store is
:mod:`core.worker`; the command line (``python -m core.train``) is :mod:`core.train_cli`.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from core.anatomy import freeze_layers
from core.augment import augment, epoch_seed
from core.builder import build_model, first_layer_filters
from core.checkpoints import Checkpoint
from core.config import TrainConfig
from core.i18n import Message, UserError
from core.losses import compute_loss, loss_problem, outputs_for, predicted_classes
from core.metrics import (
    CheckpointMeta,
    EndRecord,
    EpochRecord,
    Filters,
    Mistake,
    Record,
    ResumeRecord,
    StartRecord,
    StepRecord,
)
from core.modelspec import ModelSpec
from core.optimizers import make_optimizer, make_schedule
from core.pictures import png_base64
from core.presets import resolve_spec
from core.splits import LoadedData
from core.transfer import load_start_weights

# Log points per epoch: enough for a smooth live curve, few enough that logging costs nothing.
LOG_POINTS_PER_EPOCH = 20
MISCLASSIFIED_SHOWN = 8  # validation images shown per epoch as "what the model got wrong"
MAX_FILTERS_SHOWN = 32  # first-layer kernels sent per epoch
EVAL_BATCH_SIZE = 512  # no gradients are kept, so evaluation batches can be large


# --- what the loop needs: device, model, data --------------------------------------------------


def pick_device(name: str) -> torch.device:
    """Return the device a config asks for; "auto" is cuda when available, else cpu."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError(Message("train.no_cuda"))
    return torch.device(name)


def check_fit(model: nn.Module, spec: ModelSpec, data: LoadedData, loss: str = "cross_entropy") -> None:
    """Raise :class:`UserError` unless the model takes the data's inputs and has the outputs ``loss`` needs.

    One output per class, or (BCE) one sigmoid output for two classes: :mod:`core.losses`.
    """
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
    problem = loss_problem(loss, spec, n_outputs, len(data.classes))
    if problem is not None:
        raise UserError(problem)
    if n_outputs != outputs_for(loss, len(data.classes)):
        raise UserError(Message("train.classes_mismatch", {"outputs": n_outputs, "classes": len(data.classes)}))


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
                predicted.append(predicted_classes(loss_name, logits))
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


def misclassified_examples(data: LoadedData, predicted: torch.Tensor) -> list[Mistake]:
    """Return the first few wrongly predicted validation samples: index, true, predicted, picture."""
    wrong = (predicted != data.y_val[: len(predicted)]).nonzero().flatten()[:MISCLASSIFIED_SHOWN].tolist()
    examples = []
    for i in wrong:
        true, guess = int(data.y_val[i]), int(predicted[i])
        if data.preprocessing is not None:  # undo the normalisation to show the picture as it was
            examples.append(Mistake(i, true, guess, png_base64=png_base64(data.preprocessing.to_image(data.x_val[i]))))
        else:
            examples.append(Mistake(i, true, guess, features=[round(v, 4) for v in data.x_val[i].tolist()]))
    return examples


def filters_record(model: nn.Module) -> Filters | None:
    """Return the first Conv2d's kernels (at most MAX_FILTERS_SHOWN) for the epoch record, or None."""
    found = first_layer_filters(model)
    if found is None:
        return None
    name, weight = found  # (C_out, C_in / groups, kH, kW)
    values = weight[:MAX_FILTERS_SHOWN].float().cpu().round(decimals=4).tolist()
    return Filters(layer=name, shape=list(weight.shape), values=values)


# --- the loop ------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """How a call to :func:`train` ended."""

    state: str  # "finished", "failed" or "cancelled"
    reason: Message | None  # why it failed or stopped; None when finished
    epoch: int  # epochs completed (and checkpointed)
    step: int  # optimizer steps taken, over all attempts
    metrics: dict = field(default_factory=dict)  # the last epoch's numbers (CheckpointMeta's); test_* once finished
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
    emit: Callable[[Record], None] | None = None,
    should_stop: StopFlag | None = None,
    on_epoch_end: Callable[[nn.Module, torch.optim.Optimizer, CheckpointMeta], None] | None = None,
    resume_from: Checkpoint | None = None,
    dry_run: bool = False,
) -> TrainResult:
    """Train a model as ``config`` says on ``data``; return how it ended.

    ``emit`` receives every :mod:`core.metrics` record (start, resume, step, epoch, end);
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
    if config.init_from:  # transfer learning: the bundled model's matching tensors replace the fresh ones
        load_start_weights(model, config.init_from)
    frozen = freeze_layers(model, config.frozen)  # requires_grad False: no gradient, left out of the optimizer
    if frozen and not any(p.requires_grad for p in model.parameters()):
        raise UserError(Message("anatomy.all_frozen", {"layers": ", ".join(config.frozen)[:200]}))
    check_fit(model, spec, data, config.loss)

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
        epoch_done, step = resume_from.meta.epoch, resume_from.meta.step
        model.load_state_dict(resume_from.model_state)
        if schedule is not None:
            with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()": intended here
                warnings.simplefilter("ignore", UserWarning)
                for _ in range(step):  # the schedule is a function of the step count; replay it
                    schedule.step()
        if resume_from.optimizer_state is not None:
            optimizer.load_state_dict(resume_from.optimizer_state)
        emit(ResumeRecord(epoch=epoch_done, step=step))
    emit(
        StartRecord(
            classes=list(data.classes),
            epochs=config.epochs,
            steps_per_epoch=epoch_steps,
            total_steps=total_steps,
            batch_size=batch_size,
            n_train=n_train,
            n_val=len(x_val),
            n_test=len(data.x_test),
            device=str(device),
            threads=torch.get_num_threads(),
            parameters=sum(p.numel() for p in model.parameters()),
        )
    )

    started = time.perf_counter()
    steps_this_attempt = 0
    metrics: dict = {}
    if resume_from is not None:
        metrics = {k: v for k, v in resume_from.meta.to_json().items() if k not in ("step", "steps_per_epoch")}
    for epoch in range(epoch_done + 1, config.epochs + 1):  # epochs count from 1, like the page
        torch.manual_seed(epoch_seed(config.seed, epoch))  # dropout
        generator = torch.Generator().manual_seed(epoch_seed(config.seed, epoch))  # shuffle + augmentation
        order = torch.randperm(n_train, generator=generator).to(device)
        model.train()
        epoch_loss, epoch_correct, epoch_seen = torch.zeros((), device=device), torch.zeros((), device=device), 0
        window_losses, epoch_started = [], time.perf_counter()
        for i in range(1 if dry_run else epoch_steps):
            if stop():
                reason = Message("train.cancelled", {"epoch": epoch - 1, "step": step})
                return TrainResult("cancelled", reason, epoch - 1, step, metrics, model)
            batch = order[i * batch_size : (i + 1) * batch_size]
            xb, yb = x_train[batch], y_train[batch]  # (B, *input_shape), (B,)
            if is_image:
                xb = augment(xb, config.crop_padding, config.flip, generator, config.zoom)
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
            epoch_loss += loss.detach() * len(yb)
            epoch_correct += (predicted_classes(config.loss, logits) == yb).sum()
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
                StepRecord(
                    epoch=epoch,
                    step=step,
                    loss=losses.mean().item(),  # mean over the steps since the last record
                    acc=epoch_correct.item() / epoch_seen,  # running accuracy of this epoch
                    lr=optimizer.param_groups[0]["lr"],
                    images_per_s=epoch_seen / max(now - epoch_started, 1e-9),  # steadier than one step's
                    eta_s=(total_steps - step) * (now - started) / steps_this_attempt,
                    time_s=now - started,
                )
            )
            window_losses = []

        val = evaluate(model, x_val, y_val, config.loss, n_classes, max_batches=1 if dry_run else None)
        rows = val.confusion.sum(dim=1)
        meta = CheckpointMeta(
            epoch=epoch,
            step=step,
            steps_per_epoch=epoch_steps,
            train_loss=epoch_loss.item() / epoch_seen,
            train_acc=epoch_correct.item() / epoch_seen,
            val_loss=val.loss,
            val_acc=val.acc,
        )
        metrics = {k: v for k, v in meta.to_json().items() if k not in ("step", "steps_per_epoch")}
        emit(
            EpochRecord(
                epoch=epoch,
                step=step,
                train_loss=meta.train_loss,
                train_acc=meta.train_acc,
                val_loss=val.loss,
                val_acc=val.acc,
                lr=optimizer.param_groups[0]["lr"],
                confusion=val.confusion.tolist(),
                per_class_acc=[
                    (int(val.confusion[c, c]) / int(rows[c])) if rows[c] else None for c in range(n_classes)
                ],
                misclassified=misclassified_examples(data, val.predicted),
                filters=filters_record(model),
                time_s=time.perf_counter() - started,
            )
        )
        if dry_run:
            return TrainResult("finished", None, epoch, step, metrics, model)
        if on_epoch_end is not None:
            on_epoch_end(model, optimizer, meta)

    if len(data.x_test):
        x_test = data.x_test.to(device)
        if is_image and x_test.dim() == 4:
            x_test = x_test.contiguous(memory_format=torch.channels_last)
        test = evaluate(model, x_test, data.y_test.to(device), config.loss, n_classes)
        metrics = {**metrics, "test_loss": test.loss, "test_acc": test.acc}
        emit(EndRecord(step=step, test_loss=test.loss, test_acc=test.acc, test_confusion=test.confusion.tolist()))
    return TrainResult("finished", None, config.epochs, step, metrics, model)


if __name__ == "__main__":  # `python -m core.train ...`: the command line lives in core.train_cli
    from core.train_cli import main

    sys.exit(main())
