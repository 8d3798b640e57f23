"""The Ideal Customer Profile, derived from the data and laid out as the article's template
(firmographics, technographics, personas, jobs-to-be-done), every field with its evidence.

Who is "want more of": the saved segmentation's groups (``groups.py``: per customer an override
wins, then the user's own ``tier``, then the group of its segment). When nothing is saved, the
default suggestion is computed: segments industry x size_band scored with the default weights
(``groups.build_segmentation``). "The rest" are all other (filtered) customers.

Evidence of a value v of a field (accounts, one value per account; empty = "(unknown)")::

    share_want = want-more accounts with v / want-more accounts
    share_rest = other accounts with v / other accounts
    lift       = share_want / share_rest          (None when share_rest = 0)
    n_want, n_rest: the account counts behind the shares; small = n_want < min_n

- **distinctive values** of a field: lift >= ``VALUE_LIFT`` (1.25) and share_want >= ``VALUE_SHARE``
  (5 %), ordered by share_want; tools: lift >= ``TOOL_LIFT`` (2.0) and share_want >= ``TOOL_SHARE``
  (20 %).
- a field becomes an **ICP criterion** when its distinctive values together hold at least
  ``CRITERION_COVERAGE`` (50 %) of the want-more accounts and the field's own lift
  (coverage_want / coverage_rest) is at least ``CRITERION_LIFT`` (1.5). Size is one criterion:
  of employees (size_band), annual_revenue (revenue_band) and department_size (the want-more
  group's 10th..90th percentile) only the one with the highest lift is kept; the others follow
  company size and are shown as evidence only.
- **weight** of a criterion = ln(lift) / sum of ln(lift) over all criteria (stronger separation
  weighs more; the weights add up to 1). A value only the want-more group has (rest 0 %) has no
  finite lift: it counts as above any minimum and as lift ``EXCLUSIVE_LIFT`` (10) for the weight; a
  criterion the user added without evidence counts as ``NO_EVIDENCE_LIFT`` (2).
- personas (contacts of want-more accounts, per buying role) and jobs-to-be-done (answers of
  want-more accounts, split into tags at ``;`` and ``|``): share among the role's contacts /
  among the answers, lift against the same share at the other accounts; the ICP values are the
  ``TOP_TYPICAL`` (3) most frequent values with a share of at least 10 %.

Bands as criteria: size bands become an employees range, revenue bands an annual_revenue range
(from the lowest chosen band's lower bound to the highest one's upper bound; an open top stays
open); age bands stay ``age_band`` values.

Versions (store setting ``icp_versions``): a list of ``{"version", "at", "author", "note",
"profile"}``; every save (an edit, a restore) appends one; saving also writes the criteria as
FIELD=VALUES specs to the setting ``icp_filters`` (read by the Market page and ``icp market``).
"""

from __future__ import annotations

import copy
import math
from datetime import date, datetime, timezone
from typing import Any

import duckdb
import polars as pl

from icp_core.errors import IcpError
from icp_core.metrics_common import (
    AGE_BANDS,
    BAND_ORDER,
    MIN_N,
    REVENUE_BANDS,
    SIZE_BANDS,
    age_band_sql,
    filters_sql,
    mode_sql,
    parse_filter,
    quote_ident,
    revenue_band_sql,
    size_band_sql,
    table_columns,
    table_exists,
)
from icp_core.store import release_memory

UNKNOWN = "(unknown)"
SECTIONS = ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics")
EDITABLE_SECTIONS = ("firmographics", "technographics", "personas", "jobs")
VALUE_LIFT = 1.25
VALUE_SHARE = 0.05
TOOL_LIFT = 2.0
TOOL_SHARE = 0.20
CRITERION_COVERAGE = 0.5
CRITERION_LIFT = 1.5
TYPICAL_SHARE = 0.10
TOP_TYPICAL = 3
TOP_VALUES = 12
BROAD_SHARE = 0.5
EXCLUSIVE_LIFT = 10.0  # weight basis of a criterion only the want-more group meets
NO_EVIDENCE_LIFT = 2.0  # weight basis of a criterion the user added without evidence
ROLES = ("user", "decision_maker", "blocker")
PERSONA_FIELDS = ("job_title", "seniority", "department", "info_sources", "motivation", "age_group", "education")
JOB_FIELDS = ("job", "challenge", "ideal_state", "trigger")
VERSIONS_KEY = "icp_versions"
FILTERS_KEY = "icp_filters"

#: firmographic fields: (name, source column, kind); kind: cat | band | range | bool
FIRMO_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("industry", "industry", "cat"),
    ("size_band", "employees", "band"),
    ("department_size", "department_size", "range"),
    ("revenue_band", "annual_revenue", "band"),
    ("country", "country", "cat"),
    ("age_band", "founded_year", "band"),
    ("business_model", "business_model", "cat"),
    ("partner", "partner", "cat"),
    ("leadership_change", "leadership_change", "bool"),
)
SIZE_FIELDS = ("size_band", "revenue_band", "department_size")
#: extra columns that say which tool the product replaced (matched case-insensitively)
REPLACED_COLUMNS = ("replaced_tool", "replaces", "previous_tool", "previous_solution", "replaced_solution",
                    "vorgängerlösung", "vorgaengerloesung", "altsystem", "abgelöstes tool", "ersetzt")


# --------------------------------------------------------------------------- who is "want more of"

