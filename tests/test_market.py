"""icp_core.market: TAM / SAM / SOM, customers inside each level (with matching), white space,
ICP breadth, top-down mode. Every figure below is computed by hand from the fixture."""

from datetime import date

import polars as pl
import pytest

from icp_core import market as M
from icp_core.errors import IcpError
from icp_core.metrics_common import parse_filter
from icp_core.store import Store


def F(*specs):
    return tuple(parse_filter(s) for s in specs)


MARKET = pl.DataFrame(
    {
        "company_id": [f"M{i:02d}" for i in range(1, 13)],
        "name": ["Alpha GmbH", "Beta AG", "Gamma KG", "Delta SE", "Epsilon Inc", "Zeta Ltd", "Müller GmbH",
                 "Eta LLC", "Theta Co.", "Iota AG", "Kappa GmbH", "Lambda SA"],
        "domain": ["alpha.de", "beta.de", None, "delta.com", "epsilon.com", "zeta.co.uk", "mueller.de", "eta.io",
                   "theta.ch", "iota.at", "kappa.de", "lambda.fr"],
        "industry": ["Software", "Software", "Software", "Manufacturing", "Manufacturing", "Retail", "Manufacturing",
                     "Software", "Retail", "Software", "Manufacturing", "Retail"],
        "country": ["DE", "DE", "AT", "DE", "US", "GB", "DE", "US", "CH", "AT", "DE", "FR"],
        "employees": [10, 50, 200, 500, 1000, 5, 120, 2000, None, 51, 49, 300],
        "annual_revenue": [1e6, 5e6, 20e6, 50e6, 100e6, 0.5e6, 12e6, None, 3e6, 2e6, 10e6, 30e6],
        "business_model": ["B2B", "B2B", "B2C", "B2B", "B2B", "B2C", "B2B", "B2B", None, "B2B", "B2B", "B2B"],
        "tech_stack": [["HubSpot"], ["HubSpot", "Jira"], ["Salesforce"], None, ["HubSpot"], [], ["SAP"], ["hubspot"],
                       ["Jira"], ["HubSpot"], ["Jira"], ["Salesforce"]],
    },
    schema_overrides={"employees": pl.Int64, "tech_stack": pl.List(pl.String)},
)

ACCOUNTS = pl.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5"],
        # A1: 'Mueller' (no GmbH, ue for ü) -> M07 by name; its own fields deliberately differ
        # A2: website https://www.beta.de/... -> M02 by domain; A3, A5: not in the market
        # A4: name 'Alpha' would match M01, but A4 churned before as_of
        "company_name": ["Mueller", "Beta", "Omega GmbH", "Alpha", "Sigma Ltd"],
        "Website": [None, "https://www.beta.de/kontakt", None, None, None],
        "industry": ["Software", "Software", "Software", "Software", "Retail"],
        "country": ["DE", "DE", "DE", "DE", "GB"],
        "employees": [9999, 50, 80, 10, 20],
        "annual_revenue": [99e6, 5e6, 4e6, 1e6, None],
        "business_model": ["B2C", "B2B", "B2B", "B2B", "B2C"],
        "tech_stack": [[], ["HubSpot"], ["HubSpot"], ["HubSpot"], None],
        "start_date": [date(2023, 1, 1), date(2023, 6, 1), date(2022, 1, 1), date(2022, 1, 1), date(2024, 2, 1)],
        "churn_date": [None, None, None, date(2024, 1, 1), None],
        "mrr": [1000.0, 500.0, 2000.0, 300.0, 0.0],
    },
    schema_overrides={"employees": pl.Int64, "tech_stack": pl.List(pl.String), "churn_date": pl.Date},
)
# as_of = latest start/churn date = 2024-02-01; active then: A1, A2, A3, A5 (A4 churned 2024-01-01)
# ACV = median(12 x mrr of active with mrr > 0) = median(12000, 6000, 24000) = 12000


@pytest.fixture()
def cur():
    store = Store(":memory:")
    store.load_frame("market", MARKET)
    store.load_frame("accounts", ACCOUNTS)
    return store.cursor()


def test_default_acv(cur):
    assert M.default_acv(cur) == {"acv": 12000.0, "n": 3, "as_of": date(2024, 2, 1)}


def test_customer_matches(cur):
    assert set(M.customer_matches(cur)) == {("A1", "M07", "name"), ("A2", "M02", "domain")}


