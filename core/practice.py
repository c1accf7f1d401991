"""Practice sets: N questions drawn from a seed, each answer kept in the class database, the score.

A set is ``(topic, size, seed)``: the same three numbers give everyone the same questions, so a set
fits in a URL (``?set=convolution-5-1234``) and the teacher can publish one. Progress is not kept
in the browser: every checked answer is a row of the ``answers`` table under the student's owner id
(the hash of their secret key, :func:`core.classroom.owner_id`), so a reload, or the same link on
another day, finds it again. A student's rows are read only with their own owner id; the class's
results go to the teacher only (:mod:`core.class_results`).

Floods: an answer that is not understood is never stored; one question keeps at most
``MAX_TRIES_KEPT`` tries of a student, and one student at most ``MAX_ANSWERS_PER_STUDENT`` rows, so
typing fast costs the database nothing past them.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from dataclasses import dataclass

from core.answer_check import Verdict, check, kept
from core.class_state import ClassState
from core.exercises import KINDS, MAX_SEED, TOPICS, Question, generate
from core.i18n import Message, UserError

MIXED = "mixed"
TOPIC_CHOICES = (MIXED, *TOPICS, *KINDS)  # a topic (a page), one kind, or everything
SET_SIZES = (3, 5, 10)
MAX_TRIES_KEPT = 20  # per question and student
MAX_ANSWERS_PER_STUDENT = 5_000
MAX_PUBLISHED_SETS = 20
MAX_SET_TITLE = 80
REVEALED = "exercise.revealed"  # the mistake recorded when a student asks for the answer
SETS_DOC = "exercise_sets"  # the class database's document of published sets
SET_ID = re.compile(r"([a-z_]+)-(\d{1,2})-(\d{1,10})")


@dataclass(frozen=True)
class PracticeSet:
    topic: str
    size: int
    seed: int

    @property
    def set_id(self) -> str:
        return f"{self.topic}-{self.size}-{self.seed}"

    def kinds(self) -> tuple[str, ...]:
        if self.topic == MIXED:
            return tuple(KINDS)
        return TOPICS.get(self.topic, (self.topic,))

    def questions(self) -> list[tuple[str, int]]:
        """Return (kind, seed) of each question: drawn from the set's seed, every kind before a repeat."""
        rng, kinds, drawn = random.Random(f"set:{self.set_id}"), list(self.kinds()), []
        while len(drawn) < self.size:
            rng.shuffle(kinds)
            drawn += kinds
        return [(k, rng.randrange(MAX_SEED)) for k in drawn[: self.size]]

    def question(self, index: int) -> Question:
        return generate(*self.questions()[index])


def new_set(topic: str = MIXED, size: int = 5) -> PracticeSet:
    """Return a fresh set of ``topic``: "try again" draws new numbers this way."""
    return make_set(topic, size, secrets.randbelow(10**9))


def make_set(topic: object, size: object, seed: object) -> PracticeSet:
    """Return a checked set; a bad value gets a message naming the nearest valid choice."""
    if topic not in TOPIC_CHOICES:
        raise UserError(Message("exercise.bad_topic", {"value": str(topic)[:40], "choices": ", ".join(TOPIC_CHOICES)}))
    if not isinstance(size, int) or size not in SET_SIZES:
        raise UserError(
            Message("exercise.bad_size", {"value": str(size)[:12], "choices": ", ".join(map(str, SET_SIZES))})
        )
    if not isinstance(seed, int) or not 0 <= seed < 10**10:
        raise UserError(Message("exercise.bad_seed", {"value": str(seed)[:12]}))
    return PracticeSet(str(topic), size, seed)


def parse_set(raw: object) -> PracticeSet:
    """Return the set a URL names (``convolution-5-1234``)."""
    match = SET_ID.fullmatch(raw) if isinstance(raw, str) and len(raw) <= 60 else None
    if match is None:
        raise UserError(Message("exercise.bad_set", {"value": str(raw)[:40]}))
    return make_set(match[1], int(match[2]), int(match[3]))


# --- answers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """One question of a set, as one student has answered it so far."""

    tries: int  # stored answers (not understood ones are not stored)
    right: bool  # answered right at some try
    first_try: bool  # right at the first try
    revealed: bool  # asked for the answer
    last_mistake: str  # the hint key of the last wrong answer

    @property
    def done(self) -> bool:
        return self.right or self.revealed


NOT_TRIED = Progress(0, False, False, False, "")


def _question_id(practice: PracticeSet, index: int) -> str:
    kind, seed = practice.questions()[index]
    return f"{index}:{kind}:{seed}"


