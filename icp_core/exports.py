"""Exports of the ICP profile for decks and docs, all in the chosen language:

- ``outline(profile, lang)``: the profile as worded sections of tables (the page, Markdown and the
  HTML one-pager all draw from it, so they say the same);
- ``to_markdown`` (user values with Markdown/HTML characters escaped: they stay literal text),
  ``to_json`` (CLI.md keys), ``to_html`` (a standalone print-friendly one-pager: inline CSS, print
  styles, every value through ``html.escape``, charts as inline SVG from vl-convert),
  ``evidence_csv`` (formula prefixes neutralised);
- ``build_charts`` (Altair, the same the page draws with ``theme=None``), ``chart_files`` /
  ``charts_zip`` (PNG at 2x and SVG per chart, rendered offline by ``charts.to_png`` / ``to_svg``).
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import date
from typing import Any

import polars as pl

from icp_core import charts
from icp_core.i18n import fmt_date, fmt_money, fmt_number, fmt_pct, md_escape, t
from icp_core.profile import (
    BROAD_SHARE,
    EDITABLE_SECTIONS,
    FIRMO_FIELDS,
    JOB_FIELDS,
    MIN_N,
    PERSONA_FIELDS,
    ROLES,
    UNKNOWN,
)


# --------------------------------------------------------------------------- wording

def _pct(x, lang):
    return fmt_pct(x, lang, 1)


def _lift(x, lang):
    return fmt_number(x, lang, 2)


def _date_text(iso: str | None, lang: str) -> str:
    if not iso:
        return "–"
    try:
        return fmt_date(date.fromisoformat(iso[:10]), lang)
    except ValueError:
        return iso


def _values_text(values: list[str]) -> str:
    return ", ".join(str(v) for v in values)


def field_evidence(f: dict, lang: str, people: bool = False) -> str:
    """The evidence sentence of a field's ICP values (or its best distinctive value)."""
    if f.get("kind") == "range" and f.get("want"):
        rng = f.get("range") or {}
        return t("profile.evidence_range", lang, low=fmt_number(rng.get("low"), lang), high=fmt_number(rng.get("high"), lang),
                 share_want=_pct(f.get("coverage_want"), lang), share_rest=_pct(f.get("coverage_rest"), lang),
                 lift=_lift(f.get("lift"), lang), median=fmt_number(f["want"].get("median"), lang, 1),
                 median_rest=fmt_number((f.get("rest") or {}).get("median"), lang, 1), n=fmt_number(f["want"]["n"], lang))
    key = "profile.evidence_people" if people else "profile.evidence"
    icp = f.get("icp") or []
    if not people and icp and f.get("coverage_want") is not None:
        text = t(key, lang, share_want=_pct(f.get("coverage_want"), lang), share_rest=_pct(f.get("coverage_rest"), lang),
                 lift=_lift(f.get("lift"), lang), n_want=fmt_number(f.get("n_want"), lang))
    else:
        rows = {r["value"]: r for r in f.get("values", [])}
        parts = []
        for v in (icp or f.get("distinctive", [])[:1] or f.get("typical", [])[:1]):
            r = rows.get(v)
            if r is None:
                continue
            parts.append(f"{v}: " + t(key, lang, share_want=_pct(r["share_want"], lang), share_rest=_pct(r["share_rest"], lang),
                                      lift=_lift(r["lift"], lang), n_want=fmt_number(r["n_want"], lang))
                         + (f" ({t('profile.small_mark', lang)})" if r.get("small") else ""))
        text = "; ".join(parts)
    if f.get("edited"):
        text = (text + " · " if text else "") + t("profile.evidence_edited", lang)
    return text


def missing_text(field: str, lang: str, table: str = "accounts") -> str:
    special = {"replaced_tool": "profile.missing.replaced_tool", "contacts": "profile.missing.contacts",
               "buying_role": "profile.missing.buying_role", "jobs": "profile.missing.jobs"}
    if field in special:
        return t(special[field], lang)
    return t("profile.missing.field", lang, field=field, table=table)


