"""Predict: run a trained model on your own pictures, a drawing or its test set, and see what it sees.

URL parameters (read and written here): model (`bundled:<name>`, `run:<run id>`, or `upload` for the model
uploaded in this session), input (`upload`, `draw` or `test`).
Session-state keys: widget keys start with "predict." and live only on this page. Besides the widgets:
"predict.uploaded" holds the model uploaded in this session (a LoadedModel), "predict.uploaded_key" the
cache key of its files, "predict.upload_error" why the last model upload was refused (a Message),
"predict.seed" which test samples are drawn, "predict._url" the URL parameters last written.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
import torch
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from core import figures, pictures
from core.i18n import Message, UserError
from core.images import MAX_FILES_PER_BATCH, DecodedImage, decode_image, upload_limits
from core.inference import (
    Prediction,
    TestSample,
    feature_maps,
    first_layer_filters,
    grad_cam,
    predict,
    predict_inputs,
    prepare_steps,
    test_samples,
)
from core.model_files import LoadedModel
from ui.app import settings, start_page
from ui.classroom import open_classroom
from ui.model_picker import model_labels, model_param, model_section
from ui.text import lang, show
from ui.urlstate import PageUrl, Param, choice_param
from ui.widgets import file_uploader, plot, upload_mb, valid_index

t = start_page()

S = st.session_state
SETTINGS = settings()
ROOM = open_classroom()  # in class mode, a student predicts with their own runs (all, when the teacher shares)
INPUTS = ("upload", "draw", "test")
DRAWABLE_DATASETS = ("digits", "mnist")  # handwritten digits: a drawing is the kind of picture they learned
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]  # core.images checks the content
CANVAS_PX = 280  # the square drawing area; the digits model shrinks it to 32 x 32
STROKE_PX = (10, 80, 44)  # pen width (lowest, highest, default); the digits' strokes are ~2 of 8 px wide,
# so thick lines match them best: script-drawn strokes of 0-9 were all read right at 44-60 px (a 7 not below 44)
TOP_K = (1, 10, 5)  # classes in the bar chart (lowest, highest, default)
BATCH_TOP = 3  # classes in the table's top-3 column
TEST_SAMPLES = (4, 32, 12)  # test samples shown (lowest, highest, default)
MAX_CHANNELS = 64  # feature maps shown per layer; VGG's 512 would be a wall of tiles
PREVIEW_PX = 160  # small pictures (32 x 32) are enlarged to about this, pixels kept square
GALLERY_PX = 80  # test samples in the gallery
GALLERY_COLUMNS = 8
CAM_PX = 224  # the Grad-CAM overlay and the picture beside it
FILTER_PX = 60  # one first-layer kernel


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
        return decode_image(_data, name, **upload_limits(SETTINGS))
    except UserError as exc:
        return exc.message


@st.cache_resource(max_entries=32, show_spinner=False)
def predict_pictures(_loaded: LoadedModel, model_key: str, picture_ids: tuple[str, ...], _pictures: list) -> list:
    """Return one Prediction per picture, through the model's saved preprocessing (cached per model and files)."""
    return predict(_loaded, _pictures, k=TOP_K[1])


@st.cache_data(max_entries=16, show_spinner=False)
def sample_set(_loaded: LoadedModel, model_key: str, n: int, seed: int) -> list[TestSample]:
    """Return ``n`` samples of the model's test split, fixed by ``seed``, under this server's limits."""
    return test_samples(_loaded, n, seed, ROOM.limits)


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
            st.caption(f"{decoded.name}: {note.text(lang())}")
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
        decoded = decode_image(drawing.image_bytes, "drawing.png", **upload_limits(SETTINGS))
    except UserError as exc:
        show(exc.message)
        return [], []
    return [Shown(decoded.name, decoded.image, None, None)], predict(loaded, [decoded.image], k=TOP_K[1])


