"""Benchmark of the PMF figures: 1,000,000 accounts (+ NPS responses, ~1 per 2 accounts, and a
Sean Ellis survey) generated deterministically into a file store; times pmf_summary and the
full page bundle (median of 5 runs each, after one warm-up) and prints the figures.

    uv run python bench/bench_pmf.py [--accounts 1000000] [--db /tmp/bench_pmf.duckdb] [--ab] [--reuse]

--ab adds the controlled A/B of the per-data-version cache (bench/ab.py): the cache off ("old"),
on and warm ("new"), on and emptied before each call ("cold": the first call after an import).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from icp_core import pmf  # noqa: E402
from icp_core.store import Store  # noqa: E402

GEN_ACCOUNTS = """
CREATE OR REPLACE TABLE accounts AS
SELECT 'A' || lpad(i::VARCHAR, 7, '0') AS account_id,
       ['Maschinenbau','Logistik','Handel','Bau','IT-Dienstleistungen','Agentur / Beratung','Elektrotechnik','Gesundheitswesen'][1 + (hash(i, 1) % 8)::INT] AS industry,
       (1 + hash(i, 2) % 3000)::BIGINT AS employees,
       ['referral','Website','Messe','Empfehlung','Google Ads','LinkedIn'][1 + (hash(i, 3) % 6)::INT] AS acquisition_channel,
       DATE '2019-01-01' + (hash(i, 4) % 2557)::INT AS start_date,
       CASE WHEN hash(i, 5) % 100 < 35 THEN DATE '2019-01-01' + (hash(i, 4) % 2557)::INT + (30 + hash(i, 6) % 1500)::INT END AS churn_date,
       (29 + hash(i, 7) % 2000)::DOUBLE AS mrr,
       CASE WHEN hash(i, 8) % 3 = 0 THEN (hash(i, 9) % 11)::BIGINT END AS nps
FROM range(?) t(i)
"""
FIX_CHURN = "UPDATE accounts SET churn_date = NULL WHERE churn_date > DATE '2025-12-31'"
GEN_NPS = """
CREATE OR REPLACE TABLE nps_responses AS
SELECT ? || lpad((hash(j, 10) % ?)::VARCHAR, 7, '0') AS account_id, 'R' || j AS respondent,
       DATE '2021-01-01' + (hash(j, 11) % 1826)::INT AS date, (hash(j, 12) % 11)::BIGINT AS score, NULL::VARCHAR AS comment
FROM range(?) t(j)
"""
GEN_SURVEY = """
CREATE OR REPLACE TABLE pmf_survey AS
SELECT 'S' || j AS respondent, ? || lpad((hash(j, 13) % ?)::VARCHAR, 7, '0') AS account_id, DATE '2025-10-01' AS date,
       ['very','somewhat','not'][1 + (hash(j, 14) % 3)::INT] AS answer,
       ['Speed','Reports','Planning','Overview'][1 + (hash(j, 15) % 4)::INT] AS main_benefit, NULL::VARCHAR AS comment
FROM range(?) t(j)
"""


def add_answers(con, n: int, prefix: str = "A") -> None:
    """NPS answers (~1 per 2 accounts) and a Sean Ellis survey (1 per 100 accounts, at least
    1,000) for accounts '<prefix>0000000'..; also used by bench/run.py (one generator)."""
    con.execute(GEN_NPS, [prefix, n, n // 2])
    con.execute(GEN_SURVEY, [prefix, n, max(1000, n // 100)])


def build(db: str, n: int) -> None:
    path = Path(db)
    for p in (path, Path(db + ".wal"), Path(db + ".lock")):
        p.unlink(missing_ok=True)
    Store(db)  # creates the internal tables
    con = duckdb.connect(db)
    con.execute(GEN_ACCOUNTS, [n])
    con.execute(FIX_CHURN)
    add_answers(con, n)
    con.close()


def median_time(fn, runs: int = 5) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--db", default="/tmp/bench_pmf.duckdb")
    ap.add_argument("--ab", action="store_true", help="also the A/B of the per-data-version cache (bench/ab.py)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing --db (same data, no regeneration)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if not (args.reuse and Path(args.db).exists()):
        build(args.db, args.accounts)
    print(f"generated {args.accounts:,} accounts, {args.accounts // 2:,} NPS responses into {args.db} "
          f"in {time.perf_counter() - t0:.1f} s")
    store = Store(args.db)
    cur = store.cursor()
    settings = pmf.PmfSettings()
    summary = pmf.pmf_summary(cur, settings)
    t_summary = median_time(lambda: pmf.pmf_summary(cur, settings))
    t_bundle = median_time(lambda: pmf.page_bundle(cur, settings))
    print(f"as_of {summary['as_of']}, verdict {summary['verdict']}")
    print(f"NPS {summary['nps']['value']:.2f} (n {summary['nps']['n']:,}); referral score "
          f"{summary['referral_score']['mean']:.3f} (n {summary['referral_score']['n']:,}); referral share "
          f"{summary['referral_share']['revenue_share']:.4f} of {summary['referral_share']['n_new']:,} new; "
          f"retention {summary['retention']['logo_12m']:.4f} (n {summary['retention']['n']:,}); Sean Ellis "
          f"{summary['sean_ellis']['score']:.4f} (n {summary['sean_ellis']['n']:,})")
    print(f"pmf_summary: median of 5 = {t_summary * 1000:.0f} ms")
    print(f"page_bundle (everything the PMF page draws): median of 5 = {t_bundle * 1000:.0f} ms")
    if args.ab:
        import ab  # bench/ab.py: the cache off / on (warm) / on (cold), alternated

        from icp_core import facts

        facts.ENABLED = False
        old = pmf.page_bundle(cur, settings)
        facts.ENABLED = True
        facts.clear()
        new = pmf.page_bundle(cur, settings)
        print("page_bundle figures the same with and without the cache:", ab.same(old, new))
        print(ab.line("A/B pmf_summary", ab.ab(lambda: pmf.pmf_summary(cur, settings))))
        print(ab.line("A/B page_bundle", ab.ab(lambda: pmf.page_bundle(cur, settings))))
        print(f"cache: projections {facts.projections.nbytes / 2**20:.1f} MiB, columns {facts.columns.nbytes / 2**20:.1f} MiB")
    cur.close()


if __name__ == "__main__":
    main()
