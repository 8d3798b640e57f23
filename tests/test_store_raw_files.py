"""Raw files are kept byte for byte: large ones zstd-compressed (codec 'zstd'), small ones as
uploaded (codec NULL); raw files of stores written before (LZ4 frames, codec 'lz4', or before
the codec column existed) and of backups taken from them still come back byte for byte."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

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
    assert codec == "zstd" and size < len(data)
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
    assert reopened.raw_file(second.import_id) == data and stored(reopened, second.import_id)[1] == "zstd"
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


def _as_older_versions_stored(store: Store, import_id: int, content: bytes) -> bytes:
    """Rewrite an import's raw file as versions before zstd stored it: an LZ4 frame, codec 'lz4'."""
    import pyarrow as pa

    packed = pa.Codec("lz4").compress(content, asbytes=True)
    con = duckdb.connect(store.location)
    con.execute("UPDATE _raw_files SET content = ?, codec = 'lz4' WHERE import_id = ?", [packed, import_id])
    con.close()
    return packed


def test_older_stores_lz4_and_uncompressed_raw_files_still_come_back_byte_for_byte(tmp_store, tmp_path):
    from icp_core.backup import backup, restore

    data = big_csv()
    small = b"Kundennummer;MRR\nK1;1,5\n"
    old = tmp_store.import_file(data, "accounts", file_name="old.csv")
    packed = _as_older_versions_stored(tmp_store, old.import_id, data)
    as_uploaded = tmp_store.import_file(data[: RAW_COMPRESS_FROM - 1000], "accounts", file_name="mid.csv", mode="append")
    con = duckdb.connect(tmp_store.location)  # a large file an even older version kept as uploaded
    con.execute("UPDATE _raw_files SET content = ?, codec = NULL WHERE import_id = ?", [data, as_uploaded.import_id])
    con.close()
    tiny = tmp_store.import_file(small, "accounts", file_name="small.csv", mode="append")
    new = tmp_store.import_file(big_csv(30_000), "accounts", file_name="new.csv", mode="append")
    assert stored(tmp_store, old.import_id) == (len(packed), "lz4")
    assert stored(tmp_store, as_uploaded.import_id) == (len(data), None)
    assert stored(tmp_store, tiny.import_id) == (len(small), None)
    assert stored(tmp_store, new.import_id)[1] == "zstd"
    expected = {old.import_id: data, as_uploaded.import_id: data, tiny.import_id: small, new.import_id: big_csv(30_000)}
    for import_id, content in expected.items():
        assert tmp_store.raw_file(import_id) == content
        assert Store(tmp_store.location, read_only=True).raw_file(import_id) == content
    # a backup of that store, restored elsewhere, keeps every codec and gives the same bytes
    other = Store(str(tmp_path / "restored.duckdb"))
    restore(other, backup(tmp_store))
    for import_id, content in expected.items():
        assert other.raw_file(import_id) == content
        assert stored(other, import_id) == stored(tmp_store, import_id)


def test_pack_and_unpack_round_trip_exactly():
    from icp_core.errors import IcpError
    from icp_core.store import _pack_raw, _unpack_raw

    data = big_csv()
    packed, codec = _pack_raw(data)
    assert codec == "zstd" and packed[:4] == b"\x28\xb5\x2f\xfd" and len(packed) < len(data) // 2
    assert _unpack_raw(packed, codec) == data
    assert _pack_raw(b"small") == (b"small", None) and _unpack_raw(b"small", None) == b"small"
    import pyarrow as pa

    assert _unpack_raw(pa.Codec("lz4").compress(data, asbytes=True), "lz4") == data
    with pytest.raises(IcpError):
        _unpack_raw(packed, "brotli")
