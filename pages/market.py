"""Market: TAM, SAM, SOM and where the white space is (METRICS.md "Market: TAM, SAM, SOM").

Thin: reads the widgets, calls icp_core.market (cached by the store's data version), draws with
icp_core.charts. Every figure comes with its n; what the data cannot give says what to add."""

from __future__ import annotations

import streamlit as st

import ui
from icp_core import charts, market, view_params
from icp_core.i18n import fmt_money, fmt_number, fmt_pct

tr = ui.tr
L = ui.lang()
Between = view_params.Between


def chart(builder, *args, **kwargs) -> None:
    """Draw builder(*args, **kwargs) (an icp_core.charts builder), built once per inputs (ui.chart)."""
    ui.draw_chart(ui.chart(builder, *args, **kwargs), theme=None, width="content")


def show_funnel(result: dict, assumptions: bool) -> None:
    cols = st.columns(3)
    for col, level in zip(cols, market.LEVELS):
        r = result[level]
        with col.container(border=True):
            st.metric(tr("market.metric.companies_label", level=tr(f"market.level_long.{level}")),
                      fmt_number(r["companies"], L))
            st.caption(tr("market.metric.value", value=fmt_money(r["value"], L)))
            if r["customers"] is not None:
                st.caption(tr("market.metric.customers", customers=fmt_number(r["customers"], L),
                              penetration=fmt_pct(r["penetration"], L, 2), companies=fmt_number(r["companies"], L)))
    subtitle = None if assumptions else tr("market.chart.subtitle", acv=fmt_money(result["acv"], L),
                                           share=fmt_pct(result["share"], L, 0))
    # default width: with width="content" Streamlit collapses this layered chart (bars vanish)
    ui.draw_chart(ui.chart(charts.funnel, market.funnel_levels(result, L), tr("market.chart.title"), L, subtitle=subtitle,
                           assumptions=assumptions, width=460), theme=None)
    st.dataframe(market.funnel_table(result, L), hide_index=True, width="content")
    coverage = result.get("icp_coverage")
    st.metric(tr("market.coverage"), fmt_pct(coverage, L, 1),
              help=tr("market.coverage_help", broad=fmt_pct(market.BROAD_SHARE, L, 0),
                      narrow_n=fmt_number(market.NARROW_COMPANIES, L), narrow_share=fmt_pct(market.NARROW_SHARE, L, 0)))
    for text in market.warning_texts(result, L):
        st.warning(text, icon=":material/warning:")


st.title(tr("market.title"))
st.caption(tr("market.intro"))

try:
    has_market = ui.cached(market.has_market)
except Exception as err:
    ui.show_error(err)
    st.stop()

modes = ["bottom_up", "top_down"] if has_market else ["top_down"]
if not has_market:
    st.info(tr("market.no_market_page"), icon=":material/info:")
mode_labels = {m: tr(f"market.mode.{m}") for m in modes}  # bound now: format_func may run outside the rerun
mode = st.radio(tr("market.mode"), modes, key="market_mode", horizontal=True, format_func=mode_labels.__getitem__,
                index=modes.index(ui.url_state("market_mode", modes[0], "mkt_mode", options=modes)))

# The page draws in functions that return early (never st.stop(): a stopped run would not draw the
# sidebar's "Link to this view", which app.py adds after the page).

