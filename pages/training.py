"""Training: pick data, a model and hyper-parameters, start a run, watch it live, compare runs.

This file holds the layout, the URL and the job queue; the form is drawn by ui.training_form, the
data preview by ui.data_preview, the live area by ui.run_views and the run list by ui.run_list, in
the order the reader sees them.
URL parameters (read and written here): every form setting (ui.training_url, e.g. epochs, lr, spec),
run (the watched run id), preset (a key of core.presets.PRESETS);
read once: recipe (a teacher's recipe id, from the home page: fills the form, then leaves the URL).
Session-state keys: widget keys start with "train." and live only on this page, except
``ui.keys.TRAIN_SPEC``: a ModelSpec dict that the Architecture page sets ("Train this model") and this page reads.
"train.run" holds the watched run id (also the `run` URL parameter); "train.records" the metrics of
that run read so far ({"run_id", "since", "records"}), so each refresh reads only the new lines.
"train.source" says where the model comes from ("preset" or "architecture"); the run list's widgets
are "train.selected" and "train.compare". Flags between a callback and the next run: "train._start"
(start the form's run), "train._problem" (a run-list action failed) and "train._spec_seen" (the
Architecture page's spec already taken).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
import torch

from core import classroom
from core.config import TrainConfig
from core.datasets import DATASETS, UPLOAD_KINDS
from core.i18n import Message, UserError
from core.presets import PRESETS
from core.runs import check_run_id
from core.urlstate import parse_choice
from ui import keys
from ui.app import settings, start_page
from ui.classroom import open_classroom
from ui.data_preview import arithmetic_ui, preview_ui
from ui.run_list import runs_ui, tensorboard_ui
from ui.run_views import live_ui
from ui.text import lang, show
from ui.training_form import (
    DEFAULT_PRESET,
    DEFAULTS,
    FORM_DEFAULTS,
    ask_to_start,
    data_ui,
    fill_form,
    fit_problem,
    fitting_presets,
    hyper_ui,
    learn_links,
    model_ui,
    recipes_ui,
)
from ui.training_upload import data_preview_of, run_files
from ui.training_url import form_params
from ui.urlstate import PageUrl, Param

t = start_page()

S = st.session_state
SETTINGS = settings()
CLASS = open_classroom()  # the job queue and the run store, as this viewer may see and change them
STORE = CLASS.store


# --- URL state -------------------------------------------------------------------------------------


def read_run(raw: str) -> Message | None:
    """`run`: watch that run, if this viewer may see it (a deleted run, or another student's, is "not found")."""
    S["train.run"] = None
    try:
        run_id = check_run_id(raw)
        CLASS.read(run_id)
        S["train.run"] = run_id
    except UserError as exc:
        return exc.message
    return None


def read_preset(raw: str) -> Message | None:
    """`preset`: select that preset, with a data set it trains on."""
    preset, problem = parse_choice(raw, "preset", list(PRESETS), DEFAULT_PRESET)
    S["train.source"] = "preset"
    S["train.preset"] = preset
    dataset = S.get("train.dataset", DEFAULTS.dataset)
    if dataset in DATASETS and preset not in fitting_presets(dataset):  # an upload's fit is known once it is in
        fitting = [d for d in DATASETS if preset in fitting_presets(d)]
        if fitting:  # show the preset with a data set it trains on
            S["train.dataset"] = fitting[0]
        else:
            problem = problem or Message("training.preset_fits_nothing", {"preset": preset})
    return problem


def read_recipe(raw: str) -> Message | None:
    """`recipe`: fill the form with a teacher's recipe (the parameter then leaves the URL)."""
    recipe = next((r for r in CLASS.board.recipes if r.recipe_id == raw), None)
    if recipe is None:
        return Message("class.recipe_gone", {"value": raw[:40]})
    fill_form(recipe.config)
    S["train._loaded_recipe"] = recipe.title
    return None


URL = PageUrl(
    "training",
    [
        *form_params(),  # every setting of the form, before the preset (which may need another data set)
        Param("run", read_run, lambda: S.get("train.run") or None),
        # the preset the form shows, when the model is a preset (set below, before URL.write())
        Param("preset", read_preset, lambda: preset if S.get("train.source", "preset") == "preset" else None),
        Param("recipe", read_recipe, lambda: None),
    ],
)


def receive_spec() -> None:
    """When a model has just arrived from the Architecture page, select it, with the first data set it fits."""
    spec = S.get(keys.TRAIN_SPEC)
    if spec is None or S.get("train._spec_seen") == spec:
        return
    S["train._spec_seen"] = spec
    S["train.source"] = "architecture"
    fitting = [d for d in DATASETS if fit_problem(spec, d) is None]
    if fitting and S.get("train.dataset") not in fitting:
        S["train.dataset"] = fitting[0]


# --- callbacks -----------------------------------------------------------------------------------------


def publish_recipe(config: TrainConfig) -> None:
    """Callback (teacher): put the form's config on the class board under the typed title."""
    try:
        classroom.publish_recipe(STORE, S.get("train.publish_title", ""), config.to_dict())
        S["train._published"] = S["train.publish_title"]
    except UserError as exc:
        S["train._publish_problem"] = exc.message


def start(config: TrainConfig, files: Callable[[], dict[str, bytes]] | None = None) -> None:
    """Queue ``config`` (with the ``files()`` it starts with: an upload's data set) and watch the new run."""
    try:
        S["train.run"] = CLASS.submit(config, files() if files is not None else None)
    except UserError as exc:  # a limit of this server: the queue is full, one run per student, ...
        show(exc.message)
        # and where the student is: a recipe's button is at the top, this message under the form
        st.toast(exc.message.text(lang(), markdown=True), icon=":material/block:", duration="long")


def publish_ui(config: TrainConfig) -> None:
    """Teacher mode: publish the form as a recipe students see on the home page."""
    with st.expander(t("class.publish_recipe"), icon=":material/campaign:"):
        st.text_input(t("class.publish_title"), key="train.publish_title", max_chars=classroom.MAX_TITLE)
        st.button(t("class.publish"), key="train.publish", on_click=publish_recipe, args=(config,))
        if "train._published" in S:
            show(Message("class.published", {"title": S.pop("train._published")}), "success")
        if "train._publish_problem" in S:
            show(S.pop("train._publish_problem"))


# --- the page ------------------------------------------------------------------------------------------------

st.title(t("training.title"))
st.write(t("training.intro"))
learn_links()
for problem in URL.read():
    show(problem, "warning")
for field, value in FORM_DEFAULTS.items():
    S.setdefault(f"train.{field}", value)
receive_spec()
S.setdefault("train.source", "preset")

recipes_ui(CLASS)
data_column, model_column, hyper_column = st.columns([1, 1, 1.4], gap="large")
with data_column:
    info = data_ui()
with model_column:
    spec_dict, preset = model_ui(info)
with hyper_column:
    hyper = hyper_ui(info is not None and info.kind == "image", spec_dict)

problems: list[Message] = []  # shown above Start, which stays disabled while there are any
if spec_dict is not None and (fit := fit_problem(spec_dict, info)) is not None:
    problems.append(fit)
image_size = spec_dict["input_shape"][-1] if spec_dict and info.kind == "image" and not problems else None
max_samples = int(S["train.max_samples"]) or None
upload = info is not None and info.key in UPLOAD_KINDS  # a student's zip or CSV, read on this page
preview = data_preview_of(info, image_size, float(S["train.val_fraction"]), hyper["seed"], max_samples)
with data_column:
    preview_ui(preview)  # also says why the data cannot be loaded (torchvision files missing)
if preview["problem"] is None:
    arithmetic_ui(preview["sizes"]["train"], hyper["batch_size"], hyper["epochs"])
if spec_dict is None and not problems:
    problems.append(Message("training.choose_model"))
# a preset by its name; one fitted to a table's columns, or sent from the Architecture page, as its spec
as_is = preset is not None and spec_dict == PRESETS[preset].spec.to_dict()
model_choice = preset if as_is else (spec_dict or DEFAULTS.model)
config = TrainConfig(
    dataset=S["train.dataset"],
    model=model_choice,
    val_fraction=float(S["train.val_fraction"]),
    max_samples=info.samples if upload else max_samples,  # an upload: all it holds, as the limits count it
    **hyper,
)
problems += config.problems()
if preview["problem"] is None:  # data that cannot be loaded has one message (in its column), not a limit too
    problems += CLASS.limits.config_problems(config)
if hyper["device"] == "cuda" and not torch.cuda.is_available():
    problems.append(Message("train.no_cuda"))
if info is None:  # an upload not read (yet): nothing else can be checked
    problems = [Message("training.upload_first")]
for problem in problems:
    show(problem)
st.button(
    t("training.start"),
    key="train.start",
    type="primary",
    disabled=bool(problems) or preview["problem"] is not None,
    on_click=ask_to_start,
    icon=":material/play_arrow:",
)
if S.pop("train._start", False) and not problems and preview["problem"] is None:
    upload_args = (info, image_size, float(S["train.val_fraction"]), hyper["seed"], max_samples)
    start(config, (lambda: run_files(*upload_args)) if upload else None)
if CLASS.viewer.teacher and not problems:
    publish_ui(config)

if S.get("train.run"):
    live_ui(CLASS, S["train.run"])
runs_ui(CLASS)
tensorboard_ui(SETTINGS.runs_dir)
URL.write()
