"""The data-health counts a store keeps (store.FILL_COUNTS, written with every import, undo and
clear): the home page reads them instead of counting every table on each start. They must always
equal a fresh count, and be ignored when they are older than the data."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from icp_core import backup, health, schema
from icp_core.store import FILL_COUNTS, Store

A = "accounts"


def _live(cur) -> tuple[dict, dict]:
    """A fresh count of every table (what fill_counts did before the store kept them)."""
    rows, filled = {}, {}
    for name in schema.TABLES:
        if health.table_exists(cur, name):
            n, per_field = health.table_fill_counts(cur, name)
            if n:
                rows[name] = n
                filled.update({(name, f): k for f, k in per_field.items()})
    return rows, filled


def _accounts() -> pl.DataFrame:
    return pl.DataFrame({
        "account_id": ["A1", "A2", "A3"],
        "industry": ["SaaS", "  ", None],
        "employees": [10, None, 0],
        "tech_stack": [["HubSpot"], [], None],
        "churn_date": [None, None, date(2024, 1, 31)],
    })


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(str(tmp_path / "s.duckdb"))
    s.load_frame(A, _accounts())
    return s


def test_an_import_keeps_exact_counts_that_fill_counts_reads(store):
    cur = store.cursor()
    kept = health._kept_fill_counts(cur)
    assert kept is not None  # read from the store, not counted
    rows, filled = kept
    assert rows == {A: 3}
    assert filled[(A, "account_id")] == 3
    assert filled[(A, "industry")] == 1  # blank text is not filled
    assert filled[(A, "employees")] == 2  # 0 is a value
    assert filled[(A, "tech_stack")] == 1  # an empty list is not filled
    assert filled[(A, "churn_date")] == 1
    assert filled[(A, "mrr")] == 0  # a canonical column the store created, with no value
    assert health.fill_counts(cur) == kept == _live(cur)


def test_append_undo_and_clear_keep_the_counts_current(store):
    more = pl.DataFrame({"account_id": ["A4", "A5"], "industry": ["FinTech", "SaaS"]})
    appended = store.load_frame(A, more, mode="append")
    cur = store.cursor()
    rows, filled = health.fill_counts(cur)
    assert rows == {A: 5} and filled[(A, "industry")] == 3
    assert health._kept_fill_counts(cur) == _live(cur)

    store.load_frame("deals", pl.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "outcome": ["won"]}))
    store.undo(appended.import_id)
    cur = store.cursor()
    rows, filled = health._kept_fill_counts(cur)
    assert rows == {A: 3, "deals": 1} and filled[(A, "industry")] == 1
    assert (rows, filled) == _live(cur)

    store.clear(A)
    cur = store.cursor()
    assert health._kept_fill_counts(cur) == ({"deals": 1}, {k: v for k, v in _live(cur)[1].items() if k[0] == "deals"})
    assert health.fill_counts(cur) == _live(cur)


def test_counts_restored_from_a_backup_are_not_trusted_until_counted_again(tmp_path, store):
    data = backup.backup(store)
    store.load_frame(A, pl.DataFrame({"account_id": ["X1"], "industry": ["Retail"]}))
    other = Store(str(tmp_path / "other.duckdb"))
    other.load_frame(A, pl.DataFrame({"account_id": ["B1", "B2"], "industry": ["Retail", "Retail"]}))
    # the backup holds the counts of its own time; the restore gives a new data version
    backup.restore(other, data)
    cur = other.cursor()
    assert health._kept_fill_counts(cur) is None  # older than the restored data: not used
    assert health.fill_counts(cur) == ({A: 3}, _live(cur)[1])
    # the next write counts everything again and marks it current
    other.load_frame("deals", pl.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "outcome": ["won"]}))
    cur = other.cursor()
    kept = health._kept_fill_counts(cur)
    assert kept is not None and kept == _live(cur) and kept[0] == {A: 3, "deals": 1}


def test_stale_counts_are_recounted_at_the_next_write(store):
    # counts out of step with the data (as after a restore of a backup that held stale ones)
    with store._writing() as con:
        con.execute(f"UPDATE {FILL_COUNTS} SET filled = 999").fetchall()
        con.execute("UPDATE _meta SET value = value - 1 WHERE key = 'fill_counts_version'").fetchall()
    assert health._kept_fill_counts(store.cursor()) is None
    store.load_frame("deals", pl.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "outcome": ["won"]}))
    cur = store.cursor()
    kept = health._kept_fill_counts(cur)
    assert kept == _live(cur) and kept[1][(A, "industry")] == 1


def test_an_older_store_without_kept_counts(tmp_path, store):
    with store._writing() as con:
        con.execute(f"DROP TABLE {FILL_COUNTS}").fetchall()
        con.execute("DELETE FROM _meta WHERE key = 'fill_counts_version'").fetchall()
    store.close()
    path = store.location
    # read-only: counted on the fly, nothing written
    ro = Store(path, read_only=True)
    cur = ro.cursor()
    assert health._kept_fill_counts(cur) is None
    assert health.fill_counts(cur)[0] == {A: 3}
    cur.close()
    ro.close()
    # opened for writing: the store counts once and keeps them
    rw = Store(path)
    cur = rw.cursor()
    assert health._kept_fill_counts(cur) == _live(cur)
    assert health._kept_fill_counts(cur)[0] == {A: 3}
