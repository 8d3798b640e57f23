"""Home: what the product does, the article's five steps, and where the user stands."""

from __future__ import annotations

import streamlit as st

import ui
from icp_core import health, schema

tr = ui.tr

st.title(tr("home.title"))
st.markdown(tr("home.what"))

try:
    report = ui.cached(health.check)
except Exception as err:
    ui.show_error(err)
    st.stop()

STATUS_ICON = {"ready": ":material/check_circle:", "partial": ":material/pending:", "missing": ":material/radio_button_unchecked:"}
STATUS_COLOR = {"ready": "green", "partial": "orange", "missing": "gray"}
# Which page helps with which step (listed only when the page exists).
STEP_PAGES = {1: "pages/pmf.py", 2: "pages/segments.py", 3: "pages/segments.py", 4: "pages/market.py", 5: "pages/profile.py"}

left, right = st.columns([3, 2], gap="large")

with left:
    st.subheader(tr("home.steps_title"))
    for step in report.steps():
        with st.container(border=True):
            head, badge = st.columns([3, 1.3], vertical_alignment="center")
            head.markdown(f"**{step.number}. {tr(f'health.step.{step.key}')}**")
            badge.badge(tr(f"home.status.{step.status}"), icon=STATUS_ICON[step.status], color=STATUS_COLOR[step.status])
            st.caption(tr(f"home.step_text.{step.key}"))
            if step.missing:
                names = ", ".join(tr(f"health.fig.{f}") for f in step.missing)
                st.caption(tr("home.step_missing", figures=names))
            target = STEP_PAGES.get(step.number)
            if target and ui.page_exists(target):
                st.page_link(target, label=tr("home.open_page", page=tr("nav." + target[6:-3])), icon=":material/arrow_forward:")

with right:
    st.subheader(tr("home.stand_title"))
    if not report.rows:
        st.warning(tr("home.no_data"))
    rows = [
        {
            tr("home.col_table"): tr(f"table.{name}"),
            tr("home.col_rows"): ui.fmt_number(report.rows.get(name)) if report.rows.get(name) else "–",
            tr("home.col_status"): tr("home.loaded") if report.rows.get(name) else (tr("home.required") if name == "accounts" else tr("home.optional")),
        }
        for name in schema.TABLES
    ]
    st.markdown(ui.markdown_table(rows, right=(tr("home.col_rows"),)))  # not st.dataframe: see ui.markdown_table

    blocked = report.blocked_messages("accounts", ui.lang())
    available = sum(report.figures.values())
    st.subheader(tr("home.health_title"))
    st.caption(tr("home.health_summary", available=ui.fmt_number(available), total=ui.fmt_number(len(report.figures))))
    for message in blocked[:4]:
        st.warning(message, icon=":material/lock:")
    if len(blocked) > 4:
        st.caption(tr("home.more_blocked", n=ui.fmt_number(len(blocked) - 4)))
    if ui.page_exists("pages/data.py"):
        st.page_link("pages/data.py", label=tr("home.to_data"), icon=":material/upload_file:")
