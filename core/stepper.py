"""One training step taken apart: a small model and a DataLoader, advanced one mini-batch at a time.

:class:`Stepper` runs the loop every tutorial writes (``zero_grad``, forward, loss, ``backward``,
``step``) exactly as the script of :mod:`core.loop_code` does, so the page and the script show the
same numbers for the same settings: the weights come from ``torch.manual_seed(seed)`` and the
model's constructor, the batches from ``DataLoader(..., shuffle=True, generator=seeded)``, and
Dropout from the random stream after the weights. After each step it keeps a :class:`StepView`:
the batch, the outputs, the loss worked out per sample, every gradient, the weights before and
after, the loss on the same batch after the step, and what ``train()`` and ``eval()`` change.

Looking never changes the training: the extra forward passes (eval mode, the loss after the
step) restore BatchNorm's buffers and replay the step's random stream, so step N is the same
whether or not anyone looked at steps 1..N-1. A Stepper belongs to one session (it is mutable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.builder import build_model
from core.config import LR_CHOICES, OPTIMIZERS, TrainConfig
from core.data import load_dataset
from core.datasets import DATASETS
from core.i18n import Message, UserError
from core.loss_calculator import LossResult, work_out
from core.losses import class_probabilities, compute_loss
from core.modelspec import ModelSpec
from core.optimizers import UpdateLine, make_optimizer, written_update
from core.presets import PRESETS, presets_for
from core.splits import LoadedData

MAX_REPLAY_STEPS = 100  # a link may ask for step N: replaying more than this from the seed takes too long
BATCH_SIZE_RANGE = (1, 256)
SHOWN_CHANNELS = 8  # BatchNorm channels listed per layer


@dataclass(frozen=True)
class StepSetup:
    """A model and the data set it steps through; ``losses`` are those it can train with (the first is the default)."""

    key: str
    preset: str
    dataset: str
    losses: tuple[str, ...]

    def spec(self) -> ModelSpec:
        """Return the preset, fitted to the data set's columns and classes where it must be."""
        return presets_for(DATASETS[self.dataset])[self.preset]

    @property
    def input_size(self) -> int | None:
        shape = self.spec().input_shape
        return shape[-1] if len(shape) == 3 else None


SETUPS = {
    s.key: s
    for s in (
        StepSetup("lenet_digits", "lenet", "digits", ("cross_entropy", "mse")),
        StepSetup("dnn_synthetic3", "dnn_tabular", "synthetic3", ("cross_entropy", "mse")),
        StepSetup("dnn_binary_cancer", "dnn_binary", "breast_cancer", ("bce",)),
        StepSetup("small_cnn_shapes", "small_cnn", "shapes", ("cross_entropy", "mse")),  # BatchNorm
        StepSetup("v3_shapes", "cifar10_simple_v3", "shapes", ("cross_entropy", "mse")),  # Dropout and BatchNorm
    )
}


@dataclass(frozen=True)
class StepSettings:
    """What the step view trains: a setup of :data:`SETUPS`, its loss, the optimizer and the batches."""

    setup: str = "lenet_digits"
    loss: str = "cross_entropy"
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9  # SGD and RMSprop
    batch_size: int = 16
    seed: int = 0

    def problems(self) -> list[Message]:
        """Return each setting that cannot be used, with the nearest that can."""
        found = []
        if self.setup not in SETUPS:
            found.append(Message("step.unknown_setup", {"value": self.setup, "choices": ", ".join(SETUPS)}))
            return found
        losses = SETUPS[self.setup].losses
        if self.loss not in losses:
            found.append(Message("step.loss_not_for_model", {"value": self.loss, "choices": ", ".join(losses)}))
        if self.optimizer not in OPTIMIZERS:
            found.append(
                Message(
                    "step.not_one_of", {"name": "optimizer", "value": self.optimizer, "choices": ", ".join(OPTIMIZERS)}
                )
            )
        if self.lr not in LR_CHOICES:
            found.append(
                Message("step.not_one_of", {"name": "lr", "value": self.lr, "choices": ", ".join(map(str, LR_CHOICES))})
            )
        low, high = BATCH_SIZE_RANGE
        if not low <= self.batch_size <= high:
            found.append(Message("step.batch_range", {"value": self.batch_size, "low": low, "high": high}))
        if not 0 <= self.momentum < 1 or self.seed < 0:
            found.append(Message("step.bad_number", {"momentum": self.momentum, "seed": self.seed}))
        return found

    def train_config(self) -> TrainConfig:
        """Return these settings as the TrainConfig they correspond to (one epoch; the optimizer is built from it)."""
        setup = SETUPS[self.setup]
        spec = setup.spec()
        model: str | dict = setup.preset if spec == PRESETS[setup.preset].spec else spec.to_dict()
        return TrainConfig(
            dataset=setup.dataset,
            model=model,
            epochs=1,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            lr=self.lr,
            momentum=self.momentum,
            loss=self.loss,
            seed=self.seed,
        )


