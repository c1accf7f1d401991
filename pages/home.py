"""Home: what the lab teaches, with a link to the page that shows each idea."""

import streamlit as st

import ui
from ui import t

ui.leave_folder_mode()

st.title(t("app.title"))
st.subheader(t("app.tagline"))
st.write(t("home.intro"))

for path, title_key, description_key, icon in ui.PAGES:
    if description_key is None:
        continue
    with st.container(border=True):
        st.page_link(path, label=t(title_key), icon=icon)
        st.write(t(description_key))
