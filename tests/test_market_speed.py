"""icp_core.market's speed-ups (issue 9) keep every figure exact: whole-number ranges on integer
columns, the per-data-version caches (column types, default as_of / ACV, the matched companies'
market fields), the matches as a tuple, a list or a frame. Figures are hand-computed from the
fixture of tests/test_market.py."""

import math

import polars as pl
import pytest

from icp_core import facts
from icp_core import market as M
from icp_core.metrics_common import Filter, parse_filter
from icp_core.store import Store
from tests.test_market import ACCOUNTS, MARKET


def F(*specs):
    return tuple(parse_filter(s) for s in specs)


@pytest.fixture()
def store(fresh_facts_cache):
    M.clear_cache()
    store = Store(":memory:")
    store.load_frame("market", MARKET)
    store.load_frame("accounts", ACCOUNTS)
    yield store
    M.clear_cache()


def test_int_range_sql_whole_numbers_and_fallback():
    assert M._int_range_sql(Filter("employees", (), 50.5, 200.5)) == ('("employees" >= ? AND "employees" <= ?)', [51, 200])
    assert M._int_range_sql(Filter("employees", (), None, -0.5)) == ('("employees" <= ?)', [-1])
    assert M._int_range_sql(Filter("employees", (), 2.0**53, None)) is None
    assert M._int_range_sql(Filter("employees", (), None, math.inf)) is None


@pytest.mark.parametrize("spec, companies", [
    # employees 10 50 200 500 1000 5 120 2000 None 51 49 300 (M01..M12)
    ("employees=50.5-200.5", 3),   # 200, 120, 51
    ("employees=49.9-50.1", 1),    # 50
    ("employees=50.1-50.9", 0),
    ("employees=-10", 2),          # 5, 10 (open lower end)
    ("employees=1999.5-", 1),      # 2000
    # a DOUBLE column keeps the generic form: revenue 5M (M02), 12M (M07), 3M (M09), 2M (M10), 10M (M11)
    ("annual_revenue=2000000-12000000", 5),
])
def test_fractional_ranges_count_exactly(store, spec, companies):
    cur = store.cursor()
    assert M.market_funnel(cur, F(spec))["sam"]["companies"] == companies
    # the accounts' own fields use the same form (matches=(): every active account counts by its
    # own fields): employees A1 9999, A2 50, A3 80, A5 20; revenue A1 99M, A2 5M, A3 4M, A5 None
    r = M.market_funnel(cur, F(spec), matches=())
    own = {"employees=50.5-200.5": 1, "employees=49.9-50.1": 1, "employees=50.1-50.9": 0, "employees=-10": 0,
           "employees=1999.5-": 1, "annual_revenue=2000000-12000000": 2}[spec]
    assert r["sam"]["customers_unmatched"] == own


def _figures(cur, matches=None):
    out = []
    for sam, icp in [((), ()), (F("country=DE,AT", "employees=50-500"), F("industry=software", "tech:hubspot")),
                     (F("employees=50.5-"), F("tech:jira=no")), (F("country=XX"), ())]:
        out.append(M.market_funnel(cur, sam, icp, matches=matches))
        for dim in ("industry", "size_band", "country"):
            out.append(M.white_space(cur, sam, icp, dim, matches=matches).to_dicts())
    return out


def test_cached_and_uncached_figures_are_the_same(store):
    cur = store.cursor()
    cached = _figures(cur)
    again = _figures(cur)  # from the caches
    facts.ENABLED = False  # store_key None: nothing cached, everything computed directly
    direct = _figures(cur)
    assert cached == again == direct
    # the hand-computed figures of tests/test_market.py::test_funnel_with_sam_and_icp
    r = cached[4]
    assert [r[lv]["companies"] for lv in ("tam", "sam", "som")] == [12, 5, 2]
    assert [r[lv]["customers"] for lv in ("tam", "sam", "som")] == [4, 3, 2]

def test_matches_as_tuple_list_or_frame(store):
    cur = store.cursor()
    matches = M.customer_matches(cur)
    as_list = [list(m) for m in matches]
    frame = pl.DataFrame(as_list, schema=["account_id", "company_id", "matched_by"], orient="row")
    expected = _figures(cur, matches)
    assert _figures(cur, as_list) == expected
    assert _figures(cur, frame) == expected
    assert _figures(cur, None) == expected


def test_caches_follow_an_import_and_its_undo(store):
    cur = store.cursor()
    sam, icp = F("country=DE", "employees=50-500"), F("tech:hubspot")
    before = M.market_funnel(cur, sam, icp, matches=M.customer_matches(cur))
    # a new company in the SAM and the ICP, and a new customer matched to it by name
    extra = MARKET.head(1).with_columns(pl.lit("M99").alias("company_id"), pl.lit("Rho GmbH").alias("name"),
                                        pl.lit(None, pl.String).alias("domain"), pl.lit(100, pl.Int64).alias("employees"))
    result = store.load_frame("market", extra, mode="append")
    acc = ACCOUNTS.head(1).with_columns(pl.lit("A9").alias("account_id"), pl.lit("Rho").alias("company_name"))
    result2 = store.load_frame("accounts", acc, mode="append")
    cur = store.cursor()
    after = M.market_funnel(cur, sam, icp, matches=M.customer_matches(cur))
    assert after["tam"]["companies"] == before["tam"]["companies"] + 1
    assert after["sam"]["companies"] == before["sam"]["companies"] + 1
    assert after["som"]["companies"] == before["som"]["companies"] + 1
    assert after["som"]["customers_matched"] == before["som"]["customers_matched"] + 1
    store.undo(result2.import_id)
    store.undo(result.import_id)
    cur = store.cursor()
    assert M.market_funnel(cur, sam, icp, matches=M.customer_matches(cur)) == before


def test_facts_clear_empties_the_market_caches_too(store):
    # the benchmark's "first call after an import" and the tests' fresh caches rely on facts.clear()
    cur = store.cursor()
    _figures(cur)
    assert len(M._SMALL) > 0 and len(M._MATCHED) > 0
    facts.clear()
    assert len(M._SMALL) == 0 and len(M._MATCHED) == 0
    assert _figures(cur)[4]["sam"]["companies"] == 5  # rebuilt, the same figures
