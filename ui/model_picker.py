"""The Predict page's model picker: the bundled models, the viewer's runs with a saved model, or an uploaded one.

Session-state keys (the page lists them all): "predict.model" (the choice: `bundled:<name>`,
`run:<run id>` or `upload`), "predict.uploaded" (the model uploaded in this session, a
LoadedModel), "predict.uploaded_key" (the cache key of its files), "predict.upload_error".
"""

from __future__ import annotations

import streamlit as st

from core.classroom import Classroom
from core.i18n import CATALOG, Message, UserError, escape_markdown
from core.model_cache import ModelCache
from core.model_files import LoadedModel, list_bundled, load_bundled, load_run, load_uploaded
from core.run_status import RunInfo
from core.runs import MODEL_INFO_FILE, MODEL_WEIGHTS_FILE, RunStore
from core.suggest import closest
from ui.text import show, t
from ui.urlstate import Param
from ui.widgets import file_uploader, upload_bytes

S = st.session_state
DEFAULT_MODEL = "bundled:digits_lenet"
UPLOADED = "upload"  # the model choice of the model uploaded in this session
WEIGHTS_TYPES = ["safetensors", "pt", "pth"]
MAX_CLASS_NAMES = 20  # class names listed under the model's facts
RUN_LIST_TTL_S = 5  # the list of runs is re-read this often: a run saves a model after each epoch
RUN_MODELS_BYTES = 256 * 2**20  # the runs' models kept loaded, all sessions together (a preset's: 0.1-2.2 MB)


@st.cache_data(ttl=RUN_LIST_TTL_S, max_entries=4, show_spinner=False)
def runs_with_model(runs_dir: str, _store: RunStore) -> list[RunInfo]:
    """Return every run of the store at ``runs_dir`` that saved a model, newest first (the viewer picks from these).

    A run saves its model after each epoch, so a running one is listed with its latest weights.
    """
    # one listing (a query, with the run index), then the model files of each run on the disk
    return [
        r
        for r in _store.list_runs()
        if all((r.path / name).is_file() for name in (MODEL_INFO_FILE, MODEL_WEIGHTS_FILE))
    ]


def model_labels(room: Classroom) -> dict[str, str]:
    """Return {model choice: what the model picker shows} for every model this viewer may choose."""
    runs = runs_with_model(str(room.store.root), room.store)
    linked = st.query_params.get("model", "")
    if linked.startswith("run:") and f"run:{linked[4:]}" not in {f"run:{r.run_id}" for r in runs}:
        runs_with_model.clear()  # perhaps a run newer than the listing: look again
        runs = runs_with_model(str(room.store.root), room.store)
    labels = {f"bundled:{name}": t("predict.model_bundled", name=name) for name in list_bundled()}
    for run in runs:
        if not room.viewer.can_read(run, room.sharing):
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


def model_param(choices: list[str]) -> Param:
    """The `model` URL parameter: one of ``choices``; anything else gets the closest, with a message."""

    def read(raw: str) -> Message | None:
        if raw in choices:
            S["predict.model"] = raw
            return None
        close = closest(raw, choices, cutoff=0.5)
        used = close[0] if close else (DEFAULT_MODEL if DEFAULT_MODEL in choices else choices[0])
        S["predict.model"] = used
        key = "predict.url_upload_gone" if raw == UPLOADED else "predict.url_unknown_model"
        return Message(key, {"value": raw[:80], "used": used, "close": ", ".join(close or choices[:5])})

    return Param("model", read, lambda: S.get("predict.model"))


@st.cache_resource(show_spinner=False)
def run_models() -> ModelCache:
    """Return the runs' models loaded in this process, shared by every session (a model is never changed)."""
    return ModelCache(RUN_MODELS_BYTES)


