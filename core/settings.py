"""Limits and paths, read from ``STRIDE_*`` environment variables with safe defaults."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core.cpus import usable_cores


def _int(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a whole number; unset it to use {default}") from exc
    if value < low:
        raise ValueError(f"{name}={raw!r} must be at least {low}; unset it to use {default}")
    return value


MIN_TEACHER_PASSWORD_CHARS = 10  # class mode refuses to start with a shorter one: it is what guessing faces


MAX_PASSWORD_FILE_BYTES = 4096  # a password file is one line; anything bigger is the wrong file


def _teacher_password() -> str | None:
    """Return the teacher password from STRIDE_TEACHER_PASSWORD or the file STRIDE_TEACHER_PASSWORD_FILE names.

    The file (a Compose secret, mounted at /run/secrets/...) keeps the password out of the
    container's environment, which ``docker inspect`` shows to anyone allowed to run docker.
    """
    password, name = os.environ.get("STRIDE_TEACHER_PASSWORD") or None, "STRIDE_TEACHER_PASSWORD"
    path = os.environ.get("STRIDE_TEACHER_PASSWORD_FILE") or None
    if path is not None:
        if password is not None:
            raise ValueError("both STRIDE_TEACHER_PASSWORD and STRIDE_TEACHER_PASSWORD_FILE are set; unset one of them")
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_PASSWORD_FILE_BYTES + 1)
        except OSError as exc:
            raise ValueError(f"STRIDE_TEACHER_PASSWORD_FILE={path!r} cannot be read ({exc.strerror})") from exc
        if len(raw) > MAX_PASSWORD_FILE_BYTES:
            raise ValueError(
                f"STRIDE_TEACHER_PASSWORD_FILE={path!r} is over {MAX_PASSWORD_FILE_BYTES} bytes; "
                "it should hold the password alone, on one line"
            )
        password, name = raw.decode("utf-8", errors="replace").strip("\r\n") or None, path
    if password is not None and len(password) < MIN_TEACHER_PASSWORD_CHARS:
        raise ValueError(
            f"{name} has {len(password)} characters; class mode needs at least "
            f"{MIN_TEACHER_PASSWORD_CHARS}, so that guessing it is hopeless. Choose a longer one."
        )
    return password


JOB_BACKENDS = ("local", "ray")  # STRIDE_JOBS: where training runs (core.jobs.backend_from_settings)


def _jobs() -> str:
    kind = (os.environ.get("STRIDE_JOBS") or "local").strip().lower()
    if kind not in JOB_BACKENDS:
        raise ValueError(f"STRIDE_JOBS={kind!r} is not a job backend; use one of {', '.join(JOB_BACKENDS)}")
    if kind == "ray" and importlib.util.find_spec("ray") is None:
        raise ValueError("STRIDE_JOBS=ray needs Ray: pip install -r requirements-ray.txt")
    return kind


def _gpus_per_run() -> float:
    raw = os.environ.get("STRIDE_RAY_GPUS_PER_RUN", "").strip() or "0"
    try:
        gpus = float(raw)
    except ValueError:
        gpus = -1.0
    if not 0 <= gpus <= 8:
        raise ValueError(f"STRIDE_RAY_GPUS_PER_RUN={raw!r} must be a number from 0 to 8; unset it for 0")
    return gpus


def _database_url() -> str | None:
    url = os.environ.get("STRIDE_DATABASE_URL", "").strip() or None
    if url is not None and "://" not in url:
        raise ValueError(
            f"STRIDE_DATABASE_URL={url!r} is not a database URL; use sqlite:///path/to/class.sqlite3, "
            "or unset it for the SQLite file next to the runs"
        )
    return url


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ValueError(f"{name}={raw!r} is not a yes or no; use 1 or 0 (unset: 0)")


@dataclass(frozen=True)
class Settings:
    max_upload_mb: int = 10  # per uploaded file; docker/entrypoint.sh gives Streamlit the same cap
    max_image_pixels: int = 40_000_000  # below Pillow's decompression-bomb limit (~89 M)
    max_image_side: int = 1024  # photos are scaled down to this before convolving (keeps reruns fast)
    # torch threads in the app process: page ops are tiny, and thread start-up costs more than it
    # saves (a 5x5 conv took 8 ms with 2 busy threads, 0.1 ms with 1); sessions give the parallelism
    app_torch_threads: int = 1
    data_dir: Path = Path("data")  # torchvision data sets (MNIST, CIFAR-10) when present
    runs_dir: Path = Path("runs")  # the run store
    # Whether other machines (app replicas, cluster workers) use the same run store. When not, every
    # "running" run's worker was started on this machine, whatever host name it recorded: a recreated
    # container has a new name, and its old runs must still be judged (and found dead) here.
    shared_store: bool = False
    # Whether students reach the app only through a reverse proxy (compose.yaml's Caddy) that appends their
    # address to X-Forwarded-For: the fair queue then tells their machines apart. Never set it on a server
    # students reach directly: they could write any address into that header.
    behind_proxy: bool = False
    # Cores: the CPU set, capped by a container's CPU quota (core.cpus).
    # Training runs at once; more wait in the queue (fair: core.queue_policy). Two cores per run: one run per core pair
    # keeps each run's matrix multiplies fast instead of every run crawling.
    max_concurrent_runs: int = max(1, usable_cores() // 2)
    torch_threads_per_run: int = max(1, usable_cores() // max(1, usable_cores() // 2))  # cores / runs
    # Workers run at a lower CPU priority (nice), so page reruns stay quick while a run trains.
    worker_nice: int = 10
    # A class on one server. Setting a teacher password turns class mode on: every browser
    # session gets its own anonymous name and sees only its own runs unless the teacher shares.
    teacher_password: str | None = field(default=None, repr=False)
    max_runs_per_student: int = 1  # queued + running runs one student may have (class mode only)
    max_queue: int = 30  # runs waiting for a slot; more are refused until one starts
    max_epochs: int = 50  # per run
    max_samples: int = 20_000  # samples one run may train on (the data set's "use at most")
    runs_quota_mb: int = 2_048  # the run store's disk quota: past it, ended runs are deleted
    student_quota_mb: int = 256  # one student's runs together (class mode): past it, their own oldest go
    max_steps: int = 100_000  # optimizer steps per run (epochs x batches)
    max_run_minutes: int = 60  # one start of a run: past it, it stops with its checkpoint kept (resumable)
    jobs: str = "local"  # the job backend: "local" (worker processes here) or "ray" (STRIDE_RAY_ADDRESS's cluster)
    ray_address: str = "auto"  # with jobs="ray": "auto", "ray://head:10001" (Ray Client) or the head's "host:6379"
    ray_gpus_per_run: float = 0.0  # with jobs="ray": GPUs each run asks Ray for
    # The class's shared state (board, exercise answers): core.class_state. None: SQLite in the runs directory.
    # When set, the run index (which runs exist, their statuses) is there too: core.run_index.
    database_url: str | None = field(default=None, repr=False)

    @property
    def class_mode(self) -> bool:
        return self.teacher_password is not None

    @classmethod
    def from_env(cls) -> Settings:
        cores = usable_cores()  # when the settings are read (the field defaults above were read at import)
        return cls(
            max_upload_mb=_int("STRIDE_MAX_UPLOAD_MB", cls.max_upload_mb),
            max_image_pixels=_int("STRIDE_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            max_image_side=_int("STRIDE_MAX_IMAGE_SIDE", cls.max_image_side),
            app_torch_threads=_int("STRIDE_APP_TORCH_THREADS", cls.app_torch_threads),
            data_dir=Path(os.environ.get("STRIDE_DATA_DIR") or cls.data_dir),
            runs_dir=Path(os.environ.get("STRIDE_RUNS_DIR") or cls.runs_dir),
            shared_store=_flag("STRIDE_SHARED_STORE"),
            behind_proxy=_flag("STRIDE_BEHIND_PROXY"),
            max_concurrent_runs=(runs := _int("STRIDE_MAX_CONCURRENT_RUNS", max(1, cores // 2))),
            torch_threads_per_run=_int("STRIDE_TORCH_THREADS_PER_RUN", max(1, cores // runs)),
            worker_nice=_int("STRIDE_WORKER_NICE", cls.worker_nice, low=0),
            teacher_password=_teacher_password(),
            max_runs_per_student=_int("STRIDE_MAX_RUNS_PER_STUDENT", cls.max_runs_per_student),
            max_queue=_int("STRIDE_MAX_QUEUE", cls.max_queue),
            max_epochs=_int("STRIDE_MAX_EPOCHS", cls.max_epochs),
            max_samples=_int("STRIDE_MAX_SAMPLES", cls.max_samples, low=10),
            runs_quota_mb=_int("STRIDE_RUNS_QUOTA_MB", cls.runs_quota_mb),
            student_quota_mb=_int("STRIDE_STUDENT_QUOTA_MB", cls.student_quota_mb),
            max_steps=_int("STRIDE_MAX_STEPS", cls.max_steps),
            max_run_minutes=_int("STRIDE_MAX_RUN_MINUTES", cls.max_run_minutes),
            jobs=_jobs(),
            ray_address=os.environ.get("STRIDE_RAY_ADDRESS", "").strip() or cls.ray_address,
            ray_gpus_per_run=_gpus_per_run(),
            database_url=_database_url(),
        )


def main() -> int:
    """``python -m core.settings``: check the STRIDE_* variables before a server starts; 0 when they are valid."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"stride: {exc}", file=sys.stderr)
        return 2
    print(
        f"stride: settings valid; class mode {'on' if settings.class_mode else 'off'}; "
        f"{usable_cores()} usable core(s): {settings.max_concurrent_runs} run(s) at once, "
        f"{settings.torch_threads_per_run} torch thread(s) each; run store {settings.runs_dir} "
        f"({'shared with other hosts' if settings.shared_store else 'used by this host only'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
