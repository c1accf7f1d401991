"""Stride's entry point: the navigation over the pages and the shared sidebar."""

import streamlit as st
import torch

from ui.app import CLASS_PAGE, FAVICON, PAGES, device_info, forget_gone_widgets, freeze_long_lived, settings
from ui.classroom import identity_sidebar
from ui.practice import practice_link
from ui.text import language_selector, t
from ui.urlstate import begin_run, end_navigation

SETTINGS = settings()
torch.set_num_threads(SETTINGS.app_torch_threads)

st.set_page_config(page_title="Stride", page_icon=FAVICON, layout="wide")  # a local file: no icon from the web
forget_gone_widgets()  # before any widget is drawn
begin_run()  # before any URL is read
language_selector()
identity_sidebar()
page = st.navigation(
    [
        st.Page(path, title=t(title_key), icon=icon, default=(path == "pages/home.py"))
        for path, title_key, _, icon in PAGES + ([CLASS_PAGE] if SETTINGS.class_mode else [])
    ]
)
end_navigation()
practice_link(page.url_path)
device_info()
freeze_long_lived()
page.run()
