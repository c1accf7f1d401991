"""Load test: simulated students against a real `streamlit run` server on this machine (not CI).

`make loadtest` / `python -m benchmarks.loadtest [--students 30] [--hostile 2] [--duration 600]
[--baseline-duration 600] [--think 1.5] [--single-moves 60] [--seed 0] [--env NAME=VALUE ...]
[--replicas N]`. One server in class mode (STRIDE_TEACHER_PASSWORD and compose.yaml's limits, a
temp run store; ``--env`` adds to its environment, to compare a setting), then, against that same
server:

1. warm-up: each page loaded once (imports, caches), not measured;
2. one user alone on the convolution page: ``--single-moves`` slider moves, the baseline;
3. the honest class alone, for ``--baseline-duration`` seconds (0: skipped): the honest students
   of step 4 without the hostile ones, so that their figures have a baseline from this session;
4. the class: ``--students`` websocket sessions (tests/streamlit_client.py, no browser) for
   ``--duration`` seconds, ``--hostile`` of them hostile (benchmarks/hostile.py: hostile uploads,
   queue floods through fresh identities, resume loops, giant editor messages, password guesses).
   Of the honest ones about 2/3 move convolution sliders, 2/15 switch architecture presets and
   input shapes, 2/15 upload digit pictures to predict, 1/15 click the LeNet recipe and watch
   their run (the live area's 1 s fragment refresh); each waits a random think time between
   actions (mean ``--think``) and stops by itself at the deadline;
5. meanwhile every 5 s: RSS of the server and its descendants (training workers) from /proc, and
   the run store's states (queued, running, ...).

Latency is BackMsg `rerun_script` sent -> `script_finished` received: the server's side of a
slider move (what a browser then draws is not included). Errors: exception elements, a script
that did not compile, a websocket that closed, no answer within 30 s, a protocol problem, an
`st.error` whose text is not one the student's actions are meant to produce (recorded verbatim),
a training run that failed, and tracebacks in the server's log. Messages about the server's
limits (core/i18n `limits.*`) are counted as refusals, not errors. The report is printed and
written as JSON to benchmarks/results/loadtest-<timestamp>.json.

``--replicas N`` (`make loadtest-replicas`: 60 students, two replicas): instead of the one server,
compose.cluster.yaml's deployment as local processes (benchmarks/replicas.py): a Ray head and a
worker node that trains, class state in a throwaway PostgreSQL, N replicas sharing one run store,
Caddy in front with the cluster Caddyfile's sticky-cookie proxy on plain http. The students connect
through Caddy and send the cookie of their first request with the websocket and uploads, so each
stays on one replica; the report adds, per replica, the students its cookie sent there, its open
connections and its RSS. The server figures (CPU, RSS, workers) are replica app-1's; training
runs in Ray's workers, outside them. Needs ``caddy`` (apt-get install caddy) and the postgresql
binaries.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import io
import ipaddress
import json
import os
import platform
import random
import re
import resource
import signal
import string
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.hostile import EXPECTED as HOSTILE_EXPECTED
from benchmarks.hostile import hostile_files, make_hostile_class
from benchmarks.replicas import REPLICA_COOKIE, check_cluster, open_connections, replica_cluster
from benchmarks.timing import cpu_model, summary
from tests.live_server import streamlit_server
from tests.streamlit_client import ProtocolError, RunOutcome, Session

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
RESULTS = Path(__file__).resolve().parent / "results"
QUERY = "lang=en"  # every student reads English: the messages are matched against core.i18n's English text
SAMPLE_EVERY_S = 5.0
RAMP_S = 10.0  # students arrive over this many seconds, not all in the same instant
SINGLE_PAUSE_S = 0.25  # between the lone user's moves: its latency does not depend on a think time
TARGET_P95_MS = 300.0
MAX_CONCURRENT_RUNS = 1
CLASS_ENV = {  # compose.yaml's class settings
    "STRIDE_TEACHER_PASSWORD": "loadtest-teacher",
    "STRIDE_MAX_CONCURRENT_RUNS": str(MAX_CONCURRENT_RUNS),
    "STRIDE_MAX_RUNS_PER_STUDENT": "1",
    "STRIDE_MAX_QUEUE": "30",
    "STRIDE_MAX_EPOCHS": "20",
    "STRIDE_MAX_STEPS": "50000",
    "STRIDE_MAX_RUN_MINUTES": "10",
    "STRIDE_STUDENT_QUOTA_MB": "200",
    "STRIDE_BEHIND_PROXY": "1",  # each student's address comes in X-Forwarded-For, as behind Caddy
    "MALLOC_ARENA_MAX": "4",  # docker/entrypoint.sh's (and `make run`'s)
}
PAGES = {"conv": "convolution", "arch": "architecture", "predict": "predict", "train": "training", "hostile": "predict"}
KIND_NAMES = {
    "conv": "convolution",
    "arch": "architecture",
    "predict": "predict",
    "train": "training",
    "hostile": "hostile",
}
# st.error texts (core.i18n keys, by prefix) that a kind of student provokes on purpose: invalid
# convolution settings, a model that does not fit its input shape, a file that is not an image
EXPECTED_ERRORS = {
    "conv": ("geometry.", "conv."),
    "arch": ("arch.", "specs.", "shapes.", "summary.", "models.", "geometry."),
    "predict": ("images.",),
    "train": (),
    "hostile": HOSTILE_EXPECTED,
}
REFUSALS = ("limits.",)  # the server's limits (queue full, runs per student, ...): expected under load
CATEGORIES = {  # latency rows, in report order
    "conv_slider": "convolution: slider moved (matrix section)",
    "conv_image_slider": "convolution: slider moved (image section)",
    "conv_other": "convolution: section, padding, fix button",
    "arch": "architecture: preset or input shape",
    "predict_upload": "predict: rerun after an upload",
    "predict": "predict: top-k, layer, picture",
    "train_click": "training: recipe button",
    "train_watch": "training: live area refresh (fragment)",
    "load": "page load (websocket opened)",
    "hostile": "hostile students: every attack's rerun",
}
SLIDER_ROWS = ("conv_slider", "conv_image_slider")


# --- what a shown message is ---------------------------------------------------------------------------


class MessageBook:
    """Tell which core.i18n text an alert shows: each English template becomes a pattern."""

    MIN_LITERAL = 12  # templates with less fixed text than this would match almost anything

    def __init__(self) -> None:
        from core.i18n import CATALOG

        self._patterns = []
        for key, (english, _) in CATALOG.items():
            parts, literal = [], 0
            for text, name, _, _ in string.Formatter().parse(english):
                parts.append(re.escape(text))
                literal += len(text)
                if name is not None:
                    parts.append(".+?")
            if english.rstrip().endswith(":"):  # a lead-in: another message follows it (a layer's geometry problem)
                parts.append(r"(?:\s.*)?")
            if literal >= self.MIN_LITERAL:
                self._patterns.append((literal, key, re.compile("".join(parts), re.DOTALL)))
        self._patterns.sort(key=lambda p: -p[0])  # the most specific template first
        self._known: dict[str, str | None] = {}

    def key_of(self, body: str) -> str | None:
        body = body.strip()
        if body not in self._known:
            self._known[body] = next((key for _, key, p in self._patterns if p.fullmatch(body)), None)
        return self._known[body]


# --- what happened -------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies, errors and messages of one phase, from every student."""

    book: MessageBook
    started: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[dict] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)  # warnings and infos, by text key
    reruns: Counter = field(default_factory=Counter)  # per student
    app_reruns: int = 0
    upload_http_ms: list[float] = field(default_factory=list)
    honest_owners: set[str] = field(default_factory=set)  # the honest trainers' owner ids (not names: those repeat)
    replica_cookies: dict[str, str | None] = field(default_factory=dict)  # student -> the proxy's sticky cookie

    def error(self, student: str, category: str, kind: str, detail: str, actions: str = "") -> None:
        at = round(time.monotonic() - self.started, 2)
        self.errors.append(
            {"t_s": at, "student": student, "category": category, "kind": kind, "detail": detail, "actions": actions}
        )

    def outcome(self, student: Student, category: str, outcome: RunOutcome) -> None:
        """Record one rerun: its latency, and sort what it showed into errors, refusals and the expected."""
        self.latencies[category].append((round(time.monotonic() - self.started, 3), outcome.latency_ms))
        self.reruns[student.name] += 1
        self.app_reruns += outcome.app_reruns
        actions = " -> ".join(student.actions)
        if outcome.status not in ("success", "fragment_success"):
            self.error(student.name, category, "script_finished", outcome.status, actions)
        for text in outcome.exceptions:
            if "redacted" in text:  # client.showErrorDetails = "none": the traceback is only in the server's log
                text = "exception element, details redacted by client.showErrorDetails (see the server log)"
            self.error(student.name, category, "exception", text, actions)
        for text in outcome.problems:
            self.error(student.name, category, "protocol", text, actions)
        for alert, body in outcome.alerts:
            key = self.book.key_of(body)
            if key is not None and key.startswith(REFUSALS):
                self.refusals[key] += 1
            elif alert != "error":
                self.notices[f"{alert}: {key or body[:100]}"] += 1
            elif key is not None and key.startswith(EXPECTED_ERRORS[student.kind]):
                self.expected[f"{student.kind}: {key}"] += 1
            else:
                self.error(student.name, category, "st.error", f"[{key or 'text not in core.i18n'}] {body}", actions)


