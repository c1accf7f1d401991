"""The predict page driven by AppTest: models from every source, good and broken pictures, test samples, hostile weights."""

from __future__ import annotations

import asyncio
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit_client import Session
from typed_digits import typed_digits

from core.config import TrainConfig
from core.model_files import MODELS_DIR, load_bundled
from core.packaged_data import mnist5k_source
from core.runs import RunStore
from core.splits import split_indices
from core.worker import run_in_store

PAGE = "pages/predict.py"
DIGITS_JSON = (MODELS_DIR / "digits_lenet" / "model.json").read_bytes()
PHOTO_PX = 112  # the 28x28 digits are upscaled to this, as a photo of a written digit would be larger


def digit_upload(j: int) -> tuple[str, bytes, int]:
    """Return the j-th handwritten digit of the bundled model's test split as an upload: (file name, PNG bytes, digit).

    Dark ink on white RGB, upscaled: what a photo of a handwritten digit looks like, not the model's input.
    The bundled model trains on mixed_digits: mnist5k's 5,000 handwritten digits first, then the printed ones.
    """
    pixels, labels = mnist5k_source()
    config = load_bundled("digits_lenet").train_config
    all_labels = np.concatenate([labels, np.arange(930) % 10])  # the printed digits' labels follow
    _, _, test_rows = split_indices(all_labels, config.val_fraction, 0.2, config.seed)
    row = test_rows[test_rows < len(labels)][j]
    picture = Image.fromarray(pixels[row, 0].numpy(), "L").convert("RGB")
    picture = picture.resize((PHOTO_PX, PHOTO_PX), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return f"digit_{j}.png", buffer.getvalue(), int(labels[row])


def _metric(at, label: str) -> str:
    """Return the metric's text as shown: the Markdown escapes of user text (mixed\\_digits) undone."""
    values = [re.sub(r"\\(.)", r"\1", m.value) for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; metrics: {[m.label for m in at.metric]}"
    return values[0]


def _image_captions(at) -> list[str]:
    return [caption for image in at.image for caption in image.captions]


def _upload(at, key: str, files) -> None:
    at.file_uploader(key=key).set_value(files).run()
    assert not at.exception, at.exception


def test_page_opens_on_the_bundled_digits_model_with_its_facts(app):
    at = app(PAGE)
    assert at.selectbox(key="predict.model").value == "bundled:digits_lenet"
    assert any(c.value.startswith("Data set: Handwritten + printed digits") for c in at.caption)
    assert _metric(at, "Classes") == "10"
    assert _metric(at, "Input (C × H × W)") == "1 × 32 × 32"
    assert _metric(at, "Test accuracy") == f"{load_bundled('digits_lenet').info['metrics']['test_acc']:.1%}"
    assert at.segmented_control(key="predict.input").options == ["Upload pictures", "Draw a digit", "Test-set samples"]
    assert at.info, "asks for pictures before any are uploaded"
    assert not at.error
    assert at.query_params["model"] in (["bundled:digits_lenet"], "bundled:digits_lenet")


def test_an_uploaded_digit_photo_is_predicted_as_its_digit_with_preprocessing_and_feature_maps(app):
    at = app(PAGE)
    name, data, digit = digit_upload(0)
    _upload(at, "predict.images", (name, data, "image/png"))
    assert not at.error
    assert _metric(at, "Prediction") == str(digit)
    assert float(_metric(at, "Probability").rstrip("%")) > 50
    steps = _image_captions(at)[:5]  # original, converted, inverted, ink fitted, then the tensor as a heatmap
    assert [c.split(" · ")[0] for c in steps[:4]] == [
        "Original",
        "Colour converted",
        "Inverted (x → 1 − x)",
        "Ink found, fitted into the box, centred",
    ]
    assert steps[0].endswith(f"{PHOTO_PX} × {PHOTO_PX} · RGB") and steps[3].endswith("32 × 32 · L")
    assert any("(1, 32, 32) per picture" in c.value for c in at.caption)
    # the layer picker and the feature maps of conv1 (6 channels of 28x28), then conv2
    assert at.selectbox(key="predict.layer").options == ["conv1 · 6 × 28 × 28", "conv2 · 16 × 10 × 10"]
    assert any(c.startswith("conv1: 6 of 6 channels") for c in _image_captions(at))
    at.selectbox(key="predict.layer").set_value("conv2").run()
    assert not at.exception
    assert any(c.startswith("conv2: 16 of 16 channels") for c in _image_captions(at))
    assert any(c.startswith("conv1.weight, shape (6, 1, 5, 5)") for c in _image_captions(at))
    assert any(c.startswith(f"Grad-CAM for {digit}") for c in _image_captions(at))


@pytest.mark.slow
def test_top_k_and_the_layer_each_rerun_their_own_section_alone(server):
    # a live server: AppTest reruns the whole page for every widget
    softmax, filters = "softmax of the last layer's outputs", "**Filters of the first conv layer**"

    async def scenario() -> None:
        async with Session(server, "predict", "lang=en") as session:
            await session.open()
            _, whole = await session.upload("predict.images", [(*digit_upload(0)[:2], "image/png")])
            assert whole.status == "success" and not whole.exceptions, whole
            drawn = " ".join(whole.texts)
            assert softmax in drawn and filters in drawn
            for key, value, shown, left_alone in (
                ("predict.k", 2, softmax, filters),
                ("predict.layer", "conv2", filters, softmax),
            ):
                moved = await session.rerun({key: value})
                assert moved.status == "fragment_success" and not moved.exceptions, moved
                drawn = " ".join(moved.texts)
                assert shown in drawn and left_alone not in drawn, moved.texts

    with ThreadPoolExecutor(1) as pool:  # a thread of its own: the browser tests' Playwright may hold this loop
        pool.submit(asyncio.run, scenario()).result()


def test_an_upload_of_more_pictures_than_one_batch_takes_reads_the_first_fifty(app):
    # issue 12 item 4: every file of an upload was decoded, however many
    at = app(PAGE)
    name, data, _ = digit_upload(3)
    _upload(at, "predict.images", [(f"{i}-{name}", data, "image/png") for i in range(53)])
    assert any("Only the first 50 of these 53 pictures were read" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 50


def test_good_and_broken_files_together_give_one_message_per_bad_file_and_a_row_per_good_one(app):
    at = app(PAGE)
    good = [digit_upload(j) for j in (1, 50, 200)]
    truncated = ("cut.png", good[0][1][: len(good[0][1]) // 2], "image/png")
    noise = ("noise.png", os.urandom(2000), "image/png")
    files = [(name, data, "image/png") for name, data, _ in good]
    _upload(at, "predict.images", [files[0], truncated, files[1], noise, files[2]])

    errors = [e.value for e in at.error]
    assert len(errors) == 2, errors
    assert "cut.png" in errors[0] and "could not be decoded" in errors[0]
    assert "noise.png" in errors[1] and "not an image" in errors[1]

    table = at.dataframe[0].value
    assert list(table["file"]) == [name for name, _, _ in good]
    assert list(table["top class"]) == [str(digit) for _, _, digit in good]
    assert all(top3.count("%") == 3 for top3 in table["top 3"])
    # the first picture is the one looked at closely; another can be chosen
    assert _metric(at, "Prediction") == str(good[0][2])
    at.selectbox(key="predict.item").set_value(2).run()
    assert _metric(at, "Prediction") == str(good[2][2])


def test_test_set_samples_show_their_true_class_and_whether_the_model_was_right(app):
    at = app(PAGE, input="test")
    assert at.segmented_control(key="predict.input").value == "test"
    table = at.dataframe[0].value
    assert len(table) == 12
    assert set(table["right?"]) <= {"✓ right", "✗ wrong"}
    assert (table["right?"] == "✓ right").sum() >= 11  # 97.5% test accuracy
    assert list(table["right?"] == "✓ right") == list(table["top class"] == table["true class"])
    verdict = [m.value for m in (*at.success, *at.error)]
    assert len(verdict) == 1 and "True class" in verdict[0]
    at.button(key="predict.new_samples").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["sample"]) != list(table["sample"])


@pytest.mark.parametrize(
    ("link", "shown"),
    [("bundled:digits_lenat", "bundled:digits_lenet"), ("bundled:shapes_small", "bundled:shapes_small_cnn")],
)
def test_a_mistyped_model_in_the_link_warns_and_opens_the_nearest(app, link, shown):
    at = app(PAGE, model=link)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert f"model={link}" in warnings and shown in warnings
    assert at.selectbox(key="predict.model").value == shown


def test_an_unknown_model_in_the_link_warns_names_the_choices_and_opens_a_valid_one(app):
    at = app(PAGE, model="bundled:nope")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "model=bundled:nope" in warnings and "bundled:digits_lenet" in warnings
    assert at.selectbox(key="predict.model").value in ("bundled:digits_lenet", "bundled:shapes_small_cnn")
    assert at.metric, "a model is shown despite the bad link"


def test_a_link_to_a_model_uploaded_in_another_session_asks_for_its_files(app):
    at = app(PAGE, model="upload")
    assert any("uploaded in another session" in w.value for w in at.warning)
    assert at.selectbox(key="predict.model").value == "bundled:digits_lenet"


def test_the_shapes_model_offers_no_canvas_and_predicts_its_test_samples(app):
    at = app(PAGE, model="bundled:shapes_small_cnn", input="test")
    assert at.segmented_control(key="predict.input").options == ["Upload pictures", "Test-set samples"]
    assert _metric(at, "Input (C × H × W)") == "3 × 32 × 32"
    assert (at.dataframe[0].value["right?"] == "✓ right").sum() >= 11
    assert at.selectbox(key="predict.layer").options[0].startswith("conv1 · ")


def test_the_canvas_asks_for_a_drawing_and_defaults_to_the_models_ink(app):
    at = app(PAGE, input="draw")
    assert not at.exception and not at.error
    assert at.radio(key="predict.ink").value == "dark"  # the digits were dark ink on white paper
    assert any("Draw a digit" in i.value for i in at.info)
    at.radio(key="predict.ink").set_value("light").run()
    assert not at.exception
    assert any("the other way round" in w.value for w in at.warning)


def _weights_pt(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _upload_model(at, weights: tuple[str, bytes], model_json: bytes = DIGITS_JSON) -> None:
    _upload(at, "predict.upload_weights", (*weights, "application/octet-stream"))
    _upload(at, "predict.upload_json", ("model.json", model_json, "application/json"))
    at.button(key="predict.load_model").click().run()
    assert not at.exception, at.exception


def test_an_uploaded_state_dict_and_its_model_json_load_and_predict(app):
    at = app(PAGE)
    state = {k: v.clone() for k, v in load_bundled("digits_lenet").model.state_dict().items()}
    _upload_model(at, ("my_lenet.pt", _weights_pt(state)))
    assert not at.error
    assert at.selectbox(key="predict.model").value == "upload"
    assert at.query_params["model"] in (["upload"], "upload")
    name, data, digit = digit_upload(7)
    _upload(at, "predict.images", (name, data, "image/png"))
    assert _metric(at, "Prediction") == str(digit)


def test_class_names_of_an_uploaded_model_are_shown_as_text_never_as_markdown(app):
    # issue 12 item 14: class names come from uploads; captions, metrics and alerts render Markdown
    import json

    name, data, digit = digit_upload(7)
    info = json.loads(DIGITS_JSON)
    info["classes"][digit] = "[evil](http://evil.example)"
    at = app(PAGE)
    state = {k: v.clone() for k, v in load_bundled("digits_lenet").model.state_dict().items()}
    _upload_model(at, ("w.pt", _weights_pt(state)), json.dumps(info).encode())
    _upload(at, "predict.images", (name, data, "image/png"))
    escaped = r"\[evil\]\(http://evil.example\)"
    assert [m.value for m in at.metric if m.label == "Prediction"] == [escaped]  # the raw Markdown, escaped
    assert any(escaped in c.value for c in at.caption)  # the class names under the model's facts
    assert not any("[evil](http" in element.value for element in [*at.caption, *at.markdown, *at.metric])


class _RunsCode:
    """Pickles into an instruction to call exec(...) on load: what a hostile .pt file carries."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def test_a_hostile_pickle_is_refused_with_a_message_and_never_runs(app, tmp_path):
    marker = tmp_path / "pwned"
    state = {k: v.clone() for k, v in load_bundled("digits_lenet").model.state_dict().items()}
    at = app(PAGE)
    _upload_model(at, ("evil.pt", _weights_pt({**state, "conv1.weight": _RunsCode(marker)})))
    errors = " ".join(e.value for e in at.error)
    assert "evil.pt" in errors and "refused without running anything" in errors
    assert not marker.exists()
    assert at.selectbox(key="predict.model").value == "bundled:digits_lenet"
    assert "upload" not in at.selectbox(key="predict.model").options


def test_weights_without_their_model_json_ask_for_both_files(app):
    at = app(PAGE)
    _upload(at, "predict.upload_weights", ("w.pt", b"not even a zip", "application/octet-stream"))
    at.button(key="predict.load_model").click().run()
    assert any("Choose both files" in e.value for e in at.error)


def test_a_trained_run_from_the_store_is_listed_and_predicts(app, tmp_path):
    app(PAGE)  # lists the runs before there are any (the fixture points STRIDE_RUNS_DIR at tmp_path / "runs")
    store = RunStore(tmp_path / "runs")
    config = TrainConfig(dataset="digits", model="lenet", epochs=1, batch_size=32, max_samples=200, seed=5, threads=1)
    run_id = store.create_run(config.to_dict()).run_id
    assert run_in_store(store, run_id).state == "finished"
    at = app(PAGE, model=f"run:{run_id}", input="test")
    # the link opened without a warning; one epoch on 200 pictures leaves the model unsure, and it says so
    assert [w.value.split(":")[0] for w in at.warning] == ["The model is unsure"], [w.value for w in at.warning]
    assert at.selectbox(key="predict.model").value == f"run:{run_id}"
    assert any(c.value.startswith("Data set: Digits (scikit-learn") for c in at.caption)
    assert len(at.dataframe[0].value) == 12


def test_page_speaks_chinese(app):
    at = app(PAGE)
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "预测"
    assert any(c.value.startswith("数据集：") for c in at.caption)
    name, data, digit = digit_upload(3)
    _upload(at, "predict.images", (name, data, "image/png"))
    assert _metric(at, "预测结果") == str(digit)
    assert at.subheader[-1].value == "3 · 模型内部"


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_typed_digit_is_read_right_and_a_blank_page_is_called_a_guess_with_the_reason(app):
    at = app(PAGE)
    typed, digit, _ = typed_digits()[17]  # DejaVu Sans, small and off centre, the digit 7
    _upload(at, "predict.images", ("seven.png", _png(typed), "image/png"))
    assert _metric(at, "Prediction") == str(digit) == "7"
    assert not at.warning
    _upload(at, "predict.images", ("blank.png", _png(Image.new("RGB", (300, 200), "white")), "image/png"))
    assert [m.label for m in at.metric if m.label.startswith("Best guess")] == ["Best guess (see below)"]
    assert any(w.value.startswith("No ink found") for w in at.warning)
    why = next(e for e in at.expander if e.label.startswith("Why can a model be 99% right"))
    assert any("softmax shares 100%" in m.value for m in why.markdown)
