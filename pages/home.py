"""Home: what the lab teaches, with a link to the page that shows each idea, and what the teacher published."""

import streamlit as st

from core.i18n import escape_markdown
from ui.app import CONVOLUTION_PAGE, PAGES, TRAINING_PAGE, settings, start_page
from ui.class_results import teacher_sets, teacher_sets_home
from ui.classroom import open_classroom

t = start_page()


def teacher_board() -> None:
    """In class mode: the teacher's pinned convolution settings and recipes, each a link to its page."""
    board, sets = open_classroom().board, teacher_sets()
    if not (board.pins or board.recipes or sets):
        return
    with st.container(border=True):
        st.subheader(t("class.from_teacher"), anchor=False)
        for title_key, page, items in (
            ("class.teacher_pins", CONVOLUTION_PAGE, [(p.title, p.params) for p in board.pins]),
            ("class.teacher_recipes", TRAINING_PAGE, [(r.title, {"recipe": r.recipe_id}) for r in board.recipes]),
        ):
            if items:
                st.markdown(f"**{t(title_key)}**")
            for title, params in items:
                # st.page_link shows its label as Markdown: the teacher's title is escaped first
                st.page_link(page, label=escape_markdown(title), query_params=params, icon=":material/push_pin:")
        teacher_sets_home(sets)


st.title(t("app.title"))
st.subheader(t("app.tagline"))
st.write(t("home.intro"))
if settings().class_mode:
    teacher_board()

for path, title_key, description_key, icon in PAGES:
    if description_key is None:
        continue
    with st.container(border=True):
        st.page_link(path, label=t(title_key), icon=icon)
        st.write(t(description_key))
