"""PMF: has the product reached Product-Market-Fit, and where? (METRICS.md "PMF verdict").

Thin: reads the settings widgets, calls icp_core.pmf (cached by the store's data version), draws
with icp_core.charts. Every figure comes with its n; what the data cannot give says what to add."""

from __future__ import annotations

import streamlit as st

import ui
from icp_core import charts, pmf, view_params
from icp_core.metrics_common import MIN_N, REFERRAL_CHANNELS

tr = ui.tr
L = ui.lang()

st.title(tr("pmf.title"))
st.caption(tr("pmf.intro"))

ui.require_accounts("pmf.no_accounts")


def chart(builder, *args, **kwargs) -> None:
    """Draw builder(*args, **kwargs) (an icp_core.charts builder), built once per inputs (ui.chart)."""
    ui.draw_chart(ui.chart(builder, *args, **kwargs), theme=None, width="content")


def reason_box(block: dict | None, **params) -> bool:
    """Show why a figure is missing (which field, how to add it); True when something was shown."""
    if block and block.get("reason"):
        st.info(tr(f"pmf.reason.{block['reason']}", **params), icon=":material/info:")
        return True
    return False


try:
    default_as_of = ui.cached(pmf.resolve_as_of, pmf.PmfSettings())
    dimensions = ui.cached(pmf.available_dimensions)
    persona_fields = ui.cached(pmf.available_persona_fields)
except Exception as err:
    ui.show_error(err)
    st.stop()

# ---- settings ------------------------------------------------------------------------------
# every choice lives in the URL (a shared link opens the same view); a value that does not fit
# (out of range, unknown dimension) is ignored and the default shown
defaults = pmf.PmfSettings()
Between = view_params.Between
with st.expander(tr("pmf.settings"), icon=":material/tune:"):
    c1, c2, c3 = st.columns(3)
    as_of = c1.date_input(tr("pmf.set.as_of"), value=ui.url_state("pmf_as_of", default_as_of, "as_of"),
                          help=tr("pmf.set.as_of_help"),
                          key="pmf_as_of", format="DD.MM.YYYY" if L == "de" else "YYYY-MM-DD")
    min_n = c2.number_input(tr("pmf.set.min_n"), min_value=1,
                            value=ui.url_state("pmf_min_n", MIN_N, "min_n", options=Between(1)), step=1,
                            key="pmf_min_n")
    ref_score = c3.number_input(tr("pmf.set.referral_score_min"), min_value=0.0, max_value=10.0,
                                value=ui.url_state("pmf_ref_score", float(defaults.referral_score_min), "ref_score",
                                                   options=Between(0.0, 10.0)),
                                step=0.5, key="pmf_ref_score")
    c4, c5, c6 = st.columns(3)
    ref_share = c4.number_input(tr("pmf.set.referral_share_min"), min_value=0.0, max_value=100.0,
                                value=ui.url_state("pmf_ref_share", defaults.referral_share_min * 100, "ref_share",
                                                   options=Between(0.0, 100.0)),
                                step=5.0, key="pmf_ref_share")
    ret_min = c5.number_input(tr("pmf.set.retention_min"), min_value=0.0, max_value=100.0,
                              value=ui.url_state("pmf_ret_min", defaults.retention_min * 100, "ret_min",
                                                 options=Between(0.0, 100.0)),
                              step=5.0, key="pmf_ret_min")
    ellis_min = c6.number_input(tr("pmf.set.ellis_min"), min_value=0.0, max_value=100.0,
                                value=ui.url_state("pmf_ellis_min", defaults.ellis_min * 100, "ellis_min",
                                                   options=Between(0.0, 100.0)),
                                step=5.0, key="pmf_ellis_min")
    default_channels = ", ".join(REFERRAL_CHANNELS)
    channels_text = st.text_area(tr("pmf.set.channels"),
                                 value=ui.url_state("pmf_channels", default_channels, "channels"),
                                 key="pmf_channels", height=68)
    if channels_text == default_channels:  # the long default list stays out of the link
        ui.set_url("channels", None)
    ret_dims = st.multiselect(tr("pmf.set.dimensions"), dimensions,
                              default=ui.url_state("pmf_dims", [d for d in defaults.dimensions if d in dimensions],
                                                   "dims", options=dimensions),
                              key="pmf_dims")

settings = pmf.settings_from_page(as_of, min_n, ref_score, ref_share, ret_min, ellis_min, channels_text, ret_dims)

try:
    summary = ui.cached(pmf.pmf_summary, settings)
