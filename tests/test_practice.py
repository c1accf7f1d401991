"""Practice sets and the class's results: answers kept per identity, nothing lost to parallel writers,
floods bounded, and the teacher's per-kind and per-student counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import refused
from test_class_state import BACKEND_URLS

from core import practice
from core.class_results import exercises_csv, kind_results, student_rows
from core.class_state import ClassState, backend_for
from core.practice import MAX_TRIES_KEPT, REVEALED, make_set, parse_set

ROOT = Path(__file__).resolve().parent.parent
SET = make_set("conv_size", 3, 42)  # three output-size questions, the same for everyone


@pytest.fixture(params=sorted(BACKEND_URLS))
def url(request, tmp_path) -> str:
    return BACKEND_URLS[request.param](tmp_path)  # SQLite, and PostgreSQL (tests/pg_server.py)


@pytest.fixture
def state(url):
    opened = ClassState(backend_for(url))
    opened.migrate()
    yield opened
    opened.close()


def _slip(question) -> str:
    return "x".join(f"{v:g}" for v in question.expected.mistakes[0][0])


def test_a_set_is_its_three_numbers_and_names_the_nearest_valid_choice_otherwise():
    assert parse_set("conv_size-3-42") == SET and SET.set_id == "conv_size-3-42"
    assert SET.questions() == make_set("conv_size", 3, 42).questions()
    assert make_set("conv_size", 3, 43).questions() != SET.questions()
    mixed = make_set("mixed", 10, 1).questions()
    assert len({kind for kind, _ in mixed}) == 10  # every kind once before any repeats
    topic = make_set("training", 5, 1).questions()
    assert {kind for kind, _ in topic} == {"loss_value", "iterations"}
    refused(lambda: parse_set("conv_size-3-x"), "exercise.bad_set")
    refused(lambda: parse_set("x" * 10_000), "exercise.bad_set")
    refused(lambda: parse_set("poetry-3-1"), "exercise.bad_topic")
    refused(lambda: parse_set("mixed-4-1"), "exercise.bad_size")
    assert practice.new_set("convolution", 5).questions() != practice.new_set("convolution", 5).questions()


def test_progress_is_kept_per_identity_and_a_reload_finds_it(state):
    question = SET.question(0)
    assert practice.answer(state, "alice", "otter-01", SET, 0, "not a number").outcome == "unclear"
    wrong = practice.answer(state, "alice", "otter-01", SET, 0, _slip(question))
    assert wrong.outcome == "wrong" and wrong.mistake == question.expected.mistakes[0][1]
    assert practice.answer(state, "alice", "otter-01", SET, 0, question.answer).right
    assert practice.answer(state, "alice", "otter-01", SET, 1, SET.question(1).answer).right
    practice.reveal(state, "alice", "otter-01", SET, 2)
    done = practice.progress(state, "alice", SET)  # what a reload reads
    assert [(p.tries, p.right, p.first_try, p.revealed) for p in done] == [
        (2, True, False, False),
        (1, True, True, False),
        (1, False, False, True),
    ]
    assert practice.score(done) == (1, 2, 3) and all(p.done for p in done)
    assert practice.last_set(state, "alice") == SET
    assert practice.finished(state, "alice", [SET, make_set("conv_size", 3, 1)]) == {SET.set_id}
    # another identity sees nothing of alice's
    assert practice.progress(state, "bob", SET) == [practice.NOT_TRIED] * 3
    assert practice.last_set(state, "bob") is None and practice.finished(state, "bob", [SET]) == set()


def test_a_flood_of_answers_keeps_a_bounded_number_of_rows(state):
    question = SET.question(0)
    for _ in range(MAX_TRIES_KEPT + 30):
        practice.answer(state, "mallory", "vole-13", SET, 0, _slip(question))
    for _ in range(50):
        practice.answer(state, "mallory", "vole-13", SET, 0, "💣" * 1000)  # never understood: never stored
    with state.transaction() as tx:
        assert tx.rows("SELECT COUNT(*), MAX(LENGTH(typed)) FROM answers WHERE owner_id = ?", ("mallory",)) == [
            (MAX_TRIES_KEPT, len(_slip(question)))
        ]


def test_what_is_typed_is_kept_short(state):
    practice.answer(state, "alice", "otter-01", SET, 0, "1" * 70 + "x1")  # understood, wrong
    with state.transaction() as tx:
        assert tx.rows("SELECT LENGTH(typed), understood FROM answers") == [(60, "1.111e+69x1")]


def test_the_teacher_sees_per_kind_and_per_student_counts_with_wrong_answers_grouped_by_slip(state):
    question = SET.question(0)
    for owner, name in (("o1", "otter-01"), ("o2", "heron-02"), ("o3", "otter-01")):
        practice.answer(state, owner, name, SET, 0, _slip(question))
        practice.answer(state, owner, name, SET, 0, question.answer)
    practice.answer(state, "o2", "heron-02", SET, 1, SET.question(1).answer)
    practice.reveal(state, "o1", "otter-01", SET, 2)
    other = make_set("param_count", 3, 7)
    practice.answer(state, "o1", "otter-01", other, 0, other.question(0).answer)

    (conv, params) = kind_results(state)
    assert (conv.kind, conv.students, conv.first_tries, conv.first_right) == ("conv_size", 3, 5, 1)
    slip_key, slip_value = question.expected.mistakes[0][1], _slip(question)
    assert conv.mistakes[0].key == slip_key and conv.mistakes[0].count == 3
    assert conv.mistakes[0].answers == ((slip_value, 3),)
    assert conv.mistakes[1].key == REVEALED and conv.mistakes[1].count == 1
    assert (params.kind, params.students, params.first_right) == ("param_count", 1, 1)

    rows = student_rows(state)
    assert [r.name for r in rows] == ["heron-02", "otter-01", "otter-01 (2)"]  # two students chose one name
    heron = rows[0]
    assert heron.results == {"conv_size": (1, 2)} and heron.answers == 3
    assert sum(r.results.get("param_count", (0, 0))[1] for r in rows) == 1
    # one set only
    assert [r.kind for r in kind_results(state, other.set_id)] == ["param_count"]
    assert len(student_rows(state, other.set_id)) == 1
    assert not any("o1" in repr(r) for r in rows)  # owner ids never leave the database
    # the same per student in the teacher's CSV, a name that looks like a formula kept as text
    practice.answer(state, "o4", "=1+1", SET, 0, question.answer)
    table = exercises_csv(student_rows(state), ["conv_size", "param_count"]).decode("utf-8-sig").splitlines()
    assert (
        table[0]
        == "student,conv_size first_try_right,conv_size tried,param_count first_try_right,param_count tried,answers"
    )
    assert "'=1+1,1,1,,,1" in table and "heron-02,1,2,,,3" in table


def test_published_sets_are_checked_kept_and_withdrawn(state):
    practice.publish_set(state, "  Week  3 ", SET)
    (item,) = practice.publish_set(state, "Shapes", make_set("architecture", 5, 9))[1:]
    assert [p.title for p in practice.published_sets(state)] == ["Week 3", "Shapes"]
    refused(lambda: practice.publish_set(state, "   ", SET), "class.title_needed")
    assert [p.title for p in practice.withdraw_set(state, item.item_id)] == ["Week 3"]
    state.update_doc(practice.SETS_DOC, lambda items: [*items, {"item_id": "x", "title": "Bad", "set": "nope"}, 5])
    assert [p.title for p in practice.published_sets(state)] == ["Week 3"]  # damaged entries are left out
    for i in range(practice.MAX_PUBLISHED_SETS - 1):
        practice.publish_set(state, f"Set {i}", SET)
    refused(lambda: practice.publish_set(state, "One more", SET), "exercise.sets_full")


WRITER = """
import json, sys, time
from core import practice
from core.class_state import ClassState, backend_for
state = ClassState(backend_for(sys.argv[1]))
students = json.loads(sys.argv[2])
chosen = practice.make_set("conv_size", 3, 42)
answers = [(i, chosen.question(i)) for i in range(3)]
print("ready", flush=True)
sys.stdin.readline()  # every process starts answering in the same instant
start = time.perf_counter()
for index, question in answers:
    for owner in students:
        slip = "x".join(f"{v:g}" for v in question.expected.mistakes[0][0]) if question.expected.mistakes else "1x1"
        practice.answer(state, owner, owner, chosen, index, slip)
        practice.answer(state, owner, owner, chosen, index, question.answer)
print(time.perf_counter() - start, flush=True)
"""


def test_thirty_students_answering_at_once_from_several_processes_lose_no_answer(url, state):
    groups = [[f"student-{p}-{s}" for s in range(10)] for p in range(3)]  # 3 app processes x 10 students
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, json.dumps(group)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]
    assert [w.stdout.readline().strip() for w in writers] == ["ready"] * 3
    for writer in writers:  # go
        writer.stdin.write("\n")
        writer.stdin.flush()
    spans = [float(w.communicate(timeout=120)[0]) for w in writers]
    assert [w.returncode for w in writers] == [0] * 3
    with state.transaction() as tx:
        assert tx.rows("SELECT COUNT(*), COUNT(DISTINCT owner_id) FROM answers") == [(30 * 3 * 2, 30)]
        assert tx.rows("SELECT COUNT(*) FROM answers WHERE attempt = 2 AND correct = 1") == [(90,)]
    (result,) = kind_results(state)
    assert (result.students, result.first_tries, result.first_right) == (30, 90, 0)
    assert all(span < 30 for span in spans), spans  # 180 answers at once: writers queue, none gives up
