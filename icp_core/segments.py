"""Segment statistics (METRICS.md "Segment statistics") for one or more dimensions.

    result = segment_stats(cur, ["industry", "size_band"], filters=[parse_filter("country=DE,AT,CH")])
    result["overall"]   -> the statistics over all (filtered) accounts
    result["segments"]  -> one dict per segment, keyed {"industry": ..., "size_band": ...}

Dimensions (``--by``):
- any column of ``accounts`` (canonical or an extra column the user imported), compared as text;
  ``tech_stack`` alone gives one segment per tool (multi-valued, see below);
- the derived bands ``size_band``, ``revenue_band``, ``age_band`` (SQL from metrics_common);
- ``tech:TOOL``: "yes" / "no" (uses the tool or not, case-insensitive); no stack at all is "(unknown)";
- people: ``contacts.FIELD`` (job_title, seniority, department, buying_role, age_group, education,
  motivation, info_sources); the bare names job_title, seniority, department, buying_role,
  age_group, education, motivation work too;
- jobs-to-be-done: ``jobs.FIELD`` (job, challenge, trigger, ideal_state, role); bare job,
  challenge, trigger, ideal_state work too. Values are split into tags at ``;`` and ``|``.

Multi-valued dimensions (contacts, jobs, ``tech_stack``): an account belongs to every distinct
value its contacts / answers / stack have, so it can sit in several segments and the segments'
shares then add up to more than 100%. An account without any value is in "(unknown)".
Empty values always form their own "(unknown)" segment; they are never dropped.

Every figure follows METRICS.md; per segment:
accounts, active_accounts (at as_of), share (accounts / all accounts), arr (12 x summed mrr of
active accounts), arr_share, arpa (arr / active accounts), retention_12m with retention_n and a
Wilson interval, nps (-100..100) with nps_n and the adjusted-Wald interval (nps_responses dated
in the 12 months up to as_of when that table exists, else accounts.nps), referral_rate
(referral accounts / accounts, Wilson interval), median_sales_cycle_days (sales_cycle_days, else
start_date - first_contact_date when not negative; the usual median), win_rate from deals
(won / (won + lost), Wilson interval), seats (mean), lift per metric (segment / overall; for NPS
only when the overall NPS is above 0, else null, as a ratio to a negative NPS is meaningless),
small (accounts < min_n) and small_metrics (per metric: its n < min_n). A figure the data cannot
give is None. A segment that is small for a metric is never ranked best on it (``best_segment``).

Accounts flagged ``churned`` without a churn_date are left out of the 12-month retention base
(``overall["churned_undated"]`` counts them). When no account has a churn_date at all,
retention_12m is None and ``lifetime_churn`` (churned / accounts) is given instead.

The whole thing is two SQL queries (segments with GROUP BY, and the overall figures), so it stays
fast on a million accounts. For a store (``facts.store_key``), single-valued dimensions are
aggregated over a per-account projection cached per data version (``icp_core.facts``: flags,
referral, NPS answers and deals per account, the dimension values as codes, the filter masks);
multi-valued dimensions and bare DuckDB databases use the SQL over the tables directly.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from icp_core import facts
from icp_core.errors import IcpError
from icp_core.metrics_common import (
    BAND_ORDER,
    MIN_N,
    Filter,
    active_at_sql,
    age_band_sql,
    default_as_of,
    filters_sql,
    mode_sql,
    normalise_channels,
    nps_interval,
    one_year_before,
    parse_filter,
    quote_ident,
    referral_sql,
    revenue_band_sql,
    size_band_sql,
    table_columns,
    table_exists,
    wilson,
)
from icp_core.store import release_memory

UNKNOWN = "(unknown)"

CONTACT_FIELDS = ("job_title", "seniority", "department", "buying_role", "age_group", "education", "motivation",
                  "info_sources")
JOB_FIELDS = ("job", "challenge", "trigger", "ideal_state", "role")
BANDS = ("size_band", "revenue_band", "age_band")
BARE_JOB_FIELDS = ("job", "challenge", "trigger", "ideal_state")

# metric -> (key of its n, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "arpa": ("active_accounts", True),
    "retention_12m": ("retention_n", True),
    "nps": ("nps_n", True),
    "referral_rate": ("accounts", True),
    "median_sales_cycle_days": ("sales_cycle_n", False),
    "win_rate": ("win_n", True),
    "seats": ("seats_n", True),
}
LIFT_METRICS = tuple(METRICS)

# which field a metric needs, to tell the user what to add when it is missing
METRIC_FIELDS = {
    "arpa": "mrr",
    "retention_12m": "churn_date",
    "nps": "nps",
    "referral_rate": "acquisition_channel",
    "median_sales_cycle_days": "sales_cycle_days",
    "win_rate": "deals",
    "seats": "seats",
}


@dataclass(frozen=True)
class Dimension:
    name: str  # as the user wrote it (the segment key)
    kind: str  # column | band | tech | tech_each | contacts | jobs
    column: str = ""
    tool: str = ""

    @property
    def multi(self) -> bool:
        return self.kind in ("contacts", "jobs", "tech_each")


# --------------------------------------------------------------------------- dimensions

def account_columns(cur: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(cur, "accounts"):
        raise IcpError("segments.no_accounts")
    return [c for c in table_columns(cur, "accounts") if not c.startswith("_")]


def resolve_dimension(cur: duckdb.DuckDBPyConnection, name: str, columns: list[str] | None = None) -> Dimension:
    """What a --by name means; IcpError('segments.unknown_dimension') when it means nothing."""
    columns = columns if columns is not None else account_columns(cur)
    raw = name.strip()
    if raw.startswith("tech:"):
        tool = raw[5:].strip()
        if not tool or "tech_stack" not in columns:
            raise IcpError("segments.unknown_dimension", dim=name, available=_available_text(cur, columns))
        return Dimension(raw, "tech", "tech_stack", tool)
    if raw in BANDS:
        source = {"size_band": "employees", "revenue_band": "annual_revenue", "age_band": "founded_year"}[raw]
        if source not in columns:
            raise IcpError("segments.unknown_dimension", dim=name, available=_available_text(cur, columns))
        return Dimension(raw, "band", source)
    if raw == "tech_stack" and raw in columns:
        return Dimension(raw, "tech_each", "tech_stack")
    if raw in columns:
        return Dimension(raw, "column", raw)
    table, _, field = raw.partition(".")
    if not field:
        table, field = ("contacts", raw) if raw in CONTACT_FIELDS else ("jobs", raw) if raw in BARE_JOB_FIELDS else ("", raw)
    if table in ("contacts", "jobs") and table_exists(cur, table) and field in table_columns(cur, table):
        return Dimension(raw, table, field)
    raise IcpError("segments.unknown_dimension", dim=name, available=_available_text(cur, columns))


def _released(cur: duckdb.DuckDBPyConnection, value: Any) -> Any:
    """`value`, after release_memory(cur) (for a lambda that builds a cached value)."""
    release_memory(cur)
    return value


def _available_text(cur, columns) -> str:
    return ", ".join(d for group in available_dimensions(cur, columns).values() for d in group[:12])


def available_dimensions(cur: duckdb.DuckDBPyConnection, columns: list[str] | None = None,
                         top_tools: int = 12) -> dict[str, list[str]]:
    """Dimensions the data offers, by kind: firmographic, technographic, people, jobs, extra.
    Only fields with at least one value are offered."""
    columns = columns if columns is not None else account_columns(cur)
    filled = _filled_columns(cur, "accounts", columns)
    firmo = [c for c in ("industry", "country", "city", "business_model", "partner", "leadership_change")
             if c in filled]
    for band, source in (("size_band", "employees"), ("revenue_band", "annual_revenue"), ("age_band", "founded_year")):
        if source in filled:
            firmo.insert(min(len(firmo), 1 if band == "size_band" else len(firmo)), band)
    techno = []
    if "tech_stack" in filled:
        techno = [f"tech:{t}" for t, _ in top_tools_of(cur, top_tools)] + ["tech_stack"]
    people: list[str] = []
    if table_exists(cur, "contacts"):
        ccols = table_columns(cur, "contacts")
        cfilled = _filled_columns(cur, "contacts", [c for c in CONTACT_FIELDS if c in ccols])
        people = [f"contacts.{c}" for c in CONTACT_FIELDS if c in cfilled]
    jobs: list[str] = []
    if table_exists(cur, "jobs"):
        jcols = table_columns(cur, "jobs")
        jfilled = _filled_columns(cur, "jobs", [c for c in JOB_FIELDS if c in jcols])
        jobs = [f"jobs.{c}" for c in JOB_FIELDS if c in jfilled]
    from icp_core.schema import ACCOUNTS

    canonical = set(ACCOUNTS.field_names)
    extra = [c for c in columns if c not in canonical and c in filled]
    release_memory(cur)  # top_tools_of unnests every tech stack
    return {"firmographic": firmo, "technographic": techno, "people": people, "jobs": jobs, "extra": extra}


def _filled_columns(cur, table: str, columns: list[str]) -> set[str]:
    if not columns:
        return set()
    sel = ", ".join(f"count({quote_ident(c)})" for c in columns)
    row = cur.execute(f"SELECT {sel} FROM {quote_ident(table)}").fetchall()[0]
    return {c for c, n in zip(columns, row) if n}


def top_tools_of(cur: duckdb.DuckDBPyConnection, k: int = 12) -> list[tuple[str, int]]:
    """The k tools most accounts use (case-insensitive; shown as most often written)."""
    if k <= 0:
        return []
    rows = cur.execute(
        f"SELECT {mode_sql('t')} AS tool, count(DISTINCT account_id) AS n FROM "
        "(SELECT account_id, trim(unnest(tech_stack)) AS t FROM accounts) WHERE t <> '' "
        "GROUP BY lower(t) ORDER BY n DESC, tool LIMIT ?",
        [k],
    ).fetchall()
    return [(r[0], int(r[1])) for r in rows]


def suggested_dimensions(cur: duckdb.DuckDBPyConnection) -> tuple[list[str], str]:
    """The dimensions the article recommends for the PMF verdict, and the verdict used.
    Reached (or unknown: no PMF module / no verdict): firmographic (industry x size band).
    Partial / not yet: people and jobs-to-be-done (buying role, job), when that data exists."""
    verdict = "unknown"
    try:
        from icp_core import pmf  # another helper's module: pmf_summary(cur) -> {"verdict": ...}

        verdict = str(pmf.pmf_summary(cur).get("verdict") or "unknown")
    except Exception:  # the PMF verdict is only a suggestion; segments work without it
        verdict = "unknown"
    # the suggestion never names a tool: no counting of every account's tools (+170 MB, 0.5 s at 1M)
    avail = available_dimensions(cur, top_tools=0)
    if verdict in ("partial", "not_yet", "not yet"):
        dims = [d for d in ("contacts.buying_role", "jobs.job", "contacts.job_title") if d in avail["people"] + avail["jobs"]]
        if dims:
            return dims[:2], verdict
    firmo = [d for d in ("industry", "size_band") if d in avail["firmographic"]]
    return (firmo or avail["firmographic"][:1] or ["industry"]), verdict


# --------------------------------------------------------------------------- SQL

class _Sql:
    """SQL text and its positional parameters, built in textual order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, params: Iterable[Any] = ()) -> "_Sql":
        self.parts.append(text)
        self.params.extend(params)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class _Context:
    as_of: date
    prev: date
    columns: tuple[str, ...]
    nps_source: str  # responses | accounts | none
    has_deals: bool
    has_churn_date: bool
    has_churned_flag: bool


