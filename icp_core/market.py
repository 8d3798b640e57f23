"""Market: TAM, SAM, SOM and the white space (METRICS.md "Market: TAM, SAM, SOM").

Bottom-up from a ``market`` table:
- **ACV**: median ARR (12 x mrr) of the accounts active at as_of with mrr > 0, unless set.
- **TAM**: all companies in ``market``; value = companies x ACV.
- **SAM**: companies matching the serviceable filters; value = companies x ACV.
- **SOM**: companies of the SAM matching the ICP filters; value = companies x ACV x obtainable
  share (default 1.0).
- **Customers in a level**: accounts active at as_of that are inside the level. An account whose
  matched market company exists (``icp_core.matching``: same domain key, else same name key)
  is inside a level when *that market company* matches the level's filters; an account not
  found in the market is inside when *its own fields* match the filters (numeric ranges include
  both ends; a filter on a field the accounts table lacks is not met). Each account counts once.
- **Penetration** = customers / companies; None when the level has no companies. Customers not
  found in the market can make it exceed 1 (they are counted, the companies are not).

Without a ``market`` table: ``top_down_funnel`` from typed counts or shares, every figure an
assumption.

White space: the SAM split by one dimension; per cell companies, ICP companies, customers, ICP
customers, penetration, and the expected value of the rest, ``max(companies - customers, 0) x
ACV`` (and the same for the ICP part). Cells are ranked by *open ICP companies* (ICP companies
that are not yet customers, i.e. ICP companies x (1 - ICP penetration)), then by lower ICP
penetration, then by name; the top ``WHITE_SPACE_TOP`` are where to go first.

Speed (bench/bench_market.py, 5,000,000 companies): the customer matching (name and domain
keys over the whole market) is the costly part and is computed once per data version
(``customer_matches``, cached by the page and passed in as ``matches``). The funnel is then one
statement: a pass over the market for the companies (SAM filter pushed into the scan, a range on
an integer column compared with whole numbers, the ICP terms only on SAM rows), the same
conditions on the matched companies' market rows (read once per data version and matches, kept
in process memory: ``_matched_table``), and the unmatched accounts. The column types, the default
as_of and ACV and the market's tools are kept per data version too (``facts.store_key``).

ICP breadth (the article's caution): coverage = SOM companies / SAM companies. Warned when the
ICP covers more than ``BROAD_SHARE`` of the SAM (too broad), or when the niche holds fewer than
``NARROW_COMPANIES`` companies or less than ``NARROW_SHARE`` of the SAM (too narrow).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from icp_core import facts
from icp_core.errors import IcpError
from icp_core.i18n import fmt_money, fmt_number, fmt_pct, t
from icp_core.matching import match_customers
from icp_core.metrics_common import (
    BAND_ORDER,
    THIS_SCHEMA,
    Filter,
    active_at_sql,
    age_band_sql,
    default_as_of,
    filter_sql,
    parse_filter,
    quote_ident,
    revenue_band_sql,
    size_band_sql,
    table_columns,
    table_exists,
)

BROAD_SHARE = 0.5  # ICP covers more than this share of the SAM: too broad
NARROW_COMPANIES = 100  # the niche holds fewer companies than this: too narrow
NARROW_SHARE = 0.01  # ... or less than this share of the SAM
WHITE_SPACE_TOP = 3  # cells highlighted as "go here first"
DIMENSIONS: tuple[str, ...] = ("industry", "country", "size_band", "revenue_band", "business_model")
UNKNOWN = "(unknown)"
LEVELS = ("tam", "sam", "som")

#: the column a filter or dimension reads (bands are computed from a numeric column)
_SOURCE = {"size_band": "employees", "revenue_band": "annual_revenue", "age_band": "founded_year"}


# ---- inputs ------------------------------------------------------------------------------------

def has_market(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when a market table with at least one company is in the store."""
    if not table_exists(cur, "market"):
        return False
    return cur.execute("SELECT count(*) FROM market").fetchall()[0][0] > 0


def parse_specs(specs: str | Iterable[str] | None) -> tuple[Filter, ...]:
    """FIELD=VALUES specs (one per line when a text; empty lines and '#' comments skipped) as
    filters; raises IcpError on a bad spec."""
    if specs is None:
        return ()
    lines = specs.splitlines() if isinstance(specs, str) else list(specs)
    return tuple(parse_filter(line.strip()) for line in lines if line and line.strip() and not line.strip().startswith("#"))


def specs_text(filters: Iterable[Filter]) -> str:
    """Filters as FIELD=VALUES lines (the inverse of parse_specs)."""
    return "\n".join(f.spec() for f in filters)


def serviceable_filters(
    countries: Iterable[str] = (),
    industries: Iterable[str] = (),
    employees: tuple[float | None, float | None] = (None, None),
    annual_revenue: tuple[float | None, float | None] = (None, None),
    business_models: Iterable[str] = (),
    tools: Iterable[str] = (),
) -> tuple[Filter, ...]:
    """The SAM filters from the page's widgets; empty choices and fully open ranges are left out.
    tools: the company uses any of them."""
    out: list[Filter] = []
    for field, values in (("country", countries), ("industry", industries), ("business_model", business_models),
                          ("tech_stack", tools)):
        values = tuple(str(v) for v in values if v is not None and str(v).strip())
        if values:
            out.append(Filter(field, values))
    for field, (low, high) in (("employees", employees), ("annual_revenue", annual_revenue)):
        if low is not None or high is not None:
            if low is not None and high is not None and low > high:
                raise IcpError("market.bad_range", field=field, low=low, high=high)
            out.append(Filter(field, (), None if low is None else float(low), None if high is None else float(high)))
    return tuple(out)


def saved_icp_specs(icp_setting: Any = None, segmentation: Any = None) -> tuple[list[str], str]:
    """The ICP filters to start from, and where they come from: ('icp', specs) when the ICP page
    saved some (setting "icp_filters": a list of specs, or {"filters": [...]}); else a suggestion
    from the saved segmentation ('segmentation'): for each of its dimensions the values of the
    "want more of" groups (plus its base filters); else ([], 'none')."""
    if isinstance(icp_setting, dict):
        icp_setting = icp_setting.get("filters")
    if isinstance(icp_setting, (list, tuple)) and any(isinstance(s, str) and s.strip() for s in icp_setting):
        return [s for s in icp_setting if isinstance(s, str) and s.strip()], "icp"
    if isinstance(segmentation, dict):
        specs = [s for s in segmentation.get("filters", []) or [] if isinstance(s, str) and s.strip()]
        wanted: dict[str, list[str]] = {}
        for group in segmentation.get("groups", []) or []:
            if not isinstance(group, dict) or group.get("group") != "want_more":
                continue
            for dim, value in (group.get("key") or {}).items():
                if value is None or value == UNKNOWN:
                    continue
                values = wanted.setdefault(dim, [])
                if str(value) not in values:
                    values.append(str(value))
        for dim in segmentation.get("dimensions", []) or list(wanted):
            values = wanted.get(dim)
            if not values:
                continue
            if dim.startswith("tech:"):
                if len(values) == 1:
                    specs.append(f"{dim}={values[0]}")
                continue
            if any("," in v for v in values):
                continue  # cannot be written as a FIELD=VALUES list
            specs.append(f"{dim}={','.join(sorted(values, key=_band_sort_key(dim)))}")
        if specs:
            return specs, "segmentation"
    return [], "none"


def _band_sort_key(dim: str):
    order = BAND_ORDER.get(dim)
    if order:
        return lambda v: (order.index(v) if v in order else len(order), v)
    return lambda v: v


def applicable_filters(cur: duckdb.DuckDBPyConnection, filters: Iterable[Filter]) -> tuple[tuple[Filter, ...], tuple[Filter, ...]]:
    """(filters the market table can answer, filters on fields it lacks). Used for the ICP taken
    from the ICP page, which may hold account-only fields (mrr, tier, channel, ...)."""
    columns = set(table_columns(cur, "market")) if table_exists(cur, "market") else set()
    ok, ignored = [], []
    for flt in filters:
        (ok if _source(flt) in columns else ignored).append(flt)
    return tuple(ok), tuple(ignored)


