"""The lean ICP derivation (issue 9): firmographics and technographics aggregated in DuckDB give
exactly the figures of the in-memory (polars) reference; hand-computed figures on a tiny store;
one derivation per data version shared by the ICP page (derive_profile) and the Prospects page
(scoring.resolve_criteria); the backtest reads only the columns its criteria need; rules and
clusters built chunk by chunk equal the one-matrix result."""

from __future__ import annotations

import json
import random
from datetime import date

import numpy as np
import polars as pl
import pytest

from icp_core import facts, profile as P, rules, scoring
from icp_core.store import Store


def _accounts(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"account_id": pl.String, "industry": pl.String, "tier": pl.String,
                                      "start_date": pl.Date, "mrr": pl.Float64, "department_size": pl.Int64,
                                      "tech_stack": pl.List(pl.String)})


@pytest.fixture()
def tiny(tmp_path):
    """4 want-more accounts (tier), 6 others; figures below computed by hand."""
    d = date(2024, 1, 1)
    spec = [  # id, industry, tier, department_size, tech_stack
        ("A1", "Bau", "want_more", 10, ["SAP", " ", "Excel"]),
        ("A2", "Bau", "want_more", 20, [" sap "]),
        ("A3", "Bau", "want_more", 30, ["SAP"]),
        ("A4", "Handel", "want_more", None, []),
        ("A5", "Bau", "neutral", 100, ["Excel"]),
        ("A6", "Handel", "dont_want", 15, ["sap"]),
        ("A7", "Handel", "neutral", None, ["Excel"]),
        ("A8", "Handel", "neutral", None, None),
        ("A9", "Handel", "dont_want", None, None),
        ("A10", None, "neutral", None, None),
    ]
    store = Store(str(tmp_path / "tiny.duckdb"))
    store.load_frame("accounts", _accounts([
        {"account_id": i, "industry": ind, "tier": tier, "start_date": d, "mrr": 100.0, "department_size": ds,
         "tech_stack": ts} for i, ind, tier, ds, ts in spec]))
    return store


def test_hand_computed_figures(tiny):
    cur = tiny.cursor()
    prof = P.derive_profile(cur)
    assert prof["counts"] == {"want_more": 4, "rest": 6, "all": 10}
    ind = prof["firmographics"]["fields"]["industry"]
    assert [(r["value"], r["n_want"], r["n_rest"]) for r in ind["values"]] == [
        ("Bau", 3, 1), ("Handel", 1, 4), ("(unknown)", 0, 1)]
    assert ind["values"][0]["lift"] == pytest.approx(0.75 / (1 / 6), abs=1e-5)  # 4.5
    assert (ind["coverage_want"], ind["coverage_rest"], ind["n_want"], ind["n_rest"]) == (0.75, 0.166667, 3, 1)
    assert ind["criterion"] is True and ind["icp"] == ["Bau"]
    # tools: trimmed, empties dropped, case-insensitive; spellings SAP (A1, A3) and sap (A2, A6) tie:
    # the first in order ("SAP") names the tool
    tools = prof["technographics"]["tools"]
    assert [(r["value"], r["n_want"], r["n_rest"]) for r in tools["values"]] == [("SAP", 3, 1), ("Excel", 1, 2)]
    assert tools["icp"] == ["SAP"] and tools["criterion"] is True
    assert (tools["coverage_want"], tools["coverage_rest"], tools["n_want"], tools["n_rest"]) == (0.75, 0.166667, 3, 1)
    # department size: want-more 10, 20, 30 -> p10 12, p25 15, median 20, p75 25, p90 28 (linear);
    # 12-28 holds A2 (want) and A6 (rest): coverage 1/4 and 1/6, lift 1.5: evidence, not a criterion
    dep = prof["firmographics"]["fields"]["department_size"]
    assert dep["want"] == {"n": 3, "p10": 12.0, "p25": 15.0, "median": 20.0, "p75": 25.0, "p90": 28.0}
    assert dep["rest"] == {"n": 2, "p10": 23.5, "p25": 36.25, "median": 57.5, "p75": 78.75, "p90": 91.5}
    assert dep["range"] == {"low": 12, "high": 28}
    assert (dep["n_want"], dep["n_rest"], dep["coverage_want"], dep["lift"]) == (1, 1, 0.25, 1.5)
    assert dep["criterion"] is False and dep["distinctive"] == ["12-28"] and dep["typical"] == ["15-25"]
    assert P.criteria_specs(prof["criteria"]) == ["industry=Bau", "tech:SAP"]
    assert [c["weight"] for c in prof["criteria"]] == [0.5, 0.5]  # both lift 4.5
    cur.close()


