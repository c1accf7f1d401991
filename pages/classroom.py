"""Class: who you are in this class, what this server allows, and (for the teacher) the class's board.

Shown in the navigation only in class mode (a teacher password is set). Session-state keys:
"class.password" (the password field), "class._problem" (why the last unlock failed), "class._session"
(this browser session's id for pacing wrong passwords: per session, and a budget for the whole server,
unlock_pacing); ui.keys names the identity's keys (CLASS_NAME, CLASS_KEY, CLASS_TEACHER).
"""

import math
import secrets

import pandas as pd
import streamlit as st

from core import classroom
from core.i18n import Message, UserError
from ui import keys
from ui.app import TRAINING_PAGE, settings, start_page
from ui.class_results import class_results_ui
from ui.classroom import disk_used_mb, open_classroom
from ui.teacher_tools import teacher_tools_ui
from ui.text import show

t = start_page()

S = st.session_state
SETTINGS = settings()
ROOM = open_classroom()
STORE = ROOM.store


@st.cache_resource(show_spinner=False)
def unlock_pacing() -> classroom.UnlockPacing:
    """Wrong teacher passwords, per browser session and for the whole server: a new tab does not reset them."""
    return classroom.UnlockPacing()


def unlock() -> None:
    """Callback (Enter in the field, or the button): check the typed password (constant time), paced per
    browser session and server-wide. An empty field is no try: Enter, then a click on the button, tries once."""
    if not S.get("class.password"):
        return
    pacing, session = unlock_pacing(), S.setdefault("class._session", secrets.token_hex(8))
    wait = pacing.wait_s(session)
    if wait > 0:
        S["class._problem"] = Message("classroom.locked", {"seconds": math.ceil(wait)})
    elif classroom.password_matches(S.get("class.password", ""), SETTINGS.teacher_password):
        S[keys.CLASS_TEACHER] = True
        pacing.succeeded(session)
    else:
        pacing.failed(session)
        S["class._problem"] = Message("classroom.wrong_password")
    S["class.password"] = ""  # never left in the page


def lock() -> None:
    S[keys.CLASS_TEACHER] = False


def change_board(change, *args) -> None:
    """Callback: apply a core.classroom board change, keeping its error for the next run."""
    try:
        change(STORE, *args)
    except UserError as exc:
        S["class._problem"] = exc.message


def limits_table() -> pd.DataFrame:
    limits, counts = ROOM.limits, ROOM.state_counts()
    running, queued = counts.get("running", 0), counts.get("queued", 0)
    mine = sum(r.status.active and ROOM.viewer.owns(r) for r in ROOM.runs("mine"))
    rows = [
        ("classroom.limit_running", ROOM.max_concurrent_runs, running),
        ("classroom.limit_queue", limits.max_queue, queued),
        ("classroom.limit_student", limits.max_runs_per_student, mine),
        ("classroom.limit_epochs", limits.max_epochs, ""),
        ("classroom.limit_samples", f"{limits.max_samples:,}", ""),
        ("classroom.limit_steps", f"{limits.max_steps:,}", ""),
        ("classroom.limit_minutes", f"{limits.max_run_minutes} min", ""),
        ("classroom.limit_student_disk", f"{limits.student_quota_mb:,} MB", ""),
        ("classroom.limit_upload", f"{SETTINGS.max_upload_mb} MB", ""),
        ("classroom.limit_disk", f"{limits.quota_mb:,} MB", f"{disk_used_mb(STORE.root):,} MB"),
    ]
    return pd.DataFrame(
        [
            {t("classroom.limit"): t(key), t("classroom.value"): str(value), t("classroom.now"): str(now)}
            for key, value, now in rows
        ]
    )


def board_ui() -> None:
    """Teacher mode: sharing, and what is published, each with a way to withdraw it."""
    board = ROOM.board
    st.toggle(
        t("classroom.sharing"),
        value=board.sharing,
        key="class.sharing",
        help=t("classroom.sharing_help"),
        on_change=lambda: change_board(classroom.set_sharing, S["class.sharing"]),
    )
    st.caption(t("classroom.publish_where"))
    for title_key, items in (
        ("classroom.published_recipes", [(r.recipe_id, r.title) for r in board.recipes]),
        ("classroom.published_pins", [(p.pin_id, p.title) for p in board.pins]),
    ):
        st.markdown(f"**{t(title_key)}**")
        if not items:
            st.caption(t("classroom.nothing_published"))
        for item_id, title in items:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.text(title)  # the teacher's words, shown as plain text
            row.button(
                t("classroom.withdraw"),
                key=f"class.withdraw_{item_id}",
                on_click=change_board,
                args=(classroom.withdraw, item_id),
                icon=":material/delete:",
            )


st.title(t("classroom.title"))
if not SETTINGS.class_mode:  # only reachable by a stale link: the navigation lists this page in class mode
    st.info(t("classroom.solo"))
    st.stop()
st.write(t("classroom.intro"))
st.markdown(t("classroom.you", name=ROOM.viewer.name))  # a cleaned name: letters, digits and "-" only
st.caption(t("classroom.bookmark"))

st.subheader(t("classroom.limits"))
st.dataframe(limits_table(), hide_index=True)
st.caption(t("classroom.limit_disk_help"))

st.subheader(t("classroom.teacher"))
if S.get("class._problem") is not None:
    show(S.pop("class._problem"))
if not ROOM.viewer.teacher:
    st.text_input(t("classroom.password"), type="password", key="class.password", on_change=unlock)
    st.button(t("classroom.unlock"), key="class.unlock", on_click=unlock, icon=":material/lock_open:")
else:
    st.success(t("classroom.teacher_on"), icon=":material/school:")
    st.button(t("classroom.lock"), key="class.lock", on_click=lock, icon=":material/lock:")
    st.page_link(TRAINING_PAGE, label=t("classroom.all_runs"), icon=":material/model_training:")
    board_ui()
    teacher_tools_ui(ROOM)
    class_results_ui()
