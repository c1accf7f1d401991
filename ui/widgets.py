"""Widgets and drawing the pages share: uploaders that state their size cap, charts, matrices as tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import streamlit as st

from core.formatting import format_number
from ui import keys
from ui.app import settings
from ui.text import t

S = st.session_state


def upload_mb() -> int:
    """Return the per-file upload cap in MB: STRIDE_MAX_UPLOAD_MB, within Streamlit's server.maxUploadSize.

    Uploaders pass it to Streamlit, whose file picker refuses a bigger file with its own message
    before sending it; core.uploads checks the size again on the server.
    """
    return min(settings().max_upload_mb, int(st.get_option("server.maxUploadSize")))


def upload_bytes() -> int:
    """Return the per-file upload cap in bytes (:func:`upload_mb` MB of 1024 x 1024 bytes, as Streamlit counts)."""
    return upload_mb() * 2**20


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


def resend_when_relabelled(key: str, labels: list[str]) -> None:
    """Send a keyed selectbox's value to the browser again when its options' labels have changed.

    Streamlit sends the value only when it changes, and the browser goes on showing the label it
    last had: after a rename, or new items under the same place (the samples of another iteration),
    the box would name the old one. Call before drawing the box.
    """
    drawn = S.setdefault(keys.RELABELLED, {})
    if drawn.get(key) != labels:
        drawn[key] = labels
        if key in S:
            S[key] = S[key]


def index_select(label: str, labels: list[str], key: str, where=st) -> int:
    """Draw a selectbox over the positions of ``labels``, each shown by its label; return the position chosen."""
    valid_index(key, len(labels))
    resend_when_relabelled(key, labels)
    return where.selectbox(label, range(len(labels)), format_func=labels.__getitem__, key=key)


def folded(label: str, key: str, draw: Callable[[], None], **kwargs) -> None:
    """An expander that builds its content only while it is open (opening it reruns its fragment).

    Closed, it costs a rerun nothing: its content is neither computed nor sent. A section that
    reruns on every slider move keeps its "more detail" parts in these.
    """
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    if box.open:
        with box:
            draw()


def matrix_table(values: np.ndarray) -> pd.DataFrame:
    """Return a matrix as a table of formatted numbers: the text form of a heatmap."""
    values = np.asarray(values, dtype=np.float64)
    return pd.DataFrame([[format_number(v) for v in row] for row in values])


def plot(fig, key: str | None = None) -> None:
    """Draw a plotly figure at full width with the toolbar hidden."""
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=key)


def drop_impossible_edits(key: str, columns: list, rows: int, max_rows: int | None = None) -> int:
    """Before ``st.data_editor(key=key)`` runs: cut or drop the edits no browser could have sent; return the rows cut.

    The editor's state arrives from the websocket as JSON, and Streamlit applies it as it is: every
    row it adds, one pandas assignment each, even to a fixed editor (4,000 rows took 4 s), and an
    edit of a row or column that does not exist raises. So rows added past ``max_rows`` are cut (the
    state's lists are plain lists), and any edit outside the ``rows`` x ``columns`` table, or a
    deletion from a fixed editor (``max_rows`` None: no row added or deleted), starts the editor afresh.
    """
    fixed, max_rows = max_rows is None, rows if max_rows is None else max_rows
    try:
        state = S.get(key)
        if state is None:
            return 0
        edited, added, deleted = state["edited_rows"], state["added_rows"], state["deleted_rows"]
        names = {str(c) for c in columns}
        inside = all(
            isinstance(row, int) and 0 <= row < rows and isinstance(cells, Mapping) and set(cells) <= names
            for row, cells in edited.items()
        )
        inside = inside and all(isinstance(row, Mapping) and set(row) <= names for row in added[:max_rows])
        inside = inside and all(isinstance(row, int) and 0 <= row < rows for row in deleted)
        if inside and not (deleted and fixed):
            kept = max(0, max_rows - rows + len(set(deleted)))
            cut = max(0, len(added) - kept)
            del added[kept:]
            return cut
    except (ValueError, TypeError, AttributeError, KeyError):  # not even the shape of an editor's state
        pass
    del S[key]
    return 0
