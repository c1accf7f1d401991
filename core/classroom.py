"""A class on one server: anonymous names, who may see and change which run, and the teacher's board.

Class mode is on when the server has a teacher password (``STRIDE_TEACHER_PASSWORD``). Without
one, Stride is a one-person lab (a laptop): every run is the user's own.

Identity without accounts: each browser session gets a short name and a secret key, both kept in
the URL (``me``, ``key``) so that a reload or a bookmark keeps them. The name is a label anyone may
change; the key decides ownership. A run stores a hash of its creator's key, never the key, and
only a viewer holding that key, or the teacher, may stop, resume or delete it. Other students may
read it (watch it, compare it, predict with it) only while the teacher shares the class's runs.
A run id alone grants nothing: a run that a viewer may not read is reported as missing, exactly
like one that never existed, so ids cannot be probed.

The teacher's board holds what the teacher published: whether runs are shared, recipe presets,
pinned convolution settings and exercise sets. It is a document in the class database
(:mod:`core.class_state`), so every app process that shares the database shares the board; a board
file from before (``.class/board.json`` in the run store) is moved in on the first start.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from core.class_state import ClassState, StateUnavailable, open_class_state
from core.config import TrainConfig
from core.i18n import Message, UserError
from core.jobs import Job, JobBackend
from core.limits import Limits
from core.run_status import RunInfo
from core.runs import RunStore
from core.settings import Settings

logger = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,22}[a-z0-9]")  # 3 to 24 characters, safe in a URL
KEY_PATTERN = re.compile(r"[0-9a-f]{16}")  # 64 random bits
ANIMALS = (
    "otter", "heron", "panda", "koala", "lynx", "gecko", "bison", "crane", "dingo", "egret",
    "ferret", "gibbon", "ibis", "jackal", "lemur", "marten", "newt", "okapi", "puffin", "quokka",
    "raven", "seal", "tapir", "urchin", "vole", "walrus", "yak", "zebra", "badger", "beaver",
    "camel", "dolphin", "falcon", "gazelle", "hare", "iguana", "kiwi", "llama", "moose", "owl",
)  # fmt: skip
BOARD = "board"  # the class database's document (core.class_state)
MAX_PUBLISHED = 20  # recipes, and pins, on the board
MAX_TITLE = 80  # characters of a recipe's or pin's title
MAX_PIN_PARAMS = 16
MAX_PIN_TEXT = 64  # characters of a pinned parameter's name or value
LOCKOUT_FAILURES = 5  # wrong teacher passwords in a row from one browser session before it pauses
LOCKOUT_S = 30.0
# The whole server: at most this many wrong passwords a minute, from all sessions together. With
# passwords of 10 characters or more (core.settings) that is 86,400 guesses a day: not a way in. A
# pause lasts until the oldest failure of the last minute ages out, so it never exceeds a minute.
SERVER_FAILURES_PER_WINDOW = 60
SERVER_WINDOW_S = 60.0
FORGET_SESSION_S = 600.0  # a session's failures are forgotten this long after its last one


# --- names, keys and the teacher password ------------------------------------------------------------


def random_name() -> str:
    """Return a short anonymous name such as "otter-42"."""
    return f"{secrets.choice(ANIMALS)}-{secrets.randbelow(100):02d}"


def new_key() -> str:
    return secrets.token_hex(8)


def clean_name(raw: object) -> tuple[str, Message | None]:
    """Return a valid name made from what a user typed, and a message when it had to change.

    Lower case, letters, digits and "-" only, 3 to 24 characters; too little left gives a new
    random name.
    """
    text = raw if isinstance(raw, str) else ""
    name = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")[:24].strip("-")
    if NAME_PATTERN.fullmatch(name):
        return name, None if name == text else Message("class.name_cleaned", {"value": text[:40], "used": name})
    used = random_name()
    return used, Message("class.name_too_short", {"value": text[:40], "used": used})


def owner_id(key: str) -> str:
    """Return what a run stores of its creator's key: a hash, so the store never holds keys."""
    return hashlib.sha256(f"stride-owner:{key}".encode()).hexdigest()[:32]