def test_input(loaded: LoadedModel, model_key: str) -> tuple[list[Shown], list[Prediction]]:
    """Draw the test-set controls and gallery; return the samples and their predictions."""
    S.setdefault("predict.n_test", TEST_SAMPLES[2])
    S.setdefault("predict.seed", 0)
    count, again = st.columns([3, 1], vertical_alignment="bottom")
    n = count.slider(t("predict.n_test"), *TEST_SAMPLES[:2], key="predict.n_test")
    again.button(t("predict.new_samples"), key="predict.new_samples", on_click=next_samples, icon=":material/casino:")
    try:
        samples = sample_set(loaded, model_key, n, S["predict.seed"])
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
        caption = t("predict.gallery_caption", true=loaded.classes[sample.label], predicted=prediction.label, mark=mark)
        columns[i % GALLERY_COLUMNS].image(
            pictures.enlarged(sample.picture, GALLERY_PX), caption=caption, width="stretch"
        )
    return shown, predictions


def results_table(loaded: LoadedModel, shown: list[Shown], predictions: list[Prediction]) -> None:
    """Show one row per picture (file, top class, probability, top-3), downloadable as CSV."""
    rows = []
    for item, prediction in zip(shown, predictions, strict=True):
        row = {
            t("predict.col_sample" if item.label is not None else "predict.col_file"): item.name,
            t("predict.col_top"): prediction.label,
            t("predict.col_probability"): prediction.probability,
            t("predict.col_top3"): ", ".join(f"{name} ({p:.1%})" for _, name, p in prediction.top[:BATCH_TOP]),
        }
        if item.label is not None:
            row[t("predict.col_true")] = loaded.classes[item.label]
            row[t("predict.col_right")] = (
                t("predict.right_mark") if prediction.index == item.label else t("predict.wrong_mark")
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={t("predict.col_probability"): st.column_config.NumberColumn(format="percent")},
        key="predict.table",
    )
    st.download_button(
        t("predict.download_csv"),
        table.to_csv(index=False).encode("utf-8"),
        file_name="predictions.csv",
        mime="text/csv",
        key="predict.download_csv",
        icon=":material/download:",
    )


def pick_one(shown: list[Shown], predictions: list[Prediction]) -> int:
    """Draw the choice of which picture to look at closely; return its index."""
    if len(shown) == 1:
        return 0
    valid_index("predict.item", len(shown))
    labels = [f"{s.name} → {p.label} ({p.probability:.0%})" for s, p in zip(shown, predictions, strict=True)]
    return st.selectbox(t("predict.item"), range(len(shown)), format_func=labels.__getitem__, key="predict.item")


def preprocessing_section(loaded: LoadedModel, item: Shown) -> torch.Tensor:
    """Show the picture step by step as the model receives it; return the model input (C, H, W)."""
    st.subheader(t("predict.preprocessing"))
    if item.x is None:
        steps = prepare_steps(loaded, item.picture)  # the preprocessing saved with the model, as in training
        p = loaded.preprocessing
        st.caption(
            t(
                "predict.preprocessing_caption",
                mode=p.mode,
                invert=t("predict.yes") if p.invert else t("predict.no"),
                resize=p.resize,
                size=" × ".join(map(str, p.size)),
                mean=", ".join(f"{m:.4g}" for m in p.mean),
                std=", ".join(f"{s:.4g}" for s in p.std),
            )
        )
    else:
        st.caption(t("predict.test_preprocessed"))
        steps = [("predict.step_model_view", item.picture), ("data.step_normalize", item.x)]
    *stages, (tensor_key, x) = steps
    columns = st.columns([1] * max(len(stages), 3) + [2])  # a lone picture keeps the size it has in a row
    columns = [*columns[: len(stages)], columns[-1]]
    for column, (key, picture) in zip(columns, stages, strict=False):
        width, height = picture.size
        column.image(
            pictures.enlarged(picture, PREVIEW_PX) if max(picture.size) < PREVIEW_PX else picture,
            caption=f"{t(key)} · {width} × {height} · {picture.mode}",
            width="stretch",
        )
    with columns[-1]:
        title = f"{t(tensor_key)} · x.shape = {tuple(x.shape)}"
        plot(figures.tensor_heatmap_figure(x.numpy(), title=title), key="predict.fig_tensor")
        st.caption(t("predict.tensor_caption", shape=tuple(x.shape), batched=(1, *x.shape)))
    return x


