"""Company-name and domain normalisation and the customer <-> market matching rule
(icp_core.matching). Python and SQL versions must give the same keys."""

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_core.matching import domain_key, domain_key_sql, match_customers, name_key, name_key_sql

NAMES = {
    # raw name -> expected key (the rule of icp_core.matching, step by step)
    "Müller GmbH": "mueller",  # umlaut folded to ue, GmbH stripped
    "Mueller": "mueller",
    "MÜLLER GMBH & CO. KG": "mueller",  # upper case, '&' separates, co and kg stripped too
    "Straße AG": "strasse",
    "Bäckerei Huber e.K.": "baeckereihuber",  # e.K. -> ek stripped
    "Werk UG (haftungsbeschränkt)": "werk",
    "Société Générale S.A.": "societegenerale",  # accents stripped, S.A. -> sa stripped
    "McDonald&#8217;s": "mcdonalds",  # entity of the apostrophe dropped
    "Lowe's Companies, Inc.": "lowescompanies",  # 'companies' is not a legal form
    "Johnson &amp; Johnson": "johnsonjohnson",
    "SAP SE": "sap",
    "Acme Ltd.": "acme",
    "Acme, LLC": "acme",
    "Acme Co.": "acme",
    "AG": "ag",  # a legal form alone stays: one word is always kept
    "The Coca-Cola Company": "thecocacola",
    "Data-Dog Inc": "datadog",
    "  ": None,
    "&#8217;": None,
}


@pytest.mark.parametrize("raw,expected", list(NAMES.items()))
def test_name_key(raw, expected):
    assert name_key(raw) == expected


def _sql_keys(values, fn):
    con = duckdb.connect()
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    con.register("t", frame)
    return [r[0] for r in con.execute(f"SELECT {fn('v')} FROM t").fetchall()]


def test_name_key_sql_agrees_with_python():
    raws = list(NAMES) + [None]
    assert _sql_keys(raws, name_key_sql) == [name_key(r) for r in raws]


DOMAINS = {
    "https://www.Example.com/about?x=1": "example.com",
    "http://example.com": "example.com",
    "www.example.com/": "example.com",
    "example.com.": "example.com",
    "EXAMPLE.com:8080/path": "example.com",
    "info@example.com": "example.com",
    "https://www2.shop.example.de#top": "shop.example.de",
    "": None,
    "https://": None,
}


@pytest.mark.parametrize("raw,expected", list(DOMAINS.items()))
def test_domain_key(raw, expected):
    assert domain_key(raw) == expected


def test_domain_key_sql_agrees_with_python():
    raws = list(DOMAINS) + [None]
    assert _sql_keys(raws, domain_key_sql) == [domain_key(r) for r in raws]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcXYZ äöüßéèÅø.,'&#;-09 GmbHAGIncLtdco")), max_size=30), min_size=1, max_size=20))
def test_name_key_sql_agrees_with_python_on_random_names(raws):
    assert _sql_keys(raws, name_key_sql) == [name_key(r) for r in raws]


def _con(accounts: dict, market: dict):
    con = duckdb.connect()
    con.register("acc_src", pl.DataFrame(accounts))
    con.register("mkt_src", pl.DataFrame(market))
    con.execute("CREATE TABLE accounts AS SELECT * FROM acc_src")
    con.execute("CREATE TABLE market AS SELECT * FROM mkt_src")
    return con


def test_match_by_name_and_domain_with_priorities():
    con = _con(
        {
            "account_id": ["A1", "A2", "A3", "A4", "A5"],
            "company_name": ["Müller GmbH", "Schröder AG", "Nomatch KG", "Alpha Inc", None],
            "Website": [None, None, None, "https://www.alpha.io/en", "beta.com"],
        },
        {
            "company_id": ["M1", "M2", "M3", "M4", "M5", "M6"],
            "name": ["Mueller", "Schroeder", "Alpha", "Alpha Holding", "Beta Ltd", "Mueller"],
            "domain": [None, "schroeder.de", "alpha.com", "http://alpha.io", "www.beta.com", None],
        },
    )
    got = {r["account_id"]: (r["company_id"], r["matched_by"]) for r in match_customers(con).to_dicts()}
    assert got == {
        "A1": ("M1", "name"),  # M1 and M6 both 'mueller': smallest company_id wins
        "A2": ("M2", "name"),  # umlaut vs oe; AG stripped
        "A4": ("M4", "domain"),  # domain beats the name match with M3
        "A5": ("M5", "domain"),  # no name, domain www.beta.com == beta.com
    }  # A3 has no match


def test_match_without_market_table_is_empty():
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, 'X' AS company_name")
    assert match_customers(con).height == 0
