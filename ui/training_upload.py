"""The Training page's own-data choice: a zip of class folders or a CSV, read once, previewed, stored in the run.

An upload is read by :mod:`core.uploads` in this process (every check on the untrusted bytes happens
there), at the model's input size, and kept in a shared cache keyed by the file's id: the bytes are
only hashed by Streamlit's uploader, never by us. When a run starts, the read data set goes into the
run as tensors (:mod:`core.run_data`); the worker never sees the zip or the CSV.
Session-state keys: "train.upload_zip" and "train.upload_csv" (the uploaders), "train.upload_mode"
(colour or grey pictures).
"""

from __future__ import annotations

import streamlit as st

from core.datasets import UPLOAD_KINDS, DatasetInfo
from core.i18n import Message, UserError
from core.run_data import DATA_FILE, data_to_bytes
from core.splits import LoadedData
from core.uploads import load_csv, load_image_zip
from ui.data_preview import data_preview, describe
from ui.text import show, t
from ui.widgets import file_uploader

S = st.session_state
PROBE_SIZE = 32  # px: an upload is first read at this size, to learn its classes and channels
MODES = ("RGB", "L")
TYPES = {"zip": ["zip"], "csv": ["csv", "txt"]}


@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def read_upload(
    kind: str, file_id: str, _blob: bytes, size: int, mode: str, val_fraction: float, seed: int, max_samples: int | None
) -> tuple[LoadedData | None, list[Message]]:
    """Return an upload read as a data set (or None) and the messages about it: files left out, or why it failed.

    Shared read-only between reruns and sessions; ``file_id`` stands for the bytes (a new upload gets a new id).
    """
    try:
        if kind == "zip":
            return load_image_zip(
                _blob, input_size=size, mode=mode, val_fraction=val_fraction, seed=seed, max_samples=max_samples
            )
        return load_csv(_blob, val_fraction=val_fraction, seed=seed, max_samples=max_samples), []
    except UserError as exc:
        return None, [exc.message]


def upload_ui(kind: str) -> None:
    """Draw the uploader of ``kind`` ("zip" or "csv"), and for pictures the colour choice."""
    file_uploader(t(f"training.upload_{kind}"), type=TYPES[kind], key=f"train.upload_{kind}")
    if kind == "zip":
        S.setdefault("train.upload_mode", "RGB")
        st.radio(
            t("training.upload_mode"),
            MODES,
            format_func=lambda m: t(f"training.upload_mode_{m}"),
            key="train.upload_mode",
            horizontal=True,
        )


def uploaded(
    kind: str, size: int | None, val_fraction: float, seed: int, max_samples: int | None, report: bool = True
) -> LoadedData | None:
    """Return the upload of ``kind`` read at ``size`` px (pictures); None without one.

    With ``report``, shows why it cannot be read, or which files were left out.
    """
    file = S.get(f"train.upload_{kind}")
    if file is None:
        return None
    mode = S.get("train.upload_mode", "RGB") if kind == "zip" else "RGB"
    data, messages = read_upload(
        kind, file.file_id, file.getvalue(), size or PROBE_SIZE, mode, val_fraction, seed, max_samples
    )
    if not report:
        return data
    if data is None:
        show(messages[0])
    elif messages:
        with st.expander(t("training.upload_left_out", n=len(messages)), icon=":material/warning:"):
            for message in messages:
                show(message, "caption")
    return data


def upload_info(kind: str, val_fraction: float, seed: int, max_samples: int | None) -> DatasetInfo | None:
    """Return the upload as a catalogue entry (its shape at PROBE_SIZE, classes and size), or None."""
    data = uploaded(kind, None, val_fraction, seed, max_samples)
    if data is None:
        if S.get(f"train.upload_{kind}") is None:
            st.info(t(f"training.upload_prompt_{kind}"))
        return None
    samples = len(data.y_train) + len(data.y_val) + len(data.y_test)
    return DatasetInfo(kind, data.kind, data.input_shape, len(data.classes), True, samples)


def data_preview_of(
    info: DatasetInfo | None, size: int | None, val_fraction: float, seed: int, max_samples: int | None
) -> dict:
    """Return the data preview of a built-in set (ui.data_preview) or of the upload; an upload not read yet has none."""
    if info is None:
        return {"problem": Message("training.upload_first"), "shown": True}
    if info.key not in UPLOAD_KINDS:
        return data_preview(info.key, size, val_fraction, seed, max_samples)
    data = uploaded(info.key, size, val_fraction, seed, max_samples, report=False)
    return describe(data) if data is not None else {"problem": Message("training.upload_first"), "shown": True}


def run_files(
    info: DatasetInfo, size: int | None, val_fraction: float, seed: int, max_samples: int | None
) -> dict[str, bytes]:
    """Return the files a run on this upload starts with: its data set, as the preview showed it, as tensors."""
    data = uploaded(info.key, size, val_fraction, seed, max_samples, report=False)
    if data is None:
        raise UserError(Message("training.upload_first"))
    return {DATA_FILE: data_to_bytes(data)}