def default_segmentation(cur: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict:
    """The default suggestion: industry x size_band (those present) with the default weights."""
    from icp_core import groups, segments

    cols = segments.account_columns(cur)
    dims = [d for d, src in (("industry", "industry"), ("size_band", "employees")) if src in cols]
    if not dims:
        dims = [segments.suggested_dimensions(cur)[0][0]]
    result = segments.segment_stats(cur, dims, as_of=as_of)
    return groups.build_segmentation(result)


def _groups_sql(cur, segmentation: dict, as_of: date | None, light: bool = False):
    from icp_core import groups

    seg_groups = {g["key_id"]: g["group"] for g in segmentation.get("groups", [])}
    return groups._group_sql(cur, segmentation["dimensions"], segmentation.get("filters", []), as_of, seg_groups,
                             segmentation.get("overrides", {}).get("accounts", {}), light=light)


def _projection_sql(cur, segmentation: dict, as_of: date | None, ids: bool = True):
    """SQL whose CTE `_pa` has one row per (filtered) account: account_id, _w (want more of), the
    firmographic fields (bands, trimmed text), tech_stack (trimmed, empties dropped) and _replaced."""
    q, ctx = _groups_sql(cur, segmentation, as_of, light=True)  # the accounts' own columns and groups only
    cols = set(ctx.columns)
    sel = (["account_id"] if ids else []) + ["(_group = 'want_more') AS _w"]
    for name, src, kind in FIRMO_FIELDS:
        if src not in cols:
            continue
        if name == "size_band":
            sel.append(f"{size_band_sql()} AS size_band")
        elif name == "revenue_band":
            sel.append(f"{revenue_band_sql()} AS revenue_band")
        elif name == "age_band":
            sel.append(f"{age_band_sql(ctx.as_of.year)} AS age_band")
        elif kind == "range":
            sel.append(f"CAST({quote_ident(src)} AS DOUBLE) AS {quote_ident(name)}")
        else:
            sel.append(f"nullif(trim(CAST({quote_ident(src)} AS VARCHAR)), '') AS {quote_ident(name)}")
    if "tech_stack" in cols:
        sel.append("list_filter(list_transform(tech_stack, lambda x: trim(x)), lambda x: x <> '') AS tech_stack")
    replaced = _replaced_column(list(ctx.columns))
    if replaced:
        sel.append(f"nullif(trim(CAST({quote_ident(replaced)} AS VARCHAR)), '') AS _replaced")
    q.add(", _pa AS MATERIALIZED (SELECT " + ", ".join(sel) + " FROM grp)")
    present = [name for name, src, _kind in FIRMO_FIELDS if src in cols]
    return q, ctx, present, "tech_stack" in cols, replaced is not None


def _account_frame(cur, segmentation: dict, as_of: date | None) -> tuple[pl.DataFrame, Any]:
    """One row per (filtered) account: account_id, _w (want more of), and the firmographic fields
    (whole table in memory: tests and small data; derive_profile aggregates in DuckDB instead)."""
    q, ctx, _present, _tech, _repl = _projection_sql(cur, segmentation, as_of)
    q.add(" SELECT * FROM _pa")
    frame = cur.sql(q.text, params=q.params).pl()
    return frame, ctx


def _aggregates(cur, segmentation: dict, as_of: date | None) -> dict:
    """Everything the firmographics and technographics need, aggregated in DuckDB (the accounts are
    never pulled into Python): counts per value and group, non-null counts, department-size
    quantiles, tool counts per spelling. One query over the materialised projection."""
    q, ctx, present, has_tech, has_repl = _projection_sql(cur, segmentation, as_of, ids=False)
    kinds = {name: kind for name, _src, kind in FIRMO_FIELDS}
    parts = ["SELECT 'n' AS k, NULL AS f, NULL AS v, count(*) FILTER (WHERE _w) AS nw, count(*) FILTER (WHERE NOT _w) AS nr, "
             + ("count(tech_stack)" if has_tech else "0") + " AS x FROM _pa"]
    params: list = []
    for name in present:
        if kinds[name] == "range":
            parts.append(f"SELECT 'nn', ?, NULL, count({quote_ident(name)}) FILTER (WHERE _w), "
                         f"count({quote_ident(name)}) FILTER (WHERE NOT _w), NULL FROM _pa")
        else:
            parts.append(f"SELECT 'cat', ?, CAST({quote_ident(name)} AS VARCHAR), count(*) FILTER (WHERE _w), "
                         f"count(*) FILTER (WHERE NOT _w), NULL FROM _pa GROUP BY 3")
        params.append(name)
    if has_tech:
        parts.append("SELECT 'tool', lower(t), t, count(*) FILTER (WHERE _w), count(*) FILTER (WHERE NOT _w), NULL "
                     "FROM (SELECT _w, unnest(list_distinct(tech_stack)) AS t FROM _pa) GROUP BY t")
    if has_repl:
        parts.append("SELECT 'repl', NULL, _replaced, count(*) FILTER (WHERE _w), count(*) FILTER (WHERE NOT _w), NULL "
                     "FROM _pa WHERE _replaced IS NOT NULL GROUP BY 3")
    q.add(" " + " UNION ALL ".join(parts), params)
    rows = cur.execute(q.text, q.params).fetchall()
    out: dict[str, Any] = {"ctx": ctx, "present": present, "cat": {}, "nn": {}, "tools": [], "repl": [],
                           "has_tech": has_tech, "has_repl": has_repl}
    for k, f, v, nw, nr, x in rows:
        if k == "n":
            out["n_want"], out["n_rest"], out["tech_nonnull"] = int(nw), int(nr), int(x)
        elif k == "cat":
            out["cat"].setdefault(f, []).append((v, int(nw), int(nr)))
        elif k == "nn":
            out["nn"][f] = int(nw) + int(nr)
        elif k == "tool":
            out["tools"].append((f, v, int(nw), int(nr)))
        else:
            out["repl"].append((v, int(nw), int(nr)))
    for name in present:
        if kinds[name] != "range":
            out["nn"][name] = sum(nw + nr for v, nw, nr in out["cat"].get(name, []) if v is not None)
        elif out["nn"][name]:
            qs = ", ".join(f"quantile_cont({quote_ident(name)}, {p}) FILTER (WHERE {w})"
                           for w in ("_w", "NOT _w") for p in (0.1, 0.25, 0.5, 0.75, 0.9))
            q2, _ctx, _p, _t, _r = _projection_sql(cur, segmentation, as_of, ids=False)
            q2.add(f" SELECT count({quote_ident(name)}) FILTER (WHERE _w), count({quote_ident(name)}) FILTER "
                   f"(WHERE NOT _w), {qs} FROM _pa")
            r = cur.execute(q2.text, q2.params).fetchall()[0]
            out.setdefault("quantiles", {})[name] = r
    return out


def _counts_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame({"v": [r[0] for r in rows], "nw": [r[1] for r in rows], "nr": [r[2] for r in rows]},
                        schema={"v": pl.String, "nw": pl.Int64, "nr": pl.Int64})


def _hits(cur, segmentation: dict, as_of: date | None, conds: dict[str, tuple[str, list]]) -> dict[str, tuple[int, int]]:
    """(want-more accounts, other accounts) meeting each SQL condition over the projection `_pa`."""
    if not conds:
        return {}
    q, _ctx, _p, _t, _r = _projection_sql(cur, segmentation, as_of, ids=False)
    sel, params = [], []
    for cond, p in conds.values():
        sel.append(f"count(*) FILTER (WHERE _w AND ({cond})), count(*) FILTER (WHERE NOT _w AND ({cond}))")
        params += p + p
    q.add(" SELECT " + ", ".join(sel) + " FROM _pa", params)
    row = cur.execute(q.text, q.params).fetchall()[0]
    return {name: (int(row[2 * i]), int(row[2 * i + 1])) for i, name in enumerate(conds)}


def _replaced_column(columns: list[str]) -> str | None:
    for c in columns:
        if c.strip().casefold() in REPLACED_COLUMNS:
            return c
    return None


# --------------------------------------------------------------------------- evidence

def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)


def _lift(share_want: float | None, share_rest: float | None) -> float | None:
    if share_want is None or not share_rest:
        return None
    return share_want / share_rest


def _value_rows(counts: pl.DataFrame, n_want: int, n_rest: int, min_n: int, order: list[str] | None = None) -> list[dict]:
    """counts: columns v, nw, nr -> evidence rows (share, lift, small), most frequent in want-more first."""
    rows = []
    for r in counts.to_dicts():
        v = UNKNOWN if r["v"] is None else str(r["v"])
        sw = r["nw"] / n_want if n_want else None
        sr = r["nr"] / n_rest if n_rest else None
        rows.append({"value": v, "n_want": int(r["nw"]), "n_rest": int(r["nr"]), "share_want": _r(sw),
                     "share_rest": _r(sr), "lift": _r(_lift(sw, sr)), "small": int(r["nw"]) < min_n})
    if order:
        rank = {b: i for i, b in enumerate(order)}
        rows.sort(key=lambda x: (x["value"] == UNKNOWN, rank.get(x["value"], len(rank)), x["value"]))
    else:
        rows.sort(key=lambda x: (x["value"] == UNKNOWN, -x["n_want"], -x["n_rest"], x["value"]))
    return rows


