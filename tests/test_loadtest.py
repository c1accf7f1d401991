"""The load test, short: six simulated students against a real `streamlit run` server, in CI.

The same command as `make loadtest` (`python -m benchmarks.loadtest`, run here as a process): a
server in class mode, a lone user's slider moves, then two convolution students, one each on the
architecture, predict and training pages, and one hostile student (benchmarks/hostile.py) for
20 s. No timing is asserted (CI machines vary); what is asserted is that nothing broke: no
exception, no unexpected st.error, no closed websocket or timeout, no failed run, no traceback in
the server's log, and that every student got answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STUDENTS = ["conv-1", "conv-2", "arch-1", "predict-1", "train-1", "hostile-1"]
MIN_RERUNS = 3  # the page load and at least two actions in 20 s, thinking ~1 s between them


ROOT = Path(__file__).resolve().parent.parent
COMMAND = [
    *("--students", str(len(STUDENTS)), "--hostile", "1", "--duration", "20", "--baseline-duration", "0"),
    *("--think", "1.0", "--single-moves", "5", "--seed", "0"),
]


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("loadtest")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadtest", *COMMAND, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    [report] = out.glob("loadtest-*.json")  # written whatever the outcome; the exit status says if it erred
    result = json.loads(report.read_text())
    result["report"] = done.stdout
    return result


def test_the_class_mix_is_two_convolution_students_one_on_each_other_page_and_one_hostile(result):
    assert result["config"]["mix"] == {"conv": 2, "arch": 1, "predict": 1, "train": 1, "hostile": 1}


def test_no_errors_under_load(result):
    assert result["errors"] == [], result["report"]


def test_every_student_got_answers(result):
    reruns = result["load"]["reruns"]
    assert sorted(reruns) == sorted(STUDENTS)
    assert min(reruns.values()) >= MIN_RERUNS, reruns


def test_latencies_were_recorded_for_every_kind_of_action(result):
    latency = result["load"]["latency"]
    for category in ("load", "conv_slider", "arch", "predict_upload", "train_click", "train_watch", "hostile"):
        assert latency.get(category, {}).get("n", 0) > 0, (category, latency)
    assert result["single_user"]["latency"]["conv_slider"]["n"] == 5


def test_training_stayed_within_the_cap_and_the_server_was_watched(result):
    queue = result["load"]["queue"]
    assert queue["runs"] >= 1
    assert queue["samples_over_cap"] == 0, queue
    assert result["load"]["memory"]["server_rss_mb"]["peak"] > 0
