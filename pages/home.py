"""Home: what the lab teaches, with a link to the page that shows each idea."""

import streamlit as st

import ui

ui.leave_folder_mode()
t = ui.translator()

st.title(t("app.title"))
st.subheader(t("app.tagline"))
st.write(t("home.intro"))

for path, title_key, description_key, icon in ui.PAGES:
    if description_key is None:
        continue
    with st.container(border=True):
        st.page_link(path, label=t(title_key), icon=icon)
        st.write(t(description_key))
