"""Benchmark of the Market page's core: a 5,000,000-company market (and 20,000 customer accounts,
most of them inside the market) generated deterministically into a file store; times

- the customer matching (``market.customer_matches``: name and domain keys over the whole market),
- ``market.market_funnel`` with SAM and ICP filters (matches passed in, as the page does),
- the TAM / SAM / SOM counts alone (one SQL pass with conditional counts),
- ``market.white_space`` by industry and by size band,

each the median of 5 runs (the matching: of 3), and prints the figures.

    uv run python bench/bench_market.py [--companies 5000000] [--db /tmp/bench_market.duckdb] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from icp_core import market
from icp_core.metrics_common import parse_filter
from icp_core.store import Store

INDUSTRIES = ["Maschinenbau", "Logistik", "Handel", "Bau", "IT-Dienstleistungen", "Elektrotechnik",
              "Lebensmittelproduktion", "Gesundheitswesen", "Agentur / Beratung", "Automobilzulieferer"]
COUNTRIES = ["DE", "DE", "DE", "DE", "AT", "CH", "NL", "PL", "FR", "IT"]
MODELS = ["B2B", "B2B", "B2B", "B2C", "B2B2C", "B2G"]
TOOLS = ["SAP Business One", "SAP S/4HANA", "Microsoft Dynamics 365", "DATEV", "Excel", "Microsoft Teams", "Slack",
         "Jira", "HubSpot", "Salesforce", "Power BI", "Google Workspace", "Asana", "Pipedrive", "abas ERP"]
FORMS = ["GmbH", "GmbH & Co. KG", "AG", "KG", "SE", "e.K.", "OHG", "UG (haftungsbeschränkt)"]


def generate(companies: int, accounts: int, seed: int = 20251231) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = np.arange(1, companies + 1)
    employees = np.clip(rng.lognormal(3.6, 1.3, companies), 1, 200_000).astype(np.int64)
    revenue = employees * rng.choice([90e3, 120e3, 180e3, 250e3], companies) * rng.lognormal(0, 0.3, companies)
    n_tools = rng.integers(0, 5, companies)
    tool_idx = rng.integers(0, len(TOOLS), (companies, 4))
    frame = pl.DataFrame({
        "company_id": "M-" + pl.Series(idx).cast(pl.String).str.zfill(7),
        "base": pl.Series(idx),
        "form": pl.Series(np.array(FORMS)[rng.integers(0, len(FORMS), companies)]),
        "industry": pl.Series(np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), companies)]),
        "country": pl.Series(np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), companies)]),
        "employees": employees,
        "annual_revenue": revenue.round(0),
        "founded_year": rng.integers(1900, 2024, companies),
        "business_model": pl.Series(np.array(MODELS)[rng.integers(0, len(MODELS), companies)]),
        "n_tools": n_tools,
        **{f"t{j}": pl.Series(np.array(TOOLS)[tool_idx[:, j]]) for j in range(4)},
    })
    frame = frame.with_columns(
        (pl.lit("Müller Nummer ") + pl.col("base").cast(pl.String) + pl.lit(" ") + pl.col("form")).alias("name"),
        (pl.lit("firma") + pl.col("base").cast(pl.String) + pl.lit(".de")).alias("domain"),
        pl.concat_list([f"t{j}" for j in range(4)]).list.head(pl.col("n_tools")).list.unique(maintain_order=True).alias("tech_stack"),
    ).select("company_id", "name", "domain", "industry", "country", "employees", "annual_revenue", "founded_year",
             "business_model", "tech_stack")

    # customers: drawn from the market; half carry the website, names spelled differently
    pick = np.sort(rng.choice(companies, accounts, replace=False))
    base = frame[pick]
    start = [date(2021, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 1800, accounts)]
    churn = [s + timedelta(days=int(d)) if c else None
             for s, d, c in zip(start, rng.integers(30, 900, accounts), rng.random(accounts) < 0.3)]
    acc = base.select(
        (pl.lit("K-") + pl.int_range(1, accounts + 1).cast(pl.String)).alias("account_id"),
        pl.col("name").str.replace("Müller", "Mueller").str.replace(r" (GmbH.*|AG|KG|SE|e\.K\.|OHG|UG.*)$", "").alias("company_name"),
        pl.when(pl.int_range(0, accounts) % 2 == 0).then(pl.lit("https://www.") + pl.col("domain") + "/kontakt")
        .otherwise(None).alias("Website"),
        "industry", "country", "employees", "annual_revenue", "business_model", "tech_stack",
    ).with_columns(
        pl.Series("start_date", start), pl.Series("churn_date", churn, dtype=pl.Date),
        pl.Series("mrr", (rng.integers(1, 40, accounts) * 49.0)),
    )
    return frame, acc


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=5_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--db", default="/tmp/bench_market.duckdb")
    parser.add_argument("--keep", action="store_true", help="reuse the store when it exists")
    args = parser.parse_args()

    path = Path(args.db)
    if not (args.keep and path.exists()):
        for p in (path, Path(str(path) + ".wal"), Path(str(path) + ".lock")):
            if p.exists():
                os.remove(p)
        t0 = time.perf_counter()
        mk, acc = generate(args.companies, args.accounts)
        t1 = time.perf_counter()
        store = Store(str(path))
        store.load_frame("market", mk, file_name="bench:market")
        store.load_frame("accounts", acc, file_name="bench:accounts")
        store.close()
        print(f"generated {args.companies:,} companies and {args.accounts:,} accounts in {t1 - t0:.1f} s, "
              f"stored in {time.perf_counter() - t1:.1f} s ({args.db})")

    store = Store(str(path), read_only=True)
    cur = store.cursor()
    sam = tuple(parse_filter(s) for s in ("country=DE,AT,CH", "employees=51-500"))
    icp = tuple(parse_filter(s) for s in ("industry=Maschinenbau", "tech:SAP Business One"))

    t_match, matches = timed(lambda: market.customer_matches(cur), 3)
    print(f"customer_matches: {t_match * 1000:8.1f} ms (median of 3): {len(matches):,} active customers found "
          f"in {args.companies:,} companies")

    t_funnel, result = timed(lambda: market.market_funnel(cur, sam, icp, None, 0.5, None, matches), 5)
    c0 = time.process_time()
    for _ in range(5):
        market.market_funnel(cur, sam, icp, None, 0.5, None, matches)
    cpu = (time.process_time() - c0) / 5
    print(f"market_funnel (SAM + ICP filters, matches given): {t_funnel * 1000:8.1f} ms (median of 5), "
          f"{cpu * 1000:.0f} ms CPU (mean of 5, all threads)")
    print("   " + ", ".join(f"{lv.upper()} {result[lv]['companies']:,} companies / {result[lv]['customers']:,} customers"
                            for lv in market.LEVELS) + f"; ACV {result['acv']:,.0f}")

    tools = market.market_tools(cur)  # the store's derived tools table (None in a store written before it)
    sam_sql, sam_p = market._conditions(sam, {"country", "employees"}, 2025, strict=True, lazy=False, tools=tools)
    icp_sql, icp_p = market._conditions(icp, {"industry", "tech_stack"}, 2025, strict=True, tools=tools)
    count_sql = (f"SELECT (SELECT count(*) FROM market), count(*), count(*) FILTER (WHERE {icp_sql}) "
                 f"FROM market WHERE {sam_sql}")  # the query market_funnel runs
    t_counts, counts = timed(lambda: cur.execute(count_sql, icp_p + sam_p).fetchall(), 5)
    print(f"TAM/SAM/SOM counts alone (one pass, conditional counts): {t_counts * 1000:8.1f} ms (median of 5): {counts[0]}")

    for dim in ("industry", "size_band"):
        t_ws, ws = timed(lambda: market.white_space(cur, sam, icp, dim, None, None, matches), 5)
        top = ws.filter(ws["top"])["segment"].to_list()
        print(f"white_space by {dim}: {t_ws * 1000:8.1f} ms (median of 5): {ws.height} cells, top {top}")
    cur.close()
    store.close()


if __name__ == "__main__":
    main()