# --- students ------------------------------------------------------------------------------------------


class Student:
    """One simulated student: a page, a random generator and what they do there."""

    kind = ""
    through_proxy = False  # --replicas: the students reach the app through Caddy

    def __init__(self, name: str, rng: random.Random, think_s: float, recorder: Recorder):
        self.name, self.rng, self.think_s, self.recorder = name, rng, think_s, recorder
        self.reload = False  # the page showed an exception: the student reloads it (a new session)
        self.actions: list[str] = []  # the last two things the student did: errors say what led to them
        # the address a proxy would forward (STRIDE_BEHIND_PROXY): one machine per student
        self.headers = {
            "X-Forwarded-For": str(ipaddress.IPv4Address((10 << 24) + zlib.crc32(name.encode()) % (1 << 24)))
        }
        self.cookies: dict[str, str] = {}  # the browser's: kept when the page is opened again (a proxy's sticky one)
        # through a real proxy (--replicas), which adds the address it sees: the same machine as a loopback address
        self.local_host = "127." + self.headers["X-Forwarded-For"].split(".", 1)[1] if Student.through_proxy else None

    def did(self, action: str) -> None:
        self.actions = [*self.actions[-1:], action]

    @property
    def page(self) -> str:
        return PAGES[self.kind]

    def think(self) -> float:
        """A random pause with mean think_s (uniform over 0.25-1.75 of it)."""
        return self.think_s * self.rng.uniform(0.25, 1.75)

    async def rerun(self, session: Session, category: str, **kwargs: Any) -> RunOutcome:
        values, click = kwargs.get("values") or {}, kwargs.get("click")
        if values or click:
            self.did(", ".join([*(f"{k}={v!r}" for k, v in values.items()), *([f"click {click}"] if click else [])]))
        outcome = await session.rerun(**kwargs)
        self.recorder.outcome(self, category, outcome)
        self.reload = self.reload or bool(outcome.exceptions)
        return outcome

    async def start(self, session: Session) -> None:
        """What the student does once after the page loaded (choose a section, ...)."""

    async def act(self, session: Session) -> float:
        """Do one thing on the page; return how long to wait before the next."""
        raise NotImplementedError

    async def close(self) -> None:
        """Let go of any session besides the page's (the page's own is closed by run_student)."""


