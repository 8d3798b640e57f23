"""The Excel read path: the zip-bomb check's exact counting, the eager sheet load, empty sheets."""

from __future__ import annotations

import io
import sys
import random
import zipfile
from datetime import datetime

import pytest
import xlsxwriter

from icp_core.errors import IcpError
from icp_core.ingest import read as read_module
from icp_core.ingest import read_file


def _zip(deflated: bytes, stored: bytes, stored_first: bool = False) -> bytes:
    parts = [("xl/worksheets/sheet1.xml", deflated, zipfile.ZIP_DEFLATED), ("xl/stored.bin", stored, zipfile.ZIP_STORED)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content, method in parts[::-1] if stored_first else parts:
            archive.writestr(name, content, compress_type=method)
    return out.getvalue()


def _declare_small(data: bytes) -> bytes:
    """Every declared uncompressed size of a deflated part rewritten to 10 bytes (local and central headers)."""
    buf = bytearray(data)
    small = (10).to_bytes(4, "little")
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        if info.compress_type == zipfile.ZIP_DEFLATED:
            buf[info.header_offset + 22 : info.header_offset + 26] = small
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        if int.from_bytes(buf[pos + 10 : pos + 12], "little") == zipfile.ZIP_DEFLATED:
            buf[pos + 24 : pos + 28] = small
        pos += 4
    return bytes(buf)


def _text(n: int) -> bytes:
    rng = random.Random(5)  # varied text: compresses ~2:1, so the part spans many input slices
    return bytes(rng.choice(b"<c>0123456789abcdefghij</c>") for _ in range(n))


@pytest.fixture
def small_slices(monkeypatch):
    # slices far smaller than the parts, so every loop of the check runs many times
    monkeypatch.setattr(read_module, "_INFLATE_IN", 1000)
    monkeypatch.setattr(read_module, "_INFLATE_OUT", 3000)


def test_zip_check_counts_every_inflated_byte(small_slices):
    # 300,000 inflated bytes + a stored part of 1,000 bytes (counted as it is in the file) = 301,000
    data = _zip(_text(300_000), b"s" * 1000)
    read_module._check_unzipped_size(data, limit=301_000)  # exactly at the limit: accepted
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=300_999)
    # the declared sizes already tell: refused before anything is inflated
    assert (err.value.key, err.value.params) == ("ingest.unzipped_too_large", {"size_mb": "0", "limit_mb": "0"})


@pytest.mark.parametrize("stored_first", [False, True])
def test_zip_check_counts_when_the_declared_sizes_lie(small_slices, stored_first):
    # the last byte over the limit is found in the deflated part (stored part first) or in the
    # stored part that follows it
    data = _declare_small(_zip(_text(300_000), b"s" * 1000, stored_first))
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) == 1010  # the lie took
    read_module._check_unzipped_size(data, limit=301_000)
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=300_999)
    assert (err.value.key, err.value.params) == ("ingest.unzipped_too_large", {"size_mb": "> 0", "limit_mb": "0"})
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=50_000)  # stopped long before the end of the part
    assert err.value.key == "ingest.unzipped_too_large"


def test_zip_check_refuses_a_broken_deflate_stream(small_slices):
    data = bytearray(_zip(_text(300_000), b"s" * 1000))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start] = 0b110  # the first block's type is 3, which deflate reserves: an invalid stream
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(bytes(data))
    assert err.value.key == "ingest.wrong_format"


def _workbook(fill) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    fill(book)
    book.close()
    return buf.getvalue()


def _typed(book):
    book.add_worksheet("Tabelle1")  # Excel's empty default sheet in front of the data
    sheet = book.add_worksheet("Tabelle2")
    sheet.write_row(0, 0, ["Kundennummer", "Firma", "Kunde seit", "Umsatz", "Aktiv", "Notiz", "Mitarbeiter"])
    sheet.write_row(1, 0, ["007", "Müller & Söhne"])
    sheet.write_datetime(1, 2, datetime(2024, 3, 1), book.add_format({"num_format": "dd.mm.yyyy"}))
    sheet.write_number(1, 3, 1234.5)
    sheet.write_boolean(1, 4, True)
    sheet.write_formula(1, 5, "=1/0", None, "#DIV/0!")
    sheet.write_number(1, 6, 250)
    sheet.write_row(2, 0, [1001, "Beta AG", None, 0.1, False, "x", 1e6])


