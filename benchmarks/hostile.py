"""The load test's hostile students: what issue 12 found one student could do to the other twenty-nine.

A :class:`HostileStudent` acts like the honest ones (a think time between actions) but each action
is an attack, drawn at random:

- ``weights``: a model upload on Predict that is not what it claims: 1.8 KB of expanded zeros
  standing for 1.9 GB of parameters, weights holding NaN, a tiny model on 1024 x 1024 inputs;
- ``tiff``: a 247 KB float TIFF of 6324 x 6324 pixels; ``batch``: 60 pictures in one upload;
- ``flood``: a fresh tab (so a fresh identity) on Training clicks a recipe, then leaves;
- ``resume``: one identity starts, stops and resumes its runs again and again;
- ``editor``: 4,000 rows added to the Convolution page's fixed input matrix, 5,000 to the
  Architecture page's layer editor, and a 1.3 MB editor message past ``maxWidgetStateSize``;
- ``guess``: a wrong teacher password on the Class page.

What the server answers is recorded like any student's (category "hostile"): refusals and the
messages these attacks are meant to provoke are expected, an exception or a traceback is an
error. The honest students' latencies, run waits and the server's memory are what the attacks
must leave alone.
"""

from __future__ import annotations

import io
import json
import random
from typing import Any

from tests.streamlit_client import ProtocolError, Session

ATTACKS = {"weights": 3, "tiff": 1, "batch": 1, "flood": 3, "resume": 2, "editor": 2, "guess": 1}  # relative weights
# what these attacks provoke on purpose (core.i18n keys, by prefix): counted as expected, not as errors
EXPECTED = ("inference.", "images.", "data.", "predict.", "classroom.", "limits.", "models.", "arch.", "geometry.")


def _torch_bytes(state: dict) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def hostile_files() -> dict[str, Any]:
    """Return the files the attacks upload: (weights, model.json) pairs, the float TIFF, small PNGs."""
    import torch
    from PIL import Image

    from core.model_files import MODELS_DIR, load_bundled

    def table_json(layers: list[dict], input_shape: list[int], classes: int) -> bytes:
        info = {
            "spec": {"input_shape": input_shape, "layers": layers},
            "classes": [f"c{i}" for i in range(classes)],
            "input_shape": input_shape,
            "kind": "tabular",
            "standardization": {"feature_names": ["f"] * input_shape[0], "mean": [0.0] * input_shape[0],
                                "std": [1.0] * input_shape[0]},
        }  # fmt: skip
        return json.dumps(info).encode()

    expanded = {
        "fc1.weight": torch.zeros(1).expand(160_000, 3072),
        "fc1.bias": torch.zeros(1).expand(160_000),
        "fc2.weight": torch.zeros(1).expand(2, 160_000),
        "fc2.bias": torch.zeros(2),
    }
    linear = [
        {"type": "Linear", "args": {"in_features": 3072, "out_features": 160_000}},
        {"type": "Linear", "args": {"in_features": 160_000, "out_features": 2}},
    ]
    lenet = load_bundled("digits_lenet")
    poisoned = {k: v.clone() for k, v in lenet.model.state_dict().items()}
    next(v for k, v in poisoned.items() if k.endswith("weight")).view(-1)[0] = float("nan")
    wide = json.loads((MODELS_DIR / "digits_lenet" / "model.json").read_text())
    wide["input_shape"] = wide["spec"]["input_shape"] = [1, 1024, 1024]
    wide["preprocessing"]["size"] = [1024, 1024]
    tiff = io.BytesIO()
    Image.new("F", (6324, 6324)).save(tiff, "TIFF", compression="tiff_adobe_deflate")
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(png, "PNG")
    return {
        "models": [
            ("expanded.pt", _torch_bytes(expanded), table_json(linear, [3072], 2)),
            ("nan.pt", _torch_bytes(poisoned), (MODELS_DIR / "digits_lenet" / "model.json").read_bytes()),
            ("wide.pt", _torch_bytes(lenet.model.state_dict()), json.dumps(wide).encode()),
        ],
        "tiff": tiff.getvalue(),
        "png": png.getvalue(),
    }


def _edits(added: list[dict]) -> dict:
    return {"edited_rows": {}, "added_rows": added, "deleted_rows": []}