class ConvolutionStudent(Student):
    """Moves the convolution page's sliders: mostly one step, sometimes to an end (often invalid)."""

    kind = "conv"
    SLIDERS = (
        "size_h",
        "kernel_h",
        "stride_h",
        "padding_h",
        "dilation_h",
    )  # each section has its own: conv.<section>.*
    IMAGE_SLIDERS = ("stride_h", "padding_h", "dilation_h")

    def __init__(self, *args: Any, section: str = "matrix", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.section = section

    async def start(self, session: Session) -> None:
        if self.section == "image":
            mode = session.widget("conv.mode")
            await self.rerun(session, "conv_other", values={"conv.mode": [mode.options[1]]})  # MODES[1] == "image"

    async def act(self, session: Session) -> float:
        rng = self.rng
        if session.widget("conv.fix") is not None and rng.random() < 0.4:
            await self.rerun(session, "conv_other", click="conv.fix")
            return self.think()
        roll = rng.random()
        if roll < 0.05:  # padding kind: "same" with stride > 1 is refused with a message
            kind = session.widget(f"conv.{self.section}.pad_kind")
            await self.rerun(session, "conv_other", values={f"conv.{self.section}.pad_kind": rng.choice(kind.options)})
            return self.think()
        if self.section == "image" and roll < 0.15:
            kernel = session.widget("conv.image.filter")
            choices = [o for o in kernel.options[:-1] if o != session.value("conv.image.filter")]  # not "custom"
            await self.rerun(session, "conv_other", values={"conv.image.filter": rng.choice(choices)})
            return self.think()
        names = self.IMAGE_SLIDERS if self.section == "image" else self.SLIDERS
        keys = [f"conv.{self.section}.{name}" for name in names]
        key = rng.choice([k for k in keys if session.widget(k) is not None])
        slider = session.widget(key).proto
        low, high = int(slider.min), int(slider.max)
        current = int((session.value(key) or [low])[0])
        if rng.random() < 0.15:
            value = rng.choice([low, high])  # dragged to an end: a big kernel or dilation does not fit
        else:
            value = current + rng.choice([-1, 1])  # one arrow key
            if not low <= value <= high:
                value = current - (value - current)
        if value == current:
            value = high if current != high else low
        await self.rerun(
            session, "conv_image_slider" if self.section == "image" else "conv_slider", values={key: value}
        )
        return self.think()


class ArchitectureStudent(Student):
    """Switches the architecture page's preset and input shape (some shapes do not fit, one does not parse)."""

    kind = "arch"
    SHAPES = ("1x28x28", "1x32x32", "3x32x32", "3x64x64", "3x224x224", "784")
    BAD_SHAPES = ("32x", "0x28x28", "shape")

    async def act(self, session: Session) -> float:
        rng = self.rng
        roll = rng.random()
        if roll < 0.5:
            preset = session.widget("arch.preset")
            choices = [o for o in preset.options if o != session.value("arch.preset")]
            await self.rerun(session, "arch", values={"arch.preset": rng.choice(choices)})
        else:
            shapes = self.BAD_SHAPES if roll > 0.92 else self.SHAPES
            await self.rerun(session, "arch", values={"arch.input": rng.choice(shapes)})
        return self.think()


def digit_pictures(count: int, seed: int) -> list[bytes]:
    """Return PNGs of scikit-learn's 8x8 digits, enlarged to 64x64 and inverted (dark ink on white)."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits().images
    rng = np.random.default_rng(seed)
    pictures = []
    for i in rng.choice(len(digits), size=count, replace=False):
        pixels = (255 - digits[i] * 255 / 16).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).resize((64, 64), Image.Resampling.NEAREST).save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    return pictures


class PredictStudent(Student):
    """Uploads one or two digit pictures (now and then a broken file), looks at the results."""

    kind = "predict"
    PICTURES: list[bytes] = []
    BROKEN = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a PNG signature and then nonsense

    async def act(self, session: Session) -> float:
        rng = self.rng
        have_results = session.widget("predict.k") is not None
        if session.widget("predict.images") is not None and (not have_results or rng.random() < 0.5):
            files = [
                (f"digit-{rng.randrange(1000)}.png", rng.choice(self.PICTURES), "image/png")
                for _ in range(rng.choice((1, 1, 2)))
            ]
            if rng.random() < 0.1:
                files.append(("broken.png", self.BROKEN, "image/png"))
            self.did(f"upload {', '.join(name for name, _, _ in files)}")
            http_s, outcome = await session.upload("predict.images", files)
            self.recorder.upload_http_ms.append(http_s * 1000)
            self.recorder.outcome(self, "predict_upload", outcome)
            self.reload = self.reload or bool(outcome.exceptions)
            return self.think()
        if not have_results:  # the input picker is not on "upload" (should not happen): put it back
            picker = session.widget("predict.input")
            await self.rerun(session, "predict", values={"predict.input": [picker.options[0]]})
            return self.think()
        choices = ["predict.k"] + [k for k in ("predict.layer", "predict.item") if session.widget(k) is not None]
        key = rng.choice(choices)
        widget = session.widget(key)
        if key == "predict.k":
            value = rng.randint(int(widget.proto.min), int(widget.proto.max))
        else:
            value = rng.choice(widget.options)
        await self.rerun(session, "predict", values={key: value})
        return self.think()


class TrainingStudent(Student):
    """Clicks the LeNet-on-digits recipe, watches the live area refresh every second until the run ends, again."""

    kind = "train"
    RECIPE = "train.recipe_lenet_digits"
    IMPATIENT = 0.05  # per refresh: clicks again while the run is still queued or running

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.next_tick = 0.0

    async def start(self, session: Session) -> None:
        key = dict(p.split("=", 1) for p in session.query.split("&") if "=" in p).get("key")
        if key:  # whose runs these are: the honest trainers' waits are reported apart. By the key's owner
            from core.classroom import owner_id  # id: a hostile student's fresh tab may draw a trainer's name

            self.recorder.honest_owners.add(owner_id(key))

    async def act(self, session: Session) -> float:
        if not session.auto_reruns:  # nothing to watch: start a run
            await self.rerun(session, "train_click", click=self.RECIPE)
            self.next_tick = time.monotonic()
            return 0.0 if session.auto_reruns else self.think()
        if self.rng.random() < self.IMPATIENT:
            await self.rerun(session, "train_click", click=self.RECIPE)
            return 0.0
        fragment_id, interval = next(iter(session.auto_reruns.items()))
        await self.rerun(session, "train_watch", fragment_id=fragment_id, auto=True)
        if not session.auto_reruns:  # the run ended: the fragment reran the whole page
            return self.think()
        # the frontend's timer fires every interval; one that came due during a slow rerun fires at once
        self.next_tick = max(self.next_tick + interval, time.monotonic())
        return self.next_tick - time.monotonic()


HostileStudent = make_hostile_class(Student)


def make_students(counts: dict[str, int], think_s: float, seed: int, recorder: Recorder) -> list[Student]:
    classes = {
        "conv": ConvolutionStudent,
        "arch": ArchitectureStudent,
        "predict": PredictStudent,
        "train": TrainingStudent,
        "hostile": HostileStudent,
    }
    students: list[Student] = []
    for kind, count in counts.items():
        for i in range(count):
            rng = random.Random(f"{seed}-{kind}-{i}")
            extra = {"section": "image" if i % 4 == 3 else "matrix"} if kind == "conv" else {}
            students.append(classes[kind](f"{kind}-{i + 1}", rng, think_s, recorder, **extra))
    return students


def class_mix(students: int) -> dict[str, int]:
    """Split the class: 2/15 architecture, 2/15 predict, 1/15 training (at least one each from 5), the rest convolution."""
    if students < 5:
        return {"conv": students}
    share = {"arch": 4 / 30, "predict": 4 / 30, "train": 2 / 30}
    counts = {kind: max(1, round(students * part)) for kind, part in share.items()}
    return {"conv": students - sum(counts.values()), **counts}


async def run_student(student: Student, url: str, deadline: float, delay_s: float) -> None:
    """Open the page and act until the deadline; a session that broke is counted and opened again.

    Opening again is a reload of the page: the same URL, so with the query string the page wrote
    (in class mode the student's name and key, which is who owns their runs).
    """
    recorder = student.recorder
    await asyncio.sleep(delay_s)
    session: Session | None = None
    query = QUERY
    while time.monotonic() < deadline:
        pause = student.think()
        category = "load"
        try:
            if session is None:
                session = Session(url, student.page, query, headers=student.headers, cookies=student.cookies,
                                  local_host=student.local_host)  # fmt: skip
                student.did(f"open /{student.page}?{query}")
                recorder.outcome(student, "load", await session.open())
                student.cookies = session.cookies
                recorder.replica_cookies[student.name] = session.cookies.get(REPLICA_COOKIE)
                await student.start(session)
            category = student.kind
            pause = await student.act(session)
            if student.reload:  # a broken page stays broken in its session (its state is kept): reload
                student.reload = False
                query = session.query
                await session.close()
                session = None
        except ProtocolError as exc:
            recorder.error(student.name, category, "protocol", str(exc), " -> ".join(student.actions))
            query = session.query
            await session.close()
            session = None
        except KeyError as exc:  # a widget the student expected is not on the page
            recorder.error(student.name, category, "missing widget", str(exc), " -> ".join(student.actions))
        await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
    if session is not None:
        await session.close()
    await student.close()


# --- the server's processes and run store --------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, int, int, int] | None:
    """Return (ppid, start ticks, CPU ticks, RSS pages) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # fields from the third (state) on
    return int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]), int(fields[21])


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root: int) -> dict[int, tuple[int, int, int, int]]:
    """Return {pid: stat} for ``root`` and every process below it."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _proc_stat(int(entry))) is not None:
            table[int(entry)] = stat
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in found:
            found[pid] = table[pid]
            todo += [child for child, stat in table.items() if stat[0] == pid]
    return found


def server_pid(url: str) -> int:
    """Return the pid of our `streamlit run` child serving ``url`` (the helper yields only the URL)."""
    port = url.rsplit(":", 1)[1]
    for pid in descendants(os.getpid()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(argv) and port.encode() in argv:
            return pid
    raise RuntimeError(f"no streamlit process of ours serves {url}")


def machine_busy() -> tuple[int, int]:
    """Return (busy, total) CPU ticks of the whole machine since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class Sampler:
    """Every SAMPLE_EVERY_S: memory and CPU of the server and its descendants, and the run store's states."""

    # --replicas: (pid, port) of each replica, whose RSS and open connections are sampled too
    replicas: list[tuple[int, int]] = []
    database: str | None = None  # --replicas: their STRIDE_DATABASE_URL, where the run index is

    def __init__(self, pid: int, runs_dir: Path):
        self.pid, self.runs_dir = pid, runs_dir
        self.started = time.monotonic()
        self.memory: list[dict] = []
        self.queue: list[dict] = []
        self.cpu_first: dict[tuple[int, int], int] = {}  # (pid, start ticks) -> CPU ticks when first seen
        self.cpu_last: dict[tuple[int, int], int] = {}
        self.seen: set[tuple[int, int]] = set()  # every (pid, start ticks) below the server: to end leftovers

    def sample(self) -> None:
        t = round(time.monotonic() - self.started, 2)
        page = os.sysconf("SC_PAGE_SIZE") / 2**20
        procs = descendants(self.pid)
        server = procs.get(self.pid)
        children = {pid: stat for pid, stat in procs.items() if pid != self.pid}
        for pid, (_, start, cpu, _) in procs.items():
            self.cpu_first.setdefault((pid, start), cpu)
            self.cpu_last[(pid, start)] = cpu
            if pid != self.pid:
                self.seen.add((pid, start))
        self.memory.append({
            "t_s": t,
            "server_rss_mb": round(server[3] * page, 1) if server else None,
            "workers_rss_mb": round(sum(s[3] for s in children.values()) * page, 1),
            "workers": len(children),
            "total_pss_mb": round(sum(_pss_kb(pid) for pid in procs) / 1024, 1),
        })  # fmt: skip
        if self.replicas:
            self.memory[-1]["replicas"] = [
                {"rss_mb": round(stat[3] * page, 1) if (stat := _proc_stat(pid)) else None,
                 "connections": open_connections(port)} for pid, port in self.replicas
            ]  # fmt: skip
        states = Counter(status.get("state", "?") for _, status, _ in stored_runs(self.runs_dir))
        self.queue.append({"t_s": t, **states})

    def cpu_seconds(self) -> tuple[float, float]:
        """Return CPU seconds used between samples by the server and by its descendants."""
        tick = os.sysconf("SC_CLK_TCK")
        server = workers = 0
        for proc, last in self.cpu_last.items():
            used = last - self.cpu_first[proc]
            if proc[0] == self.pid:
                server += used
            else:
                workers += used
        return server / tick, workers / tick

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(self.sample)  # /proc and the run store: off the students' event loop
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)
        self.sample()


