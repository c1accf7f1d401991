"""The house plan, checked: which part may import which, and modules small enough to read.

Read from the source with ``ast`` (nothing is run), except one import in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted(p for p in (ROOT / "core").glob("*.py"))  # core/i18n/ holds text tables, not code
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI = sorted((ROOT / "ui").glob("*.py"))
TESTS = sorted((ROOT / "tests").glob("*.py"))
MAX_MODULE_LINES = 450
MAX_PAGE_LINES = 400
RUNS_TRAINING = {"core.worker", "core.train_cli", "core.bundle"}  # the modules that run the loop


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    """Return every module ``path`` imports (``from a.b import c`` gives a.b and a.b.c)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", CORE + UI, ids=_ids(CORE + UI))
def test_a_module_stays_short_enough_to_hold_one_idea(path):
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", PAGES, ids=_ids(PAGES))
def test_a_page_stays_short_enough_to_read_top_to_bottom(path):
    assert len(path.read_text().splitlines()) <= MAX_PAGE_LINES


@pytest.mark.parametrize("path", CORE, ids=_ids(CORE))
def test_core_never_imports_streamlit_or_the_ui(path):
    assert not {m for m in _imports(path) if m.split(".")[0] in ("streamlit", "ui")}


@pytest.mark.parametrize("path", CORE, ids=_ids(CORE))
def test_only_the_modules_that_train_import_the_training_loop(path):
    if "core.train" in _imports(path):
        assert _module(path) in RUNS_TRAINING, "to name a run, import core.config"


@pytest.mark.parametrize("name", ["core.geometry", "core.layer_settings", "core.config", "core.datasets"])
def test_the_pure_rules_and_the_config_load_no_torch_and_no_numpy(name):
    code = f"import sys, {name}; print(sorted(m for m in ('torch', 'numpy', 'streamlit') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", CORE + UI + PAGES, ids=_ids(CORE + UI + PAGES))
def test_no_private_name_is_imported_from_another_module(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("core", "ui"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{node.module}: {private}"


@pytest.mark.parametrize("path", PAGES, ids=_ids(PAGES))
def test_a_page_imports_core_and_ui_but_no_other_page(path):
    assert not {m for m in _imports(path) if m.startswith("pages")}


@pytest.mark.parametrize("path", TESTS, ids=_ids(TESTS))
def test_the_tests_do_not_depend_on_the_benchmarks(path):
    assert not {m for m in _imports(path) if m.split(".")[0] == "benchmarks"}
