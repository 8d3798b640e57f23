"""Segment explorer: which customers do we want more of? (thin: widgets -> icp_core -> draw)."""

from __future__ import annotations

import streamlit as st

import ui
from icp_core import charts, groups, rules, segments, view_params
from datetime import date

from icp_core.i18n import fmt_date, fmt_money, fmt_number, fmt_pct

tr = ui.tr
lang = ui.lang()

st.title(tr("segpage.title"))
st.caption(tr("segpage.intro"))

try:
    available = ui.cached(segments.available_dimensions)
    suggested, verdict = ui.cached(segments.suggested_dimensions)
except Exception as err:
    ui.show_error(err)
    st.stop()

saved = groups.load_segmentation(ui.get_store()) or {}
options = [d for kind in ("firmographic", "technographic", "people", "jobs", "extra") for d in available[kind]]
kind_of = {d: kind for kind in available for d in available[kind]}
if not options:
    st.warning(tr("segments.no_accounts"))
    st.stop()


def dim_label(d: str | None) -> str:
    if d is None:
        return tr("segpage.none")
    return f"{d}  ·  {tr('segpage.kind.' + kind_of.get(d, 'extra'))}"


start = [d for d in saved.get("dimensions", suggested) if d in options] or [options[0]]
st.info(tr(f"segpage.suggest.{verdict if verdict in ('reached', 'partial', 'not_yet') else 'unknown'}",
           dims=" × ".join(suggested)), icon=":material/lightbulb:")

c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
d1_pick = ui.url_state("seg_d1", start[0], "seg_dim1", options=options)
d1 = c1.selectbox(tr("segpage.dim1"), options, index=options.index(d1_pick if d1_pick in options else start[0]),
                  format_func=dim_label, key="seg_d1")
second = [None] + [d for d in options if d != d1]
d2_start = start[1] if len(start) > 1 and start[1] in second else None
d2_pick = ui.url_state("seg_d2", d2_start, "seg_dim2", options=second)
d2 = c2.selectbox(tr("segpage.dim2"), second, index=second.index(d2_pick if d2_pick in second else d2_start),
                  format_func=dim_label, key="seg_d2")
min_n = int(c3.number_input(tr("segpage.min_n"), min_value=1, max_value=1000, value=ui.url_state("seg_min_n", int(saved.get("min_n", 30)), "seg_min_n"), step=1, key="seg_min_n"))
metric_options = list(segments.METRICS)
metric_pick = ui.url_state("seg_metric", metric_options[0], "seg_metric", options=metric_options)
metric = c4.selectbox(tr("segpage.metric"), metric_options, index=metric_options.index(metric_pick),
                      format_func=lambda m: tr(segments.METRIC_LABEL_KEYS[m]), key="seg_metric")
filter_text = st.text_input(tr("segpage.filters"), value=ui.url_state("seg_filters", "; ".join(saved.get("filters", [])), "seg_filters"),
                            placeholder="country=DE,AT,CH; start_date=2022..", help=tr("segpage.filters_help"),
                            key="seg_filters")
filters = tuple(f.strip() for f in filter_text.split(";") if f.strip())
by = (d1,) if d2 is None else (d1, d2)

try:
    result = ui.cached(segments.segment_stats, by, filters=filters, min_n=min_n)
except Exception as err:
    ui.show_error(err)
    st.stop()

overall = result["overall"]
for item in result["missing"]:
    st.caption(":material/info: " + tr(f"segments.missing.{item['metric']}"))
if result["retention_mode"] == "lifetime":
    st.caption(tr("segpage.lifetime_churn", value=fmt_pct(overall["lifetime_churn"], lang)))
if overall["churned_undated"]:
    st.caption(tr("segpage.undated", n=fmt_number(overall["churned_undated"], lang)))
if result["multi_valued"]:
    st.caption(tr("segments.multi_note", dims=", ".join(result["multi_valued"])))

m1, m2, m3, m4, m5 = st.columns(5)
m1.metric(tr("segpage.kpi.accounts"), fmt_number(overall["accounts"], lang),
          help=tr("segpage.kpi.active", n=fmt_number(overall["active_accounts"], lang)))