def _source(flt_or_field: Filter | str) -> str:
    field = flt_or_field.field if isinstance(flt_or_field, Filter) else flt_or_field
    return _SOURCE.get(field, field)


def _conditions(filters: Iterable[Filter], columns: set[str], as_of_year: int, strict: bool,
                lazy: bool = True, tools: list[tuple[str, str]] | None = None,
                types: Mapping[str, str] | None = None) -> tuple[str, list]:
    """AND of the filters on a table with these columns. A filter on a missing column raises
    (strict: the market) or is not met (the accounts). lazy=False gives a plain AND (for a
    WHERE clause, where DuckDB pushes the terms into the scan). tools: every distinct tool of the
    table's tech_stack (``market_tools``), when known: tool filters then compare those spellings.
    types: the columns' DuckDB types, when known: a range on an integer column then compares
    with whole numbers (``_int_range_sql``)."""
    parts: list[tuple[str, list]] = []
    for flt in sorted(filters, key=_cost):
        if _source(flt) not in columns:
            if strict:
                raise IcpError("market.unknown_field", field=flt.field, fields=", ".join(sorted(columns)))
            parts.append(("FALSE", []))
            continue
        parts.append(_term(flt, as_of_year, tools, types))
    if not parts:
        return "TRUE", []
    if not lazy:
        return " AND ".join(f"({p})" for p, _ in parts), [v for _, ps in parts for v in ps]
    # nested CASE rather than AND: DuckDB evaluates an AND inside a projection or an aggregate
    # FILTER on every row, a CASE only evaluates the later (costlier) terms on rows that passed
    sql, params = parts[-1]
    sql, params = f"coalesce({sql}, FALSE)", list(params)
    for part_sql, part_params in reversed(parts[:-1]):
        sql = f"(CASE WHEN {part_sql} THEN {sql} ELSE FALSE END)"
        params = list(part_params) + params
    return sql, params


def _term(flt: Filter, as_of_year: int, tools: list[tuple[str, str]] | None = None,
          types: Mapping[str, str] | None = None) -> tuple[str, list]:
    """One filter's condition on a table with its column (see ``_conditions``)."""
    term = _tool_sql(flt, tools) if flt.field == "tech_stack" and tools is not None else None
    if term is None and types is not None and flt.is_range and not flt.is_date_range \
            and flt.field != "tech_stack" and types.get(flt.field) in _INT_TYPES:
        term = _int_range_sql(flt)
    return term or filter_sql(flt, as_of_year)


#: integer column types a numeric range compares with whole numbers (``_int_range_sql``)
_INT_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT"})
#: bounds below this magnitude give the same answer compared as whole numbers (doubles are exact there)
_EXACT_BOUND = 2.0**53


def _int_range_sql(flt: Filter) -> tuple[str, list] | None:
    """A numeric range on an integer column as whole-number comparisons: ``col >= ceil(low)`` and
    ``col <= floor(high)``. ``filter_sql`` binds the float bounds, so DuckDB casts every row of the
    column to DOUBLE and cannot push the range into the scan (5M rows: ~18 ms instead of ~5 ms).
    Same rows: for an integer x, x >= low exactly when x >= ceil(low); and DuckDB's DOUBLE of x
    is x itself for |x| <= 2**53, while a larger |x| lies beyond a bound below 2**53 both ways.
    None (keep the generic form) for a bound that is not finite or not below 2**53."""
    bounds = [b for b in (flt.low, flt.high) if b is not None]
    if not all(math.isfinite(b) and abs(b) < _EXACT_BOUND for b in bounds):
        return None
    col = quote_ident(flt.field)
    parts, params = [], []
    if flt.low is not None:
        parts.append(f"{col} >= ?")
        params.append(int(math.ceil(flt.low)))
    if flt.high is not None:
        parts.append(f"{col} <= ?")
        params.append(int(math.floor(flt.high)))
    return ("(" + " AND ".join(parts or ["TRUE"]) + ")", params)


#: above this many spellings a tool filter keeps the generic (lower-casing) form
TOOL_SPELLINGS_MAX = 16


def market_tools(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str]] | None:
    """(tool, DuckDB's lower() of it) for every distinct tool in the market's tech_stack, from the
    derived table the store rewrites with every change of the market (``store.MARKET_TOOLS``);
    None when the store has none (one written by an older version, opened read-only)."""
    if not table_exists(cur, "_market_tools"):
        return None
    return [(r[0], r[1]) for r in cur.execute("SELECT tool, lower(tool) FROM _market_tools").fetchall()]


def _tool_sql(flt: Filter, tools: list[tuple[str, str]]) -> tuple[str, list] | None:
    """The tool filter as exact comparisons with the market's own spellings of the wanted tools.

    Same meaning as ``filter_sql``'s form (a tool matches when DuckDB's lower() of it equals the
    casefolded value; a missing stack or a NULL item never matches), but ``list_contains`` per
    spelling instead of lower-casing every item of every row (bench/bench_market.py: the SAM's
    1.1M rows in ~25 ms instead of ~120 ms). None (use the generic form) when more than
    TOOL_SPELLINGS_MAX spellings match."""
    wanted = {v.casefold() for v in flt.values}
    spellings = [tool for tool, lowered in tools if lowered in wanted]
    if len(spellings) > TOOL_SPELLINGS_MAX:
        return None
    if not spellings:
        return ("TRUE" if flt.negate else "FALSE", [])
    sql = "coalesce(" + " OR ".join("list_contains(tech_stack, ?::VARCHAR)" for _ in spellings) + ", FALSE)"
    return (f"(NOT {sql})" if flt.negate else sql, spellings)


# ---- the market index (derived tables the store rewrites with every change of the market) ------

#: text columns the index holds as codes (when they have at most INDEX_CODES_MAX spellings)
INDEX_CODED: tuple[str, ...] = ("country", "industry", "business_model")
#: numeric columns the index holds as they are (the same values and types as in the market)
INDEX_NUMERIC: tuple[str, ...] = ("employees", "annual_revenue", "founded_year")
#: the index's row order (the columns it holds): a typical SAM / ICP (countries, industries, a size
#: range) then selects long runs of rows, and DuckDB skips the other row groups by their min / max
INDEX_ORDER: tuple[str, ...] = ("country", "industry", "employees")
INDEX_CODES_MAX = 65_535  # codes are USMALLINT 1..65535
INDEX_TOOL_BITS = 64  # lower-cased tools with a bit in the index's UBIGINT column TOOL_BITS
INDEX_FORMAT = 1  # the layout write_index writes; an index of another layout is not used
TOOL_BITS = "_tools"
_BITS_BY_SPELLING_MAX = 256  # up to this many spellings of tools, write_index finds an item's bit by its spelling


def _code_column(column: str) -> str:
    return f"_code_{column}"


