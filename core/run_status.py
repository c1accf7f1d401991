"""What a run is doing (``status.json``) and how the run store lists a run: :class:`RunStatus`, :class:`RunInfo`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.i18n import Message

STATES = ("queued", "running", "finished", "failed", "cancelled", "interrupted")
ACTIVE_STATES = frozenset({"queued", "running"})  # a process is (or will be) working on these
RESUMABLE_STATES = frozenset({"interrupted", "cancelled", "failed"})  # Resume queues these again


def _message_to_dict(message: Message | None) -> dict | None:
    return None if message is None else {"key": message.key, "params": dict(message.params)}


def _message_from_dict(data: Any) -> Message | None:
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None
    return Message(data["key"], dict(data.get("params") or {}))


@dataclass(frozen=True)
class RunStatus:
    """What a run is doing, as stored in ``status.json``. Times are Unix seconds."""

    state: str  # one of STATES
    reason: Message | None = None  # why it failed / was cancelled / was interrupted
    pid: int | None = None  # the worker process, while running
    pid_start: int | None = None  # that process's start time (Linux clock ticks): detects pid reuse
    host: str | None = None  # the machine the worker runs on; pids mean nothing elsewhere
    created_at: float | None = None
    queued_at: float | None = None  # FIFO order of the queue
    started_at: float | None = None
    ended_at: float | None = None
    updated_at: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def seconds(self) -> float | None:
        """Return how long the run took from its start to its end, once it has ended."""
        if self.started_at is None or self.ended_at is None or self.active:
            return None
        return max(0.0, self.ended_at - self.started_at)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["reason"] = _message_to_dict(self.reason)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RunStatus:
        state = data.get("state")
        if state not in STATES:
            raise ValueError(f"unknown run state {state!r}; expected one of {', '.join(STATES)}")
        known = {f for f in cls.__dataclass_fields__ if f not in ("state", "reason")}
        values = {k: v for k, v in data.items() if k in known}
        return cls(state=state, reason=_message_from_dict(data.get("reason")), **values)


@dataclass(frozen=True)
class RunInfo:
    """One run as listed: its id, who started it, its stored config and its status."""

    run_id: str
    path: Path
    owner: str | None  # the name its creator went by (a label, not a proof)
    created_at: float
    config: dict  # the TrainConfig as a JSON dict
    status: RunStatus
    owner_id: str | None = None  # a hash of its creator's secret key (core.classroom); None: nobody's
    label: str | None = None  # the name its owner gave it; None: described by its settings
    client: str | None = None  # a hash of the network address it was queued from (core.classroom); None: unknown
