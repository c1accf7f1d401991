"""The Architecture page's "train() vs eval()" tab: Dropout and BatchNorm on numbers the student types.

Everything shown is PyTorch's output from :mod:`core.train_eval`, seeded.
Session-state keys (the page lists them all), each also a URL parameter of the same name after "arch.":
"arch.drop_x", "arch.drop_p", "arch.drop_seed" (Dropout), "arch.bn_x", "arch.bn_momentum",
"arch.bn_calls" (BatchNorm).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.i18n import Message, UserError
from core.train_eval import DROPOUT_P_RANGE, MAX_CALLS, batchnorm_demo, dropout_demo, parse_small_tensor
from ui.app import STEP_PAGE
from ui.text import show, t
from ui.urlstate import Param, number_param

S = st.session_state
DEFAULTS = {
    "arch.drop_x": "1, 2, 3, 4; 5, 6, 7, 8",
    "arch.drop_p": 0.5,
    "arch.drop_seed": 0,
    "arch.bn_x": "1, 2; 3, 6; 5, 10; 7, 14",
    "arch.bn_momentum": 0.1,  # PyTorch's default
    "arch.bn_calls": 3,
}
SEED_RANGE = (0, 9_999)
MAX_TEXT = 200  # characters of a typed tensor (8 x 8 numbers fit)


# --- the URL: every value is untrusted text ----------------------------------------------------------------


def _text_param(name: str, key: str, min_rows: int) -> Param:
    def read(raw: str) -> Message | None:
        try:
            parse_small_tensor(raw[:MAX_TEXT], name, min_rows=min_rows)
        except UserError as exc:
            S[key] = DEFAULTS[key]
            return exc.message
        S[key] = raw[:MAX_TEXT]
        return None

    return Param(name, read, lambda: S[key] if S.get(key, DEFAULTS[key]) != DEFAULTS[key] else None)


def _number_param(name: str, key: str, low: float, high: float, step: float) -> Param:
    """The shared number parameter (clamped, on the widget's grid), written only while it differs from the default."""
    cast = int if isinstance(DEFAULTS[key], int) else float
    param = number_param(name, key, low, high, DEFAULTS[key], cast, step=0 if cast is int else step)
    return Param(name, param.read, lambda: param.write() if S.get(key, DEFAULTS[key]) != DEFAULTS[key] else None)


URL_PARAMS = [
    _text_param("drop_x", "arch.drop_x", 1),
    _number_param("drop_p", "arch.drop_p", *DROPOUT_P_RANGE, 0.05),
    _number_param("drop_seed", "arch.drop_seed", *SEED_RANGE, 1),
    _text_param("bn_x", "arch.bn_x", 2),
    _number_param("bn_momentum", "arch.bn_momentum", 0.0, 1.0, 0.05),
    _number_param("bn_calls", "arch.bn_calls", 1, MAX_CALLS, 1),
]


def _n(value: float) -> str:
    """Return a number with at most 4 decimals, as the captions write it (no "-0")."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _vec(values: torch.Tensor) -> str:
    return "[" + ", ".join(_n(float(v)) for v in values) + "]"


# --- the tab -----------------------------------------------------------------------------------------------


def modes_tab() -> None:
    """Draw Dropout, then BatchNorm, each in train() and eval()."""
    for key, value in DEFAULTS.items():
        S.setdefault(key, value)
    st.write(t("modes.intro"))
    st.page_link(STEP_PAGE, label=t("modes.see_step"), icon=":material/footprint:")
    dropout_section()
    batchnorm_section()


def _code_and_output(code: str, output: str) -> None:
    """Show the code on the left and what PyTorch printed for it on the right."""
    left, right = st.columns(2)
    left.code(code, language="python")
    right.caption(t("anatomy.output"))
    right.code(output, language=None, wrap_lines=True)


def dropout_section() -> None:
    st.markdown(f"##### {t('modes.dropout_title')}")
    st.write(t("modes.dropout_intro"))
    x_col, p_col, seed_col = st.columns([2, 1, 1])
    text = x_col.text_input(t("modes.x"), key="arch.drop_x", max_chars=MAX_TEXT)
    p = p_col.slider(t("modes.p"), *DROPOUT_P_RANGE, step=0.05, key="arch.drop_p")
    seed = seed_col.number_input(t("modes.seed"), *SEED_RANGE, key="arch.drop_seed")
    try:
        x = parse_small_tensor(text, "x")
    except UserError as exc:
        show(exc.message)
        return
    demo = dropout_demo(x, float(p), int(seed))
    code = [f"torch.manual_seed({int(seed)})", f"drop = nn.Dropout(p={p:g})", "drop.train()"]
    code += [f"print(drop(x))  # call {i + 1}" for i in range(len(demo.train_outputs))]
    code += ["drop.eval()", "print(drop(x))"]
    _code_and_output("\n".join(code), "\n".join(str(out) for out in (*demo.train_outputs, demo.eval_output)))
    st.markdown(t("modes.dropout_scale", p=f"{p:g}", scale=_n(demo.scale)))
    for i, (out, mask) in enumerate(zip(demo.train_outputs, demo.masks, strict=True)):
        st.caption(
            t(
                "modes.dropout_call",
                call=i + 1,
                kept=int(mask.sum()),
                n=mask.numel(),
                sum=_n(float(out.sum())),
                x_sum=_n(float(x.sum())),
            )
        )
    st.markdown(t("modes.dropout_eval", equal=torch.equal(demo.eval_output, x)))


def batchnorm_section() -> None:
    st.markdown(f"##### {t('modes.bn_title')}")
    st.write(t("modes.bn_intro"))
    x_col, m_col, calls_col = st.columns([2, 1, 1])
    text = x_col.text_input(t("modes.bn_x"), key="arch.bn_x", max_chars=MAX_TEXT)
    momentum = m_col.slider(t("modes.momentum"), 0.0, 1.0, step=0.05, key="arch.bn_momentum")
    calls = calls_col.number_input(t("modes.calls"), 1, MAX_CALLS, key="arch.bn_calls")
    try:
        x = parse_small_tensor(text, "x", min_rows=2)
    except UserError as exc:
        show(exc.message)
        return
    demo = batchnorm_demo(x, float(momentum), int(calls))
    code = [
        f"bn = nn.BatchNorm1d({x.shape[1]}, momentum={momentum:g})",
        "bn.train()  # batch statistics",
        f"for _ in range({int(calls)}):",
        "    y = bn(x)",
        "print(y)",
        "print(bn.running_mean)  # starts at 0",
        "print(bn.running_var)  # starts at 1",
        "bn.eval()  # running statistics",
        "print(bn(x))",
    ]
    last = demo.steps[-1]
    _code_and_output(
        "\n".join(code), f"{demo.train_output}\n{last.running_mean}\n{last.running_var}\n{demo.eval_output}"
    )
    rows = [
        {
            t("modes.col_call"): i + 1,
            t("modes.col_batch_mean"): _vec(step.batch_mean),
            t("modes.col_batch_var"): _vec(step.batch_var),
            t("modes.col_unbiased"): _vec(step.batch_var_unbiased),
            "running_mean": _vec(step.running_mean),
            "running_var": _vec(step.running_var),
        }
        for i, step in enumerate(demo.steps)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="arch.bn_table")
    first = demo.steps[0]
    st.caption(
        t(
            "modes.bn_update",
            m=f"{momentum:g}",
            mean=_n(float(first.batch_mean[0])),
            var=_n(float(first.batch_var_unbiased[0])),
            rm=_n(float(first.running_mean[0])),
            rv=_n(float(first.running_var[0])),
        )
    )