def open_model(room: Classroom, choice: str) -> tuple[LoadedModel, str]:
    """Return the chosen model and a key that changes whenever its weights do (what the caches key on)."""
    kind, _, name = choice.partition(":")
    if kind == "bundled":
        return load_bundled(name), choice  # loaded once per process (core.inference caches it)
    if kind == "run":
        # the trainer replaces the model files atomically after each epoch: their times name the version
        try:
            room.read(name)  # another student's run is "not found" unless the teacher shares
            version = "-".join(str(p.stat().st_mtime_ns) for p in room.store.model_files(name))
        except OSError:  # deleted since the runs were listed
            raise UserError(Message("runs.no_model", {"run_id": name})) from None
        loaded = run_models().get(f"{room.store.root}:{name}", version, lambda: load_run(room.store, name))
        return loaded, f"{choice}@{version}"
    return S["predict.uploaded"], S["predict.uploaded_key"]


def load_upload_model() -> None:
    """Callback: load the uploaded weights and model.json, or keep why they were refused."""
    weights, info = S.get("predict.upload_weights"), S.get("predict.upload_json")
    S["predict.upload_error"] = None
    if weights is None or info is None:
        S["predict.upload_error"] = Message("predict.upload_both")
        return
    try:
        loaded = load_uploaded(weights.getvalue(), weights.name, info.getvalue(), max_bytes=upload_bytes())
    except UserError as exc:
        S["predict.upload_error"] = exc.message
        return
    S["predict.uploaded"] = loaded
    S["predict.uploaded_key"] = f"upload:{weights.file_id}:{info.file_id}"
    S["predict.model"] = UPLOADED


def model_section(room: Classroom, labels: dict[str, str]) -> tuple[LoadedModel, str, str] | None:
    """Draw the model picker, the model upload and the model's facts; return (model, choice, cache key)."""
    choices = list(labels)
    if S.get("predict.model") not in choices:
        S["predict.model"] = DEFAULT_MODEL if DEFAULT_MODEL in choices else choices[0]
    choice = st.selectbox(t("predict.model"), choices, format_func=labels.get, key="predict.model")

    with st.expander(t("predict.upload_model"), expanded=bool(S.get("predict.upload_error"))):
        st.caption(t("predict.upload_model_help"))
        left, right = st.columns(2)
        file_uploader(t("predict.weights_file"), left, type=WEIGHTS_TYPES, key="predict.upload_weights")
        file_uploader(t("predict.model_json"), right, type=["json"], key="predict.upload_json")
        st.button(
            t("predict.load_model"), key="predict.load_model", on_click=load_upload_model, icon=":material/upload:"
        )
        if S.get("predict.upload_error"):
            show(S["predict.upload_error"])

    try:
        loaded, model_key = open_model(room, choice)
    except UserError as exc:
        show(exc.message)
        return None
    facts(loaded)
    return loaded, choice, model_key


def facts(loaded: LoadedModel) -> None:
    """Show what the model was trained on: data set, classes, input shape and test accuracy."""
    classes, shape, accuracy = st.columns(3)
    classes.metric(t("predict.classes"), len(loaded.classes))
    shape.metric(t("predict.input_shape"), " × ".join(map(str, loaded.input_shape)), help=t("predict.input_shape_help"))
    accuracy.metric(
        t("predict.test_acc"),
        "—" if loaded.test_acc is None else f"{loaded.test_acc:.1%}",
        help=t("predict.test_acc_help"),
    )
    names = ", ".join(map(escape_markdown, loaded.classes[:MAX_CLASS_NAMES]))
    names += " …" if len(loaded.classes) > MAX_CLASS_NAMES else ""
    known = f"data.title_{loaded.dataset}" in CATALOG  # a built-in set by its title; an upload's own word as it is
    data = t(f"data.title_{loaded.dataset}") if known else escape_markdown(loaded.dataset or "—")
    st.caption(t("predict.trained_on", data=data, names=names))
    if loaded.info.get("complete") is False:
        st.info(t("predict.still_training", epoch=(loaded.info.get("metrics") or {}).get("epoch", "?")))
