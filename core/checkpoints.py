"""A checkpoint as tensors plus JSON: the weights, the optimizer's state and where training stopped.

A checkpoint is stored as one safetensors file (no pickle, so loading it can run no code), but an
optimizer's state is a tree of dicts and lists with tensors in it. :func:`to_tensors` flattens the
tree into named tensors and a JSON skeleton that refers to them; :func:`from_tensors` rebuilds it.
The run store (:mod:`core.runs`) writes and reads the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from core.metrics import CheckpointMeta

MODEL_PREFIX = "model/"


@dataclass(frozen=True)
class Checkpoint:
    """Everything needed to continue a run: weights, optimizer state and where it stopped."""

    model_state: dict[str, torch.Tensor]
    optimizer_state: dict | None  # as ``optimizer.state_dict()`` returns it, or None
    meta: CheckpointMeta


def to_tensors(checkpoint: Checkpoint) -> tuple[dict[str, torch.Tensor], dict]:
    """Return the checkpoint as named CPU tensors and the JSON header that ties them together."""
    tensors = {MODEL_PREFIX + k: v.detach().cpu().contiguous() for k, v in checkpoint.model_state.items()}
    optimizer_json = _split_tensors(checkpoint.optimizer_state, "optimizer", tensors)
    return tensors, {"meta": checkpoint.meta.to_json(), "optimizer": optimizer_json}


def from_tensors(tensors: dict[str, torch.Tensor], header: dict) -> Checkpoint | None:
    """Return the checkpoint that :func:`to_tensors` made, or None when its meta is unreadable."""
    meta = CheckpointMeta.from_json(header.get("meta"))
    if meta is None:
        return None
    model_state = {k[len(MODEL_PREFIX) :]: v for k, v in tensors.items() if k.startswith(MODEL_PREFIX)}
    return Checkpoint(model_state, _join_tensors(header.get("optimizer"), tensors), meta)


def _split_tensors(obj: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Return ``obj`` as JSON with each tensor replaced by a reference into ``tensors``."""
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj.detach().cpu().contiguous()
        return {"__tensor__": prefix}
    if isinstance(obj, dict):
        # JSON keys are strings; optimizer state is keyed by int parameter index.
        return {"__dict__": [[k, _split_tensors(v, f"{prefix}/{k}", tensors)] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        return [_split_tensors(v, f"{prefix}/{i}", tensors) for i, v in enumerate(obj)]
    return obj


def _join_tensors(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict) and "__tensor__" in obj:
        return tensors[obj["__tensor__"]]
    if isinstance(obj, dict) and "__dict__" in obj:
        return {k: _join_tensors(v, tensors) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [_join_tensors(v, tensors) for v in obj]
    return obj