def _distinctive(rows: list[dict], lift_min: float = VALUE_LIFT, share_min: float = VALUE_SHARE) -> list[str]:
    good = [r for r in rows if r["value"] != UNKNOWN and _lift_at_least(r["lift"], r["share_want"], r["share_rest"], lift_min)
            and (r["share_want"] or 0) >= share_min]
    good.sort(key=lambda r: (-(r["share_want"] or 0), r["value"]))
    return [r["value"] for r in good]


def _lift_at_least(lift: float | None, share_want: float | None, share_rest: float | None, minimum: float) -> bool:
    """lift >= minimum; a value only the want-more group has (share_rest = 0) counts as above any minimum."""
    if lift is None:
        return bool(share_want) and share_rest == 0
    return lift >= minimum


def _typical(rows: list[dict], share_min: float = TYPICAL_SHARE, k: int = TOP_TYPICAL) -> list[str]:
    good = [r for r in rows if r["value"] != UNKNOWN and (r["share_want"] or 0) >= share_min]
    good.sort(key=lambda r: (-(r["share_want"] or 0), r["value"]))
    return [r["value"] for r in good[:k]]


def _coverage(frame: pl.DataFrame, col: str, values: list[str], n_want: int, n_rest: int) -> dict:
    """Share of want-more / other accounts whose value is one of `values` (lists: any of them)."""
    if not values or frame.is_empty():
        return {"coverage_want": None, "coverage_rest": None, "lift": None}
    s = frame[col]
    if s.dtype == pl.List(pl.String):
        low = {v.casefold() for v in values}
        hit = s.list.eval(pl.element().str.to_lowercase().is_in(list(low))).list.any().fill_null(False)
    else:
        hit = s.cast(pl.String).is_in(values).fill_null(False)
    w = frame["_w"]
    hw = int((hit & w).sum())
    hr = int((hit & ~w).sum())
    cw = hw / n_want if n_want else None
    cr = hr / n_rest if n_rest else None
    return {"coverage_want": _r(cw), "coverage_rest": _r(cr), "lift": _r(_lift(cw, cr)), "n_want": hw, "n_rest": hr}


def _firmo_field(frame: pl.DataFrame, name: str, kind: str, n_want: int, n_rest: int, min_n: int) -> dict:
    if name not in frame.columns:
        return {"kind": kind, "missing": dict(FIRMO_FIELDS_SRC)[name], "values": [], "icp": [], "typical": [],
                "distinctive": [], "criterion": False}
    col = frame[name]
    if int(col.is_not_null().sum()) == 0:
        return {"kind": kind, "missing": dict(FIRMO_FIELDS_SRC)[name], "values": [], "icp": [], "typical": [],
                "distinctive": [], "criterion": False}
    if kind == "range":
        return _range_field(frame, name, n_want, n_rest, min_n)
    counts = (frame.select(pl.col(name).cast(pl.String).alias("v"), pl.col("_w"))
              .group_by("v").agg(nw=pl.col("_w").sum(), nr=(~pl.col("_w")).sum()))
    rows = _value_rows(counts, n_want, n_rest, min_n, BAND_ORDER.get(name))
    distinct = _distinctive(rows)
    cov = _coverage(frame, name, distinct, n_want, n_rest)
    out = {"kind": kind, "missing": None, "values": rows[:TOP_VALUES] if kind == "cat" else rows,
           "n_values": len(rows), "typical": _typical(rows, k=TOP_TYPICAL), "distinctive": distinct, **cov}
    out["criterion"] = _qualifies(cov)
    out["icp"] = list(distinct) if out["criterion"] else []
    return out


FIRMO_FIELDS_SRC = tuple((n, s) for n, s, _ in FIRMO_FIELDS)


def _missing_field(name: str, kind: str) -> dict:
    return {"kind": kind, "missing": dict(FIRMO_FIELDS_SRC)[name], "values": [], "icp": [], "typical": [],
            "distinctive": [], "criterion": False}


def _cov_from(hw: int, hr: int, n_want: int, n_rest: int) -> dict:
    cw = hw / n_want if n_want else None
    cr = hr / n_rest if n_rest else None
    return {"coverage_want": _r(cw), "coverage_rest": _r(cr), "lift": _r(_lift(cw, cr)), "n_want": hw, "n_rest": hr}


def _firmo_field_agg(agg: dict, name: str, kind: str, min_n: int) -> tuple[dict, tuple[str, list] | None]:
    """_firmo_field over DuckDB aggregates. A range field returns the SQL condition whose hit
    counts finish it (``_finish_range``)."""
    n_want, n_rest = agg["n_want"], agg["n_rest"]
    if name not in agg["present"] or not agg["nn"].get(name):
        return _missing_field(name, kind), None
    if kind == "range":
        r = agg["quantiles"][name]
        want, rest = _quantiles_of(r[0], r[2:7]), _quantiles_of(r[1], r[7:12])
        out: dict[str, Any] = {"kind": "range", "missing": None, "want": want, "rest": rest, "values": [], "typical": [],
                               "distinctive": [], "icp": [], "criterion": False, "range": None}
        if not want["n"]:
            return out, None
        low, high = math.floor(want["p10"]), math.ceil(want["p90"])
        return out, (f"{quote_ident(name)} >= ? AND {quote_ident(name)} <= ?", [low, high])
    counts = agg["cat"].get(name, [])
    rows = _value_rows(_counts_frame(counts), n_want, n_rest, min_n, BAND_ORDER.get(name))
    distinct = _distinctive(rows)
    if distinct:
        chosen = set(distinct)
        cov = _cov_from(sum(nw for v, nw, _nr in counts if v in chosen), sum(nr for v, _nw, nr in counts if v in chosen),
                        n_want, n_rest)
    else:
        cov = {"coverage_want": None, "coverage_rest": None, "lift": None}
    out = {"kind": kind, "missing": None, "values": rows[:TOP_VALUES] if kind == "cat" else rows,
           "n_values": len(rows), "typical": _typical(rows, k=TOP_TYPICAL), "distinctive": distinct, **cov}
    out["criterion"] = _qualifies(cov)
    out["icp"] = list(distinct) if out["criterion"] else []
    return out, None


def _quantiles_of(n: int, values: tuple) -> dict:
    if not n:
        return {"n": 0, "p10": None, "p25": None, "median": None, "p75": None, "p90": None}
    return {"n": int(n), **{k: _r(v, 2) for k, v in zip(("p10", "p25", "median", "p75", "p90"), values)}}


def _finish_range(out: dict, hw: int, hr: int, n_want: int, n_rest: int) -> None:
    low, high = math.floor(out["want"]["p10"]), math.ceil(out["want"]["p90"])
    cov = _cov_from(hw, hr, n_want, n_rest)
    out.update(cov)
    out["range"] = {"low": low, "high": high}
    out["criterion"] = _qualifies(cov)
    out["icp"] = [f"{low}-{high}"] if out["criterion"] else []
    out["distinctive"] = [f"{low}-{high}"] if (cov["lift"] or 0) >= VALUE_LIFT else []
    out["typical"] = [f"{math.floor(out['want']['p25'])}-{math.ceil(out['want']['p75'])}"]


def _tool_counts(agg: dict) -> pl.DataFrame:
    """Per tool (case-insensitive): the most frequent spelling (ties: the first in order), want-more
    and other accounts using it (as the polars explode of the per-account distinct tools)."""
    by_key: dict[str, list] = {}
    for key, v, nw, nr in agg["tools"]:
        e = by_key.setdefault(key, [0, 0, {}])
        e[0] += nw
        e[1] += nr
        e[2][v] = e[2].get(v, 0) + nw + nr
    rows = []
    for key, (nw, nr, spell) in by_key.items():
        top = max(spell.values())
        rows.append((min(v for v, c in spell.items() if c == top), nw, nr))
    return _counts_frame(rows)