def _context(cur, as_of: date | None, skey: tuple | None = None) -> _Context:
    """The context of one call; cached per data version (``skey`` = facts.store_key(cur)) and
    as_of (None: the default as_of, which depends on today)."""
    return facts.cached(facts.contexts, skey, ("segments.context", as_of, date.today() if as_of is None else None),
                        lambda: _make_context(cur, as_of))


def _make_context(cur, as_of: date | None) -> _Context:
    columns = account_columns(cur)
    as_of = as_of or default_as_of(cur) or date.today()
    nps_source = "none"
    if table_exists(cur, "nps_responses") and {"score", "date", "account_id"} <= set(table_columns(cur, "nps_responses")):
        nps_source = "responses"
    elif "nps" in columns:
        nps_source = "accounts"
    has_deals = table_exists(cur, "deals") and {"account_id", "outcome"} <= set(table_columns(cur, "deals"))
    has_churn_date = "churn_date" in columns and bool(
        cur.execute("SELECT count(churn_date) FROM accounts").fetchall()[0][0])
    has_flag = "churned" in columns and bool(cur.execute("SELECT count(churned) FROM accounts").fetchall()[0][0])
    return _Context(as_of, one_year_before(as_of), tuple(columns), nps_source, has_deals, has_churn_date, has_flag)


def _col(ctx: _Context, name: str, cast: str = "") -> str:
    if name in ctx.columns:
        return quote_ident(name)
    return f"CAST(NULL AS {cast or 'VARCHAR'})"


