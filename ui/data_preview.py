"""The data as the model will see it (Training page): split sizes, samples per class, and the iteration arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from core import pictures
from core.data import load_dataset, open_image_source
from core.data_source import is_image_set, preview
from core.i18n import UserError
from core.images import encode_jpeg
from core.splits import LoadedData
from core.train import steps_per_epoch
from ui.text import lang, show, t

PREVIEW_PER_CLASS = 8  # training images shown per class in the data preview
PREVIEW_WIDTH_PX = 240  # one row per class: 10 classes of 8 images keep the form about as tall as its neighbours


@st.cache_data(max_entries=16, show_spinner=False)
def data_preview(dataset: str, input_size: int | None, val_fraction: float, seed: int, max_samples: int | None) -> dict:
    """Return what the preview shows of a data set, split exactly as the trainer will split it.

    An image set is split by its labels and only the pictures shown are made (core.data_source);
    a table is small and loads whole.
    """
    try:
        if is_image_set(dataset):
            source = open_image_source(
                dataset, input_size=input_size, val_fraction=val_fraction, seed=seed, max_samples=max_samples
            )
            shown = preview(source, PREVIEW_PER_CLASS)
            return {
                "problem": None,
                "description": shown.description,
                "kind": "image",
                "classes": list(shown.classes),
                "input_shape": list(shown.input_shape),
                "sizes": shown.sizes,
                "counts": shown.counts,
                "grid": _grid(
                    shown.samples.numpy(),
                    shown.sample_labels,
                    len(shown.classes),
                    mean=(0.0,) * shown.input_shape[0],
                    std=(1.0,) * shown.input_shape[0],
                ),
            }
        data = load_dataset(dataset, val_fraction=val_fraction, seed=seed, max_samples=max_samples)
    except UserError as exc:
        return {"problem": exc.message}
    return describe(data)


def describe(data: LoadedData) -> dict:
    """Return what the preview shows of a loaded data set (a built-in one, or a student's upload)."""
    shown = {
        "problem": None,
        "description": data.description,
        "kind": data.kind,
        "classes": list(data.classes),
        "input_shape": list(data.input_shape),
        "sizes": {"train": len(data.y_train), "val": len(data.y_val), "test": len(data.y_test)},
        "counts": data.class_counts(),
    }
    if data.preprocessing is not None:
        shown["grid"] = _grid(
            data.x_train.numpy(),
            data.y_train.numpy(),
            data.num_classes,
            mean=data.preprocessing.mean,
            std=data.preprocessing.std,
        )
    else:
        names = data.standardization.feature_names
        shown["rows"] = pd.DataFrame(data.x_train[:5].numpy().round(3), columns=list(names))
    return shown


def _grid(x: np.ndarray, labels: np.ndarray, n_classes: int, mean: Sequence[float], std: Sequence[float]) -> bytes:
    """Return the first samples of each class as one JPEG picture (pictures.class_samples_grid).

    Encoded here once, at the width shown: Streamlit encodes an array, and decodes, scales and
    encodes again a picture wider than that, on every rerun of the Training page.
    """
    grid = pictures.class_samples_grid(x, labels, n_classes, mean=mean, std=std, per_class=PREVIEW_PER_CLASS)
    return encode_jpeg(grid, PREVIEW_WIDTH_PX)


def preview_ui(preview: dict) -> None:
    """Draw the data as the model will see it: split sizes, samples per class, class counts."""
    if preview["problem"] is not None:
        if not preview.get("shown"):  # an upload's problem is shown beside its uploader
            show(preview["problem"])
        return
    sizes = preview["sizes"]
    st.caption(
        t("training.split_sizes", train=f"{sizes['train']:,}", val=f"{sizes['val']:,}", test=f"{sizes['test']:,}")
    )
    if "grid" in preview:
        st.image(
            preview["grid"],
            caption=t("training.preview_grid", n=PREVIEW_PER_CLASS, shape=preview["input_shape"]),
            width=PREVIEW_WIDTH_PX,
        )
    else:
        st.caption(t("training.preview_rows"))
        st.dataframe(preview["rows"], hide_index=True, height=220)
    with st.expander(t("training.preview_details"), icon=":material/photo_library:"):
        st.caption(preview["description"].text(lang()))
        counts = {
            t("training.col_class"): preview["classes"],
            **{t(f"training.split_{s}"): preview["counts"][s] for s in ("train", "val", "test")},
        }
        st.dataframe(pd.DataFrame(counts), hide_index=True)


def arithmetic_ui(n_train: int, batch_size: int, epochs: int) -> None:
    """Show the curriculum's samples / batch size = iterations per epoch arithmetic with the chosen numbers."""
    batch = min(batch_size, n_train)
    iterations = steps_per_epoch(n_train, batch)  # the trainer's own count
    st.info(
        t(
            "training.arithmetic",
            n=f"{n_train:,}",
            batch=batch,
            iterations=f"{iterations:,}",
            epochs=epochs,
            total=f"{iterations * epochs:,}",
        ),
        icon=":material/calculate:",
    )
