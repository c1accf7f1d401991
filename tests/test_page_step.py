"""The Training step page driven by AppTest: next batch, 10 steps, reset, every phase, a shared link, Chinese."""

from __future__ import annotations

import pytest

from core.i18n import t
from core.loop_code import PHASES

PAGE = "pages/step.py"


def _loss(at) -> str:
    return next(m.value for m in at.metric if m.label == t("step.batch_loss"))


def test_next_batch_takes_a_step_and_the_loss_changes_from_batch_to_batch(app):
    at = app(PAGE)
    assert any(t("step.press_next", batches=79) == i.value for i in at.info)  # 1,259 digits / 16 = 79 batches
    losses = []
    for step in (1, 2, 3):
        at.button(key="step.next").click().run()
        assert not at.exception
        assert at.query_params["step"] == str(step)
        losses.append(_loss(at))
    assert losses[0] == "2.3078" and len(set(losses)) == 3  # the script's first loss: see test_stepper.py
    assert any(m.value == "**Step 3** · epoch 1, batch 3 of 79" for m in at.markdown)


def test_ten_steps_then_reset_gives_the_same_numbers_again(app):
    at = app(PAGE)
    at.button(key="step.next").click().run()
    first = _loss(at)
    at.button(key="step.ten").click().run()
    assert at.query_params["step"] == "11"
    at.button(key="step.reset").click().run()
    assert "step" not in at.query_params or at.query_params["step"] == "0"
    at.button(key="step.next").click().run()
    assert _loss(at) == first


@pytest.mark.parametrize("phase", PHASES)
def test_every_phase_shows_its_part_and_marks_its_line_of_the_loop(app, phase):
    at = app(PAGE, phase=phase, step="2")
    assert not at.exception and not at.error
    script = next(c.value for c in at.code if "def main():" in c.value)
    assert script.count("◀◀") == 1
    if phase == "loss":
        assert [s.value for s in at.success] == [t("step.loss_agree")]
    if phase == "step":
        assert [s.value for s in at.success] == [t("step.update_agree")]
        before = next(m.value for m in at.metric if m.label == t("step.weight_before"))
        after = next(m.value for m in at.metric if m.label == t("step.weight_after"))
        assert before != after  # the weight moved
    if phase == "modes":
        assert any(t("step.modes_none") == i.value for i in at.info)  # LeNet: no Dropout, no BatchNorm


def test_a_shared_link_replays_its_steps_from_the_seed(app):
    clicked = app(PAGE)
    for _ in range(3):
        clicked.button(key="step.next").click().run()
    linked = app(PAGE, step="3")
    assert _loss(linked) == _loss(clicked)


def test_batchnorm_and_dropout_show_what_train_and_eval_change(app):
    at = app(PAGE, setup="v3_shapes", batch_size="8", step="1", phase="modes")
    assert not at.exception
    difference = next(m.value for m in at.metric if m.label == t("step.mode_difference"))
    assert float(difference) > 0
    assert len(at.table) == 6  # one running-mean table per BatchNorm layer
    captions = [c for image in at.get("image") for c in image.captions]
    assert sum("dropout" in c for c in captions) == 2


def test_link_values_it_cannot_use_are_clamped_with_a_warning(app):
    at = app(PAGE, setup="resnet", batch_size="9999", lr="abc", step="100000")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "resnet" in warnings and "batch_size" in warnings and "step" in warnings
    assert at.selectbox(key="step.setup").value == "lenet_digits"
    assert at.number_input(key="step.batch").value == 256


def test_the_page_speaks_chinese(app):
    at = app(PAGE, lang="zh", step="1", phase="backward")
    assert at.title[0].value == t("step.title", "zh")
    assert not at.exception
