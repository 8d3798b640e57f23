"""The import's shortcuts give exactly what the longer way gives: the fill counts of a replace
counted on the frame in hand (store._frame_fill_counts) equal DuckDB's count of the stored table
(health.table_fill_counts); empty rows are dropped column by column (read._empty_rows) exactly as
a check of every column would; _via_distinct computes its table lazily with the same values."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from icp_core import health
from icp_core.ingest import read as R
from icp_core.ingest import read_file
from icp_core.ingest import validate as V
from icp_core.store import FILL_COUNTS, Store, _frame_fill_counts

A = "accounts"

# DuckDB's trim() strips the space separators (U+0020, U+00A0, U+2003, U+3000, ...), not tabs or
# line ends: a tab alone counts as filled, a no-break space alone does not.
TRICKY = pl.DataFrame({
    "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"],
    "industry": ["SaaS", "  ", None, "", "\t", "\u00a0", "\u3000\u2003 x", " \u2009"],
    "country": [" \n", "DE", None, None, None, "\u202f", "\u205f", "\u1680"],
    "employees": [10, None, 0, None, None, None, None, 3],
    "annual_revenue": [1.5, float("nan"), None, None, None, None, None, None],
    "tech_stack": [["HubSpot"], [], None, [""], None, None, None, None],
    "churn_date": [None, None, date(2024, 1, 31), None, None, None, None, None],
    "leadership_change": [True, False, None, None, None, None, None, None],
})


def _kept(store: Store) -> dict:
    cur = store.cursor()
    return {f: n for f, n in cur.execute(f"SELECT field, filled FROM {FILL_COUNTS} WHERE table_name = ?", [A]).fetchall()}


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def test_frame_counts_equal_duckdbs_count_of_the_stored_table(store):
    store.load_frame(A, TRICKY, "x")
    cur = store.cursor()
    rows, filled = health.table_fill_counts(cur, A)
    frame = store.export_frame(A)
    assert _frame_fill_counts(cur, A, frame.select(TRICKY.columns)) == (rows, filled)
    # by hand: 8 rows; industry: "SaaS", "\t" and "\u3000\u2003 x" have a character that is not a space separator
    assert rows == 8
    assert filled["industry"] == 3
    assert filled["country"] == 2  # " \n" and "DE"
    assert filled["employees"] == 3
    assert filled["annual_revenue"] == 2  # NaN is a value, as DuckDB counts it
    assert filled["tech_stack"] == 2  # ["HubSpot"], [""]; [] and null are empty
    assert filled["churn_date"] == 1 and filled["leadership_change"] == 2
    assert filled["company_name"] == 0 and filled["seats"] == 0  # columns the frame does not have


def test_a_replace_keeps_the_frames_counts_and_an_append_the_tables(store):
    store.load_frame(A, TRICKY, "x")
    assert _kept(store)["industry"] == 3 and _kept(store)[None] == 8
    store.load_frame(A, TRICKY.with_columns(pl.col("account_id") + "b").head(2), "y", mode="append")
    kept = _kept(store)
    assert kept[None] == 10 and kept["industry"] == 4 and kept["tech_stack"] == 3
    cur = store.cursor()
    rows, filled = health.table_fill_counts(cur, A)
    assert kept == {None: rows, **filled}


def test_a_column_duckdb_would_cast_is_counted_in_the_table(store):
    """employees as text: DuckDB casts it on insert, so the frame's counts are not used."""
    frame = pl.DataFrame({"account_id": ["A1", "A2"], "employees": ["5", None]})
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts (account_id VARCHAR, employees BIGINT)")
    assert _frame_fill_counts(con, A, frame) is None
    store.load_frame(A, frame, "x")
    assert _kept(store)["employees"] == 1


def test_an_empty_replace_keeps_only_the_row_count(store):
    store.load_frame(A, TRICKY, "x")
    store.load_frame(A, TRICKY.head(0), "y")
    assert _kept(store) == {None: 0}


@pytest.mark.parametrize(
    "columns",
    [
        {"a": ["1", None, " ", "2"], "b": ["x", None, "\t", None]},  # rows 2 and 3 empty
        {"a": ["1", "2"], "b": [None, None]},  # none empty: stops after the first column
        {"a": [None, "1", ""], "b": ["", None, " "], "c": [None, None, "z"]},  # row 1 empty
        {"a": [None, None], "b": [" ", None]},  # all empty
    ],
)
def test_empty_rows_column_by_column_equal_a_check_of_every_column(columns):
    body = pl.DataFrame(columns, schema={k: pl.String for k in columns})
    every = ~pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c in body.columns])
    expected = body.select(every).to_series()
    empty = R._empty_rows(body)
    if not expected.any():
        assert empty is None
    else:
        assert empty.to_list() == expected.to_list()


def test_empty_and_blank_rows_are_dropped_from_a_file():
    raw = read_file(b"id;name\nA1;x\n;\n  ;\t\nA2;\n", "x.csv")
    assert raw.data.rows() == [("A1", "x"), ("A2", None)]


def test_via_distinct_gives_the_values_of_the_direct_expressions():
    data = pl.DataFrame({"s": ["1.234,5", "12", None, "abc", "12", "-3,25", "1.234,5", "k.A."]})
    number = V.V.parse_number(pl.col("s"), ",")
    exprs = [number.alias("v"), pl.when(~V.V.missing(pl.col("s")) & number.is_null()).then(pl.lit("bad")).alias("e")]
    direct = data.select(exprs)
    mapped = data.select(V._via_distinct(data, "s", exprs))
    assert mapped.equals(direct)
    assert mapped["v"].to_list() == [1234.5, 12.0, None, None, 12.0, -3.25, 1234.5, None]
    assert mapped["e"].to_list() == [None, None, None, "bad", None, None, None, None]


