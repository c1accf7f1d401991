"""The Architecture page's "the tutorial says ...; PyTorch does ..." notes, shown where the model touches the topic.

AlexNet's channel typos (for the two AlexNet presets) and tutorial 001's ``torch.flatten(imgs)`` (for a
model that flattens images); the outputs are PyTorch's, from :mod:`core.tutorial_slips`.
"""

from __future__ import annotations

import streamlit as st

from core.modelspec import ModelSpec
from core.tutorial_slips import Slip, alexnet_errors, flatten_slip, has_flatten
from ui.text import t

ALEXNET_PRESETS = ("alexnet", "alexnet_as_written")


@st.cache_data(max_entries=32, show_spinner=False)
def _flatten(sample_shape: tuple[int, ...]) -> Slip:
    return flatten_slip(sample_shape)


def _slip(slip: Slip) -> None:
    st.code(slip.code, language="python")
    st.caption(t("anatomy.output"))
    st.code(slip.output, language=None, wrap_lines=True)


def tutorial_notes(spec: ModelSpec, preset: str) -> None:
    """Show the notes that concern this model, each in a closed expander (nothing is shown for the others)."""
    alexnet = preset in ALEXNET_PRESETS
    flattens = len(spec.input_shape) == 3 and has_flatten(spec.layers)
    if not (alexnet or flattens):
        return
    with st.expander(t("slips.title"), icon=":material/menu_book:", expanded=preset == "alexnet_as_written"):
        if alexnet:
            st.markdown(t("slips.alexnet"))
            for slip in alexnet_errors():
                _slip(slip)
            st.caption(t("slips.alexnet_fixed"))
        if flattens:
            st.markdown(t("slips.flatten"))
            _slip(_flatten(tuple(spec.input_shape)))
