"""Check yourself: a set of questions (mixed or one topic) with a score, answers kept per identity.

URL parameters: ``set`` (``topic-size-seed``: the same link gives the same questions), ``q`` (the
question shown, from 1; one at a time, so a check reruns one question's widgets), and ``topic``
on the links from other pages and the sidebar (a new set of that topic; then replaced by ``set``).
Session-state keys: "practice.set" (the set id shown), "practice.q" (its question shown, from 0),
"practice.topic" and "practice.size" (the
controls), and those of :mod:`ui.practice`. Without a set in the URL, the page carries on with the
set this identity answered last (kept in the class database), or draws a mixed one.
"""

import streamlit as st

from core import practice
from core.i18n import Message, UserError
from core.practice import MIXED, SET_SIZES, TOPIC_CHOICES
from ui.app import start_page
from ui.practice import class_state, question_ui, who
from ui.text import lang
from ui.urlstate import PageUrl, Param

t = start_page()
S = st.session_state


def _use_set(chosen: practice.PracticeSet) -> None:
    S["practice.set"], S["practice.topic"], S["practice.size"] = chosen.set_id, chosen.topic, chosen.size
    S["practice.q"] = 0


def read_question(raw: str) -> Message | None:
    """``q``: the question shown, from 1; anything else shows the first."""
    size = S.get("practice.size", 5)
    if raw.isdigit() and 1 <= int(raw) <= size:
        S["practice.q"] = int(raw) - 1
        return None
    S["practice.q"] = 0
    return Message("url.bad_question", {"value": raw[:20], "size": size})


def read_set(raw: str) -> Message | None:
    try:
        _use_set(practice.parse_set(raw))
    except UserError as exc:
        return exc.message
    return None


def read_topic(raw: str) -> Message | None:
    if raw not in TOPIC_CHOICES:
        return Message("exercise.bad_topic", {"value": raw[:40], "choices": ", ".join(TOPIC_CHOICES)})
    if "set" not in st.query_params:  # a link from a page: a new set of its topic
        _use_set(practice.new_set(raw, S.get("practice.size", 5)))
    return None


URL = PageUrl(
    "practice",
    [
        Param("topic", read_topic, lambda: None),
        Param("set", read_set, lambda: S.get("practice.set")),
        Param("q", read_question, lambda: str(S.get("practice.q", 0) + 1)),
    ],
)


def try_again() -> None:
    """Callback: new numbers for the chosen topic and size."""
    _use_set(practice.new_set(S["practice.topic"], S["practice.size"]))


def next_question(after: int) -> None:
    """Callback: show the next question not done yet (after ``after``, wrapping round)."""
    size = CURRENT.size
    S["practice.q"] = next(
        (i for i in (*range(after + 1, size), *range(after)) if not DONE[i].done), (after + 1) % size
    )


def question_label(index: int) -> str:
    done = DONE[index]
    mark = " ✓" if done.right else " ·" if done.revealed else " ✗" if done.tries else ""
    return f"{index + 1}{mark}"


def topic_name(topic: str) -> str:
    return t(f"exercise.topic.{topic}") if topic in practice.TOPICS or topic == MIXED else t(f"exercise.kind.{topic}")


st.title(t("nav.practice"))
st.write(t("practice.intro"))
for problem in URL.read():
    st.warning(problem.text(lang(), markdown=True))
STATE = class_state()
OWNER, NAME = who()
if "practice.set" not in S:
    _use_set(practice.last_set(STATE, OWNER) or practice.new_set(MIXED, 5))
CURRENT = practice.parse_set(S["practice.set"])

controls = st.container(horizontal=True, vertical_alignment="bottom")
controls.selectbox(
    t("practice.topic"), TOPIC_CHOICES, key="practice.topic", format_func=topic_name, on_change=try_again, width=280
)
controls.segmented_control(t("practice.size"), SET_SIZES, key="practice.size", required=True, on_change=try_again)
controls.button(
    t("practice.try_again"),
    key="practice.try_again",
    on_click=try_again,
    help=t("practice.try_again_help"),
    icon=":material/refresh:",
)

DONE = practice.progress(STATE, OWNER, CURRENT)
first, right, total = practice.score(DONE)
finished = sum(p.done for p in DONE)
st.progress(finished / total, text=t("practice.score", first=first, right=right, done=finished, total=total))
st.caption(t("practice.set_caption", set_id=CURRENT.set_id))
if finished == total:
    st.success(t("practice.all_done", first=first, total=total), icon=":material/celebration:")

if S.get("practice.q") not in range(CURRENT.size):
    S["practice.q"] = 0
st.segmented_control(
    t("practice.questions"), range(CURRENT.size), key="practice.q", format_func=question_label, required=True
)
INDEX = S["practice.q"]
question_ui(CURRENT, INDEX, DONE[INDEX])
if DONE[INDEX].done and finished < total:
    st.button(
        t("practice.next"), key="practice.next", on_click=next_question, args=(INDEX,), icon=":material/arrow_forward:"
    )

URL.write()
