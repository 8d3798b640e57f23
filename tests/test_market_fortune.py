"""The Market figures on a real company list: the Fortune 1000 (2021) imported as a `market`
table through the normal import (icp_core.store / ingest) with a mapping. Skipped when the data
folder is absent. Note: the file's `revenue` is in USD *millions*; it is imported as it is, so
revenue filters below are in millions too."""

from __future__ import annotations

import io
import pathlib
from datetime import date

import polars as pl
import pytest

from icp_core import market as M
from icp_core.metrics_common import parse_filter
from icp_core.store import Store

CSV = pathlib.Path("/work/shared/data/real/fortune-1000-2021/Fortune_1000.csv")
pytestmark = pytest.mark.skipif(not CSV.exists(), reason="Fortune 1000 data folder absent")

MAPPING = {
    "row_id": "company_id",  # the file has no id (ranks repeat): the row number is the id
    "company": "name",
    "Website": "domain",
    "sector": "industry",
    "num. of employees": "employees",
    "revenue": "annual_revenue",  # USD millions
}


@pytest.fixture(scope="module")
def store():
    raw = pl.read_csv(CSV, infer_schema_length=0).with_row_index("row_id", offset=1)
    buffer = io.BytesIO()
    raw.write_csv(buffer)
    st = Store(":memory:")
    result = st.import_file(buffer.getvalue(), "market", mapping={c: MAPPING.get(c) for c in raw.columns},
                            file_name="Fortune_1000.csv")
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (1000, 1000, 0)
    st.load_frame("accounts", pl.DataFrame({
        "account_id": ["K1", "K2", "K3", "K4", "K5"],
        "company_name": ["Apple Inc.", "McDonald's Corporation", "Walmart Inc.", "Some Shop", "Taktwerk GmbH"],
        "website": [None, None, "walmart.com", "https://www.amazon.com/de/", None],
        "industry": ["Technology", None, None, None, "Technology"],
        "employees": [None, None, None, None, 50],
        "start_date": [date(2024, 1, 1)] * 5,
        "mrr": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0],
    }))
    return st


def _raw() -> pl.DataFrame:
    return pl.read_csv(CSV, infer_schema_length=0).with_columns(
        pl.col("num. of employees").cast(pl.Int64).alias("emp"), pl.col("revenue").cast(pl.Float64).alias("rev"))


def F(*specs):
    return tuple(parse_filter(s) for s in specs)


def test_counts_match_the_readme_bands(store):
    cur = store.cursor()
    r = M.market_funnel(cur, F("employees=10000-"), F("employees=50000-"), acv=1.0)
    # README: employee bands 10k-50k: 439, >= 50k: 159 -> 598 with at least 10,000; 159 of them >= 50k
    assert (r["tam"]["companies"], r["sam"]["companies"], r["som"]["companies"]) == (1000, 598, 159)
    assert M.market_funnel(cur, F("employees=-999"))["sam"]["companies"] == 30  # README: < 1k: 30
    # the 10001+ size band leaves out the 4 companies with exactly 10,000 employees
    assert M.market_funnel(cur, F("size_band=10001+"))["sam"]["companies"] == 594


def test_sector_and_revenue_filters_against_the_raw_file(store):
    raw = _raw()
    expected_sam = raw.filter((pl.col("sector") == "Technology") & (pl.col("emp") >= 10000)).height
    expected_som = raw.filter((pl.col("sector") == "Technology") & (pl.col("emp") >= 10000)
                              & (pl.col("rev") <= 50000)).height
    r = M.market_funnel(store.cursor(), F("industry=Technology", "employees=10000-"), F("annual_revenue=-50000"),
                        acv=12000.0)
    assert r["sam"]["companies"] == expected_sam
    assert r["som"]["companies"] == expected_som
    assert r["sam"]["value"] == expected_sam * 12000.0


def test_customers_matched_by_name_and_domain(store):
    matches = {a: (c, how) for a, c, how in M.customer_matches(store.cursor())}
    names = dict(store.cursor().execute("SELECT company_id, name FROM market").fetchall())
    assert {a: names[c] for a, (c, _) in matches.items()} == {
        "K1": "Apple",  # 'Apple Inc.' -> apple
        "K2": names[matches["K2"][0]],  # checked below
        "K3": "Walmart",  # walmart.com != stock.walmart.com, but the name matches
        "K4": "Amazon",  # https://www.amazon.com/de/ -> amazon.com
    }
    assert names[matches["K2"][0]].startswith("McDonald")  # entity &#8217; or ’ in the file: both fold away
    assert {a: how for a, (_, how) in matches.items()} == {"K1": "name", "K2": "name", "K3": "name", "K4": "domain"}
    r = M.market_funnel(store.cursor(), F("industry=Technology"))
    # customers in the Technology SAM: K1 (Apple, matched) and K5 (not in the market, own industry Technology)
    assert (r["sam"]["customers"], r["sam"]["customers_matched"], r["sam"]["customers_unmatched"]) == (2, 1, 1)
    assert r["matched"] == {"domain": 1, "name": 3, "unmatched": 1}