def end_leftovers(processes: set[tuple[int, int]]) -> list[int]:
    """SIGTERM (then SIGKILL) the server's former descendants that outlived it: training workers run detached."""
    ended = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid, start in processes if (stat := _proc_stat(pid)) is not None and stat[1] == start]
        for pid in alive:
            try:
                os.kill(pid, sig)
                ended.append(pid)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while alive and time.monotonic() < deadline:
            alive = [pid for pid, start in processes if (s := _proc_stat(pid)) is not None and s[1] == start]
            time.sleep(0.1)
    return sorted(set(ended))


def stored_runs(runs_dir: Path) -> list[tuple[str, dict, dict]]:
    """Return (run id, status, config.json's fields) of every run in the store, read without importing torch.

    From the run index when the replicas keep one (``Sampler.database``, their STRIDE_DATABASE_URL),
    else from each run's files; a file being replaced or half-created is skipped (the next sample sees it).
    """
    if Sampler.database:
        from core.class_state import ClassState, backend_for

        state = ClassState(backend_for(Sampler.database))
        try:
            with state.transaction() as tx:
                rows = tx.rows("SELECT run_id, status, owner, owner_id, client, created_at FROM runs")
        finally:
            state.close()
        fields = ("owner", "owner_id", "client", "created_at")
        return [(run_id, json.loads(status), dict(zip(fields, rest, strict=True))) for run_id, status, *rest in rows]
    found = []
    for status_file in runs_dir.glob("*/status.json"):
        try:
            config = json.loads((status_file.parent / "config.json").read_text())
            found.append((status_file.parent.name, json.loads(status_file.read_text()), config))
        except (OSError, ValueError):
            continue
    return found


def run_store_summary(runs_dir: Path, since: float = 0.0, honest: set[str] | frozenset = frozenset()) -> dict:
    """Return what happened to the runs created after ``since`` (Unix s): states, waits, durations, failures.

    Waits from queued to running are also given for the runs of the ``honest`` owners (owner ids)
    alone, with how many runs of one other machine started while one of them waited
    (``overtaken_by``): the fair order (core.queue_policy) lets each other machine start at most
    one. A run's status keeps its last start only, so a run resumed again and again counts once.
    The run store is gone after the test, so up to 5 honest runs that waited for more than one are
    kept with those starts (``cases``).
    """
    states, waits, honest_waits, durations, failures = Counter(), [], [], [], []
    honest_states, honest_still_waiting = Counter(), []  # an honest run queued at the end has waited this long
    runs = stored_runs(runs_dir)
    starts = [(s["started_at"], _machine(c), r) for r, s, c in runs if s.get("started_at")]
    overtaken = []  # per honest run that started: the most runs of one machine that started while it waited
    cases = []  # the honest runs that waited for more than one run of a machine, with those starts: evidence
    for run_id, status, config in runs:
        if (config.get("created_at") or 0) < since:
            continue
        state = status.get("state", "?")
        states[state] += 1
        if config.get("owner_id") in honest:
            honest_states[state] += 1
            if state == "queued" and status.get("queued_at"):
                honest_still_waiting.append(time.time() - status["queued_at"])
        if status.get("started_at") and status.get("queued_at"):
            waits.append(status["started_at"] - status["queued_at"])
            if config.get("owner_id") in honest:
                honest_waits.append(waits[-1])
                mine, queued, started = _machine(config), status["queued_at"], status["started_at"]
                window = [(at, m, r) for at, m, r in starts if queued < at < started and m != mine]
                machines = Counter(m for _, m, _ in window)
                overtaken.append(max(machines.values(), default=0))
                if overtaken[-1] > 1 and len(cases) < 5:
                    others = [(round(at - queued, 1), m, r) for at, m, r in sorted(window)]
                    cases.append({"run": run_id, "machine": mine, "status": status, "starts_after_s": others})
        if status.get("ended_at") and status.get("started_at") and state == "finished":
            durations.append(status["ended_at"] - status["started_at"])
        if state in ("failed", "interrupted"):
            failures.append(f"{run_id}: {state}: {status.get('reason')}")
    return {
        "runs": sum(states.values()),
        "states_at_end": dict(states),
        "wait_s": _spread(waits),
        "honest_wait_s": _spread(honest_waits),
        "honest_states_at_end": dict(honest_states),
        "honest_still_waiting_s": _spread(honest_still_waiting),
        "overtaken_by": {
            "most": max(overtaken, default=0),
            "runs_over_one": sum(n > 1 for n in overtaken),
            "cases": cases,
        },
        "run_s": _spread(durations),
        "failures": failures,
    }


