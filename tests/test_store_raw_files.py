"""Raw files are kept byte for byte: large ones LZ4-compressed (codec 'lz4'), small ones as
uploaded (codec NULL), and stores written before the codec column existed still give theirs."""

from __future__ import annotations

import duckdb
import numpy as np

from icp_core.store import RAW_COMPRESS_FROM, Store


def big_csv(rows: int = 40_000) -> bytes:
    rng = np.random.default_rng(3)
    lines = ["Kundennummer;Firma;MRR"]
    lines += [f"K{i};Firma {rng.integers(0, 10**9)} GmbH;{rng.integers(1, 99999)},{rng.integers(0, 99):02d}"
              for i in range(rows)]
    data = ("\n".join(lines) + "\n").encode("cp1252")
    assert len(data) >= RAW_COMPRESS_FROM
    return data


def stored(store: Store, import_id: int) -> tuple[int, str | None]:
    con = store.cursor()
    try:
        return con.execute("SELECT octet_length(content), codec FROM _raw_files WHERE import_id = ?", [import_id]).fetchall()[0]
    finally:
        con.close()


def test_large_raw_file_is_compressed_and_comes_back_byte_for_byte(tmp_store):
    data = big_csv()
    result = tmp_store.import_file(data, "accounts", file_name="big.csv")
    assert result.rows_imported == 40_000
    size, codec = stored(tmp_store, result.import_id)
    assert codec == "lz4" and size < len(data)
    assert tmp_store.raw_file(result.import_id) == data
    # and after a reopen read-only (another process, e.g. the CLI)
    assert Store(tmp_store.location, read_only=True).raw_file(result.import_id) == data


def test_small_raw_file_is_kept_as_uploaded(tmp_store):
    data = b"Kundennummer;MRR\nK1;1,5\n"
    result = tmp_store.import_file(data, "accounts", file_name="small.csv")
    assert stored(tmp_store, result.import_id) == (len(data), None)
    assert tmp_store.raw_file(result.import_id) == data


def test_store_without_codec_column_still_gives_its_raw_files(tmp_store):
    old = b"Kundennummer;MRR\nK1;1,5\n"
    first = tmp_store.import_file(old, "accounts", file_name="old.csv")
    con = duckdb.connect(tmp_store.location)
    con.execute("ALTER TABLE _raw_files DROP COLUMN codec")  # as an older version wrote it
    con.close()
    assert Store(tmp_store.location, read_only=True).raw_file(first.import_id) == old
    reopened = Store(tmp_store.location)  # opened for writing: the column is added
    assert stored(reopened, first.import_id) == (len(old), None)
    data = big_csv(30_000)
    second = reopened.import_file(data, "accounts", file_name="big.csv", mode="append")
    assert reopened.raw_file(second.import_id) == data and stored(reopened, second.import_id)[1] == "lz4"
    assert reopened.raw_file(first.import_id) == old


def test_import_into_a_store_whose_raw_files_lost_the_codec_column(tmp_store):
    """A restore of an older backup re-creates _raw_files without the codec column; the next
    import adds it in its own transaction."""
    tmp_store.import_file(b"Kundennummer\nK1\n", "accounts", file_name="a.csv")
    con = duckdb.connect(tmp_store.location)
    con.execute("ALTER TABLE _raw_files DROP COLUMN codec")
    con.close()
    data = big_csv(30_000)
    result = tmp_store.import_file(data, "accounts", file_name="big.csv")
    assert tmp_store.raw_file(result.import_id) == data


def test_already_compressed_files_are_kept_as_they_are(tmp_store):
    """Parquet (here: a frame, kept as Parquet) and XLSX (a zip) would not shrink: no codec."""
    import polars as pl

    frame = pl.DataFrame({"account_id": [f"A{i}" for i in range(400_000)],
                          "company_name": [f"Firma {i * 2654435761 % 2**32:08x} GmbH" for i in range(400_000)]})
    result = tmp_store.load_frame("accounts", frame, file_name="frame")
    size, codec = stored(tmp_store, result.import_id)
    assert codec is None and size >= RAW_COMPRESS_FROM
    assert pl.read_parquet(tmp_store.raw_file(result.import_id)).equals(frame)
