"""Definitions shared by every figure of METRICS.md: the reference date, activity, referral,
bands, intervals, and FIELD=VALUES filters. SQL fragments here take values as parameters and
quote identifiers; they are meant to be embedded in queries on the canonical tables."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from icp_core.errors import IcpError

MIN_N = 30

REFERRAL_CHANNELS: tuple[str, ...] = (
    "referral", "referred", "customer referral", "word of mouth", "word-of-mouth", "recommendation",
    "empfehlung", "weiterempfehlung", "kundenempfehlung", "mundpropaganda",
)

# (label, lower bound inclusive) in ascending order; METRICS.md "Bands".
SIZE_BANDS: tuple[tuple[str, int], ...] = (
    ("1-10", 0), ("11-50", 11), ("51-200", 51), ("201-500", 201), ("501-1000", 501),
    ("1001-5000", 1001), ("5001-10000", 5001), ("10001+", 10001),
)
REVENUE_BANDS: tuple[tuple[str, float], ...] = (
    ("<1M", 0), ("1M-10M", 1e6), ("10M-50M", 10e6), ("50M-100M", 50e6), ("100M-500M", 100e6),
    ("500M-1B", 500e6), ("1B+", 1e9),
)
AGE_BANDS: tuple[tuple[str, int], ...] = (("0-2", 0), ("3-5", 3), ("6-10", 6), ("11-20", 11), ("21+", 21))

BAND_ORDER = {
    "size_band": [b for b, _ in SIZE_BANDS],
    "revenue_band": [b for b, _ in REVENUE_BANDS],
    "age_band": [b for b, _ in AGE_BANDS],
}


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted: user headers may hold quotes, spaces or SQL."""
    return '"' + name.replace('"', '""') + '"'


# The catalog through duckdb_tables() / duckdb_columns(): half the time of the information_schema
# views (~0.7 vs 1.4 ms a query; an import asks a dozen times, the sample company's load 170).
# Tables of this database only, not the temporary views that register() makes.
THIS_SCHEMA = "database_name = current_database() AND schema_name = current_schema()"