def client_group(address: str | None) -> str | None:
    """Return what a run stores of the network address it was queued from: a hash (None: unknown).

    The fair queue (core.queue_policy) counts a machine's runs together, however many identities
    (fresh tabs) queued them. An IPv6 address counts by its /64 network: one machine can pick any
    address in it.
    """
    if not address:
        return None
    with contextlib.suppress(ValueError):
        ip = ipaddress.ip_address(address.strip())
        mapped = getattr(ip, "ipv4_mapped", None)
        address = str(mapped or (ipaddress.ip_network(f"{ip}/64", strict=False) if ip.version == 6 else ip))
    return hashlib.sha256(f"stride-client:{address}".encode()).hexdigest()[:16]


def password_matches(given: str, expected: str | None) -> bool:
    """Compare a typed password with the server's in constant time; False when there is none."""
    if not expected:
        return False
    # Digests of equal length: compare_digest then takes the same time whatever was typed.
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())


def lockout_left(failures: list[float], now: float | None = None) -> float:
    """Return the seconds until another password may be tried, after ``failures`` (their times)."""
    now = time.time() if now is None else now
    if len(failures) < LOCKOUT_FAILURES:
        return 0.0
    return max(0.0, failures[-1] + LOCKOUT_S - now)


class UnlockPacing:
    """How often teacher passwords may be tried: per browser session, and a budget for the whole server.

    Counting per client address paused everyone behind one address (localhost, Docker's bridge, a
    proxy or a school's NAT), so five wrong tries from any student locked the teacher out. Here a
    session pauses only itself; the server-wide budget bounds what many sessions together can try.
    One instance per server (the page keeps it in ``st.cache_resource``); thread-safe.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, list[float]] = {}  # session -> times of its last few failures
        self._server: list[float] = []  # every failure of the last SERVER_WINDOW_S
        self._lock = threading.Lock()

    def wait_s(self, session: str, now: float | None = None) -> float:
        """Return the seconds until ``session`` may try a password (0: now)."""
        now = time.time() if now is None else now
        with self._lock:
            self._forget(now)
            mine = lockout_left(self._sessions.get(session, []), now)
            everyone = self._server[0] + SERVER_WINDOW_S - now if len(self._server) >= SERVER_FAILURES_PER_WINDOW else 0
            return max(mine, everyone, 0.0)

    def failed(self, session: str, now: float | None = None) -> None:
        """Count a wrong password from ``session``."""
        now = time.time() if now is None else now
        with self._lock:
            failures = self._sessions.setdefault(session, [])
            failures.append(now)
            del failures[:-LOCKOUT_FAILURES]  # only the last few matter
            self._server.append(now)
            if len(self._server) == SERVER_FAILURES_PER_WINDOW:  # then no try is counted until one ages out
                logger.warning("%d wrong teacher passwords within a minute: unlocking paused", len(self._server))

    def succeeded(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(session, None)

    def _forget(self, now: float) -> None:
        self._server = [at for at in self._server if at > now - SERVER_WINDOW_S]
        for session in [s for s, times in self._sessions.items() if times[-1] < now - FORGET_SESSION_S]:
            del self._sessions[session]


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their name and key (class mode), and whether they unlocked teacher mode."""

    name: str | None = None
    key: str | None = field(default=None, repr=False)
    teacher: bool = False
    class_mode: bool = False
    client: str | None = field(default=None, repr=False)  # client_group() of the browser's address

    @property
    def owner_id(self) -> str | None:
        return owner_id(self.key) if self.key else None

    def owns(self, run: RunInfo) -> bool:
        mine = self.owner_id
        return mine is not None and run.owner_id is not None and hmac.compare_digest(mine, run.owner_id)

    def can_control(self, run: RunInfo) -> bool:
        """Stop, resume, delete: the run's owner, the teacher, or anyone outside class mode."""
        return not self.class_mode or self.teacher or self.owns(run)

    def can_read(self, run: RunInfo, sharing: bool) -> bool:
        """Watch, compare, download, predict with: also every student while the teacher shares."""
        return sharing or self.can_control(run)


# --- the teacher's board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """A training recipe the teacher published: a title and a TrainConfig as a dict."""

    recipe_id: str
    title: str
    config: dict


@dataclass(frozen=True)
class Pin:
    """Convolution settings the teacher pinned: a title and the Convolution page's URL parameters."""

    pin_id: str
    title: str
    params: dict[str, str]


