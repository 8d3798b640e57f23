"""Benchmark: derive the ICP profile of the sample company and render its exports.

    uv run python bench/bench_profile.py [--db PATH]
Prints seconds per step (median of 3 runs); the sample company is loaded into a temporary store."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    from icp_core import exports, profile
    from icp_core.sample import load_sample
    from icp_core.store import Store

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    path = args.db or str(Path(tempfile.mkdtemp()) / "bench_profile.duckdb")
    store = Store(path)
    if not store.tables().get("accounts"):
        load_sample(store)
    cur = store.cursor()
    steps = {
        "derive_profile": lambda: profile.derive_profile(cur),
    }
    prof = profile.derive_profile(cur)
    steps["markdown"] = lambda: exports.to_markdown(prof, "de")
    steps["html (with charts)"] = lambda: exports.to_html(prof, "de", exports.build_charts(prof, "de"))
    steps["charts zip"] = lambda: exports.charts_zip(prof, "de")
    for name, fn in steps.items():
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        print(f"{name:22s} {statistics.median(times):7.3f} s")
    cur.close()


if __name__ == "__main__":
    main()
