"""The reader's language, text in it, and core's messages shown as boxes.

The language is the session-state key ``ui.keys.LANG`` and the ``lang`` URL parameter, chosen in
the sidebar. Every text comes from :mod:`core.i18n`; Markdown-special characters in parameters
(file names, class names a user chose) are escaped by :meth:`core.i18n.Message.text`.
"""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core import i18n
from core.i18n import Message
from ui import keys
from ui.urlstate import PageUrl, choice_param

URL = PageUrl("lang", [choice_param("lang", keys.LANG, lambda: i18n.LANGS, "en")])


def lang() -> str:
    """Return the reader's language code ("en" or "zh")."""
    return st.session_state.get(keys.LANG, "en")


def t(key: str, **params) -> str:
    """Return the UI text for key in the reader's language."""
    return i18n.t(key, lang(), **params)


def translator():
    """Return t() bound to the language of this run, for format_func callbacks.

    Streamlit may call format_func outside the script thread, where session state is not
    available; a bound translator never needs it.
    """
    current = lang()
    return lambda key, **params: i18n.t(key, current, **params)


def show(message: Message, kind: str = "error") -> None:
    """Render a core Message as an error, warning, info or success box (or a caption)."""
    getattr(st, kind)(message.text(lang(), markdown=True))


def language_selector() -> None:
    """Draw the language switch in the sidebar; the language is also the `lang` URL parameter."""
    problems = URL.read()
    st.session_state.setdefault(keys.LANG, "en")
    st.sidebar.segmented_control(
        i18n.t("sidebar.language", lang()),
        i18n.LANGS,
        format_func=i18n.LANG_NAMES.get,
        key=keys.LANG,
        required=True,
        on_change=_resend_translated_widgets,
        persist_state="session",
    )
    for problem in problems:
        st.sidebar.warning(problem.text(lang(), markdown=True))
    URL.write()


def _resend_translated_widgets() -> None:
    # The browser remembers a choice widget's value by its label; when the labels change
    # language, the value must be sent again or the widget shows nothing selected.
    for key in list(st.session_state):
        value = st.session_state[key]
        if isinstance(key, str) and "." in key and isinstance(value, str):
            # buttons, uploaders and editors cannot be set, and have no translated options
            with contextlib.suppress(StreamlitAPIException):
                st.session_state[key] = value