def _technographics_agg(agg: dict, min_n: int) -> tuple[dict, tuple[str, list] | None, list[str]]:
    """_technographics over DuckDB aggregates; returns the tool coverage's SQL condition (finished
    by ``_finish_tools``) and the chosen tools."""
    n_want, n_rest = agg["n_want"], agg["n_rest"]
    out: dict[str, Any] = {}
    cond = None
    chosen: list[str] = []
    if not agg["has_tech"] or not agg["tech_nonnull"]:
        out["tools"] = {"kind": "tools", "missing": "tech_stack", "values": [], "typical": [], "distinctive": [],
                        "icp": [], "criterion": False}
    else:
        rows = _value_rows(_tool_counts(agg), n_want, n_rest, min_n)
        over = sorted((r for r in rows if r["lift"] is not None and r["lift"] >= VALUE_LIFT
                       and (r["share_want"] or 0) >= VALUE_SHARE), key=lambda r: (-r["lift"], r["value"]))
        chosen = [r["value"] for r in rows if _lift_at_least(r["lift"], r["share_want"], r["share_rest"], TOOL_LIFT)
                  and (r["share_want"] or 0) >= TOOL_SHARE]
        out["tools"] = {"kind": "tools", "missing": None, "values": rows[:TOP_VALUES], "n_values": len(rows),
                        "typical": _typical(rows, 0.25, 5), "distinctive": [r["value"] for r in over],
                        "over_represented": over[:TOP_VALUES]}
        if chosen:
            cond = ("coalesce(list_has_any(list_transform(tech_stack, lambda x: lower(x)), ?::VARCHAR[]), FALSE)",
                    [sorted({v.casefold() for v in chosen})])
    if agg["has_repl"]:
        rows = _value_rows(_counts_frame(agg["repl"]), n_want, n_rest, min_n)
        out["replaces"] = {"kind": "cat", "missing": None, "values": rows[:TOP_VALUES], "typical": _typical(rows),
                           "distinctive": _distinctive(rows), "icp": _typical(rows), "criterion": False}
    else:
        out["replaces"] = {"kind": "cat", "missing": "replaced_tool", "values": [], "typical": [], "distinctive": [],
                           "icp": [], "criterion": False}
    return out, cond, chosen


def _finish_tools(tools: dict, chosen: list[str], hits: tuple[int, int] | None, n_want: int, n_rest: int) -> None:
    if tools.get("missing"):
        return
    cov = _cov_from(hits[0], hits[1], n_want, n_rest) if hits is not None else {
        "coverage_want": None, "coverage_rest": None, "lift": None}
    crit = _qualifies(cov)
    tools.update({"icp": chosen if crit else [], "criterion": crit, **cov})


def _qualifies(cov: dict) -> bool:
    return (cov.get("coverage_want") or 0) >= CRITERION_COVERAGE and _lift_at_least(
        cov.get("lift"), cov.get("coverage_want"), cov.get("coverage_rest"), CRITERION_LIFT)


def _quantiles(s: pl.Series) -> dict:
    s = s.drop_nulls()
    if s.is_empty():
        return {"n": 0, "p10": None, "p25": None, "median": None, "p75": None, "p90": None}
    return {"n": s.len(), **{k: _r(s.quantile(q, "linear"), 2) for k, q in
                              (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9))}}


def _range_field(frame: pl.DataFrame, name: str, n_want: int, n_rest: int, min_n: int) -> dict:
    want = _quantiles(frame.filter(pl.col("_w"))[name])
    rest = _quantiles(frame.filter(~pl.col("_w"))[name])
    out: dict[str, Any] = {"kind": "range", "missing": None, "want": want, "rest": rest, "values": [], "typical": [],
                           "distinctive": [], "icp": [], "criterion": False, "range": None}
    if want["n"]:
        low, high = math.floor(want["p10"]), math.ceil(want["p90"])
        col = frame[name]
        hit = ((col >= low) & (col <= high)).fill_null(False)
        w = frame["_w"]
        cw = int((hit & w).sum()) / n_want if n_want else None
        cr = int((hit & ~w).sum()) / n_rest if n_rest else None
        cov = {"coverage_want": _r(cw), "coverage_rest": _r(cr), "lift": _r(_lift(cw, cr)),
               "n_want": int((hit & w).sum()), "n_rest": int((hit & ~w).sum())}
        out.update(cov)
        out["range"] = {"low": low, "high": high}
        out["criterion"] = _qualifies(cov)
        out["icp"] = [f"{low}-{high}"] if out["criterion"] else []
        out["distinctive"] = [f"{low}-{high}"] if (cov["lift"] or 0) >= VALUE_LIFT else []
        out["typical"] = [f"{math.floor(want['p25'])}-{math.ceil(want['p75'])}"]
    return out


def _one_size_criterion(fields: dict) -> None:
    """Keep the strongest of employees / revenue / department size as the one size criterion."""
    sized = [f for f in SIZE_FIELDS if fields.get(f, {}).get("criterion")]
    if len(sized) <= 1:
        return
    best = max(sized, key=lambda f: fields[f].get("lift") or 0)
    for f in sized:
        if f != best:
            fields[f]["criterion"] = False
            fields[f]["icp"] = []
            fields[f]["follows"] = best


def _technographics(frame: pl.DataFrame, n_want: int, n_rest: int, min_n: int, replaced_col: bool) -> dict:
    out: dict[str, Any] = {}
    if "tech_stack" not in frame.columns or int(frame["tech_stack"].is_not_null().sum()) == 0:
        out["tools"] = {"kind": "tools", "missing": "tech_stack", "values": [], "typical": [], "distinctive": [],
                        "icp": [], "criterion": False}
    else:
        ex = (frame.select("account_id", "_w", pl.col("tech_stack").list.unique())
              .explode("tech_stack").drop_nulls("tech_stack")
              .with_columns(k=pl.col("tech_stack").str.to_lowercase()))
        counts = (ex.group_by("k").agg(v=pl.col("tech_stack").mode().sort().first(), nw=pl.col("_w").sum(),
                                       nr=(~pl.col("_w")).sum()).drop("k"))
        rows = _value_rows(counts, n_want, n_rest, min_n)
        over = sorted((r for r in rows if r["lift"] is not None and r["lift"] >= VALUE_LIFT
                       and (r["share_want"] or 0) >= VALUE_SHARE), key=lambda r: (-r["lift"], r["value"]))
        chosen = [r["value"] for r in rows if _lift_at_least(r["lift"], r["share_want"], r["share_rest"], TOOL_LIFT)
                  and (r["share_want"] or 0) >= TOOL_SHARE]
        cov = _coverage(frame, "tech_stack", chosen, n_want, n_rest)
        crit = _qualifies(cov)
        out["tools"] = {"kind": "tools", "missing": None, "values": rows[:TOP_VALUES], "n_values": len(rows),
                        "typical": _typical(rows, 0.25, 5), "distinctive": [r["value"] for r in over],
                        "over_represented": over[:TOP_VALUES], "icp": chosen if crit else [], "criterion": crit, **cov}
    if replaced_col and "_replaced" in frame.columns:
        counts = (frame.select(pl.col("_replaced").alias("v"), "_w").drop_nulls("v")
                  .group_by("v").agg(nw=pl.col("_w").sum(), nr=(~pl.col("_w")).sum()))
        rows = _value_rows(counts, n_want, n_rest, min_n)
        out["replaces"] = {"kind": "cat", "missing": None, "values": rows[:TOP_VALUES], "typical": _typical(rows),
                           "distinctive": _distinctive(rows), "icp": _typical(rows), "criterion": False}
    else:
        out["replaces"] = {"kind": "cat", "missing": "replaced_tool", "values": [], "typical": [], "distinctive": [],
                           "icp": [], "criterion": False}
    return out


