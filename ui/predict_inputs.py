"""The Predict page's inputs: uploaded pictures, a drawing on a canvas, or samples of the model's test split.

Each input draws its controls and returns the pictures with their predictions (:class:`Shown`).
Session-state keys (the page lists them all): "predict.input", "predict.images", "predict.ink",
"predict.stroke", "predict.canvas_*", "predict.n_test", "predict.new_samples", "predict.seed".
Names and class names come from uploads, so they are escaped before any Markdown element shows them.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st
import torch
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from core import pictures
from core.i18n import Message, UserError, escape_markdown
from core.images import MAX_FILES_PER_BATCH, DecodedImage, decode_image, upload_limits
from core.inference import Prediction, TestSample, predict, predict_inputs, test_samples
from core.limits import Limits
from core.model_files import LoadedModel
from ui.app import settings
from ui.text import lang, show, t
from ui.widgets import file_uploader, upload_mb

S = st.session_state
INPUTS = ("upload", "draw", "test")
DRAWABLE_DATASETS = (
    "digits",
    "mnist5k",
    "mixed_digits",
    "mnist",
)  # handwritten digits: a drawing is the kind of picture they learned
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]  # core.images checks the content
CANVAS_PX = 280  # the square drawing area; the digits model shrinks it to 32 x 32
STROKE_PX = (10, 80, 44)  # pen width (lowest, highest, default); the digits' strokes are ~2 of 8 px wide,
# so thick lines match them best: script-drawn strokes of 0-9 were all read right at 44-60 px (a 7 not below 44)
TOP_K = (1, 10, 5)  # classes in the bar chart (lowest, highest, default)
TEST_SAMPLES = (4, 32, 12)  # test samples shown (lowest, highest, default)
GALLERY_PX = 80  # test samples in the gallery
GALLERY_COLUMNS = 8


class Shown(NamedTuple):
    """One picture on its way through the model."""

    name: str  # file name, "drawing.png" or the test sample's row
    picture: Image.Image  # as uploaded or drawn; for a test sample, what the model sees
    x: torch.Tensor | None  # the model input (C, H, W) when already made (test samples), else None
    label: int | None  # the true class of a test sample


# --- computing (cached: choosing another picture or layer reruns without decoding or predicting again) ----


@st.cache_resource(max_entries=128, show_spinner=False)
def decode_upload(file_id: str, name: str, _data: bytes) -> DecodedImage | Message:
    """Return an uploaded picture decoded safely, or why it was refused; one decode per uploaded file.

    Keyed by Streamlit's id of the upload (unique per file and upload), so its bytes are never hashed;
    shared, not copied, as nothing changes a decoded picture.
    """
    try:
        return decode_image(_data, name, **upload_limits(settings()))
    except UserError as exc:
        return exc.message


@st.cache_resource(max_entries=32, show_spinner=False)
def predict_pictures(_loaded: LoadedModel, model_key: str, picture_ids: tuple[str, ...], _pictures: list) -> list:
    """Return one Prediction per picture, through the model's saved preprocessing (cached per model and files)."""
    return predict(_loaded, _pictures, k=TOP_K[1])


@st.cache_data(max_entries=16, show_spinner=False)
def sample_set(_loaded: LoadedModel, model_key: str, n: int, seed: int, limits: Limits) -> list[TestSample]:
    """Return ``n`` samples of the model's test split, fixed by ``seed``, under this server's ``limits``."""
    return test_samples(_loaded, n, seed, limits)


def next_samples() -> None:
    """Callback: draw other test samples."""
    S["predict.seed"] = S.get("predict.seed", 0) + 1


def input_picker(loaded: LoadedModel) -> str:
    """Draw the choice of input: uploaded pictures, a drawing (digit models) or test samples."""
    choices = [c for c in INPUTS if c != "draw" or loaded.dataset in DRAWABLE_DATASETS]
    if S.get("predict.input") not in choices:
        S["predict.input"] = choices[0]
    return st.segmented_control(
        t("predict.input"), choices, format_func=lambda c: t(f"predict.input_{c}"), key="predict.input", required=True
    )