def _base_sql(q: _Sql, ctx: _Context, filters: list[Filter], channels: list[str], rowid: bool = False) -> None:
    """Appends `WITH acc AS (...), base AS (...)`: one row per (filtered) account with flags
    (`rowid`: plus the account's row id as `_rid`)."""
    start = _col(ctx, "start_date", "DATE")
    churn = _col(ctx, "churn_date", "DATE")
    churned = _col(ctx, "churned", "BOOLEAN")
    q.add("WITH acc AS (SELECT a.*, " + ("a.rowid AS _rid, " if rowid else ""))
    q.add(f"coalesce({active_at_sql('?').replace('start_date', start).replace('churn_date', churn)}, FALSE) AS _active, ",
          [ctx.as_of, ctx.as_of])
    q.add(f"coalesce({active_at_sql('?').replace('start_date', start).replace('churn_date', churn)} "
          f"AND NOT (coalesce({churned}, FALSE) AND {churn} IS NULL), FALSE) AS _in_base, ", [ctx.prev, ctx.prev])
    q.add(f"(coalesce({churned}, FALSE) AND {churn} IS NULL) AS _undated_churn, ")
    q.add(f"(coalesce({churned}, FALSE) OR ({churn} IS NOT NULL AND {churn} <= ?)) AS _churned_ever, ", [ctx.as_of])
    if "acquisition_channel" in ctx.columns:
        # referral decided once per distinct channel value (chanmap below), not per row: 5x faster
        q.add("CASE WHEN a.acquisition_channel IS NULL THEN NULL ELSE coalesce(chanmap._chan_r, FALSE) END AS _ref, ")
    else:
        q.add("CAST(NULL AS BOOLEAN) AS _ref, ")
    cyc = _col(ctx, "sales_cycle_days", "BIGINT")
    first = _col(ctx, "first_contact_date", "DATE")
    q.add(f"coalesce(CAST({cyc} AS DOUBLE), CASE WHEN date_diff('day', {first}, {start}) >= 0 "
          f"THEN CAST(date_diff('day', {first}, {start}) AS DOUBLE) END) AS _cycle, ")
    q.add(f"CAST({_col(ctx, 'mrr', 'DOUBLE')} AS DOUBLE) AS _mrr, CAST({_col(ctx, 'seats', 'BIGINT')} AS DOUBLE) AS _seats ")
    if "acquisition_channel" in ctx.columns:
        q.add("FROM accounts a LEFT JOIN (SELECT _chan_c, " + referral_sql().replace("acquisition_channel", "_chan_c")
              + " AS _chan_r FROM (SELECT DISTINCT acquisition_channel AS _chan_c FROM accounts)) AS chanmap "
              "ON chanmap._chan_c = a.acquisition_channel WHERE ", [channels])
    else:
        q.add("FROM accounts a WHERE ")
    fsql, fparams = filters_sql(filters, ctx.as_of.year)
    q.add(fsql, fparams)
    q.add(")")
    if ctx.nps_source == "responses":
        q.add(", npsa AS (SELECT account_id, count(*) AS n, count(*) FILTER (WHERE score >= 9) AS p, "
              "count(*) FILTER (WHERE score <= 6) AS d FROM nps_responses "
              "WHERE score IS NOT NULL AND date > ? AND date <= ? GROUP BY account_id)", [ctx.prev, ctx.as_of])
    if ctx.has_deals:
        q.add(", dealsa AS (SELECT account_id, count(*) FILTER (WHERE outcome = 'won') AS w, "
              "count(*) FILTER (WHERE outcome = 'lost') AS l FROM deals GROUP BY account_id)")
    q.add(", base AS (SELECT acc.*, ")
    if ctx.nps_source == "responses":
        q.add("coalesce(npsa.n, 0) AS _nps_n, coalesce(npsa.p, 0) AS _nps_p, coalesce(npsa.d, 0) AS _nps_d, ")
    elif ctx.nps_source == "accounts":
        q.add("CAST(acc.nps IS NOT NULL AS INTEGER) AS _nps_n, CAST(coalesce(acc.nps >= 9, FALSE) AS INTEGER) AS _nps_p, "
              "CAST(coalesce(acc.nps <= 6, FALSE) AS INTEGER) AS _nps_d, ")
    else:
        q.add("0 AS _nps_n, 0 AS _nps_p, 0 AS _nps_d, ")
    if ctx.has_deals:
        q.add("coalesce(dealsa.w, 0) AS _won, coalesce(dealsa.l, 0) AS _lost ")
    else:
        q.add("0 AS _won, 0 AS _lost ")
    q.add("FROM acc")
    if ctx.nps_source == "responses":
        q.add(" LEFT JOIN npsa ON npsa.account_id = acc.account_id")
    if ctx.has_deals:
        q.add(" LEFT JOIN dealsa ON dealsa.account_id = acc.account_id")
    q.add(")")


_AGGS = (
    "count(*) AS accounts, count(*) FILTER (WHERE _active) AS active_accounts, "
    "sum(_mrr) FILTER (WHERE _active) AS mrr_active, count(_mrr) AS mrr_n, "
    "count(*) FILTER (WHERE _in_base) AS retention_n, count(*) FILTER (WHERE _in_base AND _active) AS retained, "
    "count(*) FILTER (WHERE _undated_churn) AS churned_undated, count(*) FILTER (WHERE _churned_ever) AS churned_ever, "
    "sum(_nps_n) AS nps_n, sum(_nps_p) AS promoters, sum(_nps_d) AS detractors, "
    "count(*) FILTER (WHERE _ref) AS referrals, count(_ref) AS channel_n, "
    "median(_cycle) AS median_cycle, count(_cycle) AS sales_cycle_n, "
    "sum(_won) AS won, sum(_lost) AS lost, avg(_seats) AS seats, count(_seats) AS seats_n"
)


_PART = (
    "count(*) AS accounts, sum(CAST(_active AS INTEGER)) AS active_accounts, "
    "sum(CASE WHEN _active THEN _mrr END) AS mrr_active, count(_mrr) AS mrr_n, "
    "sum(CAST(_in_base AS INTEGER)) AS retention_n, sum(CAST(_in_base AND _active AS INTEGER)) AS retained, "
    "sum(CAST(_undated_churn AS INTEGER)) AS churned_undated, sum(CAST(_churned_ever AS INTEGER)) AS churned_ever, "
    "sum(_nps_n) AS nps_n, sum(_nps_p) AS promoters, sum(_nps_d) AS detractors, "
    "sum(CAST(_ref AS INTEGER)) AS referrals, count(_ref) AS channel_n, count(_cycle) AS sales_cycle_n, "
    "sum(_won) AS won, sum(_lost) AS lost, sum(_seats) AS seats_sum, count(_seats) AS seats_n"
)
_ROLLUP = (
    "sum(accounts) AS accounts, sum(active_accounts) AS active_accounts, sum(mrr_active) AS mrr_active, "
    "sum(mrr_n) AS mrr_n, sum(retention_n) AS retention_n, sum(retained) AS retained, "
    "sum(churned_undated) AS churned_undated, sum(churned_ever) AS churned_ever, sum(nps_n) AS nps_n, "
    "sum(promoters) AS promoters, sum(detractors) AS detractors, sum(referrals) AS referrals, "
    "sum(channel_n) AS channel_n, sum(sales_cycle_n) AS sales_cycle_n, sum(won) AS won, sum(lost) AS lost, "
    "sum(seats_sum) / nullif(sum(seats_n), 0) AS seats, sum(seats_n) AS seats_n"
)


def _grouped_with_median(q: _Sql, keys: list[str], from_facts: bool = False) -> None:
    """Appends the statistics (the columns of _AGGS) over `dimk` by GROUPING SETS ((keys), ()),
    with `_overall_row` = 1 on the overall row, in one pass over the accounts: first partial sums
    per (segment, sales cycle value), then those rolled up; the median sales cycle comes from the
    counts per cycle value (the middle one or two values by running counts), the value median()
    gives, without its cost (a holistic aggregate: ~4x the rest of the query at 1M accounts)."""
    k = ", ".join(keys)
    if from_facts:
        # the cached projection (_projection): two light scans, the sums per segment and the
        # counts per (segment, cycle value), instead of one heavy one by (segment, cycle value)
        q.add(f", part AS (SELECT {k}, {_PART_FACTS} FROM dimk GROUP BY {k})")
        q.add(f", cyc AS (SELECT {k}, CAST(_cycle AS DOUBLE) AS _v, sales_cycle_n FROM "
              f"(SELECT {k}, _cycle, count(*) AS sales_cycle_n FROM dimk WHERE _cycle IS NOT NULL GROUP BY {k}, _cycle))")
    else:
        q.add(f", part AS (SELECT {k}, _cycle AS _v, {_PART} FROM dimk GROUP BY {k}, _cycle)")
        q.add(", cyc AS (SELECT * FROM part)")
    q.add(f", agg AS (SELECT {k}, GROUPING({keys[0]}) AS _overall_row, {_ROLLUP} FROM part "
          f"GROUP BY GROUPING SETS (({k}), ()))")
    q.add(f", hist AS (SELECT {k}, GROUPING({keys[0]}) AS _g, _v, sum(sales_cycle_n) AS _c FROM cyc "
          f"WHERE _v IS NOT NULL GROUP BY GROUPING SETS (({k}, _v), (_v)))")
    q.add(f", cum AS (SELECT *, sum(_c) OVER (PARTITION BY {k}, _g ORDER BY _v ROWS UNBOUNDED PRECEDING) AS _cum, "
          f"sum(_c) OVER (PARTITION BY {k}, _g) AS _tot FROM hist)")
    q.add(f", med AS (SELECT {k}, _g, min(_v) FILTER (WHERE _cum >= (_tot + 1) // 2) AS _lo, "
          f"min(_v) FILTER (WHERE _cum >= _tot // 2 + 1) AS _hi FROM cum GROUP BY {k}, _g)")
    on = " AND ".join(f"agg.{a} IS NOT DISTINCT FROM med.{a}" for a in keys)
    q.add(f" SELECT agg.*, med._lo + (med._hi - med._lo) * 0.5 AS median_cycle FROM agg LEFT JOIN med "
          f"ON {on} AND agg._overall_row = med._g")


