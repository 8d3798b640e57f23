"""The PMF aggregates kept per data version (icp_core.facts.aggregates): a rerun or another threshold /
min_n reuses the counts instead of counting the accounts again, with the same (hand-computed) figures as
without any cache; the frames handed out are copies; a new import counts again."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from icp_core import facts, pmf
from icp_core.pmf import PmfSettings
from tests.test_facts_pmf import assert_same, bundle, fixture_store
from tests.test_pmf import AS_OF

pytestmark = pytest.mark.usefixtures("fresh_facts_cache")  # tests/conftest.py

DIMS = dict(nps_dims=("industry",), referral_dims=("industry",), retention_dims=("industry",), ellis_dims=("industry",))


def test_other_thresholds_and_min_n_reuse_the_counts_and_match_the_uncached_bundle():
    store = fixture_store()
    bundle(store, PmfSettings(as_of=AS_OF, min_n=2), cached=True, **DIMS)
    projections, aggregates = facts.projections.builds, facts.aggregates.builds
    assert aggregates > 0
    other = PmfSettings(as_of=AS_OF, min_n=1, referral_score_min=9.6, referral_share_min=0.6, retention_min=0.5,
                        ellis_min=0.2)
    warm = bundle(store, other, cached=True, **DIMS)
    # nothing counted again: the counts do not depend on thresholds or min_n
    assert (facts.projections.builds, facts.aggregates.builds) == (projections, aggregates)
    assert_same(warm, bundle(store, other, cached=False, **DIMS))
    # tests/test_pmf.py fixture: referral answers A1 9, A3 10 -> mean 9.5 < 9.6
    assert (warm["summary"]["referral_score"]["mean"], warm["summary"]["referral_score"]["pass"]) == (9.5, False)
    # new: 200 MRR, 100 of it referral (A5 40, A8 60) -> 0.5 < 0.6
    assert warm["summary"]["referral_share"]["revenue_share"] == 0.5
    assert warm["summary"]["referral_share"]["pass"] is False


def test_retention_by_segment_from_the_cache_follows_min_n():
    store = fixture_store()
    cur = store.cursor()
    # base at 2023-06-30 (A7 churned that day): M = A1, A2 ; S = A3. Retained at as_of: A1, A3 (A2 churned
    # 2024-01-15) -> M 1 / 2 = 0.5, S 1 / 1 = 1.0
    two = pmf.retention_by_segment(cur, PmfSettings(as_of=AS_OF, min_n=2), ("industry",))
    builds = facts.aggregates.builds
    one = pmf.retention_by_segment(cur, PmfSettings(as_of=AS_OF, min_n=1), ("industry",))
    assert facts.aggregates.builds == builds
    # min_n 2: S is small and goes last; min_n 1: S (1.0) is best
    assert two.select("industry", "n", "retained", "retention", "small").rows() == [
        ("M", 2, 1, 0.5, False), ("S", 1, 1, 1.0, True)]
    assert one.select("industry", "n", "retained", "retention", "small").rows() == [
        ("S", 1, 1, 1.0, False), ("M", 2, 1, 0.5, False)]
    assert pmf.retention(cur, PmfSettings(as_of=AS_OF, min_n=2, dimensions=("industry",)))["best_segment"]["key"] == {
        "industry": "M"}


def test_frames_handed_out_are_copies_of_the_cached_ones():
    store = fixture_store()
    cur = store.cursor()
    settings = PmfSettings(as_of=AS_OF, min_n=2)
    for figure in (pmf.cohort_matrix, pmf.nps_histogram, pmf.referral_share_by_quarter, pmf.ellis_benefits):
        first = figure(cur, settings)
        names = list(first.columns)
        first.columns = [f"x{i}" for i in range(len(names))]  # renamed in place by a careless caller
        again = figure(cur, settings)
        assert again.columns == names, figure.__name__


def test_an_import_counts_again():
    store = fixture_store()
    settings = PmfSettings(as_of=AS_OF, min_n=2)
    before = pmf.nps_histogram(store.cursor(), settings)
    # tests/test_pmf.py: answers in the window 9, 2, 8, 10
    assert before["count"].to_list() == [0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1]
    more = pl.DataFrame({"account_id": ["A9"], "date": [date(2024, 2, 1)], "score": [0]})
    result = store.load_frame("nps_responses", more, mode="append")
    assert pmf.nps_histogram(store.cursor(), settings)["count"].to_list() == [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1]
    cohorts = pmf.cohort_matrix(store.cursor(), settings)
    store.undo(result.import_id)
    assert pmf.nps_histogram(store.cursor(), settings)["count"].to_list() == before["count"].to_list()
    assert_same({"c": pmf.cohort_matrix(store.cursor(), settings)}, {"c": cohorts})


def test_the_aggregates_of_a_bundle_are_small():
    store = fixture_store()
    bundle(store, PmfSettings(as_of=AS_OF, min_n=2), cached=True, **DIMS)
    assert 0 < facts.aggregates.nbytes < 1_000_000
