"""Check yourself: a set of questions (mixed or one topic) with a score, answers kept per identity.

URL parameters: ``set`` (``topic-size-seed``: the same link gives the same questions), ``q`` (the
question shown, from 1; one at a time, so a check reruns one question's widgets), and ``topic``
on the links from other pages and the sidebar (a new set of that topic; then replaced by ``set``).
Session-state keys: "practice.set" (the set id shown), "practice.q" (its question shown, from 0),
"practice.topic" and "practice.size" (the
controls), and those of :mod:`ui.practice`. Without a set in the URL, the page carries on with the
set this identity answered last (kept in the class database), or draws a mixed one.
"""

import logging

import streamlit as st

from core import practice
from core.class_state import StateUnavailable
from core.i18n import Message, UserError
from core.practice import MIXED, SET_SIZES, TOPIC_CHOICES
from ui.app import start_page
from ui.practice import PROBLEM, class_state, question_ui, who
from ui.text import lang, show
from ui.urlstate import PageUrl, Param

t = start_page()
S = st.session_state
logger = logging.getLogger(__name__)


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
    current = S.get("practice.set")
    if "set" not in st.query_params and not (current and current.startswith(f"{raw}-")):
        _use_set(practice.new_set(raw, S.get("practice.size", 5)))  # a link from a page: a set of its topic
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
OWNER, NAME = who()
if S.get(PROBLEM) is not None:
    st.error(S.pop(PROBLEM).text(lang(), markdown=True))
try:
    STATE = class_state()
    if "practice.set" not in S:
        _use_set(practice.last_set(STATE, OWNER) or practice.new_set(MIXED, 5))
    CURRENT = practice.parse_set(S["practice.set"])
    DONE = practice.progress(STATE, OWNER, CURRENT)
except StateUnavailable as exc:  # the questions need their progress: nothing else to show
    logger.warning("the class database is unavailable: %s", exc)
    st.error(t("exercise.unavailable"))
    st.stop()

# the controls show the set shown: Streamlit drops a widget's value when a page switch hides it, and
# "New questions" draws from them
S["practice.topic"], S["practice.size"] = CURRENT.topic, CURRENT.size
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

first, right, total = practice.score(DONE)
finished = sum(p.done for p in DONE)
st.progress(finished / total, text=t("practice.score", first=first, right=right, done=finished, total=total))
titled = next((p.title for p in practice.published_sets(STATE) if p.practice == CURRENT), None)  # the teacher's
if titled is not None:
    show(Message("practice.set_caption_titled", {"title": titled, "set_id": CURRENT.set_id}), "caption")
else:
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