def test_funnel_without_filters(cur):
    r = M.market_funnel(cur)
    assert r["mode"] == "bottom_up" and r["as_of"] == "2024-02-01"
    assert r["acv"] == 12000.0 and r["acv_source"] == "data" and r["acv_n"] == 3
    for level in ("tam", "sam", "som"):
        assert r[level]["companies"] == 12
        assert r[level]["value"] == 144000.0  # 12 x 12000
        assert r[level]["customers"] == 4  # all active accounts
        assert r[level]["penetration"] == pytest.approx(4 / 12)
    assert r["matched"] == {"domain": 1, "name": 1, "unmatched": 2}
    assert r["icp_coverage"] == 1.0
    assert r["warnings"] == ["icp_none", "icp_broad", "icp_narrow"]


def test_funnel_with_sam_and_icp(cur):
    r = M.market_funnel(cur, F("country=DE,AT", "employees=50-500"), F("industry=Software", "tech:HubSpot"),
                        share=0.5)
    # SAM: DE/AT with 50 <= employees <= 500 (both ends): M02(50) M03(200) M04(500) M07(120) M10(51) = 5
    # SOM: of those Software AND HubSpot: M02, M10 = 2 (M03 uses Salesforce)
    assert [r[lv]["companies"] for lv in ("tam", "sam", "som")] == [12, 5, 2]
    assert r["tam"]["value"] == 144000.0
    assert r["sam"]["value"] == 60000.0  # 5 x 12000
    assert r["som"]["value"] == 12000.0  # 2 x 12000 x 0.5
    # customers: A1 -> M07 (DE, 120, Manufacturing): SAM yes, ICP no (its own 9999 employees are ignored)
    #            A2 -> M02: SAM and ICP; A3 (not in market, own DE/80/Software/HubSpot): SAM and ICP
    #            A5 (own GB): neither
    assert r["sam"]["customers"] == 3 and r["sam"]["customers_matched"] == 2 and r["sam"]["customers_unmatched"] == 1
    assert r["som"]["customers"] == 2 and r["som"]["customers_matched"] == 1 and r["som"]["customers_unmatched"] == 1
    assert r["sam"]["penetration"] == pytest.approx(0.6)  # 3 / 5
    assert r["som"]["penetration"] == 1.0  # 2 / 2
    assert r["icp_coverage"] == pytest.approx(0.4)  # 2 / 5
    assert r["warnings"] == ["icp_narrow"]  # 2 < 100 companies
    assert r["filters"] == {"sam": ["country=DE,AT", "employees=50-500"], "icp": ["industry=Software", "tech:HubSpot=yes"]}


@pytest.mark.parametrize(
    "spec,companies,customers",
    [
        # open low end: employees <= 100: M01(10) M02(50) M06(5) M10(51) M11(49); M09 (empty) is out
        # customers: A2 -> M02(50) yes, A3 own 80 yes, A5 own 20 yes, A1 -> M07(120) no
        ("employees=-100", 5, 3),
        # open high end, lower end included: revenue >= 10M: M03 M04 M05 M07 M11(exactly 10M) M12; M08 empty
        # customers: A1 -> M07 (12M) only (A2 -> M02 5M, A3 own 4M, A5 own empty)
        ("annual_revenue=10000000-", 6, 1),
        # categorical list, case-insensitive: Software 5 + Retail 3; customers A1 -> M07 Manufacturing no,
        # A2 -> M02 Software, A3 own Software, A5 own Retail
        ("industry=software,retail", 8, 3),
        ("business_model=B2C", 2, 1),  # M03 M06 (M09 empty); customers: A5 own B2C (A1 own B2C ignored: M07 is B2B)
        # tools: uses HubSpot (case-insensitive): M01 M02 M05 M08 M10; customers A2 (M02), A3 (own)
        ("tech:hubspot", 5, 2),
        # does not use HubSpot: the other 7 (empty stacks count as not using); customers A1 (M07 SAP), A5 (own none)
        ("tech:HubSpot=no", 7, 2),
        ("tech_stack=Jira,SAP", 4, 2),  # M02 M07 M09 M11; customers A1 (M07), A2 (M02)
        # bands: 11-50: M02 M11; 51-200: M03 M07 M10; customers A1 (M07 120), A2 (M02 50), A3 (80), A5 (20)
        ("size_band=11-50,51-200", 5, 4),
    ],
)
def test_sam_filter_kinds(cur, spec, companies, customers):
    r = M.market_funnel(cur, F(spec), acv=1000.0)
    assert r["sam"]["companies"] == companies
    assert r["sam"]["customers"] == customers
    assert r["sam"]["value"] == companies * 1000.0
    assert r["acv_source"] == "user"
    assert r["tam"]["companies"] == 12


