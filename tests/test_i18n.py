"""The translation mechanism: every key in both languages, with the same placeholders."""

import string

import pytest

from core import i18n
from core.i18n import Message, UserError


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    en, zh = i18n.CATALOG[key]
    assert en.strip() and zh.strip()
    assert _fields(en) == _fields(zh)


def test_text_is_rendered_in_the_readers_language():
    assert i18n.t("nav.convolution", "en") == "Convolution"
    assert i18n.t("nav.convolution", "zh") == "卷积"
    message = Message("url.bad_pair", {"name": "kernel", "value": "abc", "default": "3"})
    assert "kernel=abc" in message.text("en") and "kernel=abc" in message.text("zh")
    assert str(UserError(message)) == message.text("en")


def test_user_text_cannot_add_links_or_images_to_markdown():
    message = Message("url.bad_choice", {"name": "mode", "value": "![x](http://tracker)", "choices": "a", "used": "a"})
    assert "![x](http" in message.text("en")  # inside a code span: shown literally, not rendered
    hostile = Message("images.could_not_decode", {"name": "[click](http://evil)", "detail": "*bold*"})
    text = hostile.text("en", markdown=True)
    assert "[click](" not in text and r"\[click\]\(http://evil\)" in text
    assert r"\*bold\*" in text
    assert "`a`b`" not in Message("url.bad_pair", {"name": "x", "value": "a`b", "default": "3"}).text(
        "en", markdown=True
    )