def _people_rows(cur, table: str, field: str, want_ids: list[str], filt: tuple[str, list], min_n: int,
                 split: str) -> tuple[list[dict], int, int]:
    """Value counts of a contacts/jobs field among rows of want-more accounts vs the others.
    Returns (rows, rows of want-more accounts with any value, same for the others)."""
    col = quote_ident(field)
    if split == "list":
        vals = f"list_distinct(list_filter(list_transform({col}, lambda x: trim(x)), lambda x: x <> ''))"
    elif split == "tags":
        vals = (f"list_distinct(list_filter(list_transform(regexp_split_to_array(CAST({col} AS VARCHAR), '[;|]'), "
                f"lambda x: trim(x)), lambda x: x <> ''))")
    else:
        vals = f"list_filter([trim(CAST({col} AS VARCHAR))], lambda x: x IS NOT NULL AND x <> '')"
    where, params = filt
    sql = (f"WITH w AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS id), "
           f"r AS (SELECT t.account_id IN (SELECT id FROM w) AS _w, {vals} AS vs FROM {quote_ident(table)} t "
           f"WHERE {where}), tot AS (SELECT count(*) FILTER (WHERE _w AND len(vs) > 0) AS tw, "
           f"count(*) FILTER (WHERE NOT _w AND len(vs) > 0) AS tr FROM r) "
           f"SELECT v, nw, nr, tw, tr FROM (SELECT {mode_sql('v')} AS v, count(*) FILTER (WHERE _w) AS nw, "
           f"count(*) FILTER (WHERE NOT _w) AS nr FROM (SELECT _w, unnest(vs) AS v FROM r) GROUP BY lower(v)), tot")
    res = cur.execute(sql, [want_ids, *params]).fetchall()
    if not res:
        tot = cur.execute(sql.split(" SELECT v, nw")[0] + " SELECT tw, tr FROM tot", [want_ids, *params]).fetchall()[0]
        return [], int(tot[0] or 0), int(tot[1] or 0)
    tw, tr = int(res[0][3] or 0), int(res[0][4] or 0)
    counts = pl.DataFrame({"v": [r[0] for r in res], "nw": [int(r[1]) for r in res], "nr": [int(r[2]) for r in res]})
    rows = _value_rows(counts, tw, tr, min_n)
    return rows, tw, tr


def _people_field(rows: list[dict], tw: int, tr: int) -> dict:
    return {"kind": "cat", "missing": None, "values": rows[:TOP_VALUES], "n_values": len(rows), "n_want": tw,
            "n_rest": tr, "typical": _typical(rows), "distinctive": _distinctive(rows), "icp": _typical(rows),
            "criterion": False}


def _personas(cur, want_ids: list[str], min_n: int) -> dict:
    if not table_exists(cur, "contacts"):
        return {"missing": "contacts", "roles": {}}
    cols = set(table_columns(cur, "contacts"))
    if "buying_role" not in cols or "account_id" not in cols:
        return {"missing": "buying_role", "roles": {}}
    roles: dict[str, Any] = {}
    for role in ROLES:
        filt = ("lower(trim(CAST(t.buying_role AS VARCHAR))) = ?", [role])
        fields: dict[str, Any] = {}
        n_contacts = cur.execute(
            "SELECT count(*) FILTER (WHERE list_contains(?::VARCHAR[], account_id)), "
            "count(DISTINCT account_id) FILTER (WHERE list_contains(?::VARCHAR[], account_id)) "
            "FROM contacts WHERE lower(trim(CAST(buying_role AS VARCHAR))) = ?", [want_ids, want_ids, role]).fetchall()[0]
        for f in PERSONA_FIELDS:
            if f not in cols:
                fields[f] = {"kind": "cat", "missing": f, "values": [], "typical": [], "distinctive": [], "icp": [],
                             "criterion": False}
                continue
            rows, tw, tr = _people_rows(cur, "contacts", f, want_ids, filt, min_n, "list" if f == "info_sources" else "one")
            fields[f] = _people_field(rows, tw, tr) if rows and tw else {
                "kind": "cat", "missing": None if rows else f, "values": rows[:TOP_VALUES], "typical": [],
                "distinctive": [], "icp": [], "criterion": False, "n_want": tw, "n_rest": tr}
        roles[role] = {"contacts": int(n_contacts[0]), "accounts": int(n_contacts[1]), "fields": fields}
    return {"missing": None, "roles": roles}


def _jobs(cur, want_ids: list[str], min_n: int) -> dict:
    if not table_exists(cur, "jobs"):
        return {"missing": "jobs", "fields": {}}
    cols = set(table_columns(cur, "jobs"))
    answers = cur.execute("SELECT count(*) FILTER (WHERE list_contains(?::VARCHAR[], account_id)), "
                          "count(DISTINCT account_id) FILTER (WHERE list_contains(?::VARCHAR[], account_id)) FROM jobs",
                          [want_ids, want_ids]).fetchall()[0]
    fields: dict[str, Any] = {}
    for f in JOB_FIELDS:
        if f not in cols:
            fields[f] = {"kind": "cat", "missing": f, "values": [], "typical": [], "distinctive": [], "icp": [],
                         "criterion": False}
            continue
        rows, tw, tr = _people_rows(cur, "jobs", f, want_ids, ("TRUE", []), min_n, "tags")
        fields[f] = _people_field(rows, tw, tr) if rows and tw else {
            "kind": "cat", "missing": None if rows else f, "values": rows[:TOP_VALUES], "typical": [],
            "distinctive": [], "icp": [], "criterion": False, "n_want": tw, "n_rest": tr}
    return {"missing": None, "answers": int(answers[0]), "accounts": int(answers[1]), "fields": fields}


# --------------------------------------------------------------------------- key metrics

METRIC_KEYS = ("retention_12m", "arpa", "nps", "referral_rate", "median_sales_cycle_days", "win_rate")
METRIC_N = {"retention_12m": "retention_n", "arpa": "active_accounts", "nps": "nps_n", "referral_rate": "accounts",
            "median_sales_cycle_days": "sales_cycle_n", "win_rate": "win_n"}


