"""The practice page driven by AppTest: each exercise kind answered right, wrong (with its hint) and
malformed; progress that survives a reload; class mode: answers under the student's key only, the
teacher's counts, a published set on the home page."""

from __future__ import annotations

import pytest

from core import classroom, practice
from core.class_state import open_class_state
from core.exercises import KINDS
from core.i18n import Message, t
from core.practice import make_set

PAGE, CLASS, HOME = "pages/practice.py", "pages/classroom.py", "pages/home.py"
PASSWORD = "s3cret-teacher"
KEY_A, KEY_B = "a1" * 8, "b2" * 8


def _answer_key(practice_set, index: int) -> str:
    return f"practice.answer_{practice_set.set_id}_{index}"


def _check(at, practice_set, index: int, typed: str):
    """Show question ``index`` (one at a time), type ``typed`` and press Check."""
    if at.segmented_control(key="practice.q").value != index:
        at.segmented_control(key="practice.q").set_value(index).run()
    at.text_input(key=_answer_key(practice_set, index)).input(typed)
    form = f"FormSubmitter:practice.form_{practice_set.set_id}_{index}-"
    submit = next(b for b in at.button if b.key.startswith(form))
    return submit.click().run()


def _wrong(question) -> tuple[str, str]:
    """A wrong answer to ``question`` and the hint it should get: a known slip when it has one."""
    if question.expected.mistakes:
        slip, key = question.expected.mistakes[0]
        return ", ".join(f"{v:.6f}" for v in slip), key
    return ", ".join(f"{v + 1:g}" for v in question.expected.value), question.expected.hint


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_answered_malformed_wrong_with_its_hint_then_right(app, kind):
    chosen = make_set(kind, 3, 5)
    question = chosen.question(0)
    at = app(PAGE, set=chosen.set_id)
    assert at.query_params["set"] == chosen.set_id
    assert question.prompt.text("en", markdown=True) in [m.value for m in at.markdown]

    at = _check(at, chosen, 0, "<b>**nope**</b> 🙂")
    assert [i.value for i in at.info] == [
        Message("exercise.unclear", {"example": question.expected.example}).text("en", markdown=True)
    ]
    assert not at.warning

    typed, hint = _wrong(question)
    at = _check(at, chosen, 0, typed)
    (warning,) = at.warning
    assert Message(hint).text("en", markdown=True) in warning.value
    assert at.button(key=f"practice.reveal_{chosen.set_id}_0")  # the answer may now be asked for

    at = _check(at, chosen, 0, question.answer)
    assert not at.exception
    assert any(
        s.value == t("practice.right", answer=question.answers.replace("[", "\\[").replace("]", "\\]"))
        for s in at.success
    )
    assert "\n".join(question.reveal) in [c.value for c in at.code]
    assert question.code in [c.value for c in at.code]
    # the score counts it right, not at the first try
    assert at.get("progress")[0].proto.text == t("practice.score", first=0, right=1, done=1, total=3)


def test_a_reload_keeps_the_progress_and_show_answer_reveals_it(app):
    chosen = make_set("conv_size", 3, 9)
    at = app(PAGE, set=chosen.set_id)
    at = _check(at, chosen, 1, chosen.question(1).answer)
    with pytest.raises(KeyError):  # question 0 not tried yet: no answer to ask for
        at.button(key=f"practice.reveal_{chosen.set_id}_0")
    at = _check(at, chosen, 0, "1x1")
    at.button(key=f"practice.reveal_{chosen.set_id}_0").click().run()
    assert any(i.value.startswith("The answer is") for i in at.info)

    again = app(PAGE, set=chosen.set_id, q="2")  # a new session: what it shows comes from the database
    assert again.get("progress")[0].proto.text == t("practice.score", first=1, right=1, done=2, total=3)
    assert len([c for c in again.code if c.value == "\n".join(chosen.question(1).reveal)]) == 1
    assert again.segmented_control(key="practice.q").value == 1
    again.button(key="practice.next").click().run()
    assert again.segmented_control(key="practice.q").value == 2 and again.query_params["q"] == "3"  # the one not done
    odd = app(PAGE, set=chosen.set_id, q="99")
    assert odd.segmented_control(key="practice.q").value == 0 and any("99" in w.value for w in odd.warning)


