"""Who is looking, and the training jobs as they may see them: the job queue, names and keys, rights.

In class mode (a teacher password is set) each browser session has a name and a secret key, both
in the URL (``me``, ``key``) so a reload or a bookmark keeps them; the name can be edited in the
sidebar. Values from the URL are untrusted: a bad name is cleaned, a bad key replaced, each with a
message. That address is personal, so the sidebar also makes a link to the same view without
``me`` and ``key`` (:func:`shareable_link`). Session-state keys: :mod:`ui.keys` ``CLASS_*``, and
SHARE_LINK.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import urllib.parse
from pathlib import Path

import streamlit as st

from core import classroom
from core.classroom import Classroom, Viewer
from core.i18n import Message, UserError
from core.jobs import JobBackend, backend_from_settings
from core.limits import MB
from core.runs import RunStore
from core.settings import Settings
from ui import keys
from ui.app import settings
from ui.text import lang, t
from ui.urlstate import PageUrl, Param

S = st.session_state
SHARE_LINK = "class._share_link"  # the link "Link to share this view" made, shown on the next run only


def _release_queue(held: tuple[JobBackend, threading.Event]) -> None:
    jobs, stop_scheduler = held
    stop_scheduler.set()
    jobs.close()


@st.cache_resource(max_entries=4, on_release=_release_queue, show_spinner=False)
def _job_queue(_current: Settings, key: str) -> tuple[JobBackend, threading.Event]:
    jobs = backend_from_settings(_current)
    # a Ray cluster out of reach is said where a run is started; every page keeps working
    with contextlib.suppress(UserError):
        jobs.reconcile()  # runs whose worker died while no app was watching
    return jobs, jobs.start_background()


def job_queue() -> JobBackend:
    """Return this process's job backend (one per settings), its background scheduling started."""
    current = settings()
    return _job_queue(current, repr(dataclasses.astuple(current)))[0]


def open_classroom() -> Classroom:
    """Return the runs as this page's viewer may see and change them."""
    return Classroom(job_queue(), viewer())


def viewer() -> Viewer:
    """Return who is looking at this page: what the runs and the board show them, and what they may change."""
    if not settings().class_mode:
        return Viewer()
    name, key, teacher = S.get(keys.CLASS_NAME), S.get(keys.CLASS_KEY), bool(S.get(keys.CLASS_TEACHER))
    return Viewer(name, key, teacher, True, classroom.client_group(client_address()))


def client_address() -> str | None:
    """Return the browser's network address: behind the class's proxy, the last one it added to X-Forwarded-For.

    A request without one came past the proxy: its own peer address counts.
    """
    forwarded = st.context.headers.get("X-Forwarded-For") if settings().behind_proxy else None
    return (forwarded or "").rsplit(",", 1)[-1].strip() or st.context.ip_address


@st.cache_data(ttl=10, max_entries=4, show_spinner=False)
def disk_used_mb(runs_dir: Path) -> int:
    """Return the run store's size in MB (walks every file: re-read every 10 s, not on every rerun)."""
    return round(RunStore(Path(runs_dir)).disk_usage() / MB)


def _read_name(raw: str) -> Message | None:
    S[keys.CLASS_NAME], problem = classroom.clean_name(raw)
    return problem


def _read_key(raw: str) -> Message | None:
    if not classroom.KEY_PATTERN.fullmatch(raw):
        return Message("class.bad_key")
    S[keys.CLASS_KEY] = raw
    return None


IDENTITY_URL = PageUrl(
    "identity",
    [Param("me", _read_name, lambda: S.get(keys.CLASS_NAME)), Param("key", _read_key, lambda: S.get(keys.CLASS_KEY))],
)


def identity_sidebar() -> None:
    """In class mode, give this browser session its name and key (from the URL when it has them)."""
    if not settings().class_mode:
        return
    for problem in IDENTITY_URL.read():
        S[keys.CLASS_PROBLEM] = S.get(keys.CLASS_PROBLEM) or problem
    S.setdefault(keys.CLASS_KEY, classroom.new_key())
    S.setdefault(keys.CLASS_NAME, S.get(keys.CLASS_NAME_KEPT) or classroom.random_name())
    st.sidebar.text_input(
        t("sidebar.name"), key=keys.CLASS_NAME, max_chars=24, help=t("sidebar.name_help"), on_change=_clean_name
    )
    S[keys.CLASS_NAME_KEPT] = S[keys.CLASS_NAME]
    if S.get(keys.CLASS_TEACHER):
        st.sidebar.caption(f":material/school: **{t('sidebar.teacher_on')}**")
    if S.get(keys.CLASS_PROBLEM) is not None:
        st.sidebar.warning(S.pop(keys.CLASS_PROBLEM).text(lang(), markdown=True))
    IDENTITY_URL.write()
    share_link_sidebar()


def shareable_link(url: str | None, query: dict[str, str]) -> str:
    """Return the link to a view: the page's address and its settings, never the identity's ``me`` and ``key``."""
    identity = {param.name for param in IDENTITY_URL.params}
    view = urllib.parse.urlencode({name: value for name, value in query.items() if name not in identity})
    return (url or "") + (f"?{view}" if view else "")


def _make_share_link() -> None:
    # In a callback, st.query_params is the URL the browser shows: what the page wrote last run.
    S[SHARE_LINK] = shareable_link(st.context.url, st.query_params.to_dict())


def share_link_sidebar() -> None:
    """Say that the address bar's link is personal, and offer a link to the same view without the identity."""
    st.sidebar.caption(t("sidebar.personal_link"))
    st.sidebar.button(
        t("sidebar.share_view"),
        key="class.share_view",
        on_click=_make_share_link,
        help=t("sidebar.share_view_help"),
        icon=":material/share:",
    )
    if SHARE_LINK in S:  # shown once, for the view it was made for; the next change of view hides it
        st.sidebar.code(S.pop(SHARE_LINK), language=None, wrap_lines=True)
        st.sidebar.caption(t("sidebar.share_caption"))


def _clean_name() -> None:
    S[keys.CLASS_NAME], S[keys.CLASS_PROBLEM] = classroom.clean_name(S[keys.CLASS_NAME])
