"""read_file: encodings, separators, quoting, header rows, spreadsheets, Parquet, unreadable input."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from icp_core.errors import IcpError
from icp_core.ingest import describe, prepare, read_file, suggest_mapping
from icp_core.ingest import read as read_module

GERMAN = "Kundennummer;Firma;Kündigungsdatum\n1001;Müller & Söhne;31.12.2024\n1002;Bäckerei Groß;\n"
REAL = Path("/work/shared/data/real")


def _rows(raw) -> list[tuple]:
    return raw.data.rows()


# ---------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (GERMAN.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + GERMAN.encode("utf-8"), "utf-8-sig"),
        (b"\xff\xfe" + GERMAN.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + GERMAN.encode("utf-16-be"), "utf-16-be"),
        (GERMAN.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_decoded(data, encoding):
    raw = read_file(data, "kunden.csv")
    assert raw.detected.encoding == encoding
    assert raw.columns == ["Kundennummer", "Firma", "Kündigungsdatum"]
    assert _rows(raw) == [("1001", "Müller & Söhne", "31.12.2024"), ("1002", "Bäckerei Groß", None)]
    assert raw.content == data
    assert raw.size == len(data)


def test_windows_1252_specials_and_undefined_bytes():
    # € and „“ exist only in cp1252, 0x81 is undefined there and is kept as its Latin-1 character
    data = "id;Umsatz;Notiz\n1;1.234,50 €;„gut“\n".encode("cp1252") + b"2;5 \x80;a\x81b\n"
    raw = read_file(data, "x.csv")
    assert raw.detected.encoding == "cp1252"
    assert _rows(raw) == [("1", "1.234,50 €", "„gut“"), ("2", "5 €", "a\x81b")]


def test_transcoding_works_across_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(read_module, "_CHUNK", 7)  # splits UTF-16 code units and cp1252 text mid-way
    text = "id;name\n" + "".join(f"{i};Größe Ü{i}\n" for i in range(50))
    for data in (b"\xff\xfe" + text.encode("utf-16-le"), text.encode("cp1252")):
        raw = read_file(data, "x.csv")
        assert raw.data.height == 50
        assert raw.data["name"][49] == "Größe Ü49"


def test_utf16_without_bom_is_detected():
    raw = read_file(GERMAN.encode("utf-16-le"), "x.txt")
    assert raw.detected.encoding == "utf-16-le"
    assert raw.data["Firma"].to_list() == ["Müller & Söhne", "Bäckerei Groß"]


# ---------------------------------------------------------------- separators and quoting
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_each_separator_is_sniffed(sep):
    text = sep.join(["id", "name", "city"]) + "\n" + sep.join(["1", "Acme", "Berlin"]) + "\n" + sep.join(["2", "Beta", "Köln"]) + "\n"
    raw = read_file(text.encode(), "x.txt")
    assert raw.detected.separator == sep
    assert _rows(raw) == [("1", "Acme", "Berlin"), ("2", "Beta", "Köln")]


def test_tab_separated_file_is_tsv():
    raw = read_file(b"id\tname\n1\tA\n", "x.tsv")
    assert raw.detected.format == "tsv"


def test_semicolon_wins_over_decimal_commas():
    raw = read_file(b"id;mrr;arr\n1;1,5;18,0\n2;2,25;27,0\n", "x.csv")
    assert raw.detected.separator == ";"
    assert raw.columns == ["id", "mrr", "arr"]
    assert raw.detected.decimal == ","


def test_quoted_separators_and_line_breaks():
    text = 'id,name,note\n1,"Acme, Inc.","line one\nline two"\n2,"Say ""hi""",x\n'
    raw = read_file(text.encode(), "x.csv")
    assert raw.detected.separator == ","
    assert _rows(raw) == [("1", "Acme, Inc.", "line one\nline two"), ("2", 'Say "hi"', "x")]


def test_crlf_and_trailing_empty_lines_and_columns():
    raw = read_file(b"id;name;\r\n1;A;\r\n2;B;\r\n;;\r\n\r\n", "x.csv")
    assert raw.columns == ["id", "name"]
    assert _rows(raw) == [("1", "A"), ("2", "B")]


def test_title_lines_above_the_header_are_skipped():
    text = "Kundenexport März 2024\nErstellt von: CRM\n\nKundennummer;Firma;Land\n1;A;DE\n2;B;AT\n3;C;CH\n"
    raw = read_file(text.encode(), "x.csv")
    assert raw.detected.header_row == 4
    assert raw.columns == ["Kundennummer", "Firma", "Land"]
    assert raw.data.height == 3


