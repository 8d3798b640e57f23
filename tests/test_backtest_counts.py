"""Issue 9 memory: the backtest counts the accounts per distinct value in DuckDB and scores each
distinct row once (scoring._backtest_counts), and a customer's group comes from one pass over the
accounts when no dimension is multi-valued (groups._group_sql without the per-account GROUP BY and
join). Figures worked out by hand below; the weighted AUC equals the AUC over one row per account."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from icp_core import groups, scoring
from icp_core.segments import key_id
from icp_core.store import Store

AS_OF = date(2024, 12, 31)  # the 12-month base: active on 2023-12-31
OLD = date(2020, 1, 1)

# id, industry, employees, tier, start, churn, what it gets (segment / filter / override, 12 months)
ROWS = [
    ("a1", "A", 100, None, OLD, None),                    # (A, 51-200) want_more; retained
    ("a2", "A", 100, None, OLD, date(2024, 6, 30)),       # (A, 51-200) want_more; churned
    ("a3", "A", 20, None, OLD, None),                     # (A, 11-50) not listed: neutral; retained
    ("a4", "B", 20, None, OLD, date(2024, 3, 1)),         # (B, 11-50) dont_want; churned
    ("a5", "B", 20, None, date(2024, 5, 1), None),        # dont_want; started after the base date: no retention
    ("a6", "B", 100, "want_more", OLD, None),             # its own tier beats (B, 51-200); retained
    ("a7", "A", 5, None, OLD, None),                      # outside the filter employees >= 10: no group; retained
    ("a8", "B", 20, None, OLD, None),                     # override want_more beats dont_want; retained
    ("a9", "B", 20, None, OLD, None),                     # dont_want; retained (same values as a8 but the override)
    ("a10", "A", None, None, OLD, None),                  # no employees: fails the filter, no group; retained
    ("a11", "B", 20, None, OLD, None),                    # as a9: dont_want; retained
]
GROUP = {"a1": "want_more", "a2": "want_more", "a3": "neutral", "a4": "dont_want", "a5": "dont_want",
         "a6": "want_more", "a7": None, "a8": "want_more", "a9": "dont_want", "a10": None, "a11": "dont_want"}
SOURCE = {"a6": "tier", "a8": "override"}


def _store() -> tuple[Store, dict]:
    frame = pl.DataFrame(
        {"account_id": [r[0] for r in ROWS], "industry": [r[1] for r in ROWS], "employees": [r[2] for r in ROWS],
         "tier": [r[3] for r in ROWS], "start_date": [r[4] for r in ROWS], "churn_date": [r[5] for r in ROWS]},
        schema_overrides={"employees": pl.Int64, "tier": pl.String, "churn_date": pl.Date})
    store = Store(":memory:")
    store.load_frame("accounts", frame)
    seg = {"dimensions": ["industry", "size_band"], "filters": ["employees=10-"],
           "groups": [{"key": k, "key_id": key_id(k), "group": g} for k, g in (
               ({"industry": "A", "size_band": "51-200"}, "want_more"),
               ({"industry": "B", "size_band": "11-50"}, "dont_want"))],
           "overrides": {"accounts": {"a8": "want_more"}}}
    return store, seg


def _grp(cur, seg, light: bool, all_rows: bool = False) -> list[tuple]:
    seg_groups = {g["key_id"]: g["group"] for g in seg["groups"]}
    q, _ctx = groups._group_sql(cur, seg["dimensions"], seg["filters"], AS_OF, seg_groups, seg["overrides"]["accounts"],
                                light=light, all_rows=all_rows)
    q.add(" SELECT account_id, _group, _source FROM grp ORDER BY account_id")
    return cur.execute(q.text, q.params).fetchall()


def test_single_valued_groups_by_hand_light_full_and_all_rows():
    store, seg = _store()
    cur = store.cursor()
    inside = sorted((a, g, SOURCE.get(a, "segment")) for a, g in GROUP.items() if g is not None)
    assert _grp(cur, seg, light=False) == inside
    assert _grp(cur, seg, light=True) == inside
    # every account: NULL group and source outside the filters
    assert _grp(cur, seg, light=True, all_rows=True) == sorted(
        (a, g, SOURCE.get(a, "segment") if g else None) for a, g in GROUP.items())
    # the customers list and the group figures read the same groups
    listed = groups.customers(cur, seg, as_of=AS_OF, limit=100)
    assert dict(listed.select("account_id", "group").iter_rows()) == {a: g for a, g in GROUP.items() if g}
    stats = groups.group_stats(cur, seg, AS_OF)
    assert (stats["want_more"]["accounts"], stats["neutral"]["accounts"], stats["dont_want"]["accounts"]) == (4, 1, 4)
    assert (stats["all"]["accounts"], stats["want_more"]["from_tier"], stats["want_more"]["from_override"]) == (9, 1, 1)
    cur.close()


def test_account_frame_has_every_account_with_its_group():
    store, seg = _store()
    frame, _ = scoring.account_frame(store.cursor(), seg, AS_OF, columns=["account_id"])
    assert dict(frame.select("account_id", "_group").iter_rows()) == GROUP
    assert dict(frame.select("account_id", "_retention").iter_rows()) == {
        "a1": "retained", "a2": "churned", "a3": "retained", "a4": "churned", "a5": None, "a6": "retained",
        "a7": "retained", "a8": "retained", "a9": "retained", "a10": "retained", "a11": "retained"}


CRITERIA = [{"field": "industry", "values": ["A"], "weight": 1.0}, {"field": "employees", "low": 51, "high": 200, "weight": 1.0}]


@pytest.mark.parametrize("slice_rows", [131_072, 2, 1])
def test_backtest_by_hand(slice_rows, monkeypatch):
    monkeypatch.setattr(scoring, "_BACKTEST_SLICE", slice_rows)
    store, seg = _store()
    cur = store.cursor()
    # scores: a1 a2 100 (A) | a3 50: A but 20 employees | a6 50: B, 100 employees | a7 50: A, 5 employees |
    # a10 100 on the one criterion it can judge (no employees) | a4 a5 a8 a9 a11 0 (D)
    counts, _ = scoring._backtest_counts(cur, CRITERIA, None, seg, AS_OF)
    assert counts["_n"].sum() == 11 and counts.height == 10  # a9 and a11: one row of values, group, retention
    bt = scoring.backtest(cur, CRITERIA, None, seg, AS_OF)
    rows = {r["group"]: r for r in bt["tiers"]}
    assert rows["want_more"] == {"group": "want_more", "n": 4, "A": 2, "B": 1, "C": 0, "D": 1}   # a1 a2 | a6 | a8
    assert rows["neutral"] == {"group": "neutral", "n": 1, "A": 0, "B": 1, "C": 0, "D": 0}       # a3
    assert rows["dont_want"] == {"group": "dont_want", "n": 4, "A": 0, "B": 0, "C": 0, "D": 4}   # a4 a5 a9 a11
    assert rows["retained"] == {"group": "retained", "n": 8, "A": 2, "B": 3, "C": 0, "D": 3}     # a1 a10 | a3 a6 a7 | a8 a9 a11
    assert rows["churned"] == {"group": "churned", "n": 2, "A": 1, "B": 0, "C": 0, "D": 1}       # a2 | a4
    assert (bt["accounts"], bt["unscored"]) == (11, 0)
    assert bt["want_more_in_ab"] == {"share": 0.75, "count": 3, "n": 4}
    assert bt["dont_want_in_ab"] == {"share": 0.0, "count": 0, "n": 4}
    assert bt["churned_in_cd"] == {"share": 0.5, "count": 1, "n": 2}
    assert bt["retained_in_ab"] == {"share": 0.625, "count": 5, "n": 8}                           # 5 / 8
    # want_more (100, 100, 50, 0) vs dont_want (0, 0, 0, 0): 12 wins and 4 ties of 16 pairs -> 14 / 16
    assert bt["auc_groups"] == {"value": 0.875, "n": 8, "n_positive": 4, "n_negative": 4}
    # retained (100, 100, 50, 50, 50, 0, 0, 0) vs churned (100, 0): vs 100 two ties; vs 0 five wins and three
    # ties -> 7.5 / 16 = 0.46875
    assert bt["auc_retention"] == {"value": 0.4688, "n": 10, "n_positive": 8, "n_negative": 2}
    cur.close()


def test_backtest_without_rows_or_criteria_columns():
    store, seg = _store()
    cur = store.cursor()
    # no criterion column exists: every account unscored (tier D), still counted per group
    bt = scoring.backtest(cur, [{"field": "nosuchfield", "values": ["x"], "weight": 1.0}], None, seg, AS_OF)
    assert (bt["accounts"], bt["unscored"]) == (11, 11)
    assert {r["group"]: (r["n"], r["D"]) for r in bt["tiers"]}["want_more"] == (4, 4)
    assert bt["auc_groups"] == {"value": None, "n": 0, "n_positive": 0, "n_negative": 0}
    cur.close()
    empty = Store(":memory:")
    empty.load_frame("accounts", pl.DataFrame({"account_id": ["x"], "industry": ["A"]}).clear())
    bt = scoring.backtest(empty.cursor(), CRITERIA, None, None, AS_OF)
    assert (bt["accounts"], bt["unscored"], bt["want_more_in_ab"]) == (0, 0, {"share": None, "count": 0, "n": 0})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 12.5, 33.3, 50.0, 66.7, 100.0]), st.booleans()), min_size=2, max_size=60))
def test_weighted_auc_is_the_auc_of_one_row_per_account(rows):
    labels = ["want_more" if pos else "dont_want" for _s, pos in rows]
    scored = pl.DataFrame({"fit_score": [s for s, _p in rows], "tier": ["A"] * len(rows), "_group": labels,
                           "_retention": [None] * len(rows)}, schema_overrides={"_retention": pl.String})
    counts = scored.group_by("fit_score", "tier", "_group", "_retention").agg(pl.len().cast(pl.Int64).alias("_n"))
    got = scoring._auc(counts, "_group", "want_more", "dont_want")
    y = np.array([pos for _s, pos in rows])
    assert (got["n"], got["n_positive"], got["n_negative"]) == (len(rows), int(y.sum()), len(rows) - int(y.sum()))
    if 0 < y.sum() < len(rows):
        assert got["value"] == round(float(roc_auc_score(y, np.array([s for s, _p in rows]))), 4)
        weighted = roc_auc_score((counts["_group"] == "want_more").to_numpy(), counts["fit_score"].to_numpy(),
                                 sample_weight=counts["_n"].to_numpy())
        assert weighted == roc_auc_score(y, np.array([s for s, _p in rows]))  # bit for bit, not only rounded
    else:
        assert got["value"] is None