def test_new_questions_draw_new_numbers_and_a_bad_set_in_the_link_names_the_form(app):
    at = app(PAGE, set="nonsense")
    assert any("topic-size-seed" in w.value for w in at.warning)
    at.selectbox(key="practice.topic").set_value("architecture").run()
    first = at.query_params["set"]
    assert first.startswith("architecture-5-")
    at.button(key="practice.try_again").click().run()
    assert at.query_params["set"] != first and at.query_params["set"].startswith("architecture-5-")
    at = app(PAGE, topic="training")
    assert at.query_params["set"].startswith("training-5-") and "topic" not in at.query_params
    started = at.query_params["set"]
    at.switch_page("pages/losses.py").run()
    at.switch_page(PAGE)
    at.query_params.clear()
    at.query_params["topic"] = "training"  # the sidebar's link again: the set under way goes on
    at.run()
    assert at.query_params["set"] == started


def test_every_page_links_to_practice_on_its_topic(app):
    at = app("pages/convolution.py")
    links = [link for link in at.get("page_link") if "practice" in link.proto.page]
    assert links and links[0].proto.query_string == "topic=convolution"


def test_the_page_speaks_chinese(app):
    chosen = make_set("param_count", 3, 1)
    at = app(PAGE, set=chosen.set_id, lang="zh")
    assert at.title[0].value == "自我检测"
    at = _check(at, chosen, 0, "abc")
    assert at.info[0].value.startswith("无法识别")


# --- class mode ------------------------------------------------------------------------------------------


@pytest.fixture
def class_mode(monkeypatch, no_warm_worker):
    monkeypatch.setenv("STRIDE_TEACHER_PASSWORD", PASSWORD)


def test_answers_are_kept_under_the_students_key_and_the_teacher_counts_them(app, class_mode, tmp_path):
    chosen = make_set("conv_size", 3, 21)
    question = chosen.question(0)
    alice = app(PAGE, set=chosen.set_id, me="alice", key=KEY_A)
    alice = _check(alice, chosen, 0, _wrong(question)[0])
    alice = _check(alice, chosen, 0, question.answer)
    bob = app(PAGE, set=chosen.set_id, me="bob", key=KEY_B)
    bob = _check(bob, chosen, 0, question.answer)
    assert bob.get("progress")[0].proto.text == t("practice.score", first=1, right=1, done=1, total=3)

    state = open_class_state(tmp_path / "runs")
    assert [p.tries for p in practice.progress(state, classroom.owner_id(KEY_A), chosen)][0] == 2
    with state.transaction() as tx:
        assert sorted(tx.rows("SELECT name FROM answers")) == [("alice",), ("alice",), ("bob",)]

    teacher = app(CLASS, me="mrs-smith", key="c3" * 8)
    teacher.text_input(key="class.password").input(PASSWORD)
    teacher.button(key="class.unlock").click().run()
    kinds, students = teacher.dataframe[-2].value, teacher.dataframe[-1].value
    assert kinds.iloc[0].tolist() == [t("exercise.kind.conv_size"), 2, 2, "50%"]
    assert students.to_dict("records") == [
        {"Name": "alice", t("exercise.kind.conv_size"): "0/1", "Answers": 2},
        {"Name": "bob", t("exercise.kind.conv_size"): "1/1", "Answers": 1},
    ]
    assert any(Message(question.expected.mistakes[0][1]).text("en") in m.value for m in teacher.markdown)

    # a student does not see the class's results
    student = app(CLASS, me="alice", key=KEY_A)
    assert not any(t("results.title") in s.value for s in student.subheader)