def _spread(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "mean": round(sum(values) / len(values), 2), "max": round(max(values), 2)}


# --- phases --------------------------------------------------------------------------------------------


async def warm_up(url: str) -> dict[str, float]:
    """Load each page once, so imports and first-use caches are not in the measurements."""
    seconds = {}
    for page in ("home", *PAGES.values()):
        start = time.perf_counter()
        session = Session(url, page, QUERY, timeout_s=120)
        try:
            await session.open()
        finally:
            await session.close()
        seconds[page] = round(time.perf_counter() - start, 2)
    return seconds


async def single_user(url: str, pid: int, moves: int, seed: int, book: MessageBook) -> tuple[Recorder, float]:
    """One student alone on the convolution page: ``moves`` slider moves, a short pause between them.

    Returns what was recorded and the server's CPU milliseconds per rerun meanwhile (all its threads).
    """
    recorder = Recorder(book)
    cpu_start = (_proc_stat(pid) or (0, 0, 0, 0))[2]
    student = ConvolutionStudent("alone", random.Random(f"{seed}-alone"), SINGLE_PAUSE_S, recorder)
    session: Session | None = None
    for _ in range(3 * moves):  # bounded even if every move failed
        if len(recorder.latencies["conv_slider"]) >= moves:
            break
        try:
            if session is None:
                session = Session(url, student.page, QUERY)
                recorder.outcome(student, "load", await session.open())
            await student.act(session)
        except ProtocolError as exc:
            recorder.error(student.name, "conv", "protocol", str(exc))
            await session.close()
            session = None
        except KeyError as exc:
            recorder.error(student.name, "conv", "missing widget", str(exc))
        await asyncio.sleep(SINGLE_PAUSE_S)
    if session is not None:
        await session.close()
    cpu_ms = ((_proc_stat(pid) or (0, 0, 0, 0))[2] - cpu_start) * 1000 / os.sysconf("SC_CLK_TCK")
    return recorder, round(cpu_ms / max(1, sum(recorder.reruns.values())), 1)


async def class_load(url: str, pid: int, runs_dir: Path, counts: dict[str, int], duration_s: float,
                     think_s: float, seed: int, book: MessageBook) -> tuple[Recorder, Sampler, dict]:  # fmt: skip
    """Every student for ``duration_s`` while the sampler watches the server; return what was seen."""
    recorder = Recorder(book)
    sampler = Sampler(pid, runs_dir)
    students = make_students(counts, think_s, seed, recorder)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    lags: list[float] = []

    async def watch_loop() -> None:  # how late the client's own event loop wakes up: is the client the bottleneck?
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.1)
            lags.append((time.perf_counter() - start - 0.1) * 1000)

    lagging = asyncio.create_task(watch_loop())
    usage, wall, busy = resource.getrusage(resource.RUSAGE_SELF), time.monotonic(), machine_busy()
    deadline = time.monotonic() + duration_s
    ramp = min(RAMP_S, duration_s / 6)
    await asyncio.gather(*(run_student(s, url, deadline, ramp * i / len(students)) for i, s in enumerate(students)))
    after, wall, busy_after = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall, machine_busy()
    stop.set()
    await asyncio.gather(sampling, lagging)
    server_s, workers_s = sampler.cpu_seconds()
    client_s = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    cores = os.cpu_count() or 1
    machine = (busy_after[0] - busy[0]) / max(1, busy_after[1] - busy[1]) * cores
    cpu = {
        "wall_s": round(wall, 1),
        "client_cores": round(client_s / wall, 3),
        "server_cores": round(server_s / wall, 3),
        "workers_cores": round(workers_s / wall, 3),
        "machine_busy_cores": round(machine, 3),
        "others_cores": round(max(0.0, machine - (client_s + server_s + workers_s) / wall), 3),
        "cores": cores,
        "client_loop_lag_ms": dict(
            zip(("p50", "p95"), _rounded(summary(tuple(lags))), strict=True), max=round(max(lags), 1)
        )
        if len(lags) > 1
        else None,
    }
    return recorder, sampler, cpu


# --- the report ----------------------------------------------------------------------------------------


def _rounded(values: tuple[float, ...]) -> list[float]:
    return [round(v, 1) for v in values]


def latency_rows(recorder: Recorder) -> dict[str, dict]:
    rows = {}
    for category in CATEGORIES:
        samples = [ms for _, ms in recorder.latencies.get(category, [])]
        if not samples:
            continue
        p50, p95 = summary(tuple(samples)) if len(samples) > 1 else (samples[0], samples[0])
        rows[category] = {
            "n": len(samples),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(samples), 1),
        }
    return rows


def trend_mb_per_min(samples: list[dict], name: str) -> float | None:
    """Least-squares slope of ``name`` over the second half of the samples, in MB per minute."""
    points = [(s["t_s"], s[name]) for s in samples if s[name] is not None]
    points = [p for p in points if p[0] >= points[-1][0] / 2] if points else []
    if len(points) < 3:
        return None
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return round(sum((t - mean_t) * (v - mean_v) for t, v in points) / var * 60, 2) if var else None


def memory_summary(samples: list[dict]) -> dict:
    out = {}
    for name in ("server_rss_mb", "workers_rss_mb", "total_pss_mb"):
        values = [s[name] for s in samples if s[name] is not None]
        if values:
            out[name] = {
                "start": values[0],
                "peak": max(values),
                "end": values[-1],
                "trend_last_half_mb_per_min": trend_mb_per_min(samples, name),
            }
    out["max_workers"] = max((s["workers"] for s in samples), default=0)
    return out


def _machine(config: dict) -> str | None:
    """The machine a run was queued from, as the fair queue tells them apart (core.queue_policy)."""
    return config.get("client") or config.get("owner_id")


