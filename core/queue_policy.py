"""Who may queue a run, who trains next, and whose runs make room: the job queue's rules.

Functions of the run store's listing, shared by every backend (:mod:`core.jobs`), so every app
process that shares a store decides the same way:

- :func:`admit`, for every path that queues a run (submit and resume alike): the queue's length,
  one owner's active runs, the run's estimated size against the owner's share of the disk and
  the quota. When the queue is full, the machine with the most runs waiting gives up its last one
  to a machine with fewer, so a flood of fresh tabs cannot keep the class out.
- :func:`queue_order`: fair, not first come first served: round robin over machines, then over
  owners. The next run to start is the one whose machine (network address, :attr:`RunInfo.client`)
  has gone longest without a start in the last :data:`RECENT_S` (never: first), then, among that
  machine's owners, whose owner has; ties go to the earliest queued. Each machine with runs
  waiting gets one start per round, so a student who queues many runs, resumes one again and
  again, or opens fresh tabs (each a new identity) to queue more delays only themselves: a
  classmate's run waits for at most one run of each other machine that waits. Students who share
  one address (a school's NAT in front of a server on the internet) are told apart by identity
  alone. Without class mode every run has the same owner (none), and the queue is first come
  first served.
- :func:`prune_order`: the quota deletes the submitter's own ended runs first, oldest first, then
  the ended runs of whoever takes the most space, so one student filling the disk never deletes a
  classmate's runs while their own can go.
"""

from __future__ import annotations

import time
from collections import Counter

from core.config import TrainConfig
from core.files import tree_bytes
from core.i18n import Message, UserError
from core.limits import MB, Limits, estimate_run_bytes
from core.run_status import RunInfo
from core.runs import RunStore

RECENT_S = 3600.0  # "started recently": within the last hour, about a lesson


def queue_order(runs: list[RunInfo], now: float | None = None) -> list[RunInfo]:
    """Return the queued runs among ``runs`` (every run of the store) in the order they will start."""
    now = time.time() if now is None else now
    queued = sorted(
        (r for r in runs if r.status.state == "queued"), key=lambda r: (r.status.queued_at or r.created_at, r.run_id)
    )
    last_machine: dict[tuple, float] = {}  # machine -> its last start within RECENT_S
    last_owner: dict[str | None, float] = {}
    for run in runs:
        if (started := run.status.started_at) is not None and started > now - RECENT_S:
            last_machine[_machine(run)] = max(started, last_machine.get(_machine(run), started))
            last_owner[run.owner_id] = max(started, last_owner.get(run.owner_id, started))
    waiting: dict[str | None, list[RunInfo]] = {}  # owner -> their queued runs, first queued first
    for run in queued:
        waiting.setdefault(run.owner_id, []).append(run)
    place = {run.run_id: i for i, run in enumerate(queued)}  # where each run was queued
    order = []
    while waiting:
        first = {o: place[their[0].run_id] for o, their in waiting.items()}  # where each owner's next run was queued
        machines: dict[tuple, list[str | None]] = {}  # machine -> its owners who wait
        for owner, their in waiting.items():
            machines.setdefault(_machine(their[0]), []).append(owner)
        # the machine longest without a start, then its owner; each tie: the earliest queued
        machine = min(machines, key=lambda m: (last_machine.get(m, -1.0), min(first[o] for o in machines[m])))
        owner = min(machines[machine], key=lambda o: (last_owner.get(o, -1.0), first[o]))
        order.append(waiting[owner].pop(0))
        last_machine[machine] = last_owner[owner] = now + len(order)  # as if started: to the back of the round
        if not waiting[owner]:
            del waiting[owner]
    return order


def _machine(run: RunInfo) -> tuple[str, str | None]:
    """The machine a run was queued from: its network address; unknown, its owner alone."""
    return _machine_of(run.client, run.owner_id)


def _machine_of(client: str | None, owner_id: str | None) -> tuple[str, str | None]:
    return ("client", client) if client is not None else ("owner", owner_id)


def prune_order(runs: list[RunInfo], sizes: dict[str, int], submitter: str | None) -> list[RunInfo]:
    """Return the ended runs in the order the quota deletes them: the submitter's own, then the largest owners'.

    ``sizes`` are each run's bytes; ``submitter`` is the owner id of whoever needs the room (None:
    the scheduler's periodic check). Within an owner, the oldest go first.
    """
    ended = sorted((r for r in runs if not r.status.active), key=lambda r: (r.created_at, r.run_id))
    per_owner = Counter()
    for run in runs:
        per_owner[run.owner_id] += sizes.get(run.run_id, 0)
    own = [r for r in ended if submitter is not None and r.owner_id == submitter]
    others = [r for r in ended if submitter is None or r.owner_id != submitter]
    others.sort(key=lambda r: -per_owner[r.owner_id])  # stable: oldest first within an owner
    return own + others


# --- what may be queued: the same checks for a new run and a resumed one ----------------------------------