def _metrics(cur, segmentation: dict, as_of: date | None, min_n: int) -> dict:
    """Key figures of the want-more customers against the rest and all (segments' definitions)."""
    from icp_core import segments as S

    q, ctx = _groups_sql(cur, segmentation, as_of)
    q.add(f" SELECT (_group = 'want_more') AS _w, {S._AGGS} FROM grp GROUP BY ROLLUP (_w)")
    cols, rows = S._fetch(cur, q)
    has = {"mrr": "mrr" in ctx.columns, "churned": ctx.has_churned_flag or ctx.has_churn_date}
    out: dict[str, Any] = {}
    seen_all = False
    for r in rows:
        raw = dict(zip(cols, r))
        if raw["_w"] is None:
            if seen_all:
                continue
            name, seen_all = "all", True
        else:
            name = "want_more" if raw["_w"] else "rest"
        fig = S._figures(raw, ctx, min_n, has)
        if not raw["mrr_n"]:
            fig["arr"] = fig["arpa"] = None
        out[name] = {k: (_r(v) if isinstance(v, float) else v) for k, v in fig.items()}
    for g in ("want_more", "rest", "all"):
        out.setdefault(g, None)
    table = []
    for m in METRIC_KEYS:
        w, rest, a = out["want_more"], out["rest"], out["all"]
        wv = w[m] if w else None
        rv = rest[m] if rest else None
        lift = None  # NPS: the difference in points says more than a ratio to a value near 0
        if wv is not None and rv and m != "nps":
            lift = _r(wv / rv)
        diff = _r(wv - rv) if (wv is not None and rv is not None) else None
        missing = None
        if (a or {}).get(m) is None:
            missing = S._missing_field(m, ctx, a) if a else S.METRIC_FIELDS[m]
        table.append({"metric": m, "want_more": wv, "want_more_n": w[METRIC_N[m]] if w else 0,
                      "rest": rv, "rest_n": rest[METRIC_N[m]] if rest else 0,
                      "all": a[m] if a else None, "all_n": a[METRIC_N[m]] if a else 0,
                      "lift": lift, "difference": diff, "small": bool(w and w[METRIC_N[m]] < min_n), "missing": missing})
    return {"groups": out, "table": table, "retention_mode": "12m" if ctx.has_churn_date else "lifetime"}


# --------------------------------------------------------------------------- the whole profile

_DERIVED = None  # facts.Lru of derived profiles without market / coverage (created on first use)


def _derived_cache():
    global _DERIVED
    if _DERIVED is None:
        from icp_core import facts

        _DERIVED = facts.Lru(4)
    return _DERIVED


def derived_core(cur: duckdb.DuckDBPyConnection, segmentation: dict | None = None, as_of: date | None = None,
                 min_n: int = MIN_N) -> dict:
    """The derived profile without the market section and coverage (everything the criteria need),
    cached per store data version (``facts.store_key``) and choices: the ICP page and the Prospects
    page's ``scoring.resolve_criteria`` share one derivation. Returns a cached value: do not modify
    it (``derive_profile`` hands out copies)."""
    import json

    from icp_core import facts

    if not (isinstance(segmentation, dict) and segmentation.get("dimensions")):
        segmentation = None  # the default segmentation (one key whether the caller passes None or {})
    skey = facts.store_key(cur)
    key = (json.dumps(segmentation, sort_keys=True, default=str) if segmentation is not None else None,
           as_of.isoformat() if as_of else None, int(min_n))
    return facts.cached(_derived_cache(), skey, key, lambda: _derive_core(cur, segmentation, as_of, min_n))


def _derive_core(cur, segmentation: dict | None, as_of: date | None, min_n: int) -> dict:
    if not table_exists(cur, "accounts"):
        raise IcpError("profile.no_accounts")
    source = "saved"
    if not (isinstance(segmentation, dict) and segmentation.get("dimensions")):
        segmentation = default_segmentation(cur, as_of)
        source = "default"
    agg = _aggregates(cur, segmentation, as_of)
    release_memory(cur)  # the materialised projection's buffers: not kept for the next steps
    ctx = agg["ctx"]
    n_want, n_rest = agg["n_want"], agg["n_rest"]
    fields, conds = {}, {}
    for name, _src, kind in FIRMO_FIELDS:
        fields[name], cond = _firmo_field_agg(agg, name, kind, min_n)
        if cond is not None:
            conds[name] = cond
    techno, tool_cond, chosen = _technographics_agg(agg, min_n)
    if tool_cond is not None:
        conds["\0tools"] = tool_cond
    hits = _hits(cur, segmentation, as_of, conds)
    for name in conds:
        if name != "\0tools":
            _finish_range(fields[name], *hits[name], n_want, n_rest)
    _finish_tools(techno["tools"], chosen, hits.get("\0tools"), n_want, n_rest)
    _one_size_criterion(fields)
    need_ids = table_exists(cur, "contacts") or table_exists(cur, "jobs")
    want_ids: list[str] = []
    if need_ids:
        q, _ctx, _p, _t, _r = _projection_sql(cur, segmentation, as_of)
        q.add(" SELECT account_id FROM _pa WHERE _w")
        want_ids = [r[0] for r in cur.execute(q.text, q.params).fetchall()]
    profile: dict[str, Any] = {
        "schema": 1,
        "as_of": ctx.as_of.isoformat(),
        "group_source": source,
        "segmentation": {"dimensions": list(segmentation["dimensions"]), "filters": list(segmentation.get("filters", [])),
                         "want_more_segments": [g["key"] for g in segmentation.get("groups", [])
                                                if g.get("group") == "want_more"]},
        "counts": {"want_more": n_want, "rest": n_rest, "all": n_want + n_rest},
        "min_n": min_n,
        "firmographics": {"fields": fields},
        "technographics": techno,
        "personas": _personas(cur, want_ids, min_n),
        "jobs": _jobs(cur, want_ids, min_n),
        "notes": {s: "" for s in EDITABLE_SECTIONS},
    }
    from icp_core import pmf

    profile["pmf"] = pmf.pmf_summary(cur, pmf.PmfSettings(as_of=as_of))
    profile["metrics"] = _metrics(cur, segmentation, as_of, min_n)
    release_memory(cur)
    profile["criteria"] = icp_criteria(profile)
    return profile


def derive_profile(cur: duckdb.DuckDBPyConnection, segmentation: dict | None = None, as_of: date | None = None, *,
                   market_settings: dict | None = None, min_n: int = MIN_N, with_market: bool = True) -> dict:
    """The ICP derived from the data, shaped as CLI.md's ``icp profile`` JSON plus "criteria".
    The derivation itself is ``derived_core`` (cached per data version and choices); the market
    section and the coverage are added per call."""
    profile = copy.deepcopy(derived_core(cur, segmentation, as_of, min_n))
    profile["market"] = market_section(cur, profile, market_settings, as_of) if with_market else {"available": False,
                                                                                                     "reason": "skipped"}
    profile["coverage"] = coverage(cur, profile["criteria"], as_of)
    release_memory(cur)
    return profile


def market_section(cur, profile: dict, market_settings: dict | None = None, as_of: date | None = None) -> dict:
    """TAM / SAM / SOM with this ICP's criteria (the Market page's saved SAM filters, ACV, share)."""
    from icp_core import market

    if not market.has_market(cur):
        return {"available": False, "reason": "no_market"}
    settings = dict(market_settings or {})
    settings["icp"] = criteria_specs(profile.get("criteria", []))
    icp, ignored = market.applicable_filters(cur, market.parse_specs(settings["icp"]))
    funnel = market.market_funnel(cur, market.parse_specs(settings.get("sam") or []), icp, settings.get("acv"),
                                  float(settings.get("share", 1.0) or 1.0), as_of)
    funnel["available"] = True
    funnel["ignored"] = [f.spec() for f in ignored]
    return funnel


# --------------------------------------------------------------------------- criteria

_BAND_BOUNDS = {
    "size_band": ("employees", SIZE_BANDS),
    "revenue_band": ("annual_revenue", REVENUE_BANDS),
}


