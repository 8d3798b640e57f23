"""Three groups, composite score, overrides, tier, what-if, saved segmentation; the CLI; and the
planted ICP of the sample company (sample_data/README.md)."""

from __future__ import annotations

import io
import json
import math
from datetime import date

import polars as pl
import pytest

from icp_core.groups import (
    DEFAULT_WEIGHTS,
    build_segmentation,
    customers,
    group_stats,
    load_segmentation,
    reason_text,
    save_segmentation,
    score_segments,
    suggest_groups,
    what_if,
)
from icp_core.segments import key_id, segment_stats
from icp_core.store import Store

D = date


def _store_three_industries() -> Store:
    """Three industries, 40 accounts each (>= min_n 30), all started 2020, as_of 2024-12-31.
    Good: 40 active, mrr 300, none churned. Mid: 40 accounts, 4 churned in 2024, mrr 200.
    Bad: 40 accounts, 20 churned in 2024, mrr 100. Plus 'Tiny': 5 accounts, great figures.
    Only retention and ARPA vary (no NPS / channel / cycle data).
    """
    rows = []
    def add(ind, n, churned, mrr):
        for i in range(n):
            rows.append({"account_id": f"{ind}{i}", "industry": ind, "start_date": D(2020, 1, 1),
                         "churn_date": D(2024, 6, 1) if i < churned else None, "mrr": mrr, "tier": None})
    add("Good", 40, 0, 300.0)
    add("Mid", 40, 4, 200.0)
    add("Bad", 40, 20, 100.0)
    add("Tiny", 5, 0, 900.0)
    rows[0]["tier"] = "dont_want"  # Good0 labelled by the user
    store = Store(":memory:")
    store.load_frame("accounts", pl.DataFrame(rows, schema_overrides={"churn_date": pl.Date, "tier": pl.String}))
    return store


def test_composite_score_by_hand():
    store = _store_three_industries()
    r = segment_stats(store.cursor(), ["industry"], as_of=D(2024, 12, 31))
    o = r["overall"]
    # overall retention: base 125, churned 24 -> 101/125; ARPA: active 101, mrr 40*300+36*200+20*100+5*900 = 25700
    assert o["retention_12m"] == pytest.approx(101 / 125)
    assert o["arpa"] == pytest.approx(12 * 25700 / 101)
    scores = {s["key"]["industry"]: sc for s, sc in zip(r["segments"], score_segments(r, DEFAULT_WEIGHTS))}
    # retention sd over Good 1.0, Mid 0.9, Bad 0.5 (Tiny n=5 < 30 left out): mean 0.8, var (0.04+0.01+0.09)/3
    sd_ret = math.sqrt(0.14 / 3)
    # ARPA sd over segments with >= 30 active accounts: Good 3600 (40), Mid 2400 (36); Bad has only
    # 20 active, Tiny 5 -> mean 3000, population sd 600
    sd_arpa = 600.0
    z_ret = (1.0 - 101 / 125) / sd_ret
    z_arpa = (3600 - 12 * 25700 / 101) / sd_arpa
    shrink_ret = 40 / (40 + 30)  # base n 40
    shrink_arpa = 40 / (40 + 30)  # 40 active
    wsum = 0.30 + 0.25  # only the metrics the data gives count
    expected = (0.30 * z_ret * shrink_ret + 0.25 * z_arpa * shrink_arpa) / wsum
    assert scores["Good"]["score"] == pytest.approx(expected)
    assert scores["Good"]["metrics_used"] == ["retention_12m", "arpa"]
    # Bad: ARPA z = (1200 - 3053.47) / 600 = -3.09 -> clipped to -3; shrink 20 / 50
    assert scores["Bad"]["parts"]["arpa"]["z"] == -3.0
    assert scores["Bad"]["parts"]["arpa"]["shrink"] == pytest.approx(0.4)

    groups = {g["key"]["industry"]: g for g in suggest_groups(r)}
    assert groups["Good"]["group"] == "want_more"
    assert groups["Bad"]["group"] == "dont_want"
    assert groups["Mid"]["group"] == "neutral"
    assert (groups["Tiny"]["group"], groups["Tiny"]["source"]) == ("neutral", "small")  # never ranked best
    assert groups["Good"]["reasons"][0]["metric"] in ("retention_12m", "arpa")
    text = reason_text({"metric": "retention_12m", "value": 0.96, "overall": 0.78, "n": 64}, "en")
    assert text == "retention 96.0% vs 78.0% overall (n=64)"
    assert reason_text({"metric": "retention_12m", "value": 0.96, "overall": 0.78, "n": 64}, "de") == \
        "Bindung 96,0 % vs. 78,0 % gesamt (n=64)"


