"""Beside the Convolution page's numbers: why the formula is what it is, and where the tutorials slip.

:func:`derivation` folds out the output-size formula's derivation on the student's numbers
(:mod:`core.derivation`); :func:`pool_slip` and :func:`corr2d_slip` are the "the tutorial says ...;
PyTorch does ..." notes, with PyTorch's real output (:mod:`core.tutorial_slips`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from core import ops
from core.derivation import transposed_steps, window_steps
from core.formatting import format_number
from core.geometry import Geometry
from core.layer_settings import ConvSettings
from core.tutorial_slips import corr2d_error, pool_and_unpool
from ui.conv_controls import key
from ui.text import lang, t
from ui.widgets import folded, matrix_table


def derivation(geometry: Geometry, ceil_mode: bool = False, output_padding: tuple[int, int] | None = None) -> None:
    """Draw a folded derivation of the formula for H and W (once when both axes have the same numbers)."""

    def draw() -> None:
        h, w = geometry.dims
        same = (h.in_size, h.kernel, h.stride, h.dilation, h.pad_before, h.pad_after) == (
            w.in_size, w.kernel, w.stride, w.dilation, w.pad_before, w.pad_after,
        ) and (output_padding is None or output_padding[0] == output_padding[1])  # fmt: skip
        for axis, dim in enumerate(geometry.dims[:1] if same else geometry.dims):
            if not same:
                st.markdown(f"**{dim.axis}**")
            if output_padding is None:
                steps = window_steps(dim, ceil_mode)
            else:
                steps = transposed_steps(dim, output_padding[axis])
            st.markdown("\n".join(f"{i}. {step.text(lang(), markdown=True)}" for i, step in enumerate(steps, 1)))

    folded(t("conv.deriv.title"), key("derivation"), draw, icon=":material/function:")


# --- where the tutorials slip: "the tutorial says ...; PyTorch does ...", with PyTorch's output ---------


def pool_slip(x: np.ndarray, kind: str) -> None:
    """Tutorial 004 calls MaxPool "upsampling": show MaxPool2d(2) shrinking the input and MaxUnpool2d undoing it."""
    if kind != "max" or min(np.shape(x)) < 2:
        return

    def draw() -> None:
        pooled, unpooled = pool_and_unpool(x)
        st.write(
            t("conv.slip.pool", shape=" × ".join(map(str, np.shape(x))), pooled=" × ".join(map(str, pooled.shape)))
        )
        a, b = st.columns(2)
        a.caption("F.max_pool2d(x, 2)")
        a.table(matrix_table(pooled))
        b.caption("F.max_unpool2d(pooled, indices, 2)")
        b.table(matrix_table(unpooled))

    folded(t("conv.slip.pool_title"), key("pool_slip"), draw, icon=":material/menu_book:")


def corr2d_fold(result: ops.GridResult, kernel: np.ndarray, settings: ConvSettings, bias: float) -> None:
    """Fold out the tutorials' corr2d (Python loops) run on the same numbers, and how far it is from PyTorch."""

    def draw() -> None:
        st.write(t("conv.corr2d_intro"))
        st.code(ops.corr2d_source(), language="python", wrap_lines=True)
        loops = ops.corr2d(torch.tensor(result.padded), torch.tensor(kernel), settings.stride, settings.dilation) + bias
        st.write(t("conv.corr2d_agree", diff=format_number(float(np.abs(loops.numpy() - result.output).max()))))
        # tutorial 000's corr2d reads `x` where it means `X`: show the error it raises as written
        st.write(t("conv.slip.corr2d", error=corr2d_error(result.padded, kernel)))

    folded(t("conv.corr2d_title"), key("corr2d"), draw)
