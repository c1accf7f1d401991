"""The command line of training: ``python -m core.train --config/--resume/--dry-run/--run``.

Starts a new run from a config file, continues one from its last checkpoint, takes one step as a
smoke test (``--dry-run``, as ``pytorch/examples`` does), or, for the job queue, trains a run that
is already in the store (``--run RUN_ID``; ``-`` waits, warmed up, for the id on stdin). Progress
goes to stderr as a one-line bar.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Any

import torch

from core.config import TrainConfig
from core.data import load_training_data
from core.i18n import UserError
from core.metrics import EndRecord, EpochRecord, Record, StartRecord, StepRecord
from core.presets import resolve_spec
from core.processes import prefer_for_oom_kill
from core.run_index import run_store
from core.runs import check_run_id
from core.settings import Settings
from core.train import train
from core.worker import run_here, run_in_store, warm_up


class ProgressBar:
    """Prints records as a one-line progress bar (on a terminal), and a line per epoch (CLI only)."""

    def __init__(self, stream: Any = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()  # in a log file, a bar redrawn with "\r" is just noise
        self.width, self.total_steps, self.epochs = width, 1, 1

    def __call__(self, record: Record) -> None:
        if isinstance(record, StartRecord):
            self.total_steps, self.epochs = max(1, record.total_steps), record.epochs
            print(
                f"{record.n_train} training images, {record.steps_per_epoch} steps per epoch, "
                f"{record.parameters:,} parameters, on {record.device}",
                file=self.stream,
            )
        elif isinstance(record, StepRecord) and self.live:
            filled = round(self.width * record.step / self.total_steps)
            bar = "#" * filled + "-" * (self.width - filled)
            print(
                f"\repoch {record.epoch}/{self.epochs} [{bar}] loss {_number(record.loss)} "
                f"acc {record.acc:.1%} {record.images_per_s:,.0f} img/s eta {record.eta_s:.0f}s ",
                end="",
                file=self.stream,
                flush=True,
            )
        elif isinstance(record, EpochRecord):
            line = (
                f"epoch {record.epoch}/{self.epochs}: train loss {_number(record.train_loss)} "
                f"acc {record.train_acc:.1%} | val loss {_number(record.val_loss)} acc {record.val_acc:.1%}"
            )
            print(f"\r{line:<100}" if self.live else line, file=self.stream, flush=True)
        elif isinstance(record, EndRecord):
            print(f"test loss {_number(record.test_loss)} acc {record.test_acc:.1%}", file=self.stream)


def _number(value: float | None) -> str:
    return "nan" if value is None else f"{value:.4f}"


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
        "--max-run-minutes",
        type=int,
        help="with --run: stop after this many minutes of training, checkpoint kept (default: no limit)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="with --config: one batch, one evaluation, nothing stored"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 finished, 1 failed, 2 bad arguments, 3 cancelled)."""
    args = _parse_args(argv)
    if args.nice:
        os.nice(args.nice)  # the job queue's workers yield the CPU to page reruns
    if args.run is not None:
        prefer_for_oom_kill()  # short of memory, the kernel ends a queue's worker before the app
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    runs_dir, database_url = args.runs_dir or settings.runs_dir, settings.database_url  # the run index, when set
    try:
        if args.config is not None:
            config = TrainConfig.from_dict(json.loads(args.config.read_text())).check()
            if args.dry_run:
                if args.max_threads:
                    torch.set_num_threads(args.max_threads)
                data = load_training_data(config, resolve_spec(config))
                result = train(config, data, emit=ProgressBar(), dry_run=True)
                print(
                    f"dry run: {result.state}, val loss {result.metrics.get('val_loss', math.nan):.4f}", file=sys.stderr
                )
                return 0
            store = run_store(runs_dir, database_url)
            run_id = store.create_run(config.to_dict(), owner=args.owner, state="running").run_id
            print(f"run {run_id} in {store.run_dir(run_id)}", file=sys.stderr)
        elif args.resume is not None:
            store = run_store(args.resume.resolve().parent, database_url)
            run_id = check_run_id(args.resume.resolve().name)
            store.clear_cancel_request(run_id)
        else:
            store, run_id = run_store(runs_dir, database_url), args.run
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
        # a queued run was marked running by the job queue that started this worker; the others, here
        if args.run is not None:
            max_run_s = args.max_run_minutes * 60 if args.max_run_minutes else None
            result = run_in_store(
                store, run_id, progress=ProgressBar(), max_threads=args.max_threads, max_run_s=max_run_s
            )
        else:
            result = run_here(store, run_id, progress=ProgressBar(), max_threads=args.max_threads)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if result.reason is not None:
        print(f"\n{result.state}: {result.reason}", file=sys.stderr)
    return {"finished": 0, "failed": 1, "cancelled": 3}.get(result.state, 1)


if __name__ == "__main__":
    sys.exit(main())
