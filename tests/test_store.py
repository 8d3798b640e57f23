"""The DuckDB store: location, transactional imports, history, quarantine, undo, settings."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from icp_core import store as store_module
from icp_core.errors import IcpError
from icp_core.store import Store, is_file_location, resolve_location

CSV_1 = b"Kundennummer,Firma,Branche,Mitarbeiter,MRR\nA1,Alpha,Software,10,100\nA2,Beta,Retail,20,200\n"
CSV_2 = b"Kundennummer,Firma,Branche,Mitarbeiter,MRR\nA2,Beta NEW,Retail,99,999\nA3,Gamma,Software,30,300\n"


def snapshot(store: Store) -> dict[str, list]:
    """Every table in the database (internal ones included), with its columns and all rows."""
    con = store.cursor()
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        result = {}
        for name in names:
            q = '"' + name.replace('"', '""') + '"'
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [name]).fetchall()]
            rows = con.execute(f"SELECT * FROM {q}").fetchall()
            result[name] = [columns, sorted(map(repr, rows))]
        return result
    finally:
        con.close()


# ---------------------------------------------------------------- location


def test_location_order_explicit_env_secrets_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ICP_DB", str(tmp_path / "env.duckdb"))
    secrets = {"ICP_DB": str(tmp_path / "secret.duckdb")}
    assert resolve_location(str(tmp_path / "x.duckdb"), secrets) == str(tmp_path / "x.duckdb")
    assert resolve_location(None, secrets) == str(tmp_path / "env.duckdb")
    monkeypatch.delenv("ICP_DB")
    assert resolve_location(None, secrets) == str(tmp_path / "secret.duckdb")
    default = resolve_location(None, None)
    assert default == str(tmp_path / "home" / ".icp_workbench" / "store.duckdb")
    assert (tmp_path / "home" / ".icp_workbench").is_dir()


def test_location_connection_strings_pass_through(monkeypatch):
    monkeypatch.delenv("ICP_DB")
    assert resolve_location(":memory:") == ":memory:"
    assert resolve_location("md:my_db") == "md:my_db"
    assert resolve_location(None, {"ICP_DB": "md:shared?motherduck_token=x"}) == "md:shared?motherduck_token=x"
    monkeypatch.setenv("ICP_DB", "md:from_env")
    assert resolve_location() == "md:from_env"
    assert not is_file_location(":memory:")
    assert not is_file_location("md:my_db")
    assert is_file_location("/tmp/a.duckdb")
    assert is_file_location("C:\\data\\store.duckdb")
    assert is_file_location("relative/store.duckdb")


def test_secrets_that_raise_are_ignored(monkeypatch, tmp_path):
    monkeypatch.delenv("ICP_DB")
    monkeypatch.setenv("HOME", str(tmp_path))

    class NoSecrets(dict):
        def get(self, key, default=None):
            raise FileNotFoundError("no secrets.toml")

    assert resolve_location(None, NoSecrets()).endswith("store.duckdb")


def test_store_uses_icp_db_env(tmp_path):
    store = Store()  # conftest points ICP_DB into tmp_path
    assert store.location == str(tmp_path / "icp_test_store.duckdb")
    assert Path(store.location).exists()


# ---------------------------------------------------------------- imports


def test_fresh_store_is_empty(tmp_store):
    assert tmp_store.tables() == {}
    assert tmp_store.imports() == []
    assert tmp_store.data_version() == 0
    assert not tmp_store.has("accounts")
    assert tmp_store.columns("accounts") == []
    with pytest.raises(IcpError) as err:
        tmp_store.export_frame("accounts")
    assert err.value.key == "store.no_data"


def test_import_file_replace_stores_typed_canonical_rows(tmp_store):
    result = tmp_store.import_file(CSV_1, "accounts", file_name="crm.csv")
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (2, 2, 0)
    assert tmp_store.tables() == {"accounts": 2}
    frame = tmp_store.export_frame("accounts")
    assert frame["account_id"].to_list() == ["A1", "A2"]
    assert frame["employees"].dtype == pl.Int64 and frame["employees"].to_list() == [10, 20]
    assert frame["mrr"].to_list() == [100.0, 200.0]
    assert "_import_id" not in frame.columns and "_row" not in frame.columns
    # replace: a second import replaces the whole table
    tmp_store.import_file(CSV_2, "accounts", file_name="crm2.csv")
    assert tmp_store.export_frame("accounts")["account_id"].to_list() == ["A2", "A3"]


def test_append_rejects_keys_already_in_store_first_wins(tmp_store):
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    result = tmp_store.import_file(CSV_2, "accounts", mode="append", file_name="b.csv")
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (2, 1, 1)
    frame = tmp_store.export_frame("accounts")
    assert frame["account_id"].to_list() == ["A1", "A2", "A3"]
    assert frame.filter(pl.col("account_id") == "A2")["company_name"].item() == "Beta"  # the stored row won
    quarantine = tmp_store.quarantine(result.import_id)
    assert quarantine.to_dicts() == [{
        "row": 1, "column": "Kundennummer", "value": "A2",
        "reason": "account_id 'A2' is already in the store, so this row was skipped; "
                  "import with mode replace to load the whole file anew.",
    }]
    assert "bereits im Datenspeicher" in tmp_store.quarantine(result.import_id, lang="de")["reason"].item()
    assert [i.reason for i in result.issues] == ["issue.duplicate_key_in_store"]
    # a third append of the same file rejects both rows
    again = tmp_store.import_file(CSV_2, "accounts", mode="append", file_name="b.csv")
    assert (again.rows_imported, again.rows_rejected) == (0, 2)
    assert tmp_store.tables() == {"accounts": 3}


def test_append_to_table_without_key_keeps_all_rows(tmp_store):
    nps = b"account_id,score\nA1,9\nA1,10\n"
    tmp_store.import_file(nps, "nps_responses", file_name="n1.csv")
    tmp_store.import_file(nps, "nps_responses", mode="append", file_name="n2.csv")
    assert tmp_store.tables() == {"nps_responses": 4}


def test_extra_columns_are_kept_and_quoted(tmp_store):
    header = 'Kundennummer,"we""ird; DROP TABLE accounts",Notes\n'
    csv = (header + 'A1,x1,hello\nA2,"x;2",\n').encode()
    tmp_store.import_file(csv, "accounts", file_name="weird.csv")
    assert tmp_store.extra_columns("accounts") == ['we"ird; DROP TABLE accounts', "Notes"]
    frame = tmp_store.export_frame("accounts")
    assert frame['we"ird; DROP TABLE accounts'].to_list() == ["x1", "x;2"]
    assert tmp_store.tables() == {"accounts": 2}
    # a later append without those columns keeps them (null for the new rows)
    tmp_store.import_file(b"Kundennummer,Other\nA3,o\n", "accounts", mode="append", file_name="more.csv")
    frame = tmp_store.export_frame("accounts")
    assert frame.columns[-3:] == ['we"ird; DROP TABLE accounts', "Notes", "Other"]
    assert frame["Other"].to_list() == [None, None, "o"]


def test_extra_column_clashing_with_canonical_name_is_renamed(tmp_store):
    frame = pl.DataFrame({"account_id": ["A1"], "industry": ["Software"], "INDUSTRY": ["raw"], "_import_id": ["x"]})
    tmp_store.load_frame("accounts", frame, "clash")
    exported = tmp_store.export_frame("accounts")
    assert exported["industry"].item() == "Software"
    assert exported["INDUSTRY (extra)"].item() == "raw"
    assert exported["_import_id (extra)"].item() == "x"


def test_load_frame_fills_missing_columns_and_rejects_repeated_keys(tmp_store):
    frame = pl.DataFrame({
        "account_id": ["A1", "A2", "A1"],
        "start_date": [date(2024, 1, 1), None, date(2024, 2, 1)],
        "tech_stack": [["HubSpot", "Slack"], None, []],
        "note": [1, 2, 3],
    })
    result = tmp_store.load_frame("accounts", frame, "sample:accounts")
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (3, 2, 1)
    out = tmp_store.export_frame("accounts")
    assert out["start_date"].to_list() == [date(2024, 1, 1), None]
    assert out["tech_stack"].to_list() == [["HubSpot", "Slack"], None]
    assert out["note"].to_list() == ["1", "2"]  # extras are stored as text
    assert out["mrr"].null_count() == 2
    assert tmp_store.quarantine(result.import_id)["row"].to_list() == [3]
    # the frame is kept (as Parquet) like a raw file
    assert pl.read_parquet(tmp_store.raw_file(result.import_id)).height == 3


# ---------------------------------------------------------------- transaction


@pytest.mark.parametrize(
    ("mode", "step"),
    [("replace", "_archive"), ("replace", "_insert"), ("replace", "_record"),
     ("append", "_ensure_extra_columns"), ("append", "_insert"), ("append", "_record")],
)
def test_failure_midway_leaves_every_table_identical(tmp_store, monkeypatch, step, mode):
    tmp_store.import_file(CSV_1, "accounts", file_name="first.csv")
    tmp_store.set_setting("view", {"x": 1})
    before = snapshot(tmp_store)
    version = tmp_store.data_version()
    original = getattr(Store, step)

    def fail_after(self, *args, **kwargs):
        original(self, *args, **kwargs)  # the step has written; now the import dies
        raise RuntimeError("injected failure")

    monkeypatch.setattr(Store, step, fail_after)
    csv = b"Kundennummer,Firma,Brand New Extra\nA9,Neu,x\n"
    with pytest.raises(RuntimeError, match="injected"):
        tmp_store.import_file(csv, "accounts", mode=mode, file_name="second.csv")
    assert snapshot(tmp_store) == before
    assert tmp_store.data_version() == version
    monkeypatch.setattr(Store, step, original)
    assert tmp_store.import_file(csv, "accounts", mode=mode, file_name="second.csv").rows_imported == 1


def test_failure_on_first_import_creates_nothing(tmp_store, monkeypatch):
    before = snapshot(tmp_store)

    def boom(self, *args, **kwargs):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(Store, "_record", boom)
    with pytest.raises(RuntimeError):
        tmp_store.import_file(CSV_1, "accounts", file_name="first.csv")
    assert snapshot(tmp_store) == before
    assert "accounts" not in before


def test_unreadable_file_leaves_store_unchanged(tmp_store):
    tmp_store.import_file(CSV_1, "accounts", file_name="first.csv")
    before = snapshot(tmp_store)
    with pytest.raises(IcpError):
        tmp_store.import_file(b"", "accounts", file_name="empty.csv")
    with pytest.raises(IcpError) as err:
        tmp_store.import_file(CSV_1, "accounts", mode="merge", file_name="x.csv")
    assert err.value.key == "store.bad_mode"
    assert snapshot(tmp_store) == before


# ---------------------------------------------------------------- undo


def test_undo_append_restores_exactly(tmp_store):
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    before = snapshot(tmp_store)
    exported = tmp_store.export_frame("accounts")
    appended = tmp_store.import_file(b"Kundennummer,New Column\nA7,v\n", "accounts", mode="append", file_name="b.csv")
    assert "New Column" in tmp_store.columns("accounts")
    result = tmp_store.undo(appended.import_id)
    assert result == {"import_id": appended.import_id, "table": "accounts", "rows_removed": 1, "rows_restored": 0}
    assert_frame_equal(tmp_store.export_frame("accounts"), exported)
    after = snapshot(tmp_store)
    # the user's tables are as before; only the history knows the import happened and was undone
    for name in before:
        if name not in ("_imports", "_meta", "_raw_files", "_quarantine"):
            assert after[name] == before[name], name


def test_undo_replace_restores_earlier_rows_exactly(tmp_store):
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    tmp_store.import_file(b"Kundennummer,Extra\nA5,e\n", "accounts", mode="append", file_name="b.csv")
    exported = tmp_store.export_frame("accounts")
    columns = tmp_store.columns("accounts")
    replaced = tmp_store.import_file(CSV_2 + b"", "accounts", file_name="c.csv")
    assert tmp_store.export_frame("accounts")["account_id"].to_list() == ["A2", "A3"]
    result = tmp_store.undo(replaced.import_id)
    assert (result["rows_removed"], result["rows_restored"]) == (2, 3)
    assert_frame_equal(tmp_store.export_frame("accounts"), exported)
    assert tmp_store.columns("accounts") == columns


def test_undo_in_any_order_of_two_replaces(tmp_store):
    first = tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    second = tmp_store.import_file(CSV_2, "accounts", file_name="b.csv")
    # undoing the earlier (superseded) replace changes nothing visible...
    tmp_store.undo(first.import_id)
    assert tmp_store.export_frame("accounts")["account_id"].to_list() == ["A2", "A3"]
    # ...and undoing the later one then leaves no accounts at all (the first is gone too)
    tmp_store.undo(second.import_id)
    assert tmp_store.tables() == {}


def test_undo_latest_replace_then_first(tmp_store):
    first = tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    second = tmp_store.import_file(CSV_2, "accounts", file_name="b.csv")
    tmp_store.undo(second.import_id)
    assert tmp_store.export_frame("accounts")["company_name"].to_list() == ["Alpha", "Beta"]
    tmp_store.undo(first.import_id)
    assert tmp_store.tables() == {}
    assert [e["undone"] for e in tmp_store.imports()] == [True, True]


def test_undo_twice_and_unknown_id_are_clear_errors(tmp_store):
    result = tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    tmp_store.undo(result.import_id)
    before = snapshot(tmp_store)
    with pytest.raises(IcpError) as err:
        tmp_store.undo(result.import_id)
    assert err.value.key == "store.already_undone"
    assert str(err.value) == f"Import {result.import_id} has already been undone; there is nothing left to revert."
    with pytest.raises(IcpError) as err:
        tmp_store.undo(999)
    assert err.value.key == "store.unknown_import"
    assert "999" in err.value.message("de")
    assert snapshot(tmp_store) == before


def test_clear_is_recorded_and_can_be_undone(tmp_store):
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    tmp_store.import_file(b"account_id,score\nA1,9\n", "nps_responses", file_name="n.csv")
    exported = tmp_store.export_frame("accounts")
    ids = tmp_store.clear()
    assert len(ids) == 2
    assert tmp_store.tables() == {"accounts": 0, "nps_responses": 0}
    assert not tmp_store.has("accounts")
    assert [e["mode"] for e in tmp_store.imports()][:2] == ["clear", "clear"]
    for import_id in ids:
        tmp_store.undo(import_id)
    assert_frame_equal(tmp_store.export_frame("accounts"), exported)
    assert tmp_store.tables() == {"accounts": 2, "nps_responses": 1}


# ---------------------------------------------------------------- history


def test_history_records_file_checksum_time_mapping_counts(tmp_store):
    raw = "Kundennummer;Firma;Mitarbeiter\r\nA1;Müller;zehn\r\nA2;Beta;20\r\n;Ohne Id;5\r\n".encode("cp1252")
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    result = tmp_store.import_file(raw, "accounts", file_name="Kunden März.csv")
    finished = datetime.now(timezone.utc).replace(tzinfo=None)
    (entry,) = tmp_store.imports()
    assert entry["import_id"] == result.import_id
    assert entry["table"] == "accounts" and entry["file"] == "Kunden März.csv"
    assert entry["sha256"] == hashlib.sha256(raw).hexdigest()
    assert started <= entry["at"] <= finished
    assert entry["mode"] == "replace" and entry["undone"] is False
    assert entry["mapping"]["Kundennummer"] == "account_id" and entry["mapping"]["Mitarbeiter"] == "employees"
    assert (entry["rows_read"], entry["rows_imported"], entry["rows_rejected"]) == (3, 2, 1)
    assert entry["detected"]["separator"] == ";"
    assert tmp_store.raw_file(result.import_id) == raw  # byte for byte
    quarantine = tmp_store.quarantine(result.import_id)
    assert set(quarantine["row"].to_list()) == {1, 3}  # invalid optional value, missing id
    assert tmp_store.imports("nps_responses") == []


def test_data_version_changes_and_is_seen_by_another_store(tmp_store):
    other = Store(tmp_store.location)
    versions = [other.data_version()]
    first = tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    versions.append(other.data_version())
    tmp_store.set_setting("x", 1)  # settings are not data
    versions.append(other.data_version())
    tmp_store.undo(first.import_id)
    versions.append(other.data_version())
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")
    tmp_store.clear("accounts")
    versions.append(other.data_version())
    assert versions == [0, 1, 1, 2, 4]


def test_is_sample(tmp_store):
    assert not tmp_store.is_sample()
    tmp_store.load_frame("accounts", pl.DataFrame({"account_id": ["S1"]}), "sample:accounts")
    tmp_store.load_frame("deals", pl.DataFrame({"deal_id": ["D1"]}), "sample:deals")
    assert tmp_store.is_sample()
    own = tmp_store.import_file(CSV_1, "accounts", file_name="mine.csv")
    assert not tmp_store.is_sample()
    tmp_store.undo(own.import_id)
    assert tmp_store.is_sample()
    tmp_store.clear("accounts")
    tmp_store.clear("deals")  # the tables are there, no row in them: nothing is the sample
    assert tmp_store.tables() == {} or set(tmp_store.tables().values()) == {0}
    assert not tmp_store.is_sample()


def test_settings_and_saved_mappings(tmp_store):
    assert tmp_store.get_setting("missing", {"d": 1}) == {"d": 1}
    tmp_store.set_setting("view", {"dims": ["industry"], "min_n": 30})
    tmp_store.set_setting("view", {"dims": ["country"]})
    assert tmp_store.get_setting("view") == {"dims": ["country"]}
    columns = ["Record ID", "Company name", "Lead Source"]
    mapping = {"Record ID": "account_id", "Company name": "company_name", "Lead Source": None}
    assert tmp_store.saved_mapping("accounts", columns) is None
    tmp_store.save_mapping("accounts", columns, mapping)
    assert tmp_store.saved_mapping("accounts", list(reversed(columns))) == mapping
    assert tmp_store.saved_mapping("accounts", columns[:2]) is None
    assert tmp_store.saved_mapping("deals", columns) is None
    assert Store(tmp_store.location).get_setting("view") == {"dims": ["country"]}  # persisted


def test_unknown_table_is_a_clear_error(tmp_store):
    with pytest.raises(IcpError) as err:
        tmp_store.import_file(CSV_1, "customers", file_name="a.csv")
    assert err.value.key == "error.unknown_table"
    assert "accounts" in str(err.value)


def test_in_memory_store_works_and_read_only_store_refuses_writes(tmp_path):
    memory = Store(":memory:")
    memory.import_file(CSV_1, "accounts", file_name="a.csv")
    assert memory.tables() == {"accounts": 2}
    assert memory.cursor().execute("SELECT count(*) FROM accounts").fetchone() == (2,)

    path = str(tmp_path / "ro.duckdb")
    Store(path).import_file(CSV_1, "accounts", file_name="a.csv")
    reader = Store(path, read_only=True)
    assert reader.tables() == {"accounts": 2}
    with pytest.raises(IcpError) as err:
        reader.import_file(CSV_2, "accounts", file_name="b.csv")
    assert err.value.key == "store.read_only"
    with pytest.raises(IcpError) as err:
        Store(str(tmp_path / "nope.duckdb"), read_only=True)
    assert err.value.key == "store.not_found"


def test_not_a_database_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.duckdb"
    bad.write_text("this is not a database")
    with pytest.raises(IcpError) as err:
        Store(str(bad))
    assert err.value.key == "store.cannot_open"
    with pytest.raises(IcpError) as err:  # "lock" in a path is not a lock conflict
        Store(str(tmp_path / "no" / "blocks" / "store.duckdb"), timeout=60)
    assert err.value.key == "store.cannot_open"
    assert "check the path" in str(err.value)


def test_cursor_is_independent_and_sees_committed_imports(tmp_store):
    cur = tmp_store.cursor()
    tmp_store.import_file(CSV_1, "accounts", file_name="a.csv")  # same process: the open cursor does not block
    assert cur.execute("SELECT count(*) FROM accounts").fetchone() == (2,)
    cur.close()


def test_quote_doubles_embedded_quotes():
    assert store_module.quote('a"b') == '"a""b"'
    con = duckdb.connect()
    name = 'x"; DROP TABLE t; --'
    con.execute(f"CREATE TABLE t ({store_module.quote(name)} INTEGER)")
    assert con.execute("SELECT column_name FROM information_schema.columns").fetchone() == ('x"; DROP TABLE t; --',)


def test_a_new_store_file_is_opened_once_and_gets_the_whole_schema(tmp_path, monkeypatch):
    import icp_core.store as store_module

    opened = []
    real_connect = store_module._connect
    monkeypatch.setattr(store_module, "_connect", lambda *a, **k: opened.append(a[0]) or real_connect(*a, **k))
    path = str(tmp_path / "new.duckdb")
    Store(path)
    assert opened == [path]  # written at once: nothing to read in a file that is not there
    con = store_module.duckdb.connect(path, read_only=True)
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert set(store_module.INTERNAL_TABLES) <= present
    opened.clear()
    Store(path)
    assert opened == [path]  # an existing, current store is only read


def test_a_file_store_writes_row_groups_of_half_duckdbs_default(tmp_path):
    # 70,000 rows: one row group at DuckDB's default size (122,880), two at ROW_GROUP_SIZE; from one
    # row group on, an insert is written into the file compressed instead of into the log
    path = str(tmp_path / "rows.duckdb")
    store = Store(path)
    n = 70_000
    store.load_frame("accounts", pl.DataFrame({"account_id": [f"A{i:06d}" for i in range(n)]}))
    con = duckdb.connect(path, read_only=True)
    try:
        groups = con.execute(
            "SELECT row_group_id, sum(count) FROM pragma_storage_info('accounts') WHERE column_name = 'account_id' "
            "AND segment_type = 'VARCHAR' GROUP BY row_group_id ORDER BY row_group_id").fetchall()
    finally:
        con.close()
    assert store_module.ROW_GROUP_SIZE == 61_440
    assert groups == [(0, 61_440), (1, n - 61_440)]
    assert Store(path).tables()["accounts"] == n


def test_a_file_store_spills_beside_its_file_and_is_its_connections_default(tmp_path):
    path = str(tmp_path / "spill.duckdb")
    con = Store(path).cursor()
    try:
        database, spill, file = con.execute(
            "SELECT current_database(), current_setting('temp_directory'), "
            "(SELECT path FROM duckdb_databases() WHERE database_name = current_database())").fetchone()
    finally:
        con.close()
    assert (database, spill, file) == (store_module.STORE_CATALOG, path + ".tmp", path)


def test_a_store_file_whose_path_has_a_quote_opens_and_keeps_its_data(tmp_path):
    path = str(tmp_path / "o'brien's store.duckdb")
    Store(path).load_frame("accounts", pl.DataFrame({"account_id": ["A1", "A2"]}))
    assert Store(path).tables() == {"accounts": 2}
    assert Path(path).is_file()