m2.metric(tr("segments.col.arpa"), fmt_money(overall["arpa"], lang), help=tr("segpage.help.arpa"))
m3.metric(tr("segments.col.retention"), fmt_pct(overall["retention_12m"], lang),
          help=tr("segpage.n", n=fmt_number(overall["retention_n"], lang)))
m4.metric(tr("segments.col.nps"), fmt_number(overall["nps"], lang),
          help=tr("segpage.n", n=fmt_number(overall["nps_n"], lang)))
m5.metric(tr("segments.col.referral"), fmt_pct(overall["referral_rate"], lang),
          help=tr("segpage.n", n=fmt_number(overall["accounts"], lang)))
st.caption(tr("segpage.as_of", as_of=fmt_date(date.fromisoformat(result["as_of"]), lang), min_n=min_n))

# ---- chart
ranked = segments.ranked(result, metric)
rows = segments.chart_rows(result, metric)
fmt_kind = {"arpa": "€", "retention_12m": "%", "referral_rate": "%", "win_rate": "%"}.get(metric, ",")
metric_title = tr(f"segments.metric.{metric}")
if len(by) == 2:
    chart = ui.chart(charts.heatmap, rows, x=by[1], y=by[0], value="value", n="n",
                           title=tr("segpage.heatmap_title", metric=metric_title), value_format=fmt_kind,
                           lang=lang, x_title=by[1], y_title=by[0], value_title=metric_title, min_n=min_n)
else:
    chart = ui.chart(charts.bar_with_intervals, rows, category=by[0], value="value", low="low", high="high", n="n",
                                      title=tr("segpage.bars_title", metric=metric_title), value_format=fmt_kind,
                                      lang=lang, value_title=metric_title, category_title=by[0], min_n=min_n,
                                      highlight=segments.group_highlight(result, groups.suggest_groups(result)))
ui.draw_chart(chart, theme=None)

# ---- table
st.subheader(tr("segpage.table_title"))
st.caption(tr("segpage.table_help", min_n=min_n, metric=metric_title))
table = segments.table_rows(result, ranked, lang)
st.dataframe(table, hide_index=True, width="stretch")

# ---- three groups
st.subheader(tr("segpage.groups_title"))
st.caption(tr("segpage.groups_intro"))
weights = dict(saved.get("weights", groups.DEFAULT_WEIGHTS))
thresholds = dict(saved.get("thresholds", groups.DEFAULT_THRESHOLDS))
# a link's weights (seg_w=<metric>:<weight>, each 0..1) start the inputs this session has not set yet
weights.update(view_params.weights_from_url(ui.url_values("seg_w"), groups.SCORE_METRICS, 0.0, 1.0))
with st.expander(tr("segpage.weights_title"), icon=":material/tune:"):
    st.code(tr("segpage.formula", min_n=min_n), language=None)
    wcols = st.columns(len(groups.SCORE_METRICS))
    for col, m in zip(wcols, groups.SCORE_METRICS):
        start_w = st.session_state.get(f"seg_w_{m}", float(weights.get(m, 0.0)))
        weights[m] = col.number_input(tr(f"segments.metric.{m}"), 0.0, 1.0, float(start_w), 0.05,
                                      key=f"seg_w_{m}")
    t1, t2 = st.columns(2)
    thresholds["want_more"] = t1.number_input(
        tr("segpage.th_want"), 0.0, 3.0,
        float(ui.url_state("seg_th_want", float(thresholds["want_more"]), "seg_th_want",
                           options=view_params.Between(0.0, 3.0))), 0.1, key="seg_th_want")
    thresholds["dont_want"] = t2.number_input(
        tr("segpage.th_dont"), -3.0, 0.0,
        float(ui.url_state("seg_th_dont", float(thresholds["dont_want"]), "seg_th_dont",
                           options=view_params.Between(-3.0, 0.0))), 0.1, key="seg_th_dont")
ui.set_url("seg_w", view_params.weights_to_url({m: weights[m] for m in groups.SCORE_METRICS}))

