"""One practice question on screen: the question, a form to type the answer (Enter checks it), the
hint after a wrong answer, and the worked answer once it is right or asked for.

Who answers is the browser session's identity (:func:`ui.classroom.viewer`): its owner id, the hash
of its secret key, is the only one answers are written and read under, so no one can answer as
someone else or read their answers. Outside class mode (a laptop) everything is the one user's.
Session-state keys: "practice.answer_<set>_<n>" (the typed text), "practice._verdict_<set>_<n>" (the
last check's verdict, shown on the next run), PROBLEM.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import streamlit as st

from core import figures, practice
from core.answer_check import MAX_ANSWER_CHARS
from core.class_state import ClassState, StateUnavailable, open_class_state
from core.exercises import Question
from core.i18n import Message, UserError, escape_markdown
from core.practice import PracticeSet, Progress
from ui.app import PRACTICE_PAGE, settings
from ui.classroom import viewer
from ui.text import lang, t
from ui.widgets import plot

logger = logging.getLogger(__name__)
S = st.session_state
PROBLEM = "practice._problem"  # why the last answer could not be kept, shown on the next run
SOLO = "solo"  # the owner id of everything outside class mode: one user, no key


def class_state() -> ClassState:
    """Return this server's class database (opened and migrated once per process)."""
    current = settings()
    return open_class_state(current.runs_dir, current.database_url)


def who() -> tuple[str, str]:
    """Return (owner id, name) that this session's answers are kept under."""
    me = viewer()
    return (me.owner_id or SOLO, me.name or SOLO) if me.class_mode else (SOLO, SOLO)


PAGE_TOPICS = {  # a page's url path -> the practice topic its sidebar link opens
    "convolution": "convolution",
    "architecture": "architecture",
    "pipeline": "training",
    "losses": "training",
    "step": "training",
    "training": "training",
    "predict": "predict",
}


def practice_link(url_path: str) -> None:
    """In the sidebar of every page: "Check yourself" on that page's topic (everything, on the others)."""
    if url_path == "practice":
        return
    topic = PAGE_TOPICS.get(url_path, practice.MIXED)
    st.sidebar.page_link(
        PRACTICE_PAGE,
        label=t("practice.sidebar", topic=t(f"exercise.topic.{topic}")),
        query_params={"topic": topic},
        icon=":material/quiz:",
    )


def _verdict_key(practice_set: PracticeSet, index: int) -> str:
    return f"practice._verdict_{practice_set.set_id}_{index}"


def _answer_key(practice_set: PracticeSet, index: int) -> str:
    return f"practice.answer_{practice_set.set_id}_{index}"


def _unavailable(exc: StateUnavailable) -> None:
    logger.warning("the class database is unavailable: %s", exc)
    S[PROBLEM] = Message("exercise.unavailable")


def _check(practice_set: PracticeSet, index: int) -> None:
    """Callback: check the typed answer, keep it, and leave the verdict for the next run."""
    owner, name = who()
    typed = S.get(_answer_key(practice_set, index), "")
    try:
        S[_verdict_key(practice_set, index)] = practice.answer(class_state(), owner, name, practice_set, index, typed)
    except StateUnavailable as exc:
        _unavailable(exc)


def _reveal(practice_set: PracticeSet, index: int) -> None:
    owner, name = who()
    try:
        practice.reveal(class_state(), owner, name, practice_set, index)
    except StateUnavailable as exc:
        _unavailable(exc)
    S.pop(_verdict_key(practice_set, index), None)


def _matrix(matrix: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(matrix.astype(int) if np.all(matrix == matrix.round()) else matrix)


def question_body(question: Question) -> None:
    """The question itself: its text, and the model, matrices or picture it is about."""
    st.markdown(question.prompt.text(lang(), markdown=True))
    if question.listing:
        st.caption(t("practice.layers"))
        st.code(question.listing, language=None)
    if question.tables:
        for column, (caption, matrix) in zip(st.columns(len(question.tables)), question.tables, strict=True):
            column.caption(t(caption))
            column.dataframe(_matrix(matrix), hide_index=False)
    if question.image is not None:
        st.image(question.image, caption=t("practice.picture"), width=140, clamp=True)


def worked_answer(question: Question, done: Progress) -> None:
    """The answer with its worked steps, the page's explanation, and the PyTorch that gives it."""
    answer = escape_markdown(question.answers)
    if done.right:
        st.success(
            t("practice.right_first" if done.first_try else "practice.right", answer=answer),
            icon=":material/check_circle:",
        )
    else:
        st.info(t("practice.revealed", answer=answer), icon=":material/lightbulb:")
    if question.bars:  # the model's choice, as the Predict page draws it
        top = figures.probabilities_figure(
            question.bars, true_label=question.true_label, x_title=t("practice.probability")
        )
        plot(top, key=f"practice.bars_{question.seed}")
    st.caption(t("practice.worked"))
    st.code("\n".join(question.reveal), language=None, wrap_lines=True)
    st.markdown(question.explain.text(lang(), markdown=True))
    with st.expander(t("practice.code"), icon=":material/code:"):
        st.code(question.code, language="python")


def question_ui(practice_set: PracticeSet, index: int, done: Progress) -> None:
    """One question of a set, in a bordered box: ask, check, hint, reveal."""
    kind, _ = practice_set.questions()[index]
    with st.container(border=True):
        st.markdown(
            f"**{t('practice.question', number=index + 1, total=practice_set.size, kind=t(f'exercise.kind.{kind}'))}**"
        )
        try:
            question = practice_set.question(index)
        except (UserError, OSError, RuntimeError) as exc:  # e.g. the bundled model's data missing on this server
            st.warning(t("practice.unavailable", reason=escape_markdown(str(exc)[:200])))
            return
        question_body(question)
        if done.done:
            worked_answer(question, done)
            return
        with st.form(f"practice.form_{practice_set.set_id}_{index}", border=False, enter_to_submit=True):
            st.text_input(
                t("practice.answer"),
                key=_answer_key(practice_set, index),
                placeholder=t("practice.example", example=question.expected.example),
                max_chars=MAX_ANSWER_CHARS,
            )
            st.form_submit_button(
                t("practice.check"), on_click=_check, args=(practice_set, index), icon=":material/done:", type="primary"
            )
        verdict = S.get(_verdict_key(practice_set, index))
        if verdict is not None and verdict.outcome == "unclear":
            st.info(verdict.message.text(lang(), markdown=True), icon=":material/help:")
        elif verdict is not None and verdict.outcome == "wrong":
            hint = verdict.message.text(lang(), markdown=True)
            # the canonical form of what was read (digits and separators), never the raw typed text
            st.warning(
                t("practice.wrong", understood=verdict.understood.replace("`", ""), hint=hint),
                icon=":material/lightbulb:",
            )
        if done.tries:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.caption(t("practice.tries", tries=done.tries))
            row.button(
                t("practice.reveal"),
                key=f"practice.reveal_{practice_set.set_id}_{index}",
                on_click=_reveal,
                args=(practice_set, index),
            )