def test_a_published_set_shows_on_home_and_is_marked_when_finished(app, class_mode, tmp_path):
    teacher = app(CLASS, me="mrs-smith", key="c3" * 8)
    teacher.text_input(key="class.password").input(PASSWORD)
    teacher.button(key="class.unlock").click().run()
    teacher.text_input(key="results.title").input("Week 3 <b>sizes</b>")
    teacher.selectbox(key="results.topic").set_value("conv_size")
    teacher.segmented_control(key="results.size").set_value(3)
    teacher.number_input(key="results.seed").set_value(77)
    teacher.button(key="results.publish").click().run()
    assert not teacher.exception
    said = Message("class.published", {"title": "Week 3 <b>sizes</b>"}).text("en", markdown=True)
    assert said in [s.value for s in teacher.success]  # the form empties: it says what went out

    chosen = make_set("conv_size", 3, 77)
    home = app(HOME, me="alice", key=KEY_A)
    (link,) = [link for link in home.get("page_link") if "set=" in link.proto.query_string]
    assert link.proto.label == "Week 3 \\<b\\>sizes\\</b\\>" and link.proto.query_string == f"set={chosen.set_id}"
    at = app(PAGE, set=chosen.set_id, me="alice", key=KEY_A)
    # the set is called by the teacher's title (escaped: their words, not Markdown), not only by its id
    assert f"**Week 3 \\<b\\>sizes\\</b\\>**, your teacher's set `{chosen.set_id}`" in at.caption[0].value
    for index in range(3):
        at = _check(at, chosen, index, chosen.question(index).answer)
    home = app(HOME, me="alice", key=KEY_A)
    (link,) = [link for link in home.get("page_link") if "set=" in link.proto.query_string]
    assert link.proto.label.endswith(t("results.finished"))


@pytest.mark.parametrize(
    "typed",
    ["", "**28**" * 40, "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))", "🙂" * 100, "9" * 10_000_000],
    ids=["empty", "markdown", "html", "link", "emoji", "10 MB"],
)
def test_a_hostile_answer_is_not_understood_not_kept_and_never_shown(app, tmp_path, typed):
    """A client may send any string past the field's max_chars; the page answers with the expected form only."""
    chosen = make_set("conv_size", 3, 5)
    at = _check(app(PAGE, set=chosen.set_id), chosen, 0, typed)
    assert not at.exception
    (info,) = at.info
    assert info.value.startswith("Not understood") and "`7x7`" in info.value
    shown = [e.value for e in (*at.markdown, *at.warning, *at.info, *at.code, *at.caption)]
    assert typed == "" or not any(typed[:30] in text for text in shown)
    with open_class_state(tmp_path / "runs").transaction() as tx:
        assert tx.rows("SELECT COUNT(*) FROM answers") == [(0,)]


def test_an_unreachable_class_database_is_reported_and_the_pages_still_open(app, class_mode, monkeypatch):
    import sqlite3

    from core import class_state

    def unreachable(self):
        raise sqlite3.OperationalError("unable to open database file")

    chosen = make_set("conv_size", 3, 5)
    at = app(PAGE, set=chosen.set_id, me="alice", key=KEY_A)
    monkeypatch.setattr(class_state.SqliteBackend, "_borrow", unreachable)
    at = _check(at, chosen, 0, chosen.question(0).answer)
    assert not at.exception and [e.value for e in at.error] == [t("exercise.unavailable")] * 2
    home = app(HOME, me="alice", key=KEY_A)
    assert not home.exception
    teacher = app(CLASS, me="mrs-smith", key="c3" * 8)
    teacher.text_input(key="class.password").input(PASSWORD)
    teacher.button(key="class.unlock").click().run()
    assert not teacher.exception and t("exercise.unavailable") in [e.value for e in teacher.error]


def test_new_questions_after_a_page_switch_keep_the_sets_topic_and_size(app):
    # a page switch drops the topic and size widgets' values; "New questions" drew from them and failed
    chosen = make_set("convolution", 3, 415385)
    at = app(PAGE, set=chosen.set_id)
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key="practice.topic").value == "convolution"
    assert at.segmented_control(key="practice.size").value == 3
    at.button(key="practice.try_again").click().run()
    assert not at.exception, at.exception
    new = practice.parse_set(at.session_state["practice.set"])
    assert (new.topic, new.size) == ("convolution", 3) and new.set_id != chosen.set_id
