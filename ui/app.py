"""The app shell's share of every page: the pages in navigation order, a page's first line, the device line.

Why every page starts with :func:`start_page`: Streamlit treats a ``pages/`` folder as an old-style
multipage app until the first run of the main script reaches ``st.navigation``. On a fresh server,
a first visit to a shared link such as ``/convolution`` would run the page file alone, without the
app's navigation, sidebar and settings; :func:`start_page` notices and reruns through
``streamlit_app.py``. (The tests' AppTest forgets the same thing before every run;
``tests/apptest.py`` tells it once, as a warm server knows it.) The folder stays: it is the
app's requested layout.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from pathlib import Path

import streamlit as st
import torch
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

from core.settings import Settings
from ui.text import translator

# (file, title key, description key, icon): the pages in navigation order; home links to each
PAGES = [
    ("pages/home.py", "nav.home", None, ":material/home:"),
    ("pages/convolution.py", "nav.convolution", "home.convolution", ":material/grid_on:"),
    ("pages/architecture.py", "nav.architecture", "home.architecture", ":material/account_tree:"),
    ("pages/pipeline.py", "nav.pipeline", "home.pipeline", ":material/dataset:"),
    ("pages/losses.py", "nav.losses", "home.losses", ":material/functions:"),
    ("pages/step.py", "nav.step", "home.step", ":material/footprint:"),
    ("pages/training.py", "nav.training", "home.training", ":material/model_training:"),
    ("pages/predict.py", "nav.predict", "home.predict", ":material/image_search:"),
    ("pages/practice.py", "nav.practice", "home.practice", ":material/quiz:"),
]
CLASS_PAGE = ("pages/classroom.py", "nav.classroom", None, ":material/groups:")  # in class mode only
FAVICON = str(
    Path(__file__).with_name("favicon.png")
)  # served by the app: a `:material/...:` page icon is fetched from the web
TRAINING_PAGE = "pages/training.py"
ARCHITECTURE_PAGE = "pages/architecture.py"
CONVOLUTION_PAGE = "pages/convolution.py"
LOSSES_PAGE = "pages/losses.py"
STEP_PAGE = "pages/step.py"
PIPELINE_PAGE = "pages/pipeline.py"
PRACTICE_PAGE = "pages/practice.py"


SETTINGS_FRESH_S = 10.0  # settings are read again after this long (a password file, a new CPU quota)
_settings: tuple[tuple, float, Settings] | None = None  # (the STRIDE_* environment, when read, what it gave)


def settings() -> Settings:
    """Return the server's settings, read from the environment again when it changed or SETTINGS_FRESH_S passed.

    Every rerun of every session asks, often several times; reading them means reading the cgroup's
    CPU files (core.cpus), which took about 5% of the server's CPU under a 30-student load test.
    """
    global _settings
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("STRIDE_")))
    held = _settings
    if held is None or held[0] != environment or time.monotonic() - held[1] > SETTINGS_FRESH_S:
        held = _settings = (environment, time.monotonic(), Settings.from_env())
    return held[2]


_frozen_modules = 0  # len(sys.modules) when freeze_long_lived() last froze
# Objects allocated (net) before the youngest generation is collected: Python's 700 made a full
# collection come every few seconds under load; 10,000 (the other two thresholds as Python's)
# took a 30-student run with 2 hostile ones from p95 415 to 264 ms (5 minutes each)
YOUNG_THRESHOLD = 10_000
_freezing = threading.Lock()


def freeze_long_lived() -> None:
    """Put what the server holds for good (modules, their tables, the warm caches) out of the garbage collector's way.

    Python's full collection walks every object it tracks, and with torch, pandas and plotly loaded
    they are many: under a 30-student load test each full collection held the whole server for
    350-490 ms, about every 20 s, and every slider move in flight waited. After ``gc.freeze`` (once
    the pages' modules were loaded) they took 10-90 ms with the honest class (100-300 ms with
    hostile students' fresh tabs among them), and with the collector run less often
    (:data:`YOUNG_THRESHOLD`) the server used 0.67 cores instead of 0.73.
    Called before every page run; it freezes again only when modules were imported since (a page
    opened for the first time), so it collects and freezes a few times in a server's first
    minutes, then never. Objects alive at a freeze are never collected as cycles later: the
    sessions open in those minutes. Only in a ``streamlit run`` server: tests run pages in their
    own process (AppTest).
    """
    global _frozen_modules
    if len(sys.modules) == _frozen_modules or not Runtime.exists() or type(Runtime.instance()) is not Runtime:
        return
    if _freezing.acquire(blocking=False):  # another session's thread is at it: that one will do
        try:
            _frozen_modules = len(sys.modules)
            gc.collect()  # garbage now is not frozen with the rest
            gc.freeze()
            gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        finally:
            _freezing.release()


TRIGGERS = frozenset({"trigger_value", "json_trigger_value", "string_trigger_value"})  # buttons' value types


def forget_gone_widgets() -> None:
    """Drop what Streamlit keeps of the widgets a session no longer shows; call before a run or fragment draws.

    Streamlit drops a widget's value once a run no longer draws it, but keeps its metadata for the
    session's life: its callback with the callback's arguments (a run list, a model), its value
    converters with their options. Every widget id a session ever drew stays (each run's rename
    box, each matrix size's editors, each model's layer editor), and under a 30-minute hostile load
    test the server held 4,834 of them after 5 minutes and 14,197 after 30, for the same 76-95
    sessions. An id the browser sent no value for is not on the page: its metadata goes, unless
    this run drew it already or it belongs to a fragment that is not running now (which would not
    draw it again). Whatever a run draws gets its metadata again. Buttons keep theirs: the browser
    sends a button's value only in the click's own message, and a click that arrives while a run
    is under way ends that run; if the run had dropped the button's metadata and not yet drawn the
    button, the click's callback would find none and be lost (the Ray browser test lost its Start
    this way on a busy machine). (Streamlit internals: does nothing if they change.)
    """
    state, ctx = get_session_state(), get_script_run_ctx()
    widgets = getattr(getattr(state, "_state", None), "_new_widget_state", None)
    metadata, values = getattr(widgets, "widget_metadata", None), getattr(widgets, "states", None)
    drawn = getattr(getattr(getattr(ctx, "shared", None), "widget_ids_this_run", None), "snapshot", None)
    if not isinstance(metadata, dict) or not isinstance(values, dict) or drawn is None:
        return
    running, drawn = ctx.fragment_ids_this_run, drawn()
    with state._lock:
        for widget_id, meta in list(metadata.items()):
            if (
                widget_id not in values
                and widget_id not in drawn
                and meta.value_type not in TRIGGERS
                and (not running or meta.fragment_id in running)
            ):
                del metadata[widget_id]


def start_page():
    """Begin a page: rerun through the app if Streamlit ran this page file alone; return its translator."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return translator()


def device_info() -> None:
    """Show which device torch computes on, in the sidebar."""
    t = translator()
    if torch.cuda.is_available():
        st.sidebar.caption(t("sidebar.device_cuda", name=torch.cuda.get_device_name(0)))
    else:
        st.sidebar.caption(t("sidebar.device_cpu", threads=torch.get_num_threads()))
    st.sidebar.caption(t("sidebar.versions", torch=torch.__version__.split("+")[0], streamlit=st.__version__))
