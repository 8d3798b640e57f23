"""Product-Market-Fit: the indicators of METRICS.md ("PMF verdict"), each with value, threshold,
n and pass/fail, and the detail figures the PMF page draws (NPS, referral, retention, Sean Ellis).

Every function takes a DuckDB cursor on the store and a frozen ``PmfSettings`` (hashable, so the
page can cache by it) and returns plain dicts / polars frames. A figure the data cannot give is
``None``; then ``reason`` names what is missing (an i18n key suffix ``pmf.reason.<reason>`` that
says which field is missing and how to add it).

Conventions (METRICS.md, followed literally; where it is silent, noted here):
- "the 12 months up to as_of" = dates d with ``one_year_before(as_of) < d <= as_of``.
- NPS answers come from ``nps_responses`` dated in that window when the table exists (undated
  answers cannot be placed and are left out, counted in ``undated``); else from ``accounts.nps``
  (one per account, no window). The referral score uses the same answers, restricted to referral
  customers (answers joined to ``accounts`` by ``account_id``).
- Accounts flagged ``churned`` without a ``churn_date`` are left out of every time-based
  retention figure (12-month base, cohorts), counted in ``excluded_churned_without_date``.
- Segment keys: an empty dimension value is the segment ``"(unknown)"``.
- Sean Ellis uses every answer in ``pmf_survey`` (METRICS.md sets no window). Persona join: an
  answer's ``respondent`` is matched (trimmed, case-insensitive) to ``contacts.contact_id`` or to a
  contacts column named ``email``/``e-mail`` when one was imported; when it matches no contact and
  the answer's account has exactly one contact, that contact is used; otherwise "(unknown)".
- NRR/GRR: the base is the accounts with MRR > 0 in ``mrr_history`` in the calendar month of
  ``one_year_before(as_of)``; their MRR in the month of as_of (0 when absent) over their MRR then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from icp_core import facts
from icp_core.errors import IcpError
from icp_core.metrics_common import (
    MIN_N,
    REFERRAL_CHANNELS,
    active_at_sql,
    age_band_sql,
    default_as_of,
    mode_sql,
    nps_interval,
    normalise_channels,
    one_year_before,
    quote_ident,
    referral_sql,
    revenue_band_sql,
    size_band_sql,
    table_columns,
    table_exists,
    wilson,
)

UNKNOWN = "(unknown)"
DERIVED_DIMENSIONS = ("size_band", "revenue_band", "age_band")
PERSONA_FIELDS = ("buying_role", "job_title", "seniority", "department", "age_group", "education")
INDICATORS = ("referral_score", "referral_share", "retention", "sean_ellis")
VERDICTS = ("reached", "partial", "not_yet", "unknown")


@dataclass(frozen=True)
class PmfSettings:
    """Everything the user can change on the PMF page (defaults from METRICS.md)."""

    as_of: date | None = None  # None: metrics_common.default_as_of
    referral_score_min: float = 9.0
    referral_share_min: float = 0.30
    retention_min: float = 0.90
    ellis_min: float = 0.40
    channels: tuple[str, ...] = REFERRAL_CHANNELS
    min_n: int = MIN_N
    dimensions: tuple[str, ...] = ("industry", "size_band")


def parse_channels(text: str) -> tuple[str, ...]:
    """'Referral, Empfehlung ,,partner' -> ('referral', 'empfehlung', 'partner') (trimmed, case-folded,
    order kept, duplicates dropped)."""
    out: list[str] = []
    for part in normalise_channels([p for p in (text or "").replace(";", ",").replace("\n", ",").split(",")]):
        if part not in out:
            out.append(part)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# context

@dataclass(frozen=True)
class _Ctx:
    as_of: date | None
    year_ago: date | None
    cols: frozenset[str] = field(default_factory=frozenset)
    tables: frozenset[str] = field(default_factory=frozenset)
    channels: tuple[str, ...] = ()
    # figures computed with this context, reused within one call (page_bundle draws the retention
    # by segment that the retention indicator already computed); never part of equality / hash
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # facts.store_key of the cursor: the per-account projections are cached under it (None: not cached)
    skey: tuple | None = field(default=None, compare=False, hash=False, repr=False)

    def has(self, col: str) -> bool:
        return col in self.cols

    def key(self) -> tuple:
        """What the cached projections depend on besides the data."""
        return (self.as_of, self.year_ago, self.cols, self.tables, self.channels)


_OPTIONAL_TABLES = ("accounts", "nps_responses", "pmf_survey", "mrr_history", "contacts")


def _tables_and_columns(cur: duckdb.DuckDBPyConnection) -> tuple[frozenset[str], frozenset[str]]:
    tables = frozenset(t for t in _OPTIONAL_TABLES if table_exists(cur, t))
    cols: frozenset[str] = frozenset()
    if "accounts" in tables:
        # the store creates every canonical column; a column counts only when it holds a value
        names = [c for c in table_columns(cur, "accounts") if not c.startswith("_")]
        # EXISTS stops at the first value (count() would read every row of every column)
        found = cur.execute("SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM accounts WHERE {quote_ident(c)} IS NOT NULL)"
                                                  for c in names)).fetchall()[0]
        cols = frozenset(c for c, k in zip(names, found) if k)
    return tables, cols


def _ctx(cur: duckdb.DuckDBPyConnection, s: PmfSettings) -> _Ctx:
    skey = facts.store_key(cur)
    # the tables, the filled columns and the default as_of are cached per data version (a count
    # of every column over all accounts is not free at a million accounts)
    tables, cols = facts.cached(facts.contexts, skey, ("pmf.tables",), lambda: _tables_and_columns(cur))
    if s.as_of is not None:
        as_of = s.as_of
    elif "accounts" in tables and "start_date" in cols:
        as_of = facts.cached(facts.contexts, skey, ("pmf.default_as_of", date.today()), lambda: default_as_of(cur))
    else:
        as_of = None
    return _Ctx(
        as_of=as_of,
        year_ago=one_year_before(as_of) if as_of else None,
        cols=cols,
        tables=tables,
        channels=tuple(normalise_channels(s.channels)) if s.channels else (),
        skey=skey,
    )


# ---------------------------------------------------------------------------------------------
# cached per-account projections (icp_core.facts): the per-row work of every figure below (dates
# to flags, the referral channel test, the dimension values, answers joined to their account)
# done once per data version and choice of as_of / channels; the figures are aggregates over it.

def _acc_facts(cur: duckdb.DuckDBPyConnection, ctx: _Ctx) -> pa.Table | None:
    """One row per account (row-id order): ref, excl, act_now, act_prev, new, started, quarter,
    mrr0, mrr_has, cohort_m (months since 1970-01 of start_date), k0, kend (cohort_matrix: the
    first month no longer active, max(kc, k0); -1 = still active). None when not cached (no store key, no as_of, no start_date)."""
    if ctx.skey is None or ctx.as_of is None or "accounts" not in ctx.tables or not ctx.has("start_date"):
        return None

    def build() -> pa.Table:
        ref = referral_sql("a") if ctx.has("acquisition_channel") and ctx.channels else "FALSE"
        ref_params = [list(ctx.channels)] if ref != "FALSE" else []
        mrr = "coalesce(a.mrr, 0)" if ctx.has("mrr") else "0.0"
        has_mrr = "a.mrr IS NOT NULL" if ctx.has("mrr") else "FALSE"
        if ctx.has("churn_date"):
            kc = ("CASE WHEN a.churn_date IS NULL THEN NULL ELSE date_diff('month', date_trunc('month', a.start_date), "
                  "a.churn_date) + CASE WHEN day(a.churn_date) = 1 THEN 0 ELSE 1 END END")
        else:
            kc = "NULL::BIGINT"
        frame = cur.sql(
            f"SELECT CAST({ref} AS TINYINT) AS ref, CAST({_excluded_sql(ctx)} AS TINYINT) AS excl, "
            f"CAST(coalesce({_active(ctx)}, FALSE) AS TINYINT) AS act_now, "
            f"CAST(coalesce({_active(ctx)}, FALSE) AS TINYINT) AS act_prev, "
            "CAST(coalesce(a.start_date > ? AND a.start_date <= ?, FALSE) AS TINYINT) AS new, "
            "CAST(coalesce(a.start_date <= ?, FALSE) AS TINYINT) AS started, "
            "date_trunc('quarter', a.start_date)::DATE AS quarter, "
            f"CAST({mrr} AS DOUBLE) AS mrr0, CAST({has_mrr} AS TINYINT) AS mrr_has, "
            "CAST((year(a.start_date) - 1970) * 12 + month(a.start_date) - 1 AS INTEGER) AS cohort_m, "
            "CAST(CASE WHEN day(a.start_date) = 1 THEN 0 ELSE 1 END AS TINYINT) AS k0, "
            f"CAST(CASE WHEN ({kc}) IS NULL THEN -1 ELSE greatest({kc}, CASE WHEN day(a.start_date) = 1 THEN 0 ELSE 1 END) "
            "END AS INTEGER) AS kend, a.rowid AS _rowid "
            "FROM accounts a",
            params=ref_params + _active_params(ctx, ctx.as_of) + _active_params(ctx, ctx.year_ago)
            + [ctx.year_ago, ctx.as_of, ctx.as_of],
        ).to_arrow_table()
        return _in_rowid_order(frame)

    return facts.cached(facts.projections, ctx.skey, ("pmf.accounts", *ctx.key()), build)


def _in_rowid_order(table: pa.Table) -> pa.Table:
    """The rows of a scan of accounts with its `_rowid` column in row-id order (as ``ORDER BY
    rowid``), without that column, in one chunk. A plain scan already yields them in that order
    (checked), which spares DuckDB the sort."""
    rowid = _np(table.column("_rowid"))
    table = table.drop_columns(["_rowid"])
    if len(rowid) > 1 and not bool(np.all(rowid[1:] > rowid[:-1])):
        table = table.take(pa.array(np.argsort(rowid, kind="stable")))
    return _one_chunk(table)


def _one_chunk(table: pa.Table) -> pa.Table:
    """Every column in one contiguous chunk (numpy views without copies)."""
    return table.combine_chunks()


def _active_params(ctx: _Ctx, day: date) -> list:
    return [day, day] if ctx.has("churn_date") else [day]


def _answer_facts(cur: duckdb.DuckDBPyConnection, ctx: _Ctx) -> pa.Table | None:
    """The NPS answers of METRICS.md (see _answers_sql): score, arow (the account's row id, null
    when the answer's account is not in accounts), ref (the account is a referral customer)."""
    source = _nps_source(ctx)
    if ctx.skey is None or source is None or ctx.as_of is None:
        return None

    def build() -> pa.Table:
        ref = referral_sql("a") if ctx.has("acquisition_channel") and ctx.channels and "accounts" in ctx.tables else "FALSE"
        params: list = [list(ctx.channels)] if ref != "FALSE" else []
        if source == "nps_responses":
            if "accounts" in ctx.tables:
                sql = (f"SELECT r.score AS score, CAST(a.rowid AS BIGINT) AS arow, CAST({ref} AS TINYINT) AS ref "
                       "FROM nps_responses r LEFT JOIN accounts a ON a.account_id = r.account_id")
            else:
                sql = "SELECT r.score AS score, CAST(NULL AS BIGINT) AS arow, CAST(0 AS TINYINT) AS ref FROM nps_responses r"
            sql += " WHERE r.score IS NOT NULL AND r.date > ? AND r.date <= ?"
            params += [ctx.year_ago, ctx.as_of]
        else:
            sql = (f"SELECT a.nps AS score, CAST(a.rowid AS BIGINT) AS arow, CAST({ref} AS TINYINT) AS ref "
                   "FROM accounts a WHERE a.nps IS NOT NULL")
        return _one_chunk(cur.sql(sql, params=params).pl().to_arrow())

    return facts.cached(facts.projections, ctx.skey, ("pmf.answers", source, *ctx.key()), build)


def _survey_facts(cur: duckdb.DuckDBPyConnection, ctx: _Ctx) -> pa.Table | None:
    """The Sean Ellis answers (answer IS NOT NULL) with their account's row id (null: no account)."""
    if ctx.skey is None:
        return None
    return facts.cached(facts.columns, ctx.skey, ("pmf.survey",), lambda: cur.sql(
        "SELECT s.answer, CAST(a.rowid AS BIGINT) AS arow FROM pmf_survey s "
        "LEFT JOIN accounts a ON a.account_id = s.account_id WHERE s.answer IS NOT NULL").pl().to_arrow())


def _dim_codes(cur: duckdb.DuckDBPyConnection, ctx: _Ctx, dim: str) -> tuple[pa.Array, list[str]]:
    """A dimension's value per account (row-id order) as integer codes, and the values."""
    expr = _dim_expr(ctx, dim, "a")  # raises pmf.unknown_dimension first
    year = ctx.as_of.year if dim == "age_band" and ctx.as_of else None

    def build():
        values = _in_rowid_order(cur.sql(f"SELECT {expr} AS v, a.rowid AS _rowid FROM accounts a").to_arrow_table())
        encoded = pc.dictionary_encode(values.column("v").chunk(0) if values.num_rows else pa.array([], pa.string()))
        return encoded.indices.cast(pa.int32()), encoded.dictionary.to_pylist()

    return facts.cached(facts.columns, ctx.skey, ("pmf.dim", dim, year, ctx.cols), build)


def _agg(ctx: _Ctx, key: tuple, build, data_only: bool = False):
    """A small aggregate (a tuple of numbers or a small frame) cached per data version
    (facts.aggregates) and, unless `data_only`, per context (as_of, channels, filled columns);
    computed directly when the cursor has no store key. Frames come back as a clone (the cached
    one is never handed out, so nobody can rename or extend it in place)."""
    value = facts.cached(facts.aggregates, ctx.skey, ("pmf", *key) if data_only else ("pmf", *key, *ctx.key()), build)
    return value.clone() if isinstance(value, pl.DataFrame) else value


def _columns_of(cur: duckdb.DuckDBPyConnection, ctx: _Ctx, table: str) -> list[str]:
    """table_columns(cur, table), once per data version."""
    return list(facts.cached(facts.aggregates, ctx.skey, ("pmf.columns", table), lambda: tuple(table_columns(cur, table))))


def _run(cur: duckdb.DuckDBPyConnection, arrays: dict, sql: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
    """Runs `sql` with `{t}` standing for a table of the given arrays (zero-copy), as a polars frame."""
    name = f"_pmf_{uuid.uuid4().hex}"
    cur.register(name, pa.table(arrays))
    try:
        return cur.sql(sql.replace("{t}", quote_ident(name)), params=params or []).pl()
    finally:
        cur.unregister(name)


def _np(column) -> np.ndarray:
    """An Arrow column as a numpy array (zero-copy where Arrow allows)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column.to_numpy(zero_copy_only=False)


def _by_date(days: np.ndarray, name: str, counts: dict[str, np.ndarray | None],
             sums: dict[str, np.ndarray]) -> pl.DataFrame:
    """Per distinct date (days since 1970-01-01) in ascending order, like `GROUP BY date ORDER BY
    date`: for each name of `counts` the number of rows (None) or of rows whose flag is true, for
    each name of `sums` the sum of the values (Float64)."""
    schema = {name: pl.Date} | {k: pl.Int64 for k in counts} | {k: pl.Float64 for k in sums}
    if len(days) == 0:
        return pl.DataFrame(schema=schema)
    low = int(days.min())
    span = int(days.max()) - low + 1
    if span > 10_000_000:  # far-apart dates: compact them first
        uniq, key = np.unique(days, return_inverse=True)
        size = len(uniq)
    else:
        uniq, key, size = None, (days - low).astype(np.int64), span
    rows = np.bincount(key, minlength=size)
    present = np.flatnonzero(rows)
    cols: dict[str, Any] = {name: (uniq[present] if uniq is not None else present + low).astype("datetime64[D]")}
    for k, flag in counts.items():
        cols[k] = (rows if flag is None else np.bincount(key[flag], minlength=size))[present]
    for k, values in sums.items():
        cols[k] = np.bincount(key, weights=values, minlength=size)[present]
    return pl.DataFrame({k: pl.Series(k, v).cast(schema[k]) for k, v in cols.items()})


def _grouped(cur: duckdb.DuckDBPyConnection, ctx: _Ctx, dims: tuple[str, ...], counts: dict[str, np.ndarray | None],
             where: np.ndarray | None = None, rows: pa.ChunkedArray | None = None) -> pl.DataFrame:
    """Per segment of `dims`: for each name of `counts`, the number of rows (None) or of rows whose
    flag is true; only rows where `where` is true. The dimension values come from the cached codes
    (per account); `rows`: the account row id of each row (answers), null = no account, whose
    rows go to "(unknown)". Counting is a bincount over one combined integer key per row."""
    key = None
    labels: list[list[str]] = []
    sizes: list[int] = []
    total = 1
    for d in dims:
        total *= len(_dim_codes(cur, ctx, d)[1]) + 1
    itype = np.int32 if total < 2**31 else np.int64  # narrower keys: faster arithmetic and counting
    for d in dims:
        codes, values = _dim_codes(cur, ctx, d)
        codes = _np(codes).astype(itype, copy=False)
        values = list(values)
        if rows is not None:
            if UNKNOWN not in values:
                values.append(UNKNOWN)
            ids = _np(rows)
            missing = np.isnan(ids) if ids.dtype.kind == "f" else np.zeros(len(ids), dtype=bool)
            taken = np.full(len(ids), values.index(UNKNOWN), dtype=itype)
            taken[~missing] = codes[ids[~missing].astype(np.int64)]
            codes = taken
        key = codes if key is None else key * len(values) + codes
        labels.append(values)
        sizes.append(len(values))
    total = int(np.prod(sizes, dtype=np.int64))
    if where is not None:
        key = key[where]
    if total > 50_000_000:  # too many combinations for a dense count: compact the keys first
        uniq, key = np.unique(key, return_inverse=True)
    else:
        uniq = None
    size = len(uniq) if uniq is not None else total
    out: dict[str, np.ndarray] = {}
    for name, flag in counts.items():
        if flag is None:
            out[name] = np.bincount(key, minlength=size)
        else:
            flag = flag[where] if where is not None else flag
            out[name] = np.bincount(key[flag], minlength=size)
    first = next(iter(out))
    present = np.flatnonzero(out[first]) if counts[first] is None else np.flatnonzero(sum(out.values()))
    combined = uniq[present] if uniq is not None else present
    columns: dict[str, pl.Series] = {}
    rest = combined.copy()
    decoded = []
    for values, n in zip(reversed(labels), reversed(sizes)):
        rest, code = np.divmod(rest, n)
        decoded.append(pl.Series(values, dtype=pl.String).gather(pl.Series(code.astype(np.uint32))))
    for d, series in zip(dims, reversed(decoded)):
        columns[d] = series.alias(d)
    for name, values in out.items():
        columns[name] = pl.Series(name, values[present], dtype=pl.Int64)
    return pl.DataFrame(columns)


def resolve_as_of(cur: duckdb.DuckDBPyConnection, settings: PmfSettings) -> date | None:
    return _ctx(cur, settings).as_of


def available_dimensions(cur: duckdb.DuckDBPyConnection, _c: _Ctx | None = None) -> list[str]:
    """Dimensions the accounts table offers for segmenting: canonical fields, bands, extra columns.
    ``_c``: a context already made for this cursor (its filled columns are reused)."""
    ctx = _c if _c is not None and "accounts" in _c.tables else _ctx(cur, PmfSettings(as_of=date(2000, 1, 1)))
    if "accounts" not in ctx.tables:
        return []
    return list(_agg(ctx, ("dimensions", ctx.cols), lambda: tuple(_dimensions_of(_columns_of(cur, ctx, "accounts"), ctx.cols)),
                     data_only=True))


def _dimensions_of(columns: list[str], filled: frozenset[str]) -> list[str]:
    cols = [c for c in columns if c in filled]
    skip = {"account_id", "company_name", "first_contact_date", "start_date", "churn_date", "mrr", "arr",
            "seats", "sales_cycle_days", "nps", "tech_stack", "employees", "annual_revenue", "founded_year",
            "department_size", "_import_id", "_row"}
    out = [c for c in cols if c not in skip]
    for band, src in (("size_band", "employees"), ("revenue_band", "annual_revenue"), ("age_band", "founded_year")):
        if src in cols:
            out.append(band)
    return out


def available_persona_fields(cur: duckdb.DuckDBPyConnection, _c: _Ctx | None = None) -> list[str]:
    ctx = _c or _ctx(cur, PmfSettings(as_of=date(2000, 1, 1)))
    if "contacts" not in ctx.tables:
        return []
    cols = set(_columns_of(cur, ctx, "contacts"))
    return [f for f in PERSONA_FIELDS if f in cols]


def _dim_expr(ctx: _Ctx, dim: str, alias: str = "a") -> str:
    """SQL expression (VARCHAR, never NULL) of a segment dimension over accounts `alias`."""
    p = f"{alias}." if alias else ""
    if dim == "size_band" and ctx.has("employees"):
        expr = size_band_sql().replace('"employees"', f'{p}"employees"')
    elif dim == "revenue_band" and ctx.has("annual_revenue"):
        expr = revenue_band_sql().replace('"annual_revenue"', f'{p}"annual_revenue"')
    elif dim == "age_band" and ctx.has("founded_year") and ctx.as_of:
        expr = age_band_sql(ctx.as_of.year).replace('"founded_year"', f'{p}"founded_year"')
    elif dim.startswith("tech:") and ctx.has("tech_stack"):
        tool = dim[5:].strip().casefold().replace("'", "''")
        expr = (f"CASE WHEN list_contains(list_transform(coalesce({p}tech_stack, []::VARCHAR[]), lambda x: lower(x)), "
                f"'{tool}') THEN 'yes' ELSE 'no' END")
    elif dim in ctx.cols and not dim.startswith("_"):
        expr = f"CAST({p}{quote_ident(dim)} AS VARCHAR)"
    else:
        raise IcpError("pmf.unknown_dimension", dimension=dim)
    return f"coalesce(NULLIF(trim({expr}), ''), '{UNKNOWN}')"


def _dims_select(ctx: _Ctx, dims: tuple[str, ...], alias: str = "a") -> str:
    return ", ".join(f"{_dim_expr(ctx, d, alias)} AS {quote_ident(d)}" for d in dims)


def _excluded_sql(ctx: _Ctx, alias: str = "a") -> str:
    """Accounts flagged churned without a churn_date: they cannot be placed in time."""
    p = f"{alias}." if alias else ""
    if ctx.has("churned") and ctx.has("churn_date"):
        return f"(coalesce({p}churned, FALSE) AND {p}churn_date IS NULL)"
    if ctx.has("churned"):
        return f"coalesce({p}churned, FALSE)"
    return "FALSE"


def _active(ctx: _Ctx, alias: str = "a") -> str:
    if ctx.has("churn_date"):
        return active_at_sql("?", alias)
    p = f"{alias}." if alias else ""
    return f"({p}start_date <= ?)"


# ---------------------------------------------------------------------------------------------
# NPS

def _nps_source(ctx: _Ctx) -> str | None:
    if "nps_responses" in ctx.tables:
        return "nps_responses"
    if ctx.has("nps"):
        return "accounts"
    return None


def _answers_sql(ctx: _Ctx, referral_only: bool = False, dims: tuple[str, ...] = ()) -> tuple[str, list]:
    """A subquery of NPS answers (score plus dims) per METRICS.md, and its parameters."""
    source = _nps_source(ctx)
    params: list = []
    extra = ""
    if dims:
        extra = ", " + _dims_select(ctx, dims, "a")
    if source == "nps_responses":
        join = "LEFT JOIN accounts a ON a.account_id = r.account_id" if "accounts" in ctx.tables else ""
        where = "r.score IS NOT NULL AND r.date > ? AND r.date <= ?"
        params += [ctx.year_ago, ctx.as_of]
        if referral_only:
            where += " AND " + referral_sql("a")
            params.append(list(ctx.channels))
        return f"(SELECT r.score AS score{extra} FROM nps_responses r {join} WHERE {where})", params
    where = "a.nps IS NOT NULL"
    if referral_only:
        where += " AND " + referral_sql("a")
        params.append(list(ctx.channels))
    return f"(SELECT a.nps AS score{extra} FROM accounts a WHERE {where})", params


_COUNTS = ("count(*) AS n, count(*) FILTER (WHERE score >= 9) AS promoters, "
           "count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives, count(*) FILTER (WHERE score <= 6) AS detractors")


def _nps_value(promoters: int, detractors: int, n: int) -> float | None:
    return 100.0 * (promoters - detractors) / n if n else None


def nps_summary(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict:
    """NPS over the answers of METRICS.md: value, n, promoters, passives, detractors, low, high."""
    ctx = _c or _ctx(cur, settings)
    out = {"value": None, "n": 0, "promoters": 0, "passives": 0, "detractors": 0, "low": None, "high": None,
           "source": _nps_source(ctx), "undated": 0, "reason": None}
    if out["source"] is None:
        out["reason"] = "no_nps"
        return out
    if out["source"] == "nps_responses" and ctx.as_of is None:
        out["reason"] = "no_as_of"
        return out

    def counts() -> tuple:
        ans = _answer_facts(cur, ctx)
        if ans is not None:
            return tuple(_run(cur, {"score": ans.column("score")}, f"SELECT {_COUNTS} FROM {{t}}").row(0))
        sub, params = _answers_sql(ctx)
        return tuple(cur.execute(f"SELECT {_COUNTS} FROM {sub}", params).fetchall()[0])

    n, p, pa, d = _agg(ctx, ("nps_counts",), counts)
    out.update(n=n, promoters=p, passives=pa, detractors=d, value=_nps_value(p, d, n))
    out["low"], out["high"] = nps_interval(p, d, n)
    if out["source"] == "nps_responses":
        out["undated"] = facts.cached(facts.contexts, ctx.skey, ("pmf.undated",), lambda: cur.execute(
            "SELECT count(*) FROM nps_responses WHERE date IS NULL").fetchall()[0][0])
    if not n:
        out["reason"] = "no_nps_in_window" if out["source"] == "nps_responses" else "no_nps"
    return out


def nps_histogram(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> pl.DataFrame:
    """Answers per score 0..10 (every score present, 0 when nobody gave it)."""
    ctx = _c or _ctx(cur, settings)
    if _nps_source(ctx) is None or (_nps_source(ctx) == "nps_responses" and ctx.as_of is None):
        return pl.DataFrame({"score": [], "count": []}, schema={"score": pl.Int64, "count": pl.Int64})
    sql = ("SELECT s.score::BIGINT AS score, count(x.score)::BIGINT AS count FROM range(0, 11) s(score) "
           "LEFT JOIN {sub} x ON x.score = s.score GROUP BY s.score ORDER BY s.score")

    def build() -> pl.DataFrame:
        ans = _answer_facts(cur, ctx)
        if ans is not None:
            return _run(cur, {"score": ans.column("score")}, sql.replace("{sub}", "{t}"))
        sub, params = _answers_sql(ctx)
        return cur.sql(sql.replace("{sub}", sub), params=params).pl()

    return _agg(ctx, ("nps_histogram",), build)


def _finish_nps(frame: pl.DataFrame, min_n: int) -> pl.DataFrame:
    rows = []
    for r in frame.iter_rows(named=True):
        lo, hi = nps_interval(r["promoters"], r["detractors"], r["n"])
        r.update(nps=_nps_value(r["promoters"], r["detractors"], r["n"]), low=lo, high=hi, small=r["n"] < min_n)
        rows.append(r)
    schema = dict(frame.schema) | {"nps": pl.Float64, "low": pl.Float64, "high": pl.Float64, "small": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def nps_by_segment(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, dims: tuple[str, ...], _c: _Ctx | None = None) -> pl.DataFrame:
    """NPS per segment of `dims` with its adjusted-Wald interval; `small` when n < min_n.
    Sorted by NPS (small segments last), so the first row is never a small one unless all are."""
    ctx = _c or _ctx(cur, settings)
    if _nps_source(ctx) is None or ctx.as_of is None or not dims or "accounts" not in ctx.tables:
        return pl.DataFrame()

    def build() -> pl.DataFrame:
        ans = _answer_facts(cur, ctx)
        if ans is not None:
            score = _np(ans.column("score"))
            return _grouped(cur, ctx, dims, {"n": None, "promoters": score >= 9, "passives": (score >= 7) & (score <= 8),
                                             "detractors": score <= 6}, rows=ans.column("arow"))
        sub, params = _answers_sql(ctx, dims=dims)
        keys = ", ".join(quote_ident(d) for d in dims)
        return cur.sql(f"SELECT {keys}, {_COUNTS} FROM {sub} GROUP BY ALL", params=params).pl()

    frame = _agg(ctx, ("nps_by_segment", tuple(dims)), build)
    return _sorted(_finish_nps(frame, settings.min_n), "nps", dims)


def nps_trend(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> pl.DataFrame | None:
    """NPS per calendar quarter of the answer date (answers dated up to as_of). None without
    dated answers (accounts.nps has no date)."""
    ctx = _c or _ctx(cur, settings)
    if "nps_responses" not in ctx.tables or ctx.as_of is None:
        return None
    sql = f"SELECT quarter, {_COUNTS} FROM {{sub}} GROUP BY ALL ORDER BY quarter"
    sub = ("(SELECT date_trunc('quarter', date)::DATE AS quarter, score FROM nps_responses "
           "WHERE score IS NOT NULL AND date <= ?)")

    def build() -> pl.DataFrame:
        if ctx.skey is not None:
            # the answers' quarters and scores up to as_of, once per data version and as_of
            days = "CAST(date_diff('day', DATE '1970-01-01', quarter) AS INTEGER)"
            answers = facts.cached(facts.projections, ctx.skey, ("pmf.trend", ctx.as_of), lambda: _one_chunk(
                cur.sql(f"SELECT {days} AS quarter, score FROM {sub}", params=[ctx.as_of]).pl().to_arrow()))
            score = _np(answers.column("score"))
            return _by_date(_np(answers.column("quarter")), "quarter",
                            {"n": None, "promoters": score >= 9, "passives": (score >= 7) & (score <= 8),
                             "detractors": score <= 6}, {})
        return cur.sql(sql.replace("{sub}", sub), params=[ctx.as_of]).pl()

    # the counts per quarter depend on the data and as_of only
    frame = facts.cached(facts.aggregates, ctx.skey, ("pmf.nps_trend", ctx.as_of), build)
    return _finish_nps(frame, settings.min_n)


def _sorted(frame: pl.DataFrame, metric: str, dims: tuple[str, ...]) -> pl.DataFrame:
    """Best first, small segments after all others; adds `segment` = the key values joined by ' x '."""
    if frame.is_empty():
        return frame
    frame = frame.with_columns(pl.concat_str([pl.col(d).cast(pl.String) for d in dims], separator=" x ").alias("segment"))
    return frame.sort(["small", metric, "n", *dims], descending=[False, True, True, *([False] * len(dims))],
                      nulls_last=True)


# ---------------------------------------------------------------------------------------------
# Referral

def _referral_reason(ctx: _Ctx, cur: duckdb.DuckDBPyConnection) -> str | None:
    if "accounts" not in ctx.tables:
        return "no_accounts"
    if not ctx.has("acquisition_channel"):
        return "no_channel"
    if not ctx.channels:
        return "no_channel_list"
    return None


def referral_score(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict:
    """PMF indicator 1: the mean NPS score of referral customers' answers; passes at >= threshold."""
    ctx = _c or _ctx(cur, settings)
    out = {"mean": None, "n": 0, "pass": None, "threshold": settings.referral_score_min, "small": False,
           "reason": _referral_reason(ctx, cur)}
    if out["reason"] is None and _nps_source(ctx) is None:
        out["reason"] = "no_nps"
    if out["reason"] is None and ctx.as_of is None:
        out["reason"] = "no_as_of"
    if out["reason"]:
        return out

    def build() -> tuple:
        ans = _answer_facts(cur, ctx)
        if ans is not None:
            return tuple(_run(cur, {"score": ans.column("score"), "ref": ans.column("ref")},
                              "SELECT count(*), avg(score) FROM {t} WHERE ref = 1").row(0))
        sub, params = _answers_sql(ctx, referral_only=True)
        return tuple(cur.execute(f"SELECT count(*), avg(score) FROM {sub}", params).fetchall()[0])

    n, mean = _agg(ctx, ("referral_score",), build)
    out.update(n=n, mean=mean, small=n < settings.min_n)
    if n:
        out["pass"] = bool(mean >= settings.referral_score_min)
    else:
        out["reason"] = "no_referral_answers"
    return out


def referral_share(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict:
    """PMF indicator 2: referral share of new business (start_date in the 12 months up to as_of)
    by revenue (mrr; empty = 0) and by count; passes on the revenue share, or on the count share
    when no new account has an mrr."""
    ctx = _c or _ctx(cur, settings)
    out = {"revenue_share": None, "count_share": None, "n_new": 0, "n_new_referral": 0, "mrr_new": None,
           "mrr_new_referral": None, "basis": None, "pass": None, "threshold": settings.referral_share_min,
           "reason": _referral_reason(ctx, cur)}
    if out["reason"] is None and not ctx.has("start_date"):
        out["reason"] = "no_start_date"
    if out["reason"] is None and ctx.as_of is None:
        out["reason"] = "no_as_of"
    if out["reason"]:
        return out

    def build() -> tuple:
        acc = _acc_facts(cur, ctx)
        if acc is not None:
            return tuple(_run(
                cur, {c: acc.column(c) for c in ("new", "ref", "mrr0", "mrr_has")},
                "SELECT count(*), count(*) FILTER (WHERE ref = 1), sum(mrr0), sum(mrr0) FILTER (WHERE ref = 1), "
                "sum(mrr_has) FROM {t} WHERE new = 1").row(0))
        mrr = "coalesce(a.mrr, 0)" if ctx.has("mrr") else "0"
        has_mrr = "count(a.mrr)" if ctx.has("mrr") else "0"
        ref = referral_sql("a")
        return tuple(cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {ref}), sum({mrr}), sum({mrr}) FILTER (WHERE {ref}), {has_mrr} "
            "FROM accounts a WHERE a.start_date > ? AND a.start_date <= ?",
            [list(ctx.channels), list(ctx.channels), ctx.year_ago, ctx.as_of],
        ).fetchall()[0])

    n, n_ref, m, m_ref, m_count = _agg(ctx, ("referral_share",), build)
    out.update(n_new=n, n_new_referral=n_ref)
    if not n:
        out["reason"] = "no_new_accounts"
        return out
    out["count_share"] = n_ref / n
    if m_count:
        out["mrr_new"] = float(m or 0)
        out["mrr_new_referral"] = float(m_ref or 0)
        if out["mrr_new"] > 0:
            out["revenue_share"] = out["mrr_new_referral"] / out["mrr_new"]
    if out["revenue_share"] is not None:
        out["basis"] = "revenue"
        out["pass"] = bool(out["revenue_share"] >= settings.referral_share_min)
    else:
        out["basis"] = "count"
        out["pass"] = bool(out["count_share"] >= settings.referral_share_min)
    return out


def referral_share_by_quarter(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> pl.DataFrame:
    """New accounts per calendar quarter of start_date (up to as_of): n, referral n, shares."""
    ctx = _c or _ctx(cur, settings)
    if _referral_reason(ctx, cur) or not ctx.has("start_date") or ctx.as_of is None:
        return pl.DataFrame()
    return _agg(ctx, ("referral_by_quarter",), lambda: _referral_by_quarter(cur, ctx))


def _referral_by_quarter(cur: duckdb.DuckDBPyConnection, ctx: _Ctx) -> pl.DataFrame:
    acc = _acc_facts(cur, ctx)
    if acc is not None:
        started = _np(acc.column("started")) == 1
        ref = _np(acc.column("ref"))[started] == 1
        mrr = _np(acc.column("mrr0"))[started]
        frame = _by_date(_np(pc.fill_null(pc.cast(acc.column("quarter"), pa.int32()), 0))[started], "quarter",
                         {"n": None, "n_referral": ref}, {"mrr": mrr, "mrr_referral": np.where(ref, mrr, 0.0)})
    else:
        mrr = "coalesce(a.mrr, 0)" if ctx.has("mrr") else "0"
        ref = referral_sql("a")
        frame = cur.sql(
            f"SELECT date_trunc('quarter', a.start_date)::DATE AS quarter, count(*) AS n, "
            f"count(*) FILTER (WHERE {ref}) AS n_referral, sum({mrr})::DOUBLE AS mrr, "
            f"coalesce(sum({mrr}) FILTER (WHERE {ref}), 0)::DOUBLE AS mrr_referral "
            "FROM accounts a WHERE a.start_date <= ? GROUP BY ALL ORDER BY quarter",
            params=[list(ctx.channels), list(ctx.channels), ctx.as_of],
        ).pl()
    return frame.with_columns(
        count_share=pl.col("n_referral") / pl.col("n"),
        revenue_share=pl.when(pl.col("mrr") > 0).then(pl.col("mrr_referral") / pl.col("mrr")).otherwise(None),
    )


def referral_share_by_quarter_long(cur: duckdb.DuckDBPyConnection, settings: PmfSettings,
                                   labels: tuple[tuple[str, str], ...] = (("revenue", "revenue"), ("count", "count")),
                                   _c: _Ctx | None = None) -> pl.DataFrame:
    """The quarterly shares in long form for a line chart: quarter, series (labelled by `labels`:
    (("revenue", label), ("count", label))), share, n (new accounts in the quarter)."""
    wide = referral_share_by_quarter(cur, settings, _c=_c)
    if wide.is_empty():
        return wide
    names = dict(labels)
    parts = [wide.select("quarter", pl.lit(names.get(kind, kind)).alias("series"), pl.col(f"{kind}_share").alias("share"), "n")
             for kind in ("revenue", "count")]
    return pl.concat(parts).filter(pl.col("share").is_not_null())


def referral_rate_by_segment(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, dims: tuple[str, ...], _c: _Ctx | None = None) -> pl.DataFrame:
    """Who refers: referral accounts / accounts per segment (all accounts), Wilson interval, small."""
    ctx = _c or _ctx(cur, settings)
    if _referral_reason(ctx, cur) or not dims:
        return pl.DataFrame()

    def build() -> pl.DataFrame:
        acc = _acc_facts(cur, ctx)
        if acc is not None:
            return _grouped(cur, ctx, dims, {"n": None, "referrals": _np(acc.column("ref")) == 1})
        keys = ", ".join(quote_ident(d) for d in dims)
        return cur.sql(
            f"SELECT {keys}, count(*) AS n, count(*) FILTER (WHERE ref) AS referrals FROM "
            f"(SELECT {_dims_select(ctx, dims)}, {referral_sql('a')} AS ref FROM accounts a) GROUP BY ALL",
            params=[list(ctx.channels)],
        ).pl()

    frame = _agg(ctx, ("referral_by_segment", tuple(dims)), build)
    return _sorted(_with_wilson(frame, "referrals", "rate", settings.min_n), "rate", dims)


def _with_wilson(frame: pl.DataFrame, hits: str, name: str, min_n: int) -> pl.DataFrame:
    lows, highs = [], []
    for k, n in zip(frame[hits].to_list(), frame["n"].to_list()):
        lo, hi = wilson(k, n)
        lows.append(lo)
        highs.append(hi)
    return frame.with_columns(
        pl.when(pl.col("n") > 0).then(pl.col(hits) / pl.col("n")).otherwise(None).alias(name),
        pl.Series("low", lows, dtype=pl.Float64),
        pl.Series("high", highs, dtype=pl.Float64),
        (pl.col("n") < min_n).alias("small"),
    )


# ---------------------------------------------------------------------------------------------
# Retention

def _retention_reason(ctx: _Ctx, cur: duckdb.DuckDBPyConnection) -> str | None:
    if "accounts" not in ctx.tables:
        return "no_accounts"
    if not ctx.has("start_date"):
        return "no_start_date"
    if ctx.as_of is None:
        return "no_as_of"
    if not ctx.has("churn_date"):
        return "no_churn_date"
    return None


def retention_by_segment(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, dims: tuple[str, ...], _c: _Ctx | None = None) -> pl.DataFrame:
    """12-month logo retention per segment: n = base (active at as_of - 12 months, churned-without-
    date left out), retained = of those still active at as_of; Wilson interval; small when n < min_n.
    Sorted best first (small segments after all others)."""
    ctx = _c or _ctx(cur, settings)
    memo_key = ("retention_by_segment", tuple(dims), settings)
    if memo_key in ctx.memo:
        return ctx.memo[memo_key]
    if _retention_reason(ctx, cur) or not dims:
        return pl.DataFrame()

    def build() -> pl.DataFrame:
        acc = _acc_facts(cur, ctx)
        if acc is not None:
            base = (_np(acc.column("act_prev")) == 1) & (_np(acc.column("excl")) == 0)
            return _grouped(cur, ctx, dims, {"n": None, "retained": _np(acc.column("act_now")) == 1}, where=base)
        keys = ", ".join(quote_ident(d) for d in dims)
        return cur.sql(
            f"SELECT {keys}, count(*) AS n, count(*) FILTER (WHERE kept) AS retained FROM "
            f"(SELECT {_dims_select(ctx, dims)}, {_active(ctx)} AS kept FROM accounts a "
            f"WHERE {_active(ctx)} AND NOT {_excluded_sql(ctx)}) GROUP BY ALL",
            params=[ctx.as_of, ctx.as_of, ctx.year_ago, ctx.year_ago],
        ).pl()

    frame = _agg(ctx, ("retention_by_segment", tuple(dims)), build)
    ctx.memo[memo_key] = _sorted(_with_wilson(frame, "retained", "retention", settings.min_n), "retention", dims)
    return ctx.memo[memo_key]


def retention(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict:
    """PMF indicator 3 plus the overall 12-month logo retention.

    logo_12m / n / retained: over all accounts; best_segment: the segment of settings.dimensions
    with base n >= min_n and the highest retention; pass: best_segment's retention >= threshold.
    Without any churn_date: lifetime churn share (churned / all accounts) instead, indicator None."""
    ctx = _c or _ctx(cur, settings)
    out = {"logo_12m": None, "churn_12m": None, "n": 0, "retained": 0, "low": None, "high": None,
           "best_segment": None, "pass": None, "threshold": settings.retention_min, "min_n": settings.min_n,
           "dimensions": list(settings.dimensions), "excluded_churned_without_date": 0, "lifetime_churn": None,
           "reason": _retention_reason(ctx, cur)}
    acc = _acc_facts(cur, ctx) if out["reason"] is None else None
    if acc is not None:
        if settings.dimensions:
            # the base and the retained are the sums over the segments (every account of the base
            # is in exactly one segment), which the best segment needs anyway
            segs = retention_by_segment(cur, settings, tuple(settings.dimensions), _c=ctx)
            excl = _agg(ctx, ("excluded",), lambda: _run(
                cur, {"excl": acc.column("excl")}, "SELECT count(*) FILTER (WHERE excl = 1) FROM {t}").item())
            n = int(segs["n"].sum()) if not segs.is_empty() else 0
            kept = int(segs["retained"].sum()) if not segs.is_empty() else 0
        else:
            excl, n, kept = _agg(ctx, ("retention_counts",), lambda: tuple(_run(
                cur, {c: acc.column(c) for c in ("act_now", "act_prev", "excl")},
                "SELECT count(*) FILTER (WHERE excl = 1), count(*) FILTER (WHERE act_prev = 1 AND excl = 0), "
                "count(*) FILTER (WHERE act_prev = 1 AND excl = 0 AND act_now = 1) FROM {t}").row(0)))
        if ctx.has("churned"):
            out["excluded_churned_without_date"] = excl
    elif "accounts" in ctx.tables and ctx.has("churned"):
        cond = "coalesce(churned, FALSE) AND churn_date IS NULL" if ctx.has("churn_date") else "coalesce(churned, FALSE)"
        out["excluded_churned_without_date"] = _agg(ctx, ("excluded_sql",), lambda: cur.execute(
            f"SELECT count(*) FROM accounts WHERE {cond}").fetchall()[0][0])
    if out["reason"] == "no_churn_date":
        if ctx.has("churned"):
            churned, total = _agg(ctx, ("lifetime_churn",), lambda: tuple(cur.execute(
                "SELECT count(*) FILTER (WHERE coalesce(churned, FALSE)), count(*) FROM accounts").fetchall()[0]),
                data_only=True)
            lo, hi = wilson(churned, total)
            out["lifetime_churn"] = {"share": churned / total if total else None, "churned": churned, "n": total,
                                     "low": lo, "high": hi}
        return out
    if out["reason"]:
        return out
    if acc is None:
        n, kept = cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {_active(ctx)}) FROM accounts a "
            f"WHERE {_active(ctx)} AND NOT {_excluded_sql(ctx)}",
            [ctx.as_of, ctx.as_of, ctx.year_ago, ctx.year_ago],
        ).fetchall()[0]
    out.update(n=n, retained=kept)
    if n:
        out["logo_12m"] = kept / n
        out["churn_12m"] = 1 - kept / n
        out["low"], out["high"] = wilson(kept, n)
    else:
        out["reason"] = "empty_base"
    segs = retention_by_segment(cur, settings, tuple(settings.dimensions), _c=ctx) if settings.dimensions else pl.DataFrame()
    big = segs.filter(~pl.col("small")) if not segs.is_empty() else segs
    if big.is_empty():
        out["reason"] = out["reason"] or "no_segment_min_n"
        return out
    best = big.row(0, named=True)
    out["best_segment"] = {"key": {d: best[d] for d in settings.dimensions}, "logo_12m": best["retention"],
                           "n": best["n"], "retained": best["retained"], "low": best["low"], "high": best["high"]}
    out["pass"] = bool(best["retention"] >= settings.retention_min)
    return out


def revenue_retention(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict:
    """NRR and GRR from mrr_history (METRICS.md); both None without the table or an empty base."""
    ctx = _c or _ctx(cur, settings)
    out = {"nrr": None, "grr": None, "n": 0, "mrr_then": None, "mrr_now": None, "month_then": None,
           "month_now": None, "reason": None}
    if "mrr_history" not in ctx.tables:
        out["reason"] = "no_mrr_history"
        return out
    if ctx.as_of is None:
        out["reason"] = "no_as_of"
        return out
    then = ctx.year_ago.replace(day=1)
    now = ctx.as_of.replace(day=1)
    out.update(month_then=then, month_now=now)
    n, m_then, m_now, m_capped = _agg(ctx, ("revenue_retention", then, now), lambda: tuple(cur.execute(
        "WITH m AS (SELECT account_id, date_trunc('month', month)::DATE AS mon, sum(mrr) AS mrr FROM mrr_history "
        "WHERE mrr IS NOT NULL GROUP BY ALL), "
        "b AS (SELECT account_id, mrr FROM m WHERE mon = ? AND mrr > 0), "
        "l AS (SELECT account_id, mrr FROM m WHERE mon = ?) "
        "SELECT count(*), sum(b.mrr), sum(coalesce(l.mrr, 0)), sum(least(coalesce(l.mrr, 0), b.mrr)) "
        "FROM b LEFT JOIN l USING (account_id)",
        [then, now],
    ).fetchall()[0]), data_only=True)
    out["n"] = n
    if not n:
        out["reason"] = "empty_mrr_base"
        return out
    out.update(mrr_then=float(m_then), mrr_now=float(m_now), nrr=m_now / m_then, grr=m_capped / m_then)
    return out


def cohort_matrix(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> pl.DataFrame:
    """Monthly cohorts (calendar month of start_date, start_date <= as_of): cell (cohort, k) =
    share of the cohort active k months after the cohort month's first day; only cells whose date
    is <= as_of. Columns: cohort, k, size, active, share. Churned-without-date accounts left out.

    Computed without expanding accounts: an account of cohort c is active at c + k months exactly
    for k0 <= k < kc, k0 = 0 when it started on the 1st else 1, kc = months from c to the churn
    month (+1 unless the churn is on a 1st), kc = infinity without churn."""
    ctx = _c or _ctx(cur, settings)
    if "accounts" not in ctx.tables or not ctx.has("start_date") or ctx.as_of is None:
        return pl.DataFrame()
    if ctx.has("churn_date"):
        kc = ("CASE WHEN churn_date IS NULL THEN NULL ELSE date_diff('month', date_trunc('month', start_date), churn_date)"
              " + CASE WHEN day(churn_date) = 1 THEN 0 ELSE 1 END END")
    else:
        kc = "NULL::BIGINT"
    rest = ("g AS (SELECT cohort, k0, kc, count(*) AS c FROM acc GROUP BY ALL), "
            "sizes AS (SELECT cohort, sum(c)::BIGINT AS size FROM g GROUP BY cohort), "
            "cells AS (SELECT cohort, size, unnest(generate_series(0, date_diff('month', cohort, ?::DATE))) AS k FROM sizes) "
            "SELECT cells.cohort, cells.k::BIGINT AS k, cells.size, "
            "coalesce(sum(g.c) FILTER (WHERE g.k0 <= cells.k AND (g.kc IS NULL OR cells.k < g.kc)), 0)::BIGINT AS active "
            "FROM cells JOIN g ON g.cohort = cells.cohort GROUP BY ALL ORDER BY cells.cohort, k")
    return _agg(ctx, ("cohorts",), lambda: _cohorts(cur, ctx, rest, kc))


def _cohorts(cur: duckdb.DuckDBPyConnection, ctx: _Ctx, rest: str, kc: str) -> pl.DataFrame:
    acc = _acc_facts(cur, ctx)
    if acc is not None:
        return _cohorts_from_facts(acc, ctx.as_of)
    return cur.sql(
        "WITH acc AS (SELECT date_trunc('month', start_date)::DATE AS cohort, "
        f"CASE WHEN day(start_date) = 1 THEN 0 ELSE 1 END AS k0, {kc} AS kc "
        f"FROM accounts a WHERE start_date <= ? AND NOT {_excluded_sql(ctx)}), " + rest,
        params=[ctx.as_of, ctx.as_of],
    ).pl().with_columns(share=pl.col("active") / pl.col("size"))


def _cohorts_from_facts(acc: pa.Table, as_of: date) -> pl.DataFrame:
    """cohort_matrix over the cached projection: per cohort month, +1 at k0 and -1 at kend (an
    account is active for k0 <= k < kc; kend = max(kc, k0), so one never active nets to 0),
    summed up along k: the cells and figures of the SQL above, without joining every cell with
    every (k0, kc) group."""
    sel = (_np(acc.column("started")) == 1) & (_np(acc.column("excl")) == 0)
    if not sel.any():
        return pl.DataFrame(schema={"cohort": pl.Date, "k": pl.Int64, "size": pl.Int64, "active": pl.Int64,
                                    "share": pl.Float64})
    # null only for accounts without a start_date, which are not selected (started = 0)
    month = _np(pc.fill_null(acc.column("cohort_m"), 0))[sel]
    k0 = _np(pc.fill_null(acc.column("k0"), 0))[sel]
    kend = _np(pc.fill_null(acc.column("kend"), -1))[sel]
    now = (as_of.year - 1970) * 12 + as_of.month - 1
    first = int(month.min())
    width = now - first + 2  # k = 0 .. months to as_of, plus one slot for ends beyond it
    c = month - np.int32(first)
    n_cohorts = int(c.max()) + 1
    slot = c * np.int32(width)
    cells = n_cohorts * width
    starts = np.bincount(slot + k0, minlength=cells)
    # no end (kend = -1): counted in an extra slot past the last cell, dropped
    ends = np.bincount(np.where(kend >= 0, slot + np.minimum(kend, np.int32(width - 1)), np.int32(cells)),
                       minlength=cells + 1)[:cells]
    active = np.cumsum((starts - ends).reshape(n_cohorts, width), axis=1)
    sizes = np.bincount(c, minlength=n_cohorts)
    present = np.flatnonzero(sizes)
    lens = now - (first + present) + 1  # cells k = 0 .. date_diff('month', cohort, as_of)
    rep_c = np.repeat(present, lens)
    k = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    cohort_dates = (rep_c + first).astype("datetime64[M]").astype("datetime64[D]")
    return pl.DataFrame({
        "cohort": pl.Series("cohort", cohort_dates).cast(pl.Date),
        "k": pl.Series("k", k, dtype=pl.Int64),
        "size": pl.Series("size", sizes[rep_c], dtype=pl.Int64),
        "active": pl.Series("active", active[rep_c, k], dtype=pl.Int64),
    }).with_columns(share=pl.col("active") / pl.col("size"))


# ---------------------------------------------------------------------------------------------
# Sean Ellis

_ELLIS_COUNTS = ("count(*) AS n, count(*) FILTER (WHERE answer = 'very') AS very, "
                 "count(*) FILTER (WHERE answer = 'somewhat') AS somewhat, count(*) FILTER (WHERE answer = 'not') AS \"not\"")


def sean_ellis(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> dict | None:
    """Share of "very disappointed" among all answers (METRICS.md); None without pmf_survey."""
    ctx = _c or _ctx(cur, settings)
    if "pmf_survey" not in ctx.tables:
        return None
    n, very, somewhat, nt = _agg(ctx, ("ellis_counts",), lambda: tuple(cur.execute(
        f"SELECT {_ELLIS_COUNTS} FROM pmf_survey WHERE answer IS NOT NULL").fetchall()[0]), data_only=True)
    lo, hi = wilson(very, n)
    return {"score": very / n if n else None, "n": n, "very": very, "somewhat": somewhat, "not": nt,
            "low": lo, "high": hi, "pass": bool(very / n >= settings.ellis_min) if n else None,
            "threshold": settings.ellis_min, "small": n < settings.min_n, "reason": None if n else "no_ellis_answers"}


def _ellis_frame(frame: pl.DataFrame, dims: tuple[str, ...], min_n: int) -> pl.DataFrame:
    return _sorted(_with_wilson(frame, "very", "score", min_n), "score", dims)


def ellis_by_segment(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, dims: tuple[str, ...], _c: _Ctx | None = None) -> pl.DataFrame:
    """Sean Ellis score per account segment (answers joined to accounts by account_id; answers
    without a matching account fall into "(unknown)")."""
    ctx = _c or _ctx(cur, settings)
    if "pmf_survey" not in ctx.tables or "accounts" not in ctx.tables or not dims:
        return pl.DataFrame()

    def build() -> pl.DataFrame:
        survey = _survey_facts(cur, ctx)
        if survey is not None:
            answer = _np(survey.column("answer"))
            return _grouped(cur, ctx, dims, {"n": None, "very": answer == "very", "somewhat": answer == "somewhat",
                                             "not": answer == "not"}, rows=survey.column("arow"))
        keys = ", ".join(quote_ident(d) for d in dims)
        return cur.sql(
            f"SELECT {keys}, {_ELLIS_COUNTS} FROM (SELECT s.answer, {_dims_select(ctx, dims)} FROM pmf_survey s "
            "LEFT JOIN accounts a ON a.account_id = s.account_id WHERE s.answer IS NOT NULL) GROUP BY ALL",
        ).pl()

    # the dimension values (age_band: as_of's year) and the filled columns are in the key
    frame = _agg(ctx, ("ellis_by_segment", tuple(dims)), build)
    return _ellis_frame(frame, dims, settings.min_n)


def ellis_by_persona(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, persona_field: str = "buying_role", _c: _Ctx | None = None) -> pl.DataFrame:
    """Sean Ellis score per persona (a contacts field), joined as the module docstring says."""
    ctx = _c or _ctx(cur, settings)
    if "pmf_survey" not in ctx.tables or "contacts" not in ctx.tables:
        return pl.DataFrame()
    ccols = _columns_of(cur, ctx, "contacts")
    if persona_field not in ccols or persona_field not in PERSONA_FIELDS:
        raise IcpError("pmf.unknown_persona_field", field=persona_field)
    frame = _agg(ctx, ("ellis_by_persona", persona_field), lambda: _ellis_personas(cur, ctx, persona_field, ccols),
                 data_only=True)
    return _ellis_frame(frame, ("persona",), settings.min_n)


def _ellis_personas(cur: duckdb.DuckDBPyConnection, ctx: _Ctx, persona_field: str, ccols: list[str]) -> pl.DataFrame:
    scols = _columns_of(cur, ctx, "pmf_survey")
    has_resp = "respondent" in scols
    has_acc = "account_id" in scols
    ids = [c for c in ("contact_id", "email", "e-mail", "Email", "E-Mail") if c in ccols]
    f = quote_ident(persona_field)
    ctes = [f"c AS (SELECT account_id, {f} AS persona, "
            + (" , ".join(f"lower(trim(CAST({quote_ident(i)} AS VARCHAR))) AS id{j}" for j, i in enumerate(ids)) or "NULL AS id0")
            + " FROM contacts)",
            "one AS (SELECT account_id, any_value(persona) AS persona FROM c GROUP BY account_id HAVING count(*) = 1)"]
    s_resp = "lower(trim(s.respondent))" if has_resp else "NULL"
    s_acc = "s.account_id" if has_acc else "NULL"
    ctes.append(f"s AS (SELECT row_number() OVER () AS rid, answer, {s_resp} AS resp, {s_acc} AS acc "
                "FROM pmf_survey s WHERE answer IS NOT NULL)")
    match = " OR ".join(f"c.id{j} = s.resp" for j in range(len(ids))) or "FALSE"
    ctes.append(f"byresp AS (SELECT s.rid, any_value(c.persona) AS persona FROM s JOIN c ON {match} GROUP BY s.rid)")
    frame = cur.sql(
        "WITH " + ", ".join(ctes) + " "
        f"SELECT coalesce(NULLIF(trim(CAST(coalesce(br.persona, one.persona) AS VARCHAR)), ''), '{UNKNOWN}') AS persona, "
        f"{_ELLIS_COUNTS} FROM s LEFT JOIN byresp br ON br.rid = s.rid LEFT JOIN one ON one.account_id = s.acc "
        "GROUP BY ALL"
    ).pl()
    return frame


def ellis_benefits(cur: duckdb.DuckDBPyConnection, settings: PmfSettings, _c: _Ctx | None = None) -> pl.DataFrame:
    """Main benefits named by the "very disappointed" (count `very`, grouped trimmed and
    case-insensitive, shown by their most frequent spelling) and, per such benefit, the
    "somewhat disappointed" who name the same one (`somewhat`: the ones to win next)."""
    ctx = _c or _ctx(cur, settings)
    if "pmf_survey" not in ctx.tables or "main_benefit" not in _columns_of(cur, ctx, "pmf_survey"):
        return pl.DataFrame()
    return _agg(ctx, ("ellis_benefits",), lambda: cur.sql(
        "WITH b AS (SELECT answer, trim(main_benefit) AS label, lower(trim(main_benefit)) AS k FROM pmf_survey "
        "WHERE answer IN ('very', 'somewhat') AND NULLIF(trim(main_benefit), '') IS NOT NULL) "
        "SELECT " + mode_sql("label", "answer = 'very'") + " AS benefit, count(*) FILTER (WHERE answer = 'very') AS very, "
        "count(*) FILTER (WHERE answer = 'somewhat') AS somewhat FROM b GROUP BY k "
        "HAVING count(*) FILTER (WHERE answer = 'very') > 0 ORDER BY very DESC, somewhat DESC, benefit"
    ).pl(), data_only=True)


# ---------------------------------------------------------------------------------------------
# Verdict and the whole summary

def verdict(passes: list[bool | None]) -> str:
    """reached / partial / not_yet / unknown from the indicators' pass values (None = the data
    cannot compute it, left out)."""
    counted = [p for p in passes if p is not None]
    if not counted:
        return "unknown"
    if all(counted):
        return "reached"
    if any(counted):
        return "partial"
    return "not_yet"


def pmf_summary(cur: duckdb.DuckDBPyConnection, settings: PmfSettings = PmfSettings(), _c: _Ctx | None = None) -> dict:
    """The PMF indicators and verdict in the CLI.md `icp pmf --json` shape (plus thresholds,
    intervals and reasons). The page and the CLI both call this."""
    ctx = _c or _ctx(cur, settings)
    nps = nps_summary(cur, settings, _c=ctx)
    rs = referral_score(cur, settings, _c=ctx)
    sh = referral_share(cur, settings, _c=ctx)
    ret = retention(cur, settings, _c=ctx)
    ellis = sean_ellis(cur, settings, _c=ctx)
    passes = [rs["pass"], sh["pass"], ret["pass"], ellis["pass"] if ellis else None]
    return {
        "as_of": ctx.as_of.isoformat() if ctx.as_of else None,
        "nps": nps,
        "referral_score": rs,
        "referral_share": sh,
        "retention": ret,
        "sean_ellis": ellis,
        "verdict": verdict(passes),
        "next_step": "firmographics" if verdict(passes) == "reached" else "demographics_jtbd",
        "min_n": settings.min_n,
        "referral_channels": list(ctx.channels),
        "thresholds": {"referral_score": settings.referral_score_min, "referral_share": settings.referral_share_min,
                       "retention": settings.retention_min, "sean_ellis": settings.ellis_min},
    }


def page_bundle(
    cur: duckdb.DuckDBPyConnection,
    settings: PmfSettings,
    nps_dims: tuple[str, ...] = ("industry",),
    referral_dims: tuple[str, ...] = ("industry",),
    retention_dims: tuple[str, ...] = ("industry", "size_band"),
    ellis_dims: tuple[str, ...] = ("industry",),
    persona_field: str | None = "buying_role",
) -> dict:
    """Everything the PMF page draws, in one call (one cache entry per choice of settings)."""
    ctx = _ctx(cur, settings)
    if "accounts" not in ctx.tables:
        raise IcpError("pmf.no_accounts")
    dims_ok = set(available_dimensions(cur, _c=ctx))

    def ok(dims: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d for d in dims if d in dims_ok or (d.startswith("tech:") and ctx.has("tech_stack")))

    personas = available_persona_fields(cur, _c=ctx)
    return {
        "summary": pmf_summary(cur, settings, _c=ctx),
        "nps_histogram": nps_histogram(cur, settings, _c=ctx),
        "nps_by_segment": nps_by_segment(cur, settings, ok(nps_dims), _c=ctx),
        "nps_trend": nps_trend(cur, settings, _c=ctx),
        "referral_by_quarter": referral_share_by_quarter(cur, settings, _c=ctx),
        "referral_by_segment": referral_rate_by_segment(cur, settings, ok(referral_dims), _c=ctx),
        "retention_by_segment": retention_by_segment(cur, settings, ok(retention_dims), _c=ctx),
        "revenue_retention": revenue_retention(cur, settings, _c=ctx),
        "cohorts": cohort_matrix(cur, settings, _c=ctx),
        "ellis_by_segment": ellis_by_segment(cur, settings, ok(ellis_dims), _c=ctx),
        "ellis_by_persona": (ellis_by_persona(cur, settings, persona_field, _c=ctx)
                             if persona_field in personas else pl.DataFrame()),
        "ellis_benefits": ellis_benefits(cur, settings, _c=ctx),
        "dimensions": sorted(dims_ok),
        "persona_fields": personas,
    }


def with_as_of(settings: PmfSettings, as_of: date | None) -> PmfSettings:
    return replace(settings, as_of=as_of)


# ---------------------------------------------------------------------------------------------
# Text for the command line (and anyone who wants the verdict as words)

def indicator_rows(summary: dict, lang: str = "en") -> list[dict]:
    """One row per indicator, every cell already worded/formatted in `lang`: indicator, value,
    threshold, n, result, note (the reason or a remark). The page and the CLI show these."""
    from icp_core.i18n import fmt_number, fmt_pct, t

    def result(p: bool | None) -> str:
        return t("pmf.result.none" if p is None else ("pmf.result.pass" if p else "pmf.result.fail"), lang)

    def reason(block: dict | None, default: str = "") -> str:
        if not block or not block.get("reason"):
            return default
        key = block["reason"]
        return t(f"pmf.reason.{key}", lang, dimensions=" x ".join(summary["retention"]["dimensions"]),
                 min_n=summary["min_n"])

    rows = []
    rs = summary["referral_score"]
    rows.append({"indicator": t("pmf.ind.referral_score", lang), "value": fmt_number(rs["mean"], lang, 2),
                 "threshold": "≥ " + fmt_number(rs["threshold"], lang, 1), "n": fmt_number(rs["n"], lang),
                 "result": result(rs["pass"]),
                 "note": reason(rs, t("pmf.note.small", lang, min_n=summary["min_n"]) if rs.get("small") else "")})
    sh = summary["referral_share"]
    if sh["basis"] == "revenue":
        value, note = sh["revenue_share"], t("pmf.note.by_revenue", lang, count=fmt_pct(sh["count_share"], lang))
    else:
        value, note = sh["count_share"], (t("pmf.note.by_count", lang) if sh["basis"] == "count" else "")
    rows.append({"indicator": t("pmf.ind.referral_share", lang), "value": fmt_pct(value, lang),
                 "threshold": "≥ " + fmt_pct(sh["threshold"], lang, 0), "n": fmt_number(sh["n_new"], lang),
                 "result": result(sh["pass"]), "note": reason(sh, note)})
    ret = summary["retention"]
    best = ret.get("best_segment")
    seg_text = " x ".join(str(v) for v in best["key"].values()) if best else ""
    rows.append({"indicator": t("pmf.ind.retention", lang),
                 "value": fmt_pct(best["logo_12m"], lang) if best else "–",
                 "threshold": "≥ " + fmt_pct(ret["threshold"], lang, 0) + f" · n ≥ {ret['min_n']}",
                 "n": fmt_number(best["n"], lang) if best else "–", "result": result(ret["pass"]),
                 "note": reason(ret, t("pmf.note.best_segment", lang, segment=seg_text) if best else "")})
    el = summary["sean_ellis"]
    rows.append({"indicator": t("pmf.ind.sean_ellis", lang), "value": fmt_pct(el["score"], lang) if el else "–",
                 "threshold": "≥ " + fmt_pct(el["threshold"] if el else summary["thresholds"]["sean_ellis"], lang, 0),
                 "n": fmt_number(el["n"], lang) if el else "–", "result": result(el["pass"] if el else None),
                 "note": reason(el) if el else t("pmf.reason.no_pmf_survey", lang)})
    return rows


def render_text(summary: dict, lang: str = "en") -> str:
    """The verdict, the indicator table and the NPS line as plain text (for `icp pmf`)."""
    from icp_core.i18n import fmt_date, fmt_number, fmt_pct, t

    as_of = date.fromisoformat(summary["as_of"]) if summary["as_of"] else None
    lines = [f"{t('pmf.verdict.label', lang)}: {t('pmf.verdict.' + summary['verdict'], lang)}",
             f"{t('pmf.cli.as_of', lang)}: {fmt_date(as_of, lang)}"]
    nps = summary["nps"]
    lines.append(f"{t('pmf.cli.nps', lang)}: {fmt_number(nps['value'], lang, 1)} (n = {fmt_number(nps['n'], lang)})")
    lifetime = (summary.get("retention") or {}).get("lifetime_churn")
    if lifetime:
        # METRICS.md: without any churn_date the lifetime churn share stands in for 12-month retention
        lines.append(t("pmf.cli.lifetime_churn", lang, share=fmt_pct(lifetime["share"], lang),
                       churned=fmt_number(lifetime["churned"], lang), n=fmt_number(lifetime["n"], lang)))
    lines.append("")
    rows = indicator_rows(summary, lang)
    cols = [("indicator", t("pmf.col.indicator", lang)), ("value", t("pmf.col.value", lang)),
            ("threshold", t("pmf.col.threshold", lang)), ("n", t("pmf.col.n", lang)),
            ("result", t("pmf.col.result", lang))]
    widths = {k: max(len(h), *(len(r[k]) for r in rows)) for k, h in cols}
    lines.append("  ".join(h.ljust(widths[k]) for k, h in cols))
    for r in rows:
        lines.append("  ".join(r[k].ljust(widths[k]) for k, _ in cols))
        if r["note"]:
            lines.append("    " + r["note"])
    lines.append("")
    lines.append(t("pmf.next." + summary["next_step"], lang))
    return "\n".join(lines)


def settings_from_options(as_of: date | None = None, min_n: int | None = None, channels: str | None = None) -> PmfSettings:
    """PmfSettings from command-line style options (None = the default)."""
    s = PmfSettings(as_of=as_of)
    if min_n is not None:
        if min_n < 1:
            raise IcpError("pmf.bad_min_n", value=min_n)
        s = replace(s, min_n=int(min_n))
    if channels is not None:
        s = replace(s, channels=parse_channels(channels))
    return s


def settings_from_page(as_of: date | None, min_n: int, referral_score_min: float, referral_share_pct: float,
                       retention_pct: float, ellis_pct: float, channels_text: str,
                       dimensions: list[str] | tuple[str, ...]) -> PmfSettings:
    """PmfSettings from the PMF page's widgets (percent inputs 0..100 become fractions)."""
    return PmfSettings(
        as_of=as_of, min_n=max(1, int(min_n)), referral_score_min=float(referral_score_min),
        referral_share_min=float(referral_share_pct) / 100, retention_min=float(retention_pct) / 100,
        ellis_min=float(ellis_pct) / 100, channels=parse_channels(channels_text), dimensions=tuple(dimensions),
    )


def cohort_tail(frame: pl.DataFrame, cohorts: int = 24) -> tuple[pl.DataFrame, int]:
    """The latest `cohorts` cohorts of a cohort matrix and the total number of cohorts."""
    if frame.is_empty():
        return frame, 0
    keep = frame["cohort"].unique().sort()
    return frame.filter(pl.col("cohort").is_in(keep.tail(cohorts).implode())), keep.len()
