"""prepare: all-text RawTable -> typed canonical frame + issues (the quarantine).

One lazy polars pass computes, for every mapped field, its typed value and an error key per
row; issues are then read off the rows that have an error. Rows with a missing/invalid required
field are rejected, then repeated keys (the first accepted row with a key wins)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from icp_core.errors import IcpError
from icp_core.ingest import values as V
from icp_core.ingest.mapping import complete_mapping
from icp_core.ingest.model import Detected, Issue, Prepared, RawTable
from icp_core.schema import TABLES, Field, stored_fields, this_year

POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "country": pl.String(),
    "list": pl.List(pl.String()),
    "enum": pl.String(),
}


def _default_order(detected: Detected) -> str:
    return "DMY" if detected.separator == ";" or detected.decimal == "," else "MDY"


def _distinct_present(series: pl.Series) -> pl.Series:
    distinct = series.drop_nulls().unique(maintain_order=True)  # file order: the decimal vote samples the first values
    return distinct.filter(~distinct.str.strip_chars().str.to_lowercase().is_in(list(V.MISSING_MARKERS)))


def _limits(f: Field) -> tuple[float | None, float | None]:
    maximum = f.maximum
    if f.name == "founded_year" and maximum is None:
        maximum = this_year()
    return f.minimum, maximum


@dataclass
class _Plan:
    """How one mapped field is computed, in stages so that nothing is computed twice: `helpers`
    (pieces of the source value that several checks use, e.g. the trimmed text, the number's
    core), then `parsed` (the typed value), then `err` (an error key or null), then `value` (the
    parsed value where there is no error). Each stage only reads columns of earlier stages."""

    helpers: list[pl.Expr]
    parsed: pl.Expr
    err: pl.Expr
    value: pl.Expr
    params: dict

    def stages(self) -> list[list[pl.Expr]]:
        return [self.helpers, [self.parsed], [self.err], [self.value]]


def _field_plan(f: Field, column: str, internal: str, raw: RawTable, key_fields: set[str]) -> _Plan:
    """The staged expressions of one mapped field (see _Plan); the source column is read under its
    internal name, the results are named __v_<field> (value) and __e_<field> (error)."""
    src = pl.col(internal)
    h = f"__h_{f.name}_"
    parsed_name, err_name = f"__p_{f.name}", f"__e_{f.name}"
    parsed = pl.col(parsed_name)
    none = pl.lit(None, dtype=pl.String)
    params: dict = {}
    helpers: list[pl.Expr] = []
    err: pl.Expr = none
    miss: pl.Expr
    if f.type == "text":
        helpers.append(src.str.strip_chars(V._SPACES).alias(h + "t"))
        text = V.trimmed_text(pl.col(h + "t"))
        if f.name in key_fields and raw.data[column].str.contains(".", literal=True).any():
            text = V.spreadsheet_key(text)
        # else key_text only differs where a `1001.0` has a dot: without one, its regex is skipped
        value = text
        miss = parsed.is_null()  # clean text is null exactly where the source is missing
    else:
        helpers.append(V.missing(src).alias(h + "m"))
        miss = pl.col(h + "m")
    if f.type in ("int", "float"):
        decimal = raw.detected.decimals.get(column)
        if decimal is None:
            decimal = V.decide_decimal(_distinct_present(raw.data[column])) or raw.detected.decimal
            raw.detected.decimals[column] = decimal
        helpers.append(V._number_core(src).alias(h + "c"))
        value = V.parse_number_core(pl.col(h + "c"), decimal)
        number = parsed
        low, high = _limits(f)
        params = {"minimum": low, "maximum": high}
        rules = pl.when(~miss & number.is_null()).then(pl.lit("issue.not_a_number"))
        if f.type == "int":
            rules = rules.when(number.is_not_null() & (number != number.floor())).then(pl.lit("issue.not_an_integer"))
        out_of_range = pl.lit(False)
        if low is not None:
            out_of_range = out_of_range | (number < low)
        if high is not None:
            out_of_range = out_of_range | (number > high)
        if f.type == "int":
            out_of_range = out_of_range | (number.abs() > 9e18)
        err = rules.when(number.is_not_null() & out_of_range).then(pl.lit("issue.out_of_range")).otherwise(none)
    elif f.type == "date":
        order = raw.detected.date_orders.get(column)
        if order is None:
            order, guessed = V.decide_date_order(_distinct_present(raw.data[column]), _default_order(raw.detected))
            if order:
                raw.detected.date_orders[column] = order
                raw.detected.date_order_guessed[column] = guessed
        value = V.parse_date(src, order)
        err = pl.when(~miss & parsed.is_null()).then(pl.lit("issue.not_a_date")).otherwise(none)
    elif f.type == "bool":
        value = V.parse_bool(src, V.is_x_column(_distinct_present(raw.data[column])))
        err = pl.when(~miss & parsed.is_null()).then(pl.lit("issue.not_boolean")).otherwise(none)
    elif f.type == "country":
        value = V.parse_country(src)
        err = pl.when(~miss & parsed.is_null()).then(pl.lit("issue.unknown_country")).otherwise(none)
    elif f.type == "enum":
        value = V.parse_choice(src, f.choices, f.aliases)
        params = {"choices": ", ".join(f.choices)}
        err = pl.when(~miss & parsed.is_null()).then(pl.lit("issue.unknown_choice")).otherwise(none)
    elif f.type == "list":
        value = V.parse_list(src)
    elif f.type != "text":  # pragma: no cover - schema types are fixed
        raise ValueError(f.type)
    if f.required:
        err = pl.when(miss).then(pl.lit("issue.missing_required")).otherwise(err)
    if f.type == "int":
        parsed_value = parsed.cast(pl.Int64, strict=False)
    else:
        parsed_value = parsed
    final = pl.when(pl.col(err_name).is_null()).then(parsed_value).otherwise(None).cast(POLARS_TYPES[f.type])
    return _Plan(helpers, value.alias(parsed_name), err.alias(err_name), final.alias(f"__v_{f.name}"), params)


def _via_distinct(
    data: pl.DataFrame, source: str, exprs: list[pl.Expr], before: list[list[pl.Expr]] | None = None
) -> list[pl.Expr]:
    """The same expressions, computed once per distinct value and mapped back by one index lookup
    (dates, countries, choices and the like repeat a lot; this is several times faster).
    `before`: stages of helper columns the expressions read, computed on the distinct values first."""
    # lazily, so the expressions' common parts (the parsed number in its checks) are computed once
    plan = data.lazy().select(pl.col(source).unique())
    for stage in before or []:
        if stage:
            plan = plan.with_columns(stage)
    table = plan.with_columns(exprs).collect()
    known = table.filter(pl.col(source).is_not_null())
    on_null = table.filter(pl.col(source).is_null())
    index = None
    mapped = []
    for expr in exprs:
        name = expr.meta.output_name()
        dtype = table.schema[name]
        null_value = on_null[name][0] if on_null.height else None
        if null_value is None and known[name].null_count() == known.height:
            mapped.append(pl.lit(None, dtype=dtype).alias(name))  # e.g. no value has an error
            continue
        if index is None:  # where each row's value is in `known` (null: not there, i.e. null)
            index = pl.col(source).replace_strict(
                known[source], pl.int_range(known.height, dtype=pl.UInt32, eager=True), default=None,
                return_dtype=pl.UInt32,
            )
        lookup = pl.lit(known[name]).gather(index)
        if null_value is not None:
            lookup = pl.when(pl.col(source).is_null()).then(pl.lit(null_value, dtype=dtype)).otherwise(lookup)
        mapped.append(lookup.alias(name))
    return mapped


_REPEATS_SAMPLE = 100_000


def _repeats(series: pl.Series) -> bool:
    """True when the column's values repeat a lot (at least two rows per distinct value), judged
    from its first _REPEATS_SAMPLE rows (counting the distinct values of a million rows costs more
    than it saves). Only chooses the faster way: both give the same values."""
    sample = series.head(_REPEATS_SAMPLE)
    return sample.len() > 0 and sample.n_unique() * 2 <= sample.len()


def _all_distinct(keys: pl.Series) -> bool:
    """True when no key repeats (no null either: a second null repeats the first), found cheaply
    where it can be: ids in ascending order (an export sorted by id) need one comparison of
    neighbours, others one count of distinct values; a False means: look for the repeats."""
    if keys.null_count() > 1:
        return False
    if keys.null_count() == 0 and keys.len() > 1 and bool((keys.slice(1) > keys.slice(0, keys.len() - 1)).all()):
        return True
    return keys.n_unique() == keys.len()


def _extra_names(extras: list[str], table: str) -> dict[str, str]:
    """Source header -> column name in the frame, clear of canonical names and `_` internals."""
    taken = {f.name.lower() for f in TABLES[table].fields} | {"_row", "_import_id"}
    names: dict[str, str] = {}
    for header in extras:
        name = header
        if name.startswith("_"):
            name = name.lstrip("_") or "column"
            name = f"{name}_extra"
        if name.lower() in taken:
            name = f"{name}_extra"
        base, n = name, 2
        while name.lower() in taken:
            name, n = f"{base}{n}", n + 1
        taken.add(name.lower())
        names[header] = name
    return names


def prepare(raw: RawTable, table: str, mapping: dict[str, str | None] | None = None) -> Prepared:
    """Typed canonical rows of `table` from `raw`, plus the issues found (see module doc).

    `mapping` (source column -> field or None) defaults to `suggest_mapping`; columns it does not
    name are kept as extras. The per-column decisions taken here (date order, decimal mark of the
    mapped columns) are recorded in `raw.detected` so the Data page can show them."""
    try:
        return _prepare(raw, table, mapping)
    except IcpError:
        raise
    except Exception as exc:  # never a raw library error to the user
        raise IcpError("ingest.cannot_prepare", detail=type(exc).__name__) from exc


def _prepare(raw: RawTable, table: str, mapping: dict[str, str | None] | None) -> Prepared:
    mapping = complete_mapping(raw.columns, table, mapping)
    spec = TABLES[table]
    column_of = {f: c for c, f in mapping.items() if f}
    for required in spec.required:
        if required not in column_of:
            if required in ("account_id", "company_id", "deal_id"):
                raise IcpError(f"ingest.no_{required}")
            raise IcpError("ingest.no_required_column", field=required, table=table)
    key_fields = {f.name for f in spec.fields if f.type == "text" and f.name.endswith("_id")}

    # Source columns get internal names so no header can collide with _row or the work columns.
    internal = {c: f"__s{i}" for i, c in enumerate(raw.columns)}
    data = raw.data.rename(internal)
    mapped: list[pl.Expr] = []  # fields computed per distinct value, looked up per row
    stages: list[list[pl.Expr]] = [[], [], [], []]  # fields computed row by row, stage by stage
    params = {}
    for f in spec.fields:
        if f.name not in column_of:
            continue
        column = column_of[f.name]
        plan = _field_plan(f, column, internal[column], raw, key_fields)
        params[f.name] = plan.params
        # Few distinct values (dates, countries, choices): parse each once, then join back.
        if f.type != "list" and f.name not in key_fields and _repeats(data[internal[column]]):
            mapped += _via_distinct(data, internal[column], [plan.value, plan.err], plan.stages()[:3])
        else:
            for stage, exprs in zip(stages, plan.stages()):
                stage += exprs
    work = data.lazy().with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64), *mapped)
    for stage in stages:
        if stage:
            work = work.with_columns(stage)
    work = work.collect()

    order = {c: i for i, c in enumerate(raw.columns)}
    issues: list[Issue] = []
    # which fields have an error at all (one pass over the error columns, not a filter of the
    # whole wide frame per field: a clean million-row file has none)
    errors = work.select(pl.col(f"__e_{name}").null_count() for name in params).row(0) if params else ()
    for (name, extra), nulls in zip(params.items(), errors):
        if nulls == work.height:
            continue
        column = column_of[name]
        bad = work.select("_row", internal[column], f"__e_{name}").filter(pl.col(f"__e_{name}").is_not_null())
        for row, value, reason in bad.iter_rows():
            issues.append(Issue(row, column, value, reason, {"column": column, "value": value, "field": name, **extra}))

    failed = [name for name, nulls in zip(params, errors) if name in spec.required and nulls < work.height]
    required_errors = [pl.col(f"__e_{f}").is_not_null() for f in failed]
    accepted = work.filter(~pl.any_horizontal(required_errors)) if required_errors else work
    if spec.key:
        key = f"__v_{spec.key}"
        first = None if _all_distinct(accepted[key]) else accepted.select(pl.col(key).is_first_distinct()).to_series()
        if first is not None and not first.all():
            repeated = accepted.filter(~first)
            winners = accepted.filter(first).select(key, pl.col("_row").alias("__first"))
            repeated = repeated.join(winners, on=key, how="left").sort("_row")
            column = column_of[spec.key]
            for row, value, first_row in repeated.select("_row", internal[column], "__first").iter_rows():
                issues.append(
                    Issue(row, column, value, "issue.duplicate_key", {"column": column, "value": value, "first_row": first_row})
                )
            accepted = accepted.filter(first)

    outputs = []
    for f in stored_fields(table):
        if f.name in column_of:
            outputs.append(pl.col(f"__v_{f.name}").alias(f.name))
        else:
            outputs.append(pl.lit(None, dtype=POLARS_TYPES[f.type]).alias(f.name))
    if table == "accounts" and "arr" in column_of:
        monthly = pl.col("__v_arr") / 12
        mrr = pl.coalesce(pl.col("__v_mrr"), monthly) if "mrr" in column_of else monthly
        outputs = [mrr.alias("mrr") if e.meta.output_name() == "mrr" else e for e in outputs]
    extras = [c for c in raw.columns if mapping.get(c) is None]
    extra_names = _extra_names(extras, table)
    outputs += [pl.col(internal[c]).alias(extra_names[c]) for c in extras]
    outputs.append(pl.col("_row"))
    # lazily: an eager select would first align the columns' chunks (copying every value)
    frame = accepted.lazy().select(outputs).collect()

    issues.sort(key=lambda i: (i.row, order.get(i.column, 0), i.reason))
    return Prepared(
        table=table,
        frame=frame,
        issues=issues,
        rows_read=raw.data.height,
        rows_rejected=raw.data.height - frame.height,
        mapping=mapping,
        raw=raw,
        extra_columns=extra_names,
    )


__all__ = ["prepare", "POLARS_TYPES"]