def test_typed_cells_read_as_text_and_an_empty_first_sheet_is_skipped():
    raw = read_file(_workbook(_typed), "kunden.xlsx")
    assert (raw.detected.sheet, raw.detected.header_row) == ("Tabelle2", 1)
    assert raw.columns == ["Kundennummer", "Firma", "Kunde seit", "Umsatz", "Aktiv", "Notiz", "Mitarbeiter"]
    assert raw.data.rows() == [
        ("007", "Müller & Söhne", "2024-03-01 00:00:00", "1234.5", "true", None, "250"),
        ("1001", "Beta AG", None, "0.1", "false", "x", "1000000"),
    ]


def test_an_empty_sheet_is_called_empty():
    with pytest.raises(IcpError) as err:
        read_file(_workbook(_typed), "kunden.xlsx", sheet="Tabelle1")
    assert err.value.key == "ingest.empty_file"
    with pytest.raises(IcpError) as err:
        read_file(_workbook(lambda book: (book.add_worksheet("A"), book.add_worksheet("B"))), "leer.xlsx")
    assert err.value.key == "ingest.empty_file"


def test_merged_title_and_group_rows_above_the_header():
    # a merged title over all columns and merged group cells (one per three columns) above the header
    def fill(book):
        sheet = book.add_worksheet("Export")
        sheet.merge_range(0, 0, 0, 5, "Kundenliste Q3 2024", book.add_format({"align": "center"}))
        sheet.merge_range(1, 0, 1, 2, "Stammdaten")
        sheet.merge_range(1, 3, 1, 5, "Umsatz")
        sheet.write_row(2, 0, ["Kundennummer", "Firma", "Land", "Umsatz", "MRR", "Kunde seit"])
        sheet.write_row(3, 0, ["K1", "Firma 1", "DE", "1.000,50 €", 10.5, "01.02.2021"])
        sheet.write_row(4, 0, ["K2", "Firma 2", "Österreich", "2.000,00 €", 21, "02.02.2021"])

    raw = read_file(_workbook(fill), "export.xlsx")
    assert raw.detected.header_row == 3
    assert raw.columns == ["Kundennummer", "Firma", "Land", "Umsatz", "MRR", "Kunde seit"]
    assert raw.data.rows() == [
        ("K1", "Firma 1", "DE", "1.000,50 €", "10.5", "01.02.2021"),
        ("K2", "Firma 2", "Österreich", "2.000,00 €", "21", "02.02.2021"),
    ]


@pytest.mark.parametrize("fill", [_typed, lambda book: book.add_worksheet("Leer")])
def test_eager_and_lazy_sheet_loads_give_the_same_frame(monkeypatch, fill):
    import fastexcel
    from polars.testing import assert_frame_equal

    reader = fastexcel.read_excel(_workbook(fill))
    frames = []
    for loaded in (True, False):
        monkeypatch.setattr(read_module, "_pyarrow_loaded", lambda loaded=loaded: loaded)
        frames.append([read_module._load_sheet(reader, name) for name in reader.sheet_names])
    for eager, lazy in zip(*frames, strict=True):
        assert_frame_equal(eager, lazy, check_exact=True)
        assert eager.columns == lazy.columns
    assert frames[0][-1].shape == ((3, 7) if fill is _typed else (0, 0))  # the header row is a row here


def test_zip_check_gives_the_same_without_isal(small_slices, monkeypatch):
    # ISA-L inflates faster; without its wheels the standard zlib gives the same answers
    data = _declare_small(_zip(_text(300_000), b"s" * 1000, False))
    broken = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    broken[info.header_offset + 30 + len(info.filename) + len(info.extra)] = 0b110
    for hidden in (False, True):
        if hidden:
            monkeypatch.setitem(sys.modules, "isal", None)  # import isal -> ImportError
        read_module._check_unzipped_size(data, limit=301_000)
        with pytest.raises(IcpError) as err:
            read_module._check_unzipped_size(data, limit=300_999)
        assert err.value.params == {"size_mb": "> 0", "limit_mb": "0"}
        with pytest.raises(IcpError) as err:
            read_module._check_unzipped_size(bytes(broken))
        assert err.value.key == "ingest.wrong_format"
