"""The class's exercise results, for the teacher: per kind and per student, from the answers table.

Per kind: how many students tried, how many first tries were right, and the most common wrong
answers grouped by the slip they show (the hint a student got: "padding counted once") with the
answers typed most often. Per student (by anonymous name, never by key or owner id): right at the
first try out of the questions tried, per kind. Only the teacher's page calls this; what it returns
holds no owner id, and answers only in the canonical form :mod:`core.answer_check` read them in.
All SQL here is the portable kind :mod:`core.class_state` describes: GROUP BY and a join, nothing more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from core.class_report import shown_names, table_csv
from core.class_state import ClassState

TOP_MISTAKES = 3
TOP_ANSWERS = 3


@dataclass(frozen=True)
class Mistake:
    key: str  # the hint's text key ("exercise.hint.padding_twice"), or core.practice.REVEALED
    count: int
    answers: tuple[tuple[str, int], ...]  # the most common answers behind it, canonical form, with counts


@dataclass(frozen=True)
class KindResult:
    kind: str
    students: int  # who answered at least once
    first_tries: int  # questions tried
    first_right: int  # of those, right at the first try
    mistakes: tuple[Mistake, ...]  # most common first

    @property
    def success(self) -> float:
        return self.first_right / self.first_tries if self.first_tries else 0.0


@dataclass(frozen=True)
class StudentRow:
    name: str  # the anonymous name they last answered under (a suffix when two share it)
    results: dict[str, tuple[int, int]]  # kind -> (right at the first try, questions tried)
    answers: int


def _where(set_id: str | None) -> tuple[str, tuple]:
    return (" WHERE set_id = ?", (set_id,)) if set_id else ("", ())


def kind_results(state: ClassState, set_id: str | None = None) -> list[KindResult]:
    """Return the results per exercise kind (of one set, or of every answer), most tried first."""
    where, params = _where(set_id)
    also = " AND" if where else " WHERE"
    with state.transaction() as tx:
        totals = tx.rows(
            "SELECT kind, COUNT(DISTINCT owner_id),"
            " SUM(CASE WHEN attempt = 1 THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN attempt = 1 AND correct = 1 THEN 1 ELSE 0 END) FROM answers{where} GROUP BY kind",
            params,
        )
        wrong = tx.rows(
            f"SELECT kind, mistake, understood, COUNT(*) FROM answers{where}{also} correct = 0"
            " GROUP BY kind, mistake, understood",
            params,
        )
    by_kind: dict[str, dict[str, Counter]] = {}
    for kind, mistake, understood, count in wrong:
        by_kind.setdefault(kind, {}).setdefault(mistake, Counter())[understood] += count
    results = []
    for kind, students, first_tries, first_right in totals:
        groups = by_kind.get(kind, {})
        ranked = sorted(groups.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:TOP_MISTAKES]
        mistakes = tuple(
            Mistake(key, sum(answers.values()), tuple((a, n) for a, n in answers.most_common(TOP_ANSWERS) if a))
            for key, answers in ranked
        )
        results.append(KindResult(kind, int(students), int(first_tries or 0), int(first_right or 0), mistakes))
    return sorted(results, key=lambda r: (-r.students, r.kind))


def student_rows(state: ClassState, set_id: str | None = None) -> list[StudentRow]:
    """Return one row per student who answered (of one set, or of all), by name."""
    where, params = _where(set_id)
    with state.transaction() as tx:
        counts = tx.rows(
            "SELECT owner_id, kind, COUNT(DISTINCT question),"
            " SUM(CASE WHEN attempt = 1 AND correct = 1 THEN 1 ELSE 0 END), COUNT(*)"
            f" FROM answers{where} GROUP BY owner_id, kind",
            params,
        )
        names = tx.rows(
            "SELECT a.owner_id, MAX(a.name) FROM answers a JOIN"
            " (SELECT owner_id, MAX(at) AS last FROM answers GROUP BY owner_id) b"
            " ON a.owner_id = b.owner_id AND a.at = b.last GROUP BY a.owner_id",
        )
    name_of = dict(names)
    rows: dict[str, tuple[dict, list[int]]] = {}
    for owner, kind, tried, first_right, answers in counts:
        results, total = rows.setdefault(owner, ({}, [0]))
        results[kind] = (int(first_right or 0), int(tried))
        total[0] += int(answers)
    owners = [(owner, name_of.get(owner, "?")) for owner in sorted(rows, key=lambda o: (name_of.get(o, "?"), o))]
    shown = shown_names(owners)
    return [StudentRow(shown[pair], rows[pair[0]][0], rows[pair[0]][1][0]) for pair in owners]


def exercises_csv(rows: list[StudentRow], kinds: list[str]) -> bytes:
    """Return the per-student results as CSV: a student's name, then per kind "right at the first try" and "tried"."""
    columns = ["student", *[f"{kind} {part}" for kind in kinds for part in ("first_try_right", "tried")], "answers"]
    table = ([row.name, *[n for kind in kinds for n in row.results.get(kind, ("", ""))], row.answers] for row in rows)
    return table_csv(columns, table)
