"""ICP profile: the Ideal Customer Profile as the article's template, every field with its evidence;
edit, version, compare, restore, export (thin: widgets -> icp_core.profile / exports -> draw)."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from icp_core import exports, profile as P
from icp_core.i18n import fmt_number, fmt_pct

tr = ui.tr
L = ui.lang()
store = ui.get_store()

st.title(tr("profile.title"))

ui.require_accounts("profile.no_accounts")

deck = st.toggle(tr("profile.deck_mode"), value=ui.url_state("icp_deck", False, "deck"), key="icp_deck",
                 help=tr("profile.deck_help"))
if not deck:
    st.caption(tr("profile.intro"))

# ---- the profile being shown / edited (kept per data version) --------------------------------
version_now = ui.data_version()
state = st.session_state
if state.get("icp_data_version") != version_now:
    state["icp_data_version"] = version_now
    state.pop("icp_work", None)


def derived() -> dict:
    seg = store.get_setting("segmentation")
    return ui.cached(P.derive_profile, seg if isinstance(seg, dict) else None, None,
                     market_settings=store.get_setting("market_settings"))


def replace_work(profile: dict, entry: dict | None) -> None:
    state["icp_work"] = profile
    state["icp_work_entry"] = {k: entry[k] for k in ("version", "at", "note", "author")} if entry else None
    state["icp_gen"] = state.get("icp_gen", 0) + 1


try:
    if "icp_work" not in state:
        latest = P.latest_version(store)
        if latest:
            replace_work(latest["profile"], latest)
        else:
            replace_work(derived(), None)
except Exception as err:
    ui.show_error(err)
    st.stop()

work: dict = state["icp_work"]
entry = state.get("icp_work_entry")
gen = state.get("icp_gen", 0)
latest = P.latest_version(store)

if not deck:
    if entry:
        note = f" ({entry['note']})" if entry.get("note") else ""
        st.caption(ui.md_escape(tr("profile.source.saved_version", version=entry["version"],
                                   at=ui.fmt_datetime(entry["at"]), note=note)))
    else:
        st.caption(tr("profile.source.derived"))
    b1, b2, _ = st.columns([2, 2, 4])
    if b1.button(tr("profile.derive_again"), icon=":material/refresh:", help=tr("profile.derive_help"), key="icp_derive"):
        replace_work(derived(), None)
        st.rerun()
    if latest and b2.button(tr("profile.show_saved"), icon=":material/history:", key="icp_back"):
        replace_work(latest["profile"], latest)
        st.rerun()

# ---- editing (above the view, so the view shows the edits at once) ----------------------------
edited = work
if not deck:
    with st.expander(tr("profile.edit_title"), icon=":material/edit:"):
        st.caption(tr("profile.edit_help"))
        try:
            for section in P.EDITABLE_SECTIONS:
                st.markdown(f"**{tr('profile.section.' + section)}**")
                for (sec, role, field), f in P._editable_fields(edited).items():
                    if sec != section or f.get("missing") or (section == "technographics" and field == "replaces"):
                        continue
                    options = [r["value"] for r in f.get("values", []) if r["value"] != P.UNKNOWN]
                    if f.get("kind") == "range":
                        options = list(dict.fromkeys((f.get("distinctive") or []) + (f.get("typical") or [])))
                    current = list(f.get("icp", []))
                    options = list(dict.fromkeys(current + options))
                    label = tr(f"profile.field.{field}")
                    if role:
                        label = f"{tr('profile.role.' + role)} · {label}"
                    chosen = st.multiselect(label, options, default=current, accept_new_options=f.get("kind") != "band",
                                            key=f"icp_e{gen}_{section}_{role}_{field}")
                    if chosen != current:
                        edited = P.set_values(edited, section, field, chosen, role or None)
                note = st.text_area(tr("profile.edit_note", section=tr("profile.section." + section)),
                                    value=(edited.get("notes") or {}).get(section, ""), height=68,
                                    key=f"icp_e{gen}_note_{section}")
                if note != (edited.get("notes") or {}).get(section, ""):
                    edited = P.set_note(edited, section, note)
        except Exception as err:
            ui.show_error(err)
        changes = P.diff_versions(latest["profile"], edited) if latest else None
        if changes is None or changes:
            if changes:
                st.caption(tr("profile.unsaved"))
            c1, c2 = st.columns([3, 1])
            vnote = c1.text_input(tr("profile.version_note"), key=f"icp_vnote{gen}")
            author = c2.text_input(tr("profile.version_author"), key=f"icp_author{gen}")
            if st.button(tr("profile.save"), icon=":material/save:", type="primary", key=f"icp_save{gen}"):
                try:
                    if edited is not work:
                        edited = {**edited, "coverage": ui.cached(P.coverage, edited.get("criteria", []))}
                    saved = P.save_version(store, edited, vnote, author)
                    replace_work(saved["profile"], saved)
                    state["icp_flash"] = tr("profile.saved", version=saved["version"])
                    st.rerun()
                except Exception as err:
                    ui.show_error(err)
if state.get("icp_flash"):
    st.success(state.pop("icp_flash"))

# edits change the criteria: what they cover and the market follow them
if edited is not work:
    try:
        edited = {**edited, "coverage": ui.cached(P.coverage, edited.get("criteria", []))}
        if (edited.get("market") or {}).get("available"):
            edited["market"] = ui.cached(P.market_section, {"criteria": edited.get("criteria", [])},
                                         store.get_setting("market_settings"))
    except Exception as err:
        ui.show_error(err)

# ---- the profile ----------------------------------------------------------------------------
counts = edited["counts"]
if not deck:
    seg = edited.get("segmentation") or {}
    st.caption(ui.md_escape(tr(f"profile.group_source.{edited.get('group_source', 'default')}",
                               dims=" × ".join(seg.get("dimensions", [])), want=fmt_number(counts["want_more"], L),
                               rest=fmt_number(counts["rest"], L))))
st.subheader(tr("profile.summary_title"))
st.success(ui.md_escape(exports.summary_sentence(edited, L)), icon=":material/target:")

cov = edited.get("coverage") or {}
if cov:
    k1, k2, k3 = st.columns(3)
    c = cov["customers"]
    k1.metric(tr("profile.kpi.customers"), f"{fmt_number(c['matching'], L)} / {fmt_number(c['all'], L)}",
              help=fmt_pct(c["share"], L))
    k2.metric(tr("profile.kpi.want"), fmt_number(counts["want_more"], L))
    if cov.get("market"):
        k3.metric(tr("profile.kpi.market"),
                  f"{fmt_number(cov['market']['matching'], L)} / {fmt_number(cov['market']['all'], L)}",
                  help=fmt_pct(cov["market"]["share"], L, 2))
    for w in exports.warning_texts(cov, L):
        st.warning(ui.md_escape(w), icon=":material/warning:")

charts_map = {}
try:
    charts_map = ui.chart(exports.build_charts, edited, L)  # built once per profile and language
except Exception as err:
    ui.show_error(err)


def draw_chart(name: str, col=None) -> None:
    chart = charts_map.get(name)
    if chart is None:
        return
    target = col or st
    ui.draw_chart(chart, target, theme=None)
    if not deck:
        d1, d2, _ = target.columns([1, 1, 3])
        d1.download_button(tr("profile.export_png"), data=lambda c=chart: exports.charts.to_png(c, scale=2),
                           file_name=f"icp_{name}_{L}.png", mime="image/png", key=f"icp_png_{name}",
                           icon=":material/image:", on_click="ignore")
        d2.download_button(tr("profile.export_svg"), data=lambda c=chart: exports.charts.to_svg(c),
                           file_name=f"icp_{name}_{L}.svg", mime="image/svg+xml", key=f"icp_svg_{name}",
                           icon=":material/draw:", on_click="ignore")


def draw_table(tab: dict) -> None:
    if tab["title"]:
        st.markdown("**" + ui.md_escape(tab["title"]) + "**")
    if tab["rows"]:
        cols = tab["columns"]
        st.dataframe(pl.DataFrame([dict(zip(cols, map(str, r))) for r in tab["rows"]], schema=[(c, pl.String) for c in cols]),
                     hide_index=True, width="stretch")


evidence = exports.evidence_frame(edited, L)
for sec in exports.outline(edited, L):
    st.subheader(sec["title"])
    for line in sec["lines"]:
        st.caption(ui.md_escape(line))
    if sec["id"] == "firmographics":
        c1, c2 = st.columns(2)
        draw_chart("industry", c1)
        draw_chart("size", c2)
    for tab in sec["tables"]:
        draw_table(tab)
    if sec["id"] == "technographics":
        draw_chart("tools")
    elif sec["id"] == "metrics":
        draw_chart("retention")
    elif sec["id"] == "market":
        draw_chart("funnel")
    if sec.get("note"):
        st.markdown(f"*{tr('profile.section.notes')}:* " + ui.md_escape(sec["note"]))
    if not deck and sec["id"] in P.EDITABLE_SECTIONS and evidence.height:
        with st.expander(tr("profile.details"), icon=":material/table_view:"):
            st.caption(tr("profile.evidence_help", min_n=edited.get("min_n", 30)))
            part = evidence.filter(pl.col("section") == sec["id"])
            st.dataframe(part.select(
                pl.col("role").alias(tr("profile.col.section")), pl.col("field").alias(tr("profile.col.field")),
                pl.col("value").alias(tr("profile.col.value")), pl.col("n_want").alias(tr("profile.col.n_want")),
                pl.col("share_want").alias(tr("profile.col.share_want")), pl.col("n_rest").alias(tr("profile.col.n_rest")),
                pl.col("share_rest").alias(tr("profile.col.share_rest")), pl.col("lift").alias(tr("profile.col.lift")),
                pl.col("in_icp").alias(tr("profile.col.in_icp"))), hide_index=True, width="stretch")
if not deck:
    st.caption(tr("profile.criteria_help"))

# ---- versions -------------------------------------------------------------------------------
if not deck:
    st.subheader(tr("profile.versions_title"))
    versions = P.list_versions(store)
    if not versions:
        st.caption(tr("profile.no_versions"))
    else:
        st.dataframe([{tr("profile.col.version"): v["version"], tr("profile.col.at"): ui.fmt_datetime(v["at"]),
                       tr("profile.col.author"): v["author"],
                       tr("profile.col.note"): v["note"] + (f" ({tr('profile.restored_from', version=v['restored_from'])})"
                                                             if v.get("restored_from") else ""),
                       tr("profile.section.criteria"): "; ".join(v["specs"])} for v in versions],
                     hide_index=True, width="stretch")
        nums = [v["version"] for v in versions]
        c1, c2 = st.columns(2)
        a = c1.selectbox(tr("profile.compare"), nums, index=len(nums) - 1, key="icp_cmp_a")
        b = c2.selectbox(tr("profile.compare_with"), ["current"] + nums,
                         format_func=lambda x: tr("profile.current_edit") if x == "current" else str(x), key=f"icp_cmp_b@{L}")
        other = edited if b == "current" else P.get_version(store, b)
        changes = P.diff_versions(P.get_version(store, a), other)
        if changes:
            st.dataframe([{tr("profile.col.section"): tr(f"profile.section.{ch['section']}"),
                           tr("profile.col.field"): (tr(f"profile.role.{ch['role']}") + " · " if ch["role"] else "")
                           + (tr(f"profile.field.{ch['field']}") if ch["field"] not in ("note", "criteria") else ""),
                           tr("profile.col.change"): tr(f"profile.change.{ch['change']}"),
                           tr("profile.col.before"): ch["before"] or "", tr("profile.col.after"): ch["after"] or ""}
                          for ch in changes], hide_index=True, width="stretch")
        else:
            st.caption(tr("profile.no_changes"))
        r1, r2 = st.columns([1, 3])
        pick = r1.selectbox(tr("profile.col.version"), nums, index=0, key="icp_restore_pick")
        if r2.button(tr("profile.restore", version=pick), icon=":material/restore:", key="icp_restore"):
            try:
                new = P.restore_version(store, pick)
                replace_work(new["profile"], new)
                state["icp_flash"] = tr("profile.restored", old=pick, version=new["version"])
                st.rerun()
            except Exception as err:
                ui.show_error(err)

# ---- export ---------------------------------------------------------------------------------
if not deck:
    st.subheader(tr("profile.export_title"))
    ver = entry if entry and edited is work else None
    e1, e2, e3 = st.columns(3)
    e4, e5, _ = st.columns(3)
    e1.download_button(tr("profile.export_md"), data=exports.to_markdown(edited, L, ver),
                       file_name=exports.file_name("", L, "md"), mime="text/markdown", key="icp_dl_md",
                       icon=":material/description:", on_click="ignore")
    e2.download_button(tr("profile.export_json"), data=exports.to_json(edited), file_name=exports.file_name("", L, "json"),
                       mime="application/json", key="icp_dl_json", icon=":material/data_object:", on_click="ignore")
    e3.download_button(tr("profile.export_html"), data=lambda p=edited, v=ver, lg=L: exports.to_html(p, lg, exports.build_charts(p, lg), v),
                       file_name=exports.file_name("", L, "html"), mime="text/html", key="icp_dl_html",
                       icon=":material/print:", on_click="ignore")
    e4.download_button(tr("profile.export_csv"), data=exports.evidence_csv(edited, L),
                       file_name=exports.file_name("evidence", L, "csv"), mime="text/csv", key="icp_dl_csv",
                       icon=":material/table:", on_click="ignore")
    e5.download_button(tr("profile.export_charts"), data=lambda p=edited, lg=L: exports.charts_zip(p, lg),
                       file_name=exports.file_name("charts", L, "zip"), mime="application/zip", key="icp_dl_zip",
                       icon=":material/folder_zip:", on_click="ignore")
