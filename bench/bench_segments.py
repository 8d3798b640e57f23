"""Benchmark of the Segment explorer: 1,000,000 generated accounts in a file store.

    uv run python bench/bench_segments.py [--accounts 1000000] [--db /tmp/bench_segments.duckdb]
        [--answers] [--reuse] [--ab [--ab-only]]

Times segment statistics for two dimensions (industry x size_band; median of 5 runs after one
warm-up), one dimension with tech:TOOL, a multi-valued dimension (tech_stack), the group what-if,
and rules + clusters; prints the figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

INDUSTRIES = ["Maschinenbau", "Logistik", "Lebensmittelproduktion", "Automobilzulieferer", "Elektrotechnik",
              "Handel", "IT-Dienstleistungen", "Agentur / Beratung", "Gesundheitswesen", "Bau"]
COUNTRIES = ["DE", "DE", "DE", "AT", "CH", "NL", "PL"]
TOOLS = ["SAP Business One", "Excel", "HubSpot", "Jira", "DATEV", "Slack", "Salesforce", "Power BI"]
CHANNELS = ["Website", "Messe", "Empfehlung", "Google Ads", "referral", "Outbound", None]


def generate(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = date(2020, 1, 1)
    start_days = rng.integers(0, 6 * 365, n)
    churn_after = rng.integers(30, 2500, n)
    churned = rng.random(n) < 0.35
    tool_mask = rng.random((n, len(TOOLS))) < np.array([0.2, 0.8, 0.2, 0.3, 0.3, 0.3, 0.1, 0.2])
    stacks = [[TOOLS[j] for j in np.flatnonzero(row)] for row in tool_mask]
    return pl.DataFrame({
        "account_id": [f"B-{i:07d}" for i in range(n)],
        "industry": rng.choice(INDUSTRIES, n),
        "country": rng.choice(COUNTRIES, n),
        "employees": np.round(rng.lognormal(4, 1.2, n)).astype(np.int64),
        "annual_revenue": rng.lognormal(16, 1.3, n),
        "founded_year": rng.integers(1950, 2024, n),
        "tech_stack": stacks,
        "acquisition_channel": rng.choice(np.array(CHANNELS, dtype=object), n),
        "start_date": [start + timedelta(days=int(d)) for d in start_days],
        "churn_date": [start + timedelta(days=int(d + a)) if c and d + a < 6 * 365 else None
                       for d, a, c in zip(start_days, churn_after, churned)],
        "mrr": np.round(rng.lognormal(6, 0.8, n), 2),
        "seats": rng.integers(1, 50, n),
        "sales_cycle_days": rng.integers(5, 200, n),
        "nps": rng.integers(0, 11, n),
    }, schema_overrides={"tech_stack": pl.List(pl.String), "churn_date": pl.Date})


def timed(fn, runs: int = 5) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "bench_segments.duckdb"))
    ap.add_argument("--ab", action="store_true", help="the A/B of the per-data-version cache (bench/ab.py)")
    ap.add_argument("--ab-only", action="store_true", help="with --ab: only the A/B")
    ap.add_argument("--answers", action="store_true", help="add NPS answers and a survey (bench_pmf.add_answers)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing --db (same data, no regeneration)")
    a = ap.parse_args()
    from icp_core import groups, rules, segments
    from icp_core.store import Store

    if a.reuse and Path(a.db).exists():
        store = Store(a.db)
    else:
        for suffix in ("", ".wal", ".lock"):
            Path(a.db + suffix).unlink(missing_ok=True)
        t = time.perf_counter()
        frame = generate(a.accounts)
        print(f"generate {a.accounts:,} accounts: {time.perf_counter() - t:.1f} s")
        store = Store(a.db)
        t = time.perf_counter()
        store.load_frame("accounts", frame, "bench")
        print(f"load into file store: {time.perf_counter() - t:.1f} s")
        if a.answers:
            import bench_pmf

            con = store.cursor()
            bench_pmf.add_answers(con, a.accounts, "B-")  # as bench/run.py: NPS answers joined per account
            con.execute("CHECKPOINT")
            con.close()
    cur = store.cursor()
    if a.ab:
        import ab  # bench/ab.py: the cache off / on (warm) / on (cold), alternated

        from icp_core import facts

        for by, kw in ((["industry", "size_band"], {}), (["industry"], {"filters": ["country=DE,AT,CH", "start_date=2022.."]})):
            facts.ENABLED = False
            old = segments.to_json(segments.segment_stats(cur, by, **kw))
            facts.ENABLED = True
            facts.clear()
            new = segments.to_json(segments.segment_stats(cur, by, **kw))
            label = f"segment_stats({', '.join(by)}{', 2 filters' if kw else ''})"
            print(f"{label}: figures the same with and without the cache: {ab.same(old, new)}")
            print(ab.line(f"A/B {label}", ab.ab(lambda: segments.segment_stats(cur, by, **kw))))
        print(f"cache: projections {facts.projections.nbytes / 2**20:.1f} MiB, columns {facts.columns.nbytes / 2**20:.1f} MiB")
        if a.ab_only:
            return

    sec, res = timed(lambda: segments.segment_stats(cur, ["industry", "size_band"]))
    print(f"segment_stats industry x size_band: median of 5 = {sec * 1000:.0f} ms ({len(res['segments'])} segments)")
    sec, res = timed(lambda: segments.segment_stats(cur, ["industry"], filters=["country=DE,AT,CH", "start_date=2022.."]))
    print(f"segment_stats industry, 2 filters: median of 5 = {sec * 1000:.0f} ms")
    sec, res = timed(lambda: segments.segment_stats(cur, ["tech:SAP Business One", "country"]))
    print(f"segment_stats tech:SAP Business One x country: median of 5 = {sec * 1000:.0f} ms")
    sec, res = timed(lambda: segments.segment_stats(cur, ["tech_stack"]), runs=3)
    print(f"segment_stats tech_stack (multi-valued): median of 3 = {sec * 1000:.0f} ms")
    r = segments.segment_stats(cur, ["industry", "size_band"])
    seg = groups.build_segmentation(r)
    sec, _ = timed(lambda: groups.group_stats(cur, seg), runs=3)
    print(f"group what-if (industry x size_band): median of 3 = {sec * 1000:.0f} ms")
    t = time.perf_counter()
    found = rules.describe_best(cur)
    print(f"rules + clusters: {time.perf_counter() - t:.1f} s ({len(found['rules'])} rules, {len(found['clusters'])} clusters)")
    cur.close()
    store.close()


if __name__ == "__main__":
    main()
