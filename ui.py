"""Streamlit helpers shared by the pages: language, messages, figures and tables.

Session-state keys owned here: "lang" (the reader's language, also the `lang` URL parameter); in
class mode "class.name" (the student's name, also `me` in the URL), "_class_key" (their secret key,
also `key` in the URL), "_class_teacher" (True once this tab unlocked teacher mode, never in the URL)
and "_class_url" (the identity this app last wrote to the URL).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException

from core import classroom, i18n
from core.classroom import Classroom, Viewer
from core.figures import format_number
from core.i18n import Message
from core.jobs import LocalJobs
from core.limits import MB
from core.runs import RunStore
from core.settings import Settings

# (file, title key, description key, icon): the pages in navigation order; home links to each
PAGES = [
    ("pages/home.py", "nav.home", None, ":material/home:"),
    ("pages/convolution.py", "nav.convolution", "home.convolution", ":material/grid_on:"),
    ("pages/architecture.py", "nav.architecture", "home.architecture", ":material/account_tree:"),
    ("pages/training.py", "nav.training", "home.training", ":material/model_training:"),
    ("pages/predict.py", "nav.predict", "home.predict", ":material/image_search:"),
]
CLASS_PAGE = ("pages/classroom.py", "nav.classroom", None, ":material/groups:")  # in class mode only


def settings() -> Settings:
    """Return the server's settings (read from the environment on each call: cheap, and tests change it)."""
    return Settings.from_env()


def _release_queue(held: tuple[LocalJobs, threading.Event]) -> None:
    jobs, stop_scheduler = held
    stop_scheduler.set()
    jobs.close()


@st.cache_resource(max_entries=4, on_release=_release_queue, show_spinner=False)
def _job_queue(_current: Settings, key: str) -> tuple[LocalJobs, threading.Event]:
    jobs = LocalJobs.from_settings(_current)
    jobs.reconcile()  # runs whose worker died while no app was watching
    return jobs, jobs.start_background()


def job_queue() -> LocalJobs:
    """Return this process's job queue (one per settings), its scheduler thread started."""
    current = settings()
    return _job_queue(current, repr(dataclasses.astuple(current)))[0]


def open_classroom() -> Classroom:
    """Return the runs as this page's viewer may see and change them."""
    return Classroom(job_queue(), viewer())


def upload_mb() -> int:
    """Return the per-file upload cap in MB: STRIDE_MAX_UPLOAD_MB, within Streamlit's server.maxUploadSize.

    Uploaders pass it to Streamlit, whose file picker refuses a bigger file with its own message
    before sending it; core.uploads checks the size again on the server.
    """
    return min(settings().max_upload_mb, int(st.get_option("server.maxUploadSize")))


def file_uploader(label: str, where=st, **kwargs):
    """Return ``where.file_uploader(...)`` capped at :func:`upload_mb`, with a caption that says the cap.

    Streamlit marks a file over the cap in red and explains why only on hover, so the cap is
    written under every uploader where a student sees it before choosing a file.
    """
    mb = upload_mb()
    value = where.file_uploader(label, max_upload_size=mb, **kwargs)
    where.caption(t("common.upload_cap", mb=mb))
    return value


def valid_index(key: str, count: int) -> None:
    """Reset the state of a selectbox over ``range(count)`` when it no longer holds one of its options.

    When the options change, the browser can send back the old choice's label, which Streamlit
    passes on as a string; a stale number can also be past the end of the new options.
    """
    value = st.session_state.get(key, 0)
    if not isinstance(value, int) or not 0 <= value < count:
        st.session_state[key] = 0 if not isinstance(value, int) else max(0, min(value, count - 1))


@st.cache_data(ttl=10, max_entries=4, show_spinner=False)
def disk_used_mb(runs_dir: Path) -> int:
    """Return the run store's size in MB (walks every file: re-read every 10 s, not on every rerun)."""
    return round(RunStore(Path(runs_dir)).disk_usage() / MB)


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


def identity_sidebar() -> None:
    """In class mode, give this browser session its name and key (from the URL when it has them).

    Both live in the URL (`me`, `key`), so a reload or a bookmark keeps them; the name can be
    edited in the sidebar. Values from the URL are untrusted: a bad name is cleaned, a bad key
    replaced, each with a message.
    """
    if not settings().class_mode:
        return
    state = st.session_state
    url = (st.query_params.get("me"), st.query_params.get("key"))
    if url != state.get("_class_url"):  # a link (or the first visit) chose the identity
        raw_name, raw_key = url
        if raw_key is not None and not classroom.KEY_PATTERN.fullmatch(raw_key):
            state["_class_problem"] = Message("class.bad_key")
            raw_key = None
        state["_class_key"] = raw_key or state.get("_class_key") or classroom.new_key()
        if raw_name is not None:
            state["class.name"], problem = classroom.clean_name(raw_name)
            state["_class_problem"] = problem or state.get("_class_problem")
        state.setdefault("class.name", classroom.random_name())
    st.sidebar.text_input(
        t("sidebar.name"), key="class.name", max_chars=24, help=t("sidebar.name_help"), on_change=_clean_name
    )
    if state.get("_class_teacher"):
        st.sidebar.caption(f":material/school: **{t('sidebar.teacher_on')}**")
    if state.get("_class_problem") is not None:
        st.sidebar.warning(state.pop("_class_problem").text(lang(), markdown=True))
    st.query_params["me"], st.query_params["key"] = state["class.name"], state["_class_key"]
    state["_class_url"] = (state["class.name"], state["_class_key"])


def _clean_name() -> None:
    st.session_state["class.name"], st.session_state["_class_problem"] = classroom.clean_name(
        st.session_state["class.name"]
    )


def viewer() -> Viewer:
    """Return who is looking at this page: what the runs and the board show them, and what they may change."""
    if not settings().class_mode:
        return Viewer()
    state = st.session_state
    return Viewer(state.get("class.name"), state.get("_class_key"), bool(state.get("_class_teacher")), True)


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