def _band_range(band_field: str, values: list[str]) -> tuple[float | None, float | None] | None:
    _src, bands = _BAND_BOUNDS[band_field]
    idx = [i for i, (label, _low) in enumerate(bands) if label in values]
    if not idx:
        return None
    lo_i, hi_i = min(idx), max(idx)
    low = bands[lo_i][1]
    high = bands[hi_i + 1][1] - 1 if hi_i + 1 < len(bands) else None
    if band_field == "size_band" and lo_i == 0:
        low = 0  # 0 employees goes to 1-10 (METRICS.md)
    elif band_field == "size_band":
        low = int(low)
    if band_field == "size_band" and high is not None:
        high = int(high)
    if band_field == "revenue_band" and high is not None:
        high = bands[hi_i + 1][1] - 0.01
    return (low, high)


def _field_lift(field: dict) -> float | None:
    return field.get("lift")


def icp_criteria(profile: dict) -> list[dict]:
    """The ICP as machine-readable criteria from the profile's ICP values (edits included):
    firmographic fields and tools that are criteria, each {"section", "field", "values"} or
    {"field", "low", "high"}, "weight" (ln(lift) share; user-added criteria without evidence
    count as lift 2) and "evidence" {"lift", "n_want", "n_rest", "coverage_want", "coverage_rest"}."""
    out: list[dict] = []
    fields = profile.get("firmographics", {}).get("fields", {})
    for name, _src, kind in FIRMO_FIELDS:
        f = fields.get(name) or {}
        icp = [v for v in f.get("icp", []) if str(v).strip()]
        if not icp or not f.get("criterion", bool(icp)):
            continue
        ev = _evidence(f)
        if name in _BAND_BOUNDS:
            rng = _band_range(name, icp)
            if rng is None:
                continue
            out.append({"section": "firmographics", "field": _BAND_BOUNDS[name][0], "low": rng[0], "high": rng[1],
                        "bands": icp, "evidence": ev})
        elif kind == "range":
            rng = f.get("range") or {}
            lo, hi = _parse_range_text(icp[0]) if icp else (rng.get("low"), rng.get("high"))
            out.append({"section": "firmographics", "field": name, "low": lo, "high": hi, "evidence": ev})
        else:
            out.append({"section": "firmographics", "field": name, "values": icp, "evidence": ev})
    tools = profile.get("technographics", {}).get("tools") or {}
    icp_tools = [v for v in tools.get("icp", []) if str(v).strip()]
    if icp_tools and tools.get("criterion", True):
        out.append({"section": "technographics", "field": "tech_stack", "values": icp_tools, "evidence": _evidence(tools)})
    logs = [math.log(_weight_lift(c["evidence"])) for c in out]
    total = sum(logs)
    for c, lg in zip(out, logs):
        c["weight"] = round(lg / total, 3) if total else round(1 / len(out), 3)
    return out


def _weight_lift(ev: dict) -> float:
    """The lift a weight is computed from: the evidence's lift (above 1); EXCLUSIVE_LIFT when only the
    want-more group has the values (the rest: 0 %); NO_EVIDENCE_LIFT for a criterion without evidence."""
    lift = ev.get("lift")
    if lift is not None and lift > 1:
        return float(lift)
    if lift is None and ev.get("coverage_want") and ev.get("coverage_rest") == 0:
        return EXCLUSIVE_LIFT
    return NO_EVIDENCE_LIFT


def _evidence(field: dict) -> dict:
    return {"lift": field.get("lift"), "n_want": field.get("n_want"), "n_rest": field.get("n_rest"),
            "coverage_want": field.get("coverage_want"), "coverage_rest": field.get("coverage_rest"),
            "edited": bool(field.get("edited"))}


def _parse_range_text(text: str) -> tuple[float | None, float | None]:
    flt = parse_filter(f"employees={text}")  # any numeric field parses a range the same way
    return (None if flt.low is None else _int_if(flt.low), None if flt.high is None else _int_if(flt.high))


def _int_if(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def criteria_specs(criteria: list[dict]) -> list[str]:
    """FIELD=VALUES specs (metrics_common.parse_filter) of the criteria, in order."""
    specs = []
    for c in criteria:
        if "values" in c:
            values = [str(v) for v in c["values"] if "," not in str(v)]
            if not values:
                continue
            if c["field"] == "tech_stack" and len(values) == 1:
                specs.append(f"tech:{values[0]}")
            else:
                specs.append(f"{c['field']}={','.join(values)}")
        else:
            lo = "" if c.get("low") is None else _fmt_bound(c["low"])
            hi = "" if c.get("high") is None else _fmt_bound(c["high"])
            if lo or hi:
                specs.append(f"{c['field']}={lo}-{hi}")
    return specs


def _fmt_bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --------------------------------------------------------------------------- coverage (the article's caution)

def coverage(cur: duckdb.DuckDBPyConnection, criteria: list[dict], as_of: date | None = None) -> dict:
    """How much the ICP covers: current customers (all accounts / active at as_of / want-more is
    not known here) matching all criteria, and market companies matching; with warnings
    "broad" (> BROAD_SHARE of customers or of the market) and "narrow" (fewer than min_n
    customers, or the market's narrow rule in market.icp_breadth)."""
    from icp_core import market
    from icp_core.metrics_common import active_at_sql, default_as_of

    specs = criteria_specs(criteria)
    out: dict[str, Any] = {"specs": specs, "warnings": []}
    acc_cols = set(table_columns(cur, "accounts"))
    flts = [parse_filter(s) for s in specs]
    usable = [f for f in flts if f.field in acc_cols or f.field in ("size_band", "revenue_band", "age_band")]
    as_of = as_of or default_as_of(cur)
    year = (as_of or date.today()).year
    cond, params = filters_sql(usable, year)
    active = active_at_sql("?") if {"start_date"} <= acc_cols else "TRUE"
    if "churn_date" not in acc_cols:
        active = "(start_date <= ?)" if "start_date" in acc_cols else "TRUE"
    act_params = [as_of, as_of] if "churn_date" in acc_cols and "start_date" in acc_cols else (
        [as_of] if "start_date" in acc_cols else [])
    row = cur.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {cond}), count(*) FILTER (WHERE {active}), "
        f"count(*) FILTER (WHERE {active} AND {cond}) FROM accounts", [*params, *act_params, *act_params, *params]
    ).fetchall()[0]
    out["customers"] = {"all": int(row[0]), "matching": int(row[1]), "share": _r(row[1] / row[0]) if row[0] else None,
                        "active": int(row[2]), "active_matching": int(row[3]),
                        "active_share": _r(row[3] / row[2]) if row[2] else None}
    out["ignored_customers"] = [f.spec() for f in flts if f not in usable]
    if not specs:
        out["warnings"].append("none")
    elif out["customers"]["share"] is not None and out["customers"]["share"] > BROAD_SHARE:
        out["warnings"].append("customers_broad")
    elif out["customers"]["matching"] < MIN_N:
        out["warnings"].append("customers_narrow")
    if market.has_market(cur):
        icp, ignored = market.applicable_filters(cur, flts)
        year_cond, mparams = filters_sql(list(icp), year)
        m = cur.execute(f"SELECT count(*), count(*) FILTER (WHERE {year_cond}) FROM market", mparams).fetchall()[0]
        breadth = market.icp_breadth(int(m[0]), int(m[1]), has_icp=bool(icp))
        out["market"] = {"all": int(m[0]), "matching": int(m[1]), "share": breadth["icp_coverage"],
                         "ignored": [f.spec() for f in ignored]}
        for w in breadth["warnings"]:
            key = {"icp_broad": "market_broad", "icp_narrow": "market_narrow"}.get(w)
            if key:
                out["warnings"].append(key)
    else:
        out["market"] = None
    return out


