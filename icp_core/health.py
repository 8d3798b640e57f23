"""Data health: which canonical fields the store has, and which figures they unlock or block.

The rules are data (``FIGURES``: figure -> alternative sets of fields it needs; ``HINTS``: how to
add a missing field), evaluated by pure functions. ``fill_counts(cur)`` is the only function that
touches the store; ``evaluate(rows, filled)`` does the rest and is what the tests drive.

    report = health.check(cur)                 # or evaluate(rows, filled)
    report.available("retention_12m")          # -> bool
    report.blocked_messages("accounts", "en")  # "No churn_date: ... cannot be computed: add ..."
    report.steps()                             # the article's five steps with their status

Also here: ``safe_csv(frame)``, the formula-safe CSV used for downloads (quarantine).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import duckdb

from icp_core import schema
from icp_core.i18n import t
from icp_core.lazy import lazy_module
from icp_core.metrics_common import quote_ident, table_columns, table_exists

pl = lazy_module("polars")  # only the CSV export needs it; the first page runs health.check

Need = tuple[str, str]  # (table, field)


@dataclass(frozen=True)
class Figure:
    """A figure (or dimension) the product shows. It is available when every (table, field) of at
    least one alternative is filled in at least one row. Its name is the i18n key health.fig.<key>."""

    key: str
    needs: tuple[tuple[Need, ...], ...]
    step: int  # the article's step (1..5) it belongs to


def _one(table: str, fld: str) -> tuple[tuple[Need, ...], ...]:
    return (((table, fld),),)


A = "accounts"
FIGURES: tuple[Figure, ...] = (
    # step 1: product-market fit
    Figure("nps", (((A, "nps"),), (("nps_responses", "score"),)), 1),
    Figure("referral_score", (((A, "acquisition_channel"), (A, "nps")),
                              ((A, "acquisition_channel"), ("nps_responses", "score"))), 1),
    Figure("referral_share", (((A, "acquisition_channel"), (A, "start_date")),), 1),
    Figure("retention_12m", (((A, "start_date"), (A, "churn_date")),), 1),
    Figure("lifetime_churn", (((A, "churn_date"),), ((A, "churned"),)), 1),
    Figure("retention_in_group", (((A, "start_date"), (A, "churn_date"), (A, "industry"), (A, "employees")),), 1),
    Figure("cohorts", (((A, "start_date"),),), 1),
    Figure("revenue_retention", _one("mrr_history", "mrr"), 1),
    Figure("sean_ellis", _one("pmf_survey", "answer"), 1),
    # step 2: segments (firmographics, technographics, people, jobs)
    Figure("industry", _one(A, "industry"), 2),
    Figure("size_band", _one(A, "employees"), 2),
    Figure("department_size", _one(A, "department_size"), 2),
    Figure("revenue_band", _one(A, "annual_revenue"), 2),
    Figure("country", _one(A, "country"), 2),
    Figure("age_band", _one(A, "founded_year"), 2),
    Figure("business_model", _one(A, "business_model"), 2),
    Figure("partner", _one(A, "partner"), 2),
    Figure("leadership_change", _one(A, "leadership_change"), 2),
    Figure("technographics", _one(A, "tech_stack"), 2),
    Figure("arr", _one(A, "mrr"), 2),
    Figure("seats", _one(A, "seats"), 2),
    Figure("sales_cycle", (((A, "sales_cycle_days"),), ((A, "first_contact_date"), (A, "start_date"))), 2),
    Figure("win_rate", _one("deals", "outcome"), 2),
    Figure("personas", ((("contacts", "buying_role"),), (("contacts", "job_title"),)), 2),
    Figure("jobs", _one("jobs", "job"), 2),
    # step 3: the three groups
    Figure("three_groups", _one(A, "tier"), 3),
    # step 4: market
    Figure("market", _one("market", "company_id"), 4),
    # step 5: the ICP put to use
    Figure("scoring", _one("prospects", "company_id"), 5),
)
FIGURES_BY_KEY = {f.key: f for f in FIGURES}

# How to add a field: (table, field) -> i18n key. Fields without an entry get the generic hint
# "add a column <field> (e.g. <synonyms>)"; tables that are not loaded get health.add_table.<table>.
HINTS: dict[Need, str] = {
    (A, "churn_date"): "health.add.churn_date",
    (A, "churned"): "health.add.churned",
    (A, "start_date"): "health.add.start_date",
    (A, "acquisition_channel"): "health.add.acquisition_channel",
    (A, "nps"): "health.add.nps",
    (A, "mrr"): "health.add.mrr",
    (A, "employees"): "health.add.employees",
    (A, "industry"): "health.add.industry",
    (A, "tech_stack"): "health.add.tech_stack",
    (A, "tier"): "health.add.tier",
    (A, "sales_cycle_days"): "health.add.sales_cycle_days",
    (A, "first_contact_date"): "health.add.first_contact_date",
}

# The article's steps: (number, i18n key, figures that make it ready, figures any of which make it partial)
STEPS: tuple[tuple[int, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (1, "pmf", ("nps", "referral_score", "referral_share", "retention_in_group"),
     ("nps", "referral_score", "referral_share", "retention_12m", "lifetime_churn", "sean_ellis")),
    (2, "segments", ("industry", "size_band"),
     ("industry", "size_band", "revenue_band", "country", "technographics", "personas", "jobs")),
    (3, "groups", ("three_groups",), ()),
    (4, "market", ("market",), ("arr",)),
    (5, "template", ("industry", "size_band", "nps", "referral_share", "retention_12m"), ("industry", "size_band")),
)

PARTLY_FILLED = 0.5  # below this share a present field is flagged as "partly filled"


@dataclass(frozen=True)
class FieldHealth:
    table: str
    field: str
    rows: int  # rows of the table (0 when the table is not loaded)
    filled: int  # rows where the field has a value
    unlocks: tuple[str, ...]  # figures whose requirements include this field
    blocks: tuple[str, ...]  # of those, figures not available while this field is empty

    @property
    def share(self) -> float | None:
        return self.filled / self.rows if self.rows else None

    @property
    def present(self) -> bool:
        return self.filled > 0

    @property
    def partly(self) -> bool:
        return self.present and (self.share or 0) < PARTLY_FILLED

    def hint(self, lang: str = "en") -> str:
        key = HINTS.get((self.table, self.field))
        if key:
            return t(key, lang)
        if self.table != A and not self.rows:
            return t(f"health.add_table.{self.table}", lang)
        synonyms = [s for s in schema.TABLES[self.table].field(self.field).synonyms if s != self.field][:3]
        return t("health.add.generic", lang, field=self.field, examples=", ".join(synonyms))


@dataclass(frozen=True)
class Step:
    number: int
    key: str  # i18n: health.step.<key>
    status: str  # ready | partial | missing
    missing: tuple[str, ...]  # figures of the "ready" set that are not available


@dataclass
class HealthReport:
    rows: dict[str, int]  # loaded canonical tables -> row count
    filled: dict[Need, int]
    fields: list[FieldHealth] = field(default_factory=list)
    figures: dict[str, bool] = field(default_factory=dict)

    def available(self, figure: str) -> bool:
        return self.figures[figure]

    def table_fields(self, table: str) -> list[FieldHealth]:
        return [f for f in self.fields if f.table == table]

    def blocked_messages(self, table: str, lang: str = "en") -> list[str]:
        """One sentence per empty field that blocks figures, e.g. 'No churn_date: 12-month
        retention cannot be computed. Add a cancellation date column ...'. Empty when the table
        is not loaded (then health.add_table.<table> says what to add)."""
        if not self.rows.get(table):  # not loaded: the table as a whole is what to add
            return []
        blocking = [fh for fh in self.table_fields(table) if fh.blocks and not fh.present]
        # most important first: fields blocking the earliest step of the method, then the most figures
        blocking.sort(key=lambda fh: (min(FIGURES_BY_KEY[b].step for b in fh.blocks), -len(fh.blocks)))
        out = []
        for fh in blocking:
            names = ", ".join(t(f"health.fig.{b}", lang) for b in fh.blocks)
            out.append(t("health.blocked", lang, field=fh.field, figures=names, hint=fh.hint(lang)))
        return out

    def steps(self) -> list[Step]:
        out = []
        for number, key, ready, partial in STEPS:
            missing = tuple(f for f in ready if not self.figures[f])
            if not missing:
                status = "ready"
            elif any(self.figures[f] for f in ready + partial):
                status = "partial"
            else:
                status = "missing"
            out.append(Step(number, key, status, missing))
        return out

    def missing_tables(self) -> list[str]:
        return [name for name in schema.TABLES if not self.rows.get(name)]


def evaluate(rows: dict[str, int], filled: dict[Need, int]) -> HealthReport:
    """The health report from row counts per table and filled counts per (table, field)."""
    present = {need for need, n in filled.items() if n > 0 and rows.get(need[0], 0) > 0}
    figures = {fig.key: any(all(n in present for n in alt) for alt in fig.needs) for fig in FIGURES}
    report = HealthReport(rows=dict(rows), filled=dict(filled), figures=figures)
    for name in schema.TABLES:
        for f in schema.stored_fields(name):
            need = (name, f.name)
            unlocks = tuple(fig.key for fig in FIGURES if any(need in alt for alt in fig.needs))
            blocks = tuple(k for k in unlocks if not figures[k] and need not in present)
            report.fields.append(
                FieldHealth(name, f.name, rows.get(name, 0), filled.get(need, 0) if rows.get(name) else 0, unlocks, blocks)
            )
    return report


FILL_COUNTS = "_fill_counts"  # kept by the store in every write transaction (store._derive_fill_counts)


def table_fill_counts(cur: duckdb.DuckDBPyConnection, name: str) -> tuple[int, dict[str, int]]:
    """One canonical table's row count and, per stored field, the rows that have a value (text:
    not blank; lists: not empty)."""
    columns = set(table_columns(cur, name))
    fields = [f for f in schema.stored_fields(name) if f.name in columns]
    parts = ["count(*)"]
    for f in fields:
        col = quote_ident(f.name)
        if f.type == "list":
            parts.append(f"count(*) FILTER (WHERE len({col}) > 0)")
        elif schema.DUCKDB_TYPES[f.type] == "VARCHAR":
            parts.append(f"count(*) FILTER (WHERE trim(CAST({col} AS VARCHAR)) <> '')")
        else:
            parts.append(f"count({col})")
    result = cur.execute(f"SELECT {', '.join(parts)} FROM {quote_ident(name)}").fetchone()
    if not result or not result[0]:
        return 0, {}
    return int(result[0]), {f.name: int(n) for f, n in zip(fields, result[1:])}


def _kept_fill_counts(cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[Need, int]] | None:
    """The counts the store keeps, when they belong to its current data version (else None).

    One statement, so the version check and the counts come from one snapshot."""
    if not table_exists(cur, FILL_COUNTS) or not table_exists(cur, "_meta"):
        return None
    ok, kept = cur.execute(
        "SELECT (SELECT max(value) FROM _meta WHERE key = 'fill_counts_version') "
        "= (SELECT max(value) FROM _meta WHERE key = 'data_version'), "
        f"(SELECT list((table_name, field, filled)) FROM {FILL_COUNTS})"
    ).fetchone()
    if not ok:
        return None
    rows: dict[str, int] = {}
    filled: dict[Need, int] = {}
    for item in kept or []:
        table, fld, n = item.values() if isinstance(item, dict) else item
        if table not in schema.TABLES:
            continue
        if fld is None:
            if n:
                rows[table] = int(n)
        else:
            filled[(table, fld)] = int(n)
    return rows, {need: n for need, n in filled.items() if need[0] in rows}


def fill_counts(cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[Need, int]]:
    """Row counts of the loaded canonical tables and, per stored field, the rows that have a value
    (text: not blank; lists: not empty).

    A store keeps these counts, written with every import, undo and clear (counting a 5,000,000-row
    market table takes seconds, and the home page needs them on every start); they are counted
    here only when the kept ones are missing or older than the data (an older store, a restore)."""
    kept = _kept_fill_counts(cur)
    if kept is not None:
        return kept
    rows: dict[str, int] = {}
    filled: dict[Need, int] = {}
    for name in schema.TABLES:
        if not table_exists(cur, name):
            continue
        n_rows, per_field = table_fill_counts(cur, name)
        if not n_rows:
            continue
        rows[name] = n_rows
        for fld, n in per_field.items():
            filled[(name, fld)] = n
    return rows, filled


def check(cur: duckdb.DuckDBPyConnection) -> HealthReport:
    return evaluate(*fill_counts(cur))


def sample_tables(imports: list[dict], prefix: str = "sample:") -> list[str]:
    """The tables whose rows still come (at least partly) from the bundled sample company, from
    the import history (store.imports(): newest first). A sample import counts while it is not
    undone and no later replace or clear of the same table (itself not undone) came after it."""
    out: list[str] = []
    for table in (t_ for t_ in _table_order()):
        for entry in imports:  # newest first
            if entry["table"] != table or entry.get("undone"):
                continue
            if (entry.get("file") or "").startswith(prefix):
                out.append(table)
                break
            if entry.get("mode") in ("replace", "clear"):
                break
    return out


def _table_order() -> list[str]:
    return list(schema.TABLES)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell that a spreadsheet will not run as a formula: text starting with = + - @ (or a tab /
    carriage return) gets a leading single quote. Other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with BOM, so Excel reads umlauts) with formula-safe text cells,
    header included. List columns are joined with '; '."""
    out = frame
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join("; ")
        elif dtype != pl.String:  # numbers, dates, booleans: written as they are
            exprs.append(col.alias(str(safe_cell(name))))
            continue
        exprs.append(col.map_elements(safe_cell, return_dtype=pl.String, skip_nulls=True).alias(str(safe_cell(name))))
    if exprs:
        out = frame.select(exprs)
    buf = io.StringIO()
    out.write_csv(buf)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
