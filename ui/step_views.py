"""The Training step page's phases, each drawn from a :class:`core.stepper.StepView`: the batch, zero_grad,
forward, loss, backward, step, and what train() and eval() change.

Widget keys: "step.sample" (the sample shown in forward and loss), "step.param" (the parameter
tensor shown in backward and step), "step.element" (the weight whose update is written out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import pictures
from core.figures import bars_figure, probabilities_figure
from core.loss_calculator import FORMULAS
from core.splits import LoadedData
from core.stepper import StepSettings, StepView, largest_gradient, running_mean_check, update_of
from ui.text import t
from ui.widgets import index_select, plot

S = st.session_state
BATCH_COLUMNS = 8  # pictures per row in the batch grid
TILE_PX = 72  # a kernel or a small matrix tile in the gradient and weight pictures
MAX_TILES = 96  # kernels drawn per tensor (C_out x C_in can be thousands)
MASK_PX = 200  # a Dropout mask's picture, however many units it has
F_NAMES = {"cross_entropy": "F.cross_entropy", "mse": "F.mse_loss", "bce": "F.binary_cross_entropy"}


def unit_pictures(data: LoadedData, x: torch.Tensor) -> np.ndarray:
    """Return normalised model inputs (N, C, H, W) as [0, 1] pictures: the normalisation undone."""
    pre = data.preprocessing
    mean = torch.tensor(pre.mean).view(-1, 1, 1)
    std = torch.tensor(pre.std).view(-1, 1, 1)
    return (x * std + mean).numpy()


def signed_tiles(values: torch.Tensor) -> np.ndarray:
    """Return a parameter tensor as red (positive) / blue (negative) tiles on one scale.

    A conv weight (C_out, C_in, kH, kW) gives one tile per kernel slice; a Linear weight (out, in)
    one tile; a bias (out,) one row.
    """
    v = values.detach().float()
    tiles = v.reshape(-1, *v.shape[-2:]) if v.dim() == 4 else (v[None] if v.dim() == 2 else v.reshape(1, 1, -1))
    tiles = tiles[:MAX_TILES].numpy()
    return pictures.feature_maps_grid(tiles, n_cols=12, tile_px=TILE_PX if v.dim() == 4 else 240)


def status_line(view: StepView) -> str:
    return t("step.status", step=view.step, epoch=view.epoch, batch=view.batch, batches=view.batches_per_epoch)


def sample_picker(view: StepView, data: LoadedData) -> int:
    """Return the index (0-based) of the sample the student looks at, from the "step.sample" selectbox."""
    labels = [t("step.sample_n", n=i + 1, label=data.classes[y]) for i, y in enumerate(view.y.tolist())]
    return index_select(t("step.sample"), labels, "step.sample")


def short_reduction(view: StepView) -> str:
    """Return the worked loss's reduction line, its terms elided when there are too many to read."""
    worked = view.worked
    n = len(worked.terms)
    if n <= 20:
        return worked.reduced
    return f"mean = (ℓ1 + ℓ2 + … + ℓ{n}) / {n} = {worked.value[0]:.4f}"


def param_picker(view: StepView) -> str:
    """Return the parameter tensor the student looks at (a ``named_parameters()`` name)."""
    names = list(view.grads)
    if S.get("step.param") not in names:
        S["step.param"] = next((n for n in names if n.endswith("weight")), names[0])
    shapes = {name: " × ".join(map(str, g.shape)) for name, g in view.grads.items()}
    return st.selectbox(t("step.param"), names, format_func=lambda n: f"{n} · {shapes[n]}", key="step.param")


# --- the phases ---------------------------------------------------------------------------------------------


def batch_phase(view: StepView, data: LoadedData) -> None:
    st.write(t("step.batch_intro", shape=list(view.x.shape), n=len(view.y)))
    labels = [data.classes[i] for i in view.y.tolist()]
    if data.preprocessing is not None:
        grid = pictures.pictures_grid(unit_pictures(data, view.x), n_cols=BATCH_COLUMNS, scale=2)
        st.image(grid, caption=t("step.batch_labels", labels=", ".join(labels)))
    else:
        names = list(data.standardization.feature_names)
        table = pd.DataFrame(view.x.numpy().round(3), columns=names)
        table.insert(0, "y", labels)
        st.dataframe(table, hide_index=True, height=260)
    st.caption(t("step.batch_order"))


def zero_grad_phase(view: StepView) -> None:
    st.write(t("step.zero_grad_intro"))
    if view.previous_grad_norm is None:
        st.info(t("step.zero_grad_first"))
    else:
        st.metric(t("step.zero_grad_cleared"), f"{view.previous_grad_norm:.4g}")


def forward_phase(view: StepView, data: LoadedData) -> None:
    st.write(t("step.forward_intro", x_shape=list(view.x.shape), out_shape=list(view.outputs.shape)))
    i = sample_picker(view, data)
    left, right = st.columns([1, 2])
    if data.preprocessing is not None:
        left.image(pictures.pictures_grid(unit_pictures(data, view.x[i : i + 1]), n_cols=1, scale=4))
    left.caption(t("step.true_label", label=data.classes[int(view.y[i])]))
    outputs = view.outputs[i].tolist()
    right.markdown(f"**{t('step.outputs')}**")
    right.code(", ".join(f"{v:.4f}" for v in outputs), language=None, wrap_lines=True)
    probabilities = view.probabilities[i].tolist()
    top = sorted(zip(data.classes, probabilities, strict=True), key=lambda item: -item[1])[:5]
    right.markdown(f"**{t('step.probabilities_' + ('sigmoid' if view.outputs.shape[1] == 1 else 'softmax'))}**")
    with right:
        plot(probabilities_figure(top, true_label=data.classes[int(view.y[i])]))