def test_overrides_tier_what_if_and_saved_segmentation():
    store = _store_three_industries()
    cur = store.cursor()
    r = segment_stats(cur, ["industry"], as_of=D(2024, 12, 31))
    seg = build_segmentation(r, segment_overrides={key_id({"industry": "Mid"}): "want_more"},
                             account_overrides={"Bad0": "want_more"})
    g = {x["key"]["industry"]: x for x in seg["groups"]}
    assert (g["Mid"]["group"], g["Mid"]["suggested"], g["Mid"]["source"]) == ("want_more", "neutral", "override")
    stats = group_stats(cur, seg, as_of=D(2024, 12, 31))
    # want_more: Good 40 minus Good0 (tier dont_want wins) + Mid 40 + Bad0 (account override) = 80
    assert stats["want_more"]["accounts"] == 80
    assert stats["want_more"]["from_override"] == 1 and stats["dont_want"]["from_tier"] == 1
    # dont_want: Bad 39 + Good0 = 40
    assert stats["dont_want"]["accounts"] == 40
    assert stats["all"]["accounts"] == 125
    # what-if retention of want_more: Good1..39 (39 retained) + Mid (36 of 40) + Bad0 (churned) -> 75 / 80
    wi = {row["metric"]: row for row in what_if(stats)}
    assert wi["retention_12m"]["want_more"] == pytest.approx(75 / 80)
    assert wi["retention_12m"]["all"] == pytest.approx(101 / 125)
    # ARPA of want_more: active 39 Good (300) + 36 Mid (200) -> 12 * (11700 + 7200) / 75
    assert wi["arpa"]["want_more"] == pytest.approx(12 * 18900 / 75)
    assert wi["nps"]["want_more"] is None  # no NPS data: null, never 0
    frame = customers(cur, seg, "dont_want", as_of=D(2024, 12, 31), limit=500)
    assert frame.height == 40
    assert frame.filter(pl.col("account_id") == "Good0")["source"].to_list() == ["tier"]

    save_segmentation(store, seg)
    loaded = load_segmentation(store)
    assert loaded["dimensions"] == ["industry"]
    assert loaded["overrides"]["accounts"] == {"Bad0": "want_more"}
    assert {x["key"]["industry"]: x["group"] for x in loaded["groups"]}["Mid"] == "want_more"
    json.dumps(loaded)  # plain JSON


def test_cli_segments_json(tmp_path):
    from icp_core.cli import main
    from tests.test_segments import accounts_frame, deals_frame, nps_frame

    db = str(tmp_path / "s.duckdb")
    store = Store(db)
    store.load_frame("accounts", accounts_frame())
    store.load_frame("nps_responses", nps_frame())
    store.load_frame("deals", deals_frame())
    store.close()
    out, err = io.StringIO(), io.StringIO()
    rc = main(["--db", db, "segments", "--by", "industry", "--as-of", "2024-12-31", "--json",
               "--filter", "country=DE,AT,CH", "--min-n", "2"], out, err)
    assert rc == 0, err.getvalue()
    data = json.loads(out.getvalue())
    # DACH: A1 A2 A3 (Maschinenbau), A4 (Logistik), A6 (unknown industry)
    assert data["overall"]["accounts"] == 5
    m = next(s for s in data["segments"] if s["key"] == {"industry": "Maschinenbau"})
    assert (m["accounts"], m["active_accounts"], m["arpa"]) == (3, 2, 2400.0)
    assert m["small"] is False  # min_n 2
    assert m["group"] in ("want_more", "neutral", "dont_want") and "lift" in m and "win_rate" in m
    unk = next(s for s in data["segments"] if s["key"] == {"industry": "(unknown)"})
    assert unk["retention_12m"] is None and unk["small"] is True
    rc = main(["--db", db, "segments", "--by", "nope"], out, err)
    assert rc == 2 and "nope" in err.getvalue()
    out = io.StringIO()
    assert main(["--db", db, "segments", "--by", "industry", "--lang", "de", "--as-of", "2024-12-31"], out, err) == 0
    assert "Maschinenbau" in out.getvalue() and "Kunden" in out.getvalue()


@pytest.fixture(scope="module")
def sample_cur():
    from icp_core.sample import load_sample

    store = Store(":memory:")
    load_sample(store)
    return store.cursor()


def test_sample_company_groups_recover_planted_icp(sample_cur):
    r = segment_stats(sample_cur, ["industry", "size_band"])
    assert r["as_of"] == "2025-12-31"
    o = r["overall"]  # sample_data/README.md truth
    assert (o["accounts"], o["active_accounts"], o["retained"], o["retention_n"]) == (2500, 1549, 936, 1193)
    assert round(o["arpa"], 2) == 6093.81 and round(o["nps"], 2) == 12.65 and o["nps_n"] == 1533
    groups = suggest_groups(r)
    best = max((g for g in groups if g["source"] != "small"), key=lambda g: g["score"])
    worst = min((g for g in groups if g["source"] != "small"), key=lambda g: g["score"])
    assert best["key"] == {"industry": "Maschinenbau", "size_band": "51-200"} and best["group"] == "want_more"
    assert worst["key"] == {"industry": "Agentur / Beratung", "size_band": "1-10"} and worst["group"] == "dont_want"
    want = [g["key"] for g in groups if g["group"] == "want_more"]
    assert want == [{"industry": "Maschinenbau", "size_band": "51-200"}]
    seg = next(s for s in r["segments"] if s["key"] == best["key"])
    assert (seg["retained"], seg["retention_n"], round(seg["arpa"], 2)) == (193, 200, 11743.21)
    stats = group_stats(sample_cur, build_segmentation(r))
    assert stats["want_more"]["retention_12m"] > stats["all"]["retention_12m"] + 0.1
    assert stats["want_more"]["from_tier"] + stats["neutral"]["from_tier"] + stats["dont_want"]["from_tier"] == 60
