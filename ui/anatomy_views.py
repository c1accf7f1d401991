"""The Architecture page's look inside the model: its parameters layer by layer (with freezing), and nn.Module itself.

Two tabs of the page: "Parameters" (``named_parameters()`` summed per layer, a freeze box per layer,
the code that freezes) and "Inside nn.Module" (the module walk, a custom layer, ``nn.Parameter`` vs a
buffer vs a plain tensor, ``ParameterList`` / ``ParameterDict``). All numbers come from
:mod:`core.anatomy` and :mod:`core.custom_layers`, i.e. from PyTorch.

Session-state keys (the page lists them all): "arch.frozen" (the frozen layers' names, a list; also the
`freeze` URL parameter), "arch.freeze.<layer>" (its box), "arch.centered" (the custom layer's input;
the `centered` URL parameter). ``ui.keys.TRAIN_FROZEN``: set with the model by "Train this model".
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.anatomy import CHILDREN_CODE, FIRST_CONV_CODE, MODULES_CODE, Anatomy, ModuleWalk, anatomy, module_walk
from core.config import MAX_FROZEN
from core.custom_layers import MyDictDense, MyListDense, centered_demo, container_demo, parameter_demo
from core.formatting import format_count
from core.i18n import Message, UserError
from core.loss_calculator import parse_numbers
from core.modelspec import ModelSpec
from core.presets import PRESETS
from ui import keys
from ui.app import TRAINING_PAGE
from ui.text import show, t
from ui.urlstate import Param

S = st.session_state
FROZEN = "arch.frozen"
CENTERED = "arch.centered"
CENTERED_DEFAULT = "1, 2, 3, 4, 5"  # the tutorial's input: gives [-2, -1, 0, 1, 2]
MAX_CENTERED = 16  # numbers in the custom layer's input
CENTERED_CHARS = 200  # characters of its text box
MAX_URL_CHARS = 2_000  # a longer parameter is refused unread
# The tutorials' transfer learning on what is bundled: LeNet's features learnt on mixed digits, kept
# frozen, a classifier retrained on scikit-learn's 8x8 digits (another data set of the same classes)
TRANSFER_RECIPE = {"preset": "lenet", "init_from": "digits_lenet", "frozen": ("conv1", "conv2"), "dataset": "digits"}


# --- computing (cached by the spec's JSON) ---------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def parameter_anatomy(spec_json: str, frozen: tuple[str, ...]) -> Anatomy | Message:
    """Return the model's parameters by layer with ``frozen`` frozen, or why the model cannot be built."""
    try:
        return anatomy(ModelSpec.from_dict(json.loads(spec_json)), frozen)
    except UserError as exc:
        return exc.message


@st.cache_data(max_entries=32, show_spinner=False)
def walk(spec_json: str) -> ModuleWalk | Message:
    """Return what the tutorials' module loops print for the model, or why it cannot be built."""
    try:
        return module_walk(ModelSpec.from_dict(json.loads(spec_json)))
    except UserError as exc:
        return exc.message


def frozen_layers() -> list[str]:
    """Return the names of the layers ticked to freeze (possibly of another model: anatomy ignores those)."""
    return list(S.get(FROZEN, []))


# --- the URL ---------------------------------------------------------------------------------------------


def _read_frozen(raw: str) -> Message | None:
    names = list(dict.fromkeys(n.strip() for n in raw[:MAX_URL_CHARS].split(",") if n.strip()))[:MAX_FROZEN]
    bad = [n for n in names if not n.isidentifier()]
    S[FROZEN] = [n for n in names if n.isidentifier()]
    return (
        Message("anatomy.unknown_layer", {"name": bad[0][:60], "close": ", ".join(S[FROZEN]) or "-"}) if bad else None
    )


def _read_centered(raw: str) -> Message | None:
    text = raw[:CENTERED_CHARS]  # what the text box holds at most
    try:
        _centered_values(text)
    except UserError as exc:
        S[CENTERED] = CENTERED_DEFAULT
        return exc.message
    S[CENTERED] = text
    return None


URL_PARAMS = [
    Param("freeze", _read_frozen, lambda: ",".join(S[FROZEN]) if S.get(FROZEN) else None),
    Param(
        "centered",
        _read_centered,
        lambda: S.get(CENTERED) if S.get(CENTERED, CENTERED_DEFAULT) != CENTERED_DEFAULT else None,
    ),
]


# --- callbacks -----------------------------------------------------------------------------------------


def _toggle(layer: str) -> None:
    frozen = [n for n in frozen_layers() if n != layer]
    S[FROZEN] = [*frozen, layer] if S[f"arch.freeze.{layer}"] else frozen


def _set_frozen(names: list[str]) -> None:
    S[FROZEN] = names


def _try_transfer() -> None:
    """Callback: fill the training form with the tutorials' transfer recipe on the bundled digits model."""
    S[keys.TRAIN_SPEC] = PRESETS[TRANSFER_RECIPE["preset"]].spec.to_dict()
    S[keys.TRAIN_FROZEN] = list(TRANSFER_RECIPE["frozen"])
    S["train.init_from"] = TRANSFER_RECIPE["init_from"]
    S["train.dataset"] = TRANSFER_RECIPE["dataset"]
    S["arch.transfer_sent"] = True


# --- the "Parameters" tab ------------------------------------------------------------------------------