def write_index(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite the market index (``store.MARKET_INDEX`` and ``store.MARKET_INDEX_CODES``) from the
    market table, in the caller's open write transaction (``store._derive``, after it rewrote
    ``store.MARKET_TOOLS``); without a market table, drop it.

    The index holds one row per market company, in no particular relation to the market's rows:
    the company counts of the funnel and the white space only need the values. Columns:
    - ``_code_<column>`` (USMALLINT) for the text columns of INDEX_CODED with at most
      INDEX_CODES_MAX distinct spellings: the spelling's code (NULL for NULL);
    - the numeric columns of INDEX_NUMERIC, copied with their types;
    - TOOL_BITS (UBIGINT) when the market has a tech_stack: bit i set when the company uses the
      i-th of the INDEX_TOOL_BITS most frequent tools (DuckDB's lower() of the spelling); every
      tool when there are no more than that many.
    Rows are sorted by INDEX_ORDER: DuckDB then skips whole row groups of a typical SAM
    (countries, a size range) by their min / max (5M companies: ~7 instead of ~60 ms of CPU). MARKET_INDEX_CODES (kind, code, value): each column's spellings with their codes;
    kind 'tech_stack': each lower-cased tool with its bit (-1: none); kind '_rows': the market's
    row count per import (code = import id) when the index was written, so an index left behind by
    a program that changed the market without rewriting it is recognised and not used; kind
    '_format': INDEX_FORMAT."""
    from icp_core.store import MARKET_INDEX, MARKET_INDEX_CODES, MARKET_TOOLS

    con.execute(f"DROP TABLE IF EXISTS {MARKET_INDEX}")
    con.execute(f"DROP TABLE IF EXISTS {MARKET_INDEX_CODES}")
    if not table_exists(con, "market"):
        return
    types = dict(con.execute(
        f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'market' AND {THIS_SCHEMA}"
    ).fetchall())
    if "_import_id" not in types:
        return
    con.execute(f"CREATE TABLE {MARKET_INDEX_CODES} (kind VARCHAR, code BIGINT, value VARCHAR)")
    con.execute(f"INSERT INTO {MARKET_INDEX_CODES} VALUES ('_format', ?, NULL)", [INDEX_FORMAT])
    con.execute(f"INSERT INTO {MARKET_INDEX_CODES} SELECT '_rows', _import_id, CAST(count(*) AS VARCHAR) "
                "FROM market GROUP BY _import_id")
    selects: list[str] = []
    joins: list[str] = []
    params: list = []  # the joins' parameters
    coded: list[str] = []
    for column in INDEX_CODED:
        if types.get(column) != "VARCHAR":
            continue
        q = quote_ident(column)
        if con.execute(f"SELECT count(DISTINCT {q}) FROM market").fetchall()[0][0] > INDEX_CODES_MAX:
            continue
        con.execute(f"INSERT INTO {MARKET_INDEX_CODES} SELECT ?, row_number() OVER (ORDER BY v), v "
                    f"FROM (SELECT DISTINCT {q} AS v FROM market WHERE {q} IS NOT NULL)", [column])
        alias = f"c{len(joins)}"
        joins.append(f"LEFT JOIN (SELECT code, value FROM {MARKET_INDEX_CODES} WHERE kind = ?) AS {alias} "
                     f"ON {alias}.value = m.{q}")
        params.append(column)
        selects.append(f"CAST({alias}.code AS USMALLINT) AS {quote_ident(_code_column(column))}")
        coded.append(column)
    for column in INDEX_NUMERIC:
        if column in types:
            selects.append(f"m.{quote_ident(column)}")
    order = [quote_ident(_code_column(c) if c in coded else c) for c in INDEX_ORDER
             if c in coded or (c in INDEX_NUMERIC and c in types)]
    select_params: list = []
    if types.get("tech_stack") == "VARCHAR[]":
        spellings: list[tuple[str, str]] = []  # (tool, lower(tool))
        if table_exists(con, MARKET_TOOLS):
            spellings = con.execute(f"SELECT tool, lower(tool) FROM {MARKET_TOOLS} ORDER BY 1").fetchall()
        lowered = sorted({low for _, low in spellings})
        with_bit = lowered
        if len(lowered) > INDEX_TOOL_BITS:
            with_bit = sorted(r[0] for r in con.execute(
                "SELECT lower(tool) FROM (SELECT unnest(tech_stack) AS tool FROM market) WHERE tool IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?", [INDEX_TOOL_BITS]
            ).fetchall())
        bits = {tool: i for i, tool in enumerate(with_bit)}
        if lowered:
            con.execute(f"INSERT INTO {MARKET_INDEX_CODES} SELECT 'tech_stack', unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
                        [[bits.get(tool, -1) for tool in lowered], lowered])  # one statement, not one per tool
        # each item's bit, NULL for a tool without one (and for a NULL item); bit_or ignores NULLs;
        # an empty or NULL list gives 0. A few spellings: the item's place among them gives its bit
        # (no lower() per item: half the CPU); many: the lower-cased item's place among those with a bit
        if len(spellings) <= _BITS_BY_SPELLING_MAX:
            item_bit = "list_extract(?::UBIGINT[], list_position(?::VARCHAR[], x))"
            select_params += [[None if low not in bits else 1 << bits[low] for _, low in spellings],
                              [tool for tool, _ in spellings]]
        else:
            item_bit = "CAST(1 AS UBIGINT) << (list_position(?::VARCHAR[], lower(x)) - 1)"
            select_params.append(with_bit)
        selects.append(f"CAST(coalesce(list_aggregate(list_transform(m.tech_stack, lambda x: {item_bit}), 'bit_or'), 0) "
                       f"AS UBIGINT) AS {TOOL_BITS}")
    if not selects:
        con.execute(f"DROP TABLE {MARKET_INDEX_CODES}")
        return
    con.execute(
        f"CREATE TABLE {MARKET_INDEX} AS SELECT {', '.join(selects)} FROM market AS m {' '.join(joins)}"
        + (f" ORDER BY {', '.join(order)}" if order else ""),
        select_params + params,
    )


@dataclass(frozen=True)
class _Index:
    """The market index as read once per data version (``_read_index``)."""
    coded: Mapping[str, tuple[tuple[int, str, str], ...]]  # column -> (code, lower(spelling), cell label)
    tools: Mapping[str, int] | None  # lower-cased tool -> bit (-1: none); None: no TOOL_BITS column
    numeric: frozenset[str]  # the numeric columns it holds


def _read_index(cur: duckdb.DuckDBPyConnection) -> _Index | None:
    """The market index, when the store has one written from the market as it is now (its row
    count per import is the market's); None otherwise (an older store, a read-only one, or one
    whose market another program changed): the figures then read the market itself."""
    from icp_core.store import MARKET_INDEX, MARKET_INDEX_CODES

    if not (table_exists(cur, MARKET_INDEX) and table_exists(cur, MARKET_INDEX_CODES)):
        return None
    rows = cur.execute(
        f"SELECT kind, code, value, lower(value), coalesce(nullif(trim(value), ''), ?) FROM {MARKET_INDEX_CODES}",
        [UNKNOWN],
    ).fetchall()
    if [r[1] for r in rows if r[0] == "_format"] != [INDEX_FORMAT]:
        return None
    stamp = {r[1]: r[2] for r in rows if r[0] == "_rows"}
    live = dict(cur.execute("SELECT _import_id, CAST(count(*) AS VARCHAR) FROM market GROUP BY _import_id").fetchall())
    if stamp != live:
        return None
    columns = set(table_columns(cur, MARKET_INDEX))
    coded: dict[str, list[tuple[int, str, str]]] = {}
    for kind, code, _value, lowered, label in rows:
        if kind in INDEX_CODED and _code_column(kind) in columns:
            coded.setdefault(kind, []).append((int(code), lowered, label))
    tools = {r[2]: int(r[1]) for r in rows if r[0] == "tech_stack"} if TOOL_BITS in columns else None
    return _Index({k: tuple(v) for k, v in coded.items()}, tools,
                  frozenset(c for c in INDEX_NUMERIC if c in columns))


def _index_conditions(filters: Iterable[Filter], index: _Index, as_of_year: int,
                      types: Mapping[str, str]) -> tuple[str, list] | None:
    """AND of the filters on the market index (for a WHERE clause), the same rows as
    ``_conditions`` on the market; None when a filter needs a column the index lacks (or a tool
    without a bit): then the market is read.

    - a tool filter: ``(TOOL_BITS & wanted) <> 0`` (``= 0`` negated), wanted = the bits of the
      market's tools whose lower() is one of the casefolded values; none: FALSE (TRUE negated),
      as ``_tool_sql``;
    - values of a coded column: its code is one of the codes of the spellings whose lower() is
      one of the casefolded values (``filter_sql``: ``lower(col)`` in the values; NULL never);
    - a numeric column, its bands: the market's own condition (``_term``), on the same values."""
    parts: list[tuple[str, list]] = []
    for flt in filters:
        source = _source(flt)
        if flt.field == "tech_stack":
            if index.tools is None:
                return None
            wanted = {v.casefold() for v in flt.values}
            bits = [bit for tool, bit in index.tools.items() if tool in wanted]
            if any(bit < 0 for bit in bits):
                return None
            mask = 0
            for bit in bits:
                mask |= 1 << bit
            if not mask:
                parts.append(("TRUE" if flt.negate else "FALSE", []))
            else:
                parts.append((f"({TOOL_BITS} & ?::UBIGINT) {'=' if flt.negate else '<>'} 0", [mask]))
        elif source in index.coded and flt.field == source:
            if flt.is_range or flt.is_date_range:
                return None
            wanted = {v.casefold() for v in flt.values}
            codes = [code for code, lowered, _ in index.coded[source] if lowered in wanted]
            if not codes:
                parts.append(("FALSE", []))
            else:
                parts.append((f"{quote_ident(_code_column(source))} IN ({', '.join('?' * len(codes))})", codes))
        elif source in index.numeric:
            parts.append(_term(flt, as_of_year, None, types))
        else:
            return None
    if not parts:
        return "TRUE", []
    return " AND ".join(f"({p})" for p, _ in parts), [v for _, ps in parts for v in ps]


def _cost(flt: Filter) -> int:
    """Cheap filters first: numeric ranges, then categorical values and bands, then tools."""
    if flt.field == "tech_stack":
        return 3
    if flt.field in _SOURCE:
        return 2
    return 0 if flt.is_range else 1


def _dimension_sql(dimension: str, columns: set[str], as_of_year: int) -> str:
    if dimension == "size_band":
        expr = size_band_sql()
    elif dimension == "revenue_band":
        expr = revenue_band_sql()
    elif dimension == "age_band":
        expr = age_band_sql(as_of_year)
    else:
        expr = f"CAST({quote_ident(dimension)} AS VARCHAR)"
    if _source(dimension) not in columns:
        return f"'{UNKNOWN}'"
    return f"coalesce(nullif(trim({expr}), ''), '{UNKNOWN}')"


# ---- ACV -----------------------------------------------------------------------------------------

def default_acv(cur: duckdb.DuckDBPyConnection, as_of: date | None = None) -> dict:
    """{"acv": median ARR (12 x mrr) of accounts active at as_of with mrr > 0 or None, "n": their
    count, "as_of"}. The usual median: the mean of the two middle values for an even count."""
    if not table_exists(cur, "accounts"):
        return {"acv": None, "n": 0, "as_of": None}
    as_of = as_of or default_as_of(cur)
    columns = set(table_columns(cur, "accounts"))
    if as_of is None or not {"mrr", "start_date", "churn_date"} <= columns:
        return {"acv": None, "n": 0, "as_of": as_of}
    row = cur.execute(
        f"SELECT quantile_cont(12 * mrr, 0.5), count(*) FROM accounts WHERE {active_at_sql('$1')} AND mrr > 0",
        [as_of],
    ).fetchall()[0]
    return {"acv": None if row[0] is None else float(row[0]), "n": int(row[1]), "as_of": as_of}


# ---- funnel --------------------------------------------------------------------------------------

def _matches_lists(matches: Any) -> tuple[list[str], list[str]]:
    if matches is None:
        return [], []
    if isinstance(matches, pl.DataFrame):
        return matches["account_id"].cast(pl.String).to_list(), matches["company_id"].cast(pl.String).to_list()
    pairs = list(matches)
    return [str(a) for a, _ in pairs], [str(c) for _, c in pairs]


def customer_matches(cur: duckdb.DuckDBPyConnection, as_of: date | None = None) -> tuple[tuple[str, str, str], ...]:
    """(account_id, company_id, matched_by) for the accounts active at as_of that were found in
    the market (hashable: pages cache it per data version and pass it on)."""
    if not (table_exists(cur, "accounts") and table_exists(cur, "market")):
        return ()
    as_of = as_of or default_as_of(cur)
    if as_of is None:
        return ()
    frame = match_customers(cur, active_at_sql("$1"), [as_of])
    return tuple((r[0], r[1], r[2]) for r in frame.iter_rows())


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def _times(count: float | None, *factors: float | None) -> float | None:
    if count is None or any(f is None for f in factors):
        return None
    value = float(count)
    for f in factors:
        value *= float(f)
    return value


def _check_share(share: float, name: str = "share") -> float:
    if share is None or not isinstance(share, (int, float)) or math.isnan(share) or not 0 <= share <= 1:
        raise IcpError("market.bad_share", name=name, value=share)
    return float(share)


# ---- per data version: what the figures read besides the filters (in process memory) ---------------

#: small values per data version: column types, the market's size and tools, default as_of and ACV
_SMALL = facts.Lru(64)
#: the market fields of the matched companies, one column per entry (see ``_matched_table``)
_MATCHED = facts.Lru(64, max_bytes=96 * 2**20)


def clear_cache() -> None:
    """Forget the cached per-data-version values of this module (tests; memory pressure)."""
    _SMALL.clear()
    _MATCHED.clear()


@dataclass(frozen=True)
class _Info:
    """What the market figures need to know about the store, read once per data version."""
    market_rows: int  # 0 without a market table
    market_types: dict[str, str]  # column -> DuckDB type, in table order ({} without the table)
    account_types: dict[str, str]  # the same for accounts
    tools: tuple[tuple[str, str], ...] | None  # market_tools(); None without the derived table
    index: _Index | None = None  # the market index (``_read_index``); None: the figures read the market


def _read_info(cur: duckdb.DuckDBPyConnection) -> _Info:
    rows = cur.execute(
        f"SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE {THIS_SCHEMA} "
        "AND table_name IN ('market', 'accounts') ORDER BY table_name, column_index"
    ).fetchall()
    types: dict[str, dict[str, str]] = {"market": {}, "accounts": {}}
    for table, column, dtype in rows:
        types[table][column] = dtype
    n = cur.execute("SELECT count(*) FROM market").fetchall()[0][0] if types["market"] else 0
    tools = market_tools(cur) if types["market"] else None
    index = _read_index(cur) if types["market"] else None
    return _Info(int(n), types["market"], types["accounts"], None if tools is None else tuple(tools), index)


def _info(cur: duckdb.DuckDBPyConnection, skey: tuple | None) -> _Info:
    return facts.cached(_SMALL, skey, ("market.info",), lambda: _read_info(cur))


def _as_of(cur: duckdb.DuckDBPyConnection, skey: tuple | None, as_of: date | None) -> date | None:
    """as_of, else ``default_as_of`` (cached per data version and day)."""
    if as_of is not None:
        return as_of
    return facts.cached(_SMALL, skey, ("market.as_of", date.today()), lambda: default_as_of(cur))


def _default_acv(cur: duckdb.DuckDBPyConnection, skey: tuple | None, as_of: date | None) -> dict:
    return dict(facts.cached(_SMALL, skey, ("market.acv", as_of), lambda: default_acv(cur, as_of)))


@dataclass(frozen=True)
class _Pairs:
    """A matches argument read once: the (account_id, company_id) pairs as an Arrow table
    (columns account_id, company_id, _i = position), the count per matched_by, and a token naming
    these pairs in the keys of ``_MATCHED``."""
    table: pa.Table
    by: dict[str, int]
    token: str


def _read_pairs(matches: Any) -> _Pairs:
    pairs, by = _pairs(matches)
    table = pa.table({
        "account_id": pa.array([a for a, _ in pairs], pa.string()),
        "company_id": pa.array([c for _, c in pairs], pa.string()),
        "_i": pa.array(range(len(pairs)), pa.int64()),
    })
    return _Pairs(table, by, uuid.uuid4().hex)


def _pairs_of(skey: tuple | None, matches: Any) -> _Pairs:
    """The pairs of a matches argument; cached by its value when it is a tuple (``customer_matches``).
    The same tuple object as in the last call is recognised without hashing its ~15,000 rows
    (~0.7 ms per call: a page passes its cached matches again and again)."""
    if isinstance(matches, tuple):
        def by_value() -> _Pairs:
            return facts.cached(_SMALL, skey, ("market.pairs", matches), lambda: _read_pairs(matches))

        # the entry holds the tuple itself, so no other object can get its id while it is cached
        held, pairs = facts.cached(_SMALL, skey, ("market.pairs.of", id(matches)), lambda: (matches, by_value()))
        return pairs if held is matches else by_value()
    return _read_pairs(matches)


class _Registered:
    """Arrow tables registered on the cursor under fresh names for one query, then unregistered."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur
        self.names: list[str] = []

    def add(self, table: pa.Table) -> str:
        name = f"_market_{uuid.uuid4().hex}"
        self.cur.register(name, table)
        self.names.append(name)
        return quote_ident(name)

    def __enter__(self) -> "_Registered":
        return self

    def __exit__(self, *exc) -> None:
        for name in self.names:
            self.cur.unregister(name)


def _matched_table(cur: duckdb.DuckDBPyConnection, skey: tuple | None, pairs: _Pairs,
                   columns: Iterable[str], reg: _Registered) -> tuple[pa.Table | None, int]:
    """(the market columns of the matched companies, their row count): one row per pair and market
    row with its company_id (the rows the old join ``market.company_id = matched id`` counted), in
    the order of the pairs, then of the market. None instead of a table when no column is asked for.

    Each column is cached per data version and pairs (``_MATCHED``): reading them costs a pass over
    the market's company_id (~130 ms at 5M companies), once; the figures then count a few thousand
    rows instead of joining the SAM's rows to the matches on every call."""
    columns = list(dict.fromkeys(columns))
    batch: dict[Any, pa.ChunkedArray] = {}

    def build(column: str | None) -> pa.ChunkedArray:
        if not batch:
            name = reg.add(pairs.table)
            selected = ", ".join(["m.rowid"] + [f"m.{quote_ident(c)}" for c in columns])
            table = cur.sql(
                f"SELECT {selected} FROM {name} AS p JOIN market AS m ON m.company_id = p.company_id "
                "ORDER BY p._i, m.rowid"
            ).to_arrow_table()
            batch[None] = table.column(0)
            for i, c in enumerate(columns, start=1):
                batch[c] = table.column(i)
        return batch[column]

    rows = facts.cached(_MATCHED, skey, ("market.matched", pairs.token, None), lambda: build(None))
    if not columns:
        return None, len(rows)
    arrays = [facts.cached(_MATCHED, skey, ("market.matched", pairs.token, c), lambda c=c: build(c)) for c in columns]
    return pa.Table.from_arrays(arrays, names=columns), len(rows)


def _filter_columns(filters: Iterable[Filter], columns: Mapping[str, str]) -> list[str]:
    return [_source(f) for f in filters if _source(f) in columns]


# ---- the funnel ---------------------------------------------------------------------------------

def market_funnel(
    cur: duckdb.DuckDBPyConnection,
    sam: Iterable[Filter] = (),
    icp: Iterable[Filter] = (),
    acv: float | None = None,
    share: float = 1.0,
    as_of: date | None = None,
    matches: Any = None,
) -> dict:
    """TAM / SAM / SOM from the market table (see the module docstring). ``matches``: the result
    of ``customer_matches`` when the caller has it cached; computed here otherwise.

    Returns {"mode": "bottom_up", "as_of", "acv", "acv_source" ("user"|"data"|None), "acv_n",
    "share", "filters": {"sam": [...], "icp": [...]}, "tam"|"sam"|"som": {"companies", "value",
    "customers", "penetration", "customers_matched", "customers_unmatched"}, "icp_coverage",
    "warnings": [...], "customers_active", "matched": {"domain", "name", "unmatched"}}."""
    sam, icp = tuple(sam), tuple(icp)
    share = _check_share(share)
    skey = facts.store_key(cur)
    info = _info(cur, skey)
    if not info.market_rows:
        raise IcpError("market.no_table")
    if acv is not None and (math.isnan(acv) or acv < 0):
        raise IcpError("market.bad_acv", value=acv)
    as_of = _as_of(cur, skey, as_of)
    year = (as_of or date.today()).year
    m_types = info.market_types
    m_cols = set(m_types)
    tools = list(info.tools) if info.tools is not None and any(f.field == "tech_stack" for f in sam + icp) else None
    sam_m, sam_mp = _conditions(sam, m_cols, year, strict=True, lazy=False, tools=tools, types=m_types)
    icp_m, icp_mp = _conditions(icp, m_cols, year, strict=True, tools=tools, types=m_types)
    acv_info = _default_acv(cur, skey, as_of) if acv is None else {"acv": float(acv), "n": None}
    acv_value = acv_info["acv"]
    acv_source = "user" if acv is not None else ("data" if acv_value is not None else None)

    can_count = _customers_countable(info, as_of)
    # the companies: one pass over the market index (or the market), the SAM filter pushed into
    # the scan, the ICP terms only on SAM rows
    on_index = _on_index(info, sam, icp, year)
    if on_index is not None:
        (sam_i, sam_ip), (icp_i, icp_ip) = on_index
        select = f"SELECT count(*) AS sam_n, count(*) FILTER (WHERE {icp_i}) AS som_n FROM {_index_table()} WHERE {sam_i}"
        params: list = [*icp_ip, *sam_ip]
    else:
        select = f"SELECT count(*) AS sam_n, count(*) FILTER (WHERE {icp_m}) AS som_n FROM market WHERE {sam_m}"
        params = [*icp_mp, *sam_mp]
    with _Registered(cur) as reg:
        if can_count:
            if matches is None:
                matches = customer_matches(cur, as_of)
            pairs = _pairs_of(skey, matches)
            matched, n_matched = _matched_table(cur, skey, pairs, _filter_columns(sam + icp, m_types), reg)
            # the matched customers: the same conditions on their companies' market rows
            if matched is None:
                select = f"SELECT * FROM ({select}) CROSS JOIN (SELECT {n_matched} AS sam_c, {n_matched} AS som_c)"
            else:
                select = (f"SELECT * FROM ({select}) CROSS JOIN (SELECT count(*) AS sam_c, count(*) FILTER (WHERE {icp_m}) "
                          f"AS som_c FROM {reg.add(matched)} WHERE {sam_m})")
                params += [*icp_mp, *sam_mp]
            # the active accounts not found in the market, inside each level by their own fields
            a_types = info.account_types
            a_tools = _account_tools(cur, skey, info, sam + icp)
            sam_a, sam_ap = _conditions(sam, set(a_types), as_of.year, strict=False, tools=a_tools, types=a_types)
            icp_a, icp_ap = _conditions(icp, set(a_types), as_of.year, strict=False, tools=a_tools, types=a_types)
            select += (f""" CROSS JOIN (SELECT count(*) AS tam_u, count(*) FILTER (WHERE {sam_a}) AS sam_u,
                       count(*) FILTER (WHERE ({sam_a}) AND ({icp_a})) AS som_u
                       FROM accounts WHERE {active_at_sql('?')}
                       AND account_id NOT IN (SELECT account_id FROM {reg.add(pairs.table)}))""")
            params += [*sam_ap, *sam_ap, *icp_ap, as_of, as_of]
        counts = cur.execute(select, params).fetchall()[0]
    companies = {"tam": info.market_rows, "sam": int(counts[0]), "som": int(counts[1])}
    customers = None
    if can_count:
        matched_n = {"tam": pairs.table.num_rows, "sam": int(counts[2]), "som": int(counts[3])}
        unmatched_n = dict(zip(LEVELS, (int(x) for x in counts[4:7])))
        customers = {lv: {"total": matched_n[lv] + unmatched_n[lv], "matched": matched_n[lv], "unmatched": unmatched_n[lv]}
                     for lv in LEVELS}
        customers["active"] = customers["tam"]["total"]
        customers["by"] = {"domain": pairs.by.get("domain", 0), "name": pairs.by.get("name", 0),
                           "unmatched": unmatched_n["tam"]}
    out: dict[str, Any] = {
        "mode": "bottom_up",
        "as_of": as_of.isoformat() if as_of else None,
        "acv": acv_value,
        "acv_source": acv_source,
        "acv_n": acv_info["n"],
        "share": share,
        "filters": {"sam": [f.spec() for f in sam], "icp": [f.spec() for f in icp]},
    }
    for level in LEVELS:
        cust = customers.get(level) if customers else None
        value = _times(companies[level], acv_value, share if level == "som" else 1.0)
        out[level] = {
            "companies": companies[level],
            "value": value,
            "customers": None if cust is None else cust["total"],
            "penetration": None if cust is None else _ratio(cust["total"], companies[level]),
            "customers_matched": None if cust is None else cust["matched"],
            "customers_unmatched": None if cust is None else cust["unmatched"],
        }
    out.update(icp_breadth(companies["sam"], companies["som"], has_icp=bool(icp)))
    out["customers_active"] = customers["active"] if customers else None
    out["matched"] = customers["by"] if customers else None
    return out


def _on_index(info: _Info, sam: tuple[Filter, ...], icp: tuple[Filter, ...],
              year: int) -> tuple[tuple[str, list], tuple[str, list]] | None:
    """The SAM and ICP conditions on the market index, or None when the market must be read."""
    if info.index is None:
        return None
    sam_i = _index_conditions(sam, info.index, year, info.market_types)
    icp_i = None if sam_i is None else _index_conditions(icp, info.index, year, info.market_types)
    return None if icp_i is None else (sam_i, icp_i)


def _index_table() -> str:
    from icp_core.store import MARKET_INDEX

    return MARKET_INDEX


def _customers_countable(info: _Info, as_of: date | None) -> bool:
    """Customers can be counted when accounts say who is active at as_of."""
    return as_of is not None and {"start_date", "churn_date"} <= set(info.account_types)


def _pairs(matches: Any) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """(account_id, company_id) pairs and the count per matched_by of a matches argument."""
    by: dict[str, int] = {}
    if matches is None:
        return [], by
    if isinstance(matches, pl.DataFrame):
        rows = matches.select("account_id", "company_id", "matched_by").iter_rows()
    else:
        rows = matches
    pairs = []
    for m in rows:
        pairs.append((str(m[0]), str(m[1])))
        if len(m) > 2:
            by[m[2]] = by.get(m[2], 0) + 1
    return pairs, by



# ---- top-down ------------------------------------------------------------------------------------

def top_down_funnel(
    tam_count: float,
    sam_share: float | None = None,
    som_share: float | None = None,
    acv: float | None = None,
    *,
    sam_count: float | None = None,
    som_count: float | None = None,
    share: float = 1.0,
) -> dict:
    """TAM / SAM / SOM typed in by the user (no market table): SAM as a count or a share of TAM,
    SOM as a count or a share of SAM; counts from shares are rounded to whole companies (half up).
    Every figure is an assumption; customers and penetration are None."""
    if tam_count is None or tam_count < 0 or math.isnan(tam_count):
        raise IcpError("market.bad_count", name="TAM", value=tam_count)
    tam = int(math.floor(tam_count + 0.5))
    if sam_count is None:
        sam = int(math.floor(tam * _check_share(1.0 if sam_share is None else sam_share, "SAM") + 0.5))
    else:
        sam = int(math.floor(sam_count + 0.5))
    if not 0 <= sam <= tam:
        raise IcpError("market.bad_count", name="SAM", value=sam_count)
    if som_count is None:
        som = int(math.floor(sam * _check_share(1.0 if som_share is None else som_share, "SOM") + 0.5))
    else:
        som = int(math.floor(som_count + 0.5))
    if not 0 <= som <= sam:
        raise IcpError("market.bad_count", name="SOM", value=som_count)
    share = _check_share(share)
    if acv is not None and (math.isnan(acv) or acv < 0):
        raise IcpError("market.bad_acv", value=acv)
    out: dict[str, Any] = {"mode": "top_down", "assumption": True, "as_of": None, "acv": acv,
                           "acv_source": "user" if acv is not None else None, "acv_n": None, "share": share,
                           "filters": {"sam": [], "icp": []}}
    for level, count in zip(LEVELS, (tam, sam, som)):
        out[level] = {"companies": count, "value": _times(count, acv, share if level == "som" else 1.0),
                      "customers": None, "penetration": None, "customers_matched": None, "customers_unmatched": None}
    out.update(icp_breadth(sam, som, has_icp=True))
    out["customers_active"] = None
    out["matched"] = None
    return out


# ---- ICP breadth ---------------------------------------------------------------------------------

def icp_breadth(sam_companies: int, som_companies: int, has_icp: bool = True) -> dict:
    """{"icp_coverage": SOM / SAM companies or None, "warnings": [...]}; warnings: "sam_empty",
    "icp_none" (no ICP filters: SOM = SAM), "icp_broad" (coverage > BROAD_SHARE), "icp_narrow"
    (fewer than NARROW_COMPANIES companies or coverage < NARROW_SHARE)."""
    coverage = _ratio(som_companies, sam_companies)
    warnings: list[str] = []
    if not sam_companies:
        warnings.append("sam_empty")
    else:
        if not has_icp:
            warnings.append("icp_none")
        if coverage is not None and coverage > BROAD_SHARE:
            warnings.append("icp_broad")
        if som_companies < NARROW_COMPANIES or (coverage is not None and coverage < NARROW_SHARE):
            warnings.append("icp_narrow")
    return {"icp_coverage": coverage, "warnings": warnings}


# ---- white space ---------------------------------------------------------------------------------

WHITE_SPACE_SCHEMA = {
    "segment": pl.String, "companies": pl.Int64, "icp_companies": pl.Int64, "customers": pl.Int64,
    "icp_customers": pl.Int64, "penetration": pl.Float64, "icp_penetration": pl.Float64,
    "open_icp_companies": pl.Int64, "open_value": pl.Float64, "icp_open_value": pl.Float64,
    "rank": pl.Int64, "top": pl.Boolean,
}


def white_space(
    cur: duckdb.DuckDBPyConnection,
    sam: Iterable[Filter] = (),
    icp: Iterable[Filter] = (),
    dimension: str = "industry",
    acv: float | None = None,
    as_of: date | None = None,
    matches: Any = None,
    top: int = WHITE_SPACE_TOP,
) -> pl.DataFrame:
    """The SAM split by ``dimension`` (columns WHITE_SPACE_SCHEMA; the module docstring gives the
    rule). Ranked cells first (rank 1 = go first), then the rest by companies. acv None = the
    default ACV (None when the data cannot give one: the values are then None)."""
    sam, icp = tuple(sam), tuple(icp)
    skey = facts.store_key(cur)
    info = _info(cur, skey)
    if not info.market_rows:
        raise IcpError("market.no_table")
    m_types = info.market_types
    m_cols = set(m_types)
    if _source(dimension) not in m_cols:
        raise IcpError("market.unknown_field", field=dimension, fields=", ".join(sorted(m_cols)))
    as_of = _as_of(cur, skey, as_of)
    year = (as_of or date.today()).year
    if acv is None:
        acv = _default_acv(cur, skey, as_of)["acv"]
    tools = list(info.tools) if info.tools is not None and any(f.field == "tech_stack" for f in sam + icp) else None
    sam_m, sam_mp = _conditions(sam, m_cols, year, strict=True, lazy=False, tools=tools, types=m_types)
    icp_m, icp_mp = _conditions(icp, m_cols, year, strict=True, tools=tools, types=m_types)
    dim_m = _dimension_sql(dimension, m_cols, year)
    can_count = _customers_countable(info, as_of)
    counts = ("companies", "icp_companies", "customers", "icp_customers")
    # one pass over the SAM rows (of the market index when it can answer): companies and ICP companies per cell
    frame = _index_cells(cur, info, sam, icp, dimension, year)
    if frame is None:
        cells = (f"SELECT {dim_m} AS segment, count(*) AS companies, count(*) FILTER (WHERE {icp_m}) AS icp_companies "
                 f"FROM market WHERE {sam_m} GROUP BY 1")
        frame = cur.sql(cells, params=[*icp_mp, *sam_mp]).pl()
    frame = frame.with_columns(pl.col(c).cast(pl.Int64) for c in counts[:2])
    if can_count:
        if matches is None:
            matches = customer_matches(cur, as_of)
        pairs = _pairs_of(skey, matches)
        zero = [pl.lit(0, pl.Int64).alias(c) for c in counts[:2]]
        with _Registered(cur) as reg:
            # the matched customers per cell of their market company (the same conditions and cells
            # on the companies' market rows), and the unmatched ones per cell of their own fields
            matched, _ = _matched_table(cur, skey, pairs, [*_filter_columns(sam + icp, m_types), _source(dimension)], reg)
            by_company = cur.sql(
                f"SELECT {dim_m} AS segment, count(*) AS customers, count(*) FILTER (WHERE {icp_m}) AS icp_customers "
                f"FROM {reg.add(matched)} WHERE {sam_m} GROUP BY 1",
                params=[*icp_mp, *sam_mp],
            ).pl()
            unmatched = _unmatched_by_cell(cur, info, sam, icp, dimension, as_of, reg.add(pairs.table), skey)
        parts = [frame.with_columns(pl.lit(0, pl.Int64).alias("customers"), pl.lit(0, pl.Int64).alias("icp_customers"))]
        for part in (by_company, unmatched):
            parts.append(part.with_columns(pl.col(c).cast(pl.Int64) for c in counts[2:]).with_columns(zero)
                         .select("segment", *counts))
        frame = pl.concat(parts).group_by("segment").agg(pl.col(c).sum() for c in counts)
    else:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("customers"), pl.lit(None, pl.Int64).alias("icp_customers"))
    rows = frame.to_dicts()
    for r in rows:
        r["penetration"] = _ratio(r["customers"], r["companies"])
        r["icp_penetration"] = _ratio(r["icp_customers"], r["icp_companies"])
        open_icp = r["icp_companies"] - (r["icp_customers"] or 0)
        r["open_icp_companies"] = max(open_icp, 0)
        r["open_value"] = _times(max(r["companies"] - (r["customers"] or 0), 0), acv)
        r["icp_open_value"] = _times(r["open_icp_companies"], acv)
    ranked = sorted(
        (r for r in rows if r["open_icp_companies"] > 0),
        key=lambda r: (-r["open_icp_companies"], 2.0 if r["icp_penetration"] is None else r["icp_penetration"], r["segment"]),
    )
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
        r["top"] = i <= top
    rest = sorted((r for r in rows if r["open_icp_companies"] <= 0), key=lambda r: (-r["companies"], r["segment"]))
    for r in rest:
        r["rank"] = None
        r["top"] = False
    return pl.DataFrame(ranked + rest, schema=WHITE_SPACE_SCHEMA, orient="row") if rows else pl.DataFrame(schema=WHITE_SPACE_SCHEMA)