seg_overrides = dict(saved.get("overrides", {}).get("segments", {})) if saved.get("dimensions") == list(by) else {}
suggestions = groups.suggest_groups(result, weights, thresholds, seg_overrides)
group_labels = {g: tr(f"segments.group.{g}") for g in groups.GROUPS}
label_to_group = {v: k for k, v in group_labels.items()}
editor_rows = segments.group_rows(suggestions, lang)
edited = st.data_editor(
    editor_rows,
    hide_index=True,
    width="stretch",
    disabled=[c for c in editor_rows[0] if c != tr("segments.col.group")] if editor_rows else True,
    column_config={tr("segments.col.group"): st.column_config.SelectboxColumn(options=list(group_labels.values()),
                                                                              required=True)},
    key=f"seg_editor_{'|'.join(by)}",
)
new_overrides = {}
for g, row in zip(suggestions, edited):
    chosen = label_to_group.get(row[tr("segments.col.group")], g["group"])
    if chosen != g["suggested"]:
        new_overrides[g["key_id"]] = chosen
account_overrides = dict(saved.get("overrides", {}).get("accounts", {}))
segmentation = groups.build_segmentation(result, weights, thresholds, new_overrides, account_overrides)

try:
    stats = ui.cached(groups.group_stats, segmentation)
except Exception as err:
    ui.show_error(err)
    st.stop()

st.markdown("**" + tr("segpage.whatif_title") + "**")
st.dataframe(segments.what_if_rows(groups.what_if(stats), lang), hide_index=True, width="stretch")
counts = {g: (stats[g] or {}).get("accounts", 0) for g in groups.GROUPS}
st.caption(tr("segpage.group_counts", want=fmt_number(counts["want_more"], lang),
              neutral=fmt_number(counts["neutral"], lang), dont=fmt_number(counts["dont_want"], lang),
              tier=fmt_number(stats["all"]["from_tier"], lang)))

with st.expander(tr("segpage.customers_title"), icon=":material/group:"):
    group_ids = list(groups.GROUPS)
    pick = st.selectbox(tr("segments.col.group"), group_ids, format_func=lambda g: group_labels[g],
                        index=group_ids.index(ui.url_state("seg_customer_group", group_ids[0], "seg_group",
                                                           options=group_ids)),
                        key="seg_customer_group")
    frame = ui.cached(groups.customers, segmentation, pick)
    st.caption(tr("segpage.customers_help"))
    cust_rows = segments.customer_rows(frame, lang)
    edited_c = st.data_editor(
        cust_rows, hide_index=True, width="stretch",
        disabled=[c for c in cust_rows[0] if c != tr("segments.col.group")] if cust_rows else True,
        column_config={tr("segments.col.group"): st.column_config.SelectboxColumn(options=list(group_labels.values()),
                                                                                  required=True)},
        key=f"seg_cust_{pick}",
    )
    for src, row in zip(frame.to_dicts(), edited_c):
        chosen = label_to_group.get(row[tr("segments.col.group")], src["group"])
        if chosen != src["group"]:
            account_overrides[src["account_id"]] = chosen
    segmentation = groups.build_segmentation(result, weights, thresholds, new_overrides, account_overrides)

if st.button(tr("segpage.save"), icon=":material/save:", type="primary"):
    try:
        groups.save_segmentation(ui.get_store(), segmentation)
        st.success(tr("segpage.saved"))
    except Exception as err:
        ui.show_error(err)

# ---- rules and clusters
st.subheader(tr("segpage.rules_title"))
st.caption(tr("segpage.rules_intro", min_n=min_n))
found = None
if st.toggle(tr("segpage.find_rules"), value=ui.url_state("seg_find_rules", False, "seg_rules"), key="seg_find_rules"):
    try:
        with st.spinner(tr("segpage.finding")):
            found = ui.cached(rules.describe_best, filters=filters, min_n=min_n)
    except Exception as err:
        ui.show_error(err)
if found is not None:
    if found["rules"]:
        # the best rule in words first: what a marketer takes away from the table below
        st.success(tr("segpage.best_rule", rule=ui.md_escape(rules.rule_text(found["rules"][0], lang))))
        st.dataframe(rules.rule_rows(found, lang), hide_index=True, width="stretch")
    else:
        st.caption(tr("segpage.no_rules", reason=tr(f"rules.reason.{found['reason']}")))
    st.markdown("**" + tr("segpage.clusters_title") + "**")
    if found["clusters"]:
        st.dataframe(rules.cluster_rows(found, lang), hide_index=True, width="stretch")
    else:
        st.caption(tr("segpage.no_clusters"))
