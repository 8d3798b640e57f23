"""Prospects: score a list of companies against the ICP (fit score, tier, reasons), download it,
and backtest the weights on the current customers. Thin: widgets -> icp_core.scoring -> draw."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

import ui
from icp_core import groups, ingest, schema, scoring, view_params
from icp_core.errors import IcpError
from icp_core.i18n import fmt_date, fmt_number, fmt_pct, t

SHOWN_MAX = 1_000  # rows in the on-screen table; the downloads hold every scored company

tr = ui.tr
lang = ui.lang()
store = ui.get_store()

st.title(tr("scoring.title"))
st.caption(tr("scoring.intro"))


@st.cache_data(show_spinner=False, max_entries=8)
def _read(name: str, data: bytes) -> ingest.RawTable:
    return ingest.read_file(data, name)


@st.cache_data(show_spinner=False, max_entries=8)
def _prepare(name: str, data: bytes, mapping_items: tuple) -> tuple[pl.DataFrame, int, list[dict]]:
    frame, prepared = scoring.read_for_scoring(None, raw=_read(name, data), mapping=dict(mapping_items))
    issues = [{"row": i.row, "column": i.column, "reason": i.reason, "params": dict(i.params)} for i in prepared.issues]
    return frame, prepared.rows_read, issues


def _evidence_text(c: dict) -> str:
    ev = c.get("evidence") or {}
    if ev.get("source") == "tools":
        return tr("scoring.evidence.tools", share_want=fmt_pct(ev.get("share_want_more"), lang, 0),
                  share_all=fmt_pct(ev.get("share_all"), lang, 0), n=fmt_number(ev.get("want_more_accounts"), lang))
    if ev.get("source") == "segmentation":
        return tr("scoring.evidence.segmentation", n=fmt_number(ev.get("want_more_accounts"), lang))
    if "coverage_want" in ev and "coverage_rest" in ev:
        return tr("scoring.evidence.tools", share_want=fmt_pct(ev.get("coverage_want"), lang, 0),
                  share_all=fmt_pct(ev.get("coverage_rest"), lang, 0), n=fmt_number(ev.get("n_want"), lang))
    return tr("scoring.evidence.other")


# ---- the ICP criteria and their weights
saved_settings = store.get_setting(scoring.SETTING_KEY) or {}
segmentation = groups.load_segmentation(store)
try:
    base_criteria, source = ui.cached(scoring.resolve_criteria, store.get_setting("icp_versions"), segmentation)
except Exception as err:
    ui.show_error(err)
    st.stop()

if not base_criteria:
    st.warning(tr("scoring.no_criteria"), icon=":material/info:")
    st.stop()

saved_weights = saved_settings.get("weights") or {}
saved_cutoffs = scoring.check_cutoffs(saved_settings.get("cutoffs"))
st.subheader(tr("scoring.criteria_title"))
st.caption(tr(f"scoring.criteria_from.{source['kind']}", version=source.get("version", "")))
# a shared link's weights and cut-offs (invalid ones fall back to the saved / default values)
url_weights = view_params.weights_from_url(ui.url_values("w"), [c["id"] for c in base_criteria])
url_cutoffs = view_params.cutoffs_from_url(ui.url_values("cut")) or saved_cutoffs
with st.container(border=True):
    weights: dict[str, float] = {}
    cols = st.columns(min(4, len(base_criteria)))
    for i, c in enumerate(base_criteria):
        start = url_weights.get(c["id"], float(saved_weights.get(c["id"], c["weight"])))
        base = f"score_w|{c['id']}"
        weights[c["id"]] = ui.remember(base, cols[i % len(cols)].number_input(
            ui.md_escape(scoring.criterion_labels(c, lang)["label"]), min_value=0.0, max_value=100.0, step=0.05,
            format="%.2f", key=ui.choice_key(base, start), help=tr("scoring.weight_help"),
        ))
    ui.set_url("w", view_params.weights_to_url(weights))
    st.caption(tr("scoring.cutoffs"))
    cut_cols = st.columns(4)
    cutoffs = {}
    for col, tier in zip(cut_cols, ("A", "B", "C")):
        base = f"score_cut|{tier}"
        cutoffs[tier] = ui.remember(base, col.number_input(tr("scoring.cutoff", tier=tier), min_value=0.0, max_value=100.0,
                                                           step=5.0, format="%.0f", key=ui.choice_key(base, url_cutoffs[tier])))
    ui.set_url("cut", view_params.cutoffs_to_url(cutoffs))
    b1, b2, _ = st.columns([1.4, 1.4, 1.5])
    if b1.button(tr("scoring.save"), key="score_save", icon=":material/save:"):
        try:
            store.set_setting(scoring.SETTING_KEY, {"weights": weights, "cutoffs": scoring.check_cutoffs(cutoffs)})
            st.toast(tr("scoring.saved"), icon=":material/check:")
        except Exception as err:
            ui.show_error(err)
    if b2.button(tr("scoring.reset"), key="score_reset", icon=":material/restart_alt:"):
        for k in list(st.session_state):
            if isinstance(k, str) and (k.startswith("score_w|") or k.startswith("_choice:score_w|")):
                del st.session_state[k]
        ui.set_url("w", None)  # else the link's weights would come back
        try:
            store.set_setting(scoring.SETTING_KEY, {"cutoffs": scoring.check_cutoffs(cutoffs)})
        except Exception as err:
            ui.show_error(err)
        st.rerun()
    with st.expander(tr("scoring.formula_title"), icon=":material/function:"):
        st.code(tr("scoring.formula"), language=None, wrap_lines=True)
        st.dataframe(
            [{tr("scoring.col.criterion"): scoring.criterion_labels(c, lang)["label"],
              tr("scoring.col.weight"): fmt_number(weights[c["id"]], lang, 2),
              tr("scoring.col.evidence"): _evidence_text(c)} for c in base_criteria],
            hide_index=True, width="stretch",
        )

try:
    cutoffs = scoring.check_cutoffs(cutoffs)
    criteria = scoring.apply_weights(base_criteria, weights)
    if not any(c["weight"] > 0 for c in criteria):
        raise IcpError("scoring.no_criteria")
except Exception as err:
    ui.show_error(err)
    st.stop()

# ---- the companies
st.subheader(tr("scoring.results_title"))
n_stored = ui.store_call("tables").get("prospects", 0)
source_options = ["stored", "upload"]
choice = ui.remember("score_source", st.radio(
    tr("scoring.source"), source_options, horizontal=True,
    key=ui.url_choice("score_source", "stored" if n_stored else "upload", "src", options=source_options),
    format_func=lambda o: t("scoring.source.upload", lang) if o == "upload" else (
        t("scoring.source.stored", lang, n=fmt_number(n_stored, lang)) if n_stored else t("scoring.source.stored_none", lang)),
), "src")

frame: pl.DataFrame | None = None
if choice == "upload":
    uploaded = st.file_uploader(tr("scoring.upload"), key="score_file", help=tr("scoring.upload_help"))
    if uploaded is None:
        st.info(tr("scoring.upload_first"), icon=":material/upload_file:")
        st.stop()
    name, data = uploaded.name, uploaded.getvalue()
    try:
        raw = _read(name, data)
    except Exception as err:
        ui.show_error(err)
        st.stop()
    suggested = store.saved_mapping("prospects", raw.columns) or ingest.suggest_mapping(raw.columns, "prospects")
    options: list[str | None] = [None, *schema.TABLES["prospects"].field_names]
    mapping: dict[str, str | None] = {}
    with st.expander(tr("scoring.mapping_title"), icon=":material/table_chart:"):
        st.caption(tr("scoring.mapping_help"))
        grid = st.columns(3)
        for index, column in enumerate(raw.columns):
            chosen = suggested.get(column)
            base = f"score_map|{raw.sha256[:16]}|{column}"
            mapping[column] = ui.remember(base, grid[index % 3].selectbox(
                ui.md_escape(column), options, key=ui.choice_key(base, chosen if chosen in options else None),
                format_func=lambda o: t("scoring.keep_extra", lang) if o is None else o,
            ))
    try:
        frame, rows_read, issues = _prepare(name, data, tuple(mapping.items()))
    except Exception as err:
        ui.show_error(err)
        st.stop()
    st.caption(tr("scoring.file_read", rows=fmt_number(rows_read, lang), file=ui.md_escape(name)))
    if issues:
        first = issues[0]
        st.caption(tr("scoring.file_issues", n=fmt_number(len(issues), lang), row=first["row"],
                      column=ui.md_escape(first["column"]), reason=ui.md_escape(t(first["reason"], lang, **first["params"]))))
else:
    if not n_stored:
        st.info(tr("scoring.no_prospects"), icon=":material/info:")
        st.stop()
    frame = ui.kept(scoring.stored_prospects)  # the kept frame itself: no copy per rerun

try:
    scored = scoring.score_frame(frame, criteria, cutoffs, lang)
except Exception as err:
    ui.show_error(err)
    st.stop()

counts = scoring.tier_counts(scored)
total = scored.height
k = st.columns(6)
k[0].metric(tr("scoring.kpi.companies"), fmt_number(total, lang))
for col, tier in zip(k[1:5], scoring.TIERS):
    col.metric(tr("scoring.kpi.tier", tier=tier), fmt_number(counts[tier], lang),
               help=tr("scoring.kpi.tier_help", share=fmt_pct(counts[tier] / total if total else None, lang)))
k[5].metric(tr("scoring.kpi.unknown"), fmt_number(scored.filter(pl.col("unknown") > 0).height, lang),
            help=tr("scoring.kpi.unknown_help"))

f1, f2 = st.columns([2, 3])
show = f1.multiselect(tr("scoring.filter_tiers"), list(scoring.TIERS),
                      default=ui.url_state("score_tiers", list(scoring.TIERS), "tiers", options=list(scoring.TIERS)),
                      key="score_tiers")
query = f2.text_input(tr("scoring.search"), value=ui.url_state("score_search", "", "q"), key="score_search").strip().casefold()
full = scoring.output_frame(scored)  # the downloads below take the same frame
view = full.filter(pl.col("tier").is_in(show))
if query:
    hay = pl.col("id").cast(pl.String).str.to_lowercase().str.contains(query, literal=True)
    if "name" in view.columns:
        hay = hay | pl.col("name").cast(pl.String).str.to_lowercase().str.contains(query, literal=True).fill_null(False)
    view = view.filter(hay)
if view.height > SHOWN_MAX:
    # a table of 100,000 rows is not read on screen, and sending it costs every rerun: the best
    # first, the search finds any other, the downloads hold them all
    if view.height == total:
        st.caption(tr("scoring.shown_top_all", shown=fmt_number(SHOWN_MAX, lang), total=fmt_number(total, lang)))
    else:
        st.caption(tr("scoring.shown_top", shown=fmt_number(SHOWN_MAX, lang), matching=fmt_number(view.height, lang),
                      total=fmt_number(total, lang)))
    view = view.head(SHOWN_MAX)
else:
    st.caption(tr("scoring.shown", shown=fmt_number(view.height, lang), total=fmt_number(total, lang)))
cols_out = {"id": tr("scoring.col.id"), "name": tr("scoring.col.name"), "fit_score": tr("scoring.col.fit_score"),
            "tier": tr("scoring.col.tier"), "confidence": tr("scoring.col.confidence"),
            "reasons": tr("scoring.col.reasons"), "industry": tr("scoring.col.industry"),
            "employees": tr("scoring.col.employees"), "country": tr("scoring.col.country")}
display = view.select([c for c in cols_out if c in view.columns]).with_columns(
    (pl.col("confidence") * 100).round(0)
).rename({c: cols_out[c] for c in cols_out if c in view.columns})
pct = "%.0f %%" if lang == "de" else "%.0f%%"
st.dataframe(
    display,
    hide_index=True,
    width="stretch",
    height=420,
    # rows are sent as the user scrolls (AppTest gets them all)
    lazy=True,
    column_config={
        tr("scoring.col.fit_score"): st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f", width="small"),
        tr("scoring.col.confidence"): st.column_config.NumberColumn(format=pct, width="small"),
        tr("scoring.col.tier"): st.column_config.TextColumn(width="small"),
        tr("scoring.col.reasons"): st.column_config.TextColumn(width="large"),
        tr("scoring.col.employees"): st.column_config.NumberColumn(format="%d", width="small"),
    },
)
d1, d2, _ = st.columns([1, 1, 3])
d1.download_button(tr("scoring.download_csv"), data=lambda: scoring.to_csv(full), file_name="prospects_scored.csv",
                   mime="text/csv", key="score_dl_csv", icon=":material/download:", on_click="ignore",
                   help=tr("scoring.download_help"))
d2.download_button(tr("scoring.download_xlsx"), data=lambda: scoring.to_xlsx(full), file_name="prospects_scored.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="score_dl_xlsx",
                   icon=":material/download:", on_click="ignore", help=tr("scoring.download_help"))

# ---- backtest on the current customers
st.subheader(tr("scoring.bt.title"))
st.caption(tr("scoring.bt.intro"))
if not ui.store_call("tables").get("accounts"):
    st.info(tr("scoring.bt.no_accounts"))
    st.stop()
try:
    bt = ui.cached(scoring.backtest, criteria, cutoffs, segmentation)
except Exception as err:
    ui.show_error(err)
    st.stop()

st.caption(tr("scoring.bt.as_of", as_of=fmt_date(date.fromisoformat(bt["as_of"]), lang)))
m = st.columns(4)
for col, key, label in ((m[0], "want_more_in_ab", "scoring.bt.want_ab"), (m[1], "churned_in_cd", "scoring.bt.churned_cd")):
    item = bt[key]
    col.metric(tr(label), fmt_pct(item["share"], lang),
               help=tr("scoring.bt.share_help", count=fmt_number(item["count"], lang), n=fmt_number(item["n"], lang)))
for col, key, label in ((m[2], "auc_groups", "scoring.bt.auc_groups"), (m[3], "auc_retention", "scoring.bt.auc_retention")):
    item = bt[key]
    col.metric(tr(label), fmt_number(item["value"], lang, 2),
               help=tr("scoring.bt.auc_help", n=fmt_number(item["n"], lang), pos=fmt_number(item["n_positive"], lang),
                       neg=fmt_number(item["n_negative"], lang)))
if bt["unscored"]:
    st.caption(tr("scoring.bt.unscored", n=fmt_number(bt["unscored"], lang)))

st.dataframe(
    [{tr("scoring.bt.col.group"): tr(f"scoring.group.{row['group']}"),
      tr("scoring.bt.col.n"): fmt_number(row["n"], lang),
      **{tr("scoring.tier_label", tier=tier): (f"{fmt_pct(row[tier] / row['n'], lang)} ({fmt_number(row[tier], lang)})"
                                               if row["n"] else "–") for tier in scoring.TIERS}}
     for row in bt["tiers"]],
    hide_index=True, width="stretch",
)
ui.draw_chart(ui.chart(scoring.backtest_chart, bt, lang), theme=None, width="content")  # built once per backtest