def table_exists(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = cur.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND {THIS_SCHEMA}", [table]).fetchall()
    return bool(row and row[0][0])  # read to the end: DuckDB 2 refuses .sql() on a connection with an unfinished result


def table_columns(cur: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = cur.execute(
        f"SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND {THIS_SCHEMA} ORDER BY column_index", [table]
    ).fetchall()
    return [r[0] for r in rows]


def one_year_before(d: date) -> date:
    """The same calendar day one year earlier; 29 Feb -> 28 Feb."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def default_as_of(cur: duckdb.DuckDBPyConnection, today: date | None = None) -> date | None:
    """The latest start_date or churn_date in accounts that is not after today (METRICS.md)."""
    if not table_exists(cur, "accounts"):
        return None
    today = today or date.today()
    row = cur.execute(
        "SELECT max(d) FROM (SELECT start_date AS d FROM accounts UNION ALL SELECT churn_date FROM accounts) "
        "WHERE d <= ?",
        [today],
    ).fetchall()  # read to the end (see table_exists)
    return row[0][0] if row else None


def active_at_sql(param: str = "?", alias: str = "") -> str:
    """SQL condition: account active at the date bound to `param`."""
    p = f"{alias}." if alias else ""
    return f"({p}start_date <= {param} AND ({p}churn_date IS NULL OR {p}churn_date > {param}))"


def mode_sql(expr: str, filter_sql: str = "") -> str:
    """An aggregate: the most frequent value of ``expr``, ties to the smallest (as polars'
    ``mode().sort().first()``). DuckDB's ``mode()`` picks any of the tied values, differently from
    run to run when it aggregates in parallel (e.g. 'SAP Business One' once, 'sap business one'
    the next time). ``filter_sql``: an optional FILTER condition."""
    filt = f" FILTER (WHERE {filter_sql})" if filter_sql else ""
    return (f"list_sort(list_transform(map_entries(histogram({expr}){filt}), "
            "lambda e: {'c': -CAST(e.value AS BIGINT), 'k': e.key}))[1].k")


def referral_sql(alias: str = "") -> str:
    """SQL condition: referral customer; bind the channel list (lower-case) as one list parameter."""
    p = f"{alias}." if alias else ""
    return f"coalesce(list_contains(?::VARCHAR[], lower(trim({p}acquisition_channel))), FALSE)"


def normalise_channels(channels: list[str] | tuple[str, ...] | None) -> list[str]:
    return [c.strip().casefold() for c in (channels or REFERRAL_CHANNELS) if c and c.strip()]


def _band_case(expr: str, bands: tuple[tuple[str, float], ...]) -> str:
    parts = [f"WHEN {expr} >= {lower!r} THEN '{label}'" for label, lower in reversed(bands)]
    return f"(CASE WHEN {expr} IS NULL THEN NULL {' '.join(parts)} ELSE NULL END)"


def size_band_sql(column: str = "employees") -> str:
    return _band_case(quote_ident(column), SIZE_BANDS)


def revenue_band_sql(column: str = "annual_revenue") -> str:
    return _band_case(quote_ident(column), REVENUE_BANDS)


def age_band_sql(as_of_year: int, column: str = "founded_year") -> str:
    return _band_case(f"({int(as_of_year)} - {quote_ident(column)})", AGE_BANDS)


def size_band(employees: float | None) -> str | None:
    return _band_of(employees, SIZE_BANDS)


def revenue_band(revenue: float | None) -> str | None:
    return _band_of(revenue, REVENUE_BANDS)


def age_band(as_of_year: int, founded_year: int | None) -> str | None:
    return None if founded_year is None else _band_of(as_of_year - founded_year, AGE_BANDS)


def _band_of(value: float | None, bands) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value < 0:
        return None
    label = None
    for name, lower in bands:
        if value >= lower:
            label = name
    return label


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """95% Wilson score interval of a proportion; (None, None) when n == 0."""
    if not n:
        return (None, None)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def nps_interval(promoters: int, detractors: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """95% adjusted-Wald interval of NPS (METRICS.md): add 3 to n and 3/4 to promoters and
    detractors, then the usual variance of P - D. Returned on the -100..100 scale."""
    if not n:
        return (None, None)
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = p - d
    var = (p + d - (p - d) ** 2) / n_adj
    half = z * math.sqrt(max(var, 0.0))
    return (max(-100.0, 100 * (centre - half)), min(100.0, 100 * (centre + half)))


# ---- FIELD=VALUES filters (CLI.md): categorical lists, numeric ranges with open ends, tools ----

NUMERIC_FIELDS = {"employees", "department_size", "annual_revenue", "founded_year", "mrr", "seats",
                  "sales_cycle_days", "nps"}
DATE_FIELDS = {"start_date", "churn_date", "first_contact_date"}


@dataclass(frozen=True)
class Filter:
    field: str  # canonical field, band, "tech_stack" or an extra column
    values: tuple[str, ...] = ()  # categorical: any of these (for tech_stack: uses any of these tools)
    low: float | None = None  # numeric: inclusive range, None = open end
    high: float | None = None
    negate: bool = False  # tech:TOOL=no -> does not use the tool
    low_date: date | None = None  # date fields: inclusive range, None = open end
    high_date: date | None = None

    @property
    def is_range(self) -> bool:
        return not self.values

    @property
    def is_date_range(self) -> bool:
        return self.field in DATE_FIELDS and not self.values

    def spec(self) -> str:
        if self.field == "tech_stack" and len(self.values) == 1:
            return f"tech:{self.values[0]}={'no' if self.negate else 'yes'}"
        if self.is_date_range:
            low = "" if self.low_date is None else self.low_date.isoformat()
            high = "" if self.high_date is None else self.high_date.isoformat()
            return f"{self.field}={low}..{high}"
        if self.is_range:
            low = "" if self.low is None else _fmt_bound(self.low)
            high = "" if self.high is None else _fmt_bound(self.high)
            return f"{self.field}={low}-{high}"
        return f"{self.field}={','.join(self.values)}"


def _fmt_bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)?\s*-\s*(\d+(?:\.\d+)?)?\s*$")
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*-\s*(\d{4})?\s*$")


def _date_bound(text: str, upper: bool, spec: str) -> date | None:
    """'' -> open end; 'YYYY' -> 1 Jan (lower) / 31 Dec (upper); 'YYYY-MM' -> first / last day
    of the month; 'YYYY-MM-DD' -> that day."""
    text = text.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 12, 31) if upper else date(int(text), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            y, m = (int(x) for x in text.split("-"))
            first = date(y, m, 1)
            if not upper:
                return first
            nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
            return nxt - timedelta(days=1)
        return date.fromisoformat(text)
    except ValueError:
        raise IcpError("filter.bad_date_range", spec=spec) from None


def _parse_date_range(field: str, raw: str, spec: str) -> Filter:
    """Date fields: 'LOW..HIGH' with ISO dates, months or years (either end open:
    'start_date=2022..', 'start_date=..2023-06-30'), 'YYYY-YYYY' / 'YYYY-' / '-YYYY' (years),
    or one date / month / year alone (that period)."""
    if ".." in raw:
        lo, _, hi = raw.partition("..")
        low, high = _date_bound(lo, False, spec), _date_bound(hi, True, spec)
    else:
        m = _YEAR_RANGE.match(raw)
        if m and (m.group(1) or m.group(2)):
            low = _date_bound(m.group(1) or "", False, spec)
            high = _date_bound(m.group(2) or "", True, spec)
        else:
            low, high = _date_bound(raw, False, spec), _date_bound(raw, True, spec)
    if low is None and high is None:
        raise IcpError("filter.bad_date_range", spec=spec)
    if low is not None and high is not None and low > high:
        raise IcpError("filter.bad_date_range", spec=spec)
    return Filter(field, (), low_date=low, high_date=high)


def parse_filter(spec: str) -> Filter:
    """'country=DE,AT,CH' -> categorical; 'employees=51-500', 'annual_revenue=1000000-' -> range;
    'tech:HubSpot' or 'tech:HubSpot=yes' -> uses the tool; 'tech_stack=HubSpot,Jira' -> uses any;
    date fields (start_date, churn_date, first_contact_date): 'start_date=2022..',
    'start_date=2022-01-01..2023-06-30', 'start_date=2022-2023', 'start_date=2022' (inclusive)."""
    if spec.strip().startswith("tech:"):
        tool, _, answer = spec.strip()[5:].partition("=")
        if not tool.strip():
            raise IcpError("filter.bad_spec", spec=spec)
        negate = answer.strip().casefold() in ("no", "nein", "false", "0")
        return Filter("tech_stack", (tool.strip(),), negate=negate)
    if "=" not in spec:
        raise IcpError("filter.bad_spec", spec=spec)
    field, _, raw = spec.partition("=")
    field = field.strip()
    raw = raw.strip()
    if not field or not raw:
        raise IcpError("filter.bad_spec", spec=spec)
    if field in DATE_FIELDS:
        return _parse_date_range(field, raw, spec)
    if field in NUMERIC_FIELDS:
        m = _RANGE.match(raw)
        if not m or (m.group(1) is None and m.group(2) is None):
            if re.fullmatch(r"\d+(?:\.\d+)?", raw):
                return Filter(field, (), float(raw), float(raw))
            raise IcpError("filter.bad_range", spec=spec)
        low = float(m.group(1)) if m.group(1) is not None else None
        high = float(m.group(2)) if m.group(2) is not None else None
        return Filter(field, (), low, high)
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    return Filter(field, values)


def filter_sql(flt: Filter, as_of_year: int | None = None) -> tuple[str, list]:
    """SQL condition and its parameters for one filter over a canonical table (accounts, market,
    prospects). Bands are computed on the fly; numeric ranges include both ends."""
    if flt.field == "tech_stack":
        # tools compared case-insensitively; a missing stack counts as "does not use"
        sql = "list_has_any(list_transform(coalesce(tech_stack, []::VARCHAR[]), lambda x: lower(x)), ?::VARCHAR[])"
        return (f"(NOT {sql})" if flt.negate else sql, [[v.casefold() for v in flt.values]])
    if flt.field in ("size_band", "revenue_band", "age_band"):
        if flt.field == "size_band":
            expr = size_band_sql()
        elif flt.field == "revenue_band":
            expr = revenue_band_sql()
        else:
            expr = age_band_sql(as_of_year or date.today().year)
        return (f"list_contains(?::VARCHAR[], {expr})", [list(flt.values)])
    col = quote_ident(flt.field)
    if flt.is_date_range:
        return _range_sql(col, flt.low_date, flt.high_date)
    if flt.is_range:
        return _range_sql(col, flt.low, flt.high)
    # categorical: compared as text, case-insensitively (country codes, industries, extras).
    # list_contains, not "= ANY(list)": DuckDB plans ANY as a join, which stops an AND from
    # skipping its later (costly) terms for rows that already failed (see tests/test_market_common_fix.py)
    return (f"list_contains(?::VARCHAR[], lower(CAST({col} AS VARCHAR)))", [[v.casefold() for v in flt.values]])


def _range_sql(col: str, low, high) -> tuple[str, list]:
    """Inclusive range on a quoted column; an open end (None) is no condition."""
    parts, params = [], []
    if low is not None:
        parts.append(f"{col} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{col} <= ?")
        params.append(high)
    return ("(" + " AND ".join(parts or ["TRUE"]) + ")", params)


def filters_sql(filters: list[Filter] | tuple[Filter, ...], as_of_year: int | None = None) -> tuple[str, list]:
    """AND of several filters; 'TRUE' when there are none."""
    parts, params = [], []
    for flt in filters:
        sql, p = filter_sql(flt, as_of_year)
        parts.append(sql)
        params.extend(p)
    return (" AND ".join(parts) if parts else "TRUE", params)
