"""Data pipeline: Dataset and DataLoader made visible: what each iteration gets, ToTensor and Normalize on one pixel,
augmentation as the trainer draws it, and the same pipeline as runnable code.

URL parameters: dataset (a key of core.datasets.DATASETS), batch_size, shuffle and drop_last (0 or 1), seed,
epoch, iteration (1 .. iterations per epoch), padding (crop padding, px), zoom (percent), flip (0 or 1), and
the pixel section's sample (its place in the iteration), row and col.
Session-state keys: every widget key starts with "pipe." and lives only on this page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core import pictures
from core.config import FORM_BOUNDS
from core.data import load_dataset
from core.datasets import DATASETS, DIGIT_CLASSES
from core.i18n import Message, UserError
from core.loop_code import pipeline_script
from core.pipeline import MAX_EPOCH, as_hwc_picture, iterations, loader_batches, pixel_walk, trainer_first_batch
from core.splits import LoadedData
from ui.app import STEP_PAGE, TRAINING_PAGE, start_page
from ui.step_views import unit_pictures
from ui.text import lang, show
from ui.urlstate import PageUrl, Param, choice_param, number_param
from ui.widgets import index_select

t = start_page()
S = st.session_state
BATCH_RANGE = (1, 512)
SEED_MAX = 2**31 - 1
PADDING_MAX = 8
SHOWN = 64  # pictures of one iteration drawn at most
AUGMENT_SHOWN = 16  # pictures of the augmentation preview
MAX_SAMPLE_INDEX = 4096  # past any batch and picture size; the page then keeps them inside this one's
DEFAULTS = {"pipe.batch": 64, "pipe.shuffle": True, "pipe.drop_last": False, "pipe.seed": 0, "pipe.epoch": 1}


@st.cache_resource(max_entries=6, show_spinner=False)
def dataset(key: str) -> LoadedData:
    """Return a data set at its own size, loaded as the trainer loads it; shared read-only by every session."""
    info = DATASETS[key]
    return load_dataset(key, input_size=info.input_shape[-1] if info.kind == "image" else None, val_fraction=0.1)


@st.cache_data(max_entries=64, show_spinner=False)
def batches(n: int, batch_size: int, shuffle: bool, drop_last: bool, seed: int, epoch: int) -> list[list[int]]:
    return loader_batches(n, batch_size, shuffle, drop_last, seed, epoch)


# --- URL state -------------------------------------------------------------------------------------------


def zoom_param() -> Param:
    """The preview's random zoom, in the URL as whole percent: zoom=20 is ±0.20, rounded to the slider's steps."""
    percent = number_param("zoom", "pipe._zoom_percent", 0, round(FORM_BOUNDS["zoom"][1] * 100), 0)

    def read(raw: str) -> Message | None:
        problem = percent.read(raw)
        S["pipe.zoom"] = round(round(S.pop("pipe._zoom_percent") / 5) * 0.05, 2)
        return problem

    return Param("zoom", read, lambda: str(round(S["pipe.zoom"] * 100)) if "pipe.zoom" in S else None)


URL = PageUrl(
    "pipeline",
    [
        choice_param("dataset", "pipe.dataset", lambda: list(DATASETS), "digits"),
        number_param("batch_size", "pipe.batch", *BATCH_RANGE, DEFAULTS["pipe.batch"]),
        number_param("shuffle", "pipe.shuffle", 0, 1, DEFAULTS["pipe.shuffle"], bool),
        number_param("drop_last", "pipe.drop_last", 0, 1, DEFAULTS["pipe.drop_last"], bool),
        number_param("seed", "pipe.seed", 0, SEED_MAX, DEFAULTS["pipe.seed"]),
        number_param("epoch", "pipe.epoch", 1, MAX_EPOCH, DEFAULTS["pipe.epoch"]),
        Param(
            "iteration",
            number_param("iteration", "pipe._iteration", 1, 10**6, 1).read,
            lambda: str(iteration) if iteration else None,
        ),
        number_param("padding", "pipe.padding", 0, PADDING_MAX, 0),
        zoom_param(),
        number_param("flip", "pipe.flip", 0, 1, False, bool),
        number_param("sample", "pipe.sample", 0, MAX_SAMPLE_INDEX, 0),  # the pixel section's sample, row and column
        number_param("row", "pipe.row", 0, MAX_SAMPLE_INDEX, 0),
        number_param("col", "pipe.col", 0, MAX_SAMPLE_INDEX, 0),
    ],
)


# --- sections ----------------------------------------------------------------------------------------------


def batch_viewer(data: LoadedData) -> int:
    """Draw the DataLoader's settings, the arithmetic and one iteration's samples; return the iteration shown."""
    st.subheader(t("pipe.loader_title"))
    st.write(t("pipe.loader_intro"))
    cols = st.columns(5)
    batch_size = cols[0].number_input("batch_size", *BATCH_RANGE, key="pipe.batch")
    shuffle = cols[1].toggle("shuffle", key="pipe.shuffle")
    drop_last = cols[2].toggle("drop_last", key="pipe.drop_last")
    seed = cols[3].number_input(t("training.seed"), 0, SEED_MAX, key="pipe.seed")
    epoch = cols[4].number_input("epoch", 1, MAX_EPOCH, key="pipe.epoch")
    n = len(data.y_train)
    split = iterations(n, int(batch_size), drop_last)
    rest_key = "pipe.rest_none" if not split.rest else ("pipe.rest_dropped" if drop_last else "pipe.rest_kept")
    st.info(
        t("pipe.arithmetic", n=f"{n:,}", b=split.batch_size, full=split.full, count=split.count)
        + " "
        + t(rest_key, rest=split.rest, b=split.batch_size),
        icon=":material/calculate:",
    )
    order = batches(n, int(batch_size), shuffle, drop_last, int(seed), int(epoch))
    if "pipe._iteration" in S:  # a link's iteration, once the count is known
        asked = S.pop("pipe._iteration")
        S["pipe.iteration"] = min(asked, len(order))
        if asked > len(order):
            limits = {"name": "iteration", "value": asked, "low": 1, "high": len(order), "used": len(order)}
            show(Message("url.out_of_range", limits), "warning")
    if S.get("pipe.iteration", 1) > len(order):
        S["pipe.iteration"] = len(order)
    shown = st.slider(t("pipe.iteration"), 1, max(len(order), 2), key="pipe.iteration", disabled=len(order) < 2)
    shown = min(shown, len(order))
    rows = order[shown - 1]
    labels = [data.classes[int(data.y_train[i])] for i in rows]
    st.caption(t("pipe.iteration_gets", i=shown, count=len(order), size=len(rows), indices=_listed(rows)))
    if data.preprocessing is not None:
        grid = pictures.pictures_grid(unit_pictures(data, data.x_train[rows[:SHOWN]]), n_cols=16, scale=2)
        st.image(grid, caption=t("pipe.labels", labels=_listed(labels[:SHOWN])))
    else:
        table = pd.DataFrame(
            data.x_train[rows[:SHOWN]].numpy().round(3), columns=list(data.standardization.feature_names)
        )
        table.insert(0, "index", rows[:SHOWN])
        table.insert(1, "y", labels[:SHOWN])
        st.dataframe(table, hide_index=True, height=240)
    with st.expander(t("pipe.first_iterations"), icon=":material/format_list_numbered:"):
        st.dataframe(
            pd.DataFrame(
                {
                    t("pipe.col_iteration"): range(1, min(len(order), 12) + 1),
                    t("pipe.col_indices"): [_listed(b) for b in order[:12]],
                }
            ),
            hide_index=True,
        )
    return shown


def _listed(values: list, limit: int = 24) -> str:
    text = ", ".join(map(str, values[:limit]))
    return text + (f", … (+{len(values) - limit})" if len(values) > limit else "")


def pixel_section(data: LoadedData, rows: list[int]) -> None:
    st.subheader(t("pipe.pixel_title"))
    st.write(t("pipe.pixel_intro"))
    left, right = st.columns([1, 2])
    sample = index_select(t("pipe.sample"), [f"#{row}" for row in rows], "pipe.sample", where=left)
    unit = unit_pictures(data, data.x_train[rows[sample] : rows[sample] + 1])[0]  # (C, H, W) in [0, 1]
    picture = as_hwc_picture(torch.as_tensor(unit))  # (H, W, C) uint8: what a photo file decodes to
    h, w = picture.shape[:2]
    for key, size in (("pipe.row", h), ("pipe.col", w)):  # the middle pixel; a link's, inside this picture
        S[key] = min(S.get(key, size // 2), size - 1)
    row = left.slider(t("pipe.row"), 0, h - 1, key="pipe.row")
    col = left.slider(t("pipe.col"), 0, w - 1, key="pipe.col")
    left.image(pictures.marked_pixel(picture[..., 0] if picture.shape[2] == 1 else picture, row, col))
    walk = pixel_walk(picture, row, col, data.preprocessing.mean, data.preprocessing.std)
    lines = [
        f"picture (H, W, C) = {walk.hwc_shape}, uint8      pixel [{row}, {col}] = {walk.raw}",
        f"ToTensor():   (C, H, W) = {walk.chw_shape}, float32   x = value / 255",
    ]
    for c, (raw, unit_v, mean, std, z) in enumerate(
        zip(walk.raw, walk.unit, walk.mean, walk.std, walk.normalized, strict=True)
    ):
        lines.append(f"  channel {c}:  {raw} / 255 = {unit_v:.4f}")
        lines.append(f"Normalize:    ({unit_v:.4f} − {mean}) / {std} = {z:.4f}")
    right.code("\n".join(lines), language=None, wrap_lines=True)
    right.code(
        "transforms.Compose([\n    transforms.ToTensor(),\n"
        f"    transforms.Normalize({list(walk.mean)}, {list(walk.std)}),\n])(picture)[:, {row}, {col}]\n"
        f"# {[round(v, 4) for v in walk.torchvision]}",
        language="python",
        wrap_lines=True,
    )
    (right.success if walk.agrees else right.error)(t("pipe.pixel_agree" if walk.agrees else "pipe.pixel_disagree"))
    right.caption(t("pipe.normalize_note"))


def augmentation_section(data: LoadedData, batch_size: int, seed: int) -> None:
    st.subheader(t("pipe.augment_title"))
    st.write(t("pipe.augment_intro"))
    left, right = st.columns([1, 3])
    padding = left.slider(t("training.crop_padding"), 0, PADDING_MAX, key="pipe.padding")
    zoom = left.slider(t("training.zoom"), *FORM_BOUNDS["zoom"], step=0.05, key="pipe.zoom")
    flip = left.toggle(t("training.flip"), key="pipe.flip", help=t("training.flip_help"))
    if flip and data.classes == DIGIT_CLASSES:
        left.warning(t("pipe.flip_digits"), icon=":material/flip:")
    indices, original, augmented = trainer_first_batch(data.x_train, batch_size, padding, flip, seed, zoom=zoom)
    shown = slice(0, AUGMENT_SHOWN)
    right.image(
        pictures.pictures_grid(unit_pictures(data, original[shown]), n_cols=8, scale=2), caption=t("pipe.as_stored")
    )
    right.image(
        pictures.pictures_grid(unit_pictures(data, augmented[shown]), n_cols=8, scale=2),
        caption=t("pipe.as_trained", padding=padding, zoom=zoom, flip=t("pipe.yes") if flip else t("pipe.no")),
    )
    first = indices[shown].tolist()
    left.caption(
        t("pipe.augment_same_draws", seed=seed, shown=len(first), batch=len(indices), indices=_listed(first, 8))
    )


# --- the page ------------------------------------------------------------------------------------------------

st.title(t("pipe.title"))
st.write(t("pipe.intro"))
iteration = None  # the iteration shown, once known (the `iteration` URL parameter)
for problem in URL.read():
    show(problem, "warning")
for key, value in DEFAULTS.items():
    S.setdefault(key, value)
S.setdefault("pipe.padding", 4)
S.setdefault("pipe.flip", False)  # as the Training form: a mirrored digit is no digit
S.setdefault("pipe.zoom", 0.0)
key = st.selectbox(
    t("training.dataset"), list(DATASETS), format_func=lambda k: t(f"data.title_{k}"), key="pipe.dataset"
)
st.caption(DATASETS[key].about.text(lang()))
try:
    data = dataset(key)
except UserError as exc:
    show(exc.message)
    URL.write()
    st.stop()

iteration = batch_viewer(data)
order = batches(
    len(data.y_train),
    int(S["pipe.batch"]),
    S["pipe.shuffle"],
    S["pipe.drop_last"],
    int(S["pipe.seed"]),
    int(S["pipe.epoch"]),
)
rows = order[iteration - 1]
if data.preprocessing is not None:
    pixel_section(data, rows)
    augmentation_section(data, int(S["pipe.batch"]), int(S["pipe.seed"]))
else:
    st.info(t("pipe.table_note"))

st.subheader(t("pipe.code_title"))
info = DATASETS[key]
script = pipeline_script(
    key, info.input_shape[-1] if info.kind == "image" else None, int(S["pipe.batch"]), S["pipe.shuffle"],
    S["pipe.drop_last"], int(S["pipe.seed"]), int(S["pipe.epoch"]),
)  # fmt: skip
st.code(script, language="python", wrap_lines=True)
st.download_button(
    t("pipe.download"), script, file_name="data_pipeline.py", mime="text/x-python", icon=":material/download:"
)
st.caption(t("pipe.code_caption"))
links = st.container(horizontal=True)
links.page_link(STEP_PAGE, label=t("pipe.to_step"), icon=":material/footprint:")
links.page_link(TRAINING_PAGE, label=t("pipe.to_training"), icon=":material/model_training:")
URL.write()