def _dim_sql(q: _Sql, dims: list[Dimension], ctx: _Context) -> list[str]:
    """Appends `, dimk AS (SELECT base.*, <dims> FROM base LEFT JOIN ...)`; returns the key aliases."""
    selects: list[tuple[str, list]] = []
    joins: list[tuple[str, list]] = []
    aliases = []
    for i, d in enumerate(dims):
        alias = f"_k{i}"
        aliases.append(alias)
        if d.kind == "column":
            selects.append((f"coalesce(nullif(trim(CAST(base.{quote_ident(d.column)} AS VARCHAR)), ''), '{UNKNOWN}') AS {alias}", []))
        elif d.kind == "band":
            expr = {"size_band": size_band_sql, "revenue_band": revenue_band_sql}.get(d.name)
            sql = expr() if expr else age_band_sql(ctx.as_of.year)
            selects.append((f"coalesce({sql}, '{UNKNOWN}') AS {alias}", []))
        elif d.kind == "tech":
            selects.append((
                f"CASE WHEN base.tech_stack IS NULL THEN '{UNKNOWN}' WHEN list_contains(list_transform(base.tech_stack, "
                f"lambda x: lower(trim(x))), ?) THEN 'yes' ELSE 'no' END AS {alias}", [d.tool.strip().casefold()]))
        else:
            if d.kind == "tech_each":
                src = "SELECT DISTINCT account_id, trim(unnest(tech_stack)) AS v FROM accounts"
            elif d.kind == "contacts" and d.column == "info_sources":
                src = "SELECT DISTINCT account_id, trim(unnest(info_sources)) AS v FROM contacts"
            elif d.kind == "contacts":
                src = f"SELECT DISTINCT account_id, trim(CAST({quote_ident(d.column)} AS VARCHAR)) AS v FROM contacts"
            else:  # jobs: tags split at ; and |
                src = (f"SELECT DISTINCT account_id, trim(unnest(regexp_split_to_array(CAST({quote_ident(d.column)} "
                       f"AS VARCHAR), '[;|]'))) AS v FROM jobs")
            joins.append((f" LEFT JOIN (SELECT * FROM ({src}) WHERE v IS NOT NULL AND v <> '') AS j{i} "
                          f"ON j{i}.account_id = base.account_id", []))
            selects.append((f"coalesce(j{i}.v, '{UNKNOWN}') AS {alias}", []))
    q.add(", dimk AS (SELECT base.*")
    for sql, params in selects:
        q.add(", " + sql, params)
    q.add(" FROM base")
    for sql, params in joins:
        q.add(sql, params)
    q.add(")")
    return aliases


# --------------------------------------------------------------------------- cached projection

_FACT_SELECT = (
    "CAST(_active AS TINYINT) AS _active, CAST(_in_base AS TINYINT) AS _in_base, "
    "CAST(_in_base AND _active AS TINYINT) AS _retained, CAST(_undated_churn AS TINYINT) AS _undated_churn, "
    "CAST(_churned_ever AS TINYINT) AS _churned_ever, CAST(_ref AS TINYINT) AS _ref, _cycle, "
    "CAST(_mrr IS NOT NULL AS TINYINT) AS _mrr_has, CASE WHEN _active THEN _mrr END AS _mrr_active, _seats, "
    "_nps_n, _nps_p, _nps_d, _won, _lost"
)


def _narrow(frame: pl.DataFrame) -> pl.DataFrame:
    """The smallest integer type that holds each count column; whole-number doubles (sales cycle,
    seats) as Int32 (summed and compared exactly as the doubles they came from)."""
    out = []
    for name, dtype in frame.schema.items():
        col = frame[name]
        if dtype == pl.Float64 and name in ("_cycle", "_seats"):
            vals = col.drop_nulls()
            if vals.is_empty() or ((vals == vals.round()).all() and vals.abs().max() < 2**31 - 1):
                out.append(col.cast(pl.Int32))
                continue
        if dtype.is_integer() and name.startswith(("_nps", "_won", "_lost")):
            top = max(abs(col.max() or 0), abs(col.min() or 0))
            out.append(col.cast(pl.Int8 if top < 2**7 else pl.Int16 if top < 2**15 else pl.Int32 if top < 2**31 else pl.Int64))
            continue
        out.append(col)
    return pl.DataFrame(out)


def _projection(cur, ctx: _Context, channels: list[str]) -> pa.Table:
    """The per-account columns of `base` (flags, referral, cycle, mrr, seats, NPS and deal counts)
    for every account, in row-id order, as narrow types: what every segment query aggregates."""
    q = _Sql()
    _base_sql(q, ctx, [], channels, rowid=True)
    q.add(f" SELECT {_FACT_SELECT} FROM base ORDER BY _rid")
    return _narrow(cur.sql(q.text, params=q.params).pl()).to_arrow()


# the partial sums of _PART over the projection's narrow columns (no casts, no CASE per row)
_PART_FACTS = (
    "count(*) AS accounts, sum(_active) AS active_accounts, sum(_mrr_active) AS mrr_active, sum(_mrr_has) AS mrr_n, "
    "sum(_in_base) AS retention_n, sum(_retained) AS retained, sum(_undated_churn) AS churned_undated, "
    "sum(_churned_ever) AS churned_ever, sum(_nps_n) AS nps_n, sum(_nps_p) AS promoters, sum(_nps_d) AS detractors, "
    "sum(_ref) AS referrals, count(_ref) AS channel_n, count(_cycle) AS sales_cycle_n, "
    "sum(_won) AS won, sum(_lost) AS lost, sum(_seats) AS seats_sum, count(_seats) AS seats_n"
)


def _dimension_column(cur, d: Dimension, ctx: _Context) -> tuple[pa.Array, list]:
    """One single-valued dimension's value per account (row-id order) as integer codes, and the
    values the codes stand for (grouping on small integers is several times faster than on text)."""
    q = _Sql()
    q.add("WITH base AS (SELECT rowid AS _rid, * FROM accounts)")
    keys = _dim_sql(q, [d], ctx)
    q.add(f" SELECT {keys[0]} FROM dimk ORDER BY _rid")
    values = cur.sql(q.text, params=q.params).pl().to_series().to_arrow()
    encoded = pc.dictionary_encode(values).combine_chunks() if isinstance(values, pa.ChunkedArray) else pc.dictionary_encode(values)
    return encoded.indices.cast(pa.int32()), encoded.dictionary.to_pylist()


def _mask_column(cur, flts: list[Filter], ctx: _Context) -> pa.Array:
    """Whether each account (row-id order) passes the filters."""
    fsql, fparams = filters_sql(flts, ctx.as_of.year)
    series = cur.sql(f"SELECT coalesce({fsql}, FALSE) AS _keep FROM accounts ORDER BY rowid", params=fparams).pl().to_series()
    return series.to_arrow()


# the per-account columns of the projection that hold small whole numbers (flags, NPS answers and
# deals per account): summed through one count per (segment, combination of their values)
_SMALL_COLUMNS = ("_active", "_in_base", "_retained", "_undated_churn", "_churned_ever", "_ref", "_mrr_has",
                  "_nps_n", "_nps_p", "_nps_d", "_won", "_lost", "_mrr_active", "_seats")