def admit(
    store: RunStore,
    limits: Limits,
    config: TrainConfig,
    owner_id: str | None,
    per_student: bool = True,
    resuming: str | None = None,
    client: str | None = None,
) -> list[dict]:
    """Check that ``config`` may be queued for ``owner_id`` and make room on disk; return the runs deleted for it.

    Raise UserError naming the first limit it breaks: the queue's length, the owner's active runs
    (``per_student=False``, the teacher, skips it and the per-student share), the run's estimated
    size, the owner's share of the disk, the whole quota. ``resuming`` is the id of the run being
    queued again (its files are already counted); ``client`` the submitter's machine
    (:attr:`RunInfo.client`). A full queue makes room when one machine holds more of it than the
    submitter's would (:func:`_to_push_out`), so fresh tabs cannot keep the class out of the queue.
    The caller holds the job queue's lock, so every path that queues a run decides under the same
    lock on the same listing.
    """
    if problems := limits.config_problems(config):
        raise UserError(problems[0])
    runs = store.list_runs()
    queued = sum(r.status.state == "queued" for r in runs)
    pushed, waiting = _to_push_out(runs, _machine_of(client, owner_id)) if queued >= limits.max_queue else (None, 0)
    if queued >= limits.max_queue and pushed is None:
        raise UserError(Message("limits.queue_full", {"queued": queued, "limit": limits.max_queue}))
    cap = limits.max_runs_per_student
    if cap is not None and owner_id is not None and per_student:
        active = sum(r.status.active and r.owner_id == owner_id for r in runs)
        if active >= cap:
            raise UserError(Message("limits.per_student", {"active": active, "limit": cap}))
    pruned = make_room(store, limits, runs, config, owner_id, per_student, resuming)
    if pushed is not None:  # every check passed: only now does the other machine's run lose its place
        reason = Message("limits.bumped_from_queue", {"waiting": waiting})
        store.update_status(pushed.run_id, state="cancelled", reason=reason, ended_at=time.time())
    return pruned


def _to_push_out(runs: list[RunInfo], submitter: tuple) -> tuple[RunInfo | None, int]:
    """Return the run a full queue gives up for ``submitter``, and how many runs its machine has waiting.

    That run is the last queued one of the machine with the most waiting, when it has more than
    ``submitter``'s would have (else None). Within one machine (a school's NAT, or runs whose address is unknown: each owner a machine of
    its own) none is.
    """
    waiting = [r for r in runs if r.status.state == "queued"]
    per_machine = Counter(map(_machine, waiting))
    machine, count = max(per_machine.items(), key=lambda item: item[1], default=(None, 0))
    if count <= per_machine[submitter] + 1:
        return None, count
    last = max((r for r in waiting if _machine(r) == machine), key=lambda r: (r.status.queued_at or 0, r.run_id))
    return last, count


def make_room(
    store: RunStore,
    limits: Limits,
    runs: list[RunInfo],
    config: TrainConfig | None,
    owner_id: str | None,
    per_student: bool = True,
    resuming: str | None = None,
) -> list[dict]:
    """Delete ended runs until a run of ``config`` fits the owner's share and the quota; return what went.

    ``config`` None: the scheduler's periodic check, which only brings the store back within its
    quota (largest owners' ended runs first) and refuses nothing.
    """
    if limits.quota_mb is None:
        return []
    quota = limits.quota_mb * MB
    sizes = {r.run_id: tree_bytes(r.path) for r in runs}
    need = 0 if config is None else max(0, estimate_run_bytes(config) - sizes.get(resuming or "", 0))
    share = limits.student_quota_mb * MB if limits.student_quota_mb and owner_id and per_student else None
    if config is not None and need > min(quota, share or quota):
        raise UserError(Message("limits.run_too_large", {"need": _mb(need), "limit": _mb(min(quota, share or quota))}))
    pruned = []
    if share is not None:
        mine = [r for r in runs if r.owner_id == owner_id]
        over = sum(sizes[r.run_id] for r in mine) + need - share
        if over > 0:
            pruned = store.free_space(sorted(mine, key=lambda r: (r.created_at, r.run_id)), over)
            if sum(p["bytes"] for p in pruned) < over:
                used = sum(sizes[r.run_id] for r in mine) - sum(p["bytes"] for p in pruned)
                raise UserError(
                    Message("limits.student_disk_full", {"used": _mb(used), "limit": _mb(share), "need": _mb(need)})
                )
    gone = {p["run_id"] for p in pruned}
    over = store.disk_usage() + need - quota
    if over > 0:
        candidates = [r for r in prune_order(runs, sizes, owner_id) if r.run_id not in gone]
        pruned += store.free_space(candidates, over)
        used = store.disk_usage()
        if config is not None and used + need > quota:
            raise UserError(Message("limits.disk_full", {"used": round(used / MB), "quota": limits.quota_mb}))
    return pruned


def _mb(size_bytes: int) -> str:
    return f"{size_bytes / MB:,.1f}"
