"""Value rules (icp_core.ingest.values): numbers, dates, booleans, countries, choices, lists, missing."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from icp_core.ingest import values as V
from icp_core.ingest.countries import normalise_country
from icp_core.schema import ACCOUNTS


def apply(expr_of, items: list[str | None]) -> list:
    return pl.DataFrame({"v": items}, schema={"v": pl.String}).select(expr_of(pl.col("v"))).to_series().to_list()


# ---------------------------------------------------------------- missing markers
@pytest.mark.parametrize(
    "marker", ["", "   ", "n/a", "N/A", "na", "NA", "-", "–", "NULL", "null", "None", "k.A.", "k. A.", "#N/A", "nan", "\u00a0"]
)
def test_missing_markers_become_null(marker):
    assert apply(V.clean_text, [marker]) == [None]
    assert apply(lambda e: V.parse_number(e, "."), [marker]) == [None]
    assert apply(V.missing, [marker]) == [True]


def test_text_is_trimmed_and_real_values_kept():
    assert apply(V.clean_text, ["  Acme GmbH ", "Nash", None]) == ["Acme GmbH", "Nash", None]
    assert apply(V.missing, ["Nash", "0", None]) == [False, False, True]


def test_key_text_keeps_leading_zeros_and_drops_spreadsheet_decimals():
    assert apply(V.key_text, [" 007 ", "1001.0", "1001.00", "10.5", "A-1.0", None]) == ["007", "1001", "1001", "10.5", "A-1.0", None]


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1234.5", ".", 1234.5),
        ("1,234.5", ".", 1234.5),
        ("1,234,567", ".", 1234567.0),
        ("1.234,5", ",", 1234.5),
        ("1.234.567,89", ",", 1234567.89),
        ("1 234,5", ",", 1234.5),
        ("1\u00a0234,5", ",", 1234.5),
        ("1\u202f234,5", ",", 1234.5),
        ("1'234.50", ".", 1234.5),
        ("1’234.50", ".", 1234.5),
        ("€ 1.234,50", ",", 1234.5),
        ("1.234,50 €", ",", 1234.5),
        ("1.234,50 EUR", ",", 1234.5),
        ("EUR 99", ",", 99.0),
        ("$1,234.50", ".", 1234.5),
        ("1,234.50 USD", ".", 1234.5),
        ("12,5 %", ",", 12.5),  # no canonical field is a fraction: the number is kept
        ("12.5%", ".", 12.5),
        ("-3,5", ",", -3.5),
        ("+7", ".", 7.0),
        (",5", ",", 0.5),
        ("1e6", ".", 1_000_000.0),
        ("0", ",", 0.0),
    ],
)
def test_number_forms(text, decimal, expected):
    assert apply(lambda e: V.parse_number(e, decimal), [text]) == [pytest.approx(expected)]


@pytest.mark.parametrize(
    ("text", "decimal"),
    [("abc", "."), ("12.5", ","), ("1,2,3", "."), ("1.23.4", ","), ("12 Mio", "."), ("1..2", "."), ("€", ",")],
)
def test_not_numbers(text, decimal):
    # "12.5" in a decimal-comma column is not silently read as 125
    assert apply(lambda e: V.parse_number(e, decimal), [text]) == [None]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1.234,5", "7"], ","),
        (["1,234.5", "7"], "."),
        (["12,5", "3"], ","),
        (["0,1234"], ","),
        (["1,234,567"], "."),
        (["1.234.567"], ","),
        (["12.5", "1,234"], "."),  # `,` + three digits everywhere and `.` elsewhere: thousands comma
        (["1,234", "99"], None),  # nothing decides: the file's decimal mark is used
        (["1.500", "2.000"], None),
        (["5", "10"], None),
        (["1.234,50 €", "99,00 €"], ","),
    ],
)
def test_decimal_mark_is_decided_per_column(values, expected):
    assert V.decide_decimal(pl.Series(values)) == expected


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2024-03-01", "YMD", date(2024, 3, 1)),
        ("2024-3-1", "YMD", date(2024, 3, 1)),
        ("2024/03/01", "YMD", date(2024, 3, 1)),
        ("01.03.2024", "DMY", date(2024, 3, 1)),
        ("1.3.24", "DMY", date(2024, 3, 1)),
        ("1.3.85", "DMY", date(1985, 3, 1)),
        ("31.12.69", "DMY", date(2069, 12, 31)),
        ("01.01.70", "DMY", date(1970, 1, 1)),
        ("03/01/2024", "MDY", date(2024, 3, 1)),
        ("03/01/2024", "DMY", date(2024, 1, 3)),
        ("3/1/24", "MDY", date(2024, 3, 1)),
        ("01-03-2024", "DMY", date(2024, 3, 1)),
        ("45352", "serial", date(2024, 3, 1)),
        ("45352.5", "serial", date(2024, 3, 1)),
        ("2024-03-01 14:00", "YMD", date(2024, 3, 1)),
        ("2024-03-01T14:00:00Z", "YMD", date(2024, 3, 1)),
        ("2024-03-01T14:00:00.123+01:00", "YMD", date(2024, 3, 1)),
        ("01.03.2024 14:00", "DMY", date(2024, 3, 1)),
        ("3/1/2024 2:00 PM", "MDY", date(2024, 3, 1)),
        (" 2024-03-01 ", "YMD", date(2024, 3, 1)),
    ],
)
def test_date_forms(text, order, expected):
    assert apply(lambda e: V.parse_date(e, order), [text]) == [expected]


@pytest.mark.parametrize("text", ["31.02.2024", "2024-13-01", "soon", "45352", "1.3", "2024", "13/13/2024"])
def test_not_dates(text):
    # a bare number is a date only in a column decided as Excel serials
    assert apply(lambda e: V.parse_date(e, "DMY"), [text]) == [None]


@pytest.mark.parametrize(
    ("values", "default", "expected"),
    [
        (["03/01/2024", "25/01/2024"], "MDY", ("DMY", False)),  # a first part > 12
        (["03/01/2024", "01/25/2024"], "DMY", ("MDY", False)),  # a second part > 12
        (["03/01/2024", "04/02/2024"], "MDY", ("MDY", True)),  # ambiguous: the file's convention, marked
        (["03/01/2024", "04/02/2024"], "DMY", ("DMY", True)),
        (["01.03.2024", "2.3.24"], "MDY", ("DMY", False)),  # dots are day-month-year
        (["2024-03-01", "2024-12-31"], "DMY", ("YMD", False)),
        (["45352", "45000"], "DMY", ("serial", False)),
    ],
)
def test_date_order_is_decided_per_column(values, default, expected):
    assert V.decide_date_order(pl.Series(values), default) == expected


def test_one_order_for_the_whole_column_never_per_cell():
    order, _ = V.decide_date_order(pl.Series(["03/01/2024", "25/01/2024"]), "MDY")
    assert apply(lambda e: V.parse_date(e, order), ["03/01/2024", "25/01/2024"]) == [date(2024, 1, 3), date(2024, 1, 25)]


# ---------------------------------------------------------------- booleans
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True), ("TRUE", True), ("false", False), ("False", False),
        ("yes", True), ("No", False), ("ja", True), ("Nein", False),
        ("wahr", True), ("FALSCH", False), ("1", True), ("0", False),
        ("y", True), ("n", False), ("j", True), ("N", False), ("x", True), (" X ", True),
        ("maybe", None), ("", None),
    ],
)
def test_boolean_forms(text, expected):
    assert apply(V.parse_bool, [text]) == [expected]


def test_x_marker_column_means_false_where_empty():
    values = ["x", None, "X", "", "-"]
    assert V.is_x_column(pl.Series(["x", "X"]))
    assert apply(lambda e: V.parse_bool(e, x_column=True), values) == [True, False, True, False, False]
    assert not V.is_x_column(pl.Series(["x", "nein"]))
    assert apply(lambda e: V.parse_bool(e, x_column=False), values) == [True, None, True, None, None]


# ---------------------------------------------------------------- countries
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutschland", "DE"), ("Germany", "DE"), ("DEU", "DE"), ("DE", "DE"), ("de", "DE"), (" germany ", "DE"),
        ("Österreich", "AT"), ("Oesterreich", "AT"), ("OESTERREICH", "AT"), ("Austria", "AT"),
        ("Schweiz", "CH"), ("Switzerland", "CH"), ("United States", "US"), ("USA", "US"), ("U.S.A.", "US"),
        ("Vereinigte Staaten", "US"), ("UK", "GB"), ("Vereinigtes Königreich", "GB"), ("Großbritannien", "GB"),
        ("United Kingdom", "GB"), ("Frankreich", "FR"), ("Niederlande", "NL"), ("Spanien", "ES"), ("España", "ES"),
        ("Türkei", "TR"), ("Turkey", "TR"), ("Südkorea", "KR"), ("Korea, Republic of", "KR"), ("China", "CN"),
        ("Japan", "JP"), ("Indien", "IN"), ("Brasilien", "BR"), ("Saudi-Arabien", "SA"), ("Südafrika", "ZA"),
        ("Mexiko", "MX"), ("Kanada", "CA"), ("Australien", "AU"), ("Argentinien", "AR"), ("Indonesien", "ID"),
        ("Russland", "RU"), ("Italien", "IT"), ("Norwegen", "NO"), ("Island", "IS"), ("Liechtenstein", "LI"),
        ("Tschechien", "CZ"), ("Czechia", "CZ"), ("Dänemark", "DK"), ("Polen", "PL"), ("Schweden", "SE"),
        ("Belgien", "BE"), ("Irland", "IE"), ("Luxemburg", "LU"), ("Portugal", "PT"), ("Griechenland", "GR"),
        ("Ungarn", "HU"), ("Rumänien", "RO"), ("Bulgarien", "BG"), ("Kroatien", "HR"), ("Slowenien", "SI"),
        ("Slowakei", "SK"), ("Estland", "EE"), ("Lettland", "LV"), ("Litauen", "LT"), ("Finnland", "FI"),
        ("Zypern", "CY"), ("Malta", "MT"), ("Israel", "IL"), ("VAE", "AE"), ("Singapur", "SG"),
        ("Neuseeland", "NZ"), ("Ukraine", "UA"), ("Serbien", "RS"), ("NZ", "NZ"),
    ],
)
def test_countries_in_german_and_english(text, code):
    assert apply(V.parse_country, [text]) == [code]


def test_unknown_countries_are_null():
    assert apply(V.parse_country, ["Atlantis", "XX", "Europe", None]) == [None, None, None, None]


def test_country_normalisation_matches_the_vectorised_one():
    names = ["  Österreich ", "U.S.A.", "Korea, Republic of", "España", "Côte d'Ivoire", "Bosnia-Herzegovina"]
    assert apply(V.normalise_key_expr, names) == [normalise_country(n) for n in names]


# ---------------------------------------------------------------- choices and lists
def test_enum_aliases_case_and_space_insensitive():
    tier = ACCOUNTS.field("tier")
    out = apply(lambda e: V.parse_choice(e, tier.choices, tier.aliases), ["Mehr davon", " nicht  ablehnen ", "DONT_WANT", "A", "meh", None])
    assert out == ["want_more", "neutral", "dont_want", "want_more", None, None]
    model = ACCOUNTS.field("business_model")
    assert apply(lambda e: V.parse_choice(e, model.choices, model.aliases), ["b2b", "B2G", "Sonstiges"]) == ["B2B", "B2G", "other"]


def test_list_fields_split_on_semicolon_pipe_comma():
    out = apply(V.parse_list, ["HubSpot; Slack", "Jira|Confluence , Git", " ;x;; ", "", "n/a", None])
    assert out == [["HubSpot", "Slack"], ["Jira", "Confluence", "Git"], ["x"], None, None, None]


def test_decide_decimal_column_votes_like_the_distinct_values_of_the_whole_column():
    from icp_core.ingest.values import decide_decimal, decide_decimal_column

    # 45,000 plain integers (no evidence, all distinct) first, then decimal commas: the first
    # 20,000 distinct values show nothing, so all values vote, as decide_decimal over them does
    late = pl.Series([str(i) for i in range(10_000, 55_000)] + ["12,5", "3,25", None, "7,75"])
    assert decide_decimal_column(late) == decide_decimal(late.drop_nulls().unique(maintain_order=True)) == ","
    # evidence among the first distinct values: decided from them (later dots do not outvote)
    early = pl.Series([f"{i},5" for i in range(20_000)] * 2 + [f"{i}.5" for i in range(30_000)])
    assert decide_decimal_column(early) == decide_decimal(early.drop_nulls().unique(maintain_order=True)) == ","
    many = pl.Series([f"{i},{i % 97:02d}" for i in range(60_000)])
    assert decide_decimal_column(many) == ","
    assert decide_decimal_column(pl.Series(["1", "2", None], dtype=pl.String)) is None


def test_number_noise_literals_remove_exactly_what_the_noise_pattern_removes():
    import random

    # the regex's \s is Unicode White_Space: the literal list holds exactly those characters
    every = pl.Series([chr(c) for c in range(0x3100) if not 0xD800 <= c < 0xE000])
    assert set(every.filter(every.str.contains(r"^\s$")).to_list()) == set(V._WHITE_SPACE)
    rnd = random.Random(11)
    alphabet = list("0123456789.,+-eEuUrRsSdDcChHfFgGbBpPkK€$£%'’ſxü") + V._WHITE_SPACE
    values = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(50_000)]
    values += ["12 EUR", "eUr 5", "USD1", "uſd 3", "CHF 1'234.50", "1\u202f234,5 €", "gbpgbp", "eeurr", None]
    frame = pl.DataFrame({"v": values})
    regex = frame.select(pl.col("v").str.replace_all(V._NUMBER_NOISE, "")).to_series()
    literal = frame.select(V._number_core(pl.col("v"))).to_series()
    assert regex.to_list() == literal.to_list()
    assert literal.tail(9).to_list() == ["12", "5", "1", "3", "1234.50", "1234,5", "", "er", None]
