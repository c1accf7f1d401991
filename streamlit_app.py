"""Stride's entry point: the navigation over the pages and the shared sidebar."""

import streamlit as st
import torch

import ui

SETTINGS = ui.settings()
torch.set_num_threads(SETTINGS.app_torch_threads)

st.set_page_config(page_title="Stride", page_icon=":material/grid_on:", layout="wide")
ui.language_selector()
ui.identity_sidebar()
page = st.navigation(
    [
        st.Page(path, title=ui.t(title_key), icon=icon, default=(path == "pages/home.py"))
        for path, title_key, _, icon in ui.PAGES + ([ui.CLASS_PAGE] if SETTINGS.class_mode else [])
    ]
)
ui.device_info()
page.run()
