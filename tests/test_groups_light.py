"""The light group SQL (issue 9 memory): the backtest and the profile get each customer's group from
the accounts' own columns joined on the row id, without segments._base_sql's NPS / deal joins. Same
groups as the full SQL: filters, a multi-valued dimension (the highest-ranked of an account's
segments wins), the account's own tier, and account overrides; worked out by hand below."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from icp_core import groups, scoring
from icp_core.segments import key_id
from icp_core.store import Store

AS_OF = date(2024, 12, 31)


def _store() -> tuple[Store, dict]:
    rows = [
        # id, industry, tech_stack, employees, tier
        ("a1", "A", ["X", "Y"], 50, None),   # segments (A,X)=want_more, (A,Y)=dont_want -> highest: want_more
        ("a2", "A", ["Y"], 50, None),        # (A,Y) -> dont_want
        ("a3", "B", [" x "], 50, None),      # (B,X) (trimmed) -> dont_want
        ("a4", "B", None, 50, None),         # (B,unknown) not listed -> neutral
        ("a5", "A", ["X"], 5, None),         # filtered out (employees < 10) -> no group
        ("a6", "A", ["X"], 50, "dont_want"), # own tier beats its segment (want_more) -> dont_want
        ("a7", "A", ["X"], 50, None),        # override neutral beats its segment -> neutral
        ("a8", "C", ["X"], None, None),      # no employees: fails the filter -> no group
    ]
    frame = pl.DataFrame(
        {"account_id": [r[0] for r in rows], "industry": [r[1] for r in rows], "tech_stack": [r[2] for r in rows],
         "employees": [r[3] for r in rows], "tier": [r[4] for r in rows], "nps": [10, 3, 9, None, 8, 7, 0, 10]},
        schema_overrides={"tech_stack": pl.List(pl.String), "employees": pl.Int64, "tier": pl.String})
    store = Store(":memory:")
    store.load_frame("accounts", frame)
    seg = {"dimensions": ["industry", "tech_stack"], "filters": ["employees=10-"],
           "groups": [{"key": k, "key_id": key_id(k), "group": g} for k, g in (
               ({"industry": "A", "tech_stack": "X"}, "want_more"),
               ({"industry": "B", "tech_stack": "x"}, "dont_want"),
               ({"industry": "B", "tech_stack": "X"}, "dont_want"),
               ({"industry": "A", "tech_stack": "Y"}, "dont_want"))],
           "overrides": {"accounts": {"a7": "neutral"}}}
    return store, seg


EXPECTED = {"a1": "want_more", "a2": "dont_want", "a3": "dont_want", "a4": "neutral", "a5": None,
            "a6": "dont_want", "a7": "neutral", "a8": None}


def test_account_frame_groups_by_hand():
    store, seg = _store()
    frame, _ = scoring.account_frame(store.cursor(), seg, AS_OF, columns=["account_id", "industry"])
    assert dict(frame.select("account_id", "_group").iter_rows()) == EXPECTED
    assert frame.height == 8 and set(frame.columns) == {"account_id", "industry", "_retention", "_group"}


def test_light_and_full_group_sql_agree():
    store, seg = _store()
    cur = store.cursor()
    seg_groups = {g["key_id"]: g["group"] for g in seg["groups"]}
    out = {}
    for light in (False, True):
        q, _ctx = groups._group_sql(cur, seg["dimensions"], seg["filters"], AS_OF, seg_groups,
                                    seg["overrides"]["accounts"], light=light)
        q.add(" SELECT account_id, _group, _source FROM grp ORDER BY account_id")
        out[light] = cur.execute(q.text, q.params).fetchall()
    assert out[True] == out[False]
    assert out[True] == [("a1", "want_more", "segment"), ("a2", "dont_want", "segment"),
                         ("a3", "dont_want", "segment"), ("a4", "neutral", "segment"),
                         ("a6", "dont_want", "tier"), ("a7", "neutral", "override")]


@pytest.mark.parametrize("slice_rows", [131_072, 3, 1])
def test_backtest_by_hand(slice_rows, monkeypatch):
    monkeypatch.setattr(scoring, "_BACKTEST_SLICE", slice_rows)  # scored in slices: same figures
    store, seg = _store()
    # industry = A: met -> score 1 (tier A), else 0 (tier D); a5 and a8 have no group
    bt = scoring.backtest(store.cursor(), [{"field": "industry", "values": ["A"], "weight": 1.0}], None, seg, AS_OF)
    rows = {r["group"]: r for r in bt["tiers"]}
    assert rows["want_more"] == {"group": "want_more", "n": 1, "A": 1, "B": 0, "C": 0, "D": 0}      # a1
    assert rows["dont_want"] == {"group": "dont_want", "n": 3, "A": 2, "B": 0, "C": 0, "D": 1}      # a2 a6 | a3
    assert rows["neutral"] == {"group": "neutral", "n": 2, "A": 1, "B": 0, "C": 0, "D": 1}          # a7 | a4
    assert bt["accounts"] == 8
    assert bt["want_more_in_ab"] == {"share": 1.0, "count": 1, "n": 1}
    assert bt["dont_want_in_ab"] == {"share": 0.6667, "count": 2, "n": 3}
    # AUC want_more vs dont_want: a1 (1) against a2 (1, tie 1/2), a3 (0, 1), a6 (1, tie 1/2) -> 2/3
    assert bt["auc_groups"] == {"value": 0.6667, "n": 4, "n_positive": 1, "n_negative": 3}