def upload_input(loaded: LoadedModel, model_key: str) -> tuple[list[Shown], list[Prediction]]:
    """Draw the picture uploader; return the pictures that decoded and their predictions.

    Each file that cannot be read gets its own message; the others are still predicted.
    """
    files = file_uploader(
        t("predict.images"),
        type=IMAGE_TYPES,
        accept_multiple_files=True,
        key="predict.images",
        help=t("predict.images_help", mb=upload_mb()),
    )
    if not files:
        st.info(t("predict.upload_prompt"))
        return [], []
    if len(files) > MAX_FILES_PER_BATCH:
        show(Message("predict.too_many_files", {"total": len(files), "max": MAX_FILES_PER_BATCH}), "warning")
    shown, ids = [], []
    for file in files[:MAX_FILES_PER_BATCH]:
        decoded = decode_upload(file.file_id, file.name, file.getvalue())
        if isinstance(decoded, Message):
            show(decoded)
            continue
        for note in decoded.notes:
            st.caption(f"{escape_markdown(decoded.name)}: {note.text(lang(), markdown=True)}")
        shown.append(Shown(decoded.name, decoded.image, None, None))
        ids.append(file.file_id)
    predictions = predict_pictures(loaded, model_key, tuple(ids), [s.picture for s in shown])
    return shown, predictions


def draw_input(loaded: LoadedModel) -> tuple[list[Shown], list[Prediction]]:
    """Draw the canvas; return the drawing, saved as a PNG and decoded exactly like an uploaded photo."""
    model_ink = "dark" if loaded.preprocessing.invert else "light"  # how the model's training pictures look
    S.setdefault("predict.ink", model_ink)
    S.setdefault("predict.stroke", STROKE_PX[2])
    controls, canvas_area = st.columns([1, 2], gap="large")
    with controls:
        ink = st.radio(
            t("predict.ink"),
            ["dark", "light"],
            format_func=lambda i: t(f"predict.ink_{i}"),
            key="predict.ink",
        )
        stroke = st.slider(t("predict.stroke"), *STROKE_PX[:2], key="predict.stroke", help=t("predict.stroke_help"))
        st.caption(t("predict.draw_help"))
        if ink != model_ink:
            st.warning(t(f"predict.ink_mismatch_{model_ink}"))
    with canvas_area:
        drawing = st_canvas(
            stroke_width=stroke,
            stroke_color="#000000" if ink == "dark" else "#ffffff",
            background_color="#ffffff" if ink == "dark" else "#000000",
            width=CANVAS_PX,
            height=CANVAS_PX,
            return_image_data=True,
            key=f"predict.canvas_{ink}",  # a new canvas for the other ink: its background differs
        )
    if not (drawing.json_data or {}).get("objects") or drawing.image_bytes is None:
        st.info(t("predict.draw_prompt"))
        return [], []
    try:
        decoded = decode_image(drawing.image_bytes, "drawing.png", **upload_limits(settings()))
    except UserError as exc:
        show(exc.message)
        return [], []
    return [Shown(decoded.name, decoded.image, None, None)], predict(loaded, [decoded.image], k=TOP_K[1])


def test_input(loaded: LoadedModel, model_key: str, limits: Limits) -> tuple[list[Shown], list[Prediction]]:
    """Draw the test-set controls and gallery; return the samples and their predictions."""
    S.setdefault("predict.n_test", TEST_SAMPLES[2])
    S.setdefault("predict.seed", 0)
    count, again = st.columns([3, 1], vertical_alignment="bottom")
    n = count.slider(t("predict.n_test"), *TEST_SAMPLES[:2], key="predict.n_test")
    again.button(t("predict.new_samples"), key="predict.new_samples", on_click=next_samples, icon=":material/casino:")
    try:
        samples = sample_set(loaded, model_key, n, S["predict.seed"], limits)
    except UserError as exc:
        show(exc.message)
        return [], []
    predictions = predict_inputs(loaded, torch.stack([s.x for s in samples]), k=TOP_K[1])  # (n, C, H, W)
    shown = [Shown(t("predict.sample_name", index=s.index), s.picture, s.x, s.label) for s in samples]
    right = sum(p.index == s.label for p, s in zip(predictions, samples, strict=True))
    st.caption(t("predict.test_caption", right=right, n=len(samples)))
    columns = st.columns(GALLERY_COLUMNS)
    for i, (sample, prediction) in enumerate(zip(samples, predictions, strict=True)):
        mark = "✓" if prediction.index == sample.label else "✗"
        true, predicted = escape_markdown(loaded.classes[sample.label]), escape_markdown(prediction.label)
        caption = t("predict.gallery_caption", true=true, predicted=predicted, mark=mark)
        columns[i % GALLERY_COLUMNS].image(
            pictures.enlarged(sample.picture, GALLERY_PX), caption=caption, width="stretch"
        )
    return shown, predictions