except Exception as err:
    ui.show_error(err)
    st.stop()

# ---- verdict -------------------------------------------------------------------------------
verdict = summary["verdict"]
verdict_text = tr(f"pmf.verdict.{verdict}")
passes = [summary[k]["pass"] if summary[k] else None for k in pmf.INDICATORS]
computed = [p for p in passes if p is not None]
count_text = tr("pmf.verdict.count", passed=ui.fmt_number(sum(computed)), computed=ui.fmt_number(len(computed)),
                total=ui.fmt_number(len(passes)))
box = {"reached": st.success, "partial": st.warning, "not_yet": st.error, "unknown": st.info}[verdict]
icon = {"reached": ":material/verified:", "partial": ":material/rule:", "not_yet": ":material/cancel:",
        "unknown": ":material/help:"}[verdict]
box(f"**{tr('pmf.verdict.label')}: {verdict_text}**  \n{count_text}", icon=icon)
st.caption(tr("pmf.as_of_caption", date=ui.fmt_datetime(as_of)))

rows = pmf.indicator_rows(summary, L)
cols = ("indicator", "value", "threshold", "n", "result", "note")
st.dataframe([{tr(f"pmf.col.{c}"): r[c] for c in cols} for r in rows], hide_index=True, width="stretch")

with st.container(border=True):
    st.markdown(tr(f"pmf.next.{summary['next_step']}"))
    if ui.page_exists("pages/segments.py"):
        st.page_link("pages/segments.py", label=tr("pmf.next.link"), icon=":material/arrow_forward:")
    else:
        st.caption(tr("pmf.next.link_missing"))

_open_tab, (tab_nps, tab_ref, tab_ret, tab_ellis) = ui.url_tabs(
    "pmf_tab", "tab", {tab: tr(f"pmf.tab.{tab}") for tab in ("nps", "referral", "retention", "ellis")})


def dim_picker(key: str, param: str, default: str = "industry") -> tuple[str, ...]:
    """The dimension of a by-segment chart; in the URL as param (a dimension id)."""
    if not dimensions:
        return ()
    start = ui.url_state(key, default if default in dimensions else dimensions[0], param, options=dimensions)
    return (st.selectbox(tr("pmf.dimension"), dimensions, index=dimensions.index(start), key=key),)


def segment_bar(frame, value: str, title: str, value_format: str, value_title: str, dims: tuple[str, ...],
                best: bool = True) -> None:
    if frame is None or frame.is_empty():
        return
    top = frame.row(0, named=True)
    highlight = [top["segment"]] if best and not top["small"] else []
    chart(charts.bar_with_intervals,
        frame, "segment", value, "low", "high", "n", title=title, value_format=value_format, lang=L,
        value_title=value_title, min_n=settings.min_n, highlight=highlight,
        category_title=tr("pmf.segment_axis", dims=" x ".join(dims)), sort=None,
        subtitle=tr("pmf.small", min_n=ui.fmt_number(settings.min_n)),
    )


def segment_section(title_key: str, figure, value: str, value_format: str, value_title_key: str,
                    dims: tuple[str, ...]) -> None:
    """A by-segment figure of the core (cached) drawn as bars with intervals, under its heading."""
    try:
        seg = ui.cached(figure, settings, dims)
        segment_bar(seg, value, tr(title_key), value_format, tr(value_title_key), dims)
    except Exception as err:
        ui.show_error(err)