@dataclass(frozen=True)
class DropoutEffect:
    """A Dropout layer in train mode: which activations this step's mask zeroed."""

    name: str
    p: float
    zeroed: float  # the share of its non-zero inputs the mask set to 0 (about p)
    mask: torch.Tensor  # the first sample's mask, flattened: True = dropped


@dataclass(frozen=True)
class BatchNormEffect:
    """A BatchNorm layer in train mode: the batch's statistics, and the running ones before and after."""

    name: str
    momentum: float
    batch_mean: list[float]  # per channel, the first SHOWN_CHANNELS
    running_before: list[float]
    running_after: list[float]  # (1 − momentum)·before + momentum·batch_mean


@dataclass(frozen=True)
class StepView:
    """Everything one step computed, to show it."""

    step: int  # optimizer steps taken so far, this one included (counted from 1)
    epoch: int  # counted from 1
    batch: int  # this batch's place in its epoch, from 1
    batches_per_epoch: int
    x: torch.Tensor  # (N, *input_shape), as the model saw it
    y: torch.Tensor  # (N,) class indices
    outputs: torch.Tensor  # (N, outputs) before the step, in train mode
    probabilities: torch.Tensor  # (N, classes): softmax, or [1 − p, p] for one sigmoid output
    loss: float  # the trainer's compute_loss on this batch
    worked: LossResult  # the same loss, per sample, worked out by the formula
    grads: dict[str, torch.Tensor]  # parameter name (named_parameters) -> its gradient
    before: dict[str, torch.Tensor]  # the weights before optimizer.step()
    after: dict[str, torch.Tensor]  # ... and after it
    state_before: dict[str, dict[str, torch.Tensor]]  # the optimizer's per-weight state before the step
    loss_after: float  # the same batch, the same Dropout mask, the new weights
    eval_outputs: torch.Tensor  # (N, outputs) in eval mode before the step
    previous_grad_norm: float | None  # the gradients zero_grad() cleared (None at the first step)
    dropout: list[DropoutEffect] = field(default_factory=list)
    batchnorm: list[BatchNormEffect] = field(default_factory=list)

    def grad_norms(self) -> list[tuple[str, list[int], float]]:
        """Return (name, shape, L2 norm of the gradient) per parameter tensor, in model order."""
        return [(name, list(g.shape), float(g.norm())) for name, g in self.grads.items()]

    @property
    def mode_difference(self) -> float:
        """The largest difference between train-mode and eval-mode outputs (0 without Dropout or BatchNorm)."""
        return float((self.outputs - self.eval_outputs).abs().max())


def load_step_data(setup: str, seed: int) -> LoadedData:
    """Return the data set of ``setup`` as the step view and its script load it."""
    chosen = SETUPS[setup]
    return load_dataset(chosen.dataset, input_size=chosen.input_size, val_fraction=0.1, seed=seed)


def loader_drops_last(n_train: int, batch_size: int, spec: ModelSpec) -> bool:
    """Return whether the DataLoader must drop the last batch: one sample cannot feed BatchNorm in train mode."""
    has_batchnorm = any(layer.type.startswith("BatchNorm") for layer in spec.layers)
    return has_batchnorm and n_train % batch_size == 1


