"""Predict: run a trained model on your own pictures, a drawing or its test set, and see what it sees.

URL parameters (read and written here): model (`bundled:<name>`, `run:<run id>`, or `upload` for the model
uploaded in this session), input (`upload`, `draw` or `test`).
Session-state keys: widget keys start with "predict." and live only on this page. Besides the widgets:
"predict.uploaded" holds the model uploaded in this session (a LoadedModel), "predict.uploaded_key" the
cache key of its files, "predict.upload_error" why the last model upload was refused (a Message),
"predict.seed" which test samples are drawn, "predict._url" the URL parameters last written.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
import torch
from PIL import Image
from streamlit_drawable_canvas import st_canvas

import ui
from core import figures
from core.i18n import Message, UserError
from core.images import DecodedImage, decode_image, upload_limits
from core.inference import (
    LoadedModel,
    Prediction,
    TestSample,
    feature_maps,
    first_layer_filters,
    grad_cam,
    list_bundled,
    load_bundled,
    load_run,
    load_uploaded,
    predict,
    predict_inputs,
    prepare_steps,
    test_samples,
)
from core.runs import MODEL_INFO_FILE, MODEL_WEIGHTS_FILE, RunInfo, RunStore
from core.settings import Settings
from core.urlstate import parse_choice

ui.leave_folder_mode()
t = ui.translator()

S = st.session_state
SETTINGS = Settings.from_env()
ROOM = ui.open_classroom()  # in class mode, a student predicts with their own runs (all, when the teacher shares)
STORE = ROOM.store  # read only: the training page's workers write it
URL_KEYS = ("model", "input")
DEFAULT_MODEL = "bundled:digits_lenet"
UPLOADED = "upload"  # the model choice of the model uploaded in this session
INPUTS = ("upload", "draw", "test")
DRAWABLE_DATASETS = ("digits", "mnist")  # handwritten digits: a drawing is the kind of picture they learned
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]  # core.images checks the content
WEIGHTS_TYPES = ["safetensors", "pt", "pth"]
CANVAS_PX = 280  # the square drawing area; the digits model shrinks it to 32 x 32
STROKE_PX = (10, 80, 44)  # pen width (lowest, highest, default); the digits' strokes are ~2 of 8 px wide,
# so thick lines match them best: script-drawn strokes of 0-9 were all read right at 44-60 px (a 7 not below 44)
TOP_K = (1, 10, 5)  # classes in the bar chart (lowest, highest, default)
BATCH_TOP = 3  # classes in the table's top-3 column
TEST_SAMPLES = (4, 32, 12)  # test samples shown (lowest, highest, default)
MAX_CHANNELS = 64  # feature maps shown per layer; VGG's 512 would be a wall of tiles
MAX_CLASS_NAMES = 20  # class names listed under the model's facts
PREVIEW_PX = 160  # small pictures (32 x 32) are enlarged to about this, pixels kept square
GALLERY_PX = 80  # test samples in the gallery
GALLERY_COLUMNS = 8
CAM_PX = 224  # the Grad-CAM overlay and the picture beside it
FILTER_PX = 60  # one first-layer kernel
RUN_LIST_TTL_S = 5  # the list of runs is re-read this often: a run saves a model after each epoch


class Shown(NamedTuple):
    """One picture on its way through the model."""

    name: str  # file name, "drawing.png" or the test sample's row
    picture: Image.Image  # as uploaded or drawn; for a test sample, what the model sees
    x: torch.Tensor | None  # the model input (C, H, W) when already made (test samples), else None
    label: int | None  # the true class of a test sample


# --- where models come from ------------------------------------------------------------------------------


@st.cache_data(ttl=RUN_LIST_TTL_S, max_entries=4, show_spinner=False)
def runs_with_model(runs_dir: str) -> list[RunInfo]:
    """Return every run that saved a model, newest first (the viewer's own are picked from these).

    A run saves its model after each epoch, so a running one is listed with its latest weights.
    """
    store = RunStore(Path(runs_dir))
    found = []
    for run in store.list_runs():
        try:
            names = {p.name for p in store.model_files(run.run_id)}
        except UserError:  # deleted since it was listed
            continue
        if {MODEL_INFO_FILE, MODEL_WEIGHTS_FILE} <= names:
            found.append(run)
    return found


def model_labels(runs: list[RunInfo]) -> dict[str, str]:
    """Return {model choice: what the model picker shows} for every model this viewer may choose."""
    labels = {f"bundled:{name}": t("predict.model_bundled", name=name) for name in list_bundled()}
    for run in runs:
        if not ROOM.viewer.can_read(run, ROOM.sharing):
            continue
        labels[f"run:{run.run_id}"] = t(
            "predict.model_run",
            run_id=run.run_id,
            model=str(run.config.get("model", "?")),
            dataset=str(run.config.get("dataset", "?")),
            state=t(f"predict.state_{run.status.state}"),
        )
    if "predict.uploaded" in S:
        labels[UPLOADED] = t("predict.model_uploaded", name=S["predict.uploaded"].source.partition(":")[2])
    return labels


@st.cache_resource(max_entries=8, show_spinner=False)
def run_model(runs_dir: str, run_id: str, version: str) -> LoadedModel:
    """Return a run's model, loaded once per version of its files and shared (it is never changed)."""
    return load_run(RunStore(Path(runs_dir)), run_id)


def open_model(choice: str) -> tuple[LoadedModel, str]:
    """Return the chosen model and a key that changes whenever its weights do (what the caches key on)."""
    kind, _, name = choice.partition(":")
    if kind == "bundled":
        return load_bundled(name), choice  # loaded once per process (core.inference caches it)
    if kind == "run":
        # the trainer replaces the model files atomically after each epoch: their times name the version
        try:
            ROOM.read(name)  # another student's run is "not found" unless the teacher shares
            version = "-".join(str(p.stat().st_mtime_ns) for p in STORE.model_files(name))
        except OSError:  # deleted since the runs were listed
            raise UserError(Message("runs.no_model", {"run_id": name})) from None
        return run_model(str(SETTINGS.runs_dir), name, version), f"{choice}@{version}"
    return S["predict.uploaded"], S["predict.uploaded_key"]


def load_upload_model() -> None:
    """Callback: load the uploaded weights and model.json, or keep why they were refused."""
    weights, info = S.get("predict.upload_weights"), S.get("predict.upload_json")
    S["predict.upload_error"] = None
    if weights is None or info is None:
        S["predict.upload_error"] = Message("predict.upload_both")
        return
    try:
        loaded = load_uploaded(weights.getvalue(), weights.name, info.getvalue())
    except UserError as exc:
        S["predict.upload_error"] = exc.message
        return
    S["predict.uploaded"] = loaded
    S["predict.uploaded_key"] = f"upload:{weights.file_id}:{info.file_id}"
    S["predict.model"] = UPLOADED


# --- URL state -----------------------------------------------------------------------------------------------


def read_url(choices: list[str]) -> list[Message]:
    """Copy the link's model and input into the page when the URL came from outside; return its problems."""
    params = {k: st.query_params[k] for k in URL_KEYS if k in st.query_params}
    if params == S.get("predict._url"):
        return []
    problems = []
    if "model" in params:
        raw = params["model"]
        if raw in choices:
            S["predict.model"] = raw
        else:
            close = difflib.get_close_matches(raw, choices, n=3, cutoff=0.5)
            used = close[0] if close else (DEFAULT_MODEL if DEFAULT_MODEL in choices else choices[0])
            S["predict.model"] = used
            key = "predict.url_upload_gone" if raw == UPLOADED else "predict.url_unknown_model"
            params_shown = {"value": raw[:80], "used": used, "close": ", ".join(close or choices[:5])}
            problems.append(Message(key, params_shown))
    if "input" in params:
        S["predict.input"], problem = parse_choice(params["input"], "input", INPUTS, INPUTS[0])
        problems += [problem] if problem else []
    return problems


def write_url(choice: str, input_kind: str | None) -> None:
    """Put the model (and the input kind) in the URL, so the view can be shared as a link."""
    params = {"model": choice, **({"input": input_kind} if input_kind else {})}
    for k in URL_KEYS:
        if k not in params and k in st.query_params:
            del st.query_params[k]
    st.query_params.update(params)
    S["predict._url"] = params


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
    """Return ``n`` samples of the model's test split, fixed by ``seed`` (rebuilding the split takes a while)."""
    return test_samples(_loaded, n, seed)


def next_samples() -> None:
    """Callback: draw other test samples."""
    S["predict.seed"] = S.get("predict.seed", 0) + 1


def enlarged(picture: Image.Image, target_px: int = PREVIEW_PX) -> np.ndarray:
    """Return a small picture enlarged by repeating pixels (a 32 x 32 input stays crisp, not blurred)."""
    scale = max(1, target_px // max(picture.size))
    return figures.image_grid([np.asarray(picture)], 1, scale=scale)


# --- sections -------------------------------------------------------------------------------------------------


def model_section() -> tuple[LoadedModel, str, str] | None:
    """Draw the model picker, the model upload and the model's facts; return (model, choice, cache key)."""
    labels = model_labels(runs_with_model(str(SETTINGS.runs_dir)))
    linked = st.query_params.get("model", "")
    if linked.startswith("run:") and linked not in labels:  # perhaps a run newer than the listing: look again
        runs_with_model.clear()
        labels = model_labels(runs_with_model(str(SETTINGS.runs_dir)))
    choices = list(labels)
    for problem in read_url(choices):
        ui.show(problem, "warning")
    if S.get("predict.model") not in choices:
        S["predict.model"] = DEFAULT_MODEL if DEFAULT_MODEL in choices else choices[0]
    choice = st.selectbox(t("predict.model"), choices, format_func=labels.get, key="predict.model")

    with st.expander(t("predict.upload_model"), expanded=bool(S.get("predict.upload_error"))):
        st.caption(t("predict.upload_model_help"))
        left, right = st.columns(2)
        ui.file_uploader(t("predict.weights_file"), left, type=WEIGHTS_TYPES, key="predict.upload_weights")
        ui.file_uploader(t("predict.model_json"), right, type=["json"], key="predict.upload_json")
        st.button(
            t("predict.load_model"), key="predict.load_model", on_click=load_upload_model, icon=":material/upload:"
        )
        if S.get("predict.upload_error"):
            ui.show(S["predict.upload_error"])

    try:
        loaded, model_key = open_model(choice)
    except UserError as exc:
        ui.show(exc.message)
        return None
    facts(loaded)
    return loaded, choice, model_key


def facts(loaded: LoadedModel) -> None:
    """Show what the model was trained on: data set, classes, input shape and test accuracy."""
    dataset, classes, shape, accuracy = st.columns(4)
    dataset.metric(t("predict.dataset"), loaded.dataset or "—")
    classes.metric(t("predict.classes"), len(loaded.classes))
    shape.metric(t("predict.input_shape"), " × ".join(map(str, loaded.input_shape)), help=t("predict.input_shape_help"))
    accuracy.metric(
        t("predict.test_acc"),
        "—" if loaded.test_acc is None else f"{loaded.test_acc:.1%}",
        help=t("predict.test_acc_help"),
    )
    names = ", ".join(loaded.classes[:MAX_CLASS_NAMES]) + (" …" if len(loaded.classes) > MAX_CLASS_NAMES else "")
    st.caption(t("predict.class_names", names=names))
    if loaded.info.get("complete") is False:
        st.info(t("predict.still_training", epoch=(loaded.info.get("metrics") or {}).get("epoch", "?")))


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
    files = ui.file_uploader(
        t("predict.images"),
        type=IMAGE_TYPES,
        accept_multiple_files=True,
        key="predict.images",
        help=t("predict.images_help", mb=ui.upload_mb()),
    )
    if not files:
        st.info(t("predict.upload_prompt"))
        return [], []
    shown, ids = [], []
    for file in files:
        decoded = decode_upload(file.file_id, file.name, file.getvalue())
        if isinstance(decoded, Message):
            ui.show(decoded)
            continue
        for note in decoded.notes:
            st.caption(f"{decoded.name}: {note.text(ui.lang())}")
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
        ui.show(exc.message)
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
        ui.show(exc.message)
        return [], []
    predictions = predict_inputs(loaded, torch.stack([s.x for s in samples]), k=TOP_K[1])  # (n, C, H, W)
    shown = [Shown(t("predict.sample_name", index=s.index), s.picture, s.x, s.label) for s in samples]
    right = sum(p.index == s.label for p, s in zip(predictions, samples, strict=True))
    st.caption(t("predict.test_caption", right=right, n=len(samples)))
    columns = st.columns(GALLERY_COLUMNS)
    for i, (sample, prediction) in enumerate(zip(samples, predictions, strict=True)):
        mark = "✓" if prediction.index == sample.label else "✗"
        caption = t("predict.gallery_caption", true=loaded.classes[sample.label], predicted=prediction.label, mark=mark)
        columns[i % GALLERY_COLUMNS].image(enlarged(sample.picture, GALLERY_PX), caption=caption, width="stretch")
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
    ui.valid_index("predict.item", len(shown))
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
    *pictures, (tensor_key, x) = steps
    columns = st.columns([1] * max(len(pictures), 3) + [2])  # a lone picture keeps the size it has in a row
    columns = [*columns[: len(pictures)], columns[-1]]
    for column, (key, picture) in zip(columns, pictures, strict=False):
        width, height = picture.size
        column.image(
            enlarged(picture) if max(picture.size) < PREVIEW_PX else picture,
            caption=f"{t(key)} · {width} × {height} · {picture.mode}",
            width="stretch",
        )
    with columns[-1]:
        title = f"{t(tensor_key)} · x.shape = {tuple(x.shape)}"
        ui.plot(figures.tensor_heatmap_figure(x.numpy(), title=title), key="predict.fig_tensor")
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
        ui.plot(
            figures.probabilities_figure(top, true_label=true, x_title=t("predict.probability")), key="predict.fig_top"
        )
        st.caption(t("predict.softmax_caption"))


def inside_section(loaded: LoadedModel, x: torch.Tensor, prediction: Prediction) -> None:
    """Show the feature maps of a chosen conv layer, the first layer's filters and the Grad-CAM map."""
    st.subheader(t("predict.inside"))
    try:
        maps = feature_maps(loaded, x)  # {layer name: (C_out, H_out, W_out)}
    except UserError as exc:
        ui.show(exc.message, "info")
        return
    names = list(maps)
    if S.get("predict.layer") not in names:
        S["predict.layer"] = names[0]
    shapes = {name: " × ".join(map(str, m.shape)) for name, m in maps.items()}
    layer = st.selectbox(t("predict.layer"), names, format_func=lambda n: f"{n} · {shapes[n]}", key="predict.layer")
    values = maps[layer].numpy()
    st.image(
        figures.feature_maps_grid(values[:MAX_CHANNELS]),
        caption=t("predict.maps_caption", layer=layer, shown=min(len(values), MAX_CHANNELS), channels=len(values)),
    )
    filters, cam = st.columns(2, gap="large")
    with filters:
        st.markdown(f"**{t('predict.filters')}**")
        name, weights = first_layer_filters(loaded)  # (C_out, C_in / groups, kH, kW)
        st.image(
            figures.filters_grid(weights.numpy(), tile_px=FILTER_PX),
            caption=t("predict.filters_caption", layer=name, shape=tuple(weights.shape)),
        )
    with cam:
        st.markdown(f"**{t('predict.cam', cls=prediction.label)}**")
        heat = grad_cam(loaded, x, prediction.index)  # (H, W) in [0, 1]
        seen = loaded.preprocessing.to_image(x)  # what the model saw: its input, normalisation undone
        scale = max(1, CAM_PX // max(seen.size))
        left, right = st.columns(2)
        left.image(enlarged(seen, CAM_PX), caption=t("predict.model_view"))
        right.image(
            figures.grad_cam_overlay(np.asarray(seen), heat.numpy(), scale=scale),
            caption=t("predict.cam_caption", cls=prediction.label),
        )


# --- the page --------------------------------------------------------------------------------------------------

st.title(t("predict.title"))
st.write(t("predict.intro"))

opened = model_section()
if opened is None:
    write_url(S["predict.model"], None)
    st.stop()
loaded, choice, model_key = opened
if loaded.preprocessing is None:  # a table model: no pictures to show it
    ui.show(Message("inference.not_image_model", {"source": loaded.source}), "info")
    write_url(choice, None)
    st.stop()

st.subheader(t("predict.inputs"))
input_kind = input_picker(loaded)
if input_kind == "draw":
    shown, predictions = draw_input(loaded)
elif input_kind == "test":
    shown, predictions = test_input(loaded, model_key)
else:
    shown, predictions = upload_input(loaded, model_key)
write_url(choice, input_kind)

if shown:
    if len(shown) > 1:
        st.subheader(t("predict.batch", n=len(shown)))
        results_table(loaded, shown, predictions)
    index = pick_one(shown, predictions)
    item, prediction = shown[index], predictions[index]
    x = preprocessing_section(loaded, item)
    prediction_section(loaded, item, prediction)
    inside_section(loaded, x, prediction)
