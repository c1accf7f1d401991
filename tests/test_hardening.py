"""A shared class server: the Streamlit settings that protect it, and code patterns that must never appear."""

import ast
import tomllib
from pathlib import Path

import pytest

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
APP_FILES = sorted(
    [ROOT / "streamlit_app.py"]
    + list((ROOT / "ui").glob("*.py"))
    + list((ROOT / "pages").glob("*.py"))
    + list((ROOT / "core").rglob("*.py"))
)


def test_xsrf_protection_is_on():
    assert CONFIG["server"]["enableXsrfProtection"] is True


def test_students_never_see_error_details_or_the_developer_menu():
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["client"]["toolbarMode"] == "viewer"


def test_streamlits_upload_cap_matches_the_apps_default():
    assert CONFIG["server"]["maxUploadSize"] == Settings().max_upload_mb


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            yield node


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_html_rendering_and_no_tracebacks_in_the_app(path):
    for call in _calls(path):
        keywords = {k.arg: k.value for k in call.keywords}
        allow = keywords.get("unsafe_allow_html")
        assert not (isinstance(allow, ast.Constant) and allow.value is True), f"{path}:{call.lineno}"
        func = call.func
        if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "st":
            assert func.attr not in ("html", "exception"), f"{path}:{call.lineno}: st.{func.attr} (HTML or traceback)"


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_torch_load_refuses_pickled_code(path):
    for call in _calls(path):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "load" and getattr(func.value, "id", "") == "torch":
            keywords = {k.arg: k.value for k in call.keywords}
            flag = keywords.get("weights_only")
            assert isinstance(flag, ast.Constant) and flag.value is True, f"{path}:{call.lineno}"


def test_a_websocket_message_may_carry_only_the_widget_state_the_pages_need():
    # issue 12 item 12: Streamlit's default accepts 25 MB of widget state per message
    from core.spec_parsing import MAX_SPEC_BYTES

    assert CONFIG["server"]["maxWidgetStateSize"] == 1  # MB: the largest widget value is a 200 KB spec
    assert MAX_SPEC_BYTES < 1_000_000