def field_icp_text(name: str, f: dict, lang: str) -> str:
    """What the ICP says for a field: its values, or 'no clear preference (typical: ...)'."""
    if f.get("missing"):
        return "–"
    if f.get("icp"):
        return _values_text(f["icp"])
    if f.get("follows"):
        return t("profile.follows", lang, field=t(f"profile.field.{f['follows']}", lang),
                 typical=_values_text(f.get("typical", [])) or "–")
    typical = _values_text(f.get("typical", []))
    text = t("profile.no_preference", lang, typical=typical) if typical else t("profile.no_preference_plain", lang)
    if f.get("distinctive"):
        text += "; " + t("profile.distinctive", lang, values=_values_text(f["distinctive"][:3]))
    return text


def _row(label: str, icp: str, evidence: str) -> list[str]:
    return [label, icp, evidence]


def outline(profile: dict, lang: str = "en") -> list[dict]:
    """Sections of worded tables: [{"id", "title", "lines": [...], "tables": [{"title", "columns",
    "rows"}], "note"}]. Cells are plain text (user values unescaped: each renderer escapes)."""
    head3 = [t("profile.col.field", lang), t("profile.col.icp", lang), t("profile.col.evidence", lang)]
    notes = profile.get("notes") or {}
    out: list[dict] = []

    # firmographics
    rows = []
    missing_lines = []
    for name, _src, _kind in FIRMO_FIELDS:
        f = profile["firmographics"]["fields"].get(name) or {}
        label = t(f"profile.field.{name}", lang)
        if f.get("missing"):
            rows.append(_row(label, "–", missing_text(f["missing"], lang)))
            continue
        rows.append(_row(label, field_icp_text(name, f, lang), field_evidence(f, lang)))
    out.append({"id": "firmographics", "title": t("profile.section.firmographics", lang), "lines": missing_lines,
                "tables": [{"title": "", "columns": head3, "rows": rows}], "note": notes.get("firmographics", "")})

    # technographics
    tech = profile["technographics"]
    tools = tech.get("tools") or {}
    rows = []
    if tools.get("missing"):
        rows.append(_row(t("profile.field.tools", lang), "–", missing_text("tech_stack", lang)))
    else:
        vals = {r["value"]: r for r in tools.get("values", [])}
        used = ", ".join(f"{v} ({_pct(vals[v]['share_want'], lang)})" for v in tools.get("typical", []) if v in vals)
        rows.append(_row(t("profile.field.tools", lang), used or "–",
                         t("profile.chart.subtitle_n", lang, n=fmt_number(profile["counts"]["want_more"], lang))))
        over = ", ".join(f"{r['value']} ({_lift(r['lift'], lang)})" for r in tools.get("over_represented", [])[:6])
        rows.append(_row(t("profile.field.over_represented", lang), over or t("profile.no_preference_plain", lang), ""))
        rows.append(_row(t("profile.section.criteria", lang), _values_text(tools.get("icp", [])) or "–",
                         field_evidence(tools, lang) if tools.get("icp") else ""))
    rep = tech.get("replaces") or {}
    rows.append(_row(t("profile.field.replaces", lang), _values_text(rep.get("icp", [])) or "–",
                     missing_text("replaced_tool", lang) if rep.get("missing") else field_evidence(rep, lang)))
    out.append({"id": "technographics", "title": t("profile.section.technographics", lang), "lines": [],
                "tables": [{"title": "", "columns": head3, "rows": rows}], "note": notes.get("technographics", "")})

    # personas
    per = profile["personas"]
    tables = []
    lines = []
    if per.get("missing"):
        lines.append(missing_text(per["missing"], lang))
    for role in ROLES:
        r = (per.get("roles") or {}).get(role)
        if not r:
            continue
        title = t("profile.role_head", lang, role=t(f"profile.role.{role}", lang), contacts=fmt_number(r["contacts"], lang),
                  accounts=fmt_number(r["accounts"], lang))
        rows = []
        if not r["contacts"]:
            rows.append(_row(t("profile.field.job_title", lang), "–", t("profile.missing.no_role_contacts", lang)))
        else:
            for fname in PERSONA_FIELDS:
                f = r["fields"].get(fname) or {}
                label = t(f"profile.field.{fname}", lang)
                if f.get("missing"):
                    rows.append(_row(label, "–", missing_text(f["missing"], lang, "contacts")))
                    continue
                rows.append(_row(label, _values_text(f.get("icp", [])) or "–", field_evidence(f, lang, people=True)))
        tables.append({"title": title, "columns": head3, "rows": rows})
    out.append({"id": "personas", "title": t("profile.section.personas", lang), "lines": lines, "tables": tables,
                "note": notes.get("personas", "")})

    # jobs
    jobs = profile["jobs"]
    lines, rows = [], []
    if jobs.get("missing"):
        lines.append(missing_text(jobs["missing"], lang))
    else:
        lines.append(t("profile.jobs_head", lang, answers=fmt_number(jobs["answers"], lang),
                       accounts=fmt_number(jobs["accounts"], lang)))
        for fname in JOB_FIELDS:
            f = jobs["fields"].get(fname) or {}
            label = t(f"profile.field.{fname}", lang)
            if f.get("missing"):
                rows.append(_row(label, "–", missing_text(f["missing"], lang, "jobs")))
                continue
            rows.append(_row(label, _values_text(f.get("icp", [])) or "–", field_evidence(f, lang, people=True)))
    out.append({"id": "jobs", "title": t("profile.section.jobs", lang), "lines": lines,
                "tables": [{"title": "", "columns": head3, "rows": rows}] if rows else [], "note": notes.get("jobs", "")})

    # pmf
    from icp_core import pmf as pmf_mod

    summary = profile["pmf"]
    ind = pmf_mod.indicator_rows(summary, lang)
    cols = list(ind[0].keys()) if ind else []
    out.append({"id": "pmf", "title": t("profile.section.pmf", lang),
                "lines": [t("profile.pmf_verdict", lang, verdict=t(f"pmf.verdict.{summary['verdict']}", lang)),
                          t(f"pmf.next.{summary.get('next_step', 'firmographics')}", lang)],
                "tables": [{"title": "", "columns": cols, "rows": [[str(r[c]) for c in cols] for r in ind]}] if ind else [],
                "note": ""})

    # market
    m = profile.get("market") or {}
    lines, tables = [], []
    if not m.get("available"):
        lines.append(t("profile.missing.market", lang))
    else:
        mcols = [t("profile.col.level", lang), t("profile.col.companies", lang), t("profile.col.market_value", lang),
                 t("profile.col.customers", lang)]
        mrows = [[t(f"market.level.{lv}", lang), fmt_number(m[lv]["companies"], lang), fmt_money(m[lv]["value"], lang),
                  fmt_number(m[lv]["customers"], lang)] for lv in ("tam", "sam", "som")]
        tables.append({"title": "", "columns": mcols, "rows": mrows})
        lines.append(t("profile.market_acv", lang, acv=fmt_money(m.get("acv"), lang), share=fmt_pct(m.get("share"), lang, 0)))
        if m.get("ignored"):
            lines.append(t("profile.market_ignored", lang, specs=", ".join(m["ignored"])))
    out.append({"id": "market", "title": t("profile.section.market", lang), "lines": lines, "tables": tables, "note": ""})

    # metrics
    rows = []
    lines = []
    for r in profile["metrics"]["table"]:
        from icp_core.segments import METRIC_LABEL_KEYS

        metric = t(METRIC_LABEL_KEYS[r["metric"]], lang)
        if r["missing"]:
            lines.append(t("profile.missing.metric", lang, metric=metric, field=r["missing"]))
            continue
        fmtv = _metric_fmt(r["metric"], lang)
        rel = (t("profile.nps_diff", lang, diff=fmt_number(r["difference"], lang, 1)) if r["metric"] == "nps"
               else _lift(r["lift"], lang))
        small = f" ({t('profile.metric_small', lang)})" if r["small"] else ""
        rows.append([metric, f"{fmtv(r['want_more'])} (n={fmt_number(r['want_more_n'], lang)}){small}",
                     f"{fmtv(r['rest'])} (n={fmt_number(r['rest_n'], lang)})",
                     f"{fmtv(r['all'])} (n={fmt_number(r['all_n'], lang)})", rel])
    out.append({"id": "metrics", "title": t("profile.section.metrics", lang), "lines": lines,
                "tables": [{"title": "", "columns": [t("profile.col.metric", lang), t("profile.col.want_more", lang),
                                                      t("profile.col.rest", lang), t("profile.col.all", lang),
                                                      t("profile.col.lift_diff", lang)], "rows": rows}],
                "note": ""})

    # criteria and coverage
    rows = [[criterion_text(c, lang), fmt_pct(c["weight"], lang, 0), criterion_evidence(c, lang)]
            for c in profile.get("criteria", [])]
    out.append({"id": "criteria", "title": t("profile.section.criteria", lang), "lines": [summary_sentence(profile, lang)],
                "tables": [{"title": "", "columns": [t("profile.col.criterion", lang), t("profile.col.weight", lang),
                                                      t("profile.col.evidence", lang)], "rows": rows}] if rows else [],
                "note": ""})
    out.append({"id": "coverage", "title": t("profile.section.coverage", lang),
                "lines": coverage_lines(profile.get("coverage"), lang), "tables": [], "note": ""})
    return out