def parameters_tab(spec: ModelSpec) -> None:
    """Show ``named_parameters()`` summed per layer with a freeze box each, the table, and the freezing code."""
    st.write(t("anatomy.params_intro"))
    parts = parameter_anatomy(spec.to_json(), tuple(frozen_layers()))
    if isinstance(parts, Message):
        show(parts)
        return
    if not parts.layers:
        st.info(t("anatomy.no_params"))
        return
    names = [layer.layer for layer in parts.layers]
    row = st.container(horizontal=True)
    row.button(
        t("anatomy.freeze_features"), key="arch.freeze_features", on_click=_set_frozen, args=(names[:-1],),
        icon=":material/ac_unit:",
    )  # fmt: skip
    row.button(t("anatomy.unfreeze_all"), key="arch.unfreeze_all", on_click=_set_frozen, args=([],))
    for layer in parts.layers:
        box, text = st.columns([1, 5], vertical_alignment="center")
        key = f"arch.freeze.{layer.layer}"
        S[key] = layer.frozen  # the list in FROZEN is the truth (a link, the buttons); the box follows it
        box.checkbox(layer.layer, key=key, on_change=_toggle, args=(layer.layer,), help=t("anatomy.freeze_help"))
        text.markdown(f"`{layer.sum_text()}`")
    total = parts.trainable + parts.frozen
    st.markdown(
        t(
            "anatomy.totals",
            trainable=format_count(parts.trainable),
            frozen=format_count(parts.frozen),
            total=format_count(total),
        )
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("anatomy.col_name"): row.name,
                    t("anatomy.col_shape"): str(list(row.shape)),
                    "numel()": row.numel,
                    "requires_grad": row.requires_grad,
                }
                for row in parts.rows
            ]
        ),
        hide_index=True,
        key="arch.param_table",
    )
    st.caption(t("anatomy.code_caption"))
    st.code(freezing_code([layer.layer for layer in parts.layers if layer.frozen]), language="python")
    if any(layer.frozen for layer in parts.layers) and any(layer_type == "BatchNorm2d" for layer_type in _types(spec)):
        st.caption(t("anatomy.bn_frozen"))
    st.info(t("anatomy.transfer", button=t("arch.train")), icon=":material/swap_horiz:")
    st.button(t("anatomy.try_transfer"), key="arch.try_transfer", on_click=_try_transfer, icon=":material/bolt:")
    if S.pop("arch.transfer_sent", False):
        st.switch_page(TRAINING_PAGE)


def _types(spec: ModelSpec) -> list[str]:
    return [layer.type for layer in spec.layers]


def freezing_code(frozen: list[str]) -> str:
    """Return the lines that freeze ``frozen`` and build an optimizer over what still learns."""
    lines = [f"for p in model.{name}.parameters():\n    p.requires_grad = False" for name in frozen]
    lines.append("trainable = [p for p in model.parameters() if p.requires_grad]")
    lines.append("print(sum(p.numel() for p in trainable))")
    lines.append("optimizer = torch.optim.Adam(trainable, lr=1e-3)")
    return "\n".join(lines)


# --- the "Inside nn.Module" tab --------------------------------------------------------------------------


def _centered_values(text: str) -> list[float]:
    rows = parse_numbers(text, "x")
    values = [v for row in rows for v in row]
    if len(values) > MAX_CENTERED:
        raise UserError(Message("losses.too_many", {"field": "x", "max": MAX_CENTERED}))
    return values


def _demo(source: str, code: str, output: str) -> None:
    """Show a layer's source and the lines that use it, then what they print (full width: sources are wide)."""
    st.code(source + "\n\n" + code, language="python", wrap_lines=True)
    st.caption(t("anatomy.output"))
    st.code(output, language=None, wrap_lines=True)


def module_tab(spec: ModelSpec) -> None:
    """Show the module walk on this model, then the tutorials' own layers, each as code with its real output."""
    st.markdown(f"##### {t('anatomy.walk_title')}")
    st.write(t("anatomy.walk_intro"))
    walked = walk(spec.to_json())
    if isinstance(walked, Message):
        show(walked)
    else:
        st.code(f"{CHILDREN_CODE}\n{MODULES_CODE}", language="python")
        st.caption(t("anatomy.output"))
        st.code(f"{walked.children}\n{walked.modules}", language=None, wrap_lines=True)
        st.caption(t("anatomy.walk_count", count=walked.module_count, children=walked.module_count - 1))
        st.markdown(f"##### {t('anatomy.first_conv_title')}")
        if walked.first_conv is None:
            st.caption(t("anatomy.no_conv"))
        else:
            st.write(t("anatomy.first_conv_intro"))
            st.code(FIRST_CONV_CODE, language="python")
            st.caption(t("anatomy.output"))
            st.code(walked.first_conv, language=None, wrap_lines=True)

    st.markdown(f"##### {t('anatomy.custom_title')}")
    st.write(t("anatomy.custom_intro"))
    S.setdefault(CENTERED, CENTERED_DEFAULT)
    text = st.text_input(t("anatomy.custom_input"), key=CENTERED, max_chars=CENTERED_CHARS)
    try:
        demo = centered_demo(_centered_values(text))
        _demo(demo.source, demo.code, demo.output)
    except UserError as exc:
        show(exc.message)

    st.markdown(f"##### {t('anatomy.param_title')}")
    st.write(t("anatomy.param_intro"))
    demo = parameter_demo()
    _demo(demo.source, demo.code, demo.output)

    st.markdown(f"##### {t('anatomy.containers_title')}")
    st.write(t("anatomy.containers_intro"))
    for make in (MyListDense, MyDictDense):
        demo = container_demo(make)
        _demo(demo.source, demo.code, demo.output)
