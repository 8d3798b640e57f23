"""The bundled sample company: canonical form, determinism, and the planted truth (exact figures)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from icp_core import schema
from icp_core.sample import SAMPLE_DIR, SAMPLE_PREFIX, SAMPLE_TABLES, _generator, load_sample, sample_frames

TODAY = date(2026, 11, 25)  # any day from 2025-12-31 on gives the same as_of
POLARS = {
    "text": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean,
    "country": pl.String, "list": pl.List(pl.String), "enum": pl.String,
}
EXTRAS = {"Vertriebsregion": pl.String, "Account Owner": pl.String, "Website": pl.String}
ROWS = {
    "accounts": 2500, "contacts": 10610, "nps_responses": 4083, "pmf_survey": 971, "mrr_history": 46674,
    "deals": 5831, "jobs": 560, "market": 100000, "prospects": 1000,
}
REFERRAL = ("referral", "referred", "customer referral", "word of mouth", "word-of-mouth", "recommendation",
            "empfehlung", "weiterempfehlung", "kundenempfehlung", "mundpropaganda")


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return sample_frames()


@pytest.fixture(scope="module")
def gen():
    return _generator()


@pytest.fixture(scope="module")
def con(frames):
    c = duckdb.connect(":memory:")
    for name, df in frames.items():
        c.register(f"v_{name}", df.to_arrow())
        c.execute(f"CREATE TABLE {name} AS SELECT * FROM v_{name}")
    yield c
    c.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- canonical form -----------------------------------------------------------------------------
def test_every_table_is_present_in_canonical_form(frames):
    assert set(frames) == set(schema.TABLES) == set(SAMPLE_TABLES)
    for table, df in frames.items():
        expected = {f.name: POLARS[f.type] for f in schema.stored_fields(table)}
        if table == "accounts":
            expected.update(EXTRAS)
        assert dict(df.schema) == expected, table
        assert "arr" not in df.columns


def test_row_counts(frames):
    assert {t: df.height for t, df in frames.items()} == ROWS


def test_keys_unique_and_required_fields_filled(frames):
    for table, spec in schema.TABLES.items():
        df = frames[table]
        for f in spec.required:
            assert df[f].null_count() == 0, (table, f)
        if spec.key:
            assert df[spec.key].n_unique() == df.height, table


def test_values_are_valid(frames):
    acc = frames["accounts"]
    assert set(acc["country"].unique()) <= {"DE", "AT", "CH", "NL", "PL", "IT", "CZ", "FR"}
    assert acc.filter(pl.col("country") == "DE").height > 0.7 * acc.height
    assert set(acc["business_model"].unique()) <= set(schema.BUSINESS_MODELS)
    assert set(acc["tier"].drop_nulls().unique()) == set(schema.TIERS)
    assert acc["tier"].value_counts().filter(pl.col("tier").is_not_null()).sort("tier").rows() == [
        ("dont_want", 15), ("neutral", 15), ("want_more", 30)]
    assert acc["start_date"].min() >= date(2021, 1, 1) and acc["start_date"].max() == date(2025, 12, 31)
    assert acc["churn_date"].drop_nulls().max() <= date(2025, 12, 31)
    assert acc.filter(pl.col("churn_date") <= pl.col("start_date")).height == 0
    assert (acc["churned"] == acc["churn_date"].is_not_null()).all()
    assert acc.filter(pl.col("first_contact_date") > pl.col("start_date")).height == 0
    assert 0.2 < acc["sales_cycle_days"].is_not_null().mean() < 0.5
    assert acc["nps"].drop_nulls().is_between(0, 10).all() and acc["nps"].null_count() > 0
    assert acc["employees"].min() >= 1 and acc["annual_revenue"].min() > 0
    assert set(acc["Vertriebsregion"].unique()) == {"Nord", "Süd", "West", "Ost", "International"}
    # the referral list is exercised with several spellings, German and English, one padded
    ref = acc["acquisition_channel"].drop_nulls().unique().to_list()
    spellings = {c for c in ref if c.strip().casefold() in REFERRAL}
    assert {"Empfehlung", "referral", "Referral", "Word of mouth", " Empfehlung "} <= spellings
    assert {"Website", "Messe", "Partner"} <= set(ref)
    con = frames["contacts"]
    assert set(con["buying_role"].unique()) == set(schema.BUYING_ROLES)
    roles = con.group_by("account_id").agg(pl.col("buying_role"))
    assert roles.height == acc.height
    assert roles["buying_role"].list.contains("decision_maker").all() and roles["buying_role"].list.contains("user").all()
    assert set(frames["pmf_survey"]["answer"].unique()) == set(schema.ELLIS_ANSWERS)
    assert set(frames["deals"]["outcome"].unique()) == set(schema.DEAL_OUTCOMES)
    assert frames["nps_responses"]["score"].is_between(0, 10).all()
    assert frames["nps_responses"].filter(pl.col("date") == date(2024, 12, 31)).height == 0


def test_mrr_history_ends_at_accounts_mrr(frames):
    h = frames["mrr_history"]
    last = h.sort("month").group_by("account_id").agg(pl.col("mrr").last(), pl.col("month").max().alias("last"),
                                                      pl.col("month").min().alias("first"), pl.len())
    j = frames["accounts"].join(last, on="account_id", suffix="_h")
    assert j.height == ROWS["accounts"]
    assert (j["mrr"] == j["mrr_h"]).all()
    assert (j["first"] == j["start_date"].dt.truncate("1mo")).all()
    active = j.filter(pl.col("churn_date").is_null())
    assert (active["last"] == date(2025, 12, 1)).all()
    churned = j.filter(pl.col("churn_date").is_not_null())
    last_day_month = churned.select((pl.col("churn_date") - pl.duration(days=1)).dt.truncate("1mo")).to_series()
    assert (churned["last"] == last_day_month).all()
    # one row per account and month, no gaps
    months = (j["last"].dt.year() - j["first"].dt.year()) * 12 + j["last"].dt.month() - j["first"].dt.month() + 1
    assert (months == j["len"]).all()


def test_market_contains_every_customer_with_own_ids(frames):
    acc, mk, pr = frames["accounts"], frames["market"], frames["prospects"]

    def norm(c):
        return pl.col(c).str.to_lowercase().str.strip_chars().str.replace_all(r"\s+", " ").alias("k")

    keys = mk.select(norm("name"), "domain", "industry", "employees", "tech_stack")
    assert keys["k"].n_unique() == mk.height
    j = acc.select(norm("company_name"), "Website", "industry", "employees", "tech_stack").join(keys, on="k", suffix="_m")
    assert j.height == acc.height
    assert (j["industry"] == j["industry_m"]).all() and (j["employees"] == j["employees_m"]).all()
    assert (j["tech_stack"] == j["tech_stack_m"]).all()
    web = j.filter(pl.col("Website").is_not_null())
    assert (web["Website"] == "www." + web["domain"]).all()
    # some customers are spelled differently in the market (so matching must normalise)
    assert mk.join(acc, left_on="name", right_on="company_name", how="semi").height < acc.height
    assert not set(mk["company_id"]) & set(acc["account_id"])
    assert not set(pr["company_id"]) & set(mk["company_id"])
    assert pr.select(norm("name")).join(keys, on="k", how="semi").height == 0


# --- determinism --------------------------------------------------------------------------------
def test_generator_reproduces_the_committed_files(tmp_path):
    """sample_frames() on an empty folder regenerates; the files equal the committed ones byte for byte."""
    out = tmp_path / "regen"
    regenerated = sample_frames(out)
    assert sorted(p.name for p in out.glob("*.parquet")) == sorted(f"{t}.parquet" for t in SAMPLE_TABLES)
    for table in SAMPLE_TABLES:
        assert sha(out / f"{table}.parquet") == sha(SAMPLE_DIR / f"{table}.parquet"), table
    assert regenerated["accounts"].equals(pl.read_parquet(SAMPLE_DIR / "accounts.parquet"))


def test_two_runs_are_byte_identical_and_market_size_only_changes_market(tmp_path, gen):
    a, b = tmp_path / "a", tmp_path / "b"
    fa = gen.generate(a, market_size=4000)
    gen.generate(b, market_size=4000)
    for table in SAMPLE_TABLES:
        assert sha(a / f"{table}.parquet") == sha(b / f"{table}.parquet"), table
        if table != "market":
            assert sha(a / f"{table}.parquet") == sha(SAMPLE_DIR / f"{table}.parquet"), table
    assert fa["market"].height == 4000
    # still every customer in the small market
    assert fa["market"].select(pl.col("name").str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")).join(
        fa["accounts"].select(pl.col("company_name").str.to_lowercase().alias("name")), on="name", how="semi"
    ).height == ROWS["accounts"]
    # another seed gives other data
    other = gen.build_frames(market_size=3000, seed=7)
    assert not other["accounts"].equals(fa["accounts"])


def test_parquet_files_stay_small():
    total = sum((SAMPLE_DIR / f"{t}.parquet").stat().st_size for t in SAMPLE_TABLES)
    assert total < 8_000_000


# --- the planted truth --------------------------------------------------------------------------
def test_truth_matches_readme_exactly(frames, gen):
    truth = gen.compute_truth(frames, today=TODAY)
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", readme, re.S)
    assert block is not None
    assert json.loads(block.group(1)) == json.loads(json.dumps(truth, ensure_ascii=False))
    assert gen.render_truth(truth) in readme


def test_truth_exact_figures(frames, gen):
    t = gen.compute_truth(frames, today=TODAY)
    assert t["as_of"] == "2025-12-31"
    o, i, s, d = t["overall"], t["icp"], t["icp_segment"], t["dont_want"]
    assert (o["retained"], o["retention_n"], o["retention_12m"]) == (936, 1193, 0.7846)
    assert (o["accounts"], o["active_accounts"], o["arpa"], o["referral_rate"]) == (2500, 1549, 6093.81, 0.2352)
    assert (o["nps"], o["nps_n"], o["median_sales_cycle_days"]) == (12.65, 1533, 64.0)
    assert (i["accounts"], i["active_accounts"], i["retained"], i["retention_n"]) == (211, 199, 139, 143)
    assert (i["retention_12m"], i["arpa"], i["referral_rate"], i["nps"], i["nps_n"]) == (0.972, 13899.86, 0.5735, 80.65, 186)
    assert i["median_sales_cycle_days"] == 29.0
    assert (s["retained"], s["retention_n"], s["arpa"], s["referral_rate"], s["nps"]) == (193, 200, 11743.21, 0.532, 74.02)
    assert (d["accounts"], d["retained"], d["retention_n"], d["arpa"], d["referral_rate"]) == (159, 16, 45, 679.68, 0.044)
    assert (d["nps"], d["nps_n"], d["median_sales_cycle_days"]) == (-70.73, 41, 120.0)
    assert set(t["best_segment_by"].values()) == {"Maschinenbau x 51-200"}
    p = t["pmf"]
    assert p["referral_score"] == {"mean": 9.2772, "n": 386, "pass": True}
    assert p["referral_share"] == {"revenue_share": 0.3429, "count_share": 0.2828, "n_new": 693, "pass": True}
    assert p["retention"]["best_segment"] == {"industry": "Maschinenbau", "size_band": "51-200", "retention_12m": 0.965, "n": 200}
    assert p["sean_ellis"] == {"very_share": 0.4521, "n": 971, "pass": True}
    assert p["verdict"] == "reached"
    assert t["second_retention_segment"]["retention_12m"] < 0.9
    assert t["revenue_retention"] == {"nrr": 0.9095, "grr": 0.8468, "n": 1217}
    assert t["market"] == {"companies": 100000, "icp_matches": 2114, "icp_matches_active_customers": 199,
                           "customers_matched_by_name": 2500, "acv": 4524.0}
    assert t["prospects"] == {"companies": 1000, "icp_fits": 236}


def test_truth_independently_in_sql(con):
    """The headline figures once more, straight from METRICS.md in DuckDB SQL."""
    as_of, t0 = "DATE '2025-12-31'", "DATE '2024-12-31'"

    def active(t):
        return f"(start_date <= {t} AND (churn_date IS NULL OR churn_date > {t}))"

    band = "(employees BETWEEN 51 AND 200)"
    icp = f"industry = 'Maschinenbau' AND {band} AND list_contains(tech_stack, 'SAP Business One')"
    ref = "lower(trim(acquisition_channel)) IN (" + ", ".join(f"'{r}'" for r in REFERRAL) + ")"

    def retention(where):
        return con.execute(
            f"SELECT count(*) FILTER (WHERE {active(as_of)}), count(*) FROM accounts WHERE {active(t0)} AND {where}"
        ).fetchone()

    assert retention("TRUE") == (936, 1193)
    assert retention(icp) == (139, 143)
    assert retention(f"industry = 'Maschinenbau' AND {band}") == (193, 200)
    assert retention("industry = 'Agentur / Beratung' AND employees <= 10") == (16, 45)
    arpa = con.execute(f"SELECT round(12 * sum(mrr) / count(*), 2) FROM accounts WHERE {active(as_of)} AND {icp}").fetchone()[0]
    assert arpa == 13899.86
    # no other industry x size segment with base >= 30 reaches 90 %
    best = con.execute(f"""
        SELECT industry, CASE WHEN employees <= 10 THEN '1-10' WHEN employees <= 50 THEN '11-50'
               WHEN employees <= 200 THEN '51-200' WHEN employees <= 500 THEN '201-500' ELSE '501+' END AS band,
               count(*) FILTER (WHERE {active(as_of)}) / count(*) AS r, count(*) AS n
        FROM accounts WHERE {active(t0)} GROUP BY ALL HAVING count(*) >= 30 ORDER BY r DESC""").fetchall()
    assert best[0][:2] == ("Maschinenbau", "51-200") and best[1][2] < 0.9
    mean, n = con.execute(f"""
        SELECT avg(score), count(*) FROM nps_responses r JOIN accounts a USING (account_id)
        WHERE {ref} AND r.date > {t0} AND r.date <= {as_of}""").fetchone()
    assert (round(mean, 4), n) == (9.2772, 386) and mean >= 9.0
    share, n_new = con.execute(f"""
        SELECT sum(CASE WHEN {ref} THEN coalesce(mrr, 0) ELSE 0 END) / sum(coalesce(mrr, 0)), count(*)
        FROM accounts WHERE start_date > {t0} AND start_date <= {as_of}""").fetchone()
    assert (round(share, 4), n_new) == (0.3429, 693) and share >= 0.3
    very = con.execute("SELECT avg(CASE WHEN answer = 'very' THEN 1 ELSE 0 END) FROM pmf_survey").fetchone()[0]
    assert round(very, 4) == 0.4521
    assert con.execute(f"SELECT count(*) FROM market WHERE {icp}").fetchone()[0] == 2114
    assert con.execute(f"SELECT count(*) FROM prospects WHERE {icp}").fetchone()[0] == 236


# --- loading into a store -----------------------------------------------------------------------
class FakeStore:
    def __init__(self):
        self.calls = []

    def load_frame(self, table, frame, file_name="fixture", mode="replace", content=None):
        self.calls.append((table, file_name, mode, frame.height))

        class Result:
            rows_imported = frame.height

        return Result()


def test_load_sample_calls_load_frame_per_table():
    store = FakeStore()
    counts = load_sample(store)
    assert counts == ROWS
    assert [c[0] for c in store.calls] == list(SAMPLE_TABLES)
    assert all(c[1] == f"{SAMPLE_PREFIX}{c[0]}" and c[2] == "replace" for c in store.calls)


def test_load_sample_into_a_real_store():
    store_mod = pytest.importorskip("icp_core.store")
    store = store_mod.Store(":memory:")
    assert load_sample(store) == ROWS
    assert store.tables() == ROWS
    assert set(store.extra_columns("accounts")) == set(EXTRAS)
    files = {i["file"] for i in store.imports()}
    assert files == {f"sample:{t}" for t in SAMPLE_TABLES}
    # loading again replaces, it does not append
    assert load_sample(store) == ROWS
    assert store.tables()["accounts"] == 2500
