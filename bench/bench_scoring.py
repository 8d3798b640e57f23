"""Benchmark: score 100,000 generated prospects against the planted ICP (three criteria, with
reasons). Prints the median of 5 runs.

    uv run python bench/bench_scoring.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icp_core import scoring  # noqa: E402

N = 100_000
CRITERIA = [
    {"field": "industry", "values": ["Maschinenbau"], "weight": 0.52},
    {"field": "employees", "low": 51, "high": 200, "weight": 0.2},
    {"field": "tech_stack", "values": ["SAP Business One"], "weight": 0.28},
]


def prospects(n: int = N, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    industries = np.array(["Maschinenbau", "Logistik", "Bau", "Handel", "Agentur / Beratung", "Elektrotechnik"])
    tools = ["SAP Business One", "Excel", "DATEV", "HubSpot", "Microsoft Teams", "Jira", "abas ERP"]
    employees = np.exp(rng.normal(4.0, 1.3, n)).astype(np.int64)
    stacks = [[tools[j] for j in rng.choice(len(tools), size=rng.integers(0, 4), replace=False)] for _ in range(n)]
    frame = pl.DataFrame({
        "company_id": [f"P-{i:06d}" for i in range(1, n + 1)],
        "name": [f"Firma {i} GmbH" for i in range(1, n + 1)],
        "industry": industries[rng.integers(0, len(industries), n)],
        "employees": employees,
        "tech_stack": stacks,
    }, schema_overrides={"tech_stack": pl.List(pl.String)})
    missing = rng.random(n) < 0.05  # some unknown sizes
    return frame.with_columns(pl.when(pl.Series(missing)).then(None).otherwise(pl.col("employees")).alias("employees"))


def main() -> None:
    frame = prospects()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        scored = scoring.score_frame(frame, CRITERIA)
        times.append(time.perf_counter() - start)
    counts = scoring.tier_counts(scored)
    print(f"score_frame, {N:,} prospects, 3 criteria with reasons: median {statistics.median(times) * 1000:.0f} ms "
          f"(runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms); tiers {counts}")
    start = time.perf_counter()
    data = scoring.to_csv(scoring.output_frame(scored))
    print(f"formula-safe CSV of all rows: {(time.perf_counter() - start) * 1000:.0f} ms, {len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
