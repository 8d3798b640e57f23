"""Controlled A/B of the per-data-version cache (icp_core.facts) on the same data in one process:
"old" = the cache off (every call computes from the store tables, the SQL of before the cache),
"new" = the cache on and warm (the projection built by an earlier call), "cold" = the cache on but
emptied first (the first call after an import: builds the projection, then aggregates).
Rounds alternate old / new / cold so load changes on the shared cores hit all alike."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any, Callable


def _once(fn: Callable[[], Any]) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def ab(fn: Callable[[], Any], rounds: int = 2, runs: int = 7, cold_runs: int = 2) -> dict[str, dict[str, float]]:
    from icp_core import facts

    wall: dict[str, list[float]] = {"old": [], "new": [], "cold": []}
    cpu: dict[str, list[float]] = {"old": [], "new": [], "cold": []}
    loads = []
    try:
        for _ in range(rounds):
            for mode in ("old", "new", "cold"):
                facts.ENABLED = mode != "old"
                if mode != "cold":
                    fn()  # warm-up (for "new": builds the projection)
                for _ in range(cold_runs if mode == "cold" else runs):
                    if mode == "cold":
                        facts.clear()
                    w, c = _once(fn)
                    wall[mode].append(w)
                    cpu[mode].append(c)
                loads.append(os.getloadavg()[0])
    finally:
        facts.ENABLED = True
    out = {}
    for mode in wall:
        ws = sorted(wall[mode])
        out[mode] = {"wall_ms": 1000 * statistics.median(ws), "min_ms": 1000 * ws[0], "max_ms": 1000 * ws[-1],
                     "cpu_ms": 1000 * statistics.median(cpu[mode]), "runs": len(ws)}
    out["load"] = {"min": min(loads), "max": max(loads)}
    return out


def line(label: str, r: dict) -> str:
    def f(m):
        x = r[m]
        return f"{x['wall_ms']:.0f} ms ({x['min_ms']:.0f}..{x['max_ms']:.0f}) / CPU {x['cpu_ms']:.0f} ms"
    return (f"{label}: old {f('old')} | new {f('new')} | cold {f('cold')} | "
            f"new/old wall {r['new']['wall_ms'] / r['old']['wall_ms']:.2f} | load {r['load']['min']:.1f}..{r['load']['max']:.1f}")


def same(a: Any, b: Any, rel: float = 1e-12) -> bool:
    """Figures equal; floats to a relative 1e-12 (DuckDB's parallel sums vary in the last bits
    from run to run, with or without the cache); polars frames column by column."""
    import math

    import polars as pl

    if isinstance(a, pl.DataFrame):
        if not isinstance(b, pl.DataFrame) or a.columns != b.columns or a.shape != b.shape:
            return False
        return all(same(a[c].to_list(), b[c].to_list(), rel) for c in a.columns)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=rel) or (math.isnan(a) and math.isnan(b))
    return a == b