class Stepper:
    """A model, its optimizer and a DataLoader, stepped one batch at a time (see the module docstring)."""

    def __init__(self, settings: StepSettings, data: LoadedData):
        problems = settings.problems()
        if problems:
            raise UserError(problems[0])
        self.settings = settings
        self.spec = SETUPS[settings.setup].spec()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(settings.seed)  # as the script: the seed, then the model's constructor
            self.model = build_model(self.spec)
            self.rng_state = torch.get_rng_state()  # where Dropout's stream starts
        self.optimizer = make_optimizer(settings.train_config(), self.model)
        self.data = data
        drop_last = loader_drops_last(len(data.y_train), settings.batch_size, self.spec)
        self.loader = DataLoader(
            TensorDataset(data.x_train, data.y_train),
            batch_size=settings.batch_size,
            shuffle=True,
            drop_last=drop_last,
            generator=torch.Generator().manual_seed(settings.seed),
        )
        self.step = 0
        self.epoch = 1
        self.batch_in_epoch = 0
        self.losses: list[float] = []  # each step's loss, for the curve
        self.view: StepView | None = None
        self._batches = iter(self.loader)

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        try:
            batch = next(self._batches)
        except StopIteration:  # the epoch is over: a new pass, newly shuffled
            self.epoch += 1
            self.batch_in_epoch = 0
            self._batches = iter(self.loader)
            batch = next(self._batches)
        self.batch_in_epoch += 1
        return batch

    def advance(self, steps: int) -> StepView:
        """Take ``steps`` steps; return the view of the last one (the others are taken without looking)."""
        for i in range(steps):
            self.take_step(look=i == steps - 1)
        assert self.view is not None
        return self.view

    def take_step(self, look: bool = True) -> StepView | None:
        """Take one optimizer step on the next batch; with ``look``, record everything about it."""
        x, y = self._next_batch()
        model, optimizer, loss_name = self.model, self.optimizer, self.settings.loss
        model.train()
        rng_at_start = self.rng_state
        previous = [p.grad for p in model.parameters() if p.grad is not None]
        previous_norm = float(torch.stack([g.norm() for g in previous]).norm()) if look and previous else None
        hooks, seen = _watch_modes(model) if look else ([], {})
        try:
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(rng_at_start)
                optimizer.zero_grad()  # 1. zero_grad
                outputs = model(x)  # 2. forward: (N, *input_shape) -> (N, outputs)
                loss = compute_loss(loss_name, outputs, y)  # 3. loss
                self.rng_state = torch.get_rng_state()
        finally:
            for hook in hooks:
                hook.remove()
        loss.backward()  # 4. backward
        if look:
            eval_outputs = self._eval_outputs(x)  # the weights before the update, in eval mode
            before = {name: p.detach().clone() for name, p in model.named_parameters()}
            state_before = _optimizer_state(optimizer, model)
        optimizer.step()  # 5. step
        self.step += 1
        self.losses.append(loss.item())
        if not look:
            return None
        self.view = StepView(
            step=self.step,
            epoch=self.epoch,
            batch=self.batch_in_epoch,
            batches_per_epoch=len(self.loader),
            x=x,
            y=y,
            outputs=outputs.detach(),
            probabilities=_probabilities(loss_name, outputs.detach()),
            loss=loss.item(),
            worked=_worked(loss_name, outputs.detach(), y),
            grads={name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None},
            before=before,
            after={name: p.detach().clone() for name, p in model.named_parameters()},
            state_before=state_before,
            loss_after=self._loss_again(x, y, rng_at_start),
            eval_outputs=eval_outputs,
            previous_grad_norm=previous_norm,
            dropout=seen["dropout"],
            batchnorm=[
                BatchNormEffect(name, momentum, batch_mean, before_mean, seen["after"][name])
                for name, momentum, batch_mean, before_mean in seen["batchnorm"]
            ],
        )
        return self.view

    def _loss_again(self, x: torch.Tensor, y: torch.Tensor, rng_state: torch.Tensor) -> float:
        """The batch's loss with the new weights: same Dropout mask, BatchNorm's running statistics untouched."""
        buffers = {name: b.clone() for name, b in self.model.named_buffers()}
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                torch.set_rng_state(rng_state)
                return float(compute_loss(self.settings.loss, self.model(x), y))
        finally:
            _restore_buffers(self.model, buffers)

    def _eval_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """The batch's outputs in eval mode: no Dropout, BatchNorm with its running statistics (nothing is updated)."""
        self.model.eval()
        try:
            with torch.no_grad():
                return self.model(x)
        finally:
            self.model.train()