def test_headers_are_trimmed_and_made_unique_ignoring_case():
    raw = read_file(b" id ,Name,name,,NAME\n1,a,b,c,d\n", "x.csv")
    assert raw.columns == ["id", "Name", "name_2", "column_4", "NAME_3"]


def test_values_stay_text_exactly_as_in_the_file():
    raw = read_file(b"id,zip,amount\n007,01067,\" 1.234,50 \"\n", "x.csv")
    assert raw.data.schema == pl.Schema({"id": pl.String, "zip": pl.String, "amount": pl.String})
    assert _rows(raw) == [("007", "01067", " 1.234,50 ")]


def test_single_column_file():
    raw = read_file(b"account_id\nA1\nA2\n", "ids.csv")
    assert raw.columns == ["account_id"]
    assert raw.data["account_id"].to_list() == ["A1", "A2"]


def test_read_from_path_and_sha256(tmp_path):
    path = tmp_path / "kunden.csv"
    path.write_bytes(GERMAN.encode())
    raw = read_file(path)
    assert raw.file_name == "kunden.csv"
    assert raw.sha256 == "%064x" % int.from_bytes(__import__("hashlib").sha256(GERMAN.encode()).digest(), "big")
    assert read_file(str(path)).data.height == 2


# ---------------------------------------------------------------- spreadsheets, Parquet
def _xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    first = book.add_worksheet("Info")
    first.write(0, 0, "nothing here")
    sheet = book.add_worksheet("Kunden")
    sheet.write(0, 0, "Kundenliste 2024")
    sheet.write_row(2, 0, ["Kundennummer", "Firma", "Kunde seit", "Umsatz"])
    sheet.write_row(3, 0, [1001, "Müller GmbH"])
    sheet.write_datetime(3, 2, datetime(2024, 3, 1), book.add_format({"num_format": "dd.mm.yyyy"}))
    sheet.write_number(3, 3, 1234.5)
    sheet.write_row(4, 0, ["007", "Beta AG", None, 3])
    book.close()
    return buf.getvalue()


def test_xlsx_sheet_title_rows_and_text_cells():
    raw = read_file(_xlsx(), "kunden.xlsx", sheet="Kunden")
    assert raw.detected.format == "xlsx"
    assert raw.detected.sheet == "Kunden"
    assert raw.detected.header_row == 3
    assert raw.columns == ["Kundennummer", "Firma", "Kunde seit", "Umsatz"]
    assert _rows(raw) == [("1001", "Müller GmbH", "2024-03-01 00:00:00", "1234.5"), ("007", "Beta AG", None, "3")]
    prepared = prepare(raw, "accounts", suggest_mapping(raw.columns, "accounts"))
    assert prepared.frame["start_date"].to_list() == [date(2024, 3, 1), None]
    assert prepared.frame["account_id"].to_list() == ["1001", "007"]
    assert prepared.raw.detected.date_orders["Kunde seit"] == "YMD"


def test_xlsx_first_sheet_by_default_and_unknown_sheet():
    # the cover sheet "Info" holds no table, so the first sheet with one is read
    assert read_file(_xlsx(), "k.xlsx").detected.sheet == "Kunden"
    with pytest.raises(IcpError) as err:
        read_file(_xlsx(), "k.xlsx", sheet="Info")
    assert err.value.key == "ingest.no_rows"
    with pytest.raises(IcpError) as err:
        read_file(_xlsx(), "k.xlsx", sheet="Nope")
    assert err.value.key == "ingest.no_such_sheet"
    assert err.value.message("en") == "The workbook has no sheet 'Nope'; choose one of: Info, Kunden."
    assert err.value.message("de") == "Die Arbeitsmappe hat kein Blatt 'Nope'; wählen Sie eines von: Info, Kunden."


def test_xls():
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Export")
    for col, header in enumerate(["Customer ID", "Company", "Employees"]):
        sheet.write(0, col, header)
    sheet.write(1, 0, 1001)
    sheet.write(1, 1, "Acme")
    sheet.write(1, 2, 250)
    sheet.write(2, 0, "A-2")
    sheet.write(2, 1, "Beta")
    sheet.write(2, 2, "12")
    buf = io.BytesIO()
    book.save(buf)
    raw = read_file(buf.getvalue(), "old.xls")
    assert raw.detected.format == "xls"
    assert raw.columns == ["Customer ID", "Company", "Employees"]
    assert _rows(raw) == [("1001", "Acme", "250"), ("A-2", "Beta", "12")]