def _index_cells(cur: duckdb.DuckDBPyConnection, info: _Info, sam: tuple[Filter, ...], icp: tuple[Filter, ...],
                 dimension: str, year: int) -> pl.DataFrame | None:
    """White-space cells from the market index (segment, companies, icp_companies), or None when
    the index cannot answer the filters or the dimension. A coded dimension is counted per code,
    then per cell label (the market's ``_dimension_sql``: the trimmed spelling, UNKNOWN for none;
    two spellings can share a label); a band is the market's own expression on the same values."""
    on_index = _on_index(info, sam, icp, year)
    if on_index is None:
        return None
    (sam_i, sam_ip), (icp_i, icp_ip) = on_index
    index = info.index
    source = _source(dimension)
    if dimension in index.coded:
        expr = quote_ident(_code_column(dimension))
    elif dimension != source and source in index.numeric:
        expr = _dimension_sql(dimension, set(index.numeric), year)
    else:
        return None
    rows = cur.execute(
        f"SELECT {expr}, count(*), count(*) FILTER (WHERE {icp_i}) FROM {_index_table()} WHERE {sam_i} GROUP BY 1",
        [*icp_ip, *sam_ip],
    ).fetchall()
    cells: dict[str, list[int]] = {}
    labels = {code: label for code, _, label in index.coded[dimension]} if dimension in index.coded else None
    for segment, companies, icp_companies in rows:
        if labels is not None:
            segment = UNKNOWN if segment is None else labels[segment]
        cell = cells.setdefault(segment, [0, 0])
        cell[0] += companies
        cell[1] += icp_companies
    return pl.DataFrame(
        {"segment": list(cells), "companies": [c[0] for c in cells.values()],
         "icp_companies": [c[1] for c in cells.values()]},
        schema={"segment": pl.String, "companies": pl.Int64, "icp_companies": pl.Int64},
    )


