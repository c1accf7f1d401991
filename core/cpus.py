"""How many cores this process may really use: its CPU set, and the CPU quota of its cgroup.

``docker run --cpus 2`` (compose's ``cpus: "2"``) does not hide the host's cores: the process still
sees all 16 in its CPU set, and the kernel throttles the whole container to 2 cores' worth of time
per scheduling period. Sizing torch threads by the CPU set there gives each run 16 threads fighting
over 2 cores. The quota lives in the cgroup file system:

- cgroup v2: ``<cgroup>/cpu.max`` holds ``"<quota_us> <period_us>"`` or ``"max <period_us>"``;
- cgroup v1: ``<cpu controller>/cpu.cfs_quota_us`` (``-1``: none) and ``cpu.cfs_period_us``.

The process's own cgroup is named in ``/proc/self/cgroup``. Every ancestor's limit applies too, so
the smallest quota on the way up to the mount point counts. Inside a container the mount point is
the container's own cgroup, so the walk usually reads a single file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path, PurePosixPath

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _v2_quota(folder: Path) -> float | None:
    fields = (_read(folder / "cpu.max") or "").split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    return _ratio(fields[0], fields[1])


def _v1_quota(folder: Path) -> float | None:
    return _ratio(_read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us"))


def _ratio(quota_us: str | None, period_us: str | None) -> float | None:
    """Return quota / period in cores; None for no quota (-1, "max", absent) or a file that is not numbers."""
    try:
        quota, period = int(quota_us or ""), int(period_us or "")
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _walk_up(mount: Path, cgroup_path: str) -> list[Path]:
    """Return the cgroup's folder under ``mount`` and each ancestor up to the mount itself (those that exist)."""
    rel = PurePosixPath(cgroup_path or "/").relative_to("/")
    folders = [mount / rel, *(mount / parent for parent in rel.parents)]
    return [f for f in folders if f.is_dir()]


def cpu_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_SELF_CGROUP) -> float | None:
    """Return the cores' worth of CPU time this process's cgroup allows (e.g. 2.0), or None when unlimited.

    ``root`` and ``proc_cgroup`` are the cgroup mount and ``/proc/self/cgroup``; tests pass a fake tree.
    """
    v2_path, v1_path = "/", None
    for line in (_read(proc_cgroup) or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            v2_path = path
        elif "cpu" in controllers.split(","):
            v1_path = path
    quotas: list[float] = []
    if (root / "cgroup.controllers").is_file():  # cgroup v2: one unified tree
        quotas = [q for folder in _walk_up(root, v2_path) if (q := _v2_quota(folder)) is not None]
    else:  # cgroup v1: the cpu controller has its own mount (cpu,cpuacct or cpu)
        for name in ("cpu,cpuacct", "cpu"):
            mount = root / name
            if mount.is_dir():
                quotas = [q for folder in _walk_up(mount, v1_path or "/") if (q := _v1_quota(folder)) is not None]
                break
    return min(quotas) if quotas else None


def usable_cores(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_SELF_CGROUP) -> int:
    """Return the whole cores this process may use: its CPU set, capped by its cgroup's CPU quota (rounded up)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows: no CPU sets, no cgroups
        return os.cpu_count() or 1
    quota = cpu_quota(root, proc_cgroup)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)
