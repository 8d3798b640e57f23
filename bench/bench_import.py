"""Time the import of a 1,000,000-row German CRM export (Windows-1252, `;`, `1.234,56` money,
`dd.mm.yyyy` dates, umlauts): read_file + prepare, and the whole `Store.import_file` into a fresh
file store (read, map, validate, one transaction, raw file kept). Deterministic; prints figures.

    uv run python bench/bench_import.py [ROWS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from icp_core.ingest import prepare, read_file, suggest_mapping

HEADER = [
    "Kundennummer", "Firma", "Branche", "Land", "Stadt", "Mitarbeiterzahl", "Jahresumsatz",
    "Gründungsjahr", "Kunde seit", "Kündigungsdatum", "Quelle", "MRR",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    branchen = np.array(["Maschinenbau", "Software", "Großhandel", "Logistik", "Gesundheitswesen", "Beratung"])
    laender = np.array(["Deutschland", "Österreich", "Schweiz", "DE", "AT", "Frankreich"])
    staedte = np.array(["München", "Köln", "Düsseldorf", "Nürnberg", "Wien", "Zürich", "Görlitz"])
    quellen = np.array(["Empfehlung", "Messe", "Google Ads", "Kaltakquise", "Partner", "Webinar"])
    start = rng.integers(0, 3650, rows)
    churn = np.where(rng.random(rows) < 0.3, start + rng.integers(30, 900, rows), -1)
    base = pl.date(2014, 1, 1)
    frame = pl.DataFrame(
        {
            "i": np.arange(rows),
            "b": rng.integers(0, len(branchen), rows),
            "l": rng.integers(0, len(laender), rows),
            "s": rng.integers(0, len(staedte), rows),
            "m": rng.integers(1, 20000, rows),
            "u": rng.integers(10_000, 500_000_000, rows) / 100,
            "g": rng.integers(1900, 2024, rows),
            "start": start,
            "churn": churn,
            "q": rng.integers(0, len(quellen), rows),
            "mrr": rng.integers(10_000, 5_000_000, rows) / 100,
        }
    )

    def money(col: str) -> pl.Expr:
        whole = pl.col(col).floor().cast(pl.Int64)
        cents = ((pl.col(col) - pl.col(col).floor()) * 100).round().cast(pl.Int64)
        grouped = (
            whole.cast(pl.String).str.reverse().str.replace_all(r"(\d{3})", "$1.").str.strip_chars_end(".").str.reverse()
        )
        return pl.concat_str([grouped, pl.lit(","), cents.cast(pl.String).str.zfill(2)])

    def german_date(col: str) -> pl.Expr:
        return (base + pl.duration(days=pl.col(col))).dt.to_string("%d.%m.%Y")

    out = frame.select(
        pl.concat_str([pl.lit("K-"), pl.col("i").cast(pl.String).str.zfill(7)]).alias(HEADER[0]),
        pl.concat_str([pl.lit("Müller & Söhne "), pl.col("i").cast(pl.String), pl.lit(" GmbH")]).alias(HEADER[1]),
        pl.col("b").replace_strict(dict(enumerate(branchen.tolist()))).alias(HEADER[2]),
        pl.col("l").replace_strict(dict(enumerate(laender.tolist()))).alias(HEADER[3]),
        pl.col("s").replace_strict(dict(enumerate(staedte.tolist()))).alias(HEADER[4]),
        pl.col("m").cast(pl.String).alias(HEADER[5]),
        pl.concat_str([money("u"), pl.lit(" €")]).alias(HEADER[6]),
        pl.col("g").cast(pl.String).alias(HEADER[7]),
        german_date("start").alias(HEADER[8]),
        pl.when(pl.col("churn") >= 0).then(german_date("churn")).otherwise(pl.lit("")).alias(HEADER[9]),
        pl.col("q").replace_strict(dict(enumerate(quellen.tolist()))).alias(HEADER[10]),
        money("mrr").alias(HEADER[11]),
    )
    text = out.write_csv(separator=";", quote_style="necessary")
    path.write_bytes(text.encode("cp1252"))


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kunden_export.csv"
        generate(path, rows)
        size = path.stat().st_size
        timings_read, timings_total, cpu_total = [], [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            raw = read_file(path)
            t1 = time.perf_counter()
            prepared = prepare(raw, "accounts", suggest_mapping(raw.columns, "accounts"))
            t2, c2 = time.perf_counter(), time.process_time()
            timings_read.append(t1 - t0)
            timings_total.append(t2 - t0)
            cpu_total.append(c2 - c0)
        print(f"rows: {rows:,}  file: {size / 1e6:.1f} MB  encoding: {raw.detected.encoding}  separator: {raw.detected.separator!r}")
        print(f"mapping: {prepared.mapping}")
        print(f"imported: {prepared.rows_imported:,}  rejected: {prepared.rows_rejected:,}  issues: {len(prepared.issues):,}")
        print(f"read_file  median of 3: {statistics.median(timings_read):.2f} s  ({', '.join(f'{t:.2f}' for t in timings_read)})")
        print(f"read+prepare median of 3: {statistics.median(timings_total):.2f} s  ({', '.join(f'{t:.2f}' for t in timings_total)})")
        # CPU seconds over all threads: comparable between runs when other work shares the cores
        print(f"read+prepare CPU time median of 3: {statistics.median(cpu_total):.2f} s  (cores: {os.cpu_count()})")
        # the whole import as a user runs it (`icp import FILE --table accounts`), into a new store
        from icp_core.store import Store

        timings_full, cpu_full, cpu_store = [], [], []
        for run in range(3):
            store = Store(str(Path(tmp) / f"bench_{run}.duckdb"))
            t0, c0 = time.perf_counter(), time.process_time()
            result = store.import_file(path, "accounts")
            timings_full.append(time.perf_counter() - t0)
            cpu_full.append(time.process_time() - c0)
            store.close()
            # the transaction alone (rows, raw file, history, commit) on the prepared frame
            store = Store(str(Path(tmp) / f"bench_store_{run}.duckdb"))
            c0 = time.process_time()
            store.import_prepared(prepared)
            cpu_store.append(time.process_time() - c0)
            store.close()
        print(f"full import (Store.import_file) median of 3: {statistics.median(timings_full):.2f} s  "
              f"({', '.join(f'{t:.2f}' for t in timings_full)}), CPU {statistics.median(cpu_full):.2f} s; "
              f"rows imported: {result.rows_imported:,}")
        print(f"the store transaction alone (import_prepared) CPU time median of 3: {statistics.median(cpu_store):.2f} s")


if __name__ == "__main__":
    main()