def prediction_section(loaded: LoadedModel, item: Shown, prediction: Prediction) -> None:
    """Show the most likely classes as bars and, for a test sample, whether the model was right."""
    st.subheader(t("predict.prediction"))
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.metric(t("predict.top_class"), prediction.label)
        st.metric(t("predict.probability"), f"{prediction.probability:.1%}")
        if item.label is not None:
            true = loaded.classes[item.label]
            if prediction.index == item.label:
                st.success(t("predict.right", true=true))
            else:
                st.error(t("predict.wrong", true=true, predicted=prediction.label))
    with right:
        most = len(prediction.top)
        k = most
        if most > 1:
            S.setdefault("predict.k", min(TOP_K[2], most))
            if S["predict.k"] > most:
                S["predict.k"] = most
            k = st.slider(t("predict.k"), 1, most, key="predict.k")
        true = loaded.classes[item.label] if item.label is not None else None
        top = [(name, p) for _, name, p in prediction.top[:k]]
        plot(
            figures.probabilities_figure(top, true_label=true, x_title=t("predict.probability")), key="predict.fig_top"
        )
        st.caption(t("predict.softmax_caption"))


def inside_section(loaded: LoadedModel, x: torch.Tensor, prediction: Prediction) -> None:
    """Show the feature maps of a chosen conv layer, the first layer's filters and the Grad-CAM map."""
    st.subheader(t("predict.inside"))
    try:
        maps = feature_maps(loaded, x)  # {layer name: (C_out, H_out, W_out)}
    except UserError as exc:
        show(exc.message, "info")
        return
    names = list(maps)
    if S.get("predict.layer") not in names:
        S["predict.layer"] = names[0]
    shapes = {name: " × ".join(map(str, m.shape)) for name, m in maps.items()}
    layer = st.selectbox(t("predict.layer"), names, format_func=lambda n: f"{n} · {shapes[n]}", key="predict.layer")
    values = maps[layer].numpy()
    st.image(
        pictures.feature_maps_grid(values[:MAX_CHANNELS]),
        caption=t("predict.maps_caption", layer=layer, shown=min(len(values), MAX_CHANNELS), channels=len(values)),
    )
    filters, cam = st.columns(2, gap="large")
    with filters:
        st.markdown(f"**{t('predict.filters')}**")
        name, weights = first_layer_filters(loaded)  # (C_out, C_in / groups, kH, kW)
        st.image(
            pictures.filters_grid(weights.numpy(), tile_px=FILTER_PX),
            caption=t("predict.filters_caption", layer=name, shape=tuple(weights.shape)),
        )
    with cam:
        st.markdown(f"**{t('predict.cam', cls=prediction.label)}**")
        heat = grad_cam(loaded, x, prediction.index)  # (H, W) in [0, 1]
        seen = loaded.preprocessing.to_image(x)  # what the model saw: its input, normalisation undone
        scale = max(1, CAM_PX // max(seen.size))
        left, right = st.columns(2)
        left.image(pictures.enlarged(seen, CAM_PX), caption=t("predict.model_view"))
        right.image(
            pictures.grad_cam_overlay(np.asarray(seen), heat.numpy(), scale=scale),
            caption=t("predict.cam_caption", cls=prediction.label),
        )


# --- the page --------------------------------------------------------------------------------------------------

st.title(t("predict.title"))
st.write(t("predict.intro"))

labels = model_labels(ROOM)
input_kind = None  # set once the page draws the choice of input (a table model has none): only then in the URL
read_input = choice_param("input", "predict.input", lambda: INPUTS).read
URL = PageUrl("predict", [model_param(list(labels)), Param("input", read_input, lambda: input_kind)])
for problem in URL.read():
    show(problem, "warning")
opened = model_section(ROOM, labels)
if opened is None:
    URL.write()
    st.stop()
loaded, choice, model_key = opened
if loaded.preprocessing is None:  # a table model: no pictures to show it
    show(Message("inference.not_image_model", {"source": loaded.source}), "info")
    URL.write()
    st.stop()

st.subheader(t("predict.inputs"))
input_kind = input_picker(loaded)
if input_kind == "draw":
    shown, predictions = draw_input(loaded)
elif input_kind == "test":
    shown, predictions = test_input(loaded, model_key)
else:
    shown, predictions = upload_input(loaded, model_key)
URL.write()

if shown:
    if len(shown) > 1:
        st.subheader(t("predict.batch", n=len(shown)))
        results_table(loaded, shown, predictions)
    index = pick_one(shown, predictions)
    item, prediction = shown[index], predictions[index]
    x = preprocessing_section(loaded, item)
    prediction_section(loaded, item, prediction)
    inside_section(loaded, x, prediction)
