"""What a training run is: :class:`TrainConfig`, its choices, and the training form's bounds and recipes.

Every part of Stride that names a run imports this module and nothing heavier: the training page,
the job queue and its limits, the class board's recipes, the model files (which store the config
they were trained with). The loop that runs a config is :mod:`core.train`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.datasets import DATASETS, UPLOAD_KINDS
from core.formatting import format_number
from core.i18n import Message, UserError
from core.suggest import closest

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "multistep", "cosine", "onecycle")
LOSSES = ("cross_entropy", "mse", "bce")  # what each computes: core.losses
DEVICES = ("auto", "cpu", "cuda")

_ALSO_ALLOWED = {"model": dict, "max_samples": int}  # types besides the default's own


_TUPLE_ITEMS = {"milestones": int, "frozen": str}  # what the tuple fields hold
MAX_FROZEN = 200  # layer names in ``frozen``: a model has at most core.modelspec.MAX_LAYERS layers
_BUNDLED_NAME = re.compile(r"[a-z0-9_]{1,60}")  # a folder of models/; core.transfer checks that it exists


def _fits(value: Any, default: Any, also: type | None, item: type = int) -> bool:
    """Return whether a JSON value has the type of a field whose default is ``default`` (tuples hold ``item``)."""
    if also is not None and isinstance(value, also) and not isinstance(value, bool):
        return True
    if isinstance(value, bool) or isinstance(default, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(v, item) and not isinstance(v, bool) for v in value)
    return isinstance(value, type(default))


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings; ``to_dict``/``from_dict`` round-trip through JSON."""

    dataset: str = "digits"  # a data set key of core.data, or "zip" / "csv": an upload stored in the run
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
    loss: str = "cross_entropy"  # one of LOSSES; what each computes from the outputs: core.losses
    crop_padding: int = 0  # random crop: pad by this many pixels, crop back to size (0 = off)
    flip: bool = False  # random horizontal flip of half the images
    zoom: float = 0.0  # random zoom: each image scaled by a factor in [1 - zoom, 1 + zoom] (0 = off)
    val_fraction: float = 0.1  # share of the data held out to validate after each epoch
    seed: int = 0  # one seed fixes weights, shuffling and augmentation
    device: str = "auto"  # "auto" = cuda when available, else cpu
    threads: int = 0  # torch CPU threads; 0 = as many as the job queue gives a run
    max_samples: int | None = None  # use at most this many samples of the data set (None = all)
    # transfer learning (core.transfer): start from a bundled model's weights, train only what is not frozen
    init_from: str = ""  # "" = fresh weights (seeded); else a bundled model (models/<name>) whose matching tensors load
    frozen: tuple[str, ...] = ()  # layer names whose parameters keep their values: requires_grad False, not optimised

    def __post_init__(self) -> None:
        if isinstance(self.frozen, list):  # a form or JSON gives a list; the config keeps a tuple (hashable)
            object.__setattr__(self, "frozen", tuple(self.frozen))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["milestones"] = list(self.milestones)
        data["frozen"] = list(self.frozen)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build a config from JSON; unknown keys and wrong types raise :class:`UserError`."""
        if not isinstance(data, dict):
            raise UserError(Message("train.bad_type", {"name": "config", "value": repr(data)[:60]}))
        names = [f.name for f in dataclasses.fields(cls)]
        for key in data:
            if key not in names:
                close = closest(key, names)
                raise UserError(Message("train.unknown_setting", {"name": key, "close": ", ".join(close) or "-"}))
        values = dict(data)
        for name in _TUPLE_ITEMS:
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        for f in dataclasses.fields(cls):
            item = _TUPLE_ITEMS.get(f.name, int)
            if f.name in values and not _fits(values[f.name], f.default, _ALSO_ALLOWED.get(f.name), item):
                raise UserError(Message("train.bad_type", {"name": f.name, "value": repr(values[f.name])[:60]}))
            if f.name in values and isinstance(f.default, float):
                values[f.name] = float(values[f.name])  # 1 and 1.0 mean the same rate; store one form
        return cls(**values)

    def problems(self) -> list[Message]:
        """Return every broken rule, each naming the value and the nearest valid choice."""
        found = []
        if self.dataset not in DATASETS and self.dataset not in UPLOAD_KINDS:
            close = closest(self.dataset, DATASETS)
            found.append(Message("train.unknown_dataset", {"name": self.dataset, "close": ", ".join(close) or "-"}))
        for name, allowed in (
            ("optimizer", OPTIMIZERS),
            ("schedule", SCHEDULES),
            ("loss", LOSSES),
            ("device", DEVICES),
        ):
            value = getattr(self, name)
            if value not in allowed:
                close = closest(value, allowed, n=1)
                found.append(
                    Message(
                        "train.not_one_of",
                        {"name": name, "value": value, "allowed": ", ".join(allowed), "close": ", ".join(close) or "-"},
                    )
                )
        for name, low in (("epochs", 1), ("batch_size", 1), ("step_size", 1), ("threads", 0), ("crop_padding", 0)):
            if getattr(self, name) < low:
                found.append(Message("train.too_small", {"name": name, "value": getattr(self, name), "low": low}))
        if self.dataset in UPLOAD_KINDS and self.max_samples is None:  # what the server's limits count
            found.append(Message("train.upload_without_count", {"dataset": self.dataset}))
        if self.max_samples is not None and self.max_samples < 10:
            found.append(Message("train.too_small", {"name": "max_samples", "value": self.max_samples, "low": 10}))
        if not (math.isfinite(self.lr) and self.lr > 0):
            found.append(Message("train.lr_positive", {"value": self.lr}))
        for name, ok, allowed in (
            ("momentum", 0 <= self.momentum < 1, "0 <= momentum < 1"),
            ("gamma", 0 < self.gamma <= 1, "0 < gamma <= 1"),
            ("weight_decay", 0 <= self.weight_decay < 1, "0 <= weight_decay < 1"),
            ("val_fraction", 0 < self.val_fraction <= 0.5, "0 < val_fraction <= 0.5"),
            ("zoom", 0 <= self.zoom <= 0.5, "0 <= zoom <= 0.5"),
        ):
            if not ok:
                found.append(
                    Message("train.out_of_range", {"name": name, "value": getattr(self, name), "allowed": allowed})
                )
        if self.schedule == "multistep" and (
            not self.milestones or list(self.milestones) != sorted(set(self.milestones)) or self.milestones[0] < 1
        ):
            found.append(Message("train.bad_milestones", {"value": list(self.milestones)}))
        if self.init_from and not _BUNDLED_NAME.fullmatch(self.init_from):
            found.append(Message("train.bad_init_from", {"value": self.init_from[:60]}))
        if len(self.frozen) > MAX_FROZEN or any(not name.isidentifier() or len(name) > 60 for name in self.frozen):
            found.append(Message("train.bad_frozen", {"value": ", ".join(self.frozen)[:80], "max": MAX_FROZEN}))
        return found

    def check(self) -> TrainConfig:
        """Return the config if it has no problems; raise :class:`UserError` with the first one."""
        found = self.problems()
        if found:
            raise UserError(found[0])
        return self


# --- the training form: the range of each control, and one-click recipes -----------------------------

# (lowest, highest) of each number the training form asks for; TrainConfig.problems() has the rules
# every config must meet, these are what the form offers.
FORM_BOUNDS = {
    "max_samples": (0, 100_000),  # 0 = all
    "val_fraction": (0.05, 0.5),
    "epochs": (1, 200),
    "batch_size": (1, 4096),
    "momentum": (0.0, 0.99),
    "step_size": (1, 200),
    "gamma": (0.05, 1.0),
    "crop_padding": (0, 8),
    "zoom": (0.0, 0.5),
    "seed": (0, 2**31 - 1),
}
LR_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
WEIGHT_DECAY_CHOICES = (0.0, 1e-5, 1e-4, 5e-4, 1e-3, 1e-2, 0.1)
# One click fills the form and starts. "measured_s": seconds from Start to the finished run on 2 CPU
# cores (AMD EPYC, otherwise idle; README "Performance"); the button shows this server's own median
# once it has run the recipe.
RECIPES = {
    "lenet_digits": {
        "dataset": "digits",
        "preset": "lenet",
        "epochs": 6,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-2,
        "schedule": "onecycle",
        "measured_s": 2.4,  # LeNet reaches ~98% test accuracy
    },
    "cnn_shapes": {
        "dataset": "shapes",
        "preset": "small_cnn",
        "epochs": 6,
        "batch_size": 64,
        "optimizer": "adam",
        "lr": 1e-2,
        "schedule": "onecycle",
        "measured_s": 7.5,
    },
}


# --- comparing runs ---------------------------------------------------------------------------------------


def config_differences(configs: Mapping[str, Mapping]) -> dict[str, dict[str, str]]:
    """Return ``{setting: {run: value as text}}`` for the settings whose values differ between runs."""
    names = sorted({name for config in configs.values() for name in config})
    table = {}
    for name in names:
        shown = {run: _setting_text(config.get(name, "—")) for run, config in configs.items()}
        if len(set(shown.values())) > 1:
            table[name] = shown
    return table


def _setting_text(value: object) -> str:
    if isinstance(value, dict):  # a model spec: its name is what tells two apart at a glance
        return f"{value.get('name') or 'custom'} ({len(value.get('layers', []))} layers)"
    if isinstance(value, float):
        return format_number(value)
    return str(value)
