"""The market's derived tools table (store.MARKET_TOOLS) and the tool filters that use it.

The store rewrites ``_market_tools`` (the distinct tools of market.tech_stack) in the same
transaction as every change of the market; ``market`` then compares the market's own spellings
of a wanted tool (``list_contains``) instead of lower-casing every company's list. The figures
must be exactly those of the generic form: counted by hand below, and compared with the same
store without the derived table (a store written by an older version)."""

from __future__ import annotations

import polars as pl
import pytest

from icp_core import market as M
from icp_core.metrics_common import parse_filter
from icp_core.store import MARKET_TOOLS, Store


def F(*specs):
    return tuple(parse_filter(s) for s in specs)


# 8 companies; the SAP spellings differ in case, M05 has no stack, M06 an empty one, M07 a NULL item
MARKET = pl.DataFrame(
    {
        "company_id": [f"M{i:02d}" for i in range(1, 9)],
        "name": [f"Firma {i}" for i in range(1, 9)],
        "industry": ["Software", "Software", "Retail", "Software", "Retail", "Software", "Retail", "Software"],
        "country": ["DE", "DE", "DE", "AT", "DE", "DE", "DE", "CH"],
        "tech_stack": [["SAP Business One"], ["sap business one", "Jira"], ["SAP BUSINESS ONE"], ["Jira"], None, [],
                       [None, "HubSpot"], ["HubSpot", "Jira"]],
    },
    schema_overrides={"tech_stack": pl.List(pl.String)},
)


def tools_of(store: Store) -> list[str] | None:
    cur = store.cursor()
    try:
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [MARKET_TOOLS]
        ).fetchall()[0][0]
        return [r[0] for r in cur.execute(f"SELECT tool FROM {MARKET_TOOLS} ORDER BY tool").fetchall()] if exists else None
    finally:
        cur.close()


@pytest.fixture()
def store():
    s = Store(":memory:")
    s.load_frame("market", MARKET)
    return s


def test_tools_table_follows_every_change_of_the_market(tmp_store):
    assert tools_of(tmp_store) is None  # no market, no derived table
    first = tmp_store.load_frame("market", MARKET)
    assert tools_of(tmp_store) == ["HubSpot", "Jira", "SAP BUSINESS ONE", "SAP Business One", "sap business one"]
    extra = pl.DataFrame({"company_id": ["M99"], "tech_stack": [["Slack"]]}, schema_overrides={"tech_stack": pl.List(pl.String)})
    appended = tmp_store.load_frame("market", extra, mode="append")
    assert "Slack" in tools_of(tmp_store)
    tmp_store.undo(appended.import_id)
    assert tools_of(tmp_store) == ["HubSpot", "Jira", "SAP BUSINESS ONE", "SAP Business One", "sap business one"]
    replaced = tmp_store.load_frame("market", extra)  # replace: only Slack is left
    assert tools_of(tmp_store) == ["Slack"]
    tmp_store.undo(replaced.import_id)
    assert len(tools_of(tmp_store)) == 5
    (cleared,) = tmp_store.clear("market")
    assert tools_of(tmp_store) == []
    tmp_store.undo(cleared)
    assert len(tools_of(tmp_store)) == 5
    tmp_store.undo(first.import_id)  # the market never imported: no derived table either
    assert tools_of(tmp_store) is None


def test_an_older_store_gets_the_tools_table_when_opened_for_writing(tmp_store):
    tmp_store.load_frame("market", MARKET)
    cur = tmp_store.cursor()
    cur.execute(f"DROP TABLE {MARKET_TOOLS}")
    cur.close()
    assert tools_of(tmp_store) is None
    reopened = Store(tmp_store.location)
    assert len(tools_of(reopened)) == 5


# (filters, expected SAM companies, expected SOM companies), counted by hand from MARKET
CASES = [
    # uses SAP Business One in any case: M01, M02, M03
    ((), ("tech:sap business one",), 8, 3),
    # does not use it: the other five, including M05 (no stack), M06 (empty) and M07 (NULL item)
    ((), ("tech:SAP Business One=no",), 8, 5),
    # any of two tools: SAP (M01-M03) or HubSpot (M07, M08)
    ((), ("tech_stack=HUBSPOT,Sap Business One",), 8, 5),
    # a tool no company uses: none; and everyone does not use it
    ((), ("tech:Salesforce",), 8, 0),
    ((), ("tech:Salesforce=no",), 8, 8),
    # a tool filter in the SAM (a plain WHERE) and the ICP on top: SAM = M02, M04, M08 (Jira);
    # of those in Software with SAP: M02
    (("tech:jira",), ("industry=Software", "tech:SAP Business One"), 3, 1),
    (("tech:jira=no",), ("industry=Retail",), 5, 3),  # SAM: M01, M03, M05, M06, M07; Retail: M03, M05, M07
]


@pytest.mark.parametrize(("sam", "icp", "sam_n", "som_n"), CASES)
def test_tool_filters_count_exactly(store, sam, icp, sam_n, som_n):
    cur = store.cursor()
    result = M.market_funnel(cur, F(*sam), F(*icp), acv=1000.0)
    assert (result["tam"]["companies"], result["sam"]["companies"], result["som"]["companies"]) == (8, sam_n, som_n)
    # the same figures from the generic form (no derived table: a store written by an older version)
    cur.execute(f"DROP TABLE {MARKET_TOOLS}")
    assert M.market_tools(cur) is None
    generic = M.market_funnel(cur, F(*sam), F(*icp), acv=1000.0)
    assert generic == result


def test_tool_filter_uses_the_spellings_and_falls_back_when_there_are_too_many(store):
    tools = M.market_tools(store.cursor())
    sql, params = M._tool_sql(parse_filter("tech:SAP business one"), tools)
    assert params == ["SAP BUSINESS ONE", "SAP Business One", "sap business one"]
    assert sql.count("list_contains(tech_stack, ?::VARCHAR)") == 3
    assert M._tool_sql(parse_filter("tech:Salesforce"), tools) == ("FALSE", [])
    many = [(f"Tool{i}", "tool") for i in range(M.TOOL_SPELLINGS_MAX + 1)]
    assert M._tool_sql(parse_filter("tech:tool"), many) is None  # the generic form then


def test_white_space_with_tool_filters_matches_the_generic_form(store):
    cur = store.cursor()
    sam, icp = F("country=DE,AT"), F("tech:SAP Business One")
    fast = M.white_space(cur, sam, icp, "industry", acv=100.0)
    # SAM: M01-M07 (DE, AT); SAP users among them: Software M01, M02; Retail M03
    assert dict(zip(fast["segment"], fast["icp_companies"])) == {"Software": 2, "Retail": 1}
    assert dict(zip(fast["segment"], fast["companies"])) == {"Software": 4, "Retail": 3}
    cur.execute(f"DROP TABLE {MARKET_TOOLS}")
    assert M.white_space(cur, sam, icp, "industry", acv=100.0).equals(fast)