# of these, only whether each account has a value (MRR and seats are summed by a weighted pass)
_PRESENCE_ONLY = ("_mrr_active", "_seats")
# the statistics taken from those columns' combinations, as (statistic, column, sum or count)
_SMALL_SUMS = (
    ("active_accounts", "_active", "sum"), ("mrr_n", "_mrr_has", "sum"), ("retention_n", "_in_base", "sum"),
    ("retained", "_retained", "sum"), ("churned_undated", "_undated_churn", "sum"),
    ("churned_ever", "_churned_ever", "sum"), ("nps_n", "_nps_n", "sum"), ("promoters", "_nps_p", "sum"),
    ("detractors", "_nps_d", "sum"), ("referrals", "_ref", "sum"), ("channel_n", "_ref", "count"),
    ("won", "_won", "sum"), ("lost", "_lost", "sum"),
)
# above this many cells (segments x value combinations, or segments x sales-cycle days) bincount's
# arrays get large: the SQL path is used instead
_BINCOUNT_MAX_CELLS = 4_000_000


def _np(arr: Any) -> np.ndarray:
    """An Arrow array or chunked array without nulls as numpy."""
    return arr.to_numpy() if isinstance(arr, pa.ChunkedArray) else arr.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class _Combos:
    """Each account's combination of the small columns' values (an index into `values`), and per
    combination the columns' values (a missing value as 0) and whether each was present."""
    index: np.ndarray
    values: np.ndarray  # combinations x columns, int64
    present: np.ndarray  # combinations x columns, int64 0/1

    @property
    def nbytes(self) -> int:
        return self.index.nbytes + self.values.nbytes + self.present.nbytes


def _combos(proj: pa.Table) -> _Combos | None:
    """The combinations of _SMALL_COLUMNS in the projection (a few hundred at most in practice:
    flags and small counts); None when a column is not a whole number."""
    code = np.zeros(proj.num_rows, dtype=np.int64)
    radix = []
    for c in _SMALL_COLUMNS:
        col = proj.column(c)
        if c in _PRESENCE_ONLY:  # only whether a value is there (their sums are weighted separately)
            col = pc.if_else(pc.is_valid(col), pa.scalar(0, pa.int8()), pa.scalar(None, pa.int8()))
        elif not pa.types.is_integer(col.type):
            return None
        lo, hi = pc.min(col).as_py() or 0, pc.max(col).as_py() or 0
        lo = min(lo, 0)
        r = hi - lo + 2  # the values, and one code for a missing value
        radix.append((lo, r))
        if float(np.prod([x[1] for x in radix], dtype=np.float64)) >= 2**62:
            return None
        code *= r
        if col.null_count:
            code += np.where(_np(pc.is_valid(col)), _np(pc.fill_null(col, lo)).astype(np.int64) - lo, r - 1)
        else:  # most columns are flags without a missing value: no mask to build
            code += _np(col)
            if lo:
                code -= lo
    n_codes = int(np.prod([x[1] for x in radix], dtype=np.float64))
    if n_codes <= 2**24:  # a lookup table: one linear pass instead of np.unique's sort
        seen = np.bincount(code, minlength=n_codes) > 0
        uniq = np.flatnonzero(seen)
        index = (np.cumsum(seen) - 1)[code]
    else:
        uniq, index = np.unique(code, return_inverse=True)
    values = np.zeros((len(uniq), len(_SMALL_COLUMNS)), dtype=np.int64)
    present = np.zeros_like(values)
    rest = uniq.copy()
    for j in range(len(_SMALL_COLUMNS) - 1, -1, -1):
        lo, r = radix[j]
        digit = rest % r
        rest //= r
        present[:, j] = digit != r - 1
        values[:, j] = np.where(digit != r - 1, digit + lo, 0)
    small = np.int16 if len(uniq) < 2**15 else np.int32
    return _Combos(index.astype(small).reshape(-1), values, present)