def _account_tools(cur: duckdb.DuckDBPyConnection, skey: tuple | None, info: _Info,
                   filters: tuple[Filter, ...]) -> list[tuple[str, str]] | None:
    """(tool, lower(tool)) for every distinct tool in the accounts' tech_stack, read once per data
    version and only when a filter asks for a tool; tool filters on the accounts then compare these
    spellings (``_tool_sql``: 1M accounts ~35 instead of ~70 ms of CPU). None (the generic form)
    without a tool filter, a list-typed tech_stack or a store key."""
    if skey is None or info.account_types.get("tech_stack") != "VARCHAR[]" \
            or not any(f.field == "tech_stack" for f in filters):
        return None

    def read() -> tuple[tuple[str, str], ...]:
        return tuple((r[0], r[1]) for r in cur.execute(
            "SELECT tool, lower(tool) FROM (SELECT DISTINCT unnest(tech_stack) AS tool FROM accounts) "
            "WHERE tool IS NOT NULL ORDER BY 1"
        ).fetchall())

    return list(facts.cached(_SMALL, skey, ("market.account_tools",), read))


def _unmatched_by_cell(cur, info: _Info, sam, icp, dimension, as_of, matched_accounts: str,
                       skey: tuple | None = None) -> pl.DataFrame:
    """Active accounts not found in the market (``matched_accounts``: a registered table of the
    matched pairs), inside the SAM by their own fields, per cell of their own dimension value:
    segment, customers, icp_customers."""
    a_types = info.account_types
    a_cols = set(a_types)
    a_tools = _account_tools(cur, skey, info, tuple(sam) + tuple(icp))
    sam_a, sam_ap = _conditions(sam, a_cols, as_of.year, strict=False, lazy=False, tools=a_tools, types=a_types)
    icp_a, icp_ap = _conditions(icp, a_cols, as_of.year, strict=False, tools=a_tools, types=a_types)
    dim_a = _dimension_sql(dimension, a_cols, as_of.year)
    frame = cur.sql(
        f"""SELECT {dim_a} AS segment, count(*) AS customers, count(*) FILTER (WHERE {icp_a}) AS icp_customers
        FROM accounts WHERE {active_at_sql('?')} AND account_id NOT IN (SELECT account_id FROM {matched_accounts})
        AND ({sam_a})
        GROUP BY 1""",
        params=[*icp_ap, as_of, as_of, *sam_ap],
    ).pl()
    return frame.with_columns(pl.col("customers").cast(pl.Int64), pl.col("icp_customers").cast(pl.Int64))