# ---- NPS -----------------------------------------------------------------------------------
with tab_nps:
    nps = summary["nps"]
    if not reason_box(nps):
        m1, m2 = st.columns([1, 2])
        m1.metric(tr("pmf.nps.metric"), ui.fmt_number(nps["value"], 1))
        m1.caption(tr("pmf.nps.interval", low=ui.fmt_number(nps["low"], 1), high=ui.fmt_number(nps["high"], 1),
                      n=ui.fmt_number(nps["n"])))
        if nps["source"] == "nps_responses":
            from icp_core.metrics_common import one_year_before

            m1.caption(tr("pmf.nps.source_responses", start=ui.fmt_datetime(one_year_before(as_of)) if as_of else "–",
                          end=ui.fmt_datetime(as_of), undated=ui.fmt_number(nps["undated"])))
        else:
            m1.caption(tr("pmf.nps.source_accounts"))
        with m2:
            chart(charts.stacked_share_bar, [nps], None, title=tr("pmf.nps.split_title"), lang=L)
        hist = ui.cached(pmf.nps_histogram, settings)
        chart(charts.bar_with_intervals,
            hist.with_columns(hist["score"].cast(str)), "score", "count", None, None, None,
            title=tr("pmf.nps.hist_title"), value_format=",", lang=L, value_title=tr("pmf.nps.answers"),
            category_title=tr("pmf.nps.score"), sort=None, highlight=["9", "10"], min_n=0,
            subtitle=tr("pmf.nps.interval", low=ui.fmt_number(nps["low"], 1), high=ui.fmt_number(nps["high"], 1),
                        n=ui.fmt_number(nps["n"])),
        )
        st.subheader(tr("pmf.nps.segment_title"))
        segment_section("pmf.nps.segment_title", pmf.nps_by_segment, "nps", ",", "pmf.nps.metric",
                        dim_picker("pmf_nps_dim", "nps_dim"))
        st.subheader(tr("pmf.nps.trend_title"))
        trend = ui.cached(pmf.nps_trend, settings)
        if trend is None or trend.is_empty():
            st.info(tr("pmf.nps.trend_missing"), icon=":material/info:")
        else:
            chart(charts.line_over_time, trend, "quarter", "nps", title=tr("pmf.nps.trend_title"), y_format=",",
                  lang=L, x_title=tr("pmf.nps.quarter"), y_title=tr("pmf.nps.metric"), n="n")

# ---- Referral ------------------------------------------------------------------------------
with tab_ref:
    rs, sh = summary["referral_score"], summary["referral_share"]
    k1, k2, k3 = st.columns(3)
    k1.metric(tr("pmf.ref.score_metric"), ui.fmt_number(rs["mean"], 2))
    k1.caption(f"n = {ui.fmt_number(rs['n'])} · ≥ {ui.fmt_number(rs['threshold'], 1)}")
    k2.metric(tr("pmf.ref.share_revenue"), ui.fmt_pct(sh["revenue_share"]))
    k2.caption(f"n = {ui.fmt_number(sh['n_new'])} · ≥ {ui.fmt_pct(sh['threshold'], 0)}")
    k3.metric(tr("pmf.ref.share_count"), ui.fmt_pct(sh["count_share"]))
    k3.caption(f"n = {ui.fmt_number(sh['n_new'])}")
    reason_box(rs)
    if sh.get("reason") != rs.get("reason"):
        reason_box(sh)
    if not sh.get("reason"):
        from icp_core.metrics_common import one_year_before

        st.caption(tr("pmf.ref.new_caption", start=ui.fmt_datetime(one_year_before(as_of)) if as_of else "–",
                      end=ui.fmt_datetime(as_of), n_ref=ui.fmt_number(sh["n_new_referral"]), n=ui.fmt_number(sh["n_new"])))
    st.caption(tr("pmf.ref.channels_caption", channels=", ".join(summary["referral_channels"]) or "–"))
    labels = (("revenue", tr("pmf.ref.series_revenue")), ("count", tr("pmf.ref.series_count")))
    quarters = ui.cached(pmf.referral_share_by_quarter_long, settings, labels)
    if not quarters.is_empty():
        chart(charts.line_over_time, quarters, "quarter", "share", "series", title=tr("pmf.ref.quarter_title"),
              y_format="%", lang=L, x_title=tr("pmf.nps.quarter"), y_title=tr("pmf.ref.share"), n="n")
    st.subheader(tr("pmf.ref.segment_title"))
    segment_section("pmf.ref.segment_title", pmf.referral_rate_by_segment, "rate", "%", "pmf.ref.rate",
                    dim_picker("pmf_ref_dim", "ref_dim"))