def _metric_fmt(metric: str, lang: str):
    if metric in ("retention_12m", "referral_rate", "win_rate"):
        return lambda v: fmt_pct(v, lang)
    if metric == "arpa":
        return lambda v: fmt_money(v, lang)
    return lambda v: fmt_number(v, lang, 1 if metric == "nps" else 0)


def criterion_text(c: dict, lang: str) -> str:
    label = t(f"profile.field.{c['field']}", lang)
    if "values" in c:
        return f"{label}: {_values_text(c['values'])}"
    lo = "" if c.get("low") is None else fmt_number(c["low"], lang)
    hi = "" if c.get("high") is None else fmt_number(c["high"], lang)
    return f"{label}: {lo}–{hi}"


def criterion_evidence(c: dict, lang: str) -> str:
    ev = c.get("evidence") or {}
    if ev.get("lift") is None:
        return t("profile.evidence_edited", lang)
    text = t("profile.evidence", lang, share_want=_pct(ev.get("coverage_want"), lang), share_rest=_pct(ev.get("coverage_rest"), lang),
             lift=_lift(ev.get("lift"), lang), n_want=fmt_number(ev.get("n_want"), lang))
    if ev.get("edited"):
        text += " · " + t("profile.evidence_edited", lang)
    return text


def summary_sentence(profile: dict, lang: str) -> str:
    crits = profile.get("criteria", [])
    if not crits:
        return t("profile.summary_none", lang)
    return t("profile.summary", lang, criteria=t("profile.and", lang).join(criterion_text(c, lang) for c in crits))