def _random_accounts(n: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    tools = ["SAP", "sap", " SAP ", "Excel", "excel", "HubSpot", "DATEV", "", "Jira"]
    rows = []
    for i in range(n):
        stack = None if rnd.random() < 0.1 else [rnd.choice(tools) for _ in range(rnd.randint(0, 4))]
        rows.append({
            "account_id": f"R{i:05d}",
            "industry": rnd.choice(["Bau", "Handel", "Logistik", " Bau ", None, ""]),
            "employees": rnd.choice([None, 0, 5, 30, 120, 300, 800, 2000, 7000, 20000]),
            "annual_revenue": rnd.choice([None, 5e5, 2e6, 2e7, 7e7, 2e8, 8e8, 2e9]),
            "country": rnd.choice(["DE", "AT", "CH", None]),
            "founded_year": rnd.choice([None, 1990, 2005, 2015, 2021, 2024]),
            "department_size": None if rnd.random() < 0.3 else rnd.randint(1, 60),
            "tier": rnd.choice(["want_more", "want_more", "neutral", "dont_want", None]),
            "start_date": date(2023, 1, 1 + i % 28),
            "mrr": float(rnd.randint(0, 900)),
            "replaced_tool": rnd.choice(["Excel", "Papier", None, "Lexware"]),
            "tech_stack": stack,
        })
    return pl.DataFrame(rows, schema_overrides={"tech_stack": pl.List(pl.String)})


def _reference(cur, segmentation: dict) -> tuple[dict, dict]:
    """The firmographics and technographics computed in memory from the whole projection (polars)."""
    frame, ctx = P._account_frame(cur, segmentation, None)
    n_want = int(frame["_w"].sum())
    n_rest = frame.height - n_want
    fields = {name: P._firmo_field(frame, name, kind, n_want, n_rest, 30) for name, _s, kind in P.FIRMO_FIELDS}
    P._one_size_criterion(fields)
    tech = P._technographics(frame, n_want, n_rest, 30, P._replaced_column(list(ctx.columns)) is not None)
    return fields, tech


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregated_profile_equals_the_in_memory_reference(tmp_path, seed):
    store = Store(str(tmp_path / "r.duckdb"))
    store.load_frame("accounts", _random_accounts(2000, seed))
    cur = store.cursor()
    seg = P.default_segmentation(cur, None)
    core = P.derived_core(cur, seg)
    fields, tech = _reference(cur, seg)
    # same figures and the same key order (the JSON the CLI prints)
    assert json.dumps(core["firmographics"]["fields"]) == json.dumps(fields)
    assert json.dumps(core["technographics"]) == json.dumps(tech)
    assert core["technographics"]["replaces"]["missing"] is None
    assert core["counts"]["all"] == 2000
    cur.close()


def test_one_derivation_per_data_version_shared_with_resolve_criteria(tiny):
    facts.clear()
    cache = P._derived_cache()
    cache.clear()
    cur = tiny.cursor()
    prof = P.derive_profile(cur, market_settings={"share": 0.5})
    assert cache.builds == 1
    crit, source = scoring.resolve_criteria(cur, None, None)
    assert cache.builds == 1 and source == {"kind": "profile"}
    P.derived_core(cur, {"groups": []})  # no dimensions: the default segmentation, the same key
    assert cache.builds == 1
    assert [c["id"] for c in crit] == ["industry=Bau", "tech_stack=SAP"]
    assert crit == scoring.normalise_criteria(prof["criteria"])
    # a copy is handed out: editing it does not change the next derivation
    prof["firmographics"]["fields"]["industry"]["icp"].append("Handel")
    prof["criteria"].clear()
    crit[0]["evidence"]["lift"] = -1
    again = P.derive_profile(cur)
    assert again["firmographics"]["fields"]["industry"]["icp"] == ["Bau"]
    assert P.criteria_specs(again["criteria"]) == ["industry=Bau", "tech:SAP"]
    assert again["criteria"][0]["evidence"]["lift"] == pytest.approx(4.5)
    assert cache.builds == 1
    # another choice (as_of) or new data: derived again
    P.derive_profile(cur, as_of=date(2025, 6, 30))
    assert cache.builds == 2
    tiny.load_frame("accounts", _accounts([{"account_id": "B1", "industry": "Bau", "tier": "want_more",
                                           "start_date": date(2024, 1, 1), "mrr": 1.0, "department_size": 3,
                                           "tech_stack": ["SAP"]}]))
    cur2 = tiny.cursor()
    assert P.derive_profile(cur2)["counts"]["all"] == 1
    assert cache.builds == 3
    cur.close()
    cur2.close()


def test_backtest_reads_only_the_criteria_columns(tiny):
    cur = tiny.cursor()
    crit = scoring.criteria_from_specs(["industry=Bau", "tech:SAP"])
    frame, _as_of = scoring.account_frame(cur, None, None, columns=scoring._criteria_columns(crit))
    assert frame.columns == ["industry", "tech_stack", "_retention", "_group"]
    assert frame.height == 10
    full, _ = scoring.account_frame(cur)
    assert "department_size" in full.columns and full.height == 10
    # the group of each account is its tier (want_more x4, dont_want x2, neutral x4)
    assert dict(frame.group_by("_group").len().iter_rows()) == {"want_more": 4, "dont_want": 2, "neutral": 4}
    bt = scoring.backtest(cur, crit)
    want = next(r for r in bt["tiers"] if r["group"] == "want_more")
    # A1 (Bau, SAP), A2 (Bau, " sap "), A3 (Bau, SAP): 100 -> A; A4 (Handel, an empty stack: unknown): 0 -> D
    assert (want["n"], want["A"], want["D"]) == (4, 3, 1)
    dont = next(r for r in bt["tiers"] if r["group"] == "dont_want")
    # A6 (Handel, sap): 50 -> B; A9 (Handel, no stack): 0 -> D
    assert (dont["n"], dont["B"], dont["D"]) == (2, 1, 1)
    # AUC want_more (100, 100, 100, 0) vs dont_want (50, 0): 6 wins, 1 loss, 1 tie of 8 pairs
    assert bt["auc_groups"] == {"value": 0.8125, "n": 6, "n_positive": 4, "n_negative": 2}
    cur.close()


def test_rules_and_clusters_in_chunks_equal_one_matrix(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "r.duckdb"))
    store.load_frame("accounts", _random_accounts(3000, 7))
    cur = store.cursor()
    frame, tools = rules.account_features(cur)
    monkeypatch.setattr(rules, "CHUNK_ROWS", 10**9)
    one_rules, one_clusters = rules.find_rules(frame, tools), rules.find_clusters(frame, tools)
    monkeypatch.setattr(rules, "CHUNK_ROWS", 7)
    assert list(rules._chunks(15)) == [(0, 7), (7, 14), (14, 15)]
    chunked_rules, chunked_clusters = rules.find_rules(frame, tools), rules.find_clusters(frame, tools)
    assert json.dumps(chunked_rules, default=str) == json.dumps(one_rules, default=str)
    assert json.dumps(chunked_clusters, default=str) == json.dumps(one_clusters, default=str)
    assert one_clusters and sum(c["accounts"] for c in one_clusters) == 3000
    # the one-hot rows of a slice are the rows of the whole matrix
    X, meta = rules._one_hot(frame, tools)
    assert X.shape == (3000, len(meta)) and len(meta) > len(tools)
    assert np.array_equal(rules._one_hot_rows(frame[100:200], meta, tools), X[100:200])
    cur.close()
