"""Store.batch(): several writes in one transaction (the sample company's nine imports commit and
checkpoint once), and the catalog helpers that ask duckdb_tables() / duckdb_columns()."""

from __future__ import annotations

import polars as pl
import pytest

from icp_core import sample
from icp_core.errors import IcpError
from icp_core.metrics_common import table_columns, table_exists
from icp_core.store import Store, _tables_present

ACCOUNTS = pl.DataFrame({"account_id": ["A1", "A2", "A3"], "industry": ["Software", "Retail", None]})
DEALS = pl.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "amount": [1200.0]})


def test_writes_in_a_batch_are_seen_by_others_only_when_it_ends(tmp_path):
    path = str(tmp_path / "b.duckdb")
    store, other = Store(path), Store(path)
    version = store.data_version()
    with store.batch():
        assert store.load_frame("accounts", ACCOUNTS, "crm.csv").rows_imported == 3
        assert store.load_frame("deals", DEALS, "deals.csv").rows_imported == 1
        assert other.tables() == {}  # another connection: nothing committed yet
    assert other.tables() == {"accounts": 3, "deals": 1}
    assert [(i["import_id"], i["table"], i["file"]) for i in store.imports()][::-1] == [
        (1, "accounts", "crm.csv"), (2, "deals", "deals.csv")]
    assert store.data_version() == version + 2  # each import still moves the version on


def test_an_error_in_a_batch_rolls_back_every_write_in_it(tmp_path):
    store = Store(str(tmp_path / "b.duckdb"))
    store.load_frame("accounts", ACCOUNTS.head(1), "before.csv")
    version = store.data_version()
    with pytest.raises(RuntimeError, match="interrupted"):
        with store.batch():
            store.load_frame("accounts", ACCOUNTS, "crm.csv")
            store.load_frame("deals", DEALS, "deals.csv")
            raise RuntimeError("interrupted")
    assert store.tables() == {"accounts": 1}
    assert [i["file"] for i in store.imports()] == ["before.csv"]
    assert store.data_version() == version
    # the store takes writes again afterwards
    assert store.load_frame("deals", DEALS, "deals.csv").rows_imported == 1


def test_a_nested_batch_is_part_of_the_outer_one(tmp_path):
    store = Store(str(tmp_path / "b.duckdb"))
    with pytest.raises(IcpError):
        with store.batch():
            with store.batch():
                store.load_frame("accounts", ACCOUNTS, "crm.csv")
            store.load_frame("nonsense", ACCOUNTS, "x.csv")  # unknown table: the whole batch goes
    assert store.tables() == {} and store.imports() == []


def test_the_sample_company_loads_whole_or_not_at_all(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "s.duckdb"))
    loaded = []
    original = Store.load_frame

    def failing_on_the_fifth(self, table, frame, *args, **kwargs):
        if len(loaded) == 4:
            raise OSError("disk full")
        loaded.append(table)
        return original(self, table, frame, *args, **kwargs)

    monkeypatch.setattr(Store, "load_frame", failing_on_the_fifth)
    with pytest.raises(OSError):
        sample.load_sample(store)
    assert len(loaded) == 4
    assert store.tables() == {} and store.imports() == []  # not four tables of a half sample
    monkeypatch.setattr(Store, "load_frame", original)
    counts = sample.load_sample(store)
    assert store.tables() == counts and len(store.imports()) == len(counts) == 9


def test_catalog_helpers_see_tables_of_the_store_only(tmp_path):
    store = Store(str(tmp_path / "c.duckdb"))
    store.load_frame("accounts", ACCOUNTS, "crm.csv")
    cur = store.cursor()
    try:
        cur.register("deals", DEALS)  # a temporary view by a table's name: not a table of the store
        assert table_exists(cur, "accounts") and not table_exists(cur, "deals")
        assert not table_exists(cur, "ACCOUNTS")  # names as stored, as information_schema compared them
        columns = table_columns(cur, "accounts")
        assert columns[:3] == ["account_id", "company_name", "industry"] and columns[-1] == "_import_id"
        assert table_columns(cur, "deals") == []
        assert _tables_present(cur, ["accounts", "deals", "market", "_imports"]) == {"accounts", "_imports"}
    finally:
        cur.close()
