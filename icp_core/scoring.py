"""Prospect scoring: how well does each company fit the ICP, and why.

The ICP as criteria (the shape of ``icp_core.profile.icp_criteria``)::

    {"field": "industry",   "values": ["Maschinenbau"],     "weight": 1.0, "evidence": {...}}
    {"field": "employees",  "low": 51, "high": 200,         "weight": 1.0, "evidence": {...}}
    {"field": "tech_stack", "values": ["SAP Business One"], "weight": 1.0, "evidence": {...}}

A *values* criterion is met when the company's value (trimmed, case-insensitive) is one of the
values; for a list field (``tech_stack``) when the company uses any of them. A *range* criterion
(``low`` and/or ``high``, both inclusive, either may be open) is met when the number lies in it.
``size_band`` / ``revenue_band`` values are judged on ``employees`` / ``annual_revenue``.

Fit score (documented on the page and in the CLI help)::

    judged  = criteria whose value is known for the company (met or missed)
    fit_score  = 100 x sum(weight of met criteria) / sum(weight of judged criteria)   (1 decimal)
    confidence = sum(weight of judged criteria) / sum(weight of all criteria)

- An **unknown** value (empty cell, no such column, an empty tech stack) is neither met nor
  missed: it leaves both sums and lowers the confidence. The reasons show it with "?".
- A company for which no criterion can be judged has no fit score (``null``) and tier D.
- Criteria with weight 0 are switched off (not judged, not shown).
- **Tier** from the (rounded) fit score: A >= 75, B >= 50, C >= 25, else D (cut-offs editable;
  a score exactly on a cut-off takes the higher tier).
- **Reasons**: one part per criterion, "✓" met, "✗" missed, "?" unknown, each with its weight,
  joined with " · " (e.g. "✓ industry Maschinenbau (weight 1) · ✓ 51-200 employees (weight 1) ·
  ✗ no SAP Business One (weight 1)").

Everything is one pass of polars expressions over the frame (100,000 companies in well under a
second, see bench/bench_scoring.py).

Where the criteria come from (``resolve_criteria``): the newest saved ICP version (setting
``icp_versions``), else ``profile.derive_profile`` from the saved segmentation, else
``default_criteria``: the "want more of" group of the saved (or default) segmentation, its
industries / size range / other firmographic values, plus every tool used by at least half of
that group and at least 1.5 times as often as by all customers.

Backtest (``backtest``): the same criteria score the current customers (``accounts``); the tiers
are set against the customer groups (want_more / neutral / dont_want, ``groups.customers``) and
against 12-month retention (base: active at as_of - 12 months; retained: still active at as_of;
METRICS.md). ROC AUC (``sklearn.metrics.roc_auc_score``) of the fit score for want_more vs
dont_want and for retained vs churned, over customers with a fit score. The criteria usually come
from the same customers, so the backtest is in-sample: it shows the weights separate the groups,
not that they predict new ones.
"""

from __future__ import annotations

import copy
import io
import json
import math
from datetime import date
from typing import Any

import duckdb
import polars as pl

from icp_core.errors import IcpError
from icp_core.i18n import fmt_number, t
from icp_core.metrics_common import (
    AGE_BANDS, REVENUE_BANDS, SIZE_BANDS, Filter, active_at_sql, default_as_of, one_year_before, parse_filter, quote_ident,
    table_columns, table_exists,
)
from icp_core.store import release_memory

TIERS = ("A", "B", "C", "D")
DEFAULT_CUTOFFS: dict[str, float] = {"A": 75.0, "B": 50.0, "C": 25.0}
SETTING_KEY = "scoring"  # saved weights and cut-offs: {"weights": {criterion id: w}, "cutoffs": {...}}
LIST_FIELDS = {"tech_stack"}
BAND_FIELDS = {"size_band": ("employees", SIZE_BANDS), "revenue_band": ("annual_revenue", REVENUE_BANDS)}
TOOL_MIN_SHARE = 0.5  # default_criteria: a tool used by at least half of the want_more group
TOOL_MIN_LIFT = 1.5  # ... and 1.5 times as often as by all customers
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROW_ID = "__icp_row__"  # the synthetic key column of a file read for scoring
GROUP_ORDER = ("want_more", "neutral", "dont_want", "retained", "churned")


# --------------------------------------------------------------------------- criteria

def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def criterion_id(c: dict) -> str:
    """A stable id of a criterion (the key of its weight): 'industry=Maschinenbau', 'employees=51-200',
    'tech_stack=SAP Business One'."""
    if c.get("values"):
        return f"{c['field']}={','.join(str(v) for v in c['values'])}"
    low, high = _num(c.get("low")), _num(c.get("high"))
    fmt = lambda v: "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))  # noqa: E731
    return f"{c['field']}={fmt(low)}-{fmt(high)}"


def normalise_criteria(criteria: Any) -> list[dict]:
    """Checked, canonical criteria: field, values (list of text) or low/high, weight (>= 0, default
    1), evidence, id. Raises IcpError for a criterion that is neither a list of values nor a range."""
    out = []
    for c in criteria or []:
        if isinstance(c, Filter):
            c = filter_to_criterion(c)
        if not isinstance(c, dict) or not str(c.get("field") or "").strip():
            raise IcpError("scoring.bad_criterion", criterion=str(c))
        field = str(c["field"]).strip()
        values = [str(v).strip() for v in (c.get("values") or []) if v is not None and str(v).strip()]
        low, high = _num(c.get("low")), _num(c.get("high"))
        if not values and low is None and high is None:
            raise IcpError("scoring.bad_criterion", criterion=json.dumps(c, ensure_ascii=False, default=str))
        weight = _num(c.get("weight"))
        weight = 1.0 if weight is None else weight
        if weight < 0:
            raise IcpError("scoring.bad_weight", criterion=field, weight=weight)
        item = {"field": field, "weight": weight, "evidence": c.get("evidence")}
        if values:
            item["values"] = values
        else:
            item["low"], item["high"] = low, high
        item["id"] = criterion_id(item)
        out.append(item)
    return out


