"""Check yourself (issue 17): checking an answer, and the teacher's view of a class's answers.

Two rows, each next to an AppTest rerun of an empty script timed in the same run (interleaved):

- an AppTest rerun of pages/practice.py after typing an answer and pressing Check (a mixed set of
  10 questions, shown one at a time; each repetition goes to the next question, untimed, and
  answers it wrong, so every answer is checked, hinted and written to the class database).
  Checked after the clock stops: the verdict is "wrong" and its hint is shown.
  Target: p95 <= 100 ms.
- an AppTest rerun of pages/classroom.py in teacher mode, over a class database holding 30 students
  x 50 answers (five sets of ten questions each, right or a slip, as a class would answer them),
  switching the view between every set and one published set. Checked: the per-kind table lists the
  kinds answered. Target: p95 <= 300 ms.

`python -m benchmarks.bench_practice [--repeats N]` runs it alone and prints the table.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.page_rerun import APP, BASELINE, TIMEOUT_S, empty_rerun
from benchmarks.timing import Comparison, interleaved, machine_header, stopwatch_ms

PASSWORD = "bench-teacher-password"
STUDENTS, SETS = 30, ("convolution-10-1", "architecture-10-2", "training-10-3", "convolution-10-4", "architecture-10-5")
ANSWER_SET = "mixed-10-2026"


def _page(page: str, **query: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params.update(query)
    at.run()
    at.switch_page(page)
    at.query_params.update(query)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    return at


def answer_rerun() -> Callable[[int], float]:
    """Return a measurement: one timed rerun of the practice page after a wrong answer is checked."""
    from core.practice import parse_set

    chosen = parse_set(ANSWER_SET)
    at = _page("pages/practice.py", set=ANSWER_SET)

    def rerun(i: int) -> float:
        index = i % chosen.size
        wrong = ", ".join(f"{v + 1 + i:g}" for v in chosen.question(index).expected.value)
        at.segmented_control(key="practice.q").set_value(index).run()  # one question at a time; not timed
        at.text_input(key=f"practice.answer_{ANSWER_SET}_{index}").input(wrong)
        submit = next(b for b in at.button if b.key.startswith(f"FormSubmitter:practice.form_{ANSWER_SET}_{index}-"))
        start = time.perf_counter_ns()
        submit.click().run()
        elapsed = stopwatch_ms(start)
        verdict = at.session_state[f"practice._verdict_{ANSWER_SET}_{index}"]
        if at.exception or verdict.outcome != "wrong" or len(at.warning) != 1:
            raise RuntimeError(f"the practice page did not show the hint: {at.exception}")
        return elapsed

    return rerun


def fill_class(runs_dir: Path) -> None:
    """Write 30 students x 50 answers into the class database, through core.practice as the page does."""
    from core import practice
    from core.class_state import open_class_state

    state = open_class_state(runs_dir)
    rng = random.Random(17)
    for set_id in SETS:
        chosen = practice.parse_set(set_id)
        practice.publish_set(state, f"Set {set_id}", chosen)
        questions = [chosen.question(i) for i in range(chosen.size)]
        for student in range(STUDENTS):
            for index, question in enumerate(questions):
                slips = question.expected.mistakes
                typed = question.answer
                if slips and rng.random() < 0.4:
                    typed = ", ".join(f"{v:.6f}" for v in rng.choice(slips)[0])
                practice.answer(state, f"owner-{student}", f"student-{student:02d}", chosen, index, typed)


def _kinds(set_ids: tuple[str, ...]) -> int:
    from core.practice import parse_set

    return len({kind for set_id in set_ids for kind, _ in parse_set(set_id).questions()})


def teacher_rerun() -> Callable[[int], float]:
    """Return a measurement: one timed rerun of the Class page (teacher) switching which answers it sums up."""
    fill_class(Path(os.environ["STRIDE_RUNS_DIR"]))
    expected = {"": _kinds(SETS), SETS[0]: _kinds(SETS[:1])}
    at = _page("pages/classroom.py")
    at.text_input(key="class.password").input(PASSWORD)
    at.button(key="class.unlock").click().run()

    def rerun(i: int) -> float:
        which = "" if i % 2 else SETS[0]
        start = time.perf_counter_ns()
        at.selectbox(key="results.which").set_value(which).run()
        elapsed = stopwatch_ms(start)
        kinds = at.dataframe[-2].value
        if at.exception or len(kinds) != expected[which]:
            raise RuntimeError(f"the class's results are wrong: {at.exception} {len(kinds)} kinds")
        return elapsed

    return rerun


def run(repeats: int) -> list[Comparison]:
    """Time checking an answer and the teacher's view, each next to the empty script's rerun."""
    results = [
        Comparison(
            "server: practice page, check a typed answer (hint, kept in the class database)",
            BASELINE,
            100,
            *interleaved(answer_rerun(), empty_rerun(), repeats),
        )
    ]
    saved = {name: os.environ.get(name) for name in ("STRIDE_TEACHER_PASSWORD", "STRIDE_RUNS_DIR")}
    os.environ["STRIDE_TEACHER_PASSWORD"] = PASSWORD
    class_dir = Path(saved["STRIDE_RUNS_DIR"] or "runs") / "bench-class"  # a class database of its own
    os.environ["STRIDE_RUNS_DIR"] = str(class_dir)
    try:
        results.append(
            Comparison(
                f"server: Class page, teacher's view of {STUDENTS} students x 50 answers",
                BASELINE,
                300,
                *interleaved(teacher_rerun(), empty_rerun(), repeats),
            )
        )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return results


def main() -> int:
    import tempfile

    from benchmarks.__main__ import plain, rows
    from tests.apptest import navigation_known

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_practice")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stride-bench-runs-") as runs_dir, navigation_known():
        os.environ["STRIDE_RUNS_DIR"] = runs_dir
        results = run(args.repeats)
    print(plain(machine_header(args.repeats), rows(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
