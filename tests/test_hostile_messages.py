"""Websocket messages no browser sends, as a scripted student would: the pages keep their shapes and run on.

A live `streamlit run` server, driven by the load test's protocol client (tests/streamlit_client.py),
which sends any widget state it is given.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit_client import RunOutcome, Session

from ui.layer_editor import ADD_AT_ONCE

pytestmark = pytest.mark.slow


def _editor_key(session: Session, prefix: str) -> str:
    drawn = session.widget_keys()
    found = [key for key in drawn if key.startswith(prefix)]
    assert found, drawn
    return found[0]


def _edits(edited=None, added=(), deleted=()) -> dict:
    return {"edited_rows": edited or {}, "added_rows": list(added), "deleted_rows": list(deleted)}


def _run(scenario) -> None:
    """Run the coroutine function in a thread of its own: the browser tests' Playwright may hold this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def _ran_clean(outcome: RunOutcome) -> None:
    assert outcome.status in ("success", "fragment_success") and not outcome.exceptions and not outcome.problems, (
        outcome
    )


def test_a_fixed_matrix_editor_keeps_its_shape_whatever_the_websocket_says(server):
    # issue 12 item 12: Streamlit applied 4,000 added rows to the "fixed" 5 x 5 input (4 s), and the
    # matrix then went through corr2d's Python loops; an edit outside the table raised
    async def scenario() -> None:
        async with Session(server, "convolution", "section=matrix&size=5&kernel=3") as session:
            _ran_clean(await session.open())
            key = _editor_key(session, "conv.matrix.x_editor")
            row = {str(c): 9 for c in range(5)}
            grown = await session.rerun({key: _edits({0: {"0": 7}}, added=[row] * 4000)})
            _ran_clean(grown)
            text = "\n".join(grown.texts)
            assert "torch.randn(1, 1, 5, 5)" in text and "4005" not in text, text[:2000]
            assert any("7" in t for t in grown.texts)  # the honest part of the edit still counts
            for state in (
                _edits({50: {"0": 1}}),  # a row that does not exist
                _edits({1: {"9": 1}}),  # a column that does not exist
                _edits(deleted=[0, 1]),  # rows deleted from a fixed editor
            ):
                _ran_clean(await session.rerun({key: state}))

    _run(scenario)


def test_the_layer_editor_takes_a_few_rows_from_one_message(server):
    # Streamlit appends each added row with a pandas assignment: 5,000 rows cut to the layer limit
    # still cost 0.5 s of CPU a message; the table now takes ADD_AT_ONCE and says so
    async def scenario() -> None:
        async with Session(server, "architecture", "preset=lenet") as session:
            _ran_clean(await session.open())
            key = _editor_key(session, "arch.layers.")
            flood = await session.rerun({key: _edits(added=[{"type": "ReLU", "args": "", "name": None}] * 5000)})
            _ran_clean(flood)
            assert any(f"{12 + ADD_AT_ONCE} layers" in t for t in flood.texts), flood.texts
            assert flood.app_reruns == 1
            assert any(f"takes {ADD_AT_ONCE} new rows at a time" in body for _, body in flood.alerts), flood.alerts
            fresh = _editor_key(session, "arch.layers.")
            assert fresh != key  # folded into the model: a fresh table
            _ran_clean(await session.rerun({fresh: _edits({99: {"type": "ReLU"}})}))

    _run(scenario)
