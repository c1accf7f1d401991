"""AppTest as a warm `streamlit run` server runs the app: told once that the app uses st.navigation.

AppTest forgets before every run that the app uses st.navigation, so each run would first execute
the page file alone as an old-style `pages/` app (and the page then reruns itself through
``ui.app.start_page``); a real server learns it on its first run and never does that again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def navigation_known() -> Iterator[None]:
    """While inside, every AppTest run starts as a server that has seen st.navigation."""
    from streamlit.runtime.pages_manager import PagesManager

    start = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        start(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = start


def open_folds(at, *keys: str):
    """Open the folds (``ui.widgets.folded`` expanders) of these keys, as a click would, and rerun."""
    for key in keys:
        at.session_state[key] = True
    return at.run()