@pytest.mark.parametrize(
    "keys",
    [
        ["A1", "A2", "A3"],  # ascending: one comparison of neighbours
        ["A3", "A1", "A2"],  # distinct, not sorted: counted
        ["A1", "A2", "A2", "A3"],  # ascending but for one repeat
        ["A1", None, "A2"],  # one null: distinct
        [None, "A1", None],  # a second null repeats the first
        ["A2", "A1", "A2"],
        [],
        ["A1"],
    ],
)
def test_all_distinct_equals_every_key_being_its_first(keys):
    series = pl.Series(keys, dtype=pl.String)
    assert V._all_distinct(series) == bool(series.is_first_distinct().all())


def test_repeated_keys_are_still_found_when_the_ids_are_otherwise_sorted():
    from icp_core.ingest import prepare

    raw = read_file(b"id;name\nA1;x\nA2;y\nA2;z\nA3;w\n", "x.csv")
    prepared = prepare(raw, A, {"id": "account_id", "name": "company_name"})
    assert prepared.frame["account_id"].to_list() == ["A1", "A2", "A3"]
    assert [(i.row, i.reason, i.params["first_row"]) for i in prepared.issues] == [(3, "issue.duplicate_key", 2)]


def test_a_frame_in_several_chunks_is_stored_in_its_order(store):
    from icp_core.ingest import prepare

    prepared = prepare(read_file(b"id;name\nA3;x\nA1;y\nA2;z\n", "x.csv"), A, {"id": "account_id", "name": "company_name"})
    prepared.frame = pl.concat([prepared.frame.head(1), prepared.frame.slice(1)], rechunk=False)
    assert prepared.frame.n_chunks() > 1
    store.import_prepared(prepared)
    stored = store.export_frame(A)
    assert stored["account_id"].to_list() == ["A3", "A1", "A2"] and stored["company_name"].to_list() == ["x", "y", "z"]


def test_spreadsheet_keys_lose_their_dot_zero_with_or_without_dots_elsewhere():
    from icp_core.ingest import prepare

    with_dot = prepare(read_file(b"id;name\n1001.0;x\n 1002.00 ;y\nK-3;z\n", "x.csv"), A, {"id": "account_id", "name": "company_name"})
    assert with_dot.frame["account_id"].to_list() == ["1001", "1002", "K-3"]
    without = prepare(read_file(b"id;name\n1001;x\n 1002 ;y\nK-3;z\n", "x.csv"), A, {"id": "account_id", "name": "company_name"})
    assert without.frame["account_id"].to_list() == ["1001", "1002", "K-3"]


def test_the_fill_count_beside_the_insert_gets_its_own_frame_object(monkeypatch):
    # one polars frame used by two threads at once can deadlock (the insert's to_arrow held it while
    # the count asked its schema): the count on the second core must get a frame object of its own
    import icp_core.store as store_module

    seen: dict[str, int] = {}
    count = store_module._count_frame_fills
    insert = store_module.Store._insert

    def counting(table, frame, present):
        seen["counted"] = id(frame)
        return count(table, frame, present)

    def inserting(self, con, table, frame, import_id):
        seen["inserted"] = id(frame)
        return insert(self, con, table, frame, import_id)

    monkeypatch.setattr(store_module, "_count_frame_fills", counting)
    monkeypatch.setattr(store_module.Store, "_insert", inserting)
    store = store_module.Store(":memory:")
    store.load_frame("accounts", pl.DataFrame({"account_id": ["A1", "A2"], "industry": ["x", None]}))
    assert set(seen) == {"counted", "inserted"} and seen["counted"] != seen["inserted"]
    assert store.tables()["accounts"] == 2


def test_strings_reach_duckdb_as_arrow_string_views_and_come_back_unchanged(monkeypatch):
    # the insert hands DuckDB polars' own string layout (Arrow string views: up to 12 bytes inline,
    # longer ones by reference) instead of a copy in the older layout; every kind of string around
    # that border, in plain and list columns, must be stored exactly
    import icp_core.store as store_module

    registered: list = []
    register = duckdb.DuckDBPyConnection.register

    class Spy:
        def __init__(self, con):
            self._con = con

        def __getattr__(self, name):
            return getattr(self._con, name)

        def register(self, name, obj):
            registered.append(obj)
            return register(self._con, name, obj)

    insert = store_module.Store._insert
    monkeypatch.setattr(store_module.Store, "_insert", lambda self, con, *a: insert(self, Spy(con), *a))
    names = ["", "a", "x" * 12, "y" * 13, "Müller & Söhne GmbH", "🚀" * 4, "中文" * 10, None, "z" * 500]
    frame = pl.DataFrame({
        "account_id": [f"A{i}" for i in range(len(names))],
        "company_name": names,
        "tech_stack": [["HubSpot", "x" * 13], [], None, [None, ""], ["é" * 7], ["a"], None, ["🚀"], ["q" * 40]],
    })
    store = Store(":memory:")
    store.load_frame("accounts", frame)
    [view] = registered
    import pyarrow as pa

    assert isinstance(view, pa.Table) and view.schema.field("company_name").type == pa.string_view()
    rows = store.cursor().execute("SELECT account_id, company_name, tech_stack FROM accounts ORDER BY rowid").fetchall()
    assert rows == list(zip(frame["account_id"], names, frame["tech_stack"].to_list()))
