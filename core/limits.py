"""What one server allows: runs at once, queue length, per-student runs, epochs, data size, steps, time, disk.

The values come from :class:`core.settings.Settings` (``STRIDE_*`` environment variables). The job
queue enforces them whenever a run is queued (submitted or resumed); the training form asks
:meth:`Limits.config_problems` first, so a student sees the limit and the nearest allowed value
before pressing Start. :func:`estimate_run_bytes` says what a run will take on disk, so one that
cannot fit is refused before it starts instead of deleting other students' runs as it grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.config import TrainConfig
from core.datasets import DATASETS
from core.i18n import Message
from core.layers import BYTES_PER_PARAM
from core.presets import resolve_spec
from core.settings import Settings
from core.spec_parsing import estimate_param_count

MB = 1024 * 1024
# Measured: an epoch's metrics (steps, confusion matrix, 8 misclassified pictures, 32 filters) take
# 15-46 kB of metrics.jsonl; the config, status and model.json a few kB more.
METRICS_BYTES_PER_EPOCH = 64 * 1024
FIXED_RUN_BYTES = 16 * 1024


@dataclass(frozen=True)
class Limits:
    max_queue: int = 30  # runs waiting for a slot
    max_runs_per_student: int | None = None  # queued + running per owner; None: no cap (one user)
    max_epochs: int = 50
    max_samples: int = 20_000  # samples a run may load: its max_samples, or the whole data set
    quota_mb: int | None = None  # the run store's disk quota; None: no quota
    max_steps: int = 100_000  # optimizer steps per run: batch size 1 on 20,000 samples is 400,000
    max_run_minutes: int | None = None  # one start of a run trains this long at most; None: no limit
    student_quota_mb: int | None = None  # one owner's runs together on disk; None: no share (one user)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_queue=settings.max_queue,
            max_runs_per_student=settings.max_runs_per_student if settings.class_mode else None,
            max_epochs=settings.max_epochs,
            max_samples=settings.max_samples,
            quota_mb=settings.runs_quota_mb,
            max_steps=settings.max_steps,
            max_run_minutes=settings.max_run_minutes,
            student_quota_mb=settings.student_quota_mb if settings.class_mode else None,
        )

    def config_problems(self, config: TrainConfig) -> list[Message]:
        """Return the limits ``config`` goes past, each with the nearest value this server allows."""
        found = []
        if config.epochs > self.max_epochs:
            found.append(Message("limits.epochs", {"value": config.epochs, "limit": self.max_epochs}))
        info = DATASETS.get(config.dataset)
        samples = config.max_samples or (info.samples if info is not None else 0)
        if info is not None:
            samples = min(samples, info.samples)  # asking for more than the set has loads the whole set
        if samples > self.max_samples:
            found.append(Message("limits.samples", {"value": f"{samples:,}", "limit": f"{self.max_samples:,}"}))
        # at most this many training samples: the validation part (and any test part) is left out
        n_train = max(1, math.floor(samples * (1 - config.val_fraction)))
        steps = math.ceil(n_train / config.batch_size) * config.epochs
        if samples and steps > self.max_steps:
            batch = math.ceil(n_train * config.epochs / self.max_steps)
            params = {"steps": f"{steps:,}", "limit": f"{self.max_steps:,}", "batch": batch, "epochs": config.epochs}
            found.append(Message("limits.steps", params))
        return found


def estimate_run_bytes(config: TrainConfig) -> int:
    """Return about what a run of ``config`` will take on disk: model, checkpoint with optimizer state, metrics."""
    weights = estimate_param_count(resolve_spec(config)) * BYTES_PER_PARAM
    # optimizer state, tensors per parameter: Adam's exp_avg and exp_avg_sq; SGD's momentum buffer
    # (when momentum > 0); RMSprop's square_avg, and the buffer too
    adam = config.optimizer in ("adam", "adamw")
    slots = 2 if adam else (config.momentum > 0) + (config.optimizer == "rmsprop")
    # model.safetensors, and the checkpoint: the weights again plus the optimizer's state
    return weights * (2 + slots) + FIXED_RUN_BYTES + config.epochs * METRICS_BYTES_PER_EPOCH