def test_parquet_columns_become_text():
    frame = pl.DataFrame(
        {
            "account_id": [1, 2],
            "start": [date(2024, 3, 1), None],
            "mrr": [99.5, 1000.0],
            "tools": [["HubSpot", "Slack"], []],
            "active": [True, False],
        }
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    raw = read_file(buf.getvalue(), "a.parquet")
    assert raw.detected.format == "parquet"
    assert raw.data.schema == pl.Schema({c: pl.String for c in frame.columns})
    assert _rows(raw) == [("1", "2024-03-01", "99.5", "HubSpot;Slack", "true"), ("2", None, "1000.0", "", "false")]
    prepared = prepare(raw, "accounts", {"account_id": "account_id", "start": "start_date", "mrr": "mrr", "tools": "tech_stack"})
    assert prepared.frame["tech_stack"].to_list() == [["HubSpot", "Slack"], None]
    assert prepared.frame["mrr"].to_list() == [99.5, 1000.0]


# ---------------------------------------------------------------- unreadable input
def _error(data, name="x.csv", **kwargs) -> IcpError:
    with pytest.raises(IcpError) as err:
        read_file(data, name, **kwargs)
    return err.value


@pytest.mark.parametrize(
    ("data", "key", "en", "de"),
    [
        (b"", "ingest.empty_file", "The file is empty; export the data again and upload the new file.",
         "Die Datei ist leer; exportieren Sie die Daten erneut und laden Sie die neue Datei hoch."),
        (b"  \r\n\n", "ingest.empty_file", "The file is empty; export the data again and upload the new file.",
         "Die Datei ist leer; exportieren Sie die Daten erneut und laden Sie die neue Datei hoch."),
        (b"id;name;country\n", "ingest.no_rows",
         "The file has a header but no data rows; export it again with the data included.",
         "Die Datei hat eine Kopfzeile, aber keine Datenzeilen; exportieren Sie sie erneut mit den Daten."),
        (b"id;name\n;\n;;\n", "ingest.no_rows",
         "The file has a header but no data rows; export it again with the data included.",
         "Die Datei hat eine Kopfzeile, aber keine Datenzeilen; exportieren Sie sie erneut mit den Daten."),
        (bytes(range(256)) * 20, "ingest.not_a_table",
         "This file cannot be read as a table; save it as CSV, Excel (XLSX/XLS) or Parquet and try again.",
         "Diese Datei lässt sich nicht als Tabelle lesen; speichern Sie sie als CSV, Excel (XLSX/XLS) oder Parquet und versuchen Sie es erneut."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "ingest.wrong_format",
         "This file type is not supported; upload a CSV, TSV, TXT, Excel (XLSX/XLS) or Parquet file.",
         "Dieser Dateityp wird nicht unterstützt; laden Sie eine CSV-, TSV-, TXT-, Excel- (XLSX/XLS) oder Parquet-Datei hoch."),
        (b"PAR1 broken parquet", "ingest.not_a_table",
         "This file cannot be read as a table; save it as CSV, Excel (XLSX/XLS) or Parquet and try again.",
         "Diese Datei lässt sich nicht als Tabelle lesen; speichern Sie sie als CSV, Excel (XLSX/XLS) oder Parquet und versuchen Sie es erneut."),
    ],
)
def test_unreadable_input_gets_one_sentence_in_both_languages(data, key, en, de):
    err = _error(data)
    assert err.key == key
    assert err.message("en") == en
    assert err.message("de") == de


def test_a_zip_that_is_not_a_workbook_is_the_wrong_format():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert _error(buf.getvalue(), "letter.docx").key == "ingest.wrong_format"


def test_too_large_is_refused_before_reading(tmp_path):
    err = _error(b"id\n1\n2\n", max_bytes=5)
    assert err.key == "ingest.too_large"
    assert err.message("en").startswith("The file is 0.0 MB, more than the limit of 0 MB;")
    assert err.message("de").startswith("Die Datei ist 0.0 MB groß")
    path = tmp_path / "big.csv"
    path.write_bytes(b"id\n" + b"1\n" * 1000)
    with pytest.raises(IcpError) as raised:
        read_file(path, max_bytes=1000)
    assert raised.value.key == "ingest.too_large"


def test_missing_file(tmp_path):
    with pytest.raises(IcpError) as err:
        read_file(tmp_path / "nope.csv")
    assert err.value.key == "ingest.file_not_found"
    assert "nope.csv" in err.value.message("de")


def test_no_column_for_the_account_id():
    raw = read_file(b"Branche;Umsatz\nIT;5\n", "x.csv")
    with pytest.raises(IcpError) as err:
        prepare(raw, "accounts")
    assert err.value.key == "ingest.no_account_id"
    assert err.value.message("en").startswith("No column can be the account id;")
    assert err.value.message("de").startswith("Keine Spalte kann die Kunden-ID sein;")
    with pytest.raises(IcpError) as err:
        prepare(raw, "nps_responses", {"Branche": "account_id"})
    assert err.value.key == "ingest.no_required_column"
    assert err.value.message("en") == (
        "No column can be the required field 'score' of the table 'nps_responses'; "
        "add such a column or choose it in the mapping."
    )


# ---------------------------------------------------------------- describe
def test_describe_in_both_languages():
    raw = read_file(b"id;start;amount\n1;03/04/2024;1.234,5\n2;05/06/2024;7,5\n", "x.csv")
    assert describe(raw.detected, "en") == [
        ("Format", "CSV"),
        ("Encoding", "UTF-8"),
        ("Separator", "semicolon (;)"),
        ("Header row", "1"),
        ("Decimal mark", "comma (1.234,5)"),
        ("Date order in 'start'", "day.month.year (chosen: every date in the column fits both orders)"),
    ]
    assert describe(raw.detected, "de")[2] == ("Trennzeichen", "Semikolon (;)")


# ---------------------------------------------------------------- the real data sets
def _real(path: str) -> Path:
    full = REAL / path
    if not full.exists():
        pytest.skip(f"{full} not present")
    return full


def test_real_ravenstack_accounts():
    raw = read_file(_real("ravenstack-saas-churn/ravenstack_accounts.csv"))
    prepared = prepare(raw, "accounts", suggest_mapping(raw.columns, "accounts"))
    assert prepared.rows_read == 500
    assert prepared.rows_imported == 500
    assert prepared.issues == []
    assert prepared.frame["churned"].dtype == pl.Boolean
    assert prepared.frame["country"].null_count() == 0


def test_real_maven_accounts_with_the_name_as_id():
    # maven has no id column: the company name ("account") is unique and is used as the id
    raw = read_file(_real("maven-crm-sales-opportunities/accounts.csv"))
    mapping = suggest_mapping(raw.columns, "accounts")
    assert mapping["account"] == "company_name"
    mapping["account"] = "account_id"
    prepared = prepare(raw, "accounts", mapping)
    assert prepared.rows_imported == 85
    assert prepared.rows_rejected == 0
    assert set(prepared.frame["country"].unique().to_list()) >= {"US"}


def test_real_fortune_1000_as_market():
    # rank is not unique (ties), the company name is: it becomes company_id
    raw = read_file(_real("fortune-1000-2021/Fortune_1000.csv"))
    mapping = suggest_mapping(raw.columns, "market")
    assert mapping["num. of employees"] == "employees"
    assert mapping["city"] == "city"
    mapping["company"] = "company_id"
    prepared = prepare(raw, "market", mapping)
    assert prepared.rows_imported == 1000
    assert prepared.frame.filter(pl.col("company_id") == "Walmart")["employees"].to_list() == [2200000]


def test_title_row_with_empty_cells_is_skipped():
    raw = read_file(b"Report;;;\n;;;\nid;name;x;y\n1;2;3;4\n5;6;7;8\n", "x.csv")
    assert raw.detected.header_row == 3
    assert raw.columns == ["id", "name", "x", "y"]


def test_ragged_rows_keep_the_header():
    # a longer first data row must not turn the real header into a "title line"
    raw = read_file(b"id,name\n1,A,extra\n2\n", "x.csv")
    assert raw.columns == ["id", "name"]
    assert _rows(raw) == [("1", "A"), ("2", None)]


def test_old_mac_line_ends():
    assert _rows(read_file(b"id,name\r1,A\r2,B\r", "x.csv")) == [("1", "A"), ("2", "B")]


def test_html_saved_as_csv_is_not_a_table():
    assert _error(b"<!DOCTYPE html><html><body><table></table></body></html>").key == "ingest.not_a_table"
