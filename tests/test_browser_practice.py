"""In Chromium, on a class-mode server: a student answers one question wrong (Enter), gets the hint,
then answers it right; the teacher's view on the Class page counts both answers."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, type_in, wait_idle
from live_server import streamlit_server

from core.i18n import Message, t
from core.practice import make_set

pytestmark = pytest.mark.browser
PASSWORD = "browser-teacher-pw"
STUDENT = "me=alice&key=" + "a1" * 8
TEACHER = "me=mrs-smith&key=" + "c3" * 8


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    env = {**os.environ, "STRIDE_RUNS_DIR": str(tmp_path_factory.mktemp("runs")), "STRIDE_TEACHER_PASSWORD": PASSWORD}
    with streamlit_server(ROOT / "streamlit_app.py", tmp_path_factory.mktemp("log") / "streamlit.log", env) as url:
        yield url


def _answer(pg, typed: str) -> None:
    type_in(pg, t("practice.answer"), typed)  # the form submits on Enter: keyboard only


def test_a_wrong_then_right_answer_and_the_teacher_counts_both(browser, class_server):
    chosen = make_set("conv_size", 3, 31)
    question = chosen.question(0)
    slip, hint = question.expected.mistakes[0]
    student = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    student.goto(f"{class_server}/practice?set={chosen.set_id}&{STUDENT}")
    wait_idle(student, 90_000)
    _answer(student, "x".join(f"{v:g}" for v in slip))
    alert = student.get_by_test_id("stAlertContentWarning")
    assert Message(hint).text("en").split("`")[0] in alert.inner_text()
    student.get_by_text(t("practice.tries", tries=1)).wait_for()  # the rest of the answer's rerun drawn
    wait_idle(student)
    _answer(student, question.answer)
    assert f"Right: {question.answers}." in student.get_by_test_id("stAlertContentSuccess").first.inner_text()
    student.context.close()

    teacher = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    teacher.goto(f"{class_server}/classroom?{TEACHER}")
    wait_idle(teacher, 60_000)
    teacher.get_by_label(t("classroom.password")).fill(PASSWORD)
    teacher.get_by_role("button", name=t("classroom.unlock")).click()
    wait_idle(teacher)
    teacher.get_by_text(t("results.total", answers=2, students=1)).wait_for(timeout=10_000)
    typed = "x".join(f"{v:g}" for v in slip)  # the wrong answer, grouped under its slip with its count
    lines = [text for text in teacher.get_by_test_id("stMarkdownContainer").all_inner_texts() if "(1×)" in text]
    assert len(lines) == 1 and t("exercise.kind.conv_size") in lines[0] and f"{typed} (1)" in lines[0]
    teacher.context.close()