def coverage_lines(cov: dict | None, lang: str) -> list[str]:
    if not cov:
        return []
    c = cov["customers"]
    lines = [t("profile.coverage.customers", lang, matching=fmt_number(c["matching"], lang), all=fmt_number(c["all"], lang),
               share=fmt_pct(c["share"], lang), active_matching=fmt_number(c["active_matching"], lang),
               active=fmt_number(c["active"], lang), active_share=fmt_pct(c["active_share"], lang))]
    if cov.get("market"):
        m = cov["market"]
        lines.append(t("profile.coverage.market", lang, matching=fmt_number(m["matching"], lang), all=fmt_number(m["all"], lang),
                       share=fmt_pct(m["share"], lang, 2)))
    else:
        lines.append(t("profile.coverage.no_market", lang))
    lines.extend(warning_texts(cov, lang))
    lines.append(t("profile.coverage.caution", lang))
    return lines


def warning_texts(cov: dict | None, lang: str) -> list[str]:
    from icp_core import market

    return [t(f"profile.warn.{w}", lang, broad=fmt_pct(BROAD_SHARE, lang, 0), min_n=MIN_N,
              narrow_n=fmt_number(market.NARROW_COMPANIES, lang), narrow_share=fmt_pct(market.NARROW_SHARE, lang, 0))
            for w in (cov or {}).get("warnings", [])]