def _store(state: ClassState, owner: str, name: str, practice: PracticeSet, index: int, row: tuple) -> None:
    question = _question_id(practice, index)
    with state.transaction(write=True) as tx:
        tries = tx.rows(
            "SELECT COUNT(*) FROM answers WHERE owner_id = ? AND set_id = ? AND question = ?",
            (owner, practice.set_id, question),
        )[0][0]
        total = tx.rows("SELECT COUNT(*) FROM answers WHERE owner_id = ?", (owner,))[0][0]
        if tries >= MAX_TRIES_KEPT or total >= MAX_ANSWERS_PER_STUDENT:
            return
        tx.change(
            "INSERT INTO answers (answer_id, owner_id, name, set_id, kind, question, typed, understood, mistake,"
            " correct, attempt, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                secrets.token_hex(12),
                owner,
                name,
                practice.set_id,
                question.split(":")[1],
                question,
                *row,
                tries + 1,
                time.time(),
            ),
        )


def answer(state: ClassState, owner: str, name: str, practice: PracticeSet, index: int, text: object) -> Verdict:
    """Check a typed answer to question ``index`` of ``practice`` and keep it under ``owner``; return the verdict."""
    verdict = check(text, practice.question(index).expected)
    if verdict.outcome != "unclear":
        _store(
            state, owner, name, practice, index, (kept(text), verdict.understood, verdict.mistake, int(verdict.right))
        )
    return verdict


def reveal(state: ClassState, owner: str, name: str, practice: PracticeSet, index: int) -> None:
    """Keep that ``owner`` asked for the answer of question ``index`` (it then counts as done, not right)."""
    _store(state, owner, name, practice, index, ("", "", REVEALED, 0))


def progress(state: ClassState, owner: str, practice: PracticeSet) -> list[Progress]:
    """Return ``owner``'s progress on each question of ``practice`` (their own rows only)."""
    with state.transaction() as tx:
        rows = tx.rows(
            "SELECT question, correct, attempt, mistake FROM answers WHERE owner_id = ? AND set_id = ? ORDER BY attempt",
            (owner, practice.set_id),
        )
    found: dict[str, Progress] = {}
    for question, correct, attempt, mistake in rows:
        was = found.get(question, NOT_TRIED)
        found[question] = Progress(
            was.tries + 1,
            was.right or bool(correct),
            was.first_try or (attempt == 1 and bool(correct)),
            was.revealed or mistake == REVEALED,
            mistake if not correct and mistake != REVEALED else was.last_mistake,
        )
    return [found.get(_question_id(practice, i), NOT_TRIED) for i in range(practice.size)]


def score(done: list[Progress]) -> tuple[int, int, int]:
    """Return (right at the first try, right in the end, questions)."""
    return sum(p.first_try for p in done), sum(p.right for p in done), len(done)


def last_set(state: ClassState, owner: str) -> PracticeSet | None:
    """Return the set ``owner`` answered last, to carry on where they stopped; None when none."""
    with state.transaction() as tx:
        rows = tx.rows("SELECT set_id FROM answers WHERE owner_id = ? ORDER BY at DESC LIMIT 1", (owner,))
    try:
        return parse_set(rows[0][0]) if rows else None
    except UserError:
        return None


def finished(state: ClassState, owner: str, sets: list[PracticeSet]) -> set[str]:
    """Return the ids of ``sets`` whose every question ``owner`` has answered right or revealed."""
    return {s.set_id for s in sets if all(p.done for p in progress(state, owner, s))}


# --- sets the teacher published ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedSet:
    item_id: str
    title: str
    practice: PracticeSet


def _published(item: object) -> PublishedSet | None:
    try:
        return PublishedSet(str(item["item_id"])[:16], _title(item["title"]), parse_set(item["set"]))  # type: ignore[index]
    except (UserError, TypeError, KeyError):
        return None


def published_sets(state: ClassState) -> list[PublishedSet]:
    """Return the sets on the board, oldest first; a damaged entry is left out."""
    items = state.read_doc(SETS_DOC)
    return [p for item in (items if isinstance(items, list) else []) if (p := _published(item)) is not None]


def _title(raw: object) -> str:
    title = " ".join(raw.split())[:MAX_SET_TITLE] if isinstance(raw, str) else ""
    if not title:
        raise UserError(Message("class.title_needed", {"limit": MAX_SET_TITLE}))
    return title


def publish_set(state: ClassState, title: object, practice: PracticeSet) -> list[PublishedSet]:
    """Put ``practice`` on the board under ``title`` (the teacher's words, shown as plain text)."""
    item = {"item_id": secrets.token_hex(8), "title": _title(title), "set": practice.set_id}

    def add(items: object) -> list:
        items = [i for i in items if _published(i) is not None] if isinstance(items, list) else []  # damage goes
        if len(items) >= MAX_PUBLISHED_SETS:
            raise UserError(Message("exercise.sets_full", {"limit": MAX_PUBLISHED_SETS}))
        return [*items, item]

    state.update_doc(SETS_DOC, add)
    return published_sets(state)


def withdraw_set(state: ClassState, item_id: str) -> list[PublishedSet]:
    state.update_doc(
        SETS_DOC, lambda items: [i for i in items or [] if isinstance(i, dict) and i.get("item_id") != item_id]
    )
    return published_sets(state)
