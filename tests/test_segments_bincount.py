"""Segment statistics from the cached projection are counted with numpy's bincount
(segments._grouped_by_bincount); the SQL over the same projection stays as the fallback. Both must
give the same figures: on the hand-computed fixture, on random accounts (missing values in every
column, filters that leave nobody, NPS answers and deals per account), and in the edge cases
where the bincount path hands over to SQL (fractional sales cycles, too many cells)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icp_core import segments
from icp_core.segments import segment_stats, to_json
from icp_core.store import Store
from tests.test_facts import CALLS as FACTS_CALLS
from tests.test_segments import AS_OF, accounts_frame, deals_frame, nps_frame

pytestmark = pytest.mark.usefixtures("fresh_facts_cache")  # tests/conftest.py


class Spy:
    """Counts how often the bincount path answered (a result) or handed over to SQL (None)."""

    def __init__(self, monkeypatch, disabled: bool = False):
        self.answered = self.handed_over = 0
        real = segments._grouped_by_bincount

        def spy(*args, **kwargs):
            out = None if disabled else real(*args, **kwargs)
            if out is None:
                self.handed_over += 1
            else:
                self.answered += 1
            return out

        monkeypatch.setattr(segments, "_grouped_by_bincount", spy)


def both_ways(monkeypatch, store: Store, by, **kwargs) -> tuple[dict, dict, Spy]:
    from icp_core import facts

    facts.clear()
    with monkeypatch.context() as m:
        Spy(m, disabled=True)
        by_sql = to_json(segment_stats(store.cursor(), by, **kwargs))
    facts.clear()
    spy = Spy(monkeypatch)
    by_bincount = to_json(segment_stats(store.cursor(), by, **kwargs))
    return by_sql, by_bincount, spy


def fixture_store() -> Store:
    s = Store(":memory:")
    s.load_frame("accounts", accounts_frame())
    s.load_frame("nps_responses", nps_frame())
    s.load_frame("deals", deals_frame())
    return s


# tests/test_facts.py's calls without the multi-valued one (that one never reads the projection)
@pytest.mark.parametrize("by,kwargs", [call for call in FACTS_CALLS if call[0] != ["tech_stack"]])
def test_the_fixture_gives_the_same_figures_both_ways(monkeypatch, by, kwargs):
    by_sql, by_bincount, spy = both_ways(monkeypatch, fixture_store(), by, as_of=AS_OF, **kwargs)
    assert by_bincount == by_sql
    assert (spy.answered, spy.handed_over) == (1, 0)


def test_the_hand_computed_figures_by_bincount(monkeypatch):
    spy = Spy(monkeypatch)
    r = segment_stats(fixture_store().cursor(), ["industry", "size_band"], as_of=AS_OF)
    assert spy.answered == 1
    o = r["overall"]
    # tests/test_segments.py's fixture: 7 accounts, 5 active (A1 A2 A4 A6 A7), MRR of the active 920
    assert (o["accounts"], o["active_accounts"], o["arr"]) == (7, 5, 12.0 * 920)
    assert (o["retention_n"], o["retained"], o["churned_undated"]) == (4, 3, 1)
    assert (o["nps_n"], o["promoters"], o["detractors"]) == (6, 3, 2)
    # cycles 20, 30 (A2 from first contact), 40, 60, 10, 90: median of 6 = (30 + 40) / 2
    assert (o["median_sales_cycle_days"], o["sales_cycle_n"]) == (35.0, 6)
    assert (o["win_n"], o["seats_n"], o["seats"]) == (5, 6, 42 / 6)
    missing_industry = [s for s in r["segments"] if s["key"]["industry"] == "(unknown)"]
    assert [(s["key"]["size_band"], s["accounts"], s["arr"]) for s in missing_industry] == [("201-500", 1, 12.0 * 400)]


def test_filters_that_leave_nobody(monkeypatch):
    by_sql, by_bincount, spy = both_ways(monkeypatch, fixture_store(), ["industry"], as_of=AS_OF,
                                         filters=["country=JP"])
    assert by_bincount == by_sql
    assert spy.answered == 1
    assert by_bincount["segments"] == []
    assert by_bincount["overall"]["accounts"] == 0
    assert by_bincount["overall"]["median_sales_cycle_days"] is None


def test_a_cycle_that_is_not_whole_days_goes_to_sql():
    # sales_cycle_days is stored as whole days (SCHEMA.md) and first contact to start is whole
    # days too, so only a hand-made projection has fractions: bincount cannot bin those
    import numpy as np
    import pyarrow as pa

    arrays = {c: pa.array(np.zeros(3, dtype=np.int8)) for c in segments._SMALL_COLUMNS}
    arrays["_cycle"] = pa.array([1.5, 2.0, None])
    arrays["_k0"] = pa.array([0, 1, 0], pa.int32())
    combos = segments._combos(pa.table({c: arrays[c] for c in segments._SMALL_COLUMNS}))
    assert segments._grouped_by_bincount(arrays, combos, ["_k0"], [2]) is None


def test_too_many_cells_go_to_sql(monkeypatch):
    monkeypatch.setattr(segments, "_BINCOUNT_MAX_CELLS", 10)
    by_sql, by_bincount, spy = both_ways(monkeypatch, fixture_store(), ["industry", "country"], as_of=AS_OF)
    assert by_bincount == by_sql
    assert (spy.answered, spy.handed_over) == (0, 1)


def test_no_optional_columns(monkeypatch):
    # only the required columns: no MRR, seats, cycles, channels, NPS or deals anywhere
    frame = accounts_frame().select("account_id", "industry", "start_date", "churn_date")
    s = Store(":memory:")
    s.load_frame("accounts", frame)
    by_sql, by_bincount, spy = both_ways(monkeypatch, s, ["industry"], as_of=AS_OF)
    assert by_bincount == by_sql
    assert spy.answered == 1
    o = by_bincount["overall"]
    assert (o["accounts"], o["arr"], o["seats"], o["median_sales_cycle_days"], o["referral_rate"]) == (7, None, None, None, None)


START = date(2019, 1, 1)
maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731

account_rows = st.lists(
    st.fixed_dictionaries({
        "industry": maybe(st.sampled_from(["Maschinenbau", "Logistik", "Handel"])),
        "employees": maybe(st.integers(1, 2000)),
        "country": maybe(st.sampled_from(["DE", "AT", "CH", "FR"])),
        "start": maybe(st.integers(0, 2000)),
        "churn_after": maybe(st.integers(0, 1500)),
        "churned": maybe(st.booleans()),
        # halves: sums of these are exact in any order, so SQL's parallel sum and bincount agree
        "mrr_halves": maybe(st.integers(0, 20_000)),
        "seats": maybe(st.integers(0, 500)),
        "cycle": maybe(st.integers(0, 400)),
        "channel": maybe(st.sampled_from(["Empfehlung", "Website", "referral", "Ads", " "])),
        "nps": st.lists(st.integers(0, 10), max_size=3),
        "deals": st.lists(st.sampled_from(["won", "lost", "open"]), max_size=3),
    }),
    min_size=1, max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=account_rows, by=st.sampled_from([["industry"], ["industry", "size_band"], ["country", "industry"]]),
       filters=st.sampled_from([[], ["country=DE,AT"], ["start_date=2022.."], ["country=JP"]]))
def test_random_accounts_give_the_same_figures_both_ways(monkeypatch, rows, by, filters):
    ids = [f"A{i}" for i in range(len(rows))]
    starts = [None if r["start"] is None else START + timedelta(days=r["start"]) for r in rows]
    accounts = pl.DataFrame({
        "account_id": ids,
        "industry": [r["industry"] for r in rows],
        "employees": [r["employees"] for r in rows],
        "country": [r["country"] for r in rows],
        "start_date": starts,
        "churn_date": [None if s is None or r["churn_after"] is None else s + timedelta(days=r["churn_after"])
                       for s, r in zip(starts, rows)],
        "churned": [r["churned"] for r in rows],
        "mrr": [None if r["mrr_halves"] is None else r["mrr_halves"] / 2 for r in rows],
        "seats": [r["seats"] for r in rows],
        "sales_cycle_days": [r["cycle"] for r in rows],
        "acquisition_channel": [r["channel"] for r in rows],
    }, schema_overrides={"start_date": pl.Date, "churn_date": pl.Date, "churned": pl.Boolean, "mrr": pl.Float64,
                         "employees": pl.Int64, "seats": pl.Int64, "sales_cycle_days": pl.Int64,
                         "industry": pl.String, "country": pl.String, "acquisition_channel": pl.String})
    nps = [(i, AS_OF - timedelta(days=30 * k), score) for i, r in zip(ids, rows) for k, score in enumerate(r["nps"])]
    deals = [(f"D{n}", i, outcome) for n, (i, outcome) in enumerate((i, o) for i, r in zip(ids, rows) for o in r["deals"])]
    s = Store(":memory:")
    s.load_frame("accounts", accounts)
    if nps:
        s.load_frame("nps_responses", pl.DataFrame(nps, schema=["account_id", "date", "score"], orient="row"))
    if deals:
        s.load_frame("deals", pl.DataFrame(deals, schema=["deal_id", "account_id", "outcome"], orient="row"))
    by_sql, by_bincount, spy = both_ways(monkeypatch, s, by, as_of=AS_OF, filters=filters)
    assert by_bincount == by_sql
    assert spy.answered == 1
