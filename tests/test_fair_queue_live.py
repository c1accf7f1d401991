"""The fair queue sees machines, not tabs: on a live class server behind a proxy, fresh identities
opened from one address are stored as one machine (issue 12 item 7).

Each tab is the load test's protocol client (tests/streamlit_client.py) sending the
X-Forwarded-For header compose's Caddy adds; the order they then get is tested on both backends in
tests/test_job_contract.py.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from live_server import streamlit_server
from streamlit_client import Session

from core.classroom import client_group
from core.runs import RunStore

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    env = {**os.environ, "STRIDE_RUNS_DIR": str(runs), "STRIDE_TEACHER_PASSWORD": "fair-queue-teacher",
           "STRIDE_BEHIND_PROXY": "1", "STRIDE_MAX_CONCURRENT_RUNS": "1"}  # fmt: skip
    with streamlit_server(ROOT / "streamlit_app.py", tmp_path_factory.mktemp("log") / "streamlit.log", env) as url:
        yield url, RunStore(runs)


async def _start_from(url: str, address: str) -> None:
    """A fresh tab (a new identity) from ``address`` clicks a recipe, which queues a run."""
    async with Session(url, "training", "lang=en", headers={"X-Forwarded-For": f"203.0.113.9, {address}"}) as tab:
        assert (await tab.open()).status == "success"
        outcome = await tab.rerun(click="train.recipe_lenet_digits")
        assert outcome.status in ("success", "fragment_success") and not outcome.exceptions, outcome


def test_fresh_tabs_from_one_machine_are_stored_as_one_machine(class_server):
    url, store = class_server

    async def scenario() -> None:
        for address in ("10.1.2.3", "10.1.2.3", "10.9.9.9"):
            await _start_from(url, address)

    with ThreadPoolExecutor(1) as pool:  # a thread of its own: Playwright may hold this thread's loop
        pool.submit(asyncio.run, scenario()).result()
    runs = sorted(store.list_runs(), key=lambda r: r.created_at)
    assert len({r.owner_id for r in runs}) == 3  # three identities
    # the address the proxy added last counts, not what the browser claimed before it
    assert [r.client for r in runs] == [client_group("10.1.2.3")] * 2 + [client_group("10.9.9.9")]


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "expected"),
    [
        (True, "203.0.113.9, 10.1.2.3", "10.1.2.3"),  # the proxy's own entry is the last one
        (True, "", "192.0.2.1"),  # came past the proxy: its own address
        (False, "10.1.2.3", "192.0.2.1"),  # reached directly: a forged header counts for nothing
    ],
)
def test_the_address_comes_from_the_proxy_only_when_the_server_is_behind_one(
    monkeypatch, behind_proxy, forwarded, expected
):
    from types import SimpleNamespace

    import ui.classroom

    context = SimpleNamespace(headers={"X-Forwarded-For": forwarded}, ip_address="192.0.2.1")
    monkeypatch.setattr(ui.classroom, "st", SimpleNamespace(context=context))
    monkeypatch.setattr(ui.classroom, "settings", lambda: SimpleNamespace(behind_proxy=behind_proxy))
    assert ui.classroom.client_address() == expected
