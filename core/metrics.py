"""The records a training run writes to its metrics log, and what every reader may ask of them.

One definition per kind of record, shared by the writer (:func:`core.train.train` emits them,
:meth:`core.runs.RunStore.metrics_writer` appends them to ``metrics.jsonl``) and every reader (the live
area and the run comparison of the Training page, the command line's progress bar, the
TensorBoard logger, resuming from a checkpoint). Readers get these dataclasses, never bare dicts,
so a field renamed here but not in a reader fails loudly in the tests instead of blanking a chart.

A run's log, in order: ``start``, then per epoch some ``step`` records and one ``epoch`` record,
then ``end``; a resumed run writes ``resume`` (and a new ``start``) before continuing. JSON has no
NaN: a loss that diverged is written as null and read back as None.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartRecord:
    """Written when a run (or a resumed attempt) starts: what the loop is about to do."""

    kind: ClassVar[str] = "start"
    classes: list[str]  # class index -> name
    epochs: int
    steps_per_epoch: int
    total_steps: int  # over all epochs
    batch_size: int  # as used: at most the training set's size
    n_train: int
    n_val: int
    n_test: int
    device: str  # "cpu", "cuda"
    threads: int  # torch CPU threads
    parameters: int


@dataclass(frozen=True)
class ResumeRecord:
    """Written when a run continues from its checkpoint; records after ``step`` in the log are superseded."""

    kind: ClassVar[str] = "resume"
    epoch: int  # the last finished epoch, as checkpointed
    step: int


@dataclass(frozen=True)
class StepRecord:
    """A point of the live curves, every few optimizer steps."""

    kind: ClassVar[str] = "step"
    epoch: int  # counted from 1
    step: int  # optimizer steps so far, over all attempts
    loss: float | None  # mean training loss since the previous step record; None if it was not finite
    acc: float  # running training accuracy of this epoch, 0..1
    lr: float
    images_per_s: float  # over this epoch so far (one step's rate swings with whatever else the machine does)
    eta_s: float  # seconds left at this attempt's pace
    time_s: float  # seconds since this attempt started


@dataclass(frozen=True)
class Mistake:
    """A validation sample the model got wrong, to show on the page."""

    index: int  # row in the validation split
    true: int  # class indices
    predicted: int
    png_base64: str | None = None  # image data: the picture, normalisation undone
    features: list[float] | None = None  # tabular data: the standardised features


@dataclass(frozen=True)
class Filters:
    """The first Conv2d layer's kernels after an epoch."""

    layer: str  # its name in the model
    shape: list[int]  # the whole weight's shape (C_out, C_in / groups, kH, kW)
    values: list  # nested lists, at most core.train.MAX_FILTERS_SHOWN kernels


@dataclass(frozen=True)
class EpochRecord:
    """Written after each epoch's validation."""

    kind: ClassVar[str] = "epoch"
    epoch: int
    step: int
    train_loss: float | None
    train_acc: float
    val_loss: float | None
    val_acc: float
    lr: float
    confusion: list[list[int]]  # (classes, classes): row = true class, column = predicted
    per_class_acc: list[float | None]  # None for a class with no validation sample
    misclassified: list[Mistake]
    filters: Filters | None  # None for a model without a Conv2d
    time_s: float


@dataclass(frozen=True)
class EndRecord:
    """Written once the last epoch is done: the test split, seen for the first time."""

    kind: ClassVar[str] = "end"
    step: int
    test_loss: float | None
    test_acc: float
    test_confusion: list[list[int]]


Record = StartRecord | ResumeRecord | StepRecord | EpochRecord | EndRecord
KINDS: dict[str, type[Record]] = {
    cls.kind: cls for cls in (StartRecord, ResumeRecord, StepRecord, EpochRecord, EndRecord)
}
_NESTED = {"misclassified": Mistake, "filters": Filters}  # EpochRecord fields holding records of their own


@dataclass(frozen=True)
class CheckpointMeta:
    """Where a checkpoint stands, stored beside its tensors: what resuming and the run list read."""

    epoch: int  # the last finished epoch
    step: int
    steps_per_epoch: int
    train_loss: float | None
    train_acc: float
    val_loss: float | None
    val_acc: float

    def to_json(self) -> dict[str, Any]:
        return {name: _finite_or_none(value) for name, value in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: Any) -> CheckpointMeta | None:
        """Return the meta stored by :meth:`to_json`, or None when ``data`` is not one."""
        return _build(cls, data)


def to_json(record: Record) -> dict[str, Any]:
    """Return ``record`` as one JSON object of the metrics log: its kind, then its fields."""
    return {"kind": record.kind, **{name: _finite_or_none(v) for name, v in dataclasses.asdict(record).items()}}


def from_json(data: Any) -> Record | None:
    """Return the record a metrics-log line holds, or None for a line that is not one (logged).

    Fields this version does not know are ignored, so an older reader survives a newer log; a
    missing field makes the line unreadable.
    """
    cls = KINDS.get(data.get("kind")) if isinstance(data, dict) else None
    if cls is None:
        logger.warning("not a metrics record: %.80r", data)
        return None
    record = _build(cls, data)
    if record is None:
        logger.warning("a %s record without all of its fields: %.80r", cls.kind, data)
    return record


def _build(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    values = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            return None
        value = data[field.name]
        nested = _NESTED.get(field.name)
        if nested is not None and isinstance(value, list):
            value = [_build(nested, item) for item in value]
            if None in value:
                return None
        elif nested is not None and value is not None:
            value = _build(nested, value)
            if value is None:
                return None
        values[field.name] = value
    return cls(**values)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN; the reason for a NaN lives in status.json
    return value


def scalars(record: Record) -> dict[str, float]:
    """Return the record's plain numbers by name (what TensorBoard plots), without step and epoch."""
    return {
        name: value
        for name, value in dataclasses.asdict(record).items()
        if name not in ("step", "epoch") and isinstance(value, int | float) and not isinstance(value, bool)
        if math.isfinite(value)
    }


@contextlib.contextmanager
def tensorboard_logger(log_dir: Path) -> Iterator[Callable[[Record], None]]:
    """Yield a function that also logs a record's numbers as TensorBoard scalars in ``log_dir``.

    TensorBoard is an optional extra: without it installed the function does nothing and no folder
    is written.
    """
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        yield lambda record: None
        return
    writer = SummaryWriter(log_dir=str(log_dir))

    def log(record: Record) -> None:
        step = getattr(record, "step", None)
        if isinstance(step, int):
            for name, value in scalars(record).items():
                writer.add_scalar(f"{record.kind}/{name}", value, step)

    try:
        yield log
    finally:
        writer.close()


def current(records: list[Record], kind: type[Record]) -> list:
    """Return the records of one ``kind`` (e.g. ``StepRecord``), minus those a resume superseded.

    A run resumed from its epoch-``e`` checkpoint repeats the steps after it; the records the
    interrupted attempt wrote for those steps stay in the log (nothing is lost) but are hidden
    here, so curves show each step once.
    """
    kept: list[Record] = []
    for record in records:
        if isinstance(record, ResumeRecord):
            kept = [r for r in kept if getattr(r, "step", 0) <= record.step]
        elif isinstance(record, kind):
            kept.append(record)
    return kept


def last(records: list[Record], kind: type[Record]) -> Any:
    """Return the newest record of one ``kind`` in the log, or None."""
    return next((r for r in reversed(records) if isinstance(r, kind)), None)
