"""Without any churn_date, METRICS.md shows the lifetime churn share instead of 12-month
retention: the CLI texts of `icp pmf` and `icp segments` say so with the figure and its n."""

from datetime import date

import polars as pl

from icp_core import pmf, segments
from icp_core.store import Store


def _store() -> Store:
    store = Store(":memory:")
    # 5 accounts, 2 flagged churned, none with a churn_date -> lifetime churn = 2 / 5 = 40 %
    store.load_frame("accounts", pl.DataFrame({
        "account_id": ["a", "b", "c", "d", "e"],
        "industry": ["X", "X", "X", "Y", "Y"],
        "start_date": [date(2024, 1, 1)] * 5,
        "churned": [True, False, False, True, False],
    }))
    return store


def test_pmf_text_shows_lifetime_churn():
    cur = _store().cursor()
    text = pmf.render_text(pmf.pmf_summary(cur, pmf.PmfSettings()), "en")
    assert "Lifetime churn share" in text and "40.0%" in text and "2 of 5" in text
    assert "40,0 %" in pmf.render_text(pmf.pmf_summary(cur, pmf.PmfSettings()), "de")


def test_segments_text_shows_lifetime_churn_per_segment():
    cur = _store().cursor()
    text = segments.render_text(segments.segment_stats(cur, ["industry"]), "en")
    # X: 1 of 3 churned = 33.3 %; Y: 1 of 2 = 50.0 %
    assert "Churn (lifetime)" in text
    assert "33.3% (n=3)" in text and "50.0% (n=2)" in text
