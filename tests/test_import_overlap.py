"""Large imports hash the file and pack the raw file in threads while it is parsed, and import_file
reads the file on a worker while it opens the write transaction and stores the raw file (issue 9):
the stored figures are those of the serial way, byte for byte, every way out waits for them, and a
file that fails leaves the store as it was."""

from __future__ import annotations

import hashlib
import threading

import pytest

from icp_core import ingest
from icp_core.errors import IcpError
from icp_core.ingest import read as R
from icp_core.store import RAW_COMPRESS_FROM, Store


def big_german_csv() -> bytes:
    """A cp1252 export above the threshold from which read_file hashes in a thread; the third
    row repeats the first one's key (rejected), the fourth has no key (rejected)."""
    lines = ["Kundennummer;Firma;Land;MRR;Kunde seit", "K0;Müller 0;Österreich;1.234,56;31.12.2020",
             "K1;Müller 1;DE;99,00;01.02.2021", "K0;Müller 2;DE;1,00;01.02.2021", ";ohne Nummer;DE;1,00;01.02.2021"]
    lines += [f"K{i};Müller & Söhne {i} GmbH;Deutschland;{i % 9000},{i % 100:02d};{1 + i % 28:02d}.0{1 + i % 9}.2019"
              for i in range(2, 200_000)]
    data = ("\n".join(lines) + "\n").encode("cp1252")
    assert len(data) > R._HASH_ASIDE_FROM > RAW_COMPRESS_FROM
    return data


def no_helper_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name.startswith(("icp-sha256", "icp-import"))]


def test_read_file_hashes_a_large_file_like_a_small_one(tmp_path):
    data = big_german_csv()
    path = tmp_path / "kunden.csv"
    path.write_bytes(data)
    raw = ingest.read_file(path)
    assert raw.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.file_name == "kunden.csv" and raw.content == data and raw.data.height == 200_002
    assert no_helper_threads()


def test_import_of_a_large_file_from_its_path_keeps_hash_name_and_raw_bytes(tmp_path):
    data = big_german_csv()
    path = tmp_path / "kunden.csv"
    path.write_bytes(data)
    store = Store(str(tmp_path / "s.duckdb"))
    result = store.import_file(path, "accounts")
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (200_002, 200_000, 2)
    entry = store.imports()[0]
    assert entry["file"] == "kunden.csv"
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert store.raw_file(result.import_id) == data
    con = store.cursor()
    try:
        assert con.execute("SELECT codec FROM _raw_files").fetchall() == [("zstd",)]
        assert con.execute("SELECT mrr, start_date::VARCHAR, country FROM accounts WHERE account_id = 'K0'").fetchall() == [
            (1234.56, "2020-12-31", "AT")
        ]
    finally:
        con.close()
    assert store.quarantine(result.import_id).rows() == [
        (3, "Kundennummer", "K0", "The id 'K0' already appears in row 1, so this row was not imported."),
        (4, "Kundennummer", None, "The required field 'account_id' is empty, so the row was not imported."),
    ]
    store.close()
    assert no_helper_threads()


def test_a_large_file_that_is_no_table_fails_cleanly_and_leaves_no_thread(tmp_path):
    store = Store(str(tmp_path / "s.duckdb"))
    data = b"\x00\x01\x02" * (4 * 1024 * 1024)  # binary, 12 MB
    with pytest.raises(IcpError):
        store.import_file(data, "accounts", file_name="x.csv")
    assert store.imports() == []
    assert no_helper_threads()


def test_a_missing_path_still_says_so(tmp_path):
    with pytest.raises(IcpError) as error:
        Store(str(tmp_path / "s.duckdb")).import_file(tmp_path / "nope.csv", "accounts")
    assert error.value.key == "ingest.file_not_found"


def _raw_rows(store: Store) -> int:
    con = store.cursor()
    try:
        return con.execute("SELECT count(*) FROM _raw_files").fetchall()[0][0]
    finally:
        con.close()