def test_empty_sam(cur):
    r = M.market_funnel(cur, F("country=JP"))
    assert r["sam"] == {"companies": 0, "value": 0.0, "customers": 0, "penetration": None,
                        "customers_matched": 0, "customers_unmatched": 0}
    assert r["som"]["companies"] == 0 and r["som"]["penetration"] is None
    assert r["icp_coverage"] is None
    assert r["warnings"] == ["sam_empty"]


def test_unknown_field_and_no_market():
    store = Store(":memory:")
    store.load_frame("market", MARKET)
    with pytest.raises(IcpError) as err:
        M.market_funnel(store.cursor(), F("colour=red"))
    assert err.value.key == "market.unknown_field"
    empty = Store(":memory:")
    empty.load_frame("accounts", ACCOUNTS)
    with pytest.raises(IcpError) as err:
        M.market_funnel(empty.cursor())
    assert err.value.key == "market.no_table"


def test_without_accounts_customers_are_none_and_acv_none():
    store = Store(":memory:")
    store.load_frame("market", MARKET)
    r = M.market_funnel(store.cursor(), F("country=DE"))
    assert r["sam"]["companies"] == 5  # M01 M02 M04 M07 M11
    assert r["acv"] is None and r["sam"]["value"] is None
    assert r["sam"]["customers"] is None and r["sam"]["penetration"] is None


def test_applicable_filters(cur):
    ok, ignored = M.applicable_filters(cur, F("industry=Software", "tier=want_more", "mrr=100-", "size_band=1-10"))
    assert [f.field for f in ok] == ["industry", "size_band"]
    assert [f.field for f in ignored] == ["tier", "mrr"]


def test_breadth_thresholds():
    assert M.icp_breadth(1000, 501)["warnings"] == ["icp_broad"]  # 50.1% > 50%
    assert M.icp_breadth(1000, 500)["warnings"] == []  # exactly 50%, 500 companies
    assert M.icp_breadth(20000, 199)["warnings"] == ["icp_narrow"]  # 0.995% < 1%
    assert M.icp_breadth(20000, 200)["warnings"] == []  # exactly 1%
    assert M.icp_breadth(150, 99)["warnings"] == ["icp_broad", "icp_narrow"]  # 66% and < 100
    assert M.icp_breadth(0, 0) == {"icp_coverage": None, "warnings": ["sam_empty"]}


def test_white_space_by_industry(cur):
    ws = M.white_space(cur, F("country=DE,AT,US"), F("industry=Software"), "industry")
    # SAM: DE M01 M02 M04 M07 M11, AT M03 M10, US M05 M08 = 9 companies
    rows = {r["segment"]: r for r in ws.to_dicts()}
    assert set(rows) == {"Software", "Manufacturing"}
    sw, mf = rows["Software"], rows["Manufacturing"]
    # Software: M01 M02 M03 M08 M10 (all ICP); customers A2 (M02) and A3 (own fields) -> 2
    assert (sw["companies"], sw["icp_companies"], sw["customers"], sw["icp_customers"]) == (5, 5, 2, 2)
    assert sw["penetration"] == pytest.approx(0.4) and sw["icp_penetration"] == pytest.approx(0.4)
    assert sw["open_icp_companies"] == 3 and sw["open_value"] == 36000.0 and sw["icp_open_value"] == 36000.0
    assert sw["rank"] == 1 and sw["top"] is True
    # Manufacturing: M04 M05 M07 M11, no ICP; customer A1 (M07)
    assert (mf["companies"], mf["icp_companies"], mf["customers"], mf["icp_customers"]) == (4, 0, 1, 0)
    assert mf["penetration"] == 0.25 and mf["icp_penetration"] is None
    assert mf["open_value"] == 36000.0 and mf["icp_open_value"] == 0.0  # (4 - 1) x 12000; 0 x 12000
    assert mf["rank"] is None and mf["top"] is False
    assert ws["segment"].to_list() == ["Software", "Manufacturing"]


def test_white_space_ranking_by_country(cur):
    ws = M.white_space(cur, F("country=DE,AT,US"), F("industry=Software"), "country", acv=1000.0, top=1)
    rows = {r["segment"]: r for r in ws.to_dicts()}
    # DE: 5 companies, ICP M01 M02; customers A1 A2 A3, ICP customers A2 A3 -> open ICP 0 -> not ranked
    # AT: M03 M10 both ICP, no customers -> open ICP 2 -> rank 1
    # US: M05 M08, ICP M08 -> open ICP 1 -> rank 2
    assert [(rows[c]["open_icp_companies"], rows[c]["rank"], rows[c]["top"]) for c in ("AT", "US", "DE")] == [
        (2, 1, True), (1, 2, False), (0, None, False)]
    assert rows["DE"]["open_value"] == 2000.0  # (5 - 3) x 1000
    assert rows["US"]["icp_open_value"] == 1000.0
    assert ws["segment"].to_list() == ["AT", "US", "DE"]


