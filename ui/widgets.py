"""Widgets and drawing the pages share: uploaders that state their size cap, charts, matrices as tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.formatting import format_number
from ui.app import settings
from ui.text import t


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


def matrix_table(values: np.ndarray) -> pd.DataFrame:
    """Return a matrix as a table of formatted numbers: the text form of a heatmap."""
    values = np.asarray(values, dtype=np.float64)
    return pd.DataFrame([[format_number(v) for v in row] for row in values])


def plot(fig, key: str | None = None) -> None:
    """Draw a plotly figure at full width with the toolbar hidden."""
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=key)
