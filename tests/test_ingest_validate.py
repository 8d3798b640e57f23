"""prepare: typed canonical frame, the quarantine (row, column, value, reason), keys, extras."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from icp_core.ingest import Issue, prepare, read_file
from icp_core.ingest.validate import POLARS_TYPES
from icp_core.schema import DUCKDB_TYPES, stored_fields, this_year

HEADER = "Kundennummer;Firma;Land;Mitarbeiter;Umsatz;Gründungsjahr;Kunde seit;Gekündigt;NPS;Tools;ARR;Einstufung;Branche;Industry;_row\n"
ROWS = [
    "1001;Acme GmbH;Deutschland;250;1.234,50 €;1999;01.03.2024;nein;9;HubSpot| Slack;12.000,00;mehr davon;Maschinenbau;Machinery;a",
    ";NoId AG;DE;10;;;;;;;;;;;b",
    "1001;Dup GmbH;AT;5;;;;;;;;;;;c",
    "007;Zero;Atlantis;12,5;abc;2999;31.02.2024;vielleicht;11;;n/a;super;;;d",
    "1002.0; Beta ;Österreich;-5;k.A.;1850;1.3.24;ja;0;Jira;;;;;e",
]
MAPPING = {
    "Kundennummer": "account_id", "Firma": "company_name", "Land": "country", "Mitarbeiter": "employees",
    "Umsatz": "annual_revenue", "Gründungsjahr": "founded_year", "Kunde seit": "start_date", "Gekündigt": "churned",
    "NPS": "nps", "Tools": "tech_stack", "ARR": "arr", "Einstufung": "tier", "Branche": "industry",
}


@pytest.fixture(scope="module")
def prepared():
    raw = read_file((HEADER + "\n".join(ROWS) + "\n").encode("cp1252"), "kunden.csv")
    return prepare(raw, "accounts", MAPPING)


def test_counts(prepared):
    assert prepared.rows_read == 5
    assert prepared.rows_rejected == 2
    assert prepared.rows_imported == 3


def test_quarantine_records_exactly(prepared):
    got = [(i.row, i.column, i.value, i.reason) for i in prepared.issues]
    assert got == [
        (2, "Kundennummer", None, "issue.missing_required"),
        (3, "Kundennummer", "1001", "issue.duplicate_key"),
        (4, "Land", "Atlantis", "issue.unknown_country"),
        (4, "Mitarbeiter", "12,5", "issue.not_an_integer"),
        (4, "Umsatz", "abc", "issue.not_a_number"),
        (4, "Gründungsjahr", "2999", "issue.out_of_range"),
        (4, "Kunde seit", "31.02.2024", "issue.not_a_date"),
        (4, "Gekündigt", "vielleicht", "issue.not_boolean"),
        (4, "NPS", "11", "issue.out_of_range"),
        (4, "Einstufung", "super", "issue.unknown_choice"),
        (5, "Mitarbeiter", "-5", "issue.out_of_range"),
    ]


def test_issue_texts_in_both_languages(prepared):
    by_reason = {i.reason: i for i in prepared.issues}
    assert by_reason["issue.duplicate_key"].text("en") == "The id '1001' already appears in row 1, so this row was not imported."
    assert by_reason["issue.duplicate_key"].text("de") == "Die ID '1001' steht schon in Zeile 1, daher wurde diese Zeile nicht importiert."
    assert by_reason["issue.missing_required"].text("de") == (
        "Das Pflichtfeld 'account_id' ist leer, daher wurde die Zeile nicht importiert."
    )
    year = this_year()
    founded = next(i for i in prepared.issues if i.column == "Gründungsjahr")
    assert founded.text("en") == f"'2999' in column 'Gründungsjahr' is outside the allowed range (1800 to {year})."
    assert by_reason["issue.unknown_choice"].text("de") == (
        "'super' in Spalte 'Einstufung' ist keiner der Werte: want_more, neutral, dont_want."
    )
    assert Issue(1, "a", "b", "issue.not_a_date", {"column": "a", "value": "b"}).as_dict() == {
        "row": 1, "column": "a", "value": "b", "reason": "issue.not_a_date",
    }


def test_accepted_rows_are_typed_and_invalid_optional_values_are_null(prepared):
    frame = prepared.frame
    assert frame["_row"].to_list() == [1, 4, 5]
    assert frame["account_id"].to_list() == ["1001", "007", "1002"]
    assert frame["company_name"].to_list() == ["Acme GmbH", "Zero", "Beta"]
    assert frame["country"].to_list() == ["DE", None, "AT"]
    assert frame["employees"].to_list() == [250, None, None]
    assert frame["annual_revenue"].to_list() == [1234.5, None, None]
    assert frame["founded_year"].to_list() == [1999, None, 1850]
    assert frame["start_date"].to_list() == [date(2024, 3, 1), None, date(2024, 3, 1)]
    assert frame["churned"].to_list() == [False, None, True]
    assert frame["nps"].to_list() == [9, None, 0]
    assert frame["tech_stack"].to_list() == [["HubSpot", "Slack"], None, ["Jira"]]
    assert frame["tier"].to_list() == ["want_more", None, None]
    assert frame["industry"].to_list() == ["Maschinenbau", None, None]
    # arr is input only: mrr = arr / 12
    assert frame["mrr"].to_list() == [1000.0, None, None]
    assert "arr" not in frame.columns


def test_columns_types_and_extras(prepared):
    frame = prepared.frame
    names = [f.name for f in stored_fields("accounts")]
    # extras keep their header unless it collides with a canonical name or starts with "_"
    assert frame.columns == names + ["Industry_extra", "row_extra", "_row"]
    assert prepared.extra_columns == {"Industry": "Industry_extra", "_row": "row_extra"}
    assert frame["Industry_extra"].to_list() == ["Machinery", None, None]
    assert frame["row_extra"].to_list() == ["a", "d", "e"]
    duck_to_polars = {
        "VARCHAR": pl.String, "BIGINT": pl.Int64, "DOUBLE": pl.Float64, "DATE": pl.Date,
        "BOOLEAN": pl.Boolean, "VARCHAR[]": pl.List(pl.String),
    }
    for f in stored_fields("accounts"):
        assert frame.schema[f.name] == duck_to_polars[DUCKDB_TYPES[f.type]] == POLARS_TYPES[f.type], f.name
    assert frame.schema["_row"] == pl.Int64
    assert prepared.mapping["Industry"] is None
    assert prepared.mapping["Kundennummer"] == "account_id"


def test_mrr_wins_over_arr_and_arr_fills_gaps():
    raw = read_file(b"id,mrr,arr\nA,100,2400\nB,,1200\nC,50,\n", "x.csv")
    frame = prepare(raw, "accounts", {"id": "account_id", "mrr": "mrr", "arr": "arr"}).frame
    assert frame["mrr"].to_list() == [100.0, 100.0, 50.0]


def test_suggested_mapping_is_used_when_none_is_given():
    raw = read_file("Kundennummer;Mitarbeiterzahl;Kunde seit\n1;1.200;03/04/2024\n2;15;25/12/2023\n".encode(), "x.csv")
    prepared = prepare(raw, "accounts")
    assert prepared.mapping == {"Kundennummer": "account_id", "Mitarbeiterzahl": "employees", "Kunde seit": "start_date"}
    # `;` file: "1.200" is German thousands; a first part > 12 decides day-month-year
    assert prepared.frame["employees"].to_list() == [1200, 15]
    assert prepared.frame["start_date"].to_list() == [date(2024, 4, 3), date(2023, 12, 25)]
    assert raw.detected.date_orders == {"Kunde seit": "DMY"}


def test_required_field_with_invalid_value_rejects_the_row():
    raw = read_file(b"account,score,date\nA,9,2024-01-05\nB,ten,2024-01-06\nC,,2024-01-07\nA,3,2024-02-01\n", "nps.csv")
    prepared = prepare(raw, "nps_responses", {"account": "account_id", "score": "score", "date": "date"})
    assert [(i.row, i.column, i.value, i.reason) for i in prepared.issues] == [
        (2, "score", "ten", "issue.not_a_number"),
        (3, "score", None, "issue.missing_required"),
    ]
    # nps_responses has no key: the same account may answer twice
    assert prepared.frame["account_id"].to_list() == ["A", "A"]
    assert prepared.frame["score"].to_list() == [9, 3]


def test_us_dates_and_serials_per_column():
    raw = read_file(b"id,first,start\n1,03/25/2024,45352\n2,04/01/2024,45000\n", "x.csv")
    prepared = prepare(raw, "accounts", {"id": "account_id", "first": "first_contact_date", "start": "start_date"})
    assert prepared.frame["first_contact_date"].to_list() == [date(2024, 3, 25), date(2024, 4, 1)]
    assert prepared.frame["start_date"].to_list() == [date(2024, 3, 1), date(2023, 3, 15)]
    assert raw.detected.date_orders == {"first": "MDY", "start": "serial"}


def test_x_marker_booleans_and_a_market_table():
    raw = read_file("Firma;Führungswechsel\nA;x\nB;\nC;X\n".encode(), "x.csv")
    frame = prepare(raw, "accounts", {"Firma": "account_id", "Führungswechsel": "leadership_change"}).frame
    assert frame["leadership_change"].to_list() == [True, False, True]
    raw = read_file(b"company_id,name,employees\nc1,Acme,10\nc1,Acme2,20\nc2,Beta,1.5\n", "m.csv")
    prepared = prepare(raw, "market")
    assert [(i.row, i.column, i.value, i.reason) for i in prepared.issues] == [
        (2, "company_id", "c1", "issue.duplicate_key"),
        (3, "employees", "1.5", "issue.not_an_integer"),
    ]
    assert prepared.frame["company_id"].to_list() == ["c1", "c2"]


def test_the_first_accepted_row_with_a_key_wins_even_after_a_rejected_one():
    raw = read_file(b"id,score\n,1\nA,2\nA,3\n", "x.csv")
    prepared = prepare(raw, "accounts", {"id": "account_id"})
    assert prepared.frame["_row"].to_list() == [2]
    assert [(i.row, i.reason) for i in prepared.issues] == [(1, "issue.missing_required"), (3, "issue.duplicate_key")]


def test_decimal_mark_per_column_with_the_file_mark_for_undecided_columns():
    # Two columns vote "." and one ",": the file's mark is ".". "1,234" alone decides nothing and
    # takes the file's mark (thousands comma); the revenue column keeps its own decimal comma.
    raw = read_file(
        b'id,employees,mrr,arr,revenue\nA,"1,234",99.5,"1,200.00","1.234,5"\nB,12,10.25,5.5,"99,75"\n', "x.csv"
    )
    assert raw.detected.decimal == "."
    assert raw.detected.decimals == {"employees": ".", "mrr": ".", "arr": ".", "revenue": ","}
    mapping = {"id": "account_id", "employees": "employees", "mrr": "mrr", "revenue": "annual_revenue"}
    frame = prepare(raw, "accounts", mapping).frame
    assert frame["employees"].to_list() == [1234, 12]
    assert frame["mrr"].to_list() == [99.5, 10.25]
    assert frame["annual_revenue"].to_list() == [1234.5, 99.75]
    from icp_core.ingest import describe

    assert ("Decimal mark in 'revenue'", "comma (1.234,5)") in describe(raw.detected, "en")
    assert ("Dezimalzeichen in 'revenue'", "Komma (1.234,5)") in describe(raw.detected, "de")


def test_large_file_errors_past_the_first_rows_are_all_found(monkeypatch):
    """50,000 rows whose first 20,000 are clean: the per-field error check and the choice of the
    distinct-values path (judged from the first rows, here 20,000) must not miss errors that come later."""
    from icp_core.ingest import validate

    monkeypatch.setattr(validate, "_REPEATS_SAMPLE", 20_000)
    lines = ["Kundennummer;Land;MRR;Kunde seit"]
    for i in range(1, 50_001):
        mrr = "12,50"
        country = "Deutschland" if i % 2 else "AT"
        start = f"{1 + i % 28:02d}.03.2024"
        account = f"K{i}"
        if i == 30_000:
            account = ""  # missing key: the row is rejected
        if i == 40_001:
            mrr = "zwölf"
        if i == 45_000:
            country = "Atlantis"
            start = "31.02.2024"
        lines.append(f"{account};{country};{mrr};{start}")
    raw = read_file(("\n".join(lines) + "\n").encode("cp1252"), "big.csv")
    result = prepare(raw, "accounts", {"Kundennummer": "account_id", "Land": "country", "MRR": "mrr", "Kunde seit": "start_date"})
    assert (result.rows_read, result.rows_rejected, result.frame.height) == (50_000, 1, 49_999)
    assert [(i.row, i.column, i.value, i.reason) for i in result.issues] == [
        (30_000, "Kundennummer", None, "issue.missing_required"),
        (40_001, "MRR", "zwölf", "issue.not_a_number"),
        (45_000, "Land", "Atlantis", "issue.unknown_country"),
        (45_000, "Kunde seit", "31.02.2024", "issue.not_a_date"),
    ]
    row = result.frame.filter(pl.col("_row") == 45_000).row(0, named=True)
    assert (row["country"], row["start_date"], row["mrr"]) == (None, None, 12.5)
    assert result.frame.filter(pl.col("_row") == 40_001)["mrr"].to_list() == [None]
    assert result.frame.filter(pl.col("_row") == 2)["country"].to_list() == ["AT"]
