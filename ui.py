"""Streamlit helpers shared by the pages: language, messages, figures and tables.

Session-state keys owned here: "lang" (the reader's language, also the `lang` URL parameter).
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException

from core import i18n
from core.figures import format_number
from core.i18n import Message

# (file, title key, description key, icon): the pages in navigation order; home links to each
PAGES = [
    ("pages/home.py", "nav.home", None, ":material/home:"),
    ("pages/convolution.py", "nav.convolution", "home.convolution", ":material/grid_on:"),
    ("pages/architecture.py", "nav.architecture", "home.architecture", ":material/account_tree:"),
    ("pages/training.py", "nav.training", "home.training", ":material/model_training:"),
    ("pages/predict.py", "nav.predict", "home.predict", ":material/image_search:"),
]


def lang() -> str:
    """Return the reader's language code ("en" or "zh")."""
    return st.session_state.get("lang", "en")


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
    """Render a core Message as an error, warning or info box."""
    getattr(st, kind)(message.text(lang(), markdown=True))


def language_selector() -> None:
    """Draw the language switch in the sidebar; the language is also the `lang` URL parameter."""
    state = st.session_state
    raw = st.query_params.get("lang")
    if raw != state.get("_lang_url"):  # a link (or the first visit) chose the language
        state["_lang_url"] = raw
        if raw in i18n.LANGS:
            state["lang"] = raw
    state.setdefault("lang", "en")
    st.sidebar.segmented_control(
        i18n.t("sidebar.language", lang()),
        i18n.LANGS,
        format_func=i18n.LANG_NAMES.get,
        key="lang",
        required=True,
        on_change=_resend_translated_widgets,
        persist_state="session",
    )
    st.query_params["lang"] = state["_lang_url"] = lang()


def _resend_translated_widgets() -> None:
    # The browser remembers a choice widget's value by its label; when the labels change
    # language, the value must be sent again or the widget shows nothing selected.
    for key in list(st.session_state):
        value = st.session_state[key]
        if isinstance(key, str) and "." in key and isinstance(value, str):
            # buttons, uploaders and editors cannot be set, and have no translated options
            with contextlib.suppress(StreamlitAPIException):
                st.session_state[key] = value


def device_info() -> None:
    """Show which device torch computes on, in the sidebar."""
    if torch.cuda.is_available():
        st.sidebar.caption(t("sidebar.device_cuda", name=torch.cuda.get_device_name(0)))
    else:
        st.sidebar.caption(t("sidebar.device_cpu", threads=torch.get_num_threads()))
    st.sidebar.caption(t("sidebar.versions", torch=torch.__version__.split("+")[0], streamlit=st.__version__))


def matrix_table(values: np.ndarray) -> pd.DataFrame:
    """Return a matrix as a table of formatted numbers: the text form of a heatmap."""
    values = np.asarray(values, dtype=np.float64)
    return pd.DataFrame([[format_number(v) for v in row] for row in values])


def plot(fig, key: str | None = None) -> None:
    """Draw a plotly figure at full width with the toolbar hidden."""
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=key)


def leave_folder_mode() -> None:
    """Rerun through streamlit_app.py when Streamlit ran this page file on its own.

    Streamlit treats a `pages/` folder as an old-style multipage app until the first run of the
    main script reaches st.navigation; on a fresh server, a first visit to /convolution would
    otherwise run the page without the app's navigation, sidebar and settings.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