# --------------------------------------------------------------------------- edits

def _field(profile: dict, section: str, field: str, role: str | None = None) -> dict:
    if section == "firmographics":
        return profile["firmographics"]["fields"][field]
    if section == "technographics":
        return profile["technographics"][field]
    if section == "personas":
        return profile["personas"]["roles"][role]["fields"][field]
    if section == "jobs":
        return profile["jobs"]["fields"][field]
    raise IcpError("profile.bad_section", section=section)


def set_values(profile: dict, section: str, field: str, values: list[str], role: str | None = None) -> dict:
    """A copy of the profile whose ICP values of one field are `values` (trimmed, duplicates and
    empties dropped, order kept). On a firmographic field or the tools, values make the field a
    criterion (no values: not a criterion). Criteria are recomputed."""
    new = copy.deepcopy(profile)
    try:
        f = _field(new, section, field, role)
    except KeyError:
        raise IcpError("profile.bad_field", section=section, field=field) from None
    clean: list[str] = []
    for v in values:
        v = str(v).strip()
        if v and v not in clean:
            clean.append(v)
    if f.get("kind") == "band":
        order = BAND_ORDER.get(field, [])
        bad = [v for v in clean if v not in order]
        if bad:
            raise IcpError("profile.bad_band", field=field, value=bad[0], bands=", ".join(order))
    if f.get("kind") == "range":
        for v in clean:
            try:
                lo, hi = _parse_range_text(v)
            except IcpError:
                raise IcpError("profile.bad_range", field=field, value=v) from None
            if lo is None and hi is None:
                raise IcpError("profile.bad_range", field=field, value=v)
        clean = clean[:1]
    if clean != list(f.get("icp", [])):
        f["edited"] = True
    f["icp"] = clean
    if section in ("firmographics", "technographics") and field != "replaces":
        f["criterion"] = bool(clean)
    new["criteria"] = icp_criteria(new)
    return new


def rename_value(profile: dict, section: str, field: str, old: str, new_value: str, role: str | None = None) -> dict:
    f = _field(profile, section, field, role)
    values = [new_value if v == old else v for v in f.get("icp", [])]
    return set_values(profile, section, field, values, role)


def set_note(profile: dict, section: str, text: str) -> dict:
    if section not in SECTIONS:
        raise IcpError("profile.bad_section", section=section)
    new = copy.deepcopy(profile)
    new.setdefault("notes", {})[section] = str(text or "")
    return new


def set_weight(profile: dict, field: str, weight: float) -> dict:
    """Not stored per field: weights follow the evidence (see icp_criteria)."""
    raise IcpError("profile.weights_follow_evidence")


# --------------------------------------------------------------------------- versions

def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def list_versions(store) -> list[dict]:
    """Saved versions, oldest first, without the profile body: version, at, author, note, criteria specs."""
    out = []
    for v in store.get_setting(VERSIONS_KEY, []) or []:
        out.append({"version": v["version"], "at": v["at"], "author": v.get("author", ""), "note": v.get("note", ""),
                    "restored_from": v.get("restored_from"),
                    "specs": criteria_specs(v["profile"].get("criteria", []))})
    return out


def get_version(store, version: int) -> dict:
    for v in store.get_setting(VERSIONS_KEY, []) or []:
        if v["version"] == int(version):
            return v
    raise IcpError("profile.no_version", version=version)


def latest_version(store) -> dict | None:
    versions = store.get_setting(VERSIONS_KEY, []) or []
    return versions[-1] if versions else None


def save_version(store, profile: dict, note: str = "", author: str = "", restored_from: int | None = None) -> dict:
    """Append the profile as a new version; write its criteria to "icp_filters" for the Market page."""
    versions = list(store.get_setting(VERSIONS_KEY, []) or [])
    profile = copy.deepcopy(profile)
    profile["criteria"] = icp_criteria(profile)
    entry = {"version": (versions[-1]["version"] + 1) if versions else 1, "at": _now(), "author": str(author or ""),
             "note": str(note or ""), "profile": profile}
    if restored_from is not None:
        entry["restored_from"] = int(restored_from)
    versions.append(entry)
    store.set_setting(VERSIONS_KEY, versions)
    store.set_setting(FILTERS_KEY, criteria_specs(profile["criteria"]))
    return entry


def restore_version(store, version: int, note: str = "", author: str = "") -> dict:
    """A new version equal to an old one (history is never rewritten)."""
    old = get_version(store, version)
    return save_version(store, old["profile"], note=note, author=author, restored_from=int(version))


def _editable_fields(profile: dict) -> dict[tuple[str, str, str], dict]:
    out: dict[tuple[str, str, str], dict] = {}
    for name, f in profile.get("firmographics", {}).get("fields", {}).items():
        out[("firmographics", "", name)] = f
    for name, f in profile.get("technographics", {}).items():
        if isinstance(f, dict) and "icp" in f:
            out[("technographics", "", name)] = f
    for role, r in (profile.get("personas", {}).get("roles") or {}).items():
        for name, f in r.get("fields", {}).items():
            out[("personas", role, name)] = f
    for name, f in (profile.get("jobs", {}).get("fields") or {}).items():
        out[("jobs", "", name)] = f
    return out


def diff_versions(a: dict, b: dict) -> list[dict]:
    """What changed from profile a to profile b (either a version entry or a profile): one entry
    per change {"section", "role", "field", "change": "added"|"removed"|"note"|"criterion",
    "before", "after"}; values compared per field, notes per section, criteria by their spec."""
    pa = a.get("profile", a)
    pb = b.get("profile", b)
    out: list[dict] = []
    fa, fb = _editable_fields(pa), _editable_fields(pb)
    for key in list(fa) + [k for k in fb if k not in fa]:
        before = list((fa.get(key) or {}).get("icp", []))
        after = list((fb.get(key) or {}).get("icp", []))
        section, role, field = key
        for v in after:
            if v not in before:
                out.append({"section": section, "role": role or None, "field": field, "change": "added",
                            "before": None, "after": v})
        for v in before:
            if v not in after:
                out.append({"section": section, "role": role or None, "field": field, "change": "removed",
                            "before": v, "after": None})
    na, nb = pa.get("notes", {}) or {}, pb.get("notes", {}) or {}
    for s in sorted(set(na) | set(nb)):
        if (na.get(s) or "") != (nb.get(s) or ""):
            out.append({"section": s, "role": None, "field": "note", "change": "note",
                        "before": na.get(s) or "", "after": nb.get(s) or ""})
    sa, sb = criteria_specs(pa.get("criteria", [])), criteria_specs(pb.get("criteria", []))
    if sa != sb:
        out.append({"section": "criteria", "role": None, "field": "criteria", "change": "criterion",
                    "before": "; ".join(sa), "after": "; ".join(sb)})
    return out


def current_profile(store, cur, as_of: date | None = None, derive: bool = False) -> tuple[dict, dict | None]:
    """The profile to show: the latest saved version (unless derive), else derived now from the
    saved segmentation (or the default). Returns (profile, version entry or None)."""
    if not derive:
        latest = latest_version(store)
        if latest:
            return latest["profile"], latest
    seg = store.get_setting("segmentation")
    return derive_profile(cur, seg if isinstance(seg, dict) else None, as_of,
                          market_settings=store.get_setting("market_settings")), None
