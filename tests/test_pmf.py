"""PMF figures (icp_core.pmf) against hand-computed fixtures; the arithmetic is in the comments.

Fixtures are small polars frames loaded into an in-memory Store, as the app would store them."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from icp_core import pmf
from icp_core.metrics_common import MIN_N
from icp_core.pmf import PmfSettings
from icp_core.store import Store

D = date
AS_OF = D(2024, 6, 30)  # 12 months before: 2023-06-30; new = start in (2023-06-30, 2024-06-30]


def make_store(**tables: pl.DataFrame) -> Store:
    store = Store(":memory:")
    for name, frame in tables.items():
        store.load_frame(name, frame, f"fixture:{name}")
    return store


def accounts_a() -> pl.DataFrame:
    # id   start       churn       channel            mrr   nps  industry employees
    rows = [
        ("A1", D(2022, 1, 10), None, "Referral", 100.0, 10, "M", 60),
        ("A2", D(2022, 5, 1), D(2024, 1, 15), "Ads", 50.0, 3, "M", 60),
        ("A3", D(2023, 6, 30), None, " empfehlung ", 80.0, 9, "S", 5),  # starts exactly 12 months before
        ("A4", D(2023, 7, 1), None, "web", 100.0, 7, "S", 5),  # new
        ("A5", D(2024, 6, 30), None, "Word of Mouth", 40.0, None, "S", 5),  # new, starts on as_of
        ("A6", D(2024, 7, 1), None, "referral", 1000.0, 0, "S", 5),  # starts after as_of
        ("A7", D(2023, 1, 1), D(2023, 6, 30), None, 10.0, None, "M", 60),  # churned on the base date
        ("A8", D(2024, 1, 1), D(2024, 3, 1), "Kundenempfehlung", None, None, "M", 60),  # new, churned since
    ]
    cols = ["account_id", "start_date", "churn_date", "acquisition_channel", "mrr", "nps", "industry", "employees"]
    frame = pl.DataFrame(rows, schema=cols, orient="row")
    # A8's mrr is set below so revenue share has a non-trivial value
    return frame.with_columns(pl.when(pl.col("account_id") == "A8").then(60.0).otherwise(pl.col("mrr")).alias("mrr"))


def responses_a() -> pl.DataFrame:
    rows = [
        ("A1", D(2023, 6, 30), 10),  # on the day 12 months before: outside (window is after it)
        ("A1", D(2023, 7, 1), 9),  # in
        ("A2", D(2024, 6, 30), 2),  # in (on as_of)
        ("A3", D(2024, 7, 1), 10),  # after as_of: outside
        ("A4", D(2024, 1, 1), 8),  # in
        ("A5", None, 10),  # undated: left out
        ("A3", D(2024, 3, 3), 10),  # in
    ]
    return pl.DataFrame(rows, schema=["account_id", "date", "score"], orient="row")


S = PmfSettings(as_of=AS_OF)


# ---------------------------------------------------------------------------------------------
# NPS

def test_nps_from_account_field_has_no_window_and_includes_every_account():
    cur = make_store(accounts=accounts_a()).cursor()
    out = pmf.nps_summary(cur, S)
    # nps values: A1 10, A2 3, A3 9, A4 7, A6 0 (starts after as_of: no time window for this
    # source) -> n = 5, promoters 2 (10, 9), passives 1 (7), detractors 2 (3, 0)
    # NPS = 100 * (2 - 2) / 5 = 0
    assert (out["n"], out["promoters"], out["passives"], out["detractors"]) == (5, 2, 1, 2)
    assert out["value"] == 0.0
    assert out["source"] == "accounts"
    # adjusted Wald: n' = 8, p = d = 2.75 / 8 = 0.34375, var = (0.6875 - 0) / 8 = 0.0859375,
    # half = 1.959964 * sqrt(0.0859375) = 1.959964 * 0.2931510 = 0.5745653 -> +-57.45653
    assert out["low"] == pytest.approx(-57.45653, abs=1e-4)
    assert out["high"] == pytest.approx(57.45653, abs=1e-4)


def test_nps_from_responses_uses_the_12_month_window():
    cur = make_store(accounts=accounts_a(), nps_responses=responses_a()).cursor()
    out = pmf.nps_summary(cur, S)
    # in (2023-06-30, 2024-06-30]: 9, 2, 8, 10 -> n 4, P 2, Pa 1, D 1 -> NPS = 100 * 1 / 4 = 25
    assert (out["n"], out["promoters"], out["passives"], out["detractors"]) == (4, 2, 1, 1)
    assert out["value"] == 25.0
    assert out["undated"] == 1
    hist = pmf.nps_histogram(cur, S)
    assert hist["score"].to_list() == list(range(11))
    assert hist["count"].to_list() == [0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1]


def test_no_nps_at_all():
    frame = accounts_a().drop("nps")
    cur = make_store(accounts=frame).cursor()
    out = pmf.nps_summary(cur, S)
    assert out["value"] is None and out["n"] == 0 and out["reason"] == "no_nps"
    rs = pmf.referral_score(cur, S)
    assert rs["mean"] is None and rs["pass"] is None and rs["reason"] == "no_nps"
    assert pmf.nps_trend(cur, S) is None
    assert pmf.nps_by_segment(cur, S, ("industry",)).is_empty()


def test_nps_responses_all_outside_window_give_null_not_zero():
    resp = pl.DataFrame({"account_id": ["A1", "A2"], "date": [D(2020, 1, 1), D(2025, 1, 1)], "score": [10, 0]})
    cur = make_store(accounts=accounts_a(), nps_responses=resp).cursor()
    out = pmf.nps_summary(cur, S)
    assert out["value"] is None and out["n"] == 0 and out["reason"] == "no_nps_in_window"


def test_nps_by_segment_and_trend():
    cur = make_store(accounts=accounts_a(), nps_responses=responses_a()).cursor()
    seg = pmf.nps_by_segment(cur, PmfSettings(as_of=AS_OF, min_n=2), ("industry",))
    rows = {r["industry"]: r for r in seg.iter_rows(named=True)}
    # M: A1 9, A2 2 -> n 2, P 1, D 1 -> 0 ; S: A4 8, A3 10 -> n 2, P 1, D 0 -> 50
    assert (rows["M"]["n"], rows["M"]["nps"]) == (2, 0.0)
    assert (rows["S"]["n"], rows["S"]["nps"]) == (2, 50.0)
    assert seg["industry"].to_list() == ["S", "M"]  # best first
    assert not any(seg["small"].to_list())
    trend = pmf.nps_trend(cur, S)
    # quarters of dated answers <= as_of: 2023-04 (10 on 06-30), 2023-07 (9), 2024-01 (8, 10 on 03-03),
    # 2024-04 (2) ; the 2024-07-01 answer is after as_of
    assert trend["quarter"].to_list() == [D(2023, 4, 1), D(2023, 7, 1), D(2024, 1, 1), D(2024, 4, 1)]
    assert trend["n"].to_list() == [1, 1, 2, 1]
    assert trend["nps"].to_list() == [100.0, 100.0, 50.0, -100.0]
    assert all(trend["small"].to_list())  # every quarter has n < 30


# ---------------------------------------------------------------------------------------------
# Referral

def test_referral_score_account_source():
    cur = make_store(accounts=accounts_a()).cursor()
    out = pmf.referral_score(cur, S)
    # referral customers with an nps: A1 10, A3 9 (" empfehlung " trimmed), A6 0 (no window)
    # mean = 19 / 3 = 6.3333 < 9 -> fail
    assert out["n"] == 3
    assert out["mean"] == pytest.approx(19 / 3)
    assert out["pass"] is False


def test_referral_score_response_source():
    cur = make_store(accounts=accounts_a(), nps_responses=responses_a()).cursor()
    out = pmf.referral_score(cur, S)
    # referral answers in the window: A1 9, A3 10 -> mean 9.5, n 2 -> pass (>= 9)
    assert (out["mean"], out["n"], out["pass"]) == (9.5, 2, True)
    out = pmf.referral_score(cur, PmfSettings(as_of=AS_OF, referral_score_min=9.6))
    assert out["pass"] is False


def test_referral_share_of_new_business():
    cur = make_store(accounts=accounts_a()).cursor()
    out = pmf.referral_share(cur, S)
    # new (start in (2023-06-30, 2024-06-30]): A4 (web, 100), A5 (WoM, 40), A8 (Kundenempfehlung,
    # 60, churned since: still new). A3 starts on 2023-06-30 (not after it), A6 after as_of.
    # revenue share = (40 + 60) / (100 + 40 + 60) = 0.5 ; count share = 2 / 3
    assert out["n_new"] == 3 and out["n_new_referral"] == 2
    assert out["revenue_share"] == pytest.approx(0.5)
    assert out["count_share"] == pytest.approx(2 / 3)
    assert out["basis"] == "revenue" and out["pass"] is True
    # a stricter threshold: 0.5 < 0.51 -> fail
    assert pmf.referral_share(cur, PmfSettings(as_of=AS_OF, referral_share_min=0.51))["pass"] is False
    # the user's own channel list: only "web" counts -> revenue 100 / 200 = 0.5, count 1 / 3
    own = pmf.referral_share(cur, PmfSettings(as_of=AS_OF, channels=pmf.parse_channels(" Web ,")))
    assert own["revenue_share"] == pytest.approx(0.5) and own["count_share"] == pytest.approx(1 / 3)


def test_referral_share_count_basis_without_mrr():
    cur = make_store(accounts=accounts_a().drop("mrr")).cursor()
    out = pmf.referral_share(cur, S)
    # no mrr: revenue share null, count share 2 / 3 = 0.667 >= 0.30 decides
    assert out["revenue_share"] is None and out["basis"] == "count" and out["pass"] is True
    assert out["count_share"] == pytest.approx(2 / 3)


def test_no_new_accounts_in_window():
    cur = make_store(accounts=accounts_a()).cursor()
    # as_of 2021-12-31 -> window (2020-12-31, 2021-12-31]: the first start is 2022-01-10
    out = pmf.referral_share(cur, PmfSettings(as_of=D(2021, 12, 31)))
    assert out["n_new"] == 0 and out["revenue_share"] is None and out["count_share"] is None
    assert out["pass"] is None and out["reason"] == "no_new_accounts"


def test_missing_acquisition_channel_says_so():
    cur = make_store(accounts=accounts_a().drop("acquisition_channel")).cursor()
    assert pmf.referral_share(cur, S)["reason"] == "no_channel"
    assert pmf.referral_score(cur, S)["reason"] == "no_channel"
    assert pmf.referral_rate_by_segment(cur, S, ("industry",)).is_empty()


def test_referral_rate_by_segment_and_quarter():
    cur = make_store(accounts=accounts_a()).cursor()
    seg = pmf.referral_rate_by_segment(cur, PmfSettings(as_of=AS_OF, min_n=4), ("industry",))
    rows = {r["industry"]: r for r in seg.iter_rows(named=True)}
    # M: A1 ref, A2, A7 (empty channel), A8 ref -> 2 / 4 = 0.5 ; S: A3, A5, A6 ref, A4 -> 3 / 4
    assert (rows["M"]["referrals"], rows["M"]["n"], rows["M"]["rate"]) == (2, 4, 0.5)
    assert (rows["S"]["referrals"], rows["S"]["n"], rows["S"]["rate"]) == (3, 4, 0.75)
    # Wilson 95% for 2/4: centre (0.5 + 3.8415/8) / (1 + 3.8415/4) = 0.5, half = 1.96 *
    # sqrt(0.0625 + 0.0600) / 1.96037 = 0.34903 ... -> (0.15004, 0.84996)
    assert rows["M"]["low"] == pytest.approx(0.15004, abs=1e-4)
    assert rows["M"]["high"] == pytest.approx(0.84996, abs=1e-4)
    q = pmf.referral_share_by_quarter(cur, S)
    by = {r["quarter"]: r for r in q.iter_rows(named=True)}
    # 2023-Q3: A4 (100, not ref) -> count 0/1 ; 2024-Q1: A8 (60, ref) -> 1/1 ; 2024-Q2: A5 (40, ref)
    assert by[D(2023, 7, 1)]["count_share"] == 0.0 and by[D(2023, 7, 1)]["revenue_share"] == 0.0
    assert by[D(2024, 1, 1)]["revenue_share"] == 1.0
    assert D(2024, 7, 1) not in by  # A6 starts after as_of


# ---------------------------------------------------------------------------------------------
# Retention

def test_12_month_logo_retention_and_best_segment():
    cur = make_store(accounts=accounts_a()).cursor()
    out = pmf.retention(cur, PmfSettings(as_of=AS_OF, min_n=2))
    # base = active on 2023-06-30: A1, A2 (churns 2024-01-15), A3 (starts that day); A7 churned
    # that day (not > t) -> out. Retained on 2024-06-30: A1, A3 -> 2 / 3
    assert (out["n"], out["retained"]) == (3, 2)
    assert out["logo_12m"] == pytest.approx(2 / 3)
    assert out["churn_12m"] == pytest.approx(1 / 3)
    # segments: M x 51-200 = {A1, A2} -> 1/2 ; S x 1-10 = {A3} -> 1/1 (n 1 < min_n 2: small)
    # best with n >= 2: M x 51-200 at 0.5 < 0.9 -> fail
    assert out["best_segment"]["key"] == {"industry": "M", "size_band": "51-200"}
    assert out["best_segment"]["logo_12m"] == 0.5 and out["best_segment"]["n"] == 2
    assert out["pass"] is False
    # min_n 1: S x 1-10 (1.0) becomes best -> pass
    out1 = pmf.retention(cur, PmfSettings(as_of=AS_OF, min_n=1))
    assert out1["best_segment"]["key"] == {"industry": "S", "size_band": "1-10"} and out1["pass"] is True
    # default min_n 30: no segment qualifies -> indicator not computable, overall still shown
    out30 = pmf.retention(cur, S)
    assert out30["pass"] is None and out30["best_segment"] is None and out30["reason"] == "no_segment_min_n"
    assert out30["logo_12m"] == pytest.approx(2 / 3)


def _segment_accounts(name: str, n: int, churned: int) -> list[dict]:
    rows = []
    for i in range(n):
        rows.append({"account_id": f"{name}{i}", "industry": name, "start_date": D(2022, 1, 1),
                     "churn_date": D(2024, 1, 1) if i < churned else None})
    return rows


def test_segment_just_under_min_n_is_never_best():
    # Big: 30 in base, 3 churned in the year -> 27 / 30 = 0.90 (exactly the threshold: passes)
    # Small: 29 in base, none churned -> 29 / 29 = 1.0 but n 29 < 30: marked small, not ranked
    frame = pl.DataFrame(_segment_accounts("Big", 30, 3) + _segment_accounts("Small", 29, 0))
    cur = make_store(accounts=frame).cursor()
    settings = PmfSettings(as_of=AS_OF, dimensions=("industry",))
    out = pmf.retention(cur, settings)
    assert out["best_segment"]["key"] == {"industry": "Big"}
    assert out["best_segment"]["n"] == 30 and out["best_segment"]["logo_12m"] == pytest.approx(0.9)
    assert out["pass"] is True
    seg = pmf.retention_by_segment(cur, settings, ("industry",))
    assert seg["industry"].to_list() == ["Big", "Small"]  # the small one ranks after, despite 1.0
    assert seg["small"].to_list() == [False, True]
    # with min_n 29 the 29-account segment counts and wins
    out29 = pmf.retention(cur, PmfSettings(as_of=AS_OF, dimensions=("industry",), min_n=29))
    assert out29["best_segment"]["key"] == {"industry": "Small"} and out29["best_segment"]["logo_12m"] == 1.0


def test_all_churned():
    frame = pl.DataFrame({"account_id": ["X1", "X2", "X3"], "start_date": [D(2022, 1, 1)] * 3,
                          "churn_date": [D(2023, 8, 1), D(2024, 2, 1), D(2024, 6, 30)], "industry": ["M"] * 3})
    cur = make_store(accounts=frame).cursor()
    out = pmf.retention(cur, PmfSettings(as_of=AS_OF, min_n=1, dimensions=("industry",)))
    # base 3 (all active on 2023-06-30), retained 0 (the last churns on as_of itself) -> 0.0, not None
    assert (out["n"], out["retained"], out["logo_12m"]) == (3, 0, 0.0)
    assert out["pass"] is False


def test_29_february_as_of():
    # 12 months before 2024-02-29 = 2023-02-28
    frame = pl.DataFrame({
        "account_id": ["F1", "F2", "F3", "F4"],
        "start_date": [D(2023, 2, 28), D(2023, 3, 1), D(2022, 1, 1), D(2022, 1, 1)],
        "churn_date": [None, None, D(2023, 2, 28), D(2024, 2, 29)],
        "acquisition_channel": ["referral", "ads", "ads", "ads"],
        "mrr": [10.0, 30.0, 5.0, 5.0],
    })
    cur = make_store(accounts=frame).cursor()
    s = PmfSettings(as_of=D(2024, 2, 29), min_n=1, dimensions=("acquisition_channel",))
    ret = pmf.retention(cur, s)
    # base on 2023-02-28: F1 (starts that day), F4; F3 churned that day -> out. On 2024-02-29: F1
    # yes, F4 churns that day -> no. -> 1 / 2
    assert (ret["n"], ret["retained"]) == (2, 1)
    share = pmf.referral_share(cur, s)
    # new: start in (2023-02-28, 2024-02-29] = F2 only -> referral 0 / 30
    assert share["n_new"] == 1 and share["revenue_share"] == 0.0


def test_lifetime_churn_when_no_churn_date():
    frame = pl.DataFrame({"account_id": ["L1", "L2", "L3", "L4"], "start_date": [D(2022, 1, 1)] * 4,
                          "churned": [True, False, None, False]})
    cur = make_store(accounts=frame).cursor()
    out = pmf.retention(cur, S)
    # no churn_date anywhere: 12-month retention not computable; lifetime churn = 1 / 4
    assert out["logo_12m"] is None and out["pass"] is None and out["reason"] == "no_churn_date"
    assert out["lifetime_churn"]["share"] == 0.25 and out["lifetime_churn"]["n"] == 4
    assert out["excluded_churned_without_date"] == 1


def test_churned_without_date_left_out_of_base():
    frame = pl.DataFrame({"account_id": ["E1", "E2", "E3"], "start_date": [D(2022, 1, 1)] * 3,
                          "churn_date": [None, D(2024, 1, 1), None], "churned": [False, True, True]})
    cur = make_store(accounts=frame).cursor()
    out = pmf.retention(cur, PmfSettings(as_of=AS_OF, min_n=1, dimensions=()))
    # E3 is flagged churned without a date -> left out; base E1, E2 -> retained E1 -> 1 / 2
    assert (out["n"], out["retained"], out["excluded_churned_without_date"]) == (2, 1, 1)
    assert out["logo_12m"] == 0.5


def test_revenue_retention_nrr_grr():
    hist = pl.DataFrame(
        [("A1", D(2023, 6, 1), 100.0), ("A1", D(2024, 6, 1), 150.0),
         ("A2", D(2023, 6, 1), 50.0), ("A2", D(2024, 6, 1), 0.0),
         ("A3", D(2023, 6, 1), 80.0), ("A3", D(2024, 6, 1), 60.0),
         ("A4", D(2023, 6, 1), 0.0), ("A4", D(2024, 6, 1), 100.0),
         ("A5", D(2023, 6, 1), 10.0), ("A5", D(2023, 6, 15), 20.0),
         ("A9", D(2023, 5, 1), 999.0)],
        schema=["account_id", "month", "mrr"], orient="row",
    )
    cur = make_store(accounts=accounts_a(), mrr_history=hist).cursor()
    out = pmf.revenue_retention(cur, S)
    # month of 2023-06-30 = 2023-06; base (MRR > 0 then): A1 100, A2 50, A3 80, A5 10 + 20 = 30 ->
    # 260, n 4 (A4 has 0, A9 is another month). Now (2024-06): 150 + 0 + 60 + 0 = 210
    # NRR = 210 / 260 = 0.807692 ; GRR = (min(150,100) + 0 + 60 + 0) / 260 = 160 / 260 = 0.615385
    assert out["n"] == 4
    assert out["nrr"] == pytest.approx(210 / 260)
    assert out["grr"] == pytest.approx(160 / 260)
    none = pmf.revenue_retention(make_store(accounts=accounts_a()).cursor(), S)
    assert none["nrr"] is None and none["grr"] is None and none["reason"] == "no_mrr_history"


def test_cohort_matrix_cells_only_up_to_as_of():
    frame = pl.DataFrame({
        "account_id": ["C1", "C2", "C3", "C4"],
        "start_date": [D(2024, 1, 1), D(2024, 1, 15), D(2024, 2, 10), D(2024, 3, 20)],
        "churn_date": [None, D(2024, 3, 1), D(2024, 2, 20), None],
    })
    cur = make_store(accounts=frame).cursor()
    m = pmf.cohort_matrix(cur, PmfSettings(as_of=D(2024, 3, 15)))
    cells = {(r["cohort"], r["k"]): (r["active"], r["size"]) for r in m.iter_rows(named=True)}
    # cohort 2024-01 (C1, C2): k0 = 2024-01-01: C1 only (C2 starts the 15th) -> 1/2
    # k1 = 2024-02-01: both -> 2/2 ; k2 = 2024-03-01: C2 churns that day -> 1/2 ; k3 = 04-01 > as_of
    # cohort 2024-02 (C3): k0 = 02-01 not yet started -> 0/1 ; k1 = 03-01 churned 02-20 -> 0/1
    # C4 starts after as_of: no cohort 2024-03
    assert cells == {
        (D(2024, 1, 1), 0): (1, 2), (D(2024, 1, 1), 1): (2, 2), (D(2024, 1, 1), 2): (1, 2),
        (D(2024, 2, 1), 0): (0, 1), (D(2024, 2, 1), 1): (0, 1),
    }


def _active(start, churn, t):
    return start <= t and (churn is None or churn > t)


def _add_months(d: date, k: int) -> date:
    m = d.month - 1 + k
    return date(d.year + m // 12, m % 12 + 1, 1)


def test_cohort_matrix_matches_the_definition_on_random_data():
    rnd = random.Random(7)
    rows = []
    for i in range(300):
        start = D(2022, 1, 1) + timedelta(days=rnd.randrange(0, 900))
        churn = start + timedelta(days=rnd.randrange(0, 600)) if rnd.random() < 0.5 else None
        rows.append({"account_id": f"R{i}", "start_date": start, "churn_date": churn})
    as_of = D(2024, 5, 17)
    cur = make_store(accounts=pl.DataFrame(rows)).cursor()
    got = {(r["cohort"], r["k"]): (r["active"], r["size"]) for r in pmf.cohort_matrix(cur, PmfSettings(as_of=as_of)).iter_rows(named=True)}
    want = {}
    cohorts = sorted({r["start_date"].replace(day=1) for r in rows if r["start_date"] <= as_of})
    for c in cohorts:
        members = [r for r in rows if r["start_date"].replace(day=1) == c and r["start_date"] <= as_of]
        k = 0
        while _add_months(c, k) <= as_of:
            t = _add_months(c, k)
            want[(c, k)] = (sum(_active(r["start_date"], r["churn_date"], t) for r in members), len(members))
            k += 1
    assert got == want


# ---------------------------------------------------------------------------------------------
# Sean Ellis

def survey_a() -> pl.DataFrame:
    rows = [
        ("r1", "C1", "A1", "very", "Speed"),
        ("r2", "c2", "A1", "very", "Speed "),
        ("r8", "x@y.de", "A1", "very", "SPEED"),
        ("r6", None, None, "very", "Reports"),
        ("r3", None, "A3", "somewhat", "speed"),
        ("r4", "c3", "A3", "somewhat", "Price"),
        ("r5", None, "A2", "not", "Speed"),
        ("r7", None, "A4", "somewhat", None),
    ]
    return pl.DataFrame(rows, schema=["comment", "respondent", "account_id", "answer", "main_benefit"], orient="row")


def contacts_a() -> pl.DataFrame:
    return pl.DataFrame({"account_id": ["A1", "A1", "A3"], "contact_id": ["c1", "c2", "c3"],
                         "buying_role": ["decision_maker", "user", "user"]})


def test_sean_ellis_score_segments_personas_benefits():
    cur = make_store(accounts=accounts_a(), pmf_survey=survey_a(), contacts=contacts_a()).cursor()
    out = pmf.sean_ellis(cur, S)
    # 8 answers: very 4 (r1, r2, r8, r6), somewhat 3, not 1 -> 4 / 8 = 0.5 >= 0.4 -> pass
    assert (out["n"], out["very"], out["somewhat"], out["not"]) == (8, 4, 3, 1)
    assert out["score"] == 0.5 and out["pass"] is True
    assert pmf.sean_ellis(cur, PmfSettings(as_of=AS_OF, ellis_min=0.51))["pass"] is False
    seg = {r["industry"]: (r["very"], r["n"]) for r in pmf.ellis_by_segment(cur, S, ("industry",)).iter_rows(named=True)}
    # M (A1, A2): r1 r2 r8 very, r5 not -> 3/4 ; S (A3, A4): r3 r4 r7 -> 0/3 ; no account: r6 -> 1/1
    assert seg == {"M": (3, 4), "S": (0, 3), "(unknown)": (1, 1)}
    per = {r["persona"]: (r["very"], r["n"]) for r in pmf.ellis_by_persona(cur, S, "buying_role").iter_rows(named=True)}
    # r1 "C1" -> c1 decision_maker ; r2 "c2" -> user ; r4 "c3" -> user ; r3 (no respondent, A3 has
    # one contact c3) -> user ; r8 (no match, A1 has two contacts), r5, r6, r7 -> (unknown)
    assert per == {"decision_maker": (1, 1), "user": (1, 3), "(unknown)": (2, 4)}
    ben = pmf.ellis_benefits(cur, S)
    # very: Speed x3 (Speed, "Speed ", SPEED), Reports x1 ; somewhat naming the same: speed x1;
    # Price is named by a somewhat only -> not listed
    assert ben.to_dicts() == [{"benefit": "Speed", "very": 3, "somewhat": 1},
                              {"benefit": "Reports", "very": 1, "somewhat": 0}]


def test_no_survey_gives_none():
    cur = make_store(accounts=accounts_a()).cursor()
    assert pmf.sean_ellis(cur, S) is None
    assert pmf.pmf_summary(cur, S)["sean_ellis"] is None


# ---------------------------------------------------------------------------------------------
# Verdict

@pytest.mark.parametrize(
    "passes, expected",
    [
        ([True, True, True, None], "reached"),  # Sean Ellis not computable: left out
        ([True, False, None, True], "partial"),
        ([False, False, False, False], "not_yet"),
        ([None, None, None, None], "unknown"),
        ([None, True, None, None], "reached"),
        ([None, False, None, None], "not_yet"),
    ],
)
def test_verdict_logic(passes, expected):
    assert pmf.verdict(passes) == expected


def test_summary_unknown_when_nothing_computable():
    cur = make_store(accounts=pl.DataFrame({"account_id": ["U1", "U2"]})).cursor()
    out = pmf.pmf_summary(cur, PmfSettings())
    assert out["verdict"] == "unknown" and out["as_of"] is None
    assert out["referral_score"]["reason"] == "no_channel"
    assert out["retention"]["reason"] == "no_start_date"
    assert out["next_step"] == "demographics_jtbd"


def test_summary_fixture_partial_and_json_shape():
    cur = make_store(accounts=accounts_a(), nps_responses=responses_a(), pmf_survey=survey_a()).cursor()
    out = pmf.pmf_summary(cur, PmfSettings(as_of=AS_OF, min_n=2))
    # referral score 9.5 pass, referral share 0.5 pass, retention best 0.5 fail, Ellis 0.5 pass
    assert [out[k]["pass"] for k in ("referral_score", "referral_share", "retention", "sean_ellis")] == [True, True, False, True]
    assert out["verdict"] == "partial"
    assert out["as_of"] == "2024-06-30"
    assert set(out["nps"]) >= {"value", "n", "promoters", "passives", "detractors"}
    assert set(out["referral_score"]) >= {"mean", "n", "pass"}
    assert set(out["referral_share"]) >= {"revenue_share", "count_share", "n_new", "pass"}
    assert set(out["retention"]) >= {"logo_12m", "n", "best_segment", "pass"}
    json.dumps(out)  # plain JSON values only


def test_summary_not_yet():
    cur = make_store(accounts=accounts_a(), nps_responses=responses_a()).cursor()
    s = PmfSettings(as_of=AS_OF, min_n=2, referral_score_min=10, referral_share_min=0.9)
    out = pmf.pmf_summary(cur, s)
    # 9.5 < 10, 0.5 < 0.9, best retention 0.5 < 0.9, no survey -> not yet
    assert out["verdict"] == "not_yet"


def test_default_as_of_and_settings_hashable():
    cur = make_store(accounts=accounts_a()).cursor()
    # latest start/churn date not after today: A6 starts 2024-07-01
    assert pmf.resolve_as_of(cur, PmfSettings()) == D(2024, 7, 1)
    assert hash(PmfSettings()) == hash(PmfSettings())
    assert pmf.parse_channels("Referral; Empfehlung,\nreferral , ") == ("referral", "empfehlung")


def test_unknown_dimension_is_a_clear_error():
    from icp_core.errors import IcpError

    cur = make_store(accounts=accounts_a()).cursor()
    with pytest.raises(IcpError) as err:
        pmf.nps_by_segment(cur, S, ('no_such"col',))
    assert "no_such" in err.value.message("en")


def test_extra_column_and_band_dimensions():
    frame = accounts_a().with_columns(pl.Series("Region", ["N", "N", "S", "S", None, "S", "N", "N"]))
    cur = make_store(accounts=frame).cursor()
    seg = pmf.nps_by_segment(cur, PmfSettings(as_of=AS_OF, min_n=1), ("Region",))
    rows = {r["Region"]: (r["n"], r["nps"]) for r in seg.iter_rows(named=True)}
    # N: A1 10, A2 3 (A7, A8 no nps) -> 1 P, 1 D -> 0 ; S: A3 9, A4 7, A6 0 -> (1 - 1) / 3 = 0
    # (unknown): A5 without nps -> no answers, no segment
    assert rows == {"N": (2, 0.0), "S": (3, 0.0)}
    assert "size_band" in pmf.available_dimensions(cur) and "Region" in pmf.available_dimensions(cur)


# ---------------------------------------------------------------------------------------------
# The sample company: figures planted in sample_data/README.md

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def sample_cur():
    if not (SAMPLE / "accounts.parquet").exists():
        pytest.skip("sample data not generated")
    store = Store(":memory:")
    for t in ("accounts", "contacts", "nps_responses", "pmf_survey", "mrr_history"):
        store.load_frame(t, pl.read_parquet(SAMPLE / f"{t}.parquet"), f"sample:{t}")
    return store.cursor()


def test_sample_company_matches_planted_truth(sample_cur):
    out = pmf.pmf_summary(sample_cur, PmfSettings())
    assert out["as_of"] == "2025-12-31"
    assert out["verdict"] == "reached" and out["next_step"] == "firmographics"
    assert round(out["nps"]["value"], 2) == 12.65 and out["nps"]["n"] == 1533
    rs = out["referral_score"]
    assert round(rs["mean"], 4) == 9.2772 and rs["n"] == 386 and rs["pass"] is True
    sh = out["referral_share"]
    assert round(sh["revenue_share"], 4) == 0.3429 and round(sh["count_share"], 4) == 0.2828
    assert sh["n_new"] == 693 and sh["pass"] is True
    ret = out["retention"]
    assert round(ret["logo_12m"], 4) == 0.7846 and ret["n"] == 1193 and ret["retained"] == 936
    assert ret["best_segment"]["key"] == {"industry": "Maschinenbau", "size_band": "51-200"}
    assert ret["best_segment"]["logo_12m"] == 0.965 and ret["best_segment"]["n"] == 200
    assert ret["pass"] is True
    el = out["sean_ellis"]
    assert round(el["score"], 4) == 0.4521 and el["n"] == 971 and el["pass"] is True
    rr = pmf.revenue_retention(sample_cur, PmfSettings())
    assert round(rr["nrr"], 4) == 0.9095 and round(rr["grr"], 4) == 0.8468 and rr["n"] == 1217


def test_sample_segments(sample_cur):
    seg = pmf.retention_by_segment(sample_cur, PmfSettings(), ("industry", "size_band"))
    assert int((~seg["small"]).sum()) == 17  # README: 17 segments have n >= 30
    second = seg.filter(~pl.col("small")).row(1, named=True)
    assert (second["industry"], second["size_band"], round(second["retention"], 4), second["n"]) == (
        "Maschinenbau", "11-50", 0.8889, 45)
    nps = pmf.nps_by_segment(sample_cur, PmfSettings(), ("industry", "size_band"))
    top = nps.row(0, named=True)
    assert (top["industry"], top["size_band"], round(top["nps"], 2), top["n"]) == ("Maschinenbau", "51-200", 74.02, 254)
    bad = nps.filter((pl.col("industry") == "Agentur / Beratung") & (pl.col("size_band") == "1-10")).row(0, named=True)
    assert (round(bad["nps"], 2), bad["n"]) == (-70.73, 41)
    assert MIN_N == 30