def test_white_space_size_band_with_unknown(cur):
    ws = M.white_space(cur, (), (), "size_band", acv=1.0)
    rows = {r["segment"]: (r["companies"], r["customers"]) for r in ws.to_dicts()}
    # 1-10: M01 M06; 11-50: M02 M11 (+ customers A2 via M02, A5 own 20); 51-200: M03 M07 M10
    # (+ A1 via M07, A3 own 80); 201-500: M04 M12; 501-1000: M05; 1001-5000: M08; unknown: M09
    assert rows == {"1-10": (2, 0), "11-50": (2, 2), "51-200": (3, 2), "201-500": (2, 0), "501-1000": (1, 0),
                    "1001-5000": (1, 0), "(unknown)": (1, 0)}


def test_top_down():
    r = M.top_down_funnel(10000, 0.3, 0.05, 12000.0, share=0.5)
    assert r["mode"] == "top_down" and r["assumption"] is True
    assert [r[lv]["companies"] for lv in ("tam", "sam", "som")] == [10000, 3000, 150]
    assert [r[lv]["value"] for lv in ("tam", "sam", "som")] == [120e6, 36e6, 900000.0]  # 150 x 12000 x 0.5
    assert r["sam"]["customers"] is None and r["som"]["penetration"] is None
    assert r["icp_coverage"] == 0.05 and r["warnings"] == []
    # counts instead of shares; 40 < 100 companies -> narrow
    r = M.top_down_funnel(10000, acv=None, sam_count=2500, som_count=40)
    assert [r[lv]["companies"] for lv in ("tam", "sam", "som")] == [10000, 2500, 40]
    assert r["som"]["value"] is None and r["warnings"] == ["icp_narrow"]
    # rounding half up: 1001 x 0.5 = 500.5 -> 501; 501 / 3 = 167
    r = M.top_down_funnel(1001, 0.5, 1 / 3)
    assert (r["sam"]["companies"], r["som"]["companies"]) == (501, 167)


@pytest.mark.parametrize("kwargs,key", [
    ({"tam_count": 100, "sam_share": 1.5}, "market.bad_share"),
    ({"tam_count": 100, "sam_count": 200}, "market.bad_count"),
    ({"tam_count": 100, "sam_count": 50, "som_count": 60}, "market.bad_count"),
    ({"tam_count": -1}, "market.bad_count"),
    ({"tam_count": 100, "acv": -5.0}, "market.bad_acv"),
])
def test_top_down_errors(kwargs, key):
    with pytest.raises(IcpError) as err:
        M.top_down_funnel(**kwargs)
    assert err.value.key == key


def test_saved_icp_specs():
    assert M.saved_icp_specs(["industry=Software", " "], None) == (["industry=Software"], "icp")
    assert M.saved_icp_specs({"filters": ["country=DE"]}, None) == (["country=DE"], "icp")
    seg = {"dimensions": ["industry", "size_band"], "filters": ["country=DE,AT"],
           "groups": [{"key": {"industry": "Software", "size_band": "201-500"}, "group": "want_more"},
                      {"key": {"industry": "Software", "size_band": "51-200"}, "group": "want_more"},
                      {"key": {"industry": "Retail", "size_band": "1-10"}, "group": "dont_want"},
                      {"key": {"industry": "(unknown)", "size_band": "11-50"}, "group": "want_more"}]}
    assert M.saved_icp_specs(None, seg) == (
        ["country=DE,AT", "industry=Software", "size_band=11-50,51-200,201-500"], "segmentation")
    assert M.saved_icp_specs(None, None) == ([], "none")


def test_serviceable_filters_and_specs():
    flts = M.serviceable_filters(countries=["DE", "AT"], employees=(50, None), tools=["HubSpot"])
    assert [f.spec() for f in flts] == ["country=DE,AT", "tech:HubSpot=yes", "employees=50-"]
    assert M.serviceable_filters() == ()
    with pytest.raises(IcpError):
        M.serviceable_filters(annual_revenue=(10, 5))
    assert [f.spec() for f in M.parse_specs("industry=Software\n# note\n\nemployees=-100")] == [
        "industry=Software", "employees=-100"]


