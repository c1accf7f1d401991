"""The class's exercise results on the Class page (teacher mode), publishing exercise sets, and the
sets on the home page's "From your teacher".

What a student typed reaches the teacher only as :mod:`core.answer_check` read it (digits and
separators), in a table cell or escaped Markdown; names are the cleaned anonymous names. Session-
state keys: "results.which" (whose answers: every set, or one published set), "results.title",
"results.topic", "results.size", "results.seed" (the publish form), "results._problem".
"""

from __future__ import annotations

import logging
import secrets

import pandas as pd
import streamlit as st

from core import class_results, practice
from core.class_state import ClassState, StateUnavailable
from core.exercises import KINDS
from core.i18n import Message, UserError, escape_markdown
from core.practice import SET_SIZES, TOPIC_CHOICES
from ui.app import PRACTICE_PAGE
from ui.practice import class_state, who
from ui.text import lang, show, t

logger = logging.getLogger(__name__)
S = st.session_state
ALL = ""


def _topic_name(topic: str) -> str:
    return (
        t(f"exercise.topic.{topic}")
        if topic in practice.TOPICS or topic == practice.MIXED
        else t(f"exercise.kind.{topic}")
    )


def kinds_table(results: list[class_results.KindResult]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("results.kind"): t(f"exercise.kind.{r.kind}") if r.kind in KINDS else r.kind,
                t("results.students"): r.students,
                t("results.first_tries"): r.first_tries,
                t("results.success"): f"{r.success:.0%}",
            }
            for r in results
        ]
    )


def _mistake_text(key: str) -> str:
    try:
        return t(key)
    except KeyError:  # a hint of a newer version, or damage: shown as its key
        return key


def mistakes_ui(results: list[class_results.KindResult]) -> None:
    lines = []
    for result in results:
        kind = t(f"exercise.kind.{result.kind}") if result.kind in KINDS else escape_markdown(result.kind)
        for mistake in result.mistakes:
            line = t("results.mistake_line", kind=kind, hint=_mistake_text(mistake.key), count=mistake.count)
            if mistake.answers:
                answers = ", ".join(f"{escape_markdown(a)} ({n})" for a, n in mistake.answers)
                line += " · " + t("results.answers_seen", answers=answers)
            lines.append(f"- {line}")
    if lines:
        st.markdown(f"**{t('results.mistakes')}**")
        st.markdown("\n".join(lines))


def students_table(rows: list[class_results.StudentRow], kinds: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("results.name"): row.name,
                **{
                    t(f"exercise.kind.{k}"): (f"{row.results[k][0]}/{row.results[k][1]}" if k in row.results else "")
                    for k in kinds
                },
                t("results.answers"): row.answers,
            }
            for row in rows
        ]
    )


def _publish() -> None:
    try:
        chosen = practice.make_set(S["results.topic"], S["results.size"], int(S["results.seed"]))
        published = practice.publish_set(class_state(), S.get("results.title", ""), chosen)
        S["results._published"] = next(p.title for p in reversed(published) if p.practice == chosen)  # as cleaned
        S["results.title"], S["results.seed"] = "", secrets.randbelow(10**6)
    except UserError as exc:
        S["results._problem"] = exc.message


def _withdraw(item_id: str) -> None:
    practice.withdraw_set(class_state(), item_id)


def publish_ui(published: list[practice.PublishedSet]) -> None:
    with st.expander(t("results.publish"), icon=":material/campaign:"):
        st.text_input(t("results.publish_title"), key="results.title", max_chars=practice.MAX_SET_TITLE)
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.selectbox(t("practice.topic"), TOPIC_CHOICES, key="results.topic", format_func=_topic_name, width=260)
        row.segmented_control(t("practice.size"), SET_SIZES, key="results.size", default=5, required=True)
        S.setdefault("results.seed", secrets.randbelow(10**6))
        row.number_input(t("results.publish_seed"), min_value=0, max_value=10**9, step=1, key="results.seed", width=220)
        st.button(t("results.publish_button"), key="results.publish", on_click=_publish, icon=":material/publish:")
        if "results._published" in S:
            show(Message("class.published", {"title": S.pop("results._published")}), "success")
    st.markdown(f"**{t('results.published')}**")
    if not published:
        st.caption(t("results.nothing_published"))
    for item in published:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.text(f"{item.title} · {item.practice.set_id}")  # the teacher's words, plain text
        row.button(
            t("results.withdraw"), key=f"results.withdraw_{item.item_id}", on_click=_withdraw, args=(item.item_id,)
        )


def class_results_ui() -> None:
    """Teacher mode on the Class page: per kind, per student, and the published sets."""
    st.subheader(t("results.title"), anchor=False)
    try:
        _results(class_state())
    except StateUnavailable as exc:
        logger.warning("the class database is unavailable: %s", exc)
        st.error(t("exercise.unavailable"))


def _results(state: ClassState) -> None:
    """The results of the answers chosen in "results.which", then the publish form and the published sets."""
    if S.get("results._problem") is not None:
        st.error(S.pop("results._problem").text(lang(), markdown=True))
    published = practice.published_sets(state)
    choices = [ALL, *[p.practice.set_id for p in published]]
    titles = {p.practice.set_id: f"{p.title} ({p.practice.set_id})" for p in published}
    if S.get("results.which") not in choices:
        S["results.which"] = ALL
    which = st.selectbox(
        t("results.which"), choices, key="results.which", format_func=lambda c: titles.get(c, t("results.all"))
    )
    results = class_results.kind_results(state, which or None)
    if not results:
        st.caption(t("results.none"))
    else:
        st.dataframe(kinds_table(results), hide_index=True)
        rows = class_results.student_rows(state, which or None)
        st.caption(t("results.total", answers=sum(r.answers for r in rows), students=len(rows)))
        st.markdown(f"**{t('results.per_student')}**")
        kinds = [r.kind for r in results]
        st.dataframe(students_table(rows, kinds), hide_index=True)
        st.download_button(
            t("results.export"),
            data=class_results.exercises_csv(rows, kinds),
            file_name=f"stride-exercises-{which or 'all'}.csv",
            mime="text/csv",
            key="results.export",
            icon=":material/download:",
        )
        mistakes_ui(results)
    publish_ui(published)


def teacher_sets() -> list[practice.PublishedSet]:
    """The published sets; none when the class database cannot be reached (the home page still opens)."""
    try:
        return practice.published_sets(class_state())
    except StateUnavailable as exc:
        logger.warning("the class database is unavailable: %s", exc)
        return []


def teacher_sets_home(published: list[practice.PublishedSet]) -> None:
    """On the home page: the sets the teacher published, each a link, marked when this student finished it."""
    if not published:
        return
    owner, _ = who()
    done = practice.finished(class_state(), owner, [p.practice for p in published])
    st.markdown(f"**{t('results.teacher_sets')}**")
    for item in published:
        finished = item.practice.set_id in done
        label = escape_markdown(item.title) + (f" · {t('results.finished')}" if finished else "")
        icon = ":material/task_alt:" if finished else ":material/quiz:"
        st.page_link(PRACTICE_PAGE, label=label, query_params={"set": item.practice.set_id}, icon=icon)
