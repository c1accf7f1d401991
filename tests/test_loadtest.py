"""The load test, short: five simulated students against a real `streamlit run` server, in CI.

The same code as `make loadtest` (benchmarks/loadtest.py): a server in class mode, a lone user's
slider moves, then two convolution students, one each on the architecture, predict and training
pages for 20 s. No timing is asserted (CI machines vary); what is asserted is that nothing broke:
no exception, no unexpected st.error, no closed websocket or timeout, no failed run, no traceback
in the server's log, and that every student got answers.
"""

from __future__ import annotations

import concurrent.futures

import pytest

from benchmarks.loadtest import format_report, run_loadtest

pytestmark = pytest.mark.slow

STUDENTS = ["conv-1", "conv-2", "arch-1", "predict-1", "train-1"]
MIN_RERUNS = 3  # the page load and at least two actions in 20 s, thinking ~1 s between them


@pytest.fixture(scope="module")
def result() -> dict:
    # its own thread: Playwright's sync API (the browser tests) keeps an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(run_loadtest, students=len(STUDENTS), duration_s=20, think_s=1.0, single_moves=5, seed=0)
        return done.result()


def test_the_class_mix_is_two_convolution_students_and_one_on_each_other_page(result):
    assert result["config"]["mix"] == {"conv": 2, "arch": 1, "predict": 1, "train": 1}


def test_no_errors_under_load(result):
    assert result["errors"] == [], format_report(result)


def test_every_student_got_answers(result):
    reruns = result["load"]["reruns"]
    assert sorted(reruns) == sorted(STUDENTS)
    assert min(reruns.values()) >= MIN_RERUNS, reruns


def test_latencies_were_recorded_for_every_kind_of_action(result):
    latency = result["load"]["latency"]
    for category in ("load", "conv_slider", "arch", "predict_upload", "train_click", "train_watch"):
        assert latency.get(category, {}).get("n", 0) > 0, (category, latency)
    assert result["single_user"]["latency"]["conv_slider"]["n"] == 5


def test_training_stayed_within_the_cap_and_the_server_was_watched(result):
    queue = result["load"]["queue"]
    assert queue["runs"] >= 1
    assert queue["samples_over_cap"] == 0, queue
    assert result["load"]["memory"]["server_rss_mb"]["peak"] > 0