def _grouped_by_bincount(arrays: dict[str, Any], combos: _Combos, keys: list[str],
                         sizes: list[int]) -> tuple[list[str], list[tuple]] | None:
    """What `_grouped_with_median` returns (the same columns, the same figures), computed with
    numpy's bincount over the cached projection instead of DuckDB's hash aggregate over the
    registered Arrow table (which runs on one thread here and costs ~40 ms per call at 1M
    accounts). Each account's segment is one integer (mixed radix over the dimension codes, a
    missing value as its own code; accounts the filters drop go to one extra bin). The small
    columns are counted per (segment, combination of values) in one pass and multiplied out; MRR,
    seats and the sales-cycle days take one pass each. The median sales cycle is the middle one or
    two values by running counts, as in the SQL. None when the cells would be too many: the caller
    then runs the SQL."""
    n_rows = len(arrays["_active"])
    radix = [size + 1 for size in sizes]  # code `size` = a missing value
    n_cells = int(np.prod(radix, dtype=np.int64))
    n_combos = len(combos.values)
    cycle = arrays["_cycle"]
    if not pa.types.is_integer(cycle.type):
        return None
    cmin, cmax = pc.min(cycle).as_py(), pc.max(cycle).as_py()
    span = 0 if cmin is None else cmax - cmin + 1
    if (n_cells + 1) * n_combos > _BINCOUNT_MAX_CELLS or n_cells * span > _BINCOUNT_MAX_CELLS:
        return None
    seg = np.zeros(n_rows, dtype=np.int64)
    for key, size, r in zip(keys, sizes, radix):
        seg *= r
        seg += _np(pc.fill_null(arrays[key], size))
    if "_keep" in arrays:
        seg[~_np(arrays["_keep"])] = n_cells  # the bin of the accounts the filters drop
    bins = n_cells + 1
    by_combo = np.bincount(seg * n_combos + combos.index, minlength=bins * n_combos)
    by_combo = by_combo.reshape(bins, n_combos)[:n_cells]
    accounts = by_combo.sum(axis=1)
    present_cells = np.flatnonzero(accounts)
    by_combo = by_combo[present_cells]
    sums = by_combo @ combos.values  # cells x columns
    counts = by_combo @ combos.present

    col = {name: j for j, name in enumerate(_SMALL_COLUMNS)}

    def weighted(column: str) -> np.ndarray:
        arr = arrays[column]
        return np.bincount(seg, weights=_np(pc.fill_null(arr, 0) if arr.null_count else arr), minlength=bins)[present_cells]

    mrr, mrr_valid = weighted("_mrr_active"), counts[:, col["_mrr_active"]]
    seats, seats_n = weighted("_seats"), counts[:, col["_seats"]]
    seats_whole = pa.types.is_integer(arrays["_seats"].type)
    if span:
        # a missing cycle as one more value (span), the dropped accounts in the last row: no copies
        offset = _np(pc.fill_null(pc.subtract(cycle.cast(pa.int64()), cmin), span))
        hist = np.bincount(seg * (span + 1) + offset, minlength=bins * (span + 1)).reshape(bins, span + 1)
        hist = hist[present_cells, :span]
    else:
        hist = np.zeros((len(present_cells), 0), dtype=np.int64)

    def median(h: np.ndarray) -> float | None:
        # as the SQL: the smallest value whose running count reaches (n + 1) // 2, and n // 2 + 1
        total = int(h.sum())
        if not total:
            return None
        cum = np.cumsum(h)
        lo = float(np.searchsorted(cum, (total + 1) // 2) + cmin)
        hi = float(np.searchsorted(cum, total // 2 + 1) + cmin)
        return lo + (hi - lo) * 0.5

    def row(values: dict[str, Any]) -> list[Any]:
        return [values[name] for name in names]

    names = [*keys, "_overall_row", "accounts", "active_accounts", "mrr_active", "mrr_n", "retention_n", "retained",
             "churned_undated", "churned_ever", "nps_n", "promoters", "detractors", "referrals", "channel_n",
             "sales_cycle_n", "won", "lost", "seats", "seats_n", "median_cycle"]

    def figures(n, small, small_n, mrr_sum, mrr_n, seats_sum, n_seats, h) -> dict[str, Any]:
        out: dict[str, Any] = {"accounts": n}
        for name, column, agg in _SMALL_SUMS:
            j = col[column]
            if agg == "count":
                out[name] = int(small_n[j])
            else:  # SQL's sum() of a column without a value is NULL
                out[name] = int(small[j]) if small_n[j] else None
        out["mrr_active"] = float(mrr_sum) if mrr_n else None
        out["sales_cycle_n"] = int(h.sum())
        out["seats"] = (int(seats_sum) if seats_whole else float(seats_sum)) / n_seats if n_seats else None
        out["seats_n"] = int(n_seats)
        out["median_cycle"] = median(h)
        return out

    rows = []
    codes = present_cells.copy()
    digits = []
    for r in reversed(radix):
        digits.append(codes % r)
        codes = codes // r
    digits.reverse()
    for i in range(len(present_cells)):
        values = figures(int(accounts[present_cells[i]]), sums[i], counts[i], mrr[i], mrr_valid[i], seats[i],
                         int(seats_n[i]), hist[i])
        for key, d, r in zip(keys, digits, radix):
            values[key] = None if d[i] == r - 1 else int(d[i])
        values["_overall_row"] = 0
        rows.append(tuple(row(values)))
    # the overall row (GROUPING SETS' ()): the cells rolled up; NULL sums when no account is left
    total_n = int(accounts.sum())
    if total_n:
        overall = figures(total_n, sums.sum(axis=0), counts.sum(axis=0), mrr.sum(), mrr_valid.sum(), seats.sum(),
                          int(seats_n.sum()), hist.sum(axis=0))
    else:
        overall = {name: None for name in names}
    overall.update({key: None for key in keys})
    overall["_overall_row"] = 1
    rows.append(tuple(row(overall)))
    return names, rows


def _grouped_from_facts(cur, skey: tuple, ctx: _Context, dims: list[Dimension], flts: list[Filter],
                        chans: list[str]) -> tuple[list[str], list[tuple], list[str]]:
    """`_grouped_with_median` over the cached projection: the same SQL and the same figures, but
    the per-account work (flags, referral, NPS and deals per account, dimension values, filters)
    is done once per data version instead of on every call. The dimension values are grouped as
    integer codes and turned back into their text afterwards."""
    proj = facts.cached(facts.projections, skey, ("segments.base", ctx, tuple(chans)),
                        lambda: _released(cur, _projection(cur, ctx, chans)))
    arrays = {c: proj.column(c) for c in proj.column_names}
    keys: list[str] = []
    labels: list[list] = []
    for i, d in enumerate(dims):
        alias = f"_k{i}"
        keys.append(alias)
        year = ctx.as_of.year if d.kind == "band" and d.name == "age_band" else None
        codes, values = facts.cached(facts.columns, skey, ("segments.dim", d, year, ctx.columns),
                                     lambda d=d: _released(cur, _dimension_column(cur, d, ctx)))
        arrays[alias] = codes
        labels.append(values)
    where = ""
    if flts:
        year = ctx.as_of.year if any(f.field == "age_band" for f in flts) else None
        arrays["_keep"] = facts.cached(facts.columns, skey, ("segments.mask", tuple(flts), year),
                                       lambda: _released(cur, _mask_column(cur, flts, ctx)))
        where = " WHERE _keep"
    combos = facts.cached(facts.columns, skey, ("segments.combos", ctx, tuple(chans)), lambda: _combos(proj))
    grouped = _grouped_by_bincount(arrays, combos, keys, [len(v) for v in labels]) if combos is not None else None
    if grouped is not None:
        out_cols, rows = grouped
    else:
        table = pa.table(arrays)  # zero-copy: the cached arrays side by side
        name = f"_facts_{uuid.uuid4().hex}"
        cur.register(name, table)
        try:
            q = _Sql()
            q.add(f"WITH dimk AS (SELECT * FROM {quote_ident(name)}{where})")
            _grouped_with_median(q, keys, from_facts=True)
            out_cols, rows = _fetch(cur, q)
        finally:
            cur.unregister(name)
    pos = [out_cols.index(k) for k in keys]
    decoded = []
    for r in rows:
        r = list(r)
        for p, values in zip(pos, labels):
            if r[p] is not None:
                r[p] = values[r[p]]
        decoded.append(tuple(r))
    return out_cols, decoded, keys


# --------------------------------------------------------------------------- figures

def _figures(row: dict, ctx: _Context, min_n: int, has: dict[str, bool]) -> dict:
    n = int(row["accounts"] or 0)
    active = int(row["active_accounts"] or 0)
    out: dict[str, Any] = {"accounts": n, "active_accounts": active}
    arr = None
    if has["mrr"]:
        arr = 12.0 * float(row["mrr_active"] or 0.0)
    out["arr"] = arr
    out["arpa"] = arr / active if (arr is not None and active) else None
    rn = int(row["retention_n"] or 0)
    retained = int(row["retained"] or 0)
    if ctx.has_churn_date:
        out["retention_12m"] = retained / rn if rn else None
        out["retention_n"] = rn
        out["retention_ci"] = list(wilson(retained, rn)) if rn else None
        out["lifetime_churn"] = None
    else:
        out["retention_12m"] = None
        out["retention_n"] = 0
        out["retention_ci"] = None
        churned = int(row["churned_ever"] or 0)
        out["lifetime_churn"] = churned / n if (n and has["churned"]) else None
    out["retained"] = retained
    out["churned_undated"] = int(row["churned_undated"] or 0)
    nn = int(row["nps_n"] or 0)
    p, d = int(row["promoters"] or 0), int(row["detractors"] or 0)
    out["nps"] = 100.0 * (p - d) / nn if nn else None
    out["nps_n"] = nn
    out["promoters"], out["detractors"] = p, d
    out["nps_ci"] = list(nps_interval(p, d, nn)) if nn else None
    refs, chan_n = int(row["referrals"] or 0), int(row["channel_n"] or 0)
    out["referral_rate"] = refs / n if (n and chan_n) else None
    out["referrals"] = refs
    out["referral_ci"] = list(wilson(refs, n)) if (n and chan_n) else None
    out["median_sales_cycle_days"] = float(row["median_cycle"]) if row["median_cycle"] is not None else None
    out["sales_cycle_n"] = int(row["sales_cycle_n"] or 0)
    won, lost = int(row["won"] or 0), int(row["lost"] or 0)
    out["win_rate"] = won / (won + lost) if (won + lost) else None
    out["win_n"] = won + lost
    out["win_ci"] = list(wilson(won, won + lost)) if (won + lost) else None
    out["seats"] = float(row["seats"]) if row["seats"] is not None else None
    out["seats_n"] = int(row["seats_n"] or 0)
    return out


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, digits)


def _lift(value: float | None, overall: float | None, metric: str) -> float | None:
    if value is None or overall is None or overall == 0:
        return None
    if metric == "nps" and overall <= 0:
        return None
    return value / overall


def segment_stats(
    cur: duckdb.DuckDBPyConnection,
    by: list[str] | tuple[str, ...],
    *,
    as_of: date | None = None,
    filters: list[Filter] | tuple[Filter, ...] | list[str] = (),
    min_n: int = MIN_N,
    channels: list[str] | tuple[str, ...] | None = None,
) -> dict:
    """Segment statistics and lifts for the dimensions `by` (see the module docstring)."""
    if not by:
        raise IcpError("segments.no_dimension")
    skey = facts.store_key(cur)
    ctx = _context(cur, as_of, skey)
    dims = [resolve_dimension(cur, b, list(ctx.columns)) for b in by]
    if len({d.name for d in dims}) != len(dims):
        raise IcpError("segments.same_dimension_twice")
    flts = [parse_filter(f) if isinstance(f, str) else f for f in filters]
    for f in flts:
        if f.field not in ctx.columns and f.field not in BANDS:
            raise IcpError("segments.unknown_filter_field", field=f.field, spec=f.spec())
    chans = normalise_channels(channels)

    single = not any(d.multi for d in dims)
    if single:
        # one scan: the segments and the overall row together (GROUPING SETS); only when every
        # account sits in exactly one segment (a multi-valued dimension repeats accounts)
        if skey is not None:
            cols, all_rows, keys = _grouped_from_facts(cur, skey, ctx, dims, flts, chans)
        else:
            q = _Sql()
            _base_sql(q, ctx, flts, chans)
            keys = _dim_sql(q, dims, ctx)
            _grouped_with_median(q, keys)
            cols, all_rows = _fetch(cur, q)
        flag = cols.index("_overall_row")
        over_rows = [r for r in all_rows if r[flag]]
        rows = [r for r in all_rows if not r[flag]]
        cols_over = cols
        row_over = over_rows
    else:
        q = _Sql()
        _base_sql(q, ctx, flts, chans)
        q.add(f" SELECT {_AGGS} FROM base")
        cols_over, row_over = _fetch(cur, q)
    over_raw = dict(zip(cols_over, row_over[0]))
    has = {
        "mrr": bool(over_raw["mrr_n"]),
        "churned": ctx.has_churned_flag or ctx.has_churn_date,
    }
    overall = _figures(over_raw, ctx, min_n, has)

    if not single:  # segments
        q = _Sql()
        _base_sql(q, ctx, flts, chans)
        keys = _dim_sql(q, dims, ctx)
        q.add(f" SELECT {', '.join(keys)}, {_AGGS} FROM dimk GROUP BY {', '.join(keys)}")
        cols, rows = _fetch(cur, q)

    total_n = overall["accounts"]
    total_arr = overall["arr"]
    segments = []
    for r in rows:
        raw = dict(zip(cols, r))
        seg = {"key": {d.name: raw[k] for d, k in zip(dims, keys)}}
        seg.update(_figures(raw, ctx, min_n, has))
        seg["share"] = seg["accounts"] / total_n if total_n else None
        seg["arr_share"] = (seg["arr"] / total_arr) if (seg["arr"] is not None and total_arr) else None
        seg["lift"] = {m: _lift(seg[m], overall[m], m) for m in LIFT_METRICS}
        seg["small"] = seg["accounts"] < min_n
        seg["small_metrics"] = {m: seg[nk] < min_n for m, (nk, _) in METRICS.items()}
        segments.append(seg)
    overall["share"] = 1.0 if total_n else None
    overall["arr_share"] = 1.0 if total_arr else None
    segments.sort(key=lambda s: _sort_key(s, dims))

    missing = []
    for metric, field_name in METRIC_FIELDS.items():
        value = overall[metric]
        if value is None and not (metric == "retention_12m" and overall.get("lifetime_churn") is not None):
            missing.append({"metric": metric, "field": _missing_field(metric, ctx, overall)})
    return {
        "as_of": ctx.as_of.isoformat(),
        "by": [d.name for d in dims],
        "multi_valued": [d.name for d in dims if d.multi],
        "filters": [f.spec() for f in flts],
        "min_n": min_n,
        "nps_source": ctx.nps_source,
        "retention_mode": "12m" if ctx.has_churn_date else "lifetime",
        "overall": overall,
        "segments": segments,
        "missing": missing,
    }


def _missing_field(metric: str, ctx: _Context, overall: dict) -> str:
    if metric == "arpa":
        return "mrr" if overall["active_accounts"] else "start_date"
    if metric == "retention_12m":
        return "churn_date" if "start_date" in ctx.columns else "start_date"
    if metric == "nps":
        return "nps_responses" if ctx.nps_source == "responses" else "nps"
    if metric == "win_rate":
        return "deals"
    return METRIC_FIELDS[metric]


def _fetch(cur, q: _Sql) -> tuple[list[str], list[tuple]]:
    res = cur.execute(q.text, q.params)
    cols = [c[0] for c in res.description]
    return cols, res.fetchall()


def _sort_key(seg: dict, dims: list[Dimension]):
    parts: list[Any] = [-seg["accounts"]]
    for d in dims:
        v = seg["key"][d.name]
        parts.append(v == UNKNOWN)
        order = BAND_ORDER.get(d.name)
        parts.append(order.index(v) if order and v in order else 0)
        parts.append(str(v))
    return parts


# --------------------------------------------------------------------------- helpers for pages / CLI

def key_id(key: dict) -> str:
    """A stable text id of a segment key (for overrides in saved settings)."""
    return json.dumps([[k, v] for k, v in key.items()], ensure_ascii=False)


def key_label(key: dict) -> str:
    """'industry = Maschinenbau, size_band = 51-200'."""
    return ", ".join(f"{k} = {v}" for k, v in key.items())


def best_segment(result: dict, metric: str) -> dict | None:
    """The best segment on a metric among those with n >= min_n for it (never a small one)."""
    nkey, higher = METRICS[metric]
    cands = [s for s in result["segments"] if s[metric] is not None and not s["small_metrics"][metric]]
    if not cands:
        return None
    return (max if higher else min)(cands, key=lambda s: s[metric])


def ranked(result: dict, metric: str) -> list[dict]:
    """Segments ordered best first on a metric: segments large enough for it first, then the
    small ones (marked), then those without a value."""
    nkey, higher = METRICS.get(metric, ("accounts", True))
    def k(s):
        v = s.get(metric)
        small = s["small_metrics"].get(metric, s["small"]) if metric in METRICS else s["small"]
        return (v is None, small, 0 if v is None else (-v if higher else v))
    return sorted(result["segments"], key=k)


def to_json(result: dict) -> dict:
    """The CLI.md JSON shape (rates as fractions, floats rounded)."""
    def clean(obj):
        if isinstance(obj, float):
            return _round(obj)
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [clean(v) for v in obj]
        return obj
    return clean(result)


# --------------------------------------------------------------------------- command line

def cli_result(cur: duckdb.DuckDBPyConnection, by: str, filters: list[str] | None = None, *,
               min_n: int | None = None, as_of: date | None = None) -> dict:
    """`icp segments`: the statistics in the CLI.md JSON shape, plus each segment's suggested
    group of the three (want_more / neutral / dont_want) with its score (icp_core.groups)."""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    result = segment_stats(cur, dims, as_of=as_of, filters=list(filters or []),
                           min_n=MIN_N if min_n is None else int(min_n))
    from icp_core.groups import DEFAULT_WEIGHTS, suggest_groups

    for seg, g in zip(result["segments"], suggest_groups(result, DEFAULT_WEIGHTS)):
        seg["group"] = g["group"]
        seg["score"] = g["score"]
    return to_json(result)


def render_text(result: dict, lang: str = "en") -> str:
    """The human table of `icp segments` (numbers per language)."""
    from icp_core.cli import format_table
    from icp_core.i18n import fmt_number, fmt_pct, t

    lifetime = result.get("retention_mode") == "lifetime"  # no churn_date: lifetime churn stands in

    def retention_cell(s: dict) -> str:
        if lifetime:
            return f"{fmt_pct(s.get('lifetime_churn'), lang)} (n={s['accounts']})"
        return f"{fmt_pct(s['retention_12m'], lang)} (n={s['retention_n']})"

    rows = []
    for s in result["segments"]:
        row = {f"k{i}": v for i, v in enumerate(s["key"].values())}
        row.update({
            "accounts": s["accounts"],
            "share": fmt_pct(s["share"], lang),
            "arpa": fmt_number(s["arpa"], lang),
            "retention": retention_cell(s),
            "nps": f"{fmt_number(s['nps'], lang)} (n={s['nps_n']})",
            "referral": fmt_pct(s["referral_rate"], lang),
            "cycle": fmt_number(s["median_sales_cycle_days"], lang),
            "lift": fmt_number(s["lift"]["arpa"], lang, 2),
            "group": t(f"segments.group.{s['group']}", lang) if s.get("group") else "",
            "small": t("segments.small_mark", lang) if s["small"] else "",
        })
        rows.append(row)
    o = result["overall"]
    columns = [(f"k{i}", d) for i, d in enumerate(result["by"])] + [
        ("accounts", t("segments.col.accounts", lang)), ("share", t("segments.col.share", lang)),
        ("arpa", t("segments.col.arpa", lang)), ("lift", t("segments.col.lift_arpa", lang)),
        ("retention", t("segments.col.lifetime_churn" if lifetime else "segments.col.retention", lang)),
        ("nps", t("segments.col.nps", lang)),
        ("referral", t("segments.col.referral", lang)), ("cycle", t("segments.col.cycle", lang)),
        ("group", t("segments.col.group", lang)), ("small", ""),
    ]
    head = t("segments.cli_overall", lang, accounts=fmt_number(o["accounts"], lang), as_of=result["as_of"],
             arpa=fmt_number(o["arpa"], lang), retention=fmt_pct(o["retention_12m"], lang), n=o["retention_n"],
             nps=fmt_number(o["nps"], lang), min_n=result["min_n"])
    lines = [head, format_table(rows, columns, lang)]
    if result["multi_valued"]:
        lines.append(t("segments.multi_note", lang, dims=", ".join(result["multi_valued"])))
    return "\n".join(lines)


# --------------------------------------------------------------------------- display rows for the page

METRIC_LABEL_KEYS = {
    "arpa": "segments.col.arpa", "retention_12m": "segments.col.retention", "nps": "segments.col.nps",
    "referral_rate": "segments.col.referral", "median_sales_cycle_days": "segments.col.cycle",
    "win_rate": "segments.col.win_rate", "seats": "segments.col.seats",
}
_CI = {"retention_12m": "retention_ci", "nps": "nps_ci", "referral_rate": "referral_ci", "win_rate": "win_ci"}


def chart_rows(result: dict, metric: str) -> list[dict]:
    """Rows for charts.heatmap / bar_with_intervals: the dimension values, value, interval, n."""
    nkey = METRICS[metric][0]
    rows = []
    for s in result["segments"]:
        ci = s.get(_CI.get(metric, ""), None) or [None, None]
        row = dict(s["key"])
        row.update({"value": s[metric], "low": ci[0], "high": ci[1], "n": s[nkey]})
        rows.append(row)
    return sorted(rows, key=lambda r: [_value_order(result, d, r[d]) for d in result["by"]])


def _value_order(result: dict, dim: str, value) -> tuple:
    """Bands in their natural order, other values by their number of accounts, (unknown) last."""
    if value == UNKNOWN:
        return (1, 0, "")
    order = BAND_ORDER.get(dim)
    if order and value in order:
        return (0, order.index(value), "")
    total = sum(s["accounts"] for s in result["segments"] if s["key"][dim] == value)
    return (0, -total, str(value))


def group_highlight(result: dict, suggestions: list[dict]) -> dict:
    """{category: more|neutral|less} for a one-dimension bar chart (charts.bar_with_intervals)."""
    role = {"want_more": "more", "neutral": "neutral", "dont_want": "less"}
    dim = result["by"][0]
    return {g["key"][dim]: role[g["group"]] for g in suggestions}


def _fmt_metric(metric: str, value, lang: str) -> str:
    from icp_core.i18n import fmt_money, fmt_number, fmt_pct

    if metric in ("retention_12m", "referral_rate", "win_rate", "share", "arr_share"):
        return fmt_pct(value, lang)
    if metric in ("arpa", "arr"):
        return fmt_money(value, lang)
    if metric == "seats":
        return fmt_number(value, lang, 1)
    return fmt_number(value, lang)


def table_rows(result: dict, ordered: list[dict], lang: str = "en") -> list[dict]:
    """The segment table as text cells in the user's language (ordered as given: best first)."""
    from icp_core.i18n import fmt_number, t

    def with_n(metric, s):
        if s[metric] is None:
            return "–"
        n = s[METRICS[metric][0]]
        mark = " ⚠" if n < result["min_n"] else ""
        return f"{_fmt_metric(metric, s[metric], lang)} (n={fmt_number(n, lang)}){mark}"

    out = []
    for s in ordered:
        row = {d: s["key"][d] for d in result["by"]}
        row[t("segments.col.accounts", lang)] = fmt_number(s["accounts"], lang)
        row[t("segments.col.active", lang)] = fmt_number(s["active_accounts"], lang)
        row[t("segments.col.share", lang)] = _fmt_metric("share", s["share"], lang)
        row[t("segments.col.arr", lang)] = _fmt_metric("arr", s["arr"], lang)
        row[t("segments.col.arr_share", lang)] = _fmt_metric("arr_share", s["arr_share"], lang)
        for m in METRICS:
            row[t(METRIC_LABEL_KEYS[m], lang)] = with_n(m, s)
            row[t("segments.col.lift", lang, metric=t(METRIC_LABEL_KEYS[m], lang))] = fmt_number(s["lift"][m], lang, 2)
        row[t("segments.col.small", lang)] = t("segments.small_mark", lang) if s["small"] else ""
        out.append(row)
    return out


def group_rows(suggestions: list[dict], lang: str = "en") -> list[dict]:
    from icp_core.groups import reason_text
    from icp_core.i18n import fmt_number, t

    out = []
    for g in suggestions:
        out.append({
            t("segments.col.segment", lang): key_label(g["key"]),
            t("segments.col.accounts", lang): fmt_number(g["accounts"], lang),
            t("segments.col.score", lang): fmt_number(g["score"], lang, 2),
            t("segments.col.suggested", lang): t(f"segments.group.{g['suggested']}", lang),
            t("segments.col.group", lang): t(f"segments.group.{g['group']}", lang),
            t("segments.col.source", lang): t(f"segments.source.{g['source']}", lang),
            t("segments.col.reasons", lang): "; ".join(reason_text(r, lang) for r in g["reasons"]),
        })
    return out


def what_if_rows(rows: list[dict], lang: str = "en") -> list[dict]:
    from icp_core.i18n import fmt_number, t

    def cell(metric, v, n):
        return f"{_fmt_metric(metric, v, lang)} (n={fmt_number(n, lang)})" if v is not None else "–"

    return [{
        t("segments.col.metric", lang): t(METRIC_LABEL_KEYS[r["metric"]], lang),
        t("segments.col.all", lang): cell(r["metric"], r["all"], r["all_n"]),
        t("segments.col.want_more_only", lang): cell(r["metric"], r["want_more"], r["want_more_n"]),
    } for r in rows]


def customer_rows(frame, lang: str = "en") -> list[dict]:
    from icp_core.i18n import t

    return [{
        t("segments.col.account_id", lang): r["account_id"],
        t("segments.col.company", lang): r["company_name"],
        t("segments.col.arr", lang): _fmt_metric("arr", r["arr"], lang) if r["active"] else "–",
        t("segments.col.group", lang): t(f"segments.group.{r['group']}", lang),
        t("segments.col.source", lang): t(f"segments.source.{r['source']}", lang),
    } for r in frame.to_dicts()]