class HostileMixin:
    """The attacks; mixed into the load test's Student (which gives rng, rerun, recorder, think)."""

    FILES: dict[str, Any] = {}
    url = ""
    query = ""

    async def act(self, session: Session) -> float:
        attack = self.rng.choices(list(ATTACKS), weights=list(ATTACKS.values()))[0]
        self.did(f"attack {attack}")
        await getattr(self, f"attack_{attack}")(session)
        return self.think()

    async def attack_weights(self, session: Session) -> None:
        name, weights, model_json = self.rng.choice(self.FILES["models"])
        await self.upload(session, "predict.upload_weights", [(name, weights, "application/octet-stream")])
        await self.upload(session, "predict.upload_json", [("model.json", model_json, "application/json")])
        await self.rerun(session, "hostile", click="predict.load_model")

    async def attack_tiff(self, session: Session) -> None:
        await self.upload(session, "predict.images", [("float.tif", self.FILES["tiff"], "image/tiff")])

    async def attack_batch(self, session: Session) -> None:
        files = [(f"{i}.png", self.FILES["png"], "image/png") for i in range(60)]
        await self.upload(session, "predict.images", files)

    async def upload(self, session: Session, key: str, files: list) -> None:
        http_s, outcome = await session.upload(key, files)
        self.recorder.outcome(self, "hostile", outcome)

    async def attack_flood(self, session: Session) -> None:
        """A fresh tab is a fresh identity: it queues one run and leaves."""
        async with Session(self.url, "training", self.query, headers=self.headers) as tab:
            self.recorder.outcome(self, "hostile", await tab.open())
            await self.rerun(tab, "hostile", click="train.recipe_lenet_digits")

    async def attack_resume(self, session: Session) -> None:
        """One identity: start a run, stop it, resume its runs one after another."""
        trainer = self.trainer
        if trainer is None or trainer.closed:
            self.trainer = trainer = Session(self.url, "training", self.query, headers=self.headers)
            self.recorder.outcome(self, "hostile", await trainer.open())
        step = self.rng.choice(("start", "stop", "resume", "resume"))
        if step == "start":
            await self.rerun(trainer, "hostile", click="train.recipe_lenet_digits")
        elif trainer.widget("train.selected") is not None:
            runs = trainer.widget("train.selected").options
            if step == "resume" and len(runs) > 1:
                await self.rerun(trainer, "hostile", values={"train.selected": self.rng.choice(runs)})
            button = "train.stop_selected" if step == "stop" else "train.resume"
            if trainer.widget(button) is not None and not trainer.widget(button).proto.disabled:
                await self.rerun(trainer, "hostile", click=button)

    async def attack_editor(self, session: Session) -> None:
        page, prefix, row, rows = self.rng.choice(
            [
                ("convolution", "conv.matrix.x_editor", {str(c): 9 for c in range(5)}, 4000),
                ("architecture", "arch.layers.", {"type": "ReLU", "args": "", "name": None}, 5000),
                ("convolution", "conv.matrix.x_editor", {str(c): 9 for c in range(5)}, 30_000),  # 1.3 MB: past the cap
            ]
        )
        async with Session(self.url, page, self.query, headers=self.headers) as tab:
            self.recorder.outcome(self, "hostile", await tab.open())
            key = next((k for k in tab.widget_keys() if k.startswith(prefix)), None)
            if key is None:
                return
            self.did(f"{rows} rows added to {key}")  # not the value itself: errors quote the last actions
            try:
                self.recorder.outcome(self, "hostile", await tab.rerun(values={key: _edits([row] * rows)}))
            except ProtocolError as exc:  # the server closes a session whose message is too large
                self.recorder.notices[f"hostile: closed after a {rows}-row editor message: {exc}"[:120]] += 1

    async def close(self) -> None:
        if self.trainer is not None:
            await self.trainer.close()

    async def attack_guess(self, session: Session) -> None:
        async with Session(self.url, "classroom", self.query, headers=self.headers) as tab:
            self.recorder.outcome(self, "hostile", await tab.open())
            guess = "".join(self.rng.choice("abcdefghij") for _ in range(12))
            await self.rerun(tab, "hostile", values={"class.password": guess}, click="class.unlock")


def make_hostile_class(student_class: type) -> type:
    """Return the load test's hostile student: its Student class with the attacks mixed in."""

    class HostileStudent(HostileMixin, student_class):
        kind = "hostile"

        def __init__(self, name: str, rng: random.Random, think_s: float, recorder: Any, **kwargs: Any):
            super().__init__(name, rng, think_s, recorder, **kwargs)
            self.trainer: Session | None = None

    return HostileStudent