# ---------------------------------------------------------------- top-down
def show_top_down() -> None:
    st.warning(tr("market.top_down_note"), icon=":material/edit_note:")
    try:
        acv_info = ui.cached(market.default_acv)
    except Exception:
        acv_info = {"acv": None, "n": 0}
    c1, c2, c3 = st.columns(3)
    tam_count = c1.number_input(tr("market.td.tam"), min_value=0, step=1000, key="td_tam",
                                value=ui.url_state("td_tam", 10000, "td_tam", options=Between(0)))
    sam_pct = c2.number_input(tr("market.td.sam_share"), min_value=0.0, max_value=100.0, step=5.0, key="td_sam",
                              value=ui.url_state("td_sam", 30.0, "td_sam", options=Between(0.0, 100.0)), format="%.1f")
    som_pct = c3.number_input(tr("market.td.som_share"), min_value=0.0, max_value=100.0, step=1.0, key="td_som",
                              value=ui.url_state("td_som", 10.0, "td_som", options=Between(0.0, 100.0)), format="%.1f")
    c4, c5 = st.columns(2)
    acv = c4.number_input(tr("market.acv"), min_value=0.0, step=100.0, key="td_acv", format="%.0f",
                          value=ui.url_state("td_acv", acv_info["acv"], "td_acv", options=Between(0.0), kind=float),
                          placeholder=tr("market.acv_placeholder_none"), help=tr("market.acv_help_top_down"))
    share_pct = c5.slider(tr("market.share"), 1, 100, ui.url_state("td_share", 100, "td_share", options=Between(1, 100)),
                          key="td_share", help=tr("market.share_help"))
    try:
        result = market.top_down_funnel(tam_count, sam_pct / 100, som_pct / 100, acv, share=share_pct / 100)
    except Exception as err:
        ui.show_error(err)
        return
    show_funnel(result, assumptions=True)
    if result["acv"] is None:
        st.info(tr("market.acv_missing"), icon=":material/info:")