# --------------------------------------------------------------------------- Markdown, JSON, CSV

def _md_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(profile: dict, lang: str = "en", version: dict | None = None) -> str:
    """The profile as Markdown; every user value is escaped so it stays literal text."""
    lines = [f"# {t('profile.doc_title', lang)}", "",
             md_escape(t("profile.doc_meta", lang, as_of=_date_text(profile.get("as_of"), lang),
                         want=fmt_number(profile["counts"]["want_more"], lang), rest=fmt_number(profile["counts"]["rest"], lang)))]
    if version:
        lines.append("")
        lines.append(md_escape(t("profile.doc_version", lang, version=version["version"], at=_date_text(version["at"], lang))))
    lines += ["", f"**{md_escape(summary_sentence(profile, lang))}**", ""]
    for sec in outline(profile, lang):
        lines.append(f"## {sec['title']}")
        lines.append("")
        for line in sec["lines"]:
            lines.append(md_escape(line))
            lines.append("")
        for tab in sec["tables"]:
            if tab["title"]:
                lines.append(f"### {md_escape(tab['title'])}")
                lines.append("")
            lines += _md_table(tab["columns"], tab["rows"])
            lines.append("")
        if sec.get("note"):
            lines.append(f"*{t('profile.section.notes', lang)}:* {md_escape(sec['note'])}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(profile: dict) -> str:
    from icp_core.cli import to_json as _to_json

    return _to_json(profile)


def evidence_frame(profile: dict, lang: str = "en") -> pl.DataFrame:
    """Every value with its evidence: section, role, field, value, n and shares, lift, in ICP."""
    recs = []

    def add(section, role, field, f):
        icp = set(f.get("icp") or [])
        for r in f.get("values", []):
            recs.append({"section": section, "role": role, "field": field, "value": r["value"], "n_want": r["n_want"],
                         "n_rest": r["n_rest"], "share_want": r["share_want"], "share_rest": r["share_rest"],
                         "lift": r["lift"], "in_icp": r["value"] in icp})

    for name, f in profile["firmographics"]["fields"].items():
        add("firmographics", None, name, f)
    for name, f in profile["technographics"].items():
        if isinstance(f, dict):
            add("technographics", None, name, f)
    for role, r in (profile["personas"].get("roles") or {}).items():
        for name, f in r["fields"].items():
            add("personas", role, name, f)
    for name, f in (profile["jobs"].get("fields") or {}).items():
        add("jobs", None, name, f)
    schema = {"section": pl.String, "role": pl.String, "field": pl.String, "value": pl.String, "n_want": pl.Int64,
              "n_rest": pl.Int64, "share_want": pl.Float64, "share_rest": pl.Float64, "lift": pl.Float64,
              "in_icp": pl.Boolean}
    return pl.DataFrame(recs, schema=schema)


def evidence_csv(profile: dict, lang: str = "en") -> bytes:
    """The evidence table as CSV (UTF-8); text cells starting with = + - @ are neutralised."""
    from icp_core.cli import neutralise_formulas

    buf = io.BytesIO()
    neutralise_formulas(evidence_frame(profile, lang)).write_csv(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- charts

def _share_rows(f: dict, k: int = 10) -> list[dict]:
    rows = [r for r in f.get("values", []) if r["value"] != UNKNOWN][:k]
    return [{"value": r["value"], "share": r["share_want"], "n": r["n_want"], **_wilson(r)} for r in rows]


def _wilson(r: dict) -> dict:
    from icp_core.metrics_common import wilson

    n_total = round(r["n_want"] / r["share_want"]) if r.get("share_want") else 0
    lo, hi = wilson(r["n_want"], n_total) if n_total else (None, None)
    return {"low": lo, "high": hi}


def build_charts(profile: dict, lang: str = "en") -> dict[str, Any]:
    """The profile's charts by name (industry, size, tools, retention, funnel); only those the
    data can give."""
    out: dict[str, Any] = {}
    n_want = profile["counts"]["want_more"]
    sub = t("profile.chart.subtitle_icp", lang)
    fields = profile["firmographics"]["fields"]
    ind = fields.get("industry") or {}
    if not ind.get("missing") and ind.get("values"):
        out["industry"] = charts.bar_with_intervals(
            _share_rows(ind), category="value", value="share", low="low", high="high", n="n",
            title=t("profile.chart.industry", lang), subtitle=sub, value_format="%", highlight=ind.get("icp") or [],
            lang=lang, value_title=t("profile.chart.share_axis", lang), category_title=t("profile.field.industry", lang),
            n_total=n_want, width=380)
    size = fields.get("size_band") or {}
    if not size.get("missing") and size.get("values"):
        out["size"] = charts.bar_with_intervals(
            _share_rows(size), category="value", value="share", low="low", high="high", n="n",
            title=t("profile.chart.size", lang), subtitle=sub, value_format="%", highlight=size.get("icp") or [],
            lang=lang, value_title=t("profile.chart.share_axis", lang), category_title=t("profile.field.size_band", lang),
            sort=None, n_total=n_want, width=380)
    tools = profile["technographics"].get("tools") or {}
    if not tools.get("missing") and tools.get("values"):
        rows = sorted((r for r in tools["values"] if r["lift"] is not None), key=lambda r: -r["lift"])[:10]
        out["tools"] = charts.bar_with_intervals(
            [{"value": r["value"], "lift": r["lift"], "n": r["n_want"]} for r in rows], category="value", value="lift",
            n="n", title=t("profile.chart.tools", lang), subtitle=sub, value_format=",", highlight=tools.get("icp") or [],
            lang=lang, value_title=t("profile.chart.lift_axis", lang), category_title=t("profile.field.tools", lang),
            n_total=n_want, width=520)
    groups = profile["metrics"]["groups"]
    ret_rows = []
    for g, key in (("want_more", "profile.col.want_more"), ("rest", "profile.col.rest"), ("all", "profile.col.all")):
        s = groups.get(g)
        if s and s.get("retention_12m") is not None:
            ci = s.get("retention_ci") or [None, None]
            ret_rows.append({"group": t(key, lang), "value": s["retention_12m"], "low": ci[0], "high": ci[1],
                             "n": s["retention_n"]})
    if ret_rows:
        out["retention"] = charts.bar_with_intervals(
            ret_rows, category="group", value="value", low="low", high="high", n="n",
            title=t("profile.chart.retention", lang), value_format="%", highlight=[ret_rows[0]["group"]], lang=lang,
            value_title=t("profile.chart.retention_axis", lang), category_title=t("profile.chart.group_axis", lang),
            sort=None, width=520)
    m = profile.get("market") or {}
    if m.get("available"):
        levels = [{"label": t(f"market.level.{lv}", lang), "companies": m[lv]["companies"], "value": m[lv]["value"],
                   "customers": m[lv]["customers"], "penetration": m[lv]["penetration"]} for lv in ("tam", "sam", "som")]
        out["funnel"] = charts.funnel(levels, title=t("profile.chart.funnel", lang), lang=lang)
    return out


def chart_files(chart_map: dict[str, Any], lang: str = "en") -> dict[str, bytes]:
    """{"icp_<name>_<lang>.png": PNG at 2x, ".svg": SVG} for every chart (rendered offline)."""
    out = {}
    for name, chart in chart_map.items():
        out[f"icp_{name}_{lang}.png"] = charts.to_png(chart, scale=2)
        out[f"icp_{name}_{lang}.svg"] = charts.to_svg(chart).encode("utf-8")
    return out


def charts_zip(profile: dict, lang: str = "en") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in chart_files(build_charts(profile, lang), lang).items():
            zf.writestr(name, data)
    return buf.getvalue()


# --------------------------------------------------------------------------- HTML one-pager

_CSS = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; color: #1F2937; margin: 24px auto;
       max-width: 1040px; line-height: 1.4; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; color: #2563EB; }
h2 { font-size: 18px; margin: 22px 0 8px; border-bottom: 2px solid #2563EB; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 12px 0 6px; }
.meta { color: #6B7280; margin: 0 0 12px; }
.summary { font-size: 17px; font-weight: 600; background: #F1F5FE; padding: 10px 14px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #ECEEF2; }
th { background: #F9FAFB; font-weight: 600; }
td:nth-child(2) { font-weight: 600; }
.note { color: #374151; font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; }
  table, .chart { break-inside: avoid; }
}
"""


def to_html(profile: dict, lang: str = "en", chart_map: dict[str, Any] | None = None, version: dict | None = None) -> str:
    """A standalone print-friendly one-pager: inline CSS and print styles, every value escaped,
    charts embedded as inline SVG (vl-convert output; its text is escaped by the renderer)."""
    e = html.escape
    parts = [f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">',
             f"<title>{e(t('profile.doc_title', lang))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(t('profile.doc_title', lang))}</h1>",
             '<p class="meta">' + e(t("profile.doc_meta", lang, as_of=_date_text(profile.get("as_of"), lang),
                                       want=fmt_number(profile["counts"]["want_more"], lang),
                                       rest=fmt_number(profile["counts"]["rest"], lang))) + "</p>"]
    if version:
        parts.append('<p class="meta">' + e(t("profile.doc_version", lang, version=version["version"],
                                              at=_date_text(version["at"], lang))) + "</p>")
    parts.append(f'<p class="summary">{e(summary_sentence(profile, lang))}</p>')
    for sec in outline(profile, lang):
        parts.append(f'<section id="{e(sec["id"])}"><h2>{e(sec["title"])}</h2>')
        for line in sec["lines"]:
            parts.append(f"<p>{e(line)}</p>")
        for tab in sec["tables"]:
            if tab["title"]:
                parts.append(f"<h3>{e(tab['title'])}</h3>")
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in tab["columns"]) + "</tr></thead><tbody>")
            for row in tab["rows"]:
                parts.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
        if sec.get("note"):
            parts.append(f'<p class="note"><strong>{e(t("profile.section.notes", lang))}:</strong> {e(sec["note"])}</p>')
        parts.append("</section>")
    if chart_map:
        parts.append(f'<section id="charts"><h2>{e(t("profile.charts_title", lang))}</h2><div class="charts">')
        for name, chart in chart_map.items():
            svg = charts.to_svg(chart)
            svg = svg[svg.find("<svg"):] if "<svg" in svg else ""
            parts.append(f'<div class="chart" id="chart-{e(name)}">{svg}</div>')
        parts.append("</div></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def file_name(kind: str, lang: str, ext: str) -> str:
    return f"{t('profile.file_stem', lang)}_{kind}.{ext}" if kind else f"{t('profile.file_stem', lang)}.{ext}"


__all__ = ["md_escape", "outline", "to_markdown", "to_json", "to_html", "evidence_frame", "evidence_csv",
           "build_charts", "chart_files", "charts_zip", "summary_sentence", "coverage_lines", "criterion_text",
           "field_icp_text", "field_evidence", "missing_text", "file_name"]