def test_matches_passed_in_are_used(cur):
    # the caller's cached matches replace the computed ones: with none, A1 counts by its own fields
    r = M.market_funnel(cur, F("employees=50-500"), matches=())
    # SAM companies M02 M03 M04 M07 M10 M12 = 6; customers: A1 own 9999 no, A2 own 50 yes, A3 own 80 yes, A5 20 no
    assert r["sam"]["companies"] == 6 and r["sam"]["customers"] == 2 and r["matched"]["unmatched"] == 4


# ---- command line ----------------------------------------------------------------------------

def _cli(*argv):
    import io
    import json

    from icp_core import cli

    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    text = out.getvalue()
    return status, (json.loads(text) if "--json" in argv and status == 0 else text), err.getvalue()


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "m.duckdb")
    store = Store(path)
    store.load_frame("market", MARKET)
    store.load_frame("accounts", ACCOUNTS)
    store.close()
    return path


def test_cli_json(db):
    status, data, _ = _cli("--db", db, "market", "--sam", "country=DE,AT", "--sam", "employees=50-500",
                           "--icp", "industry=Software", "--icp", "tech:HubSpot", "--share", "50%", "--json")
    assert status == 0
    # the same figures as test_funnel_with_sam_and_icp
    assert data["acv"] == 12000.0 and data["mode"] == "bottom_up" and data["share"] == 0.5
    assert data["tam"] == {"companies": 12, "value": 144000.0, "customers": 4, "penetration": 4 / 12,
                           "customers_matched": 2, "customers_unmatched": 2}
    assert (data["sam"]["companies"], data["sam"]["value"], data["sam"]["customers"]) == (5, 60000.0, 3)
    assert (data["som"]["companies"], data["som"]["value"], data["som"]["customers"]) == (2, 12000.0, 2)
    assert data["icp_source"] == "options" and data["warnings"] == ["icp_narrow"]


def test_cli_saved_icp_and_acv(db):
    Store(db).set_setting("icp_filters", ["industry=Software", "tier=want_more"])
    status, data, _ = _cli("--db", db, "market", "--acv", "100", "--json")
    assert status == 0
    # Software: M01 M02 M03 M08 M10 = 5; tier is not a market field: left out and listed
    assert data["som"]["companies"] == 5 and data["som"]["value"] == 500.0
    assert data["icp_source"] == "icp" and data["ignored"] == ["tier=want_more"]
    assert data["filters"]["icp"] == ["industry=Software"]


def test_cli_human_german(db):
    status, text, _ = _cli("--db", db, "--lang", "de", "market", "--sam", "country=DE")
    assert status == 0
    assert "SAM" in text and "60.000 €" in text  # SAM DE: 5 companies x 12,000


def test_cli_without_market_table(tmp_path):
    path = str(tmp_path / "empty.duckdb")
    Store(path).load_frame("accounts", ACCOUNTS)
    status, _, err = _cli("--db", path, "market", "--json")
    assert status == 2 and "market" in err and "--tam-count" in err
    status, data, _ = _cli("--db", path, "market", "--tam-count", "10000", "--sam-share", "30%",
                           "--som-share", "0.05", "--acv", "12000", "--json")
    assert status == 0 and data["mode"] == "top_down" and data["assumption"] is True
    assert [data[lv]["companies"] for lv in ("tam", "sam", "som")] == [10000, 3000, 150]
    assert data["som"]["value"] == 1800000.0 and data["som"]["customers"] is None  # 150 x 12000
    status, _, err = _cli("--db", path, "market", "--tam-count", "100", "--sam-share", "1.5")
    assert status == 2 and "SAM" in err


def test_cli_bad_filter_field(db):
    status, _, err = _cli("--db", db, "market", "--sam", "colour=red")
    assert status == 2 and "colour" in err


def test_funnel_from_saved_settings(cur):
    r = M.funnel_from_settings(cur, {"sam": ["country=DE,AT", "employees=50-500"], "icp": [], "acv": 1000.0,
                                     "share": 0.5}, saved_icp=["industry=Software", "tech:HubSpot", "tier=want_more"])
    # as test_funnel_with_sam_and_icp; the saved ICP's 'tier' is not a market field and is left out
    assert (r["sam"]["companies"], r["som"]["companies"], r["som"]["value"]) == (5, 2, 1000.0)  # 2 x 1000 x 0.5
    assert r["filters"]["icp"] == ["industry=Software", "tech:HubSpot=yes"]
    store = Store(":memory:")
    assert M.funnel_from_settings(store.cursor(), {}) is None