def queue_summary(samples: list[dict], runs_dir: Path, since: float, honest: set[str]) -> dict:
    running = [s.get("running", 0) for s in samples]
    return {
        "max_queued": max((s.get("queued", 0) for s in samples), default=0),
        "max_running": max(running, default=0),
        "cap": MAX_CONCURRENT_RUNS,
        "samples_over_cap": sum(r > MAX_CONCURRENT_RUNS for r in running),
        **run_store_summary(runs_dir, since, honest),
    }


def server_log_problems(log_path: Path) -> list[str]:
    """Return each traceback (its last line and where) and each ERROR line in the server's log."""
    problems, lines = [], log_path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = i + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            where = [x.strip() for x in lines[i:end] if x.strip().startswith("File ")][-1:]
            problems.append(" | ".join([*where, lines[end] if end < len(lines) else "?"]))
        elif " ERROR " in line or line.startswith("ERROR"):
            problems.append(line.strip())
    return problems


def error_groups(errors: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], dict] = {}
    for e in errors:
        group = groups.setdefault(
            (e["kind"], e["detail"]),
            {"kind": e["kind"], "detail": e["detail"], "count": 0, "students": set(), "actions": []},
        )
        group["count"] += 1
        group["students"].add(e["student"])
        if e.get("actions") and e["actions"] not in group["actions"] and len(group["actions"]) < 3:
            group["actions"].append(e["actions"])
    return [{**g, "students": sorted(g["students"])} for g in sorted(groups.values(), key=lambda g: -g["count"])]


def format_report(result: dict) -> str:
    cfg, load, single = result["config"], result["load"], result["single_user"]
    mix = ", ".join(f"{n} {KIND_NAMES[k]}" for k, n in cfg["mix"].items() if n)
    lines = [
        f"Stride load test, {result['started']}",
        f"  {cfg['students']} students ({mix}) for {cfg['duration_s']:.0f} s, think time {cfg['think_s']} s mean, seed {cfg['seed']}",
        f"  machine: {result['machine']['cpu']}, {result['machine']['cores']} cores; load average "
        f"{result['machine']['load_start']} at start, {result['machine']['load_end']} at end",
        f"  server: {server_line(result)} with {', '.join(f'{k}={v}' for k, v in cfg['env'].items())}",
        f"  phases, s: {', '.join(f'{k} {v:g}' for k, v in result['phases_s'].items())}",
        "",
        "Latency, ms: BackMsg rerun_script sent -> script_finished received (the server's slider-to-result; drawing not included)",
        f"  {'':54} {'n':>6} {'p50':>7} {'p95':>7} {'max':>7}",
    ]

    def row(title: str, r: dict | None) -> None:
        if r:
            lines.append(f"  {title:54} {r['n']:>6} {r['p50_ms']:>7.0f} {r['p95_ms']:>7.0f} {r['max_ms']:>7.0f}")

    row("one user alone: convolution slider (matrix)", single["latency"].get("conv_slider"))
    lines.append(f"  (one user alone: the server used {single['server_cpu_ms_per_rerun']:.0f} ms of CPU per rerun)")
    for category, title in CATEGORIES.items():
        row(f"{cfg['students']} students: {title}", load["latency"].get(category))
    if load["upload_http_ms"]:
        up = load["upload_http_ms"]
        lines.append(
            f"  (uploads before their rerun: file URLs + DELETE + PUT took p50 {up['p50']:.0f} ms, p95 {up['p95']:.0f} ms)"
        )
    slider = load["latency"].get("conv_slider")
    if slider:
        verdict = "met" if slider["p95_ms"] <= TARGET_P95_MS else "MISSED"
        lines.append(f"  target: p95 slider-to-result <= {TARGET_P95_MS:.0f} ms with {cfg['students']} students: "
                     f"{slider['p95_ms']:.0f} ms, {verdict}")  # fmt: skip
    logged = sum(e["kind"] == "server log" for e in result["errors"])
    lines += [
        "",
        f"Errors: {len(result['errors'])} (target 0): {len(result['errors']) - logged} seen by the students, "
        f"{logged} in the server's log (an exception a student saw is also a traceback there, with its message)",
    ]
    for g in error_groups(result["errors"])[:20]:
        lines.append(f"  {g['count']:>4} x {g['kind']}: {g['detail'][:300]}  ({', '.join(g['students'][:6])})")
        lines += [f"         after: {a[:300]}" for a in g["actions"]]
    lines.append(f"Refused by limits (expected messages): {sum(load['refusals'].values())}")
    lines += [f"  {n:>4} x {key}" for key, n in sorted(load["refusals"].items(), key=lambda kv: -kv[1])]
    lines.append(f"Provoked on purpose (invalid settings, bad files): {sum(load['expected'].values())}")
    lines += [f"  {n:>4} x {key}" for key, n in sorted(load["expected"].items(), key=lambda kv: -kv[1])[:12]]
    reruns = sorted(load["reruns"].values())
    if reruns:
        lines.append(f"Reruns: {sum(reruns)} in all, per student {reruns[0]} to {reruns[-1]} "
                     f"(median {reruns[len(reruns) // 2]}); app-requested extra runs (st.rerun, navigation): {load['app_reruns']}")  # fmt: skip
    cpu = load["cpu"]
    lag = cpu["client_loop_lag_ms"] or {}
    lines += [
        "",
        f"CPU over {cpu['wall_s']:.0f} s, in cores of {cpu['cores']}: server {cpu['server_cores']:.2f}, "
        f"training workers {cpu['workers_cores']:.2f}, this load client {cpu['client_cores']:.2f}, "
        f"whole machine {cpu['machine_busy_cores']:.2f}, so other processes (neighbours) {cpu['others_cores']:.2f}",
        f"  load client's event loop woke up late by p50 {lag.get('p50', '?')} ms, p95 {lag.get('p95', '?')} ms, max {lag.get('max', '?')} ms",
    ]
    memory = load["memory"]
    lines.append(f"Memory, MB (every {SAMPLE_EVERY_S:.0f} s; trend = least-squares slope over the second half):")
    for name, title in (
        ("server_rss_mb", "server RSS"),
        ("workers_rss_mb", "workers RSS (sum)"),
        ("total_pss_mb", "server + workers PSS"),
    ):
        m = memory.get(name)
        if m:
            lines.append(f"  {title:22} start {m['start']:>7.0f}  peak {m['peak']:>7.0f}  end {m['end']:>7.0f}  "
                         f"trend {m['trend_last_half_mb_per_min']} MB/min")  # fmt: skip
    lines.append(f"  at most {memory['max_workers']} descendant processes (training workers, warm spare)")
    q = load["queue"]
    lines += [
        f"Queue (run store every {SAMPLE_EVERY_S:.0f} s): at most {q['max_queued']} queued, at most {q['max_running']} "
        f"running (cap {q['cap']}; samples over the cap: {q['samples_over_cap']})",
        f"  {q['runs']} runs; at the end {q['states_at_end']}; wait queued->running {q['wait_s']}; "
        f"finished runs took {q['run_s']}",
    ]
    lines += [f"  failed: {f}" for f in q["failures"]]
    if result["server"]["log_problems"]:
        lines.append(f"Server log: {len(result['server']['log_problems'])} problems (see {result['server']['log']})")
        lines += [f"  {n:>4} x {p[:300]}" for p, n in Counter(result["server"]["log_problems"]).most_common(10)]
    if result["server"]["ended_leftovers"]:
        lines.append(f"Ended {len(result['server']['ended_leftovers'])} worker processes that outlived the server")
    if result.get("replicas"):
        lines.append(
            "Replicas (students: sent there by the proxy's sticky cookie; connections: established TCP, peak):"
        )
        for r in result["replicas"]["per_replica"]:
            rss = r["rss_mb"] or {"start": 0, "peak": 0, "end": 0}
            lines.append(f"  {r['replica']} {r['address']}: {r['students']} students, peak {r['peak_connections']} connections, "
                         f"RSS MB start {rss['start']:.0f} peak {rss['peak']:.0f} end {rss['end']:.0f}")  # fmt: skip
        lines.append(f"  students without a replica cookie: {result['replicas']['students_without_replica_cookie']}")
    if result.get("honest_only"):
        lines += ["", *format_comparison(result)]
    return "\n".join(lines)


