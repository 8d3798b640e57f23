"""Segment statistics (METRICS.md) on a hand-computed fixture.

The fixture (as_of fixed at 2024-12-31, so 12 months before = 2023-12-31):

| id | industry     | empl | country | start      | churn      | churned | mrr | tech_stack                  | channel         | cycle | first contact | seats |
| A1 | Maschinenbau | 60   | DE      | 2022-01-01 |            |         | 100 | SAP Business One, Excel     | Empfehlung      | 20    |               | 5     |
| A2 | Maschinenbau | 80   | AT      | 2023-06-01 |            |         | 300 | sap business one            | Website         |       | 2023-05-02    | 10    |
| A3 | Maschinenbau | 150  | CH      | 2021-03-01 | 2024-06-30 | true    | 200 | Excel                       | " referral "    | 40    |               | 4     |
| A4 | Logistik     | 5    | DE      | 2022-05-01 |            |         | 50  | (null)                      | Ads             | 60    |               | 1     |
| A5 | Logistik     | 8    | FR      | 2020-01-01 | 2023-06-01 | true    | 80  | []                          | Messe           |       |               |       |
| A6 | (empty)      | 300  | DE      | 2024-03-01 |            |         | 400 | HubSpot                     | (null)          | 10    |               | 20    |
| A7 | Logistik     |      | NL      | 2021-01-01 | (none)     | true    | 70  | Excel                       | word of mouth   | 90    |               | 2     |

Active at as_of (start <= as_of and churn empty or later; METRICS.md literally): A1 A2 A4 A6 A7.
12-month base (active at 2023-12-31, A7 churned without a date left out): A1 A2 A3 A4; retained A1 A2 A4.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from icp_core.errors import IcpError
from icp_core.metrics_common import parse_filter, wilson
from icp_core.segments import best_segment, ranked, segment_stats, to_json
from icp_core.store import Store

AS_OF = date(2024, 12, 31)
D = date


def accounts_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7"],
            "industry": ["Maschinenbau", "Maschinenbau", "Maschinenbau", "Logistik", "Logistik", None, "Logistik"],
            "employees": [60, 80, 150, 5, 8, 300, None],
            "country": ["DE", "AT", "CH", "DE", "FR", "DE", "NL"],
            "start_date": [D(2022, 1, 1), D(2023, 6, 1), D(2021, 3, 1), D(2022, 5, 1), D(2020, 1, 1), D(2024, 3, 1), D(2021, 1, 1)],
            "churn_date": [None, None, D(2024, 6, 30), None, D(2023, 6, 1), None, None],
            "churned": [None, None, True, None, True, None, True],
            "mrr": [100.0, 300.0, 200.0, 50.0, 80.0, 400.0, 70.0],
            "tech_stack": [["SAP Business One", "Excel"], ["sap business one"], ["Excel"], None, [], ["HubSpot"], ["Excel"]],
            "acquisition_channel": ["Empfehlung", "Website", " referral ", "Ads", "Messe", None, "word of mouth"],
            "sales_cycle_days": [20, None, 40, 60, None, 10, 90],
            "first_contact_date": [None, D(2023, 5, 2), None, None, None, None, None],
            "seats": [5, 10, 4, 1, None, 20, 2],
            "Vertriebsregion": ["Süd", "Süd", "International", "Nord", None, "Nord", "International"],
        },
        schema_overrides={"tech_stack": pl.List(pl.String)},
    )


def nps_frame() -> pl.DataFrame:
    # window (2023-12-31, 2024-12-31]
    return pl.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A2", "A3", "A4", "A4", "A6", "X9"],
            "date": [D(2024, 3, 1), D(2024, 9, 1), D(2023, 12, 31), D(2024, 5, 1), D(2024, 1, 15), D(2025, 1, 1),
                     D(2024, 12, 31), D(2024, 6, 1), D(2024, 6, 1)],
            "score": [10, 9, 3, 8, 2, 9, 6, 10, 0],
        }
    )


def deals_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "deal_id": ["d1", "d2", "d3", "d4", "d5", "d6", "d7"],
            "account_id": ["A1", "A1", "A2", "A3", "A4", "A4", None],
            "outcome": ["won", "lost", "won", "lost", "won", "open", "lost"],
        }
    )


def contacts_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A2", "A3", "A3", "A6"],
            "job_title": ["Werkleiter", "Produktionsplaner", "Produktionsplaner", "Produktionsplaner", "Werkleiter", "Head of IT", None],
            "buying_role": ["decision_maker", "user", "user", "user", "decision_maker", "blocker", None],
        }
    )


def jobs_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": ["A1", "A2", "A2"],
            "trigger": ["Wachstum; Audit", "Wachstum", "Neue Linie"],
        }
    )


@pytest.fixture
def cur():
    store = Store(":memory:")
    store.load_frame("accounts", accounts_frame())
    store.load_frame("nps_responses", nps_frame())
    store.load_frame("deals", deals_frame())
    store.load_frame("contacts", contacts_frame())
    store.load_frame("jobs", jobs_frame())
    return store.cursor()


def seg(result, **key):
    matches = [s for s in result["segments"] if s["key"] == key]
    assert len(matches) == 1, (key, [s["key"] for s in result["segments"]])
    return matches[0]


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-12)


def test_overall_figures(cur):
    r = segment_stats(cur, ["industry"], as_of=AS_OF)
    o = r["overall"]
    assert r["as_of"] == "2024-12-31"
    assert o["accounts"] == 7
    assert o["active_accounts"] == 5  # A1 A2 A4 A6 A7
    assert o["arr"] == approx(12 * (100 + 300 + 50 + 400 + 70))  # 11040
    assert o["arpa"] == approx(11040 / 5)  # 2208
    assert (o["retention_12m"], o["retention_n"], o["retained"]) == (approx(0.75), 4, 3)
    assert o["churned_undated"] == 1  # A7
    # NPS in window: A1 10, 9; A2 8; A3 2; A4 6 (2024-12-31 included); A6 10 -> 3 promoters, 2 detractors of 6
    assert (o["nps_n"], o["promoters"], o["detractors"]) == (6, 3, 2)
    assert o["nps"] == approx(100 * (3 - 2) / 6)
    assert r["nps_source"] == "responses"
    # referral: A1 Empfehlung, A3 " referral ", A7 word of mouth -> 3 / 7
    assert o["referral_rate"] == approx(3 / 7)
    # sales cycles: 20, 30 (2023-06-01 - 2023-05-02), 40, 60, 10, 90 -> sorted 10 20 30 40 60 90 -> (30+40)/2
    assert (o["median_sales_cycle_days"], o["sales_cycle_n"]) == (35.0, 6)
    # deals of accounts: won d1 d3 d5, lost d2 d4 (d7 has no account) -> 3 / 5
    assert (o["win_rate"], o["win_n"]) == (approx(0.6), 5)
    assert (o["seats"], o["seats_n"]) == (approx(42 / 6), 6)  # 5+10+4+1+20+2


def test_industry_segments_and_lifts(cur):
    r = segment_stats(cur, ["industry"], as_of=AS_OF)
    assert [s["key"]["industry"] for s in r["segments"]] == ["Logistik", "Maschinenbau", "(unknown)"] or \
        [s["key"]["industry"] for s in r["segments"]] == ["Maschinenbau", "Logistik", "(unknown)"]
    m = seg(r, industry="Maschinenbau")  # A1 A2 A3
    assert (m["accounts"], m["active_accounts"]) == (3, 2)
    assert m["share"] == approx(3 / 7)
    assert m["arr"] == approx(12 * 400)  # A1 + A2 active
    assert m["arr_share"] == approx(4800 / 11040)
    assert m["arpa"] == approx(2400)
    assert (m["retention_12m"], m["retention_n"]) == (approx(2 / 3), 3)
    assert (m["nps"], m["nps_n"]) == (approx(25.0), 4)  # 10 9 8 2 -> (2 - 1) / 4
    assert m["referral_rate"] == approx(2 / 3)
    assert m["median_sales_cycle_days"] == 30.0  # 20 30 40
    assert (m["win_rate"], m["win_n"]) == (approx(0.5), 4)  # won d1 d3, lost d2 d4
    assert m["seats"] == approx(19 / 3)
    lift = m["lift"]
    assert lift["arpa"] == approx(2400 / 2208)
    assert lift["retention_12m"] == approx((2 / 3) / 0.75)
    assert lift["nps"] == approx(25 / (100 / 6))  # 1.5
    assert lift["referral_rate"] == approx((2 / 3) / (3 / 7))  # 14/9
    assert lift["median_sales_cycle_days"] == approx(30 / 35)
    assert lift["win_rate"] == approx(0.5 / 0.6)
    assert lift["seats"] == approx((19 / 3) / 7)

    lg = seg(r, industry="Logistik")  # A4 A5 A7
    assert (lg["accounts"], lg["active_accounts"], lg["arpa"]) == (3, 2, approx(12 * 120 / 2))
    assert (lg["retention_12m"], lg["retention_n"]) == (approx(1.0), 1)  # only A4 in the base
    assert (lg["nps"], lg["nps_n"]) == (approx(-100.0), 1)
    assert lg["median_sales_cycle_days"] == 75.0  # 60, 90
    assert lg["seats"] == approx(1.5)

    unk = seg(r, industry="(unknown)")  # A6 kept as its own segment
    assert unk["accounts"] == 1
    assert unk["retention_12m"] is None and unk["retention_n"] == 0  # empty base -> null, never 0
    assert unk["referral_rate"] is None  # no channel -> the figure cannot be given
    assert unk["win_rate"] is None
    assert unk["lift"]["retention_12m"] is None
    assert unk["arpa"] == approx(4800)


def test_all_segments_small_below_min_n_and_intervals(cur):
    r = segment_stats(cur, ["industry"], as_of=AS_OF)
    assert all(s["small"] for s in r["segments"])
    assert best_segment(r, "arpa") is None  # nothing may be ranked best
    m = seg(r, industry="Maschinenbau")
    lo, hi = wilson(2, 3)
    assert m["retention_ci"] == [approx(lo), approx(hi)]
    r2 = segment_stats(cur, ["industry"], as_of=AS_OF, min_n=2)
    assert best_segment(r2, "arpa")["key"] == {"industry": "Maschinenbau"}  # 2400 > 720; (unknown) has 1 active
    assert seg(r2, industry="(unknown)")["small_metrics"]["arpa"] is True


def test_wilson_known_values():
    lo, hi = wilson(27, 30)
    assert round(lo, 4) == 0.7438 and round(hi, 4) == 0.9654
    assert wilson(0, 0) == (None, None)


def test_size_band_and_two_dimensions(cur):
    r = segment_stats(cur, ["industry", "size_band"], as_of=AS_OF)
    # A1 60, A2 80, A3 150 -> 51-200; A4 5, A5 8 -> 1-10; A6 300 -> 201-500; A7 no employees -> (unknown)
    assert seg(r, industry="Maschinenbau", size_band="51-200")["accounts"] == 3
    assert seg(r, industry="Logistik", size_band="1-10")["accounts"] == 2
    assert seg(r, industry="Logistik", size_band="(unknown)")["accounts"] == 1
    assert seg(r, industry="(unknown)", size_band="201-500")["accounts"] == 1
    assert sum(s["accounts"] for s in r["segments"]) == 7


def test_tech_tool_dimension(cur):
    r = segment_stats(cur, ["tech:SAP Business One"], as_of=AS_OF)
    # case-insensitive: A1, A2 yes; A3 A5([]) A6 A7 no; A4 has no stack -> (unknown)
    assert seg(r, **{"tech:SAP Business One": "yes"})["accounts"] == 2
    assert seg(r, **{"tech:SAP Business One": "no"})["accounts"] == 4
    assert seg(r, **{"tech:SAP Business One": "(unknown)"})["accounts"] == 1
    yes = seg(r, **{"tech:SAP Business One": "yes"})
    assert yes["arpa"] == approx(12 * 400 / 2)


def test_tech_stack_each_tool_is_multi_valued(cur):
    r = segment_stats(cur, ["tech_stack"], as_of=AS_OF)
    counts = {s["key"]["tech_stack"]: s["accounts"] for s in r["segments"]}
    # Excel: A1 A3 A7; SAP Business One (A1) and sap business one (A2) are written differently
    assert counts["Excel"] == 3 and counts["HubSpot"] == 1
    assert counts["(unknown)"] == 2  # A4 null, A5 empty list
    assert r["multi_valued"] == ["tech_stack"]


def test_contacts_role_dimension_multi_valued(cur):
    r = segment_stats(cur, ["contacts.buying_role"], as_of=AS_OF)
    counts = {s["key"]["contacts.buying_role"]: s["accounts"] for s in r["segments"]}
    # A1 dm+user (user twice: counted once), A2 user, A3 dm+blocker, A6 only an empty role
    assert counts == {"decision_maker": 2, "user": 2, "blocker": 1, "(unknown)": 4}
    shares = sum(s["share"] for s in r["segments"])
    assert shares == approx(9 / 7)  # an account can be in several segments: shares exceed 100%
    assert r["overall"]["accounts"] == 7  # overall counts every account once
    user = seg(r, **{"contacts.buying_role": "user"})
    assert user["arr"] == approx(12 * 400)  # A1 + A2
    # bare field name works too
    r2 = segment_stats(cur, ["buying_role"], as_of=AS_OF)
    assert {s["key"]["buying_role"]: s["accounts"] for s in r2["segments"]} == counts


def test_jobs_trigger_tags(cur):
    r = segment_stats(cur, ["jobs.trigger"], as_of=AS_OF)
    counts = {s["key"]["jobs.trigger"]: s["accounts"] for s in r["segments"]}
    # A1 "Wachstum; Audit" -> two tags; A2 Wachstum + Neue Linie; A3..A7 none
    assert counts == {"Wachstum": 2, "Audit": 1, "Neue Linie": 1, "(unknown)": 5}


def test_extra_column_dimension(cur):
    r = segment_stats(cur, ["Vertriebsregion"], as_of=AS_OF)
    counts = {s["key"]["Vertriebsregion"]: s["accounts"] for s in r["segments"]}
    assert counts == {"Süd": 2, "International": 2, "Nord": 2, "(unknown)": 1}


def test_filters_apply_to_every_figure(cur):
    r = segment_stats(cur, ["industry"], as_of=AS_OF, filters=[parse_filter("country=DE,AT,CH"), parse_filter("start_date=2022..")])
    o = r["overall"]
    # DACH and started 2022 or later: A1 (DE, 2022-01-01), A2 (AT), A4 (DE), A6 (DE); A3 started 2021
    assert o["accounts"] == 4 and o["active_accounts"] == 4
    assert o["arpa"] == approx(12 * (100 + 300 + 50 + 400) / 4)
    assert (o["retention_12m"], o["retention_n"]) == (approx(1.0), 3)  # A1 A2 A4
    m = seg(r, industry="Maschinenbau")
    assert m["accounts"] == 2 and m["share"] == approx(0.5)
    assert m["lift"]["arpa"] == approx(2400 / 2550)
    assert r["filters"] == ["country=DE,AT,CH", "start_date=2022-01-01.."]
    # strings are parsed too; a numeric range
    r2 = segment_stats(cur, ["industry"], as_of=AS_OF, filters=["employees=51-200"])
    assert r2["overall"]["accounts"] == 3


def test_min_n_29_vs_30():
    store = Store(":memory:")
    n_x, n_y = 30, 29
    frame = pl.DataFrame(
        {
            "account_id": [f"X{i}" for i in range(n_x)] + [f"Y{i}" for i in range(n_y)],
            "industry": ["X"] * n_x + ["Y"] * n_y,
            "start_date": [D(2020, 1, 1)] * (n_x + n_y),
            "churn_date": [None] * (n_x + n_y),
            "mrr": [100.0] * n_x + [1000.0] * n_y,
        },
        schema_overrides={"churn_date": pl.Date},
    )
    store.load_frame("accounts", frame)
    r = segment_stats(store.cursor(), ["industry"], as_of=D(2024, 1, 1))
    x, y = seg(r, industry="X"), seg(r, industry="Y")
    assert (x["small"], y["small"]) == (False, True)
    assert (x["small_metrics"]["arpa"], y["small_metrics"]["arpa"]) == (False, True)
    assert y["arpa"] == approx(12000) and x["arpa"] == approx(1200)
    assert best_segment(r, "arpa")["key"] == {"industry": "X"}  # Y pays more but is too small
    assert [s["key"]["industry"] for s in ranked(r, "arpa")] == ["X", "Y"]
    # no churn_date and no churned flag anywhere: churn cannot be given at all
    assert r["retention_mode"] == "lifetime"
    assert x["retention_12m"] is None and x["lifetime_churn"] is None


def test_lifetime_churn_without_dates():
    store = Store(":memory:")
    frame = pl.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "industry": ["X", "X", "X", "Y"],
            "start_date": [D(2020, 1, 1)] * 4,
            "churned": [True, False, None, True],
        }
    )
    store.load_frame("accounts", frame)
    r = segment_stats(store.cursor(), ["industry"], as_of=D(2024, 1, 1))
    assert r["retention_mode"] == "lifetime"
    assert r["overall"]["retention_12m"] is None
    assert r["overall"]["lifetime_churn"] == approx(0.5)  # a, d of 4
    assert seg(r, industry="X")["lifetime_churn"] == approx(1 / 3)
    assert {m["metric"] for m in r["missing"]} >= {"arpa", "nps", "referral_rate", "win_rate"}
    assert "retention_12m" not in {m["metric"] for m in r["missing"]}


def test_nps_from_accounts_without_responses_table():
    store = Store(":memory:")
    frame = pl.DataFrame({"account_id": ["a", "b", "c", "d"], "industry": ["X"] * 4, "nps": [10, 9, 7, None],
                          "start_date": [D(2020, 1, 1)] * 4})
    store.load_frame("accounts", frame)
    r = segment_stats(store.cursor(), ["industry"], as_of=D(2024, 1, 1))
    assert r["nps_source"] == "accounts"
    assert (r["overall"]["nps"], r["overall"]["nps_n"]) == (approx(100 * 2 / 3), 3)  # 2 promoters, 1 passive


def test_bad_dimension_and_filter(cur):
    with pytest.raises(IcpError) as err:
        segment_stats(cur, ["nope"], as_of=AS_OF)
    assert err.value.key == "segments.unknown_dimension"
    assert "industry" in err.value.message("en")
    with pytest.raises(IcpError) as err:
        segment_stats(cur, ["industry"], as_of=AS_OF, filters=["nope=1"])
    assert err.value.key == "segments.unknown_filter_field"
    with pytest.raises(IcpError):
        segment_stats(cur, [], as_of=AS_OF)


def test_json_shape_and_injection_safe_names(cur):
    r = to_json(segment_stats(cur, ["industry"], as_of=AS_OF))
    s = r["segments"][0]
    for k in ("key", "accounts", "active_accounts", "arr", "arpa", "retention_12m", "retention_n", "nps", "nps_n",
              "referral_rate", "median_sales_cycle_days", "small", "lift", "win_rate", "seats"):
        assert k in s
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in s.values() if not isinstance(v, (dict, list)))
    with pytest.raises(IcpError):
        segment_stats(cur, ['industry"; DROP TABLE accounts; --'], as_of=AS_OF)
    assert segment_stats(cur, ["industry"], as_of=AS_OF)["overall"]["accounts"] == 7


def test_suggested_dimensions_do_not_count_the_tools(monkeypatch):
    # the suggestion never names a tool, so the tools of every account are not counted (at 1M
    # accounts that query took +170 MB and 0.5 s on the Prospects and ICP pages' first visits)
    from icp_core import segments

    s = Store(":memory:")
    s.load_frame("accounts", accounts_frame())
    asked = []
    real = segments.top_tools_of
    monkeypatch.setattr(segments, "top_tools_of", lambda cur, k=12: asked.append(k) or real(cur, k))
    dims, _verdict = segments.suggested_dimensions(s.cursor())
    assert dims == ["industry", "size_band"]
    assert asked == [0]
    assert real(s.cursor(), 0) == []
    # the Segments page's list still offers the top tools: SAP Business One (A1, A2), Excel (A1 A3 A7)
    assert segments.available_dimensions(s.cursor())["technographic"][:2] == ["tech:Excel", "tech:SAP Business One"]
