"""The PMF figures from the per-data-version projections (icp_core.facts): every frame and figure of
the page bundle is the same with and without the cache (the hand-computed fixture of
tests/test_pmf.py and the sample company), and a new import or other settings give new figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from icp_core import facts, pmf
from icp_core.pmf import PmfSettings
from icp_core.store import Store
from tests.test_pmf import AS_OF, accounts_a, contacts_a, make_store, responses_a, survey_a
from tests.threads import run_in_threads

D = date
S = PmfSettings(as_of=AS_OF, min_n=2)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


pytestmark = pytest.mark.usefixtures("fresh_facts_cache")  # tests/conftest.py


def bundle(store: Store, settings: PmfSettings, cached: bool, **dims) -> dict:
    facts.ENABLED = cached
    try:
        return pmf.page_bundle(store.cursor(), settings, **dims)
    finally:
        facts.ENABLED = True


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], pl.DataFrame):
            assert_frame_equal(a[k], b[k], check_exact=False, rel_tol=1e-12), k
        else:
            assert a[k] == b[k], k


def fixture_store() -> Store:
    return make_store(accounts=accounts_a(), nps_responses=responses_a(), pmf_survey=survey_a(), contacts=contacts_a())


@pytest.mark.parametrize("settings", [S, PmfSettings(as_of=D(2024, 1, 31), min_n=1, channels=("web", "ads")),
                                      PmfSettings(as_of=AS_OF, dimensions=("size_band",), min_n=1)])
def test_bundle_is_the_same_with_and_without_the_cache(settings):
    store = fixture_store()
    dims = dict(nps_dims=("industry", "size_band"), referral_dims=("industry",), retention_dims=("size_band",),
                ellis_dims=("industry",))
    direct = bundle(store, settings, cached=False, **dims)
    cold = bundle(store, settings, cached=True, **dims)
    warm = bundle(store, settings, cached=True, **dims)
    assert facts.projections.builds == 3  # accounts, answers in the window, answers by quarter: once each
    assert_same(cold, direct)
    assert_same(warm, direct)


def test_accounts_field_as_nps_source_is_the_same_with_and_without_the_cache():
    store = make_store(accounts=accounts_a())
    assert_same(bundle(store, S, cached=True), bundle(store, S, cached=False))


def test_cached_figures_are_the_hand_computed_ones():
    store = fixture_store()
    pmf.pmf_summary(store.cursor(), S)  # builds
    out = pmf.pmf_summary(store.cursor(), S)  # cached
    # tests/test_pmf.py: answers in (2023-06-30, 2024-06-30]: A1 9, A2 2, A4 8, A3 10 -> 2 promoters, 1 detractor
    assert (out["nps"]["n"], out["nps"]["promoters"], out["nps"]["detractors"], out["nps"]["undated"]) == (4, 2, 1, 1)
    # referral customers' answers: A1 9, A3 10 -> mean 9.5
    assert (out["referral_score"]["n"], out["referral_score"]["mean"]) == (2, 9.5)
    # new: A4 (web, 100), A5 (Word of Mouth, 40), A8 (Kundenempfehlung, 60) -> 100 / 200
    sh = out["referral_share"]
    assert (sh["n_new"], sh["n_new_referral"], sh["revenue_share"]) == (3, 2, 0.5)
    # base at 2023-06-30: A1 A2 A3 (A7 churned on that day) ; retained at as_of: A1 A3
    ret = out["retention"]
    assert (ret["n"], ret["retained"]) == (3, 2)
    hist = pmf.nps_histogram(store.cursor(), S)
    assert dict(zip(hist["score"].to_list(), hist["count"].to_list())) == {
        0: 0, 1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 1, 9: 1, 10: 1}


def test_an_import_gives_new_figures_and_undo_the_old_ones():
    store = fixture_store()
    before = pmf.pmf_summary(store.cursor(), S)
    more = pl.DataFrame({"account_id": ["A9"], "date": [D(2024, 2, 1)], "score": [0]})
    result = store.load_frame("nps_responses", more, mode="append")
    after = pmf.pmf_summary(store.cursor(), S)
    assert (after["nps"]["n"], after["nps"]["detractors"]) == (5, 2)  # A9 is no account: counted, not referral
    assert after["referral_score"]["n"] == 2
    seg = pmf.nps_by_segment(store.cursor(), S, ("industry",))
    assert dict(zip(seg["industry"].to_list(), seg["n"].to_list())) == {"M": 2, "S": 2, "(unknown)": 1}
    store.undo(result.import_id)
    assert pmf.pmf_summary(store.cursor(), S) == before


def test_other_channels_and_as_of_give_new_figures():
    store = fixture_store()
    pmf.pmf_summary(store.cursor(), S)
    web = pmf.pmf_summary(store.cursor(), PmfSettings(as_of=AS_OF, min_n=2, channels=("web",)))
    # only A4 (web) is a referral customer: its answer 8 ; of the new, A4 100 of 200
    assert (web["referral_score"]["n"], web["referral_score"]["mean"]) == (1, 8.0)
    assert web["referral_share"]["revenue_share"] == 0.5
    earlier = pmf.pmf_summary(store.cursor(), PmfSettings(as_of=D(2023, 12, 31), min_n=2))
    # window (2022-12-31, 2023-12-31]: A1 10 (2023-06-30), A1 9 (2023-07-01) -> n 2
    assert earlier["nps"]["n"] == 2


@pytest.mark.skipif(not (SAMPLE / "accounts.parquet").exists(), reason="sample data not generated")
def test_sample_company_bundle_is_the_same_with_and_without_the_cache():
    store = Store(":memory:")
    for t in ("accounts", "contacts", "nps_responses", "pmf_survey", "mrr_history"):
        store.load_frame(t, pl.read_parquet(SAMPLE / f"{t}.parquet"), f"sample:{t}")
    settings = PmfSettings()
    assert_same(bundle(store, settings, cached=True), bundle(store, settings, cached=False))


def test_random_accounts_the_same_with_and_without_the_cache():
    # churn before the start, on the 1st, in the start month, undated churned flags, empty fields:
    # the cohort matrix (start / end counts) and every other frame equal the SQL over the tables
    import random
    from datetime import timedelta

    rnd = random.Random(11)
    rows = []
    for i in range(400):
        start = D(2021, 1, 1) + timedelta(days=rnd.randrange(0, 1300)) if rnd.random() < 0.97 else None
        churn = None
        if start and rnd.random() < 0.5:
            churn = start + timedelta(days=rnd.randrange(-200, 700))
            if rnd.random() < 0.2:
                churn = churn.replace(day=1)
        rows.append({"account_id": f"R{i}", "start_date": start, "churn_date": churn,
                     "churned": True if (churn is None and rnd.random() < 0.1) else None,
                     "industry": rnd.choice(["A", "B", " b ", "", None]), "employees": rnd.choice([3, 40, 700, None]),
                     "acquisition_channel": rnd.choice(["Referral", "web", None, " empfehlung"]),
                     "mrr": rnd.choice([10.0, 99.5, None])})
    answers = pl.DataFrame({"account_id": [f"R{rnd.randrange(0, 450)}" for _ in range(300)],
                            "date": [D(2023, 1, 1) + timedelta(days=rnd.randrange(0, 700)) for _ in range(300)],
                            "score": [rnd.randrange(0, 11) for _ in range(300)]})
    store = make_store(accounts=pl.DataFrame(rows), nps_responses=answers)
    for as_of in (D(2024, 5, 17), D(2023, 3, 1)):
        settings = PmfSettings(as_of=as_of, min_n=3)
        dims = dict(nps_dims=("industry", "size_band"), referral_dims=("size_band",),
                    retention_dims=("industry",), ellis_dims=())
        direct = bundle(store, settings, cached=False, **dims)
        cached = bundle(store, settings, cached=True, **dims)
        assert not direct["cohorts"].is_empty()
        assert_same(cached, direct)


def test_sessions_in_threads_get_the_same_bundle():
    store = fixture_store()
    results = run_in_threads(lambda: pmf.page_bundle(store.cursor(), S), 5)
    assert len(results) == 5
    for r in results[1:]:
        assert_same(r, results[0])
    assert results[0]["summary"]["nps"]["n"] == 4
    assert facts.projections.builds == 3
