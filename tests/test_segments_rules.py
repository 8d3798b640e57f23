"""Rules and clusters on the sample company recover the planted ICP (sample_data/README.md):
Maschinenbau x 51-200 employees x SAP Business One; and Agentur / Beratung x 1-10 as a cluster."""

from __future__ import annotations

import pytest

from icp_core.rules import cluster_name, cluster_rows, describe_best, rule_rows, rule_text
from icp_core.store import Store


@pytest.fixture(scope="module")
def found():
    from icp_core.sample import load_sample

    store = Store(":memory:")
    load_sample(store)
    return describe_best(store.cursor())


def test_top_rule_is_the_planted_icp(found):
    top = found["rules"][0]
    assert rule_text(top, "en") == "industry = Maschinenbau AND employees = 51-200 AND uses SAP Business One"
    assert rule_text(top, "de") == "Branche = Maschinenbau UND Mitarbeiter = 51-200 UND nutzt SAP Business One"
    assert top["n"] == 211  # the planted ICP's 211 accounts (README truth table)
    assert top["rate"] > 2 * found["overall_rate"] and top["lift"] == pytest.approx(top["rate"] / found["overall_rate"])
    lo, hi = top["ci"]
    assert lo < top["rate"] < hi
    assert all(r["n"] >= 30 for r in found["rules"])
    assert rule_rows(found, "de")[0]["Kunden (n)"] == "211"


def test_clusters_are_named_and_include_the_dont_want_group(found):
    clusters = found["clusters"]
    assert 4 <= len(clusters) <= 6
    assert sum(c["accounts"] for c in clusters) == 2500
    names = [cluster_name(c, "en") for c in clusters]
    assert any(n.startswith("Agentur / Beratung · 1-10") for n in names)
    worst = min(clusters, key=lambda c: c["best_rate"])
    assert worst["top_industry"] == "Agentur / Beratung"
    rows = cluster_rows(found, "en")
    assert len({r["Cluster"] for r in rows}) == len(rows)  # unique names


def test_rules_without_mrr_say_why():
    import polars as pl

    store = Store(":memory:")
    store.load_frame("accounts", pl.DataFrame({"account_id": [f"a{i}" for i in range(100)], "industry": ["X", "Y"] * 50}))
    res = describe_best(store.cursor())
    assert res["rules"] == [] and res["reason"] == "no_mrr"