# ---------------------------------------------------------------- bottom-up
def show_bottom_up() -> None:
    try:
        options = ui.cached(market.filter_options)
        acv_info = ui.cached(market.default_acv)
        dims = ui.cached(market.dimensions)
    except Exception as err:
        ui.show_error(err)
        return

    with st.expander(tr("market.sam.title"), expanded=True, icon=":material/filter_alt:"):
        st.caption(tr("market.sam.caption"))
        c1, c2 = st.columns(2)
        countries = c1.multiselect(tr("market.dim.country"), options["country"], key="sam_country",
                                   default=ui.url_state("sam_country", [], options=options["country"]),
                                   placeholder=tr("market.all"))
        industries = c2.multiselect(tr("market.dim.industry"), options["industry"], key="sam_industry",
                                    default=ui.url_state("sam_industry", [], options=options["industry"]),
                                    placeholder=tr("market.all"))
        c3, c4, c5, c6 = st.columns(4)
        emp_lo = c3.number_input(tr("market.sam.emp_min"), min_value=0, value=ui.url_state("sam_emp_lo", None, kind=int), step=10, key="sam_emp_lo",
                                 placeholder=tr("market.open_end"))
        emp_hi = c4.number_input(tr("market.sam.emp_max"), min_value=0, value=ui.url_state("sam_emp_hi", None, kind=int), step=10, key="sam_emp_hi",
                                 placeholder=tr("market.open_end"))
        rev_lo = c5.number_input(tr("market.sam.rev_min"), min_value=0.0, value=ui.url_state("sam_rev_lo", None, kind=float), step=1e6, key="sam_rev_lo",
                                 placeholder=tr("market.open_end"), format="%.0f")
        rev_hi = c6.number_input(tr("market.sam.rev_max"), min_value=0.0, value=ui.url_state("sam_rev_hi", None, kind=float), step=1e6, key="sam_rev_hi",
                                 placeholder=tr("market.open_end"), format="%.0f")
        c7, c8 = st.columns(2)
        models = c7.multiselect(tr("market.dim.business_model"), options["business_model"], key="sam_models",
                                default=ui.url_state("sam_models", [], options=options["business_model"]),
                                placeholder=tr("market.all"))
        tools = c8.multiselect(tr("market.sam.tools"), options["tools"], key="sam_tools", placeholder=tr("market.all"),
                               default=ui.url_state("sam_tools", [], options=options["tools"]),
                               help=tr("market.sam.tools_help"))

    store = ui.get_store()
    saved_specs, icp_source = market.saved_icp_specs(store.get_setting("icp_filters"), store.get_setting("segmentation"))
    try:
        usable, ignored = ui.cached(market.applicable_filters, market.parse_specs(saved_specs))
    except Exception:
        usable, ignored = (), ()

    with st.expander(tr("market.icp.title"), expanded=True, icon=":material/target:"):
        st.caption(tr(f"market.icp.source.{icp_source}"))
        icp_text = st.text_area(tr("market.icp.filters"), value=ui.url_state("icp_text", market.specs_text(usable), "icp"),
                                key="icp_text", height=110,
                                help=tr("market.icp.filters_help"))
        if ignored:
            st.caption(tr("market.icp.ignored", filters=", ".join(f.spec() for f in ignored)))
        c1, c2 = st.columns(2)
        acv = c1.number_input(tr("market.acv"), min_value=0.0, step=100.0, key="bu_acv", format="%.0f",
                              value=ui.url_state("bu_acv", None, "bu_acv", options=Between(0.0), kind=float),
                              placeholder=(tr("market.acv_placeholder", acv=fmt_money(acv_info["acv"], L),
                                              n=fmt_number(acv_info["n"], L)) if acv_info["acv"] is not None
                                           else tr("market.acv_placeholder_none")),
                              help=tr("market.acv_help"))
        share_pct = c2.slider(tr("market.share"), 1, 100, ui.url_state("bu_share", 100, "bu_share", options=Between(1, 100)),
                              key="bu_share", help=tr("market.share_help"))

    try:
        sam = market.serviceable_filters(countries, industries, (emp_lo, emp_hi), (rev_lo, rev_hi), models, tools)
        icp = market.parse_specs(icp_text)
        matches = ui.cached(market.customer_matches)
        result = ui.cached(market.market_funnel, sam, icp, acv, share_pct / 100, None, matches)
    except Exception as err:
        ui.show_error(err)
        return

    show_funnel(result, assumptions=False)
    if result["acv"] is None:
        st.info(tr("market.acv_missing"), icon=":material/info:")
    if result["tam"]["customers"] is None:
        st.info(tr("market.customers_missing"), icon=":material/info:")
    elif result["matched"]:
        m = result["matched"]
        st.caption(tr("market.matched", active=fmt_number(result["customers_active"], L), domain=fmt_number(m["domain"], L),
                      name=fmt_number(m["name"], L), unmatched=fmt_number(m["unmatched"], L)))

    if st.button(tr("market.save"), key="market_save", icon=":material/save:"):
        try:
            store.set_setting(market.SETTING_KEY, {"sam": result["filters"]["sam"], "icp": result["filters"]["icp"],
                                                  "acv": acv, "share": share_pct / 100})
            st.success(tr("market.saved"))
        except Exception as err:
            ui.show_error(err)

    # ---------------------------------------------------------------- white space
    st.subheader(tr("market.ws.title"))
    st.caption(tr("market.ws.caption", top=market.WHITE_SPACE_TOP))
    if not dims:
        st.info(tr("market.ws.no_dims"), icon=":material/info:")
        return
    dim_labels = {d: tr(f"market.dim.{d}") for d in dims}
    dimension = st.selectbox(tr("market.ws.dimension"), dims, key="ws_dim", format_func=dim_labels.__getitem__,
                             index=dims.index(ui.url_state("ws_dim", dims[0], "ws_dim", options=dims)))
    try:
        ws = ui.cached(market.white_space, sam, icp, dimension, acv, None, matches)
    except Exception as err:
        ui.show_error(err)
        return
    if ws.height == 0:
        st.info(tr("market.ws.empty"), icon=":material/info:")
    else:
        ranked = ws.filter(ws["rank"].is_not_null()).head(15)
        if ranked.height:
            chart(charts.bar_with_intervals,
                ranked, "segment", "open_icp_companies", n="icp_companies",
                title=tr("market.ws.chart_title", dim=tr(f"market.dim.{dimension}")),
                subtitle=tr("market.ws.chart_subtitle", sam=fmt_number(result["sam"]["companies"], L)), value_format=",",
                highlight=ranked.filter(ranked["top"])["segment"].to_list(), lang=L,
                value_title=tr("market.col.open_icp"), category_title=tr(f"market.dim.{dimension}"),
                min_n=0, sort=None,
            )
        else:
            st.info(tr("market.ws.none_ranked"), icon=":material/info:")
        st.dataframe(market.white_space_table(ws, dimension, L), hide_index=True, width="stretch")

    with st.expander(tr("market.how.title"), icon=":material/help:"):
        st.markdown(tr("market.how.body", broad=fmt_pct(market.BROAD_SHARE, L, 0),
                       narrow_n=fmt_number(market.NARROW_COMPANIES, L), narrow_share=fmt_pct(market.NARROW_SHARE, L, 0),
                       top=market.WHITE_SPACE_TOP))


if mode == "top_down":
    show_top_down()
else:
    show_bottom_up()
