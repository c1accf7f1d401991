"""The Losses page driven by AppTest: the tutorial's values, a changed loss and reduction, typed mistakes, the URL."""

from __future__ import annotations

from core.i18n import t

PAGE = "pages/losses.py"


def _values(at) -> list[str]:
    return [m.value for m in at.metric]


def test_the_page_opens_on_the_tutorials_l1_example_with_each_term_and_torchs_value(app):
    at = app(PAGE)
    assert _values(at) == ["3.0000", "3.0000"]  # by the formula, and nn.L1Loss
    worked = next(c.value for c in at.code if c.value.startswith("ℓ1"))
    assert "ℓ2 = |2 − (−2)| = 4" in worked and worked.endswith("mean = (3 + 4 + 2) / 3 = 3")
    assert any(s.value == t("losses.agree") for s in at.success)
    assert any('nn.L1Loss(reduction="mean")' in c.value for c in at.code)


def test_mse_with_sum_gives_29_and_keeps_the_typed_numbers(app):
    at = app(PAGE)
    at.selectbox(key="loss.name").set_value("mse").run()
    at.segmented_control(key="loss.reduction").set_value("sum").run()
    assert _values(at) == ["29.0000", "29.0000"]
    assert at.text_input(key="loss.input").value == "1, 2, 3"
    assert at.query_params["loss"] == "mse" and at.query_params["reduction"] == "sum"


def test_cross_entropy_loads_the_tutorials_example_and_warns_that_it_looks_like_softmax_output(app):
    at = app(PAGE)
    at.selectbox(key="loss.name").set_value("cross_entropy").run()
    assert _values(at) == ["0.7679", "0.7679"]
    assert [w.value for w in at.warning] == [t("losses.softmax_before_cross_entropy")]
    at.button(key="loss.example_1").click().run()
    assert _values(at) == ["1.3897", "1.3897"]


def test_a_typed_mistake_names_the_nearest_valid_choice_and_leaves_the_rest_of_the_page(app):
    at = app(PAGE, loss="cross_entropy", input="0.1, 0.7, 0.2", target="3")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [t("losses.target_not_index", value="3", max=2, nearest=2)]
    assert at.text_input(key="loss.input").value == "0.1, 0.7, 0.2"  # nothing the student typed is lost
    at.text_input(key="loss.target").set_value("1").run()
    assert not at.error and _values(at) == ["0.7679", "0.7679"]


def test_a_shared_link_restores_the_view_and_clamps_what_it_cannot_use(app):
    at = app(PAGE, loss="cross_entropy", input="2, 0.5, -1; 0.1, 1.5, 0.3", target="0, 2", smoothing="5")
    assert at.slider(key="loss.smoothing").value == 0.9
    assert any("smoothing" in w.value for w in at.warning)
    assert at.selectbox(key="loss.name").value == "cross_entropy" and len(_values(at)) == 2
    at = app(PAGE, loss="hinge")
    assert at.selectbox(key="loss.name").value == "l1" and any("hinge" in w.value for w in at.warning)


def test_the_page_speaks_chinese(app):
    at = app(PAGE, lang="zh", loss="bce", input="1.5", target="1")
    assert at.title[0].value == t("losses.title", "zh")
    assert [e.value for e in at.error] == [t("losses.bce_input_range", "zh", value="1.5")]
