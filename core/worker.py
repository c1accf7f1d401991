"""A run of the run store, trained here: what the job queue's worker process and the command line execute.

:func:`run_in_store` reads the run's config, loads its data, trains it with :func:`core.train.train`
and writes everything the pages read: every metrics record, a checkpoint and the model after each
epoch, and the final status (finished, failed with the reason, or cancelled). Whoever starts the
worker marks the run "running" first (:meth:`core.runs.RunStore.mark_running`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import threading
import time
from collections.abc import Callable

import torch
from torch import nn

from core.checkpoints import Checkpoint
from core.config import TrainConfig
from core.data import load_training_data
from core.datasets import UPLOAD_KINDS
from core.i18n import Message, UserError
from core.metrics import CheckpointMeta, Record, tensorboard_logger
from core.modelspec import ModelSpec
from core.presets import resolve_spec
from core.run_data import load_run_data
from core.runs import RunStore
from core.splits import LoadedData
from core.train import StopFlag, TrainResult, train

logger = logging.getLogger(__name__)


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
    progress: Callable[[Record], None] | None = None,
    max_threads: int | None = None,
    max_run_s: float | None = None,
) -> TrainResult:
    """Train the run ``run_id`` of ``store`` (from its last checkpoint, if it has one); return how it ended.

    The run is already marked running by whoever started this process. Appends every record to
    its metrics log, checkpoints each epoch, honours a cancel request, stops ``max_run_s`` after
    it was started ("stopped: time limit", cancelled and resumable), and always leaves a final
    status: finished, failed (with the reason) or cancelled.
    """
    cancel_requested = _throttled(lambda: store.cancel_requested(run_id), every_s=0.1)
    external = should_stop.is_set if isinstance(should_stop, threading.Event) else (should_stop or (lambda: False))
    started = store.read_status(run_id).started_at or time.time()
    over_time = (lambda: time.time() - started > max_run_s) if max_run_s else (lambda: False)
    result = TrainResult("failed", Message("train.crashed", {"error": "the worker was told to exit"}), 0, 0)
    try:
        config = TrainConfig.from_dict(store.read_config(run_id)).check()
        threads = config.threads or max_threads or torch.get_num_threads()
        torch.set_num_threads(min(threads, max_threads) if max_threads else threads)
        spec = resolve_spec(config)
        if config.dataset in UPLOAD_KINDS:  # a student's upload: the tensors the page stored in the run
            data = load_run_data(store.run_dir(run_id), config.max_samples)
        else:
            data = load_training_data(config, spec)
        checkpoint = store.load_checkpoint(run_id)

        def save(model: nn.Module, optimizer: torch.optim.Optimizer, meta: CheckpointMeta) -> None:
            state = model.state_dict()
            store.save_checkpoint(run_id, Checkpoint(state, optimizer.state_dict(), meta))
            store.save_model(run_id, state, model_info(run_id, config, spec, data, meta.to_json(), complete=False))

        with store.metrics_writer(run_id) as write, tensorboard_logger(store.tensorboard_dir(run_id)) as tensorboard:

            def emit(record: Record) -> None:
                write(record)
                tensorboard(record)
                if progress is not None:
                    progress(record)

            result = train(
                config,
                data,
                emit=emit,
                should_stop=lambda: cancel_requested() or external() or over_time(),
                on_epoch_end=save,
                resume_from=checkpoint,
            )
        if result.state == "cancelled" and over_time():
            minutes = {"minutes": round(max_run_s / 60), "epoch": result.epoch, "step": result.step}
            result = dataclasses.replace(result, reason=Message("train.time_limit", minutes))
        if result.state == "finished" and result.model is not None:
            info = model_info(run_id, config, spec, data, result.metrics, complete=True)
            store.save_model(run_id, result.model.state_dict(), info)
    except UserError as exc:
        result = TrainResult("failed", exc.message, 0, 0)
    except KeyboardInterrupt:  # Ctrl-C in the command line
        kept = store.checkpoint_meta(run_id)
        epoch, step = (kept.epoch, kept.step) if kept is not None else (0, 0)
        result = TrainResult("cancelled", Message("train.cancelled", {"epoch": epoch, "step": step}), epoch, step)
    except Exception as exc:  # a bug or a broken environment: keep the worker's last word for the user
        logger.exception("run %s crashed", run_id)
        result = TrainResult("failed", Message("train.crashed", {"error": f"{type(exc).__name__}: {exc}"[:300]}), 0, 0)
    finally:
        store.update_status(run_id, state=result.state, reason=result.reason, ended_at=time.time())
    return result


def run_here(store: RunStore, run_id: str, **kwargs) -> TrainResult:
    """Mark the run as trained by this process, then train it here (the command line, the bundled models)."""
    store.mark_running(run_id, os.getpid())
    return run_in_store(store, run_id, **kwargs)


def warm_up() -> None:
    """Take one step of a tiny default run, so that a waiting worker pays the first-call costs now.

    The first data set load and the first convolution in a fresh process cost ~1.5 s (file
    reads, kernel selection); a warm worker pays them before a student clicks Start.
    """
    try:
        config = dataclasses.replace(TrainConfig(), max_samples=20)
        train(config, load_training_data(config, resolve_spec(config)), dry_run=True)
    except Exception:  # only an optimisation: the real run reports any real problem
        logger.exception("warm-up failed")
