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