def test_the_raw_file_goes_in_while_the_file_is_read_and_out_again_when_it_fails(tmp_path, monkeypatch):
    # import_file stores the raw file in the import's transaction while a worker reads the file:
    # when the file is then refused, the raw file is rolled back with it
    from icp_core import store as store_module

    data = big_german_csv()
    store = Store(str(tmp_path / "s.duckdb"))
    store.import_file(data, "accounts", file_name="first.csv")
    inserted = []
    original = store_module._insert_raw

    def recording_insert(con, import_id, packed):
        inserted.append((import_id, threading.current_thread().name))
        return original(con, import_id, packed)

    monkeypatch.setattr(store_module, "_insert_raw", recording_insert)
    with pytest.raises(IcpError) as error:  # no column can be the account id
        store.import_file(data, "accounts", mapping={"Kundennummer": None, "Firma": "company_name"}, file_name="bad.csv")
    assert error.value.key == "ingest.no_account_id"
    assert inserted == [(2, "MainThread")]  # it was in ...
    assert [e["file"] for e in store.imports()] == ["first.csv"]  # ... and is gone with the rest
    assert _raw_rows(store) == 1 and store.tables() == {"accounts": 200_000}
    assert no_helper_threads()
    # the next import gets the next id and its own raw file, byte for byte
    result = store.import_file(data, "accounts", mode="replace", file_name="again.csv")
    assert result.import_id == 2 and store.raw_file(2) == data and _raw_rows(store) == 2


def test_the_raw_file_is_stored_before_the_file_is_read_to_the_end(tmp_path, monkeypatch):
    # the overlap itself: the read waits (at most 10 s) for the raw file to be in; read after it,
    # as before, the wait runs out and the import says so
    from icp_core import store as store_module

    raw_in = threading.Event()
    original_insert, original_read = store_module._insert_raw, store_module.ingest.read_file

    def recording_insert(con, import_id, packed):
        original_insert(con, import_id, packed)
        raw_in.set()

    def waiting_read(*args, **kwargs):
        assert raw_in.wait(10), "the raw file was not stored while the file was read"
        return original_read(*args, **kwargs)

    monkeypatch.setattr(store_module, "_insert_raw", recording_insert)
    monkeypatch.setattr(store_module.ingest, "read_file", waiting_read)
    store = Store(str(tmp_path / "s.duckdb"))
    result = store.import_file(b"Kundennummer;Firma\nK1;A\nK2;B\n", "accounts", file_name="k.csv")
    assert result.rows_imported == 2 and store.raw_file(result.import_id) == b"Kundennummer;Firma\nK1;A\nK2;B\n"
    assert no_helper_threads()


def test_a_file_that_does_not_read_raises_its_own_error_and_leaves_the_store_as_it_was(tmp_path):
    store = Store(str(tmp_path / "s.duckdb"))
    store.import_file(b"Kundennummer;Firma\nK1;A\n", "accounts", file_name="first.csv")
    for data, name, key in [(b"", "empty.csv", "ingest.empty_file"), (b"PK\x03\x04broken", "k.xlsx", "ingest.wrong_format")]:
        with pytest.raises(IcpError) as error:
            store.import_file(data, "accounts", file_name=name)
        assert error.value.key == key
        assert [e["file"] for e in store.imports()] == ["first.csv"]
        assert _raw_rows(store) == 1 and store.tables() == {"accounts": 1}
    assert no_helper_threads()


def test_a_failing_raw_insert_fails_the_import_and_changes_nothing(tmp_path, monkeypatch):
    import duckdb

    from icp_core import store as store_module

    def failing_insert(con, import_id, packed):
        raise duckdb.IOException("IO Error: No space left on device")

    store = Store(str(tmp_path / "s.duckdb"))
    monkeypatch.setattr(store_module, "_insert_raw", failing_insert)
    with pytest.raises(IcpError) as error:
        store.import_file(big_german_csv(), "accounts", file_name="k.csv")
    assert error.value.key == "store.cannot_write"  # the store's message, not DuckDB's text
    assert store.imports() == [] and store.tables() == {} and _raw_rows(store) == 0
    assert no_helper_threads()


@pytest.mark.parametrize("location", ["file", ":memory:"])
def test_an_empty_mapping_is_a_choice_and_not_replaced_by_the_suggestion(tmp_path, location):
    store = Store(str(tmp_path / "s.duckdb") if location == "file" else location)
    with pytest.raises(IcpError) as error:
        store.import_file(b"Kundennummer;Firma\nK1;A\n", "accounts", mapping={}, file_name="k.csv")
    assert error.value.key == "ingest.no_account_id" and store.imports() == []
    assert store.import_file(b"Kundennummer;Firma\nK1;A\n", "accounts", file_name="k.csv").rows_imported == 1
