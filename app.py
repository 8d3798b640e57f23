"""ICP Workbench: the entry point. Page setup, navigation, sidebar (language, store, sample data).

    uv run streamlit run app.py
"""

from __future__ import annotations

import streamlit as st

import ui
from icp_core.i18n import LANGS

st.set_page_config(page_title="ICP Workbench", page_icon=":material/target:", layout="wide")

# The store stays open for the whole run (one DuckDB connection kept, closed when the run ends): the
# sidebar's, the first launch's and the page's reads reuse it instead of opening the file each time.
with ui.holding_store():
    if "lang" not in st.session_state:  # a shared link (?lang=de) opens in its language
        st.session_state["lang"] = st.query_params.get("lang") if st.query_params.get("lang") in LANGS else "en"
    tr = ui.tr

    # (page file, title key, icon): a page is listed when its file exists, so pages land independently.
    PAGES: list[tuple[str, str, str]] = [
        ("pages/home.py", "nav.home", ":material/home:"),
        ("pages/data.py", "nav.data", ":material/upload_file:"),
        ("pages/pmf.py", "nav.pmf", ":material/query_stats:"),
        ("pages/segments.py", "nav.segments", ":material/donut_small:"),
        ("pages/market.py", "nav.market", ":material/public:"),
        ("pages/icp.py", "nav.profile", ":material/badge:"),
        ("pages/prospects.py", "nav.prospects", ":material/leaderboard:"),
    ]

    with st.sidebar:
        st.radio(tr("app.language"), LANGS, key="lang", horizontal=True, format_func=lambda code: tr(f"app.lang.{code}"))
    ui.set_url("lang", st.session_state["lang"])
    ui.require_access()  # with sign-in configured, nothing below runs before the visitor is let in
    with st.sidebar:
        ui.apply_workspace_switch()
        ui.workspace_sidebar()

    try:
        ui.ensure_first_launch()
        store_ok = True
    except Exception as err:  # an unusable store location: say so, keep the app alive
        ui.show_error(err)
        store_ok = False

    page = st.navigation(
        [st.Page(path, title=tr(key), icon=icon, default=(path == "pages/home.py")) for path, key, icon in PAGES if ui.page_exists(path)]
    )

    with st.sidebar:
        st.divider()
        if store_ok:
            partly = ui.sample_tables()
            if partly:
                whole = ui.sample_active()
                st.badge(tr("app.sample_badge" if whole else "app.sample_badge_partly"), icon=":material/science:", color="orange")
                if whole:
                    st.caption(tr("app.sample_explain"))
                else:
                    st.caption(tr("app.sample_explain_partly", tables=", ".join(tr(f"table.{name}") for name in partly)))
                if st.button(tr("app.sample_clear"), key="sample_clear", icon=":material/delete:", width="stretch"):
                    try:
                        ui.clear_sample()
                    except Exception as err:
                        ui.show_error(err)
                    st.rerun()
            elif not ui.store_call("tables").get("accounts"):
                st.caption(tr("app.sample_offer"))
                if st.button(tr("app.sample_restore"), key="sample_restore", icon=":material/science:", width="stretch"):
                    try:
                        with st.spinner(tr("app.loading_sample")):
                            ui.load_sample()
                    except Exception as err:
                        ui.show_error(err)
                    st.rerun()
        try:
            ui.keep_data_sidebar()
        except Exception as err:  # a damaged or unreadable store: say so, keep the app alive
            ui.show_error(err)
        link_box = st.empty()

    if store_ok and ui.sample_tables():
        if ui.sample_active():
            st.info(tr("app.sample_banner"), icon=":material/science:")
        else:
            names = ", ".join(tr(f"table.{name}") for name in ui.sample_tables())
            st.warning(tr("app.sample_banner_partly", tables=names), icon=":material/science:")

    try:
        page.run()
    finally:  # also when the page stopped early: the link carries the choices the page wrote to the URL
        with link_box.container():
            ui.share_link(page.url_path)
