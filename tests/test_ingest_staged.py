"""The faster ways of prepare give exactly what the plain expressions give (issue 9): missing
markers looked up in all their spellings instead of lower-casing every value, the fields computed
in stages (each piece once), the distinct values mapped back by one index lookup."""

from __future__ import annotations

import random
from datetime import date

import polars as pl

from icp_core.ingest import prepare, read_file
from icp_core.ingest import validate as VA
from icp_core.ingest import values as V


def lowered_is_marker(series: pl.Series) -> list:
    return series.to_frame("v").select(pl.col("v").str.to_lowercase().is_in(list(V.MISSING_MARKERS))).to_series().to_list()


def test_marker_spellings_are_exactly_the_texts_that_lower_case_to_a_marker():
    # every code point alone, then random strings of the markers' characters, their capitals and
    # the characters whose lower case is one of them (Kelvin sign) or starts with one (dotted I)
    every = pl.Series([chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000])
    assert every.to_frame("v").select(V.is_marker(pl.col("v"))).to_series().to_list() == lowered_is_marker(every)
    rnd = random.Random(3)
    alphabet = list("nNaA/-–—uUlLoOeEkK\u212a.# \u0130iIx")
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6))) for _ in range(200_000)]
    texts += [s for m in V.MISSING_MARKERS for s in V._spellings(m)] + [None]
    series = pl.Series(texts, dtype=pl.String)
    assert series.to_frame("v").select(V.is_marker(pl.col("v"))).to_series().to_list() == lowered_is_marker(series)
    assert {"K. A.", "\u212a.a.", "nULl", "#n/A", "N.A."} <= set(V.MISSING_SPELLINGS)


def test_missing_and_clean_text_by_hand():
    values = [" N/A ", "\u00a0null", "K.A.", "\u212a. a.", "Nan", "nann", " Acme ", "", None, "0"]
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    assert frame.select(V.missing(pl.col("v"))).to_series().to_list() == [
        True, True, True, True, True, False, False, True, True, False]
    assert frame.select(V.clean_text(pl.col("v"))).to_series().to_list() == [
        None, None, None, None, None, "nann", "Acme", None, None, "0"]


def test_via_distinct_with_helper_stages_equals_the_row_by_row_stages():
    data = pl.DataFrame({"s": ["1.234,5 €", "12", None, "abc", "12", "-3,25", "1.234,5 €", "k.A.", " N/A"]})
    core = V._number_core(pl.col("s")).alias("c")
    miss = V.missing(pl.col("s")).alias("m")
    number = V.parse_number_core(pl.col("c"), ",").alias("n")
    err = pl.when(~pl.col("m") & pl.col("n").is_null()).then(pl.lit("bad")).alias("e")
    stages = [[core, miss], [number]]
    direct = data.lazy().with_columns(stages[0]).with_columns(stages[1]).select(pl.col("n"), err).collect()
    mapped = data.select(VA._via_distinct(data, "s", [pl.col("n"), err], stages))
    assert mapped.equals(direct)
    assert mapped["n"].to_list() == [1234.5, 12.0, None, None, 12.0, -3.25, 1234.5, None, None]
    assert mapped["e"].to_list() == [None, None, None, "bad", None, None, None, None, None]
    # no value with an error: the error column is null without a lookup
    clean = data.filter(pl.col("s") != "abc")
    out = clean.select(VA._via_distinct(clean, "s", [pl.col("n"), err], stages))
    assert out["e"].null_count() == clean.height


def test_prepare_by_hand_through_the_stages():
    # repeated values take the distinct path (more than two rows per value), the ids and money
    # the row-by-row path; the same rules either way
    rows = ["Kundennummer;Firma;Umsatz;Mitarbeiter;Kunde seit;Land"]
    rows += [f"K{i};Firma {i};{i}.234,50 €;12;01.02.2020;DE" for i in range(1, 7)]
    rows += ["K7; N/A ;k.A.;1,5;31.02.2020;Atlantis", " NULL ;x;1;2;01.02.2020;DE", "K1;dup;2;3;01.02.2020;AT",
             "K8;\u212a. a.;12,5 EUR;-3;;n/a"]
    prepared = prepare(read_file(("\n".join(rows) + "\n").encode("utf-8"), "k.csv"), "accounts")
    frame = prepared.frame.select("account_id", "company_name", "annual_revenue", "employees", "start_date", "country", "_row")
    assert frame.rows() == [
        ("K1", "Firma 1", 1234.5, 12, date(2020, 2, 1), "DE", 1),
        ("K2", "Firma 2", 2234.5, 12, date(2020, 2, 1), "DE", 2),
        ("K3", "Firma 3", 3234.5, 12, date(2020, 2, 1), "DE", 3),
        ("K4", "Firma 4", 4234.5, 12, date(2020, 2, 1), "DE", 4),
        ("K5", "Firma 5", 5234.5, 12, date(2020, 2, 1), "DE", 5),
        ("K6", "Firma 6", 6234.5, 12, date(2020, 2, 1), "DE", 6),
        ("K7", None, None, None, None, None, 7),
        ("K8", None, 12.5, None, None, None, 10),
    ]
    assert [(i.row, i.column, i.value, i.reason) for i in prepared.issues] == [
        (7, "Mitarbeiter", "1,5", "issue.not_an_integer"),
        (7, "Kunde seit", "31.02.2020", "issue.not_a_date"),
        (7, "Land", "Atlantis", "issue.unknown_country"),
        (8, "Kundennummer", " NULL ", "issue.missing_required"),
        (9, "Kundennummer", "K1", "issue.duplicate_key"),
        (10, "Mitarbeiter", "-3", "issue.out_of_range"),
    ]
