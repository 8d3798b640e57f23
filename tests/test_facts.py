"""The per-data-version cache (icp_core.facts) behind segment statistics: the figures are the
same with and without it (the hand-computed fixture of tests/test_segments.py), and every change
of the data (import, undo, clear) or of a choice (as_of, channels, filters, dimensions) gives the
new figures, never the cached old ones."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from icp_core import facts
from icp_core.segments import segment_stats, to_json
from icp_core.store import Store
from tests.test_segments import AS_OF, accounts_frame, deals_frame, nps_frame
from tests.threads import run_in_threads

D = date


pytestmark = pytest.mark.usefixtures("fresh_facts_cache")  # tests/conftest.py


@pytest.fixture
def store():
    s = Store(":memory:")
    s.load_frame("accounts", accounts_frame())
    s.load_frame("nps_responses", nps_frame())
    s.load_frame("deals", deals_frame())
    return s


def seg(result, **key):
    found = [s for s in result["segments"] if s["key"] == key]
    assert len(found) == 1, (key, [s["key"] for s in result["segments"]])
    return found[0]


CALLS = [
    (["industry"], {}),
    (["industry", "size_band"], {}),
    (["country"], {"filters": ["country=DE,AT,CH"]}),
    (["Vertriebsregion", "age_band"], {}),
    (["tech:SAP Business One"], {"filters": ["start_date=2022.."]}),
    (["size_band"], {"channels": ["website"]}),
    (["tech_stack"], {}),  # multi-valued: not from the cache, the same either way
]


@pytest.mark.parametrize("by,kwargs", CALLS)
def test_same_figures_with_and_without_the_cache(store, by, kwargs):
    facts.ENABLED = False
    direct = to_json(segment_stats(store.cursor(), by, as_of=AS_OF, **kwargs))
    facts.ENABLED = True
    cold = to_json(segment_stats(store.cursor(), by, as_of=AS_OF, **kwargs))
    warm = to_json(segment_stats(store.cursor(), by, as_of=AS_OF, **kwargs))
    assert cold == direct
    assert warm == direct


def test_cached_figures_are_the_hand_computed_ones(store):
    cur = store.cursor()
    segment_stats(cur, ["industry"], as_of=AS_OF)  # builds the projection
    r = segment_stats(cur, ["industry", "size_band"], as_of=AS_OF)  # from the cache
    assert facts.projections.builds == 1
    o = r["overall"]
    assert (o["accounts"], o["active_accounts"], o["arr"]) == (7, 5, 12.0 * 920)
    assert (o["retention_n"], o["retained"], o["churned_undated"]) == (4, 3, 1)
    assert (o["nps_n"], o["promoters"], o["detractors"]) == (6, 3, 2)
    assert (o["median_sales_cycle_days"], o["sales_cycle_n"]) == (35.0, 6)
    assert (o["win_n"], o["seats_n"]) == (5, 6)
    assert o["referral_rate"] == pytest.approx(3 / 7)
    # Maschinenbau 51-200: A1 (60), A2 (80), A3 (150); active A1 A2; cycles 20, 30, 40
    m = seg(r, industry="Maschinenbau", size_band="51-200")
    assert (m["accounts"], m["active_accounts"], m["arr"]) == (3, 2, 12.0 * 400)
    assert (m["median_sales_cycle_days"], m["sales_cycle_n"]) == (30.0, 3)
    assert (m["nps_n"], m["promoters"], m["detractors"]) == (4, 2, 1)  # A1 10, 9; A2 8; A3 2
    assert (m["win_rate"], m["win_n"]) == (0.5, 4)  # d1 won, d2 lost (A1), d3 won (A2), d4 lost (A3)
    assert m["referral_rate"] == pytest.approx(2 / 3)  # A1 Empfehlung, A3 " referral "


def test_an_import_and_its_undo_give_new_figures(store):
    cur = store.cursor()
    before = segment_stats(cur, ["industry"], as_of=AS_OF)
    assert seg(before, industry="Logistik")["accounts"] == 3
    more = pl.DataFrame({"account_id": ["A8"], "industry": ["Logistik"], "start_date": [D(2024, 1, 1)],
                         "mrr": [1000.0], "sales_cycle_days": [5]})
    result = store.load_frame("accounts", more, mode="append")
    after = segment_stats(store.cursor(), ["industry"], as_of=AS_OF)
    log = seg(after, industry="Logistik")
    assert (after["overall"]["accounts"], log["accounts"], log["active_accounts"]) == (8, 4, 3)
    assert log["arr"] == 12.0 * (50 + 70 + 1000)  # A4, A7, A8 active
    assert after["overall"]["median_sales_cycle_days"] == 30.0  # 5 10 20 30 40 60 90
    store.undo(result.import_id)
    undone = segment_stats(store.cursor(), ["industry"], as_of=AS_OF)
    assert to_json(undone) == to_json(before)


def test_replace_and_clear_give_new_figures(store):
    segment_stats(store.cursor(), ["industry"], as_of=AS_OF)
    store.load_frame("accounts", pl.DataFrame({"account_id": ["Z1", "Z2"], "industry": ["Bau", "Bau"],
                                               "start_date": [D(2024, 2, 1), D(2020, 2, 1)],
                                               "churn_date": [None, D(2024, 3, 1)]}))
    r = segment_stats(store.cursor(), ["industry"], as_of=AS_OF)
    assert [(s["key"]["industry"], s["accounts"], s["active_accounts"]) for s in r["segments"]] == [("Bau", 2, 1)]
    assert (r["overall"]["retention_n"], r["overall"]["retained"]) == (1, 0)  # Z2 active a year ago, churned since


def test_choices_are_part_of_the_key(store):
    cur = store.cursor()
    base = segment_stats(cur, ["industry"], as_of=AS_OF)
    assert base["overall"]["active_accounts"] == 5
    # as_of 2023-12-31: active A1 A2 A3 A4 A7 (A6 starts 2024-03-01, A5 churned 2023-06-01)
    earlier = segment_stats(cur, ["industry"], as_of=D(2023, 12, 31))
    assert earlier["overall"]["active_accounts"] == 5
    assert earlier["overall"]["arr"] == 12.0 * (100 + 300 + 200 + 50 + 70)
    # channels: only "website" counts as referral -> A2 alone
    web = segment_stats(cur, ["industry"], as_of=AS_OF, channels=["Website"])
    assert web["overall"]["referrals"] == 1
    assert segment_stats(cur, ["industry"], as_of=AS_OF)["overall"]["referrals"] == 3
    # a filter, then another filter
    de = segment_stats(cur, ["industry"], as_of=AS_OF, filters=["country=DE"])
    assert de["overall"]["accounts"] == 3  # A1 A4 A6
    at = segment_stats(cur, ["industry"], as_of=AS_OF, filters=["country=AT,CH"])
    assert at["overall"]["accounts"] == 2  # A2 A3
    assert [s["key"]["industry"] for s in at["segments"]] == ["Maschinenbau"]


def test_two_stores_never_share_cached_figures():
    one, two = Store(":memory:"), Store(":memory:")
    one.load_frame("accounts", accounts_frame())
    two.load_frame("accounts", accounts_frame().with_columns(pl.lit("Bau").alias("industry")))
    r1 = segment_stats(one.cursor(), ["industry"], as_of=AS_OF)
    r2 = segment_stats(two.cursor(), ["industry"], as_of=AS_OF)
    assert {s["key"]["industry"] for s in r1["segments"]} == {"Maschinenbau", "Logistik", "(unknown)"}
    assert [(s["key"]["industry"], s["accounts"]) for s in r2["segments"]] == [("Bau", 7)]


def test_a_bare_duckdb_database_is_not_cached():
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, 'Bau' AS industry, DATE '2024-01-01' AS start_date")
    assert facts.store_key(con) is None
    assert segment_stats(con, ["industry"], as_of=AS_OF)["overall"]["accounts"] == 1
    con.execute("INSERT INTO accounts VALUES ('A2', 'Bau', DATE '2024-02-01')")
    assert segment_stats(con, ["industry"], as_of=AS_OF)["overall"]["accounts"] == 2
    assert len(facts.projections) == 0


def test_sessions_in_threads_share_one_build(store):
    results = run_in_threads(lambda: to_json(segment_stats(store.cursor(), ["industry", "size_band"], as_of=AS_OF)), 6)
    assert len(results) == 6 and all(r == results[0] for r in results)
    assert results[0]["overall"]["accounts"] == 7
    assert facts.projections.builds == 1


def test_the_cache_is_bounded(store):
    cur = store.cursor()
    for month in range(1, 6):
        segment_stats(cur, ["industry"], as_of=D(2024, month, 1))
    assert len(facts.projections) <= facts.projections.size


def test_random_accounts_the_same_with_and_without_the_cache():
    import random
    from datetime import timedelta

    rnd = random.Random(5)
    n = 500
    starts = [D(2020, 1, 1) + timedelta(days=rnd.randrange(0, 1800)) if rnd.random() < 0.97 else None for _ in range(n)]
    frame = pl.DataFrame({
        "account_id": [f"R{i}" for i in range(n)],
        "industry": [rnd.choice(["Bau", " bau", "", None, "Handel"]) for _ in range(n)],
        "employees": [rnd.choice([None, 0, 10, 11, 5000, 20000]) for _ in range(n)],
        "founded_year": [rnd.choice([None, 1950, 2019, 2024]) for _ in range(n)],
        "country": [rnd.choice(["DE", "AT", None]) for _ in range(n)],
        "start_date": starts,
        "churn_date": [s + timedelta(days=rnd.randrange(-100, 900)) if s and rnd.random() < 0.4 else None for s in starts],
        "churned": [rnd.choice([None, True, False]) for _ in range(n)],
        "mrr": [rnd.choice([None, 0.0, 12.5, 99.99]) for _ in range(n)],
        "seats": [rnd.choice([None, 1, 7]) for _ in range(n)],
        "sales_cycle_days": [rnd.choice([None, 3, 30, 31, 400]) for _ in range(n)],
        "first_contact_date": [rnd.choice([None, D(2019, 6, 1)]) for _ in range(n)],
        "acquisition_channel": [rnd.choice(["Referral", " empfehlung ", "web", None]) for _ in range(n)],
        "nps": [rnd.choice([None, 0, 6, 7, 9, 10]) for _ in range(n)],
    })
    store = Store(":memory:")
    store.load_frame("accounts", frame)
    store.load_frame("deals", pl.DataFrame({"deal_id": [f"d{i}" for i in range(200)],
                                            "account_id": [f"R{rnd.randrange(0, 600)}" for _ in range(200)],
                                            "outcome": [rnd.choice(["won", "lost", "open"]) for _ in range(200)]}))
    for by, kw in ((["industry", "size_band"], {}), (["age_band"], {"filters": ["country=DE", "employees=1-5000"]}),
                   (["country"], {"as_of": D(2022, 2, 28)})):
        kw = {"as_of": AS_OF} | kw
        facts.ENABLED = False
        direct = to_json(segment_stats(store.cursor(), by, **kw))
        facts.ENABLED = True
        cached = to_json(segment_stats(store.cursor(), by, **kw))
        assert direct["overall"]["accounts"] > 0
        assert cached == direct
