"""Predict: run a trained model on your own pictures, a drawing or its test set, and see what it sees.

URL parameters (read and written here): model (`bundled:<name>`, `run:<run id>`, or `upload` for the model
uploaded in this session), input (`upload`, `draw` or `test`).
Session-state keys: widget keys start with "predict." and live only on this page. Besides the widgets:
"predict.uploaded" holds the model uploaded in this session (a LoadedModel), "predict.uploaded_key" the
cache key of its files, "predict.upload_error" why the last model upload was refused (a Message),
"predict.seed" which test samples are drawn, "predict._url" the URL parameters last written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import figures, pictures
from core.i18n import Message, UserError, escape_markdown
from core.inference import Prediction, doubts, feature_maps, first_layer_filters, grad_cam, prepare_steps
from core.model_files import LoadedModel
from ui.app import settings, start_page
from ui.classroom import open_classroom
from ui.model_picker import model_labels, model_param, model_section
from ui.predict_inputs import INPUTS, TOP_K, Shown, draw_input, input_picker, test_input, upload_input
from ui.text import show
from ui.urlstate import PageUrl, Param, choice_param
from ui.widgets import index_select, plot

t = start_page()

S = st.session_state
SETTINGS = settings()
ROOM = open_classroom()  # in class mode, a student predicts with their own runs (all, when the teacher shares)
BATCH_TOP = 3  # classes in the table's top-3 column
MAX_CHANNELS = 64  # feature maps shown per layer; VGG's 512 would be a wall of tiles
PREVIEW_PX = 160  # small pictures (32 x 32) are enlarged to about this, pixels kept square
CAM_PX = 224  # the Grad-CAM overlay and the picture beside it
FILTER_PX = 60  # one first-layer kernel


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
    labels = [f"{s.name} → {p.label} ({p.probability:.0%})" for s, p in zip(shown, predictions, strict=True)]
    return index_select(t("predict.item"), labels, "predict.item")


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
                resize=t("predict.fit_ink_resize") if p.fit_ink else p.resize,
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
        title = f"{t(tensor_key)}<br>x.shape = {tuple(x.shape)}"  # two lines: a narrow column cuts one long one
        plot(figures.tensor_heatmap_figure(x.numpy(), title=title), key="predict.fig_tensor")
        st.caption(t("predict.tensor_caption", shape=tuple(x.shape), batched=(1, *x.shape)))
    return x


@st.fragment  # moving top-k reruns this section alone
def prediction_section(loaded: LoadedModel, item: Shown, x: torch.Tensor, prediction: Prediction) -> None:
    """Show the most likely classes as bars, whether to trust them and, for a test sample, whether the model was right."""
    st.subheader(t("predict.prediction"))
    warnings = doubts(loaded, x, prediction)
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.metric(t("predict.guess" if warnings else "predict.top_class"), escape_markdown(prediction.label))
        st.metric(t("predict.probability"), f"{prediction.probability:.1%}")
        for warning in warnings:
            show(warning, "warning")
        if item.label is not None:
            true = escape_markdown(loaded.classes[item.label])
            if prediction.index == item.label:
                st.success(t("predict.right", true=true))
            else:
                st.error(t("predict.wrong", true=true, predicted=escape_markdown(prediction.label)))
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
    with st.expander(t("predict.why_wrong_title"), expanded=bool(warnings)):
        st.markdown(t("predict.why_wrong"))


@st.fragment  # another layer reruns this section alone
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
        st.markdown(f"**{t('predict.cam', cls=escape_markdown(prediction.label))}**")
        heat = grad_cam(loaded, x, prediction.index)  # (H, W) in [0, 1]
        seen = loaded.preprocessing.to_image(x)  # what the model saw: its input, normalisation undone
        scale = max(1, CAM_PX // max(seen.size))
        left, right = st.columns(2)
        left.image(pictures.enlarged(seen, CAM_PX), caption=t("predict.model_view"))
        right.image(
            pictures.grad_cam_overlay(np.asarray(seen), heat.numpy(), scale=scale),
            caption=t(
                "predict.cam_caption" if heat.max() > 0 else "predict.cam_blank", cls=escape_markdown(prediction.label)
            ),
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
    shown, predictions = test_input(loaded, model_key, ROOM.limits)
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
    prediction_section(loaded, item, x, prediction)
    inside_section(loaded, x, prediction)