@dataclass(frozen=True)
class Board:
    sharing: bool = False  # students see the class's runs (read only)
    recipes: tuple[Recipe, ...] = ()
    pins: tuple[Pin, ...] = ()

    def to_dict(self) -> dict:
        return {
            "sharing": self.sharing,
            "recipes": [vars(r) for r in self.recipes],
            "pins": [vars(p) for p in self.pins],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Board:
        recipes, pins = [], []
        listed = {name: v if isinstance(v := data.get(name), list) else [] for name in ("recipes", "pins")}
        for item in listed["recipes"]:
            with contextlib.suppress(UserError, TypeError, KeyError, AttributeError):
                recipes.append(make_recipe(item["title"], item["config"], item["recipe_id"]))
        for item in listed["pins"]:
            with contextlib.suppress(UserError, TypeError, KeyError, AttributeError):
                pins.append(make_pin(item["title"], item["params"], item["pin_id"]))
        return cls(data.get("sharing") is True, tuple(recipes), tuple(pins))  # a damaged flag shares nothing


def _title(raw: object) -> str:
    title = " ".join(str(raw).split())[:MAX_TITLE] if isinstance(raw, str) else ""
    if not title:
        raise UserError(Message("class.title_needed", {"limit": MAX_TITLE}))
    return title


def _item_id(raw: object) -> str:
    return raw if isinstance(raw, str) and KEY_PATTERN.fullmatch(raw) else new_key()


def make_recipe(title: object, config: object, recipe_id: object = None) -> Recipe:
    """Return a recipe after checking its title and config (a TrainConfig dict)."""
    checked = TrainConfig.from_dict(config).check()  # type: ignore[arg-type]  # from_dict checks the type
    return Recipe(_item_id(recipe_id), _title(title), checked.to_dict())


def make_pin(title: object, params: object, pin_id: object = None) -> Pin:
    """Return a pin after checking its title and parameters (short strings, a few of them)."""
    if not isinstance(params, dict) or len(params) > MAX_PIN_PARAMS:
        raise UserError(Message("class.bad_pin", {"limit": MAX_PIN_PARAMS}))
    clean = {}
    for name, value in params.items():
        if not (isinstance(name, str) and isinstance(value, str) and 0 < len(name) <= MAX_PIN_TEXT):
            raise UserError(Message("class.bad_pin", {"limit": MAX_PIN_PARAMS}))
        clean[name] = value[:MAX_PIN_TEXT]
    return Pin(_item_id(pin_id), _title(title), clean)


def class_state(where: RunStore | ClassState) -> ClassState:
    """Return the class database of a run store (STRIDE_DATABASE_URL, or SQLite next to the runs)."""
    if isinstance(where, ClassState):
        return where
    return open_class_state(where.root, Settings.from_env().database_url)


def read_board(store: RunStore | ClassState) -> Board:
    """Return the teacher's board; an absent or damaged one reads as an empty board."""
    try:
        data = class_state(store).read_doc(BOARD)
        return Board.from_dict(data if isinstance(data, dict) else {})
    except (ValueError, AttributeError, TypeError, StateUnavailable) as exc:
        logger.warning("the class board is unreadable (%s); showing an empty one", exc)
        return Board()


def update_board(store: RunStore | ClassState, change: Callable[[Board], Board]) -> Board:
    """Apply ``change`` to the board and save it; two teacher tabs never lose each other's edits."""

    def changed(data: object) -> dict:
        board = change(Board.from_dict(data) if isinstance(data, dict) else Board())
        if len(board.recipes) > MAX_PUBLISHED or len(board.pins) > MAX_PUBLISHED:
            raise UserError(Message("class.board_full", {"limit": MAX_PUBLISHED}))
        return board.to_dict()

    return Board.from_dict(class_state(store).update_doc(BOARD, changed))


def publish_recipe(store: RunStore | ClassState, title: object, config: dict) -> Board:
    recipe = make_recipe(title, config)
    return update_board(store, lambda b: replace(b, recipes=(*b.recipes, recipe)))


def publish_pin(store: RunStore | ClassState, title: object, params: dict[str, str]) -> Board:
    pin = make_pin(title, params)
    return update_board(store, lambda b: replace(b, pins=(*b.pins, pin)))


def withdraw(store: RunStore | ClassState, item_id: str) -> Board:
    """Remove a recipe or pin from the board."""
    return update_board(
        store,
        lambda b: replace(
            b,
            recipes=tuple(r for r in b.recipes if r.recipe_id != item_id),
            pins=tuple(p for p in b.pins if p.pin_id != item_id),
        ),
    )


def set_sharing(store: RunStore | ClassState, sharing: bool) -> Board:
    return update_board(store, lambda b: replace(b, sharing=bool(sharing)))


# --- the runs, as one viewer may see and change them ------------------------------------------------------


class Classroom:
    """The job queue seen through one viewer's rights: the pages never reach the runs another way."""

    def __init__(self, jobs: JobBackend, viewer: Viewer):
        self.jobs = jobs
        self.store = jobs.store
        self.viewer = viewer
        self.board = read_board(self.store) if viewer.class_mode else Board()
        self._listed: list[RunInfo] | None = None  # every run, read once per page run (two files a run)

    def refresh(self) -> None:
        """Forget the listing read in this page run: a live area re-reads the store."""
        self._listed = None

    def _all_runs(self) -> list[RunInfo]:
        if self._listed is None:
            self._listed = self.store.list_runs()
        return self._listed

    @property
    def sharing(self) -> bool:
        return self.board.sharing

    @property
    def limits(self) -> Limits:
        return self.jobs.limits

    @property
    def max_concurrent_runs(self) -> int:
        return self.jobs.max_concurrent_runs

    def runs(self, scope: str = "mine") -> list[RunInfo]:
        """Return the runs in ``scope``, newest first: "mine" (the viewer's own) or "class" (all they may read).

        Outside class mode, and for the teacher, "mine" is every run.
        """
        runs = self._all_runs()
        if scope == "class":
            return [r for r in runs if self.viewer.can_read(r, self.sharing)]
        return [r for r in runs if self.viewer.can_control(r)]

    def state_counts(self) -> dict[str, int]:
        """Return how many runs of the whole class are in each state (numbers only, no run)."""
        counts: dict[str, int] = {}
        for run in self._all_runs():
            counts[run.status.state] = counts.get(run.status.state, 0) + 1
        return counts

    def jobs_of(self, runs: list[RunInfo]) -> list[Job]:
        """Return the queue's view (state, place in the queue) of ``runs``, in their order."""
        position = self.jobs.queue_positions(self._all_runs())
        return [Job(r.run_id, r.owner, r.status, position.get(r.run_id)) for r in runs]

    def read(self, run_id: str) -> RunInfo:
        """Return a run the viewer may read; any other is "not found", like a run that never was."""
        info = self.store.read_run(run_id)
        if not self.viewer.can_read(info, self.sharing):
            raise UserError(Message("runs.not_found", {"run_id": run_id}))
        return info

    def status(self, run_id: str) -> Job:
        self.read(run_id)
        return self.jobs.status(run_id)

    def _controlled(self, run_id: str) -> RunInfo:
        info = self.read(run_id)
        if not self.viewer.can_control(info):
            raise UserError(Message("class.not_yours", {"run_id": run_id, "owner": info.owner or "?"}))
        return info

    def submit(self, config: TrainConfig, files: Mapping[str, bytes] | None = None) -> str:
        self._listed = None
        viewer = self.viewer
        per_student = not viewer.teacher
        return self.jobs.submit(
            config, viewer.name, viewer.owner_id, per_student=per_student, files=files, client=viewer.client
        )

    def cancel(self, run_id: str) -> Job:
        self._controlled(run_id)
        self._listed = None
        return self.jobs.cancel(run_id)

    def resume(self, run_id: str) -> Job:
        self._controlled(run_id)
        self._listed = None
        return self.jobs.resume(run_id, per_student=not self.viewer.teacher)

    def rename(self, run_id: str, label: str) -> str:
        """Give a run the viewer may change a readable label; return what was stored."""
        self._controlled(run_id)
        self._listed = None
        return self.store.set_label(run_id, label)

    def typical_seconds(self, config: dict) -> float | None:
        """Return the median time runs of exactly this config took on this server (numbers only, no run), or None."""
        times = sorted(
            seconds
            for run in self._all_runs()
            if run.config == config and run.status.state == "finished" and (seconds := run.status.seconds) is not None
        )
        return times[len(times) // 2] if times else None

    def delete(self, run_id: str) -> None:
        self._controlled(run_id)
        self._listed = None
        self.jobs.delete(run_id)

    def pruned_mine(self) -> list[dict]:
        """Return the viewer's runs that the disk quota deleted (the teacher: everyone's), oldest first."""
        mine = self.viewer.owner_id
        everyone = not self.viewer.class_mode or self.viewer.teacher
        return [p for p in self.store.read_pruned() if everyone or (mine and p.get("owner_id") == mine)]