def loss_phase(view: StepView, settings: StepSettings, data: LoadedData) -> None:
    loss_name = settings.loss
    st.write(t(f"step.loss_intro_{loss_name}"))
    st.code(FORMULAS[loss_name], language=None, wrap_lines=True)  # the trainer's losses share the calculator's names
    worked = view.worked
    i = sample_picker(view, data)
    per_sample = len(worked.terms) // len(view.y)  # MSE: one term per class; CE and BCE: one per sample
    shown = worked.terms[i * per_sample : (i + 1) * per_sample]
    st.code("\n".join(shown) + f"     (y = {int(view.y[i])})", language=None, wrap_lines=True)
    st.code(short_reduction(view), language=None, wrap_lines=True)
    formula, torch_value, trainer = st.columns(3)
    formula.metric(t("losses.by_formula"), f"{worked.value[0]:.6f}")
    torch_value.metric(F_NAMES[loss_name], f"{worked.torch_value[0]:.6f}")
    trainer.metric(t("step.batch_loss"), f"{view.loss:.6f}")
    agree = worked.agrees and abs(worked.value[0] - view.loss) <= 1e-5 * max(1.0, abs(view.loss))
    (st.success if agree else st.error)(t("step.loss_agree" if agree else "step.loss_disagree"))


def backward_phase(view: StepView) -> None:
    st.write(t("step.backward_intro"))
    norms = view.grad_norms()
    plot(bars_figure([name for name, _, _ in norms], [n for _, _, n in norms], x_title=t("step.grad_norm")))
    name = param_picker(view)
    grad = view.grads[name]
    st.image(
        signed_tiles(grad),
        caption=t("step.grad_caption", name=name, shape=list(grad.shape), norm=f"{float(grad.norm()):.4g}"),
    )


def step_phase(view: StepView, settings: StepSettings) -> None:
    st.write(t(f"step.step_intro_{settings.optimizer}"))
    name = param_picker(view)
    size = view.before[name].numel()
    if not isinstance(S.get("step.element"), int) or not 0 <= S["step.element"] < size:
        S["step.element"] = largest_gradient(view, name)
    index = st.number_input(t("step.element", n=size - 1), 0, size - 1, key="step.element", help=t("step.element_help"))
    lines, real = update_of(view, settings, name, int(index))
    table = pd.DataFrame(
        [(line.name, line.formula, line.numbers, f"{line.value:.6g}") for line in lines],
        columns=[t("step.col_name"), t("step.col_formula"), t("step.col_numbers"), t("step.col_value")],
    )
    st.table(table)
    before = float(view.before[name].reshape(-1)[int(index)])
    moved, wrote, loss_col = st.columns(3)
    moved.metric(t("step.weight_before"), f"{before:.6f}")
    wrote.metric(t("step.weight_after"), f"{real:.6f}", delta=f"{real - before:+.3g}")
    loss_col.metric(
        t("step.loss_after"),
        f"{view.loss_after:.4f}",
        delta=f"{view.loss_after - view.loss:+.4f}",
        delta_color="inverse",
    )
    matches = abs(lines[-1].value - real) <= 1e-5 * max(1.0, abs(real))
    (st.success if matches else st.error)(t("step.update_agree" if matches else "step.update_disagree"))
    left, right = st.columns(2)
    left.image(signed_tiles(view.before[name]), caption=t("step.before_caption", name=name))
    right.image(signed_tiles(view.after[name] - view.before[name]), caption=t("step.change_caption", name=name))


def modes_phase(view: StepView) -> None:
    st.write(t("step.modes_intro"))
    st.metric(t("step.mode_difference"), f"{view.mode_difference:.4g}")
    if not view.dropout and not view.batchnorm:
        st.info(t("step.modes_none"))
    for effect in view.dropout:
        side = int(effect.mask.numel() ** 0.5)
        mask = effect.mask[: side * side].reshape(side, side).float().numpy()
        st.image(
            pictures.image_grid([(1 - mask) * 255], 1, scale=max(1, MASK_PX // max(side, 1))),
            caption=t("step.dropout_caption", name=effect.name, p=effect.p, zeroed=f"{effect.zeroed:.1%}"),
            width=MASK_PX,
        )
    for effect in view.batchnorm:
        st.markdown(t("step.batchnorm_title", name=effect.name, momentum=effect.momentum))
        rows = zip(effect.batch_mean, effect.running_before, effect.running_after, strict=True)
        table = pd.DataFrame(
            [(c, f"{b:.4f}", f"{r0:.4f}", f"{r1:.4f}") for c, (b, r0, r1) in enumerate(rows)],
            columns=[
                t("step.col_channel"),
                t("step.col_batch_mean"),
                t("step.col_running_before"),
                t("step.col_running_after"),
            ],
        )
        st.table(table)
        if running_mean_check(effect):
            st.caption(t("step.running_mean_rule", momentum=effect.momentum))