# ---- Retention -----------------------------------------------------------------------------
with tab_ret:
    ret = summary["retention"]
    if ret["lifetime_churn"]:
        lc = ret["lifetime_churn"]
        st.metric(tr("pmf.ret.lifetime"), ui.fmt_pct(lc["share"]))
        st.caption(tr("pmf.ret.lifetime_caption", churned=ui.fmt_number(lc["churned"]), n=ui.fmt_number(lc["n"])))
    if ret["logo_12m"] is not None:
        from icp_core.metrics_common import one_year_before

        st.metric(tr("pmf.ret.metric"), ui.fmt_pct(ret["logo_12m"]))
        st.caption(tr("pmf.ret.caption", start=ui.fmt_datetime(one_year_before(as_of)), end=ui.fmt_datetime(as_of),
                      retained=ui.fmt_number(ret["retained"]), n=ui.fmt_number(ret["n"]),
                      low=ui.fmt_pct(ret["low"]), high=ui.fmt_pct(ret["high"])))
    reason_box(ret, dimensions=" x ".join(settings.dimensions) or "–", min_n=ui.fmt_number(settings.min_n))
    if ret["excluded_churned_without_date"] and ret["lifetime_churn"] is None:
        st.caption(tr("pmf.ret.excluded", count=ui.fmt_number(ret["excluded_churned_without_date"])))
    if ret["logo_12m"] is not None:
        st.subheader(tr("pmf.ret.segment_title"))
        seg_dims = st.multiselect(tr("pmf.dimension"), dimensions, key="pmf_ret_dim",
                                  default=ui.url_state("pmf_ret_dim", list(settings.dimensions), "ret_dim",
                                                       options=dimensions))
        segment_section("pmf.ret.segment_title", pmf.retention_by_segment, "retention", "%", "pmf.ret.retention",
                        tuple(seg_dims))
    rev = ui.cached(pmf.revenue_retention, settings)
    r1, r2 = st.columns(2)
    r1.metric(tr("pmf.ret.nrr"), ui.fmt_pct(rev["nrr"]))
    r2.metric(tr("pmf.ret.grr"), ui.fmt_pct(rev["grr"]))
    if not reason_box(rev):
        st.caption(tr("pmf.ret.rev_caption", n=ui.fmt_number(rev["n"]), then=ui.fmt_datetime(rev["month_then"]),
                      now=ui.fmt_datetime(rev["month_now"]), mrr_then=ui.fmt_number(rev["mrr_then"]),
                      mrr_now=ui.fmt_number(rev["mrr_now"])))
    cohorts, total = pmf.cohort_tail(ui.cached(pmf.cohort_matrix, settings), 24)
    if total:
        st.subheader(tr("pmf.ret.cohort_title"))
        st.caption(tr("pmf.ret.cohort_caption"))
        if total > 24:
            st.caption(tr("pmf.ret.cohort_limit", shown=ui.fmt_number(24), total=ui.fmt_number(total)))
        chart(charts.cohort_heatmap, cohorts, "cohort", "k", "share", title=tr("pmf.ret.cohort_title"), size="size", lang=L)

# ---- Sean Ellis ----------------------------------------------------------------------------
with tab_ellis:
    el = summary["sean_ellis"]
    if el is None:
        st.info(tr("pmf.reason.no_pmf_survey"), icon=":material/info:")
    elif not reason_box(el):
        st.metric(tr("pmf.ellis.metric"), ui.fmt_pct(el["score"]))
        st.caption(tr("pmf.ellis.caption", very=ui.fmt_number(el["very"]), n=ui.fmt_number(el["n"]),
                      somewhat=ui.fmt_number(el["somewhat"]), not_=ui.fmt_number(el["not"]),
                      low=ui.fmt_pct(el["low"]), high=ui.fmt_pct(el["high"]), threshold=ui.fmt_pct(el["threshold"], 0)))
        st.subheader(tr("pmf.ellis.segment_title"))
        segment_section("pmf.ellis.segment_title", pmf.ellis_by_segment, "score", "%", "pmf.ellis.score",
                        dim_picker("pmf_ellis_dim", "ellis_dim"))
        st.subheader(tr("pmf.ellis.persona_title"))
        if persona_fields:
            field = st.selectbox(tr("pmf.persona_field"), persona_fields, key="pmf_persona",
                                 index=persona_fields.index(ui.url_state("pmf_persona", persona_fields[0], "persona",
                                                                         options=persona_fields)))
            try:
                per = ui.cached(pmf.ellis_by_persona, settings, field)
                segment_bar(per, "score", tr("pmf.ellis.persona_title"), "%", tr("pmf.ellis.score"), (field,))
            except Exception as err:
                ui.show_error(err)
            st.caption(tr("pmf.ellis.persona_join"))
        else:
            st.info(tr("pmf.reason.no_contacts"), icon=":material/info:")
        st.subheader(tr("pmf.ellis.benefits_title"))
        benefits = ui.cached(pmf.ellis_benefits, settings)
        if benefits.is_empty():
            st.info(tr("pmf.reason.no_main_benefit"), icon=":material/info:")
        else:
            st.caption(tr("pmf.ellis.benefits_caption"))
            st.dataframe(
                [{tr("pmf.ellis.benefit"): r["benefit"], tr("pmf.ellis.very"): r["very"],
                  tr("pmf.ellis.somewhat"): r["somewhat"]} for r in benefits.iter_rows(named=True)],
                hide_index=True, width="stretch",
            )
