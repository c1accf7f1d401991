"""Every piece of UI text, in English and Simplified Chinese.

One mechanism for the whole app: each module in this package holds a ``TEXT`` dict that maps
a key to an ``(english, chinese)`` pair, and this module merges them. Plain Python dicts instead
of gettext catalogs: no compile step, both languages sit side by side in one line so a missing
or stale translation shows in review, and ``tests/test_i18n.py`` checks that every key has both
languages with the same ``{placeholders}``. Formulas, code and PyTorch names are never translated.

``core`` modules never format user-facing text themselves: they return a :class:`Message`
(a key plus parameters) and the page renders it in the reader's language.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "简体中文"}


def _load_catalog() -> dict[str, tuple[str, str]]:
    catalog: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in module.TEXT.items():
            if key in catalog:
                raise ValueError(f"text key {key!r} is defined twice (again in {info.name}.py)")
            catalog[key] = pair
    return catalog


CATALOG = _load_catalog()


def t(key: str, lang: str = "en", /, *, markdown: bool = False, **params: Any) -> str:
    """Return the text for ``key`` in ``lang`` with ``params`` filled in.

    With ``markdown=True`` the result is meant for a Markdown element (st.error, st.markdown), and
    text parameters, which may be file names or class names a user chose, cannot add links,
    images or formatting: they are escaped, or lose their backticks inside a code span.
    """
    en, zh = CATALOG[key]
    text = zh if lang == "zh" else en
    if markdown:
        params = {name: _markdown_safe(text, name, value) for name, value in params.items()}
    return text.format(**params) if params else text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~$])")


def escape_markdown(text: str) -> str:
    """Return text with every Markdown control character backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown_safe(template: str, name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if re.search(r"`[^`]*\{" + re.escape(name) + r"[^}]*\}[^`]*`", template):
        return value.replace("`", "'")  # inside a code span nothing is interpreted but a backtick
    return escape_markdown(value)


@dataclass(frozen=True)
class Message:
    """A user-facing sentence that core produces and the page renders in the reader's language."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en", *, markdown: bool = False) -> str:
        return t(self.key, lang, markdown=markdown, **self.params)

    def __str__(self) -> str:
        return self.text("en")


class UserError(ValueError):
    """An error the user can act on: it carries a translatable :class:`Message`."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message