def update_of(view: StepView, settings: StepSettings, name: str, index: int) -> tuple[list[UpdateLine], float]:
    """Return one weight's update written out (parameter ``name``, flat ``index``) and the value step() wrote."""
    state = {k: float(v.reshape(-1)[index]) for k, v in view.state_before.get(name, {}).items()}
    w = float(view.before[name].reshape(-1)[index])
    grad = float(view.grads[name].reshape(-1)[index])
    lines, _ = written_update(settings.train_config(), w, grad, state, view.step)
    return lines, float(view.after[name].reshape(-1)[index])


def largest_gradient(view: StepView, name: str) -> int:
    """Return the flat index of the weight of ``name`` with the largest |gradient| this step."""
    return int(view.grads[name].abs().reshape(-1).argmax())


def _restore_buffers(model: nn.Module, buffers: dict[str, torch.Tensor]) -> None:
    for name, buffer in model.named_buffers():
        buffer.copy_(buffers[name])


def _optimizer_state(optimizer: torch.optim.Optimizer, model: nn.Module) -> dict[str, dict[str, torch.Tensor]]:
    state = {}
    for name, p in model.named_parameters():
        kept = optimizer.state.get(p, {})
        state[name] = {k: v.clone() for k, v in kept.items() if isinstance(v, torch.Tensor) and v.shape == p.shape}
    return state


def _probabilities(loss_name: str, outputs: torch.Tensor) -> torch.Tensor:
    return class_probabilities(outputs) if loss_name == "bce" else outputs.softmax(dim=1)


def _worked(loss_name: str, outputs: torch.Tensor, y: torch.Tensor) -> LossResult:
    """The batch's loss as the calculator works it out: what compute_loss does, one sample per line."""
    rows = outputs.double().tolist()
    if loss_name == "cross_entropy":
        return work_out("cross_entropy", rows, [[v] for v in y.tolist()], "mean")
    if loss_name == "bce":
        return work_out("bce", [[r[0] for r in rows]], [[float(v) for v in y.tolist()]], "mean")
    one_hot = torch.nn.functional.one_hot(y, outputs.shape[1]).double().tolist()
    return work_out("mse", outputs.double().softmax(dim=1).tolist(), one_hot, "mean")


def _watch_modes(model: nn.Module) -> tuple[list, dict]:
    """Hook every Dropout and BatchNorm layer for one train-mode forward pass; return (hooks, what they saw).

    What they saw: "dropout", a list of DropoutEffect; "batchnorm", (name, momentum, batch mean,
    running mean before) per layer; "after", name -> the running mean after its forward.
    """
    hooks: list = []
    seen: dict = {"dropout": [], "batchnorm": [], "after": {}}
    for name, module in model.named_modules():
        if isinstance(module, nn.Dropout):

            def keep_mask(m, args, out, name=name):
                kept_in = args[0] != 0  # a ReLU before it already zeroed some: those cannot be dropped
                dropped = (out == 0) & kept_in
                share = float(dropped.sum() / kept_in.sum().clamp(min=1))
                seen["dropout"].append(DropoutEffect(name, m.p, share, dropped[0].flatten()))

            hooks.append(module.register_forward_hook(keep_mask))
        elif isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d) and module.track_running_stats:

            def before_bn(m, args, name=name):
                dims = [d for d in range(args[0].dim()) if d != 1]  # every dimension but the channels
                batch_mean = args[0].detach().mean(dim=dims)[:SHOWN_CHANNELS].tolist()
                seen["batchnorm"].append((name, m.momentum, batch_mean, m.running_mean[:SHOWN_CHANNELS].tolist()))

            def after_bn(m, args, out, name=name):
                seen["after"][name] = m.running_mean[:SHOWN_CHANNELS].tolist()

            hooks.append(module.register_forward_pre_hook(before_bn))
            hooks.append(module.register_forward_hook(after_bn))
    return hooks, seen


def running_mean_check(effect: BatchNormEffect) -> bool:
    """Return whether the running mean moved as ``(1 − momentum)·before + momentum·batch_mean`` (float32 rounding)."""
    return all(
        math.isclose((1 - effect.momentum) * r0 + effect.momentum * b, r1, rel_tol=1e-4, abs_tol=1e-6)
        for r0, b, r1 in zip(effect.running_before, effect.batch_mean, effect.running_after, strict=True)
    )