def server_line(result: dict) -> str:
    if not result.get("replicas"):
        return f"one `streamlit run` (pid {result['server']['pid']})"
    count = len(result["replicas"]["per_replica"])
    return (f"{count} replicas behind Caddy (sticky cookie {REPLICA_COOKIE}), training on Ray (a head and one worker "
            "node), class state in PostgreSQL, one shared run store; server figures below are replica app-1's")  # fmt: skip


def format_comparison(result: dict) -> list[str]:
    """The honest students' figures with the hostile ones against the honest class alone, side by side."""
    honest, load = result["honest_only"], result["load"]
    lines = [
        f"Honest students alone ({honest['duration_s']:.0f} s) vs with {result['config']['hostile']} hostile "
        f"({result['config']['duration_s']:.0f} s), same server:",
        f"  {'':60} {'alone':>16} {'with hostile':>16}",
    ]

    def cell(phase: dict, category: str) -> str:
        r = phase["latency"].get(category)
        return f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f}" if r else "-"

    for category in ("conv_slider", "conv_image_slider", "arch", "predict_upload", "train_watch"):
        lines.append(
            f"  {CATEGORIES[category] + ', p50 / p95 ms':44} {cell(honest, category):>16} {cell(load, category):>16}"
        )
    slider, alone_slider = load["latency"].get("conv_slider"), honest["latency"].get("conv_slider")
    if slider and alone_slider:
        ratio = slider["p95_ms"] / alone_slider["p95_ms"]
        verdict = "met" if ratio <= 1.5 and slider["p95_ms"] <= TARGET_P95_MS else "MISSED"
        lines.append(
            f"  slider p95 with hostile students / alone: {ratio:.2f} (target <= 1.5, and <= {TARGET_P95_MS:.0f} ms): {verdict}"
        )

    def waits(phase: dict) -> str:
        w = phase["queue"]["honest_wait_s"]
        return f"{w['mean']:.1f} / {w['max']:.1f} ({w['n']})" if w else "-"

    lines.append(f"  {'honest runs: wait queued->running, mean / max s (n)':60} {waits(honest):>16} {waits(load):>16}")

    def overtaken(phase: dict) -> str:
        o = phase["queue"].get("overtaken_by") or {}
        return f"{o.get('most', 0)} ({o.get('runs_over_one', 0)} over 1)"

    lines.append(
        f"  {'... most runs of one machine started while one waited':60} {overtaken(honest):>16} {overtaken(load):>16}"
    )

    def waiting(phase: dict) -> str:
        w = phase["queue"]["honest_still_waiting_s"]
        return f"{w['mean']:.1f} / {w['max']:.1f} ({w['n']})" if w else "-"

    lines.append(
        f"  {'honest runs still queued at the end: waited so far, s':60} {waiting(honest):>16} {waiting(load):>16}"
    )
    for name in ("server_rss_mb",):
        a, b = honest["memory"].get(name), load["memory"].get(name)
        if a and b:
            fmt = "{start:.0f}/{peak:.0f}/{end:.0f}"
            lines.append(f"  {'server RSS start / peak / end, MB':60} {fmt.format(**a):>16} {fmt.format(**b):>16}")
            lines.append(f"  {'server RSS trend, second half, MB/min':60} "
                         f"{a['trend_last_half_mb_per_min']!s:>16} {b['trend_last_half_mb_per_min']!s:>16}")  # fmt: skip
    lines.append(
        f"  {'refused by limits':60} {sum(honest['refusals'].values()):>16} {sum(load['refusals'].values()):>16}"
    )
    return lines


# --- the whole test ------------------------------------------------------------------------------------


def phase_result(recorder: Recorder) -> dict:
    return {
        "latency": latency_rows(recorder),
        "refusals": dict(recorder.refusals),
        "expected": dict(recorder.expected),
        "notices": dict(recorder.notices.most_common(30)),
        "reruns": dict(recorder.reruns),
        "app_reruns": recorder.app_reruns,
        "upload_http_ms": dict(zip(("p50", "p95"), _rounded(summary(tuple(recorder.upload_http_ms))), strict=True))
        if len(recorder.upload_http_ms) > 1
        else None,
    }


