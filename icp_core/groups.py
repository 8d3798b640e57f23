"""The article's three groups: customers we want more of / would not reject / don't want more of
(German: mehr davon / nicht ablehnen / nicht mehr davon), suggested from a composite score.

Composite outcome score of a segment s (shown on the page as written here)::

    z_m(s)     = d_m * (v_m(s) - v_m(all)) / sd_m          (clipped to -3..3)
    shrink_m(s) = n_m(s) / (n_m(s) + min_n)
    score(s)   = sum_m w_m * z_m(s) * shrink_m(s) / sum_m w_m

- m runs over the outcome metrics retention_12m, arpa, nps, referral_rate and
  median_sales_cycle_days (weights w_m editable; default 0.30 / 0.25 / 0.15 / 0.15 / 0.15);
  d_m = +1, except -1 for the sales cycle (shorter is better).
- v_m(all) is the overall value; sd_m the standard deviation of v_m over the segments whose n
  for m is at least min_n (over all segments with a value when fewer than two qualify). This is
  the *standardised lift*: (lift - 1) / sd(lift) equals (v - v_all) / sd(v) because lift = v / v_all;
  written with values it also works for a negative overall NPS.
- n_m is the metric's own n (active accounts for ARPA, the 12-month base for retention, NPS
  answers, accounts for referral, accounts with a cycle); the shrink factor pulls small segments
  toward 0. A metric the segment cannot give contributes 0; a metric the data cannot give at all
  is left out of both sums.
- Suggestion: score >= +0.5 -> want_more, score <= -0.5 -> dont_want, else neutral (thresholds
  editable). A segment with fewer than min_n accounts is always suggested neutral ("too small").

The user decides: a segment override (key_id -> group) replaces the suggestion; per customer, an
account override wins, then the user's own ``tier`` column, then the group of its segment
(source "override" / "tier" / "segment"). An account in several segments of a multi-valued
dimension takes the most favourable of their groups.

Saved segmentation (``store.set_setting("segmentation", ...)``; read by the ICP page)::

    {
      "version": 1,
      "as_of": "2025-12-31",
      "dimensions": ["industry", "size_band"],
      "filters": ["country=DE,AT,CH"],              # FIELD=VALUES specs (metrics_common.parse_filter)
      "min_n": 30,
      "weights": {"retention_12m": 0.3, "arpa": 0.25, "nps": 0.15, "referral_rate": 0.15,
                  "median_sales_cycle_days": 0.15},
      "thresholds": {"want_more": 0.5, "dont_want": -0.5},
      "overrides": {"segments": {"<key_id>": "want_more", ...},   # key_id = segments.key_id(key)
                    "accounts": {"K-10001": "dont_want", ...}},
      "groups": [{"key": {"industry": "Maschinenbau", "size_band": "51-200"}, "key_id": "...",
                  "group": "want_more", "suggested": "want_more", "source": "suggested"|"override"|"small",
                  "score": 1.23, "accounts": 297}, ...]
    }
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb

from icp_core.errors import IcpError
from icp_core.metrics_common import MIN_N, filters_sql, parse_filter
from icp_core.schema import TIERS
from icp_core.store import release_memory

GROUPS = ("want_more", "neutral", "dont_want")
GROUP_RANK = {"dont_want": 1, "neutral": 2, "want_more": 3}
SCORE_METRICS = ("retention_12m", "arpa", "nps", "referral_rate", "median_sales_cycle_days")
DIRECTION = {"retention_12m": 1, "arpa": 1, "nps": 1, "referral_rate": 1, "median_sales_cycle_days": -1}
N_KEY = {"retention_12m": "retention_n", "arpa": "active_accounts", "nps": "nps_n", "referral_rate": "accounts",
         "median_sales_cycle_days": "sales_cycle_n"}
DEFAULT_WEIGHTS = {"retention_12m": 0.30, "arpa": 0.25, "nps": 0.15, "referral_rate": 0.15,
                   "median_sales_cycle_days": 0.15}
DEFAULT_THRESHOLDS = {"want_more": 0.5, "dont_want": -0.5}
Z_CLIP = 3.0
SETTING_KEY = "segmentation"


def _sd(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return math.sqrt(var) if var > 0 else None


def score_segments(result: dict, weights: dict[str, float] | None = None) -> list[dict]:
    """The composite score of each segment of a segment_stats result (same order), with its parts."""
    weights = {m: float((weights or DEFAULT_WEIGHTS).get(m, 0.0)) for m in SCORE_METRICS}
    min_n = result["min_n"]
    overall = result["overall"]
    segs = result["segments"]
    sds: dict[str, float | None] = {}
    for m in SCORE_METRICS:
        big = [s[m] for s in segs if s[m] is not None and s[N_KEY[m]] >= min_n]
        if len(big) < 2:
            big = [s[m] for s in segs if s[m] is not None]
        sds[m] = _sd(big)
    usable = [m for m in SCORE_METRICS if overall[m] is not None and weights[m] > 0]
    wsum = sum(weights[m] for m in usable)
    out = []
    for s in segs:
        parts = {}
        total = 0.0
        for m in usable:
            v, n = s[m], s[N_KEY[m]]
            if v is None or not sds[m]:
                parts[m] = {"z": None, "shrink": None, "contribution": 0.0, "n": n}
                continue
            z = DIRECTION[m] * (v - overall[m]) / sds[m]
            z = max(-Z_CLIP, min(Z_CLIP, z))
            shrink = n / (n + min_n)
            c = weights[m] * z * shrink / wsum
            total += c
            parts[m] = {"z": z, "shrink": shrink, "contribution": c, "n": n}
        out.append({"score": total if usable else None, "parts": parts, "metrics_used": usable})
    return out


def reasons(seg: dict, overall: dict, parts: dict, k: int = 3) -> list[dict]:
    """The strongest contributions as plain data: metric, value, overall value, n, direction
    ("better" / "worse"). Rendered by reason_text()."""
    items = sorted(((m, p) for m, p in parts.items() if p["contribution"]), key=lambda mp: -abs(mp[1]["contribution"]))
    return [{"metric": m, "value": seg[m], "overall": overall[m], "n": p["n"],
             "direction": "better" if p["contribution"] > 0 else "worse"} for m, p in items[:k]]


def reason_text(reason: dict, lang: str = "en") -> str:
    """'retention 96.5% vs 78.5% overall (n=200)'."""
    from icp_core.i18n import fmt_number, fmt_pct, t

    m = reason["metric"]
    if m in ("retention_12m", "referral_rate"):
        fmt = lambda v: fmt_pct(v, lang)  # noqa: E731
    elif m == "arpa":
        fmt = lambda v: fmt_number(v, lang)  # noqa: E731
    else:
        fmt = lambda v: fmt_number(v, lang, 1 if m == "nps" else 0)  # noqa: E731
    return t("groups.reason", lang, metric=t(f"segments.metric.{m}", lang), value=fmt(reason["value"]),
             overall=fmt(reason["overall"]), n=fmt_number(reason["n"], lang))


def suggest_groups(result: dict, weights: dict[str, float] | None = None,
                   thresholds: dict[str, float] | None = None,
                   overrides: dict[str, str] | None = None) -> list[dict]:
    """One entry per segment (same order): key, key_id, score, suggested group, final group,
    source (suggested / small / override), reasons, accounts."""
    from icp_core.segments import key_id

    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    overrides = overrides or {}
    out = []
    for seg, sc in zip(result["segments"], score_segments(result, weights)):
        score = sc["score"]
        if seg["small"]:
            suggested, source = "neutral", "small"
        elif score is not None and score >= th["want_more"]:
            suggested, source = "want_more", "suggested"
        elif score is not None and score <= th["dont_want"]:
            suggested, source = "dont_want", "suggested"
        else:
            suggested, source = "neutral", "suggested"
        kid = key_id(seg["key"])
        group = suggested
        if overrides.get(kid) in GROUPS:
            group, source = overrides[kid], "override"
        out.append({
            "key": seg["key"], "key_id": kid, "score": score, "suggested": suggested, "group": group,
            "source": source, "accounts": seg["accounts"], "parts": sc["parts"],
            "reasons": reasons(seg, result["overall"], sc["parts"]),
        })
    return out


# --------------------------------------------------------------------------- customers and what-if

def _light_base_sql(q, ctx, filters: list, all_rows: bool = False) -> None:
    """Appends `WITH base AS (...)`: the filtered accounts' own columns and their row id `_rid`,
    without the per-account figures of segments._base_sql (flags, referral, the NPS and deal
    joins): all a customer's group depends on (same rows, same filters). `all_rows`: every
    account, with `_in` = whether it passes the filters."""
    fsql, fparams = filters_sql(filters, ctx.as_of.year)
    if all_rows:
        q.add("WITH base AS (SELECT a.rowid AS _rid, a.*, coalesce((")
        q.add(fsql, fparams)
        q.add("), FALSE) AS _in FROM accounts a)")
        return
    q.add("WITH base AS (SELECT a.rowid AS _rid, a.* FROM accounts a WHERE ")
    q.add(fsql, fparams)
    q.add(")")


def _group_sql(cur: duckdb.DuckDBPyConnection, dims: list[str], filters: list, as_of: date | None,
               segment_groups: dict[str, str], account_overrides: dict[str, str], light: bool = False,
               all_rows: bool = False):
    """SQL text/params whose CTE `grp` has every filtered account with `_group` and `_source`.
    `light`: `grp` has the accounts' own columns and `_rid` (the row id) but not the figures of
    segments._base_sql (no NPS / deal joins); the groups are the same (account ids are unique).
    `all_rows` (with `light`): `grp` has every account; `_group` and `_source` are NULL for those
    outside the filters.

    An account's segment rank is the highest of its segments' ranks: with a multi-valued
    dimension (tech_each, contacts, jobs) the maximum over its rows (`seg`: grouped per account
    and joined back); otherwise each account has exactly one segment and the rank is computed on
    its own row (no grouping and no join over every account: issue 9 memory)."""
    import json

    from icp_core import segments as S

    ctx = S._context(cur, as_of)
    dim_objs = [S.resolve_dimension(cur, d, list(ctx.columns)) for d in dims]
    flts = [parse_filter(f) if isinstance(f, str) else f for f in filters]
    q = S._Sql()
    if light:
        _light_base_sql(q, ctx, flts, all_rows=all_rows)
    else:
        S._base_sql(q, ctx, flts, S.normalise_channels(None))
    keys = S._dim_sql(q, dim_objs, ctx)
    key = "_rid" if light else "account_id"
    rank_sql, rank_params = "CASE WHEN FALSE THEN 2", []
    for kid, group in segment_groups.items():
        if group not in GROUPS or group == "neutral":
            continue
        pairs = json.loads(kid)
        values = dict((k, v) for k, v in pairs)
        if set(values) != {d.name for d in dim_objs}:
            continue
        cond = " AND ".join(f"{alias} = ?" for alias in keys)
        rank_sql += f" WHEN {cond} THEN {GROUP_RANK[group]}"
        rank_params += [values[d.name] for d in dim_objs]
    rank_sql += " ELSE 2 END"
    multi = any(d.multi for d in dim_objs)
    if multi:
        q.add(f", seg AS (SELECT {key}, max({rank_sql}) AS _rank FROM dimk GROUP BY {key})", rank_params)
    want = [a for a, g in account_overrides.items() if g == "want_more"]
    neutral = [a for a, g in account_overrides.items() if g == "neutral"]
    dont = [a for a, g in account_overrides.items() if g == "dont_want"]
    tier = "base.tier" if "tier" in ctx.columns else "CAST(NULL AS VARCHAR)"
    outside = "WHEN NOT base._in THEN NULL " if all_rows and light else ""
    q.add(f", grp AS (SELECT base.*, CASE {outside}WHEN list_contains(?::VARCHAR[], base.account_id) THEN 'want_more' "
          "WHEN list_contains(?::VARCHAR[], base.account_id) THEN 'neutral' "
          "WHEN list_contains(?::VARCHAR[], base.account_id) THEN 'dont_want' ", [want, neutral, dont])
    q.add(f"WHEN {tier} IN ('want_more', 'neutral', 'dont_want') THEN {tier} ELSE CASE coalesce(")
    if multi:
        q.add("seg._rank")
    else:
        q.add(rank_sql, rank_params)
    q.add(", 2) WHEN 3 THEN 'want_more' WHEN 1 THEN 'dont_want' ELSE 'neutral' END END AS _group, ")
    q.add(f"CASE {outside}WHEN list_contains(?::VARCHAR[], base.account_id) THEN 'override' WHEN {tier} IN "
          "('want_more', 'neutral', 'dont_want') THEN 'tier' ELSE 'segment' END AS _source ",
          [want + neutral + dont])
    if multi:
        q.add(f"FROM base LEFT JOIN seg ON seg.{key} = base.{key})")
    else:
        # dimk: base's columns plus the keys, one row per account: `base` names it for the CASEs above
        q.add("FROM dimk AS base)")
    return q, ctx


def group_stats(cur: duckdb.DuckDBPyConnection, segmentation: dict, as_of: date | None = None) -> dict:
    """What-if: the figures of each group of customers (want_more / neutral / dont_want) and of all,
    plus how many customers got their group from an override, their own tier, or their segment."""
    from icp_core import segments as S

    seg_groups = {g["key_id"]: g["group"] for g in segmentation.get("groups", [])}
    q, ctx = _group_sql(cur, segmentation["dimensions"], segmentation.get("filters", []), as_of, seg_groups,
                        segmentation.get("overrides", {}).get("accounts", {}))
    q.add(f" SELECT _group, {S._AGGS}, count(*) FILTER (WHERE _source = 'tier') AS from_tier, "
          "count(*) FILTER (WHERE _source = 'override') AS from_override FROM grp GROUP BY ROLLUP (_group)")
    cols, rows = S._fetch(cur, q)
    release_memory(cur)
    has = {"mrr": True, "churned": ctx.has_churned_flag or ctx.has_churn_date}
    out: dict[str, Any] = {}
    for r in rows:
        raw = dict(zip(cols, r))
        name = raw["_group"] or "all"
        if raw["_group"] is None and "all" in out:
            continue
        fig = S._figures(raw, ctx, segmentation.get("min_n", MIN_N), has)
        if not raw["mrr_n"]:
            fig["arr"] = fig["arpa"] = None
        fig["from_tier"] = int(raw["from_tier"])
        fig["from_override"] = int(raw["from_override"])
        out[name] = fig
    for g in GROUPS:
        out.setdefault(g, None)
    return out


def what_if(stats: dict) -> list[dict]:
    """Retention, ARPA and NPS if the base were only the want_more group, vs all customers."""
    rows = []
    want, everyone = stats.get("want_more"), stats["all"]
    for m, nk in (("retention_12m", "retention_n"), ("arpa", "active_accounts"), ("nps", "nps_n")):
        rows.append({
            "metric": m,
            "all": everyone[m], "all_n": everyone[nk],
            "want_more": want[m] if want else None, "want_more_n": want[nk] if want else 0,
        })
    return rows


def customers(cur: duckdb.DuckDBPyConnection, segmentation: dict, group: str | None = None,
              as_of: date | None = None, limit: int = 200):
    """Customers with their group and where it came from (polars frame, at most `limit` rows)."""
    from icp_core import segments as S

    seg_groups = {g["key_id"]: g["group"] for g in segmentation.get("groups", [])}
    q, ctx = _group_sql(cur, segmentation["dimensions"], segmentation.get("filters", []), as_of, seg_groups,
                        segmentation.get("overrides", {}).get("accounts", {}))
    name = "company_name" if "company_name" in ctx.columns else "account_id"
    q.add(f" SELECT account_id, {name} AS company_name, _group AS \"group\", _source AS source, "
          "_active AS active, 12 * _mrr AS arr FROM grp")
    if group:
        q.add(" WHERE _group = ?", [group])
    q.add(" ORDER BY _mrr DESC NULLS LAST, account_id LIMIT ?", [int(limit)])
    frame = cur.sql(q.text, params=q.params).pl()
    release_memory(cur)
    return frame


# --------------------------------------------------------------------------- saved segmentation

def build_segmentation(result: dict, weights: dict | None = None, thresholds: dict | None = None,
                       segment_overrides: dict | None = None, account_overrides: dict | None = None) -> dict:
    """The JSON document saved under 'segmentation' (shape in the module docstring)."""
    groups = suggest_groups(result, weights, thresholds, segment_overrides)
    return {
        "version": 1,
        "as_of": result["as_of"],
        "dimensions": list(result["by"]),
        "filters": list(result["filters"]),
        "min_n": result["min_n"],
        "weights": dict(weights or DEFAULT_WEIGHTS),
        "thresholds": {**DEFAULT_THRESHOLDS, **(thresholds or {})},
        "overrides": {"segments": dict(segment_overrides or {}), "accounts": dict(account_overrides or {})},
        "groups": [{k: g[k] for k in ("key", "key_id", "group", "suggested", "source", "score", "accounts")}
                   for g in groups],
    }


def validate_group(value: str) -> str:
    if value not in TIERS:
        raise IcpError("groups.bad_group", value=value, groups=", ".join(TIERS))
    return value


def save_segmentation(store, segmentation: dict) -> None:
    store.set_setting(SETTING_KEY, segmentation)


def load_segmentation(store) -> dict | None:
    value = store.get_setting(SETTING_KEY)
    return value if isinstance(value, dict) and value.get("dimensions") else None
