"""The market index (store.MARKET_INDEX, market.write_index): the market's filter columns as codes,
numbers and tool bits, rewritten in the same transaction as every change of the market. The funnel
and the white space count companies on it when it can answer every filter; the figures must be
exactly those counted on the market itself: counted by hand below, and compared with the same
store without the index (a store written by an older version) on every case."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from icp_core import backup
from icp_core import market as M
from icp_core.metrics_common import parse_filter
from icp_core.store import MARKET_INDEX, MARKET_INDEX_CODES, MARKET_TOOLS, Store


def F(*specs):
    return tuple(parse_filter(s) for s in specs)


# 10 companies. Spellings differ in case and spaces ("DE " is not "de" for a filter, but the
# same white-space cell as "DE"); M05 has no values, M06 no country and an empty stack, M07 a NULL
# tool, M08 no industry, M09 an empty one.
MARKET = pl.DataFrame(
    {
        "company_id": [f"M{i:02d}" for i in range(1, 11)],
        "industry": ["Software", "Software", "Retail", "software", "Retail", "Software", "Retail", None, "", "Software"],
        "country": ["DE", "DE ", "DE", "AT", "DE", None, "DE", "CH", "CH", "AT"],
        "employees": [10, 60, 250, 80, None, 600, 51, 500, 5000, 1000],
        "annual_revenue": [1e6, 5e6, 2e7, 8e6, None, 9e7, 3e6, 4e7, 6e8, 1e8],
        "founded_year": [2000, 2010, 1990, 2015, None, 1980, 2005, 2001, 1950, 2020],
        "business_model": ["B2B", "B2B", "B2C", "B2B", None, "B2G", "B2C", "B2B", "B2B", "B2B"],
        "tech_stack": [["SAP Business One"], ["sap business one", "Jira"], ["SAP BUSINESS ONE"], ["Jira"], None, [],
                       [None, "HubSpot"], ["HubSpot", "Jira"], ["Slack"], ["Jira", "Slack", "HubSpot"]],
    },
    schema_overrides={"tech_stack": pl.List(pl.String), "employees": pl.Int64, "founded_year": pl.Int64},
)


AS_OF = date(2026, 6, 30)


def _has(cur, table: str) -> bool:
    return cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0] > 0


def _uses_index(cur, sam, icp) -> bool:
    info = M._read_info(cur)
    return M._on_index(info, tuple(sam), tuple(icp), 2026) is not None


def _without_index(cur) -> None:
    cur.execute(f"DROP TABLE {MARKET_INDEX}")
    M.clear_cache()
    assert M._read_info(cur).index is None


@pytest.fixture()
def store():
    s = Store(":memory:")
    s.load_frame("market", MARKET)
    M.clear_cache()
    return s


def test_index_rows_codes_and_bits(store):
    cur = store.cursor()
    index = M._read_info(cur).index
    assert index is not None
    assert cur.execute(f"SELECT count(*) FROM {MARKET_INDEX}").fetchall()[0][0] == 10
    # codes in the order of the spellings; the lower() of each, and its cell label
    assert index.coded["country"] == ((1, "at", "AT"), (2, "ch", "CH"), (3, "de", "DE"), (4, "de ", "DE"))
    assert [c[1] for c in index.coded["industry"]] == ["", "retail", "software", "software"]
    assert [c[2] for c in index.coded["industry"]] == [M.UNKNOWN, "Retail", "Software", "software"]
    # every lower-cased tool has a bit (alphabetical)
    assert dict(index.tools) == {"hubspot": 0, "jira": 1, "sap business one": 2, "slack": 3}
    assert index.numeric == frozenset({"employees", "annual_revenue", "founded_year"})
    bits = dict(cur.execute(
        f"SELECT employees, {M.TOOL_BITS} FROM {MARKET_INDEX} WHERE employees IS NOT NULL").fetchall())
    # M01 SAP; M02 SAP + Jira; M07 HubSpot (the NULL item has no bit); M06 an empty stack
    assert (bits[10], bits[60], bits[51], bits[600], bits[1000]) == (4, 6, 1, 0, 1 | 2 | 8)
    # rows sorted by country, industry, employees: a SAM of a few countries reads few row groups
    order = cur.execute(f"SELECT _code_country, _code_industry, employees FROM {MARKET_INDEX}").fetchall()
    assert order == sorted(order, key=lambda r: tuple((v is None, v) for v in r))


# (SAM, ICP, expected SAM companies, expected SOM companies), counted by hand from MARKET
CASES = [
    ((), (), 10, 10),
    # lower(country) = 'de': M01, M03, M05, M07 ('DE ' is not 'de'); SAP users among them: M01, M03
    (("country=de",), ("tech:SAP Business One",), 4, 2),
    # 51-500 employees: M02, M03, M04, M07, M08 (M05 has none); software in any case: M02, M04
    (("employees=51-500",), ("industry=SOFTWARE",), 5, 2),
    # any of HubSpot, Slack: M07 (beside a NULL item), M08, M09, M10
    ((), ("tech_stack=hubspot,Slack",), 10, 4),
    # not Jira: M01, M03, M05 (no stack), M06 (empty), M07, M09
    ((), ("tech:Jira=no",), 10, 6),
    # B2B: M01, M02, M04, M08, M09, M10; revenue 5M-100M: M02, M04, M08, M10
    (("business_model=b2b",), ("annual_revenue=5000000-100000000",), 6, 4),
    # AT, CH: M04, M08, M09, M10; founded 2000-2020 and Jira: M04, M08, M10
    (("country=AT,ch",), ("founded_year=2000-2020", "tech:jira"), 4, 3),
    # size bands 51-200, 201-500: M02, M03, M04, M07, M08; revenue bands 1M-10M: M02, M04, M07
    (("size_band=51-200,201-500",), ("revenue_band=1M-10M",), 5, 3),
    # founded 11-20 years before AS_OF (2006-2015): M02, M04
    ((), ("age_band=11-20",), 10, 2),
    # a value and a tool no company has
    (("industry=Bank",), (), 0, 0),
    ((), ("tech:Salesforce",), 10, 0),
    ((), ("tech:Salesforce=no", "country=DE"), 10, 4),
    # open ranges with fractions: more than 500.5 employees: M06, M09, M10; at most 60.9: M01, M02, M07
    (("employees=500.5-",), ("employees=-60.9",), 3, 0),
    # industry '' has no spelling a filter can name; M09 ('') and M08 (NULL) are in no industry
    (("industry=Software,Retail,software",), (), 8, 8),
]


@pytest.mark.parametrize(("sam", "icp", "sam_n", "som_n"), CASES)
def test_funnel_on_the_index_counts_exactly(store, sam, icp, sam_n, som_n):
    cur = store.cursor()
    sam, icp = F(*sam), F(*icp)
    assert _uses_index(cur, sam, icp)
    result = M.market_funnel(cur, sam, icp, acv=1000.0, as_of=AS_OF)
    assert (result["tam"]["companies"], result["sam"]["companies"], result["som"]["companies"]) == (10, sam_n, som_n)
    _without_index(cur)
    assert M.market_funnel(cur, sam, icp, acv=1000.0, as_of=AS_OF) == result


def test_white_space_on_the_index_counts_exactly(store):
    cur = store.cursor()
    sam, icp = (), F("tech:Jira")
    assert _uses_index(cur, sam, icp)
    by_dim = {dim: M.white_space(cur, sam, icp, dim, acv=100.0) for dim in M.dimensions(cur)}
    cells = {dim: dict(zip(f["segment"], zip(f["companies"], f["icp_companies"]))) for dim, f in by_dim.items()}
    # 'Software' and 'software' are two cells (as on the market); NULL and '' are (unknown)
    assert cells["industry"] == {"Software": (4, 2), "software": (1, 1), "Retail": (3, 0), M.UNKNOWN: (2, 1)}
    # 'DE ' is counted in the cell 'DE'
    assert cells["country"] == {"DE": (5, 1), "AT": (2, 2), "CH": (2, 1), M.UNKNOWN: (1, 0)}
    assert cells["size_band"] == {"1-10": (1, 0), "51-200": (3, 2), "201-500": (2, 1), "501-1000": (2, 1),
                                  "1001-5000": (1, 0), M.UNKNOWN: (1, 0)}
    assert cells["business_model"] == {"B2B": (6, 4), "B2C": (2, 0), "B2G": (1, 0), M.UNKNOWN: (1, 0)}
    _without_index(cur)
    for dim, frame in by_dim.items():
        assert M.white_space(cur, sam, icp, dim, acv=100.0).equals(frame), dim


def test_white_space_by_a_column_the_index_lacks_reads_the_market(store):
    cur = store.cursor()
    extra = pl.DataFrame({"company_id": ["X1"], "industry": ["Software"], "region": ["Nord"]})
    store.load_frame("market", extra, mode="append")
    M.clear_cache()
    frame = M.white_space(cur, (), F("tech:Jira"), "region", acv=1.0)
    assert dict(zip(frame["segment"], frame["companies"])) == {"Nord": 1, M.UNKNOWN: 10}
    assert M.market_funnel(cur, F("region=nord"), (), acv=1.0)["sam"]["companies"] == 1
    assert not _uses_index(cur, F("region=nord"), ())


def test_a_tool_without_a_bit_reads_the_market(monkeypatch):
    monkeypatch.setattr(M, "INDEX_TOOL_BITS", 2)
    s = Store(":memory:")
    s.load_frame("market", MARKET)
    M.clear_cache()
    cur = s.cursor()
    # the two most frequent (lower-cased): jira (4 companies), then hubspot before 'sap business one' (3 each)
    index = M._read_info(cur).index
    assert dict(index.tools) == {"hubspot": 0, "jira": 1, "sap business one": -1, "slack": -1}
    assert _uses_index(cur, (), F("tech:jira", "tech:HubSpot=no"))
    assert not _uses_index(cur, (), F("tech:SAP Business One"))
    assert not _uses_index(cur, (), F("tech_stack=Jira,Slack"))
    assert _uses_index(cur, (), F("tech:Salesforce"))  # no company uses it: FALSE, no bit needed
    assert M.market_funnel(cur, (), F("tech:SAP Business One"), acv=1.0)["som"]["companies"] == 3
    assert M.market_funnel(cur, (), F("tech:jira", "tech:HubSpot=no"), acv=1.0)["som"]["companies"] == 2  # M02, M04
    assert M.market_funnel(cur, (), F("tech_stack=Jira,Slack"), acv=1.0)["som"]["companies"] == 5


def test_a_column_with_too_many_spellings_is_not_coded(monkeypatch):
    monkeypatch.setattr(M, "INDEX_CODES_MAX", 3)
    s = Store(":memory:")
    s.load_frame("market", MARKET)
    M.clear_cache()
    cur = s.cursor()
    index = M._read_info(cur).index
    assert set(index.coded) == {"business_model"}  # 3 spellings; country has 4, industry 4
    assert not _uses_index(cur, F("country=DE"), ())
    assert _uses_index(cur, F("business_model=B2C"), F("employees=1-100"))
    assert M.market_funnel(cur, F("country=DE"), F("business_model=b2c"), acv=1.0)["som"]["companies"] == 2


def test_index_follows_every_change_of_the_market(tmp_store):
    def rows():
        cur = tmp_store.cursor()
        try:
            if not _has(cur, MARKET_INDEX):
                return None
            M.clear_cache()
            assert M._read_info(cur).index is not None  # written from the market as it is
            return cur.execute(f"SELECT count(*) FROM {MARKET_INDEX}").fetchall()[0][0]
        finally:
            cur.close()

    def som(spec):
        cur = tmp_store.cursor()
        try:
            M.clear_cache()
            return M.market_funnel(cur, (), F(spec), acv=1.0)["som"]["companies"]
        finally:
            cur.close()

    assert rows() is None
    first = tmp_store.load_frame("market", MARKET)
    assert rows() == 10 and som("tech:slack") == 2
    extra = pl.DataFrame({"company_id": ["M99"], "country": ["PL"], "tech_stack": [["Slack", "Teams"]]},
                         schema_overrides={"tech_stack": pl.List(pl.String)})
    appended = tmp_store.load_frame("market", extra, mode="append")
    assert rows() == 11 and som("tech:slack") == 3 and som("tech:TEAMS") == 1 and som("country=pl") == 1
    tmp_store.undo(appended.import_id)
    assert rows() == 10 and som("tech:teams") == 0 and som("country=pl") == 0
    replaced = tmp_store.load_frame("market", extra)
    assert rows() == 1 and som("tech:slack") == 1
    tmp_store.undo(replaced.import_id)
    assert rows() == 10
    (cleared,) = tmp_store.clear("market")
    assert rows() == 0
    tmp_store.undo(cleared)
    assert rows() == 10 and som("tech:slack") == 2
    tmp_store.undo(first.import_id)  # the market never imported: no index either
    assert rows() is None


def test_an_index_the_market_has_moved_away_from_is_not_used(tmp_store):
    tmp_store.load_frame("market", MARKET)
    cur = tmp_store.cursor()
    assert M._read_info(cur).index is not None
    # a program that knows no index (an older version) adds a company: the rows per import differ
    cur.execute("INSERT INTO market (company_id, country, tech_stack, _import_id) VALUES ('N1', 'DE', ['Jira'], 7)")
    assert M._read_info(cur).index is None
    result = M.market_funnel(cur, F("country=DE"), F("tech:jira"), acv=1.0)
    assert (result["sam"]["companies"], result["som"]["companies"]) == (5, 1)
    cur.execute("DELETE FROM market WHERE company_id = 'N1'")
    assert M._read_info(cur).index is not None
    # the same number of rows, of another import (a replace by such a program)
    cur.execute("UPDATE market SET _import_id = 8")
    assert M._read_info(cur).index is None
    cur.execute("UPDATE market SET _import_id = 1")
    cur.execute(f"UPDATE {MARKET_INDEX_CODES} SET code = 99 WHERE kind = '_format'")  # a layout it does not know
    assert M._read_info(cur).index is None
    cur.close()


def test_an_older_store_gets_the_index_when_opened_for_writing(tmp_store):
    tmp_store.load_frame("market", MARKET)
    cur = tmp_store.cursor()
    for table in (MARKET_TOOLS, MARKET_INDEX, MARKET_INDEX_CODES):
        cur.execute(f"DROP TABLE {table}")
    cur.close()
    reader = Store(tmp_store.location, read_only=False).cursor()
    assert _has(reader, MARKET_INDEX) and M._read_info(reader).index is not None
    reader.close()


def test_a_read_only_store_without_the_index_counts_on_the_market(tmp_path):
    path = str(tmp_path / "old.duckdb")
    Store(path).load_frame("market", MARKET)
    con = duckdb.connect(path)
    con.execute(f"DROP TABLE {MARKET_INDEX}")
    con.close()
    cur = Store(path, read_only=True).cursor()
    M.clear_cache()
    assert M._read_info(cur).index is None
    result = M.market_funnel(cur, F("country=de"), F("tech:SAP Business One"), acv=1.0)
    assert (result["sam"]["companies"], result["som"]["companies"]) == (4, 2)
    cur.close()


def test_index_survives_backup_and_restore(tmp_path):
    source = Store(str(tmp_path / "a.duckdb"))
    source.load_frame("market", MARKET)
    data = backup.backup(source)
    target = Store(str(tmp_path / "b.duckdb"))
    target.load_frame("market", MARKET.head(3))  # an index of its own, replaced by the restore
    backup.restore(target, data)
    cur = target.cursor()
    M.clear_cache()
    assert M._read_info(cur).index is not None
    sam, icp = F("country=DE,AT"), F("tech:jira")
    result = M.market_funnel(cur, sam, icp, acv=1.0)
    assert (result["sam"]["companies"], result["som"]["companies"]) == (6, 2)  # M01 M03 M04 M05 M07 M10; M04 M10
    _without_index(cur)
    assert M.market_funnel(cur, sam, icp, acv=1.0) == result
    cur.close()


def test_bits_by_spelling_and_by_lower_case_are_the_same(monkeypatch):
    def bits(limit):
        monkeypatch.setattr(M, "_BITS_BY_SPELLING_MAX", limit)
        s = Store(":memory:")
        s.load_frame("market", MARKET)
        return s.cursor().execute(f"SELECT employees, {M.TOOL_BITS} FROM {MARKET_INDEX} ORDER BY ALL").fetchall()

    by_spelling, by_lower_case = bits(256), bits(0)
    assert by_spelling == by_lower_case
    assert dict(by_spelling)[1000] == 1 | 2 | 8  # M10: HubSpot, Jira, Slack


def test_tool_filters_on_unmatched_accounts_count_exactly(monkeypatch):
    """Accounts not found in the market are inside a level by their own fields; their tool filters
    compare the accounts' own spellings (``_account_tools``), with the generic form's results."""
    from icp_core import facts

    s = Store(":memory:")
    s.load_frame("market", MARKET)
    accounts = pl.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "company_name": ["Nicht im Markt 1", "Nicht im Markt 2", "Nicht im Markt 3", "Nicht im Markt 4",
                             "Nicht im Markt 5", "Nicht im Markt 6"],
            "country": ["DE", "de", "AT", "DE", "DE", "FR"],
            "start_date": [date(2024, 1, 1)] * 5 + [date(2027, 1, 1)],  # A6 starts after AS_OF
            "churn_date": [None, None, None, date(2025, 1, 1), None, None],  # A4 churned before
            "mrr": [100.0] * 6,
            "tech_stack": [["sap business one", "Jira"], ["SAP Business One"], ["Jira"], ["SAP BUSINESS ONE"],
                           [None, "HubSpot"], ["Jira"]],
        },
        schema_overrides={"tech_stack": pl.List(pl.String), "churn_date": pl.Date},
    )
    s.load_frame("accounts", accounts)
    cur = s.cursor()
    M.clear_cache()
    cases = [
        # active: A1, A2, A3, A5; country de: A1, A2, A5; SAP: A1, A2
        ((F("country=DE"), F("tech:SAP business one")), (4, 3, 2)),
        # not Jira: A2, A5 (its NULL item is no tool)
        (((), F("tech:Jira=no")), (4, 4, 2)),
        # HubSpot or Jira, in AT: A3
        ((F("tech_stack=hubspot,JIRA"), F("country=AT")), (4, 3, 1)),
    ]
    for (sam, icp), expected in cases:
        result = M.market_funnel(cur, sam, icp, acv=1.0, as_of=AS_OF)
        assert result["matched"]["unmatched"] == 4
        assert tuple(result[lv]["customers_unmatched"] for lv in M.LEVELS) == expected, (sam, icp)
        cells = M.white_space(cur, sam, icp, "country", acv=1.0, as_of=AS_OF)
        monkeypatch.setattr(facts, "ENABLED", False)  # no store key: the generic form, nothing cached
        assert M._account_tools(cur, facts.store_key(cur), M._read_info(cur), sam + icp) is None
        assert M.market_funnel(cur, sam, icp, acv=1.0, as_of=AS_OF) == result
        assert M.white_space(cur, sam, icp, "country", acv=1.0, as_of=AS_OF).equals(cells)
        monkeypatch.setattr(facts, "ENABLED", True)
    assert M._account_tools(cur, facts.store_key(cur), M._read_info(cur), F("tech:jira")) == [
        ("HubSpot", "hubspot"), ("Jira", "jira"), ("SAP BUSINESS ONE", "sap business one"),
        ("SAP Business One", "sap business one"), ("sap business one", "sap business one")]