def run_loadtest(students: int = 30, duration_s: float = 600, think_s: float = 1.5, single_moves: int = 60,
                 seed: int = 0, counts: dict[str, int] | None = None, log_path: Path | None = None,
                 warm_pages: bool = True, server_env: dict[str, str] | None = None, hostile: int = 0,
                 baseline_s: float = 0.0, replicas: int = 0) -> dict:  # fmt: skip
    """Start the server, run the phases, stop everything; return the results (see format_report).

    ``hostile`` of the ``students`` are hostile; ``baseline_s`` > 0 first runs the honest ones alone
    that long. ``warm_pages=False`` skips loading each page once before measuring (the first
    students then pay the imports). ``server_env`` adds to the server's environment (after
    CLASS_ENV), e.g. ``{"STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"}`` to compare a configuration change.
    ``replicas`` > 0: that many replicas behind Caddy with Ray and PostgreSQL (benchmarks/replicas.py)
    instead of the one server; the students go through the proxy.
    """
    server_env = {**CLASS_ENV, **(server_env or {})}
    clock = time.monotonic()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        phases[name] = round(time.monotonic() - clock, 1)
        clock = time.monotonic()

    book = MessageBook()
    honest_counts = counts or class_mix(students - hostile)
    counts = {**honest_counts, **({"hostile": hostile} if hostile else {})}
    PredictStudent.PICTURES = digit_pictures(20, seed)
    if hostile:
        HostileStudent.FILES, HostileStudent.query = hostile_files(), QUERY
    started = datetime.datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="stride-load-") as tmp:
        runs_dir = Path(tmp) / "runs"
        log_path = log_path or Path(tmp) / "streamlit.log"
        env = {**os.environ, **server_env, "STRIDE_RUNS_DIR": str(runs_dir)}
        load_start = os.getloadavg()
        lap("set-up")
        server = (
            replica_cluster(Path(tmp), {**server_env, "STRIDE_RUNS_DIR": str(runs_dir)}, replicas, log_path)
            if replicas
            else streamlit_server(APP, log_path, env)
        )
        with server as served:
            cluster = served if replicas else None
            url = cluster.url if cluster else served
            pid = cluster.pids[0] if cluster else server_pid(url)
            ports = [int(u.rsplit(":", 1)[1]) for u in cluster.upstreams] if cluster else []
            Sampler.replicas = list(zip(cluster.pids, ports, strict=True)) if cluster else []
            Sampler.database = cluster.database if cluster else None  # the replicas' run index
            lap("server start")
            warm = asyncio.run(warm_up(url)) if warm_pages else {}
            lap("warm-up")
            alone, alone_cpu_ms = asyncio.run(single_user(url, pid, single_moves, seed, book))
            lap("one user")
            HostileStudent.url = url
            Student.through_proxy = bool(cluster)
            baseline = None
            if baseline_s > 0:
                since = time.time()
                honest, honest_sampler, honest_cpu = asyncio.run(
                    class_load(url, pid, runs_dir, honest_counts, baseline_s, think_s, seed, book)
                )
                baseline = (honest, honest_sampler, honest_cpu, since)
                lap("honest class")
            since = time.time()
            recorder, sampler, cpu = asyncio.run(
                class_load(url, pid, runs_dir, counts, duration_s, think_s, seed, book)
            )
            lap("class")
            sampler.seen |= {(p, s[1]) for p, s in descendants(pid).items() if p != pid}
            if baseline is not None:
                sampler.seen |= baseline[1].seen
        leftovers = end_leftovers(sampler.seen)
        lap("stop")
        log_problems = server_log_problems(log_path)
        queue = queue_summary(sampler.queue, runs_dir, since, recorder.honest_owners)
        if baseline is not None:
            honest, honest_sampler, honest_cpu, honest_since = baseline
            baseline_result = phase_result(honest)
            baseline_queue = queue_summary(honest_sampler.queue, runs_dir, honest_since, honest.honest_owners)
            baseline_result.update(
                cpu=honest_cpu,
                memory=memory_summary(honest_sampler.memory),
                queue=baseline_queue,
                duration_s=baseline_s,
            )
        log_text = str(log_path) if log_path.parent != Path(tmp) else "(temp, removed)"
    errors = alone.errors + recorder.errors + (baseline[0].errors if baseline is not None else [])
    errors += [
        {"t_s": None, "student": "server", "category": "log", "kind": "server log", "detail": p} for p in log_problems
    ]
    errors += [
        {"t_s": None, "student": "run store", "category": "training", "kind": "run failed", "detail": f}
        for f in queue["failures"]
    ]
    load = phase_result(recorder)
    load.update(cpu=cpu, memory=memory_summary(sampler.memory), queue=queue)
    load["memory_samples"], load["queue_samples"] = sampler.memory, sampler.queue
    load["latency_samples"] = {k: v for k, v in recorder.latencies.items()}
    return {
        "started": f"{started:%Y-%m-%d %H:%M:%S %Z}",
        "config": {
            "students": students,
            "mix": counts,
            "duration_s": duration_s,
            "think_s": think_s,
            "single_moves": single_moves,
            "seed": seed,
            "env": server_env,
            "hostile": hostile,
            "baseline_s": baseline_s,
        },
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "load_start": " / ".join(f"{v:.2f}" for v in load_start),
            "load_end": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
            "python": platform.python_version(),
        },
        "phases_s": phases,
        "server": {
            "pid": pid,
            "warm_up_s": warm,
            "log": log_text,
            "log_problems": log_problems,
            "ended_leftovers": leftovers,
        },
        "single_user": {**phase_result(alone), "errors": alone.errors, "server_cpu_ms_per_rerun": alone_cpu_ms},
        "load": load,
        "honest_only": baseline_result if baseline is not None else None,
        "replicas": replica_summary(cluster.upstreams, sampler.memory, recorder.replica_cookies) if cluster else None,
        "errors": errors,
    }


def replica_summary(upstreams: list[str], samples: list[dict], cookies: dict[str, str | None]) -> dict:
    """Per replica: the students the proxy's cookie sent there, its RSS (start, peak, end) and its open connections."""
    sent = Counter(check_cluster.replica_of(cookie, upstreams) for cookie in cookies.values())
    rows = []
    for i, upstream in enumerate(upstreams):
        rss = [s["replicas"][i]["rss_mb"] for s in samples if s.get("replicas") and s["replicas"][i]["rss_mb"]]
        connections = [s["replicas"][i]["connections"] for s in samples if s.get("replicas")]
        rows.append({
            "replica": f"app-{i + 1}",
            "address": upstream,
            "students": sent[upstream],
            "rss_mb": {"start": rss[0], "peak": max(rss), "end": rss[-1]} if rss else None,
            "peak_connections": max(connections, default=0),
        })  # fmt: skip
    return {"per_replica": rows, "students_without_replica_cookie": sent[None]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30, help="simulated students (default 30)")
    parser.add_argument("--hostile", type=int, default=2, help="how many of them are hostile (default 2)")
    parser.add_argument("--duration", type=float, default=600, help="seconds of the class phase (default 600)")
    parser.add_argument(
        "--baseline-duration",
        type=float,
        default=None,
        help="seconds of the honest students alone first, for comparison (default: --duration with hostile "
        "students, else none; given with --hostile 0, the honest class runs twice: a control for the order)",
    )
    parser.add_argument("--think", type=float, default=1.5, help="mean think time between actions, s (default 1.5)")
    parser.add_argument("--single-moves", type=int, default=60, help="slider moves of the lone user (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the students' choices (default 0)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="more environment for the server, repeatable: compare a setting, "
                             "e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false")  # fmt: skip
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        help=f"folder for the report, its JSON and the server log (default {RESULTS})",
    )
    parser.add_argument("--replicas", type=int, default=0,
                        help="0 (default): one server; N: N replicas behind Caddy, Ray training, PostgreSQL "
                             "(benchmarks/replicas.py; needs caddy and the postgresql binaries)")  # fmt: skip
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.datetime.now():%Y%m%d-%H%M%S}"
    log_path = args.out / f"loadtest-{stamp}-server.log"
    print(
        f"load test: {args.students} students for {args.duration:.0f} s (server log: {log_path}) ...", file=sys.stderr
    )
    extra = dict(item.split("=", 1) for item in args.env)
    baseline_s = args.duration if args.baseline_duration is None else args.baseline_duration
    result = run_loadtest(
        args.students,
        args.duration,
        args.think,
        args.single_moves,
        args.seed,
        log_path=log_path,
        server_env=extra,
        hostile=args.hostile,
        baseline_s=baseline_s if args.hostile or args.baseline_duration else 0.0,
        replicas=args.replicas,
    )
    print(format_report(result))
    out = args.out / f"loadtest-{stamp}.json"
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    print(f"\nwritten to {out}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
