"""Streamlit helpers shared by the pages; ``core`` knows nothing of them.

- :mod:`ui.app`: the pages in navigation order, a page's first line (:func:`ui.app.start_page`), the sidebar's device line.
- :mod:`ui.text`: the reader's language, translated text, core messages shown as boxes.
- :mod:`ui.keys`: the session-state keys that more than one page (or the app shell) uses.
- :mod:`ui.urlstate`: the one way a page keeps its settings in the URL.
- :mod:`ui.widgets`: uploaders with their size cap, charts, matrices as tables, stale choices.
- :mod:`ui.classroom`: the job queue, the viewer's identity and rights (class mode).
- :mod:`ui.conv_controls`, :mod:`ui.layer_editor`, :mod:`ui.training_form`, :mod:`ui.data_preview`,
  :mod:`ui.run_views`, :mod:`ui.run_list`, :mod:`ui.model_picker`: the larger pieces of one page each.
"""
