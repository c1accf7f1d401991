"""What one server allows: runs at once, queue length, per-student runs, epochs, data size, disk.

The values come from :class:`core.settings.Settings` (``STRIDE_*`` environment variables). The job
queue enforces them when a run is submitted; the training form asks :meth:`Limits.config_problems`
first, so a student sees the limit and the nearest allowed value before pressing Start.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import TrainConfig
from core.datasets import DATASETS
from core.i18n import Message
from core.settings import Settings

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_queue: int = 30  # runs waiting for a slot
    max_runs_per_student: int | None = None  # queued + running per owner; None: no cap (one user)
    max_epochs: int = 50
    max_samples: int = 20_000  # samples a run may load: its max_samples, or the whole data set
    quota_mb: int | None = None  # the run store's disk quota; None: no quota

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_queue=settings.max_queue,
            max_runs_per_student=settings.max_runs_per_student if settings.class_mode else None,
            max_epochs=settings.max_epochs,
            max_samples=settings.max_samples,
            quota_mb=settings.runs_quota_mb,
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
        return found
