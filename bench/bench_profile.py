"""Benchmark: the ICP profile (and the Prospects page's criteria and backtest) - wall, CPU and
peak memory, each call in a fresh process.

    uv run python bench/bench_profile.py                       # the sample company (temporary store)
    uv run python bench/bench_profile.py --db /tmp/icp_big.duckdb --runs 3
    uv run python bench/bench_profile.py --exports              # also Markdown / HTML / chart exports
    uv run python bench/bench_profile.py --db /tmp/icp_big.duckdb --ab /tmp/before   # A/B against another tree

Each step runs in its own subprocess (python -c): the store is opened read-only, the modules
are imported and one warm-up query is run, then RSS is read (``rss_before``); the step runs
once (cold: nothing cached in the process) and the process reports wall and CPU seconds of the
step and the peak RSS of the process (``VmHWM``) and its rise over ``rss_before``. A step
"X+Y" runs Y right after X in the same process (the Prospects page after the ICP page: the
second call's wall/CPU show what sharing the derived profile saves). Medians over --runs,
with min-max. Nothing is written to the store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})

def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024

from icp_core import groups, profile, rules, scoring
from icp_core.store import Store
import sklearn.tree, sklearn.metrics, sklearn.cluster  # imported up front: their import is not the step's memory

store = Store({db!r}, read_only=True)
cur = store.cursor()
cur.execute("SELECT count(*) FROM accounts").fetchall()
seg = store.get_setting("segmentation")
seg = seg if isinstance(seg, dict) else None
versions = store.get_setting("icp_versions")
steps = {{
    "derive_profile": lambda: profile.derive_profile(cur, seg, None, market_settings=store.get_setting("market_settings")),
    "resolve_criteria": lambda: scoring.resolve_criteria(cur, versions, seg),
    "backtest": lambda: scoring.backtest(cur, scoring.resolve_criteria(cur, versions, seg)[0], None, seg),
    "describe_best": lambda: rules.describe_best(cur),  # the Segments page's rules and clusters
}}
before = rss()
out = {{"rss_before": before, "steps": []}}
result = None
for name in {names!r}:
    c0, t0 = time.process_time(), time.perf_counter()
    result = steps[name]()
    out["steps"].append({{"step": name, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}})
out["peak"] = hwm()
out["rise"] = out["peak"] - before
print("BENCH " + json.dumps(out))
"""


def run_once(db: str, names: list[str], root: Path = ROOT) -> dict:
    """One child process; its result is the line starting with BENCH (other output is ignored)."""
    code = CHILD.format(root=str(root), db=db, names=names)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    lines = [x for x in proc.stdout.splitlines() if x.startswith("BENCH ")]
    if not lines:
        raise SystemExit(f"no result from {names} ({root}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("BENCH "):])


def summary(values: list[float], fmt: str) -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def report(label: str, runs: list[dict]) -> None:
    steps = " + ".join(f"{s['step']} {summary([r['steps'][i]['wall'] for r in runs], '{:.2f}')} s wall, "
                       f"{summary([r['steps'][i]['cpu'] for r in runs], '{:.2f}')} s CPU"
                       for i, s in enumerate(runs[0]["steps"]))
    print(f"{label:36s} {steps}; peak RSS {summary([r['peak'] for r in runs], '{:.0f}')} MB "
          f"(+{summary([r['rise'] for r in runs], '{:.0f}')} MB over {statistics.median(r['rss_before'] for r in runs):.0f} MB)",
          flush=True)


def exports_bench(db: str) -> None:
    import time

    from icp_core import exports, profile
    from icp_core.store import Store

    cur = Store(db, read_only=True).cursor()
    prof = profile.derive_profile(cur)
    for name, fn in {"markdown": lambda: exports.to_markdown(prof, "de"),
                     "html (with charts)": lambda: exports.to_html(prof, "de", exports.build_charts(prof, "de")),
                     "charts zip": lambda: exports.charts_zip(prof, "de")}.items():
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        print(f"{name:22s} {statistics.median(times):7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a store (opened read-only); default: the sample company")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", default="derive_profile,resolve_criteria,backtest,derive_profile+resolve_criteria")
    parser.add_argument("--exports", action="store_true")
    parser.add_argument("--ab", default=None, metavar="DIR",
                        help="also run each step with the icp_core of DIR (e.g. `git archive REV icp_core | tar -x -C "
                             "DIR`): A = DIR, B = this tree, alternating run by run")
    args = parser.parse_args()
    db = args.db
    if db is None:
        from icp_core.sample import load_sample
        from icp_core.store import Store

        db = str(Path(tempfile.mkdtemp()) / "bench_profile.duckdb")
        load_sample(Store(db))
    print(f"store {db}; {args.runs} runs per step, each in a fresh process; median (min-max)")
    variants = [("", ROOT)] if not args.ab else [("A ", Path(args.ab)), ("B ", ROOT)]
    for combo in args.steps.split(","):
        names = combo.split("+")
        by_variant: dict[str, list] = {label: [] for label, _ in variants}
        for _ in range(args.runs):
            for label, root in variants:
                by_variant[label].append(run_once(db, names, root))
        for label, runs in by_variant.items():
            report(label + combo, runs)
    if args.exports:
        exports_bench(db)


if __name__ == "__main__":
    main()