# ---- options for the page ------------------------------------------------------------------------

def filter_options(cur: duckdb.DuckDBPyConnection, limit: int = 200) -> dict:
    """Values the SAM widgets offer, most frequent first: {"country", "industry",
    "business_model", "tools": [...]} and the market's columns."""
    if not has_market(cur):
        return {"country": [], "industry": [], "business_model": [], "tools": [], "columns": []}
    cols = table_columns(cur, "market")
    out: dict[str, Any] = {"columns": cols}
    for field in ("country", "industry", "business_model"):
        if field in cols:
            q = quote_ident(field)
            rows = cur.execute(
                f"SELECT {q} FROM market WHERE {q} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?", [limit]
            ).fetchall()
            out[field] = [str(r[0]) for r in rows]
        else:
            out[field] = []
    if "tech_stack" in cols:
        rows = cur.execute(
            "SELECT tool FROM (SELECT unnest(tech_stack) AS tool FROM market) WHERE tool IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
            [limit],
        ).fetchall()
        out["tools"] = [str(r[0]) for r in rows]
    else:
        out["tools"] = []
    return out


def dimensions(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The white-space dimensions the market table can give (DIMENSIONS in order)."""
    cols = set(table_columns(cur, "market")) if table_exists(cur, "market") else set()
    return [d for d in DIMENSIONS if _source(d) in cols]


# ---- presentation helpers (no Streamlit) ---------------------------------------------------------

def funnel_levels(result: dict, lang: str = "en") -> list[dict]:
    """The levels for ``charts.funnel``."""
    return [
        {"label": t(f"market.level.{lv}", lang), "companies": result[lv]["companies"], "value": result[lv]["value"],
         "customers": result[lv]["customers"], "penetration": result[lv]["penetration"]}
        for lv in LEVELS
    ]


def funnel_table(result: dict, lang: str = "en", currency: str = "€") -> pl.DataFrame:
    """The funnel as a table of display strings (one row per level)."""
    rows = []
    for lv in LEVELS:
        r = result[lv]
        rows.append({
            t("market.col.level", lang): t(f"market.level.{lv}", lang),
            t("market.col.companies", lang): fmt_number(r["companies"], lang),
            t("market.col.value", lang): fmt_money(r["value"], lang, 0, currency),
            t("market.col.customers", lang): fmt_number(r["customers"], lang),
            t("market.col.penetration", lang): fmt_pct(r["penetration"], lang, 2),
        })
    return pl.DataFrame(rows)


def white_space_table(frame: pl.DataFrame, dimension: str, lang: str = "en", currency: str = "€") -> pl.DataFrame:
    """The white space as a table of display strings (rank, cell, figures)."""
    rows = []
    for r in frame.to_dicts():
        rows.append({
            t("market.col.rank", lang): "" if r["rank"] is None else (f"★ {r['rank']}" if r["top"] else str(r["rank"])),
            t(f"market.dim.{dimension}", lang) if f"market.dim.{dimension}" in _keys() else dimension: r["segment"],
            t("market.col.companies", lang): fmt_number(r["companies"], lang),
            t("market.col.icp_companies", lang): fmt_number(r["icp_companies"], lang),
            t("market.col.customers", lang): fmt_number(r["customers"], lang),
            t("market.col.penetration", lang): fmt_pct(r["penetration"], lang, 2),
            t("market.col.icp_penetration", lang): fmt_pct(r["icp_penetration"], lang, 2),
            t("market.col.open_icp", lang): fmt_number(r["open_icp_companies"], lang),
            t("market.col.open_value", lang): fmt_money(r["open_value"], lang, 0, currency),
            t("market.col.icp_open_value", lang): fmt_money(r["icp_open_value"], lang, 0, currency),
        })
    return pl.DataFrame(rows)


def _keys() -> set[str]:
    from icp_core.i18n import TEXTS

    return set(TEXTS)


def warning_texts(result: dict, lang: str = "en") -> list[str]:
    """The ICP-breadth warnings as sentences, with the documented thresholds."""
    out = []
    for w in result.get("warnings", []):
        out.append(t(f"market.warn.{w}", lang, coverage=fmt_pct(result.get("icp_coverage"), lang, 1),
                     broad=fmt_pct(BROAD_SHARE, lang, 0), narrow_n=fmt_number(NARROW_COMPANIES, lang),
                     narrow_share=fmt_pct(NARROW_SHARE, lang, 0), som=fmt_number(result["som"]["companies"], lang)))
    return out


# ---- command line (icp market) -------------------------------------------------------------------

def parse_share(text: str | float | None, name: str = "share") -> float | None:
    """'0.3' -> 0.3; '30%' -> 0.3; None -> None. Plain numbers are fractions 0..1."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return _check_share(float(text), name)
    raw = str(text).strip().replace(",", ".")
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise IcpError("market.bad_share", name=name, value=text) from None
    return _check_share(value, name)


def cli_result(
    cur: duckdb.DuckDBPyConnection,
    sam_specs: Iterable[str] = (),
    icp_specs: Iterable[str] | None = None,
    acv: float | None = None,
    share: str | float | None = None,
    as_of: date | None = None,
    *,
    saved_icp: Any = None,
    segmentation: Any = None,
    tam_count: float | None = None,
    sam_share: str | float | None = None,
    som_share: str | float | None = None,
    sam_count: float | None = None,
    som_count: float | None = None,
) -> dict:
    """What ``icp market --json`` prints. With a market table: bottom-up; ICP filters from
    ``icp_specs``, else the saved ICP / segmentation (filters on fields the market lacks are left
    out and listed under "ignored"). Without one: top-down from the typed figures, else
    IcpError("market.no_table")."""
    share_value = 1.0 if share is None else parse_share(share, "share")
    top_down_given = any(v is not None for v in (tam_count, sam_share, som_share, sam_count, som_count))
    if not has_market(cur) or top_down_given:
        if tam_count is None:
            raise IcpError("market.no_table" if not has_market(cur) else "market.top_down_needs_tam")
        return top_down_funnel(tam_count, parse_share(sam_share, "SAM"), parse_share(som_share, "SOM"), acv,
                               sam_count=sam_count, som_count=som_count, share=share_value)
    sam = parse_specs(list(sam_specs or ()))
    ignored: tuple[Filter, ...] = ()
    if icp_specs:
        icp = parse_specs(list(icp_specs))
        source = "options"
    else:
        specs, source = saved_icp_specs(saved_icp, segmentation)
        icp, ignored = applicable_filters(cur, parse_specs(specs))
    result = market_funnel(cur, sam, icp, acv, share_value, as_of)
    result["icp_source"] = source
    result["ignored"] = [f.spec() for f in ignored]
    return result


def render_text(result: dict, lang: str = "en") -> str:
    """The funnel as a plain text table with the notes (assumptions, warnings)."""
    header = [t("market.col.level", lang), t("market.col.companies", lang), t("market.col.value", lang),
              t("market.col.customers", lang), t("market.col.penetration", lang)]
    body = []
    for lv in LEVELS:
        r = result[lv]
        body.append([t(f"market.level.{lv}", lang), fmt_number(r["companies"], lang), fmt_money(r["value"], lang),
                     fmt_number(r["customers"], lang), fmt_pct(r["penetration"], lang, 2)])
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    for b in body:
        lines.append("  ".join([b[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(b[1:], widths[1:])]))
    lines.append("")
    lines.append(t("market.text.acv", lang, acv=fmt_money(result["acv"], lang),
                   share=fmt_pct(result["share"], lang, 0)))
    if result["mode"] == "top_down":
        lines.append(t("market.text.assumption", lang))
    else:
        lines.append(t("market.text.filters", lang, sam=", ".join(result["filters"]["sam"]) or "–",
                       icp=", ".join(result["filters"]["icp"]) or "–"))
        if result.get("ignored"):
            lines.append(t("market.text.ignored", lang, filters=", ".join(result["ignored"])))
    lines.append(t("market.text.coverage", lang, coverage=fmt_pct(result["icp_coverage"], lang, 1)))
    lines.extend(warning_texts(result, lang))
    return "\n".join(lines)


# ---- saved settings (the Market page's "save" button; read by the ICP profile) -----------------

SETTING_KEY = "market_settings"  # {"sam": [specs], "icp": [specs], "acv": float | None, "share": float}


def funnel_from_settings(cur: duckdb.DuckDBPyConnection, settings: Any = None, saved_icp: Any = None,
                         segmentation: Any = None, as_of: date | None = None) -> dict | None:
    """The funnel with the settings saved on the Market page (store.get_setting(SETTING_KEY)); the
    ICP falls back to the saved ICP / segmentation when none was saved there. None without a
    market table."""
    if not has_market(cur):
        return None
    settings = settings if isinstance(settings, dict) else {}
    icp_specs = settings.get("icp")
    if not icp_specs:
        icp_specs, _ = saved_icp_specs(saved_icp, segmentation)
    icp, _ignored = applicable_filters(cur, parse_specs(icp_specs))
    return market_funnel(cur, parse_specs(settings.get("sam") or []), icp, settings.get("acv"),
                         float(settings.get("share", 1.0) or 1.0), as_of)
