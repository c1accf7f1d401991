"""The one way a page keeps its settings in the URL, so that any view can be shared as a link.

A page declares its URL parameters once, as :class:`Param`\\ s: how the text of the parameter
becomes session state (``read``, which names the problem and the value it used when the text was
not valid) and how the session state becomes text again (``write``). :class:`PageUrl` then does
the same two things for every page:

- :meth:`PageUrl.read`, at the top of the page: when the URL differs from what this page last
  wrote and came from outside (a shared link, a bookmark, a fresh tab, a link from another page,
  the browser's back and forward buttons: see :func:`begin_run`), each parameter in it is read,
  in the declared order (so a section is known before the sizes that depend on it); the problems
  come back to be shown as warnings. A URL the page wrote itself is not read again, so widgets
  keep their values.
- :meth:`PageUrl.write`, at the end: the current settings go into the URL; the page's parameters
  that have no value any more are removed, and other pages' parameters (``lang``, ``me``) are left.

URL text is untrusted input: every ``read`` clamps or replaces what it cannot use, never raises.
:func:`pair_param` and :func:`choice_param` build the common kinds; the parsing itself is
:mod:`core.urlstate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.formatting import format_number
from core.i18n import Message
from core.urlstate import format_pair, parse_choice, parse_pair

S = st.session_state

Reader = Callable[[str], Message | None]  # URL text -> session state; the problem, if it had to change
Writer = Callable[[], str | None]  # session state -> URL text; None: leave the parameter out
OUTSIDE = "_url.outside"  # may this run's URL come from outside the page (begin_run)
PAGE = "_url.page"  # the page the last run showed


def begin_run() -> None:
    """Once a run, before any URL is read: note whether the URL may come from outside the page.

    The browser sends its address with every rerun. After a run writes new settings into it, the
    next rerun can still carry the address from before, when the student clicked again before the
    browser had the new one (a slow run, a slow network): read as a link, it would undo what they
    had just changed. So the URL counts as new only on a fresh tab, on arriving at a page (a link,
    the navigation) and on the browser's back and forward buttons (Streamlit internals: without
    them, every run counts).
    """
    ctx = get_script_run_ctx()
    page = getattr(ctx, "page_script_hash", None)
    S[OUTSIDE] = ctx is None or getattr(ctx, "is_history_navigation", True) or page != S.get(PAGE)


def end_navigation() -> None:
    """After ``st.navigation``: remember the page this run shows (a first load names it only now)."""
    S[PAGE] = getattr(get_script_run_ctx(), "page_script_hash", None)


@dataclass(frozen=True)
class Param:
    """One URL parameter of a page."""

    name: str
    read: Reader
    write: Writer


class PageUrl:
    """The URL parameters one page (or the app shell) owns; see the module docstring."""

    def __init__(self, owner: str, params: Sequence[Param]):
        self.params = tuple(params)
        self.state_key = f"_url.{owner}"  # what this owner last wrote, so its own writes are not read back

    def read(self) -> list[Message]:
        """Copy the URL's parameters into session state when the URL came from outside; return the problems."""
        raw = {p.name: st.query_params[p.name] for p in self.params if p.name in st.query_params}
        if (
            raw == S.get(self.state_key)
            or not S.get(OUTSIDE, True)
            or getattr(get_script_run_ctx(), "fragment_ids_this_run", None)
        ):
            return []  # this page's own URL, or one from before its last write (a fragment's rerun never brings a new one)
        problems = []
        for param in self.params:
            if param.name in raw and (problem := param.read(raw[param.name])) is not None:
                problems.append(problem)
        return problems

    def write(self) -> dict[str, str]:
        """Put the current settings in the URL (removing this page's parameters that have none); return them."""
        values = {p.name: text for p in self.params if (text := p.write()) is not None}
        current = st.query_params.to_dict()  # once: each look into st.query_params goes through the script's context
        for param in self.params:
            if param.name not in values and param.name in current:
                del st.query_params[param.name]
        changed = {name: text for name, text in values.items() if current.get(name) != text}
        if changed:
            st.query_params.update(changed)
        S[self.state_key] = values
        return values


def pair_param(
    name: str, key: str, bounds: Callable[[], tuple[int, int, tuple[int, int]]], on_read: Callable[[int, int], None]
) -> Param:
    """Return a "N or HxW" parameter stored in ``key + "_h"`` and ``key + "_w"``.

    ``bounds()`` gives (lowest, highest, default) as the widgets use them *now* (a section may
    have its own), so a link is clamped exactly where the slider would stop, with a warning.
    ``on_read(h, w)`` runs after a value is read (e.g. to show H and W apart when they differ).
    """

    def read(raw: str) -> Message | None:
        low, high, default = bounds()
        (h, w), problem = parse_pair(raw, name, low, high, default)
        S[f"{key}_h"], S[f"{key}_w"] = h, w
        on_read(h, w)
        return problem

    def write() -> str | None:
        if f"{key}_h" not in S:
            return None
        return format_pair((S[f"{key}_h"], S[f"{key}_w"]))

    return Param(name, read, write)


def choice_param(name: str, key: str, choices: Callable[[], Sequence[str]], default: str | None = None) -> Param:
    """Return a parameter that is one of ``choices()`` (any case), stored in ``key``; a typo gets "did you mean"."""

    def read(raw: str) -> Message | None:
        options = list(choices())
        S[key], problem = parse_choice(raw, name, options, default if default in options else options[0])
        return problem

    return Param(name, read, lambda: S.get(key))


def number_param(
    name: str,
    key: str,
    low: float,
    high: float,
    default: float,
    cast: type = int,
    step: float = 0,
    choices: Sequence[float] = (),
) -> Param:
    """Return a number parameter stored in ``key``: clamped to [low, high], cast to int, float or bool.

    With ``step`` (a slider's) the value read is rounded to the nearest step; with ``choices`` (a
    select slider's, spread over decades) to the nearest choice on a log scale. Text that is not a
    number gives ``default``; any change is named in a warning with the value used.
    """

    def read(raw: str) -> Message | None:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        used = default if math.isnan(value) else min(max(value, low), high)
        if step:
            used = round(low + round((used - low) / step) * step, 6)
        if choices:
            used = min(choices, key=lambda choice: abs(math.log10(choice + 1e-12) - math.log10(used + 1e-12)))
        S[key] = used = cast(used)
        if value != float(used):
            shown = {"low": format_number(low), "high": format_number(high), "used": format_number(used)}
            return Message("url.out_of_range", {"name": name, "value": raw[:20], **shown})
        return None

    return Param(name, read, lambda: format_number(float(S[key])) if key in S else None)