def filter_to_criterion(flt: Filter) -> dict:
    """A FIELD=VALUES filter (metrics_common.parse_filter) as a criterion."""
    if flt.values:
        return {"field": flt.field, "values": list(flt.values), "weight": 1.0}
    return {"field": flt.field, "low": flt.low, "high": flt.high, "weight": 1.0}


def criteria_from_specs(specs: list[str]) -> list[dict]:
    """'industry=Maschinenbau', 'employees=51-200', 'tech:SAP Business One' -> criteria (weight 1)."""
    out = []
    for spec in specs:
        flt = parse_filter(spec)
        if flt.negate or flt.is_date_range:
            raise IcpError("scoring.bad_spec", spec=spec)
        out.append(filter_to_criterion(flt))
    return normalise_criteria(out)


def apply_weights(criteria: list[dict], weights: dict[str, float] | None) -> list[dict]:
    """The criteria with the weights the user chose (by criterion id); others keep theirs."""
    weights = weights or {}
    out = []
    for c in normalise_criteria(criteria):
        if c["id"] in weights and _num(weights[c["id"]]) is not None:
            c = {**c, "weight": max(0.0, float(weights[c["id"]]))}
        out.append(c)
    return out


def check_cutoffs(cutoffs: dict | None) -> dict[str, float]:
    """Cut-offs A >= B >= C within 0..100 (defaults for missing ones); IcpError otherwise."""
    cut = dict(DEFAULT_CUTOFFS)
    for k, v in (cutoffs or {}).items():
        if k in cut and _num(v) is not None:
            cut[k] = float(v)
    if not (100 >= cut["A"] >= cut["B"] >= cut["C"] >= 0):
        raise IcpError("scoring.bad_cutoffs", a=cut["A"], b=cut["B"], c=cut["C"])
    return cut


def parse_cutoffs(text: str | None) -> dict[str, float]:
    """'75,50,25' -> {"A": 75, "B": 50, "C": 25}."""
    if not text:
        return dict(DEFAULT_CUTOFFS)
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise IcpError("scoring.bad_cutoffs_text", value=text) from None
    if len(values) != 3:
        raise IcpError("scoring.bad_cutoffs_text", value=text)
    return check_cutoffs(dict(zip("ABC", values)))


# --------------------------------------------------------------------------- where criteria come from

