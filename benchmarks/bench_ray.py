"""The Ray backend's overhead: LeNet on digits through RayJobs next to LocalJobs, same run, same machine.

Two rows, each a ratio of medians against the local backend measured interleaved in the same run
(the order swapped every repetition):
- submit -> first metric: from ``submit()`` to the first step record in the run's metrics log
  (what a student waits for before the first loss appears); target Ray <= 1.5x local.
- training throughput: images per second of the run's own training loop (steps x batch size over
  the last step record's time); target Ray >= 0.95x local.

Both backends are at their steady state when Start is clicked: the local one's warm worker is up,
Ray's pooled worker has imported torch (the queue's warm-up task). The cluster is a one-node
local Ray started here with this machine's CPUs: on 2 cores it measures overhead, not capacity.
``python -m benchmarks.bench_ray [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_training import RatioComparison, ratio_row, say
from benchmarks.timing import Comparison, machine_header
from core.config import TrainConfig
from core.jobs import JobBackend, LocalJobs
from core.metrics import StepRecord

REPEATS = 5  # each repetition trains two runs of ~4 s alone; more would hold the shared machine for minutes
TARGET_FIRST_METRIC = 1.5  # Ray / local, at most
TARGET_THROUGHPUT = 0.95  # Ray images/s / local images/s, at least
CONFIG = TrainConfig(dataset="digits", model="lenet", epochs=3, batch_size=32, threads=2)
SETTLE_S = 8.0  # after a run, long enough for the local warm worker (or Ray's pool) to be ready again


def one_run(jobs: JobBackend) -> tuple[float, float]:
    """Submit CONFIG; return (ms from submit to the first step record, ms per 1,000 trained images)."""
    started = time.perf_counter()
    run_id = jobs.submit(CONFIG)
    path = jobs.store.run_dir(run_id) / "metrics.jsonl"
    while not (path.is_file() and b'"kind":"step"' in path.read_bytes()):  # the log's compact JSON lines
        time.sleep(0.005)
    first_ms = (time.perf_counter() - started) * 1000
    deadline = time.monotonic() + 300
    while jobs.status(run_id).state in ("queued", "running"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} did not finish in 300 s")
        time.sleep(0.05)
    state = jobs.status(run_id).state
    if state != "finished":
        raise RuntimeError(f"run {run_id} ended {state}: {jobs.status(run_id).status.reason}")
    steps = [r for r in jobs.store.read_metrics(run_id)[0] if isinstance(r, StepRecord)]
    images = steps[-1].step * CONFIG.batch_size
    return first_ms, steps[-1].time_s * 1000 / images * 1000


def run(repeats: int) -> list[Comparison]:
    """Time both backends interleaved, ``min(repeats, REPEATS)`` times after one warm-up each."""
    import ray

    from core.ray_jobs import NAMESPACE, RayJobs

    repeats = max(2, min(repeats, REPEATS))
    cpus = len(os.sched_getaffinity(0))
    say(f"ray: {repeats} runs per backend after 1 warm-up; a one-node local Ray with {cpus} CPUs")
    with tempfile.TemporaryDirectory(prefix="stride-bench-ray-") as tmp:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(num_cpus=cpus, include_dashboard=False, object_store_memory=100 * 2**20, namespace=NAMESPACE,
                 log_to_driver=False, configure_logging=False)  # fmt: skip
        common = {"max_concurrent_runs": 1, "torch_threads_per_run": CONFIG.threads}
        local = LocalJobs(Path(tmp) / "local", **common)
        remote = RayJobs(Path(tmp) / "ray", **common)
        stop = [local.start_background(0.2), remote.start_background(0.2)]
        try:
            remote.schedule()  # the queue actor starts and warms a worker
            local.schedule()  # the warm worker starts
            time.sleep(SETTLE_S)
            samples: dict[str, list[tuple[float, float]]] = {"local": [], "ray": []}
            for i in range(1 + repeats):
                order = [("local", local), ("ray", remote)][:: 1 if i % 2 else -1]
                for name, jobs in order:
                    sample = one_run(jobs)
                    if i:
                        samples[name].append(sample)
                    time.sleep(SETTLE_S)
                say(f"  repetition {i}{' (warm-up)' if not i else ''}: done")
        finally:
            for event in stop:
                event.set()
            local.close()
            remote.shutdown()
            ray.shutdown()
    ray_first, local_first = ([s[0] for s in samples[n]] for n in ("ray", "local"))
    ray_per_k, local_per_k = ([s[1] for s in samples[n]] for n in ("ray", "local"))
    first_ratio = statistics.median(ray_first) / statistics.median(local_first)
    speed_ratio = statistics.median(local_per_k) / statistics.median(ray_per_k)
    return [
        ratio_row(
            f"ray: LeNet, digits, submit -> first metric: Ray {statistics.median(ray_first):.0f} ms vs local "
            f"{statistics.median(local_first):.0f} ms = {first_ratio:.2f}× (target ≤ {TARGET_FIRST_METRIC}×), "
            f"{repeats} runs",
            "LocalJobs (warm worker), same config, interleaved",
            TARGET_FIRST_METRIC,
            tuple(ray_first),
            tuple(local_first),
        ),
        ratio_row(
            f"ray: LeNet, digits, {CONFIG.epochs} epochs, training throughput: Ray "
            f"{1e6 / statistics.median(ray_per_k):,.0f} img/s vs local {1e6 / statistics.median(local_per_k):,.0f}"
            f" = {speed_ratio:.2f}× (target ≥ {TARGET_THROUGHPUT}×), {repeats} runs (ms per 1,000 images)",
            "LocalJobs, same config, interleaved",
            1 / TARGET_THROUGHPUT,
            tuple(ray_per_k),
            tuple(local_per_k),
        ),
    ]


def main() -> int:
    from benchmarks.__main__ import plain, rows

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_ray", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"timed runs per backend (most {REPEATS})")
    args = parser.parse_args()
    header = machine_header(args.repeats)
    results: list[RatioComparison] = run(args.repeats)
    print(plain(header, rows(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