def default_segmentation(cur: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict | None:
    """The Segments page's default: suggested dimensions, default weights and thresholds."""
    from icp_core import groups, segments

    if not table_exists(cur, "accounts"):
        return None
    dims, _ = segments.suggested_dimensions(cur)
    result = segments.segment_stats(cur, tuple(dims), as_of=as_of)
    return groups.build_segmentation(result)


def _customer_groups(cur: duckdb.DuckDBPyConnection, segmentation: dict, as_of: date | None) -> pl.DataFrame:
    """account_id -> group (want_more / neutral / dont_want) per the segmentation (groups.customers)."""
    from icp_core import groups

    frame = groups.customers(cur, segmentation, as_of=as_of, limit=2**62)
    return frame.select("account_id", pl.col("group").alias("_group"))


def _range_of_bands(bands: tuple, labels: list[str]) -> tuple[float | None, float | None] | None:
    """The numeric range covered by contiguous band labels (None when not contiguous)."""
    order = [b for b, _ in bands]
    idx = sorted(order.index(v) for v in labels if v in order)
    if not idx or idx != list(range(idx[0], idx[-1] + 1)):
        return None
    low = bands[idx[0]][1]
    high = bands[idx[-1] + 1][1] - 1 if idx[-1] + 1 < len(bands) else None
    if isinstance(low, float) and high is not None:
        high = bands[idx[-1] + 1][1] - 0.01
    return (None if low == 0 else low), high


def default_criteria(cur: duckdb.DuckDBPyConnection, segmentation: dict | None = None,
                     as_of: date | None = None) -> list[dict]:
    """Criteria derived from the "want more of" group of the segmentation (the saved one, else the
    default of the Segments page): its values per dimension (size / revenue bands become ranges on
    employees / annual_revenue) and the tools that mark it (see the module docstring)."""
    from icp_core.market import UNKNOWN

    segmentation = segmentation or default_segmentation(cur, as_of)
    if not segmentation:
        return []
    wanted: dict[str, list[str]] = {}
    accounts: dict[str, int] = {}
    for g in segmentation.get("groups", []) or []:
        if g.get("group") != "want_more":
            continue
        for dim, value in (g.get("key") or {}).items():
            if value is None or value == UNKNOWN:
                continue
            wanted.setdefault(dim, [])
            if str(value) not in wanted[dim]:
                wanted[dim].append(str(value))
            accounts[dim] = accounts.get(dim, 0) + int(g.get("accounts") or 0)
    if not wanted:
        return []
    out: list[dict] = []
    as_of_year = (as_of or default_as_of(cur) or date.today()).year
    for dim in segmentation.get("dimensions", []) or list(wanted):
        values = wanted.get(dim)
        if not values:
            continue
        evidence = {"source": "segmentation", "want_more_accounts": accounts.get(dim)}
        if dim in BAND_FIELDS:
            field, bands = BAND_FIELDS[dim]
            rng = _range_of_bands(bands, values)
            if rng is None:
                out.append({"field": dim, "values": values, "weight": 1.0, "evidence": evidence})
            else:
                out.append({"field": field, "low": rng[0], "high": rng[1], "weight": 1.0, "evidence": evidence})
        elif dim == "age_band":
            rng = _range_of_bands(AGE_BANDS, values)
            if rng is not None:
                low_age, high_age = rng[0] or 0, rng[1]
                out.append({"field": "founded_year", "low": None if high_age is None else as_of_year - high_age,
                            "high": as_of_year - low_age, "weight": 1.0, "evidence": evidence})
        elif dim.startswith("tech:"):
            if any(v.casefold() in ("yes", "ja", "true", "1") for v in values):
                out.append({"field": "tech_stack", "values": [dim[5:]], "weight": 1.0, "evidence": evidence})
        elif "." not in dim:
            out.append({"field": dim, "values": values, "weight": 1.0, "evidence": evidence})
    have_tools = {v.casefold() for c in out if c["field"] == "tech_stack" for v in c["values"]}
    for tool, share_want, share_all, n_want in _marking_tools(cur, segmentation, as_of):
        if tool.casefold() not in have_tools:
            out.append({"field": "tech_stack", "values": [tool], "weight": 1.0,
                        "evidence": {"source": "tools", "share_want_more": share_want, "share_all": share_all,
                                     "want_more_accounts": n_want}})
    return normalise_criteria(out)


def _marking_tools(cur, segmentation: dict, as_of: date | None) -> list[tuple[str, float, float, int]]:
    """Tools used by >= TOOL_MIN_SHARE of the want_more customers and >= TOOL_MIN_LIFT x as often
    as by all customers: (tool, share in want_more, share in all, want_more accounts)."""
    from icp_core import segments

    if "tech_stack" not in table_columns(cur, "accounts"):
        return []
    grp = _customer_groups(cur, segmentation, as_of)
    stacks = cur.sql("SELECT account_id, list_distinct(list_transform(coalesce(tech_stack, []::VARCHAR[]), "
                     "lambda x: trim(x))) AS tools FROM accounts").pl()
    release_memory(cur)
    frame = stacks.join(grp, on="account_id", how="left")
    n_all = frame.height
    want = frame.filter(pl.col("_group") == "want_more")
    n_want = want.height
    if not n_all or not n_want:
        return []
    def counts(f: pl.DataFrame) -> dict[str, tuple[str, int]]:
        ex = f.select(pl.col("tools").explode().alias("tool")).filter(pl.col("tool").is_not_null() & (pl.col("tool") != ""))
        ex = ex.with_columns(pl.col("tool").str.to_lowercase().alias("key"))
        agg = ex.group_by("key").agg(pl.len().alias("n"), pl.col("tool").mode().sort().first().alias("tool"))
        return {r["key"]: (r["tool"], int(r["n"])) for r in agg.iter_rows(named=True)}

    c_all, c_want = counts(frame), counts(want)
    out = []
    for key, (tool, n) in c_want.items():
        share_want = n / n_want
        share_all = c_all.get(key, (tool, 0))[1] / n_all
        if share_want >= TOOL_MIN_SHARE and share_all > 0 and share_want / share_all >= TOOL_MIN_LIFT:
            out.append((tool, round(share_want, 4), round(share_all, 4), n_want))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def _latest_version(versions: Any) -> dict | None:
    if not isinstance(versions, list):
        return None
    good = [v for v in versions if isinstance(v, dict) and isinstance(v.get("profile"), dict)]
    if not good:
        return None
    return max(good, key=lambda v: (_num(v.get("version")) or 0, str(v.get("at") or "")))


def _profile_criteria(profile: dict) -> list[dict]:
    """The criteria a profile carries (saved versions store them), else icp_criteria(profile)."""
    if isinstance(profile.get("criteria"), list) and profile["criteria"]:
        return list(profile["criteria"])
    try:
        from icp_core.profile import icp_criteria  # another helper's module; may not exist yet
    except ImportError:
        return list(profile.get("criteria") or [])
    return list(icp_criteria(profile) or [])


def resolve_criteria(cur: duckdb.DuckDBPyConnection, icp_versions: Any = None, segmentation: dict | None = None,
                     as_of: date | None = None) -> tuple[list[dict], dict]:
    """The ICP criteria to score with, and where they come from:
    {"kind": "icp_version", "version": n} (newest saved ICP version), {"kind": "profile"}
    (profile.derive_profile from the segmentation), or {"kind": "default"} (default_criteria)."""
    latest = _latest_version(icp_versions)
    if latest is not None:
        crit = normalise_criteria(_profile_criteria(latest["profile"]))
        if crit:
            return crit, {"kind": "icp_version", "version": latest.get("version"), "at": latest.get("at")}
    try:
        from icp_core import profile as profile_mod

        derive = profile_mod.derived_core  # shared with the ICP page (cached per data version); no market
    except (ImportError, AttributeError):
        derive = None
    if derive is not None and table_exists(cur, "accounts"):
        crit = normalise_criteria(copy.deepcopy(_profile_criteria(derive(cur, segmentation, as_of))))

        release_memory(cur)  # a first derivation leaves ~200 MB in DuckDB's allocator at 1M accounts
        if crit:
            return crit, {"kind": "profile"}
    return default_criteria(cur, segmentation, as_of), {"kind": "default"}


def criteria_from_store(store, as_of: date | None = None) -> tuple[list[dict], dict, dict]:
    """Criteria (with the saved weights applied), their source, and the saved cut-offs."""
    from icp_core import groups

    saved = store.get_setting(SETTING_KEY) or {}
    cur = store.cursor()
    try:
        criteria, source = resolve_criteria(cur, store.get_setting("icp_versions"), groups.load_segmentation(store), as_of)
    finally:
        cur.close()
    weights = saved.get("weights") if isinstance(saved, dict) else None
    cutoffs = check_cutoffs(saved.get("cutoffs") if isinstance(saved, dict) else None)
    return apply_weights(criteria, weights), source, cutoffs


# --------------------------------------------------------------------------- labels (reasons)

def _fmt_weight(w: float, lang: str) -> str:
    text = fmt_number(w, lang, 2)
    sep = "," if lang == "de" else "."
    if sep in text:
        text = text.rstrip("0").rstrip(sep)
    return text


def _fmt_bound(v: float, lang: str) -> str:
    return fmt_number(v, lang, 0 if float(v).is_integer() else 2)


def _field_label(field: str, lang: str) -> str:
    key = f"scoring.field.{field}"
    text = t(key, lang)
    return field if text == key else text


def _range_text(c: dict, lang: str) -> str:
    low, high = c.get("low"), c.get("high")
    if low is not None and high is not None:
        return f"{_fmt_bound(low, lang)}-{_fmt_bound(high, lang)}"
    if low is not None:
        return f"≥ {_fmt_bound(low, lang)}"
    return f"≤ {_fmt_bound(high, lang)}"


def criterion_labels(c: dict, lang: str = "en") -> dict[str, str]:
    """The words for a criterion: 'label' (what it asks), 'met', 'missed', 'unknown'."""
    field = c["field"]
    if field in LIST_FIELDS:
        tools = t("scoring.or", lang).join(c["values"])
        return {"label": t("scoring.crit.tool", lang, tools=tools), "met": t("scoring.crit.tool", lang, tools=tools),
                "missed": t("scoring.crit.no_tool", lang, tools=tools),
                "unknown": t("scoring.crit.unknown", lang, what=t("scoring.crit.tool", lang, tools=tools))}
    if "values" in c:
        values = " / ".join(c["values"])
        what = t("scoring.crit.values", lang, field=_field_label(field, lang), values=values)
        return {"label": what, "met": what,
                "missed": t("scoring.crit.not_values", lang, field=_field_label(field, lang), values=values),
                "unknown": t("scoring.crit.unknown", lang, what=what)}
    rng = _range_text(c, lang)
    if field == "employees":
        what = t("scoring.crit.employees", lang, range=rng)
        missed = t("scoring.crit.not_employees", lang, range=rng)
    else:
        what = t("scoring.crit.range", lang, field=_field_label(field, lang), range=rng)
        missed = t("scoring.crit.not_range", lang, field=_field_label(field, lang), range=rng)
    return {"label": what, "met": what, "missed": missed, "unknown": t("scoring.crit.unknown", lang, what=what)}


def reason_parts(c: dict, lang: str = "en") -> dict[str, str]:
    """The reason text of a criterion per outcome, with its weight: '✓ ...', '✗ ...', '? ...'."""
    labels = criterion_labels(c, lang)
    w = t("scoring.weight_suffix", lang, weight=_fmt_weight(c["weight"], lang))
    return {"met": f"✓ {labels['met']} {w}", "missed": f"✗ {labels['missed']} {w}",
            "unknown": f"? {labels['unknown']} {w}"}


# --------------------------------------------------------------------------- scoring (polars)

def _band_expr(column: str, bands: tuple) -> pl.Expr:
    col = pl.col(column).cast(pl.Float64, strict=False)
    expr = pl.lit(None, dtype=pl.String)
    for label, lower in bands:  # ascending: the last true condition wins
        expr = pl.when(col >= lower).then(pl.lit(label)).otherwise(expr)
    return pl.when(col.is_null() | (col < 0)).then(pl.lit(None, dtype=pl.String)).otherwise(expr)


def _status_expr(c: dict, schema: dict[str, pl.DataType]) -> pl.Expr:
    """1 met, 0 missed, null unknown (Int8)."""
    field = c["field"]
    if field in BAND_FIELDS and "values" in c:
        source, bands = BAND_FIELDS[field]
        if source not in schema:
            return pl.lit(None, dtype=pl.Int8)
        band = _band_expr(source, bands)
        wanted = [v.casefold() for v in c["values"]]
        return pl.when(band.is_null()).then(None).otherwise(band.str.to_lowercase().is_in(wanted)).cast(pl.Int8)
    if field not in schema:
        return pl.lit(None, dtype=pl.Int8)
    dtype = schema[field]
    col = pl.col(field)
    if "values" in c:
        wanted = [v.strip().casefold() for v in c["values"]]
        if isinstance(dtype, pl.List):
            items = col.cast(pl.List(pl.String)).list.eval(pl.element().str.strip_chars().str.to_lowercase())
            known = col.is_not_null() & (col.list.len() > 0)
            hit = items.list.eval(pl.element().is_in(wanted).any()).list.first()
            return pl.when(known).then(hit.fill_null(False)).otherwise(None).cast(pl.Int8)
        text = col.cast(pl.String).str.strip_chars()
        known = text.is_not_null() & (text != "")
        return pl.when(known).then(text.str.to_lowercase().is_in(wanted)).otherwise(None).cast(pl.Int8)
    if isinstance(dtype, pl.List):
        return pl.lit(None, dtype=pl.Int8)
    num = col.cast(pl.Float64, strict=False)
    cond = pl.lit(True)
    if c.get("low") is not None:
        cond = cond & (num >= c["low"])
    if c.get("high") is not None:
        cond = cond & (num <= c["high"])
    return pl.when(num.is_null()).then(None).otherwise(cond).cast(pl.Int8)


def tier_expr(score: pl.Expr, cutoffs: dict[str, float]) -> pl.Expr:
    cut = check_cutoffs(cutoffs)
    return (pl.when(score >= cut["A"]).then(pl.lit("A"))
            .when(score >= cut["B"]).then(pl.lit("B"))
            .when(score >= cut["C"]).then(pl.lit("C"))
            .otherwise(pl.lit("D")))


def tier_of(score: float | None, cutoffs: dict | None = None) -> str:
    """The tier of one score (None -> D)."""
    cut = check_cutoffs(cutoffs)
    if score is None:
        return "D"
    for tier in ("A", "B", "C"):
        if score >= cut[tier]:
            return tier
    return "D"


def score_frame(frame: pl.DataFrame, criteria: list[dict], cutoffs: dict | None = None, lang: str = "en",
                reasons: bool = True) -> pl.DataFrame:
    """The frame with fit_score (0..100, 1 decimal, null when nothing can be judged), tier (A..D),
    confidence (0..1), met / missed / unknown (counts of criteria) and reasons (text) added."""
    crit = [c for c in normalise_criteria(criteria) if c["weight"] > 0]
    cut = check_cutoffs(cutoffs)
    if not crit:
        raise IcpError("scoring.no_criteria")
    schema = dict(frame.schema)
    statuses = [_status_expr(c, schema).alias(f"__st{i}") for i, c in enumerate(crit)]
    total = sum(c["weight"] for c in crit)
    st = [pl.col(f"__st{i}") for i in range(len(crit))]
    judged = pl.sum_horizontal([pl.when(s.is_not_null()).then(pl.lit(c["weight"])).otherwise(0.0) for s, c in zip(st, crit)])
    met = pl.sum_horizontal([pl.when(s == 1).then(pl.lit(c["weight"])).otherwise(0.0) for s, c in zip(st, crit)])
    score = pl.when(pl.col("__judged") > 0).then((100 * pl.col("__met") / pl.col("__judged")).round(1)).otherwise(None)
    out = frame.with_columns(statuses).with_columns(judged.alias("__judged"), met.alias("__met"))
    exprs = [
        score.alias("fit_score"),
        (pl.col("__judged") / total).round(4).alias("confidence"),
        pl.sum_horizontal([(s == 1).cast(pl.Int32).fill_null(0) for s in st]).alias("met"),
        pl.sum_horizontal([(s == 0).cast(pl.Int32).fill_null(0) for s in st]).alias("missed"),
        pl.sum_horizontal([s.is_null().cast(pl.Int32) for s in st]).alias("unknown"),
    ]
    if reasons:
        parts = []
        for s, c in zip(st, crit):
            words = reason_parts(c, lang)
            parts.append(pl.when(s == 1).then(pl.lit(words["met"])).when(s == 0).then(pl.lit(words["missed"]))
                         .otherwise(pl.lit(words["unknown"])))
        exprs.append(pl.concat_str(parts, separator=" · ").alias("reasons"))
    out = out.with_columns(exprs)
    out = out.with_columns(tier_expr(pl.col("fit_score"), cut).alias("tier"))
    return out.drop([f"__st{i}" for i in range(len(crit))] + ["__judged", "__met"])


def explain(row: dict, criteria: list[dict], lang: str = "en") -> list[dict]:
    """One company's criteria one by one: criterion, weight, outcome (met / missed / unknown), text."""
    frame = pl.DataFrame([row])
    crit = [c for c in normalise_criteria(criteria) if c["weight"] > 0]
    statuses = frame.select([_status_expr(c, dict(frame.schema)).alias(f"s{i}") for i, c in enumerate(crit)]).row(0)
    out = []
    for c, s in zip(crit, statuses):
        outcome = "unknown" if s is None else ("met" if s == 1 else "missed")
        out.append({"criterion": c["id"], "weight": c["weight"], "outcome": outcome, "text": reason_parts(c, lang)[outcome]})
    return out


# --------------------------------------------------------------------------- inputs

def stored_prospects(cur: duckdb.DuckDBPyConnection, table: str = "prospects") -> pl.DataFrame | None:
    """The stored prospects (or market) table, without internal columns; None when it is absent."""
    if not table_exists(cur, table):
        return None
    cols = [c for c in table_columns(cur, table) if not c.startswith("_")]
    sel = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
    order = ' ORDER BY "company_id"' if "company_id" in cols else ""
    frame = cur.sql(f"SELECT {sel} FROM {quote_ident(table)}{order}").pl()
    release_memory(cur)  # the sort's buffers (issue 9 memory: the backtest runs next on the page)
    return frame


def read_for_scoring(source: Any, file_name: str | None = None, mapping: dict[str, str | None] | None = None,
                     raw: Any = None) -> tuple[pl.DataFrame, Any]:
    """A file of companies (CSV, XLSX, ... as icp_core.ingest reads them) as a frame to score, and
    the Prepared import (issues, mapping). Every row is kept: the key is the row number; the file's
    own id column (mapped to company_id) is kept as `company_id` where it is filled (else the row
    number). Returns (frame with `_id`, `_row` and the canonical fields, prepared)."""
    from icp_core import ingest
    from icp_core.ingest.model import RawTable

    raw = raw if raw is not None else ingest.read_file(source, file_name)
    mapping = dict(mapping) if mapping is not None else ingest.suggest_mapping(raw.columns, "prospects")
    id_column = next((c for c, f in mapping.items() if f == "company_id"), None)
    if id_column is not None:
        mapping[id_column] = None
    data = raw.data.with_row_index(ROW_ID, offset=1).with_columns(pl.col(ROW_ID).cast(pl.String))
    work = RawTable(raw.file_name, data, raw.detected, raw.sha256, raw.size, raw.content)
    prepared = ingest.prepare(work, "prospects", {ROW_ID: "company_id", **{c: mapping.get(c) for c in raw.columns}})
    frame = prepared.frame
    id_col = prepared.extra_columns.get(id_column) if id_column is not None else None
    own_id = pl.col(id_col).str.strip_chars() if id_col else pl.lit(None, dtype=pl.String)
    frame = frame.with_columns(
        pl.when(own_id.is_not_null() & (own_id != "")).then(own_id).otherwise(pl.col("_row").cast(pl.String)).alias("_id"),
    )
    drop = [c for c in ("company_id", id_col) if c and c in frame.columns]
    frame = frame.drop(drop).rename({"_id": "company_id"})
    front = ["company_id", "_row"]
    return frame.select(front + [c for c in frame.columns if c not in front]), prepared


# --------------------------------------------------------------------------- backtest

def _account_sql(cur: duckdb.DuckDBPyConnection, segmentation: dict | None, as_of: date | None,
                 columns: list[str] | None, counted: bool = False):
    """The SQL of account_frame (a segments._Sql), and as_of. `counted`: one row per distinct
    (columns, _retention, _group) with its number of accounts `_n` (no account column starts with
    "_", so `_n` is free)."""
    from icp_core import groups

    as_of = as_of or default_as_of(cur) or date.today()
    prev = one_year_before(as_of)
    all_cols = [c for c in table_columns(cur, "accounts") if not c.startswith("_")]
    cols = all_cols if columns is None else [c for c in all_cols if c in set(columns)]
    has_dates = "start_date" in all_cols and "churn_date" in all_cols
    sel = [f"a.{quote_ident(c)}" for c in cols]
    segmentation = segmentation or default_segmentation(cur, as_of)
    if segmentation:
        seg_groups = {g["key_id"]: g["group"] for g in segmentation.get("groups", [])}
        # every account with its group (NULL outside the segmentation's filters), in one pass
        q, _ctx = groups._group_sql(cur, segmentation["dimensions"], segmentation.get("filters", []), as_of, seg_groups,
                                    segmentation.get("overrides", {}).get("accounts", {}), light=True, all_rows=True)
        group_sql, source = "a._group AS _group", "grp a"
    else:
        from icp_core.segments import _Sql

        q = _Sql()
        group_sql, source = "CAST(NULL AS VARCHAR) AS _group", "accounts a"
    if has_dates:
        sel.append(f"CASE WHEN {active_at_sql('?', 'a')} THEN CASE WHEN {active_at_sql('?', 'a')} "
                   "THEN 'retained' ELSE 'churned' END END AS _retention")
        params = [prev, prev, as_of, as_of]
    else:
        sel.append("CAST(NULL AS VARCHAR) AS _retention")
        params = []
    sel.append(group_sql)
    if counted:
        sel.append("count(*) AS _n")
    q.add(" SELECT " + ", ".join(sel) + f" FROM {source}" + (" GROUP BY ALL" if counted else ""), params)
    return q, as_of


def account_frame(cur: duckdb.DuckDBPyConnection, segmentation: dict | None = None,
                  as_of: date | None = None, columns: list[str] | None = None) -> tuple[pl.DataFrame, date]:
    """Every customer with its firmographics (all columns, or only `columns` that exist), its group
    (want_more / neutral / dont_want, from the segmentation: saved or default; None outside its
    filters) and its 12-month retention status (retained / churned / None when not in the base).
    One DuckDB query; only the requested columns reach Python."""
    q, as_of = _account_sql(cur, segmentation, as_of, columns)
    frame = cur.sql(q.text, params=q.params).pl()
    release_memory(cur)
    return frame, as_of


def _criteria_columns(criteria: list[dict]) -> list[str]:
    """The account columns a set of criteria reads (band criteria read their source column)."""
    out = []
    for c in normalise_criteria(criteria):
        field = BAND_FIELDS[c["field"]][0] if c["field"] in BAND_FIELDS else c["field"]
        if field not in out:
            out.append(field)
    return out


def _auc(counts: pl.DataFrame, column: str, positive: str, negative: str) -> dict:
    """ROC AUC of the fit score, `positive` vs `negative` in `column`, over accounts with a score.
    `counts` holds each distinct (fit_score, group, retention) with its number of accounts `_n`:
    the accounts as sample weights give sklearn the same cumulative counts per score threshold as
    one row per account, so the same AUC."""
    from sklearn.metrics import roc_auc_score

    sub = counts.filter(pl.col(column).is_in([positive, negative]) & pl.col("fit_score").is_not_null())
    y = (sub[column] == positive).to_numpy()
    weight = sub["_n"].to_numpy()
    n = int(weight.sum())
    n_pos = int(weight[y].sum())
    n_neg = n - n_pos
    value = None
    if n_pos and n_neg:
        value = round(float(roc_auc_score(y, sub["fit_score"].to_numpy(), sample_weight=weight)), 4)
    return {"value": value, "n": n, "n_positive": n_pos, "n_negative": n_neg}


def _share(counts: pl.DataFrame, column: str, group: str, tiers: tuple[str, ...]) -> dict:
    sub = counts.filter(pl.col(column) == group)
    n = int(sub["_n"].sum())
    k = int(sub.filter(pl.col("tier").is_in(list(tiers)))["_n"].sum())
    return {"share": round(k / n, 4) if n else None, "count": k, "n": n}


_BACKTEST_SLICE = 131_072  # distinct account values scored at a time in the backtest


def _backtest_counts(cur: duckdb.DuckDBPyConnection, criteria: list[dict], cutoffs: dict | None,
                     segmentation: dict | None, as_of: date | None) -> tuple[pl.DataFrame, date]:
    """(fit_score, tier, _group, _retention, _n): how many accounts have each score, tier, group and
    retention status. DuckDB counts the accounts per distinct value of the criteria's columns (with
    group and retention: usually a few thousand rows for 1M accounts); each distinct row is scored
    once (a score depends only on the row's own values), in slices (issue 9 memory)."""
    q, as_of = _account_sql(cur, segmentation, as_of, _criteria_columns(criteria), counted=True)
    distinct = cur.sql(q.text, params=q.params).pl()
    release_memory(cur)
    keys = ["fit_score", "tier", "_group", "_retention"]
    parts = [score_frame(part, criteria, cutoffs, reasons=False).group_by(keys).agg(pl.col("_n").sum())
             for part in distinct.iter_slices(n_rows=_BACKTEST_SLICE)] if distinct.height else []
    if not parts:  # no accounts: score the empty frame (same columns and errors as with rows)
        parts = [score_frame(distinct, criteria, cutoffs, reasons=False).select(*keys, "_n")]
    del distinct
    counts = pl.concat(parts).group_by(keys).agg(pl.col("_n").sum().cast(pl.Int64))
    return counts, as_of


def backtest(cur: duckdb.DuckDBPyConnection, criteria: list[dict], cutoffs: dict | None = None,
             segmentation: dict | None = None, as_of: date | None = None) -> dict:
    """How the fit score and tiers separate the customer groups and the 12-month churn (module doc).

    {"as_of", "accounts", "groups_source", "tiers": [{"group", "n", "A", "B", "C", "D"}, ...],
     "want_more_in_ab", "dont_want_in_ab", "churned_in_cd", "retained_in_ab": {"share", "count", "n"},
     "auc_groups", "auc_retention": {"value", "n", "n_positive", "n_negative"}, "unscored": n}"""
    if not table_exists(cur, "accounts"):
        raise IcpError("scoring.no_accounts")
    counts, as_of = _backtest_counts(cur, criteria, cutoffs, segmentation, as_of)
    rows = []
    for name in GROUP_ORDER:
        column = "_retention" if name in ("retained", "churned") else "_group"
        sub = counts.filter(pl.col(column) == name)
        per_tier = dict(sub.group_by("tier").agg(pl.col("_n").sum()).iter_rows())
        rows.append({"group": name, "n": int(sub["_n"].sum()), **{tier: int(per_tier.get(tier, 0)) for tier in TIERS}})
    return {
        "as_of": as_of.isoformat(),
        "accounts": int(counts["_n"].sum()),
        "unscored": int(counts.filter(pl.col("fit_score").is_null())["_n"].sum()),
        "tiers": rows,
        "want_more_in_ab": _share(counts, "_group", "want_more", ("A", "B")),
        "dont_want_in_ab": _share(counts, "_group", "dont_want", ("A", "B")),
        "churned_in_cd": _share(counts, "_retention", "churned", ("C", "D")),
        "retained_in_ab": _share(counts, "_retention", "retained", ("A", "B")),
        "auc_groups": _auc(counts, "_group", "want_more", "dont_want"),
        "auc_retention": _auc(counts, "_retention", "retained", "churned"),
    }


def backtest_chart(result: dict, lang: str = "en"):
    """Stacked bars: share of each tier per customer group (want_more ... churned), n on the axis."""
    import altair as alt

    from icp_core import charts

    colors = {"A": charts.ACCENT, "B": charts.ACCENT_LIGHT, "C": charts.NEUTRAL_LIGHT, "D": charts.NEGATIVE}
    data = []
    order = []
    for row in result["tiers"]:
        if not row["n"]:
            continue
        label = t("scoring.bt.group_n", lang, group=t(f"scoring.group.{row['group']}", lang), n=fmt_number(row["n"], lang))
        order.append(label)
        for i, tier in enumerate(TIERS):
            share = row[tier] / row["n"]
            data.append({"_cat": label, "_tier": t("scoring.tier_label", lang, tier=tier), "_order": i,
                         "_share": share, "_count": row[tier]})
    tier_labels = [t("scoring.tier_label", lang, tier=x) for x in TIERS]
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar(height={"band": 0.75}).encode(
        y=alt.Y("_cat:N", sort=order, title=None),
        x=alt.X("_share:Q", stack="zero", axis=alt.Axis(format="%"), title=t("scoring.bt.x_title", lang),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("_tier:N", scale=alt.Scale(domain=tier_labels, range=[colors[x] for x in TIERS]),
                        legend=alt.Legend(title=t("scoring.bt.legend", lang), orient="top")),
        order=alt.Order("_order:Q"),
        tooltip=[alt.Tooltip("_cat:N", title=t("scoring.bt.group", lang)),
                 alt.Tooltip("_tier:N", title=t("scoring.bt.legend", lang)),
                 alt.Tooltip("_share:Q", format=".1%", title=t("scoring.bt.x_title", lang)),
                 alt.Tooltip("_count:Q", title=t("scoring.bt.count", lang))],
    )
    text = base.mark_text(fontSize=12, fontWeight=600).transform_stack(
        stack="_share", groupby=["_cat"], sort=[{"field": "_order"}], as_=["_s0", "_s1"],
    ).transform_filter("datum._share >= 0.06").transform_calculate(_mid="(datum._s0 + datum._s1) / 2").encode(
        y=alt.Y("_cat:N", sort=order), x=alt.X("_mid:Q"), text=alt.Text("_share:Q", format=".0%"),
        color=alt.condition("datum._order == 0 || datum._order == 3", alt.value("white"), alt.value(charts.TEXT)),
    )
    chart = alt.layer(bars, text).properties(
        width=760, height=alt.Step(44),
        title=alt.Title(t("scoring.bt.chart_title", lang), subtitle=[t("scoring.bt.chart_subtitle", lang)]),
    )
    return chart.configure(**charts.theme_config(lang))


# --------------------------------------------------------------------------- output

def output_frame(scored: pl.DataFrame, id_column: str = "company_id", name_column: str = "name",
                 best_first: bool = True) -> pl.DataFrame:
    """The scored companies for downloads and the CLI: id, name, fit_score, tier, confidence,
    reasons, then the input fields (lists joined with '; '); best first, or in input order."""
    front = [c for c in (id_column, name_column) if c in scored.columns]
    front_out = [pl.col(id_column).cast(pl.String).alias("id")] if id_column in scored.columns else []
    if name_column in scored.columns:
        front_out.append(pl.col(name_column).cast(pl.String).alias("name"))
    rest = [c for c in scored.columns if c not in front and not c.startswith("_")
            and c not in ("fit_score", "tier", "confidence", "reasons", "met", "missed", "unknown")]
    lists = [pl.col(c).cast(pl.List(pl.String)).list.join("; ") if isinstance(scored.schema[c], pl.List) else pl.col(c)
             for c in rest]
    out = scored.select(front_out + [pl.col("fit_score"), pl.col("tier"), pl.col("confidence"),
                                     pl.col("reasons")] + lists)
    if not best_first:
        return out
    if "id" in out.columns:
        return out.sort(["fit_score", "id"], descending=[True, False], nulls_last=True)
    return out.sort("fit_score", descending=True, nulls_last=True)


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells starting with = + - @ (or tab / CR) get a leading single quote."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = pl.any_horizontal([col.str.starts_with(p) for p in _FORMULA_START])
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def to_csv(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads umlauts), formula-safe text cells and headers."""
    safe = neutralise(frame).rename({c: str(_safe(c)) for c in frame.columns})
    buf = io.StringIO()
    safe.write_csv(buf, date_format="%Y-%m-%d")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(frame: pl.DataFrame, sheet: str = "scores") -> bytes:
    """XLSX with every text cell written as a string (never a formula), formula-safe as in CSV."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True})
    for j, name in enumerate(frame.columns):
        ws.write_string(0, j, str(_safe(name)), bold)
    for i, row in enumerate(neutralise(frame).iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                ws.write_boolean(i, j, value)
            elif isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(_safe(value) if isinstance(value, str) else value))
    ws.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()


def export_bytes(frame: pl.DataFrame, path_or_ext: str) -> bytes:
    ext = path_or_ext.rsplit(".", 1)[-1].lower()
    if ext in ("xlsx", "xlsm", "xls"):
        return to_xlsx(frame)
    return to_csv(frame)


def tier_counts(scored: pl.DataFrame) -> dict[str, int]:
    counts = dict(scored.group_by("tier").len().iter_rows())
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}


def cli_rows(scored: pl.DataFrame, id_column: str = "company_id") -> list[dict]:
    """One dict per input row in input order: id, fit_score, tier, confidence, reasons."""
    return scored.select(pl.col(id_column).cast(pl.String).alias("id"), "fit_score", "tier", "confidence",
                         "reasons").to_dicts()


# --------------------------------------------------------------------------- command line

def cli_score(store, path: str, specs: list[str] | None = None, cutoffs_text: str | None = None,
              as_of: date | None = None, lang: str = "en") -> dict:
    """`icp score FILE`: the file read as prospects, scored with the saved ICP (or the given
    criteria specs), one row per input row in input order. Returns {"rows": [...], "frame":
    output frame, "criteria", "cutoffs", "tiers"}."""
    from pathlib import Path

    if not Path(path).is_file():
        raise IcpError("scoring.no_file", path=path)
    frame, _prepared = read_for_scoring(path, Path(path).name)
    if specs:
        criteria = criteria_from_specs(specs)
        saved = store.get_setting(SETTING_KEY) or {}
        cutoffs = check_cutoffs(saved.get("cutoffs") if isinstance(saved, dict) else None)
    else:
        criteria, _source, cutoffs = criteria_from_store(store, as_of)
    if cutoffs_text:
        cutoffs = parse_cutoffs(cutoffs_text)
    if not [c for c in criteria if c["weight"] > 0]:
        raise IcpError("scoring.no_criteria")
    scored = score_frame(frame, criteria, cutoffs, lang).sort("_row")
    return {"rows": cli_rows(scored), "frame": output_frame(scored, best_first=False), "criteria": criteria,
            "cutoffs": cutoffs, "tiers": tier_counts(scored)}


def render_text(result: dict, lang: str = "en", out: str | None = None) -> str:
    """The human output of `icp score`: the criteria, a summary line, and (without --out) the rows."""
    tiers = result["tiers"]
    n = len(result["rows"])
    lines = [t("scoring.cli.criteria", lang)]
    for c in result["criteria"]:
        if c["weight"] > 0:
            lines.append(f"  - {criterion_labels(c, lang)['label']} " + t("scoring.weight_suffix", lang, weight=_fmt_weight(c["weight"], lang)))
    params = {"rows": fmt_number(n, lang), "a": tiers["A"], "b": tiers["B"], "c": tiers["C"], "d": tiers["D"]}
    if out:
        lines.append(t("scoring.cli.done", lang, path=out, **params))
        return "\n".join(lines)
    lines.append(t("scoring.cli.summary", lang, **params))
    lines.append("")
    head = [t("scoring.col.id", lang), t("scoring.col.fit_score", lang), t("scoring.col.tier", lang), t("scoring.col.reasons", lang)]
    body = [[str(r["id"]), fmt_number(r["fit_score"], lang, 1), r["tier"], (r["reasons"] or "").replace("\n", " ")]
            for r in result["rows"]]
    widths = [max([len(head[i])] + [len(b[i]) for b in body]) for i in range(3)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head[:3], widths)) + "  " + head[3])
    for b in body:
        lines.append(b[0].ljust(widths[0]) + "  " + b[1].rjust(widths[1]) + "  " + b[2].ljust(widths[2]) + "  " + b[3])
    return "\n".join(lines)
