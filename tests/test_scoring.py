"""Prospect scoring (icp_core.scoring): exact scores and reasons, unknown values, tiers at the
cut-offs, the backtest on the sample company, formula-safe CSV/XLSX, reading a file for scoring."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import polars as pl
import pytest

from icp_core import scoring
from icp_core.errors import IcpError
from icp_core.store import Store

ICP = [
    {"field": "industry", "values": ["Maschinenbau"], "weight": 1},
    {"field": "employees", "low": 51, "high": 200, "weight": 1},
    {"field": "tech_stack", "values": ["SAP Business One"], "weight": 1},
]


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"company_id": pl.String, "name": pl.String, "industry": pl.String,
                                      "employees": pl.Int64, "tech_stack": pl.List(pl.String)})


def _one(row: dict, criteria=ICP, cutoffs=None, lang="en") -> dict:
    return scoring.score_frame(_frame([row]), criteria, cutoffs, lang).row(0, named=True)


# ---------------------------------------------------------------- explains itself

def test_two_of_three_criteria_exact_score_and_reasons():
    r = _one({"company_id": "X1", "name": "Nord GmbH", "industry": " maschinenbau ", "employees": 120,
              "tech_stack": ["Excel", "DATEV"]})
    assert r["fit_score"] == 66.7  # 100 x 2 / 3, one decimal
    assert r["tier"] == "B"
    assert r["confidence"] == 1.0
    assert (r["met"], r["missed"], r["unknown"]) == (2, 1, 0)
    assert r["reasons"] == ("✓ industry Maschinenbau (weight 1) · ✓ 51-200 employees (weight 1) · "
                            "✗ no SAP Business One (weight 1)")


def test_weights_enter_the_score_and_reasons_in_german():
    crit = [{**ICP[0], "weight": 2}, {**ICP[1], "weight": 0.5}, {**ICP[2], "weight": 1.5}]
    r = _one({"company_id": "X", "name": "n", "industry": "Logistik", "employees": 51, "tech_stack": ["sap business one"]},
             crit, lang="de")
    assert r["fit_score"] == 50.0  # (0.5 + 1.5) / 4
    assert r["tier"] == "B"
    assert r["reasons"] == ("✗ Branche nicht Maschinenbau (Gewicht 2) · ✓ 51-200 Mitarbeiter (Gewicht 0,5) · "
                            "✓ nutzt SAP Business One (Gewicht 1,5)")


def test_unknown_value_is_neither_met_nor_missed_and_lowers_confidence():
    r = _one({"company_id": "X", "name": "n", "industry": "Maschinenbau", "employees": None,
              "tech_stack": ["SAP Business One"]})
    assert r["fit_score"] == 100.0  # 2 of the 2 criteria that can be judged
    assert r["confidence"] == 0.6667
    assert (r["met"], r["missed"], r["unknown"]) == (2, 0, 1)
    assert r["reasons"] == ("✓ industry Maschinenbau (weight 1) · ? 51-200 employees: unknown (weight 1) · "
                            "✓ uses SAP Business One (weight 1)")
    # an empty tech stack is unknown too, a missing column as well
    r = _one({"company_id": "X", "name": "n", "industry": "Bau", "employees": 300, "tech_stack": []})
    assert (r["fit_score"], r["confidence"], r["unknown"]) == (0.0, 0.6667, 1)
    r = scoring.score_frame(pl.DataFrame({"industry": ["Maschinenbau"]}), ICP).row(0, named=True)
    assert (r["fit_score"], r["confidence"], r["tier"]) == (100.0, 0.3333, "A")


def test_nothing_to_judge_gives_no_score_and_tier_d():
    r = _one({"company_id": "X", "name": "n", "industry": None, "employees": None, "tech_stack": None})
    assert r["fit_score"] is None
    assert r["tier"] == "D"
    assert r["confidence"] == 0.0
    assert r["reasons"].count("unknown") == 3


def test_weight_zero_switches_a_criterion_off():
    crit = [ICP[0], {**ICP[1], "weight": 0}, ICP[2]]
    r = _one({"company_id": "X", "name": "n", "industry": "Maschinenbau", "employees": 5000, "tech_stack": ["Excel"]}, crit)
    assert r["fit_score"] == 50.0
    assert "employees" not in r["reasons"]


def test_explain_lists_each_criterion():
    rows = scoring.explain({"industry": "Maschinenbau", "employees": 10, "tech_stack": None}, ICP)
    assert [(x["criterion"], x["outcome"]) for x in rows] == [
        ("industry=Maschinenbau", "met"), ("employees=51-200", "missed"), ("tech_stack=SAP Business One", "unknown")]


def test_open_ranges_bands_and_other_fields():
    frame = pl.DataFrame({"employees": [50, 51, 10_001, None], "annual_revenue": [5e6, 20e6, 60e6, None],
                          "country": ["de", "AT", "CH", None]})
    crit = [{"field": "employees", "low": 51}, {"field": "revenue_band", "values": ["10M-50M"]},
            {"field": "country", "values": ["DE", "AT"]}]
    out = scoring.score_frame(frame, crit)
    assert out["fit_score"].to_list() == [33.3, 100.0, 33.3, None]
    assert out["reasons"][0] == ("✗ not ≥ 51 employees (weight 1) · ✗ revenue band not 10M-50M (weight 1) · "
                                 "✓ country DE / AT (weight 1)")


def test_bad_criteria_and_weights_are_refused():
    with pytest.raises(IcpError) as err:
        scoring.score_frame(_frame([]), [{"field": "industry"}])
    assert err.value.key == "scoring.bad_criterion"
    with pytest.raises(IcpError) as err:
        scoring.normalise_criteria([{"field": "industry", "values": ["x"], "weight": -1}])
    assert err.value.key == "scoring.bad_weight"
    with pytest.raises(IcpError) as err:
        scoring.score_frame(_frame([]), [{**ICP[0], "weight": 0}])
    assert err.value.key == "scoring.no_criteria"


def test_criteria_from_specs_and_saved_weights():
    crit = scoring.criteria_from_specs(["industry=Maschinenbau", "employees=51-200", "tech:SAP Business One"])
    assert [c["id"] for c in crit] == ["industry=Maschinenbau", "employees=51-200", "tech_stack=SAP Business One"]
    weighted = scoring.apply_weights(crit, {"employees=51-200": 3})
    assert [c["weight"] for c in weighted] == [1.0, 3.0, 1.0]
    with pytest.raises(IcpError):
        scoring.criteria_from_specs(["tech:Excel=no"])


# ---------------------------------------------------------------- tiers

@pytest.mark.parametrize("score, tier", [(100, "A"), (75, "A"), (74.9, "B"), (50, "B"), (49.9, "C"), (25, "C"),
                                         (24.9, "D"), (0, "D"), (None, "D")])
def test_tier_at_default_cutoffs(score, tier):
    assert scoring.tier_of(score) == tier


def test_tiers_at_the_boundaries_through_score_frame():
    # weights 3 / 1 give exactly 75, 25; 1 / 1 gives 50: a score on a cut-off takes the higher tier
    crit = [{"field": "industry", "values": ["M"], "weight": 3}, {"field": "country", "values": ["DE"], "weight": 1}]
    frame = pl.DataFrame({"industry": ["M", "X", "X", "M"], "country": ["X", "DE", "X", "DE"]})
    out = scoring.score_frame(frame, crit)
    assert out["fit_score"].to_list() == [75.0, 25.0, 0.0, 100.0]
    assert out["tier"].to_list() == ["A", "C", "D", "A"]
    out = scoring.score_frame(frame, crit, {"A": 80, "B": 75, "C": 30})
    assert out["tier"].to_list() == ["B", "D", "D", "A"]
    half = scoring.score_frame(pl.DataFrame({"industry": ["M"], "country": ["X"]}),
                               [{**crit[0], "weight": 1}, crit[1]])
    assert (half["fit_score"][0], half["tier"][0]) == (50.0, "B")


def test_cutoffs_are_checked():
    assert scoring.parse_cutoffs("80,60,30") == {"A": 80.0, "B": 60.0, "C": 30.0}
    for bad in ({"A": 50, "B": 60}, {"C": -1}, {"A": 101}):
        with pytest.raises(IcpError) as err:
            scoring.check_cutoffs(bad)
        assert err.value.key == "scoring.bad_cutoffs"
    with pytest.raises(IcpError):
        scoring.parse_cutoffs("80,60")


# ---------------------------------------------------------------- sample company

@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from icp_core.sample import load_sample

    store = Store(str(tmp_path_factory.mktemp("scoring") / "sample.duckdb"))
    load_sample(store)
    return store


def test_default_criteria_recover_the_planted_icp(sample_store):
    cur = sample_store.cursor()
    try:
        crit = scoring.default_criteria(cur)
    finally:
        cur.close()
    assert [(c["field"], c.get("values"), c.get("low"), c.get("high")) for c in crit] == [
        ("industry", ["Maschinenbau"], None, None), ("employees", None, 51.0, 200.0),
        ("tech_stack", ["SAP Business One"], None, None)]
    assert crit[2]["evidence"]["share_want_more"] == 0.7104  # 211 of the 297 want-more customers


def test_sample_prospects_236_fit_every_criterion(sample_store):
    cur = sample_store.cursor()
    try:
        crit = scoring.default_criteria(cur)
        scored = scoring.score_frame(scoring.stored_prospects(cur), crit)
    finally:
        cur.close()
    assert scored.height == 1000
    assert scored.filter(pl.col("met") == 3).height == 236  # sample_data/README.md: 236 fit the ICP
    # one more scores 100 on what can be judged: its tech stack is empty (unknown), confidence 2/3
    unknown = scored.filter(pl.col("unknown") > 0)
    assert unknown.select("company_id", "fit_score", "confidence").rows() == [("P-00763", 100.0, 0.6667)]
    assert scoring.tier_counts(scored) == {"A": 237, "B": 181, "C": 262, "D": 320}


def test_backtest_separates_the_planted_groups(sample_store):
    cur = sample_store.cursor()
    try:
        crit = scoring.default_criteria(cur)
        bt = scoring.backtest(cur, crit)
    finally:
        cur.close()
    assert bt["as_of"] == "2025-12-31"
    assert bt["accounts"] == 2500 and bt["unscored"] == 0
    tiers = {row["group"]: row for row in bt["tiers"]}
    assert tiers["want_more"] == {"group": "want_more", "n": 297, "A": 211, "B": 86, "C": 0, "D": 0}
    assert tiers["dont_want"] == {"group": "dont_want", "n": 410, "A": 0, "B": 0, "C": 40, "D": 370}
    assert (tiers["retained"]["n"], tiers["churned"]["n"]) == (936, 257)  # the 12-month base of 1,193
    assert bt["want_more_in_ab"] == {"share": 1.0, "count": 297, "n": 297}
    assert bt["churned_in_cd"] == {"share": 0.8405, "count": 216, "n": 257}
    assert bt["auc_groups"] == {"value": 1.0, "n": 707, "n_positive": 297, "n_negative": 410}
    assert bt["auc_groups"]["value"] >= 0.9
    assert bt["auc_retention"] == {"value": 0.6097, "n": 1193, "n_positive": 936, "n_negative": 257}
    assert bt["auc_retention"]["value"] > 0.55  # the ICP churns less, with a margin above chance


def test_backtest_moves_with_the_weights(sample_store):
    cur = sample_store.cursor()
    try:
        crit = scoring.default_criteria(cur)
        only_tools = scoring.apply_weights(crit, {"industry=Maschinenbau": 0, "employees=51-200": 0})
        bt = scoring.backtest(cur, only_tools)
    finally:
        cur.close()
    # SAP Business One alone: the 86 want-more customers without it drop to D
    tiers = {row["group"]: row for row in bt["tiers"]}
    assert (tiers["want_more"]["A"], tiers["want_more"]["D"]) == (211, 86)
    assert bt["auc_groups"]["value"] < 1.0


def test_resolve_criteria_prefers_a_saved_icp_version(sample_store):
    versions = [{"version": 1, "at": "2026-01-01T00:00:00", "profile": {"criteria": [ICP[0]]}},
                {"version": 2, "at": "2026-01-02T00:00:00", "profile": {"criteria": ICP}}]
    cur = sample_store.cursor()
    try:
        crit, source = scoring.resolve_criteria(cur, versions)
    finally:
        cur.close()
    assert source["kind"] == "icp_version" and source["version"] == 2
    assert len(crit) == 3


# ---------------------------------------------------------------- exports stay inert

EVIL = ['=HYPERLINK("http://x")', "+cmd", "-1+1", "@SUM(A1)", "<img src=x onerror=alert(1)>", "\tTab", "Plain GmbH"]


def _evil_scored() -> pl.DataFrame:
    frame = _frame([{"company_id": f"E{i}", "name": name, "industry": "Maschinenbau", "employees": 100 + i,
                     "tech_stack": ["=cmd|' /C calc'!A0"]} for i, name in enumerate(EVIL)])
    return scoring.output_frame(scoring.score_frame(frame, ICP), best_first=False)


def test_csv_neutralises_formulas():
    data = scoring.to_csv(_evil_scored())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    names = [r["name"] for r in rows]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+cmd", "'-1+1", "'@SUM(A1)", "<img src=x onerror=alert(1)>",
                     "'\tTab", "Plain GmbH"]
    assert {r["tech_stack"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert rows[0]["fit_score"] == "66.7" and rows[0]["tier"] == "B"
    assert list(rows[0])[:6] == ["id", "name", "fit_score", "tier", "confidence", "reasons"]


def test_xlsx_cells_are_strings_never_formulas():
    import fastexcel

    data = scoring.to_xlsx(_evil_scored())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert "=HYPERLINK" in shared  # stored as text
    # the name column (B) of data rows holds shared strings (t="s")
    assert all('t="s"' in cell for cell in re.findall(r'<c r="B\d+"[^>]*>', sheet))
    frame = fastexcel.read_excel(data).load_sheet(0).to_polars()
    assert frame["name"].to_list()[:4] == ["'=HYPERLINK(\"http://x\")", "'+cmd", "'-1+1", "'@SUM(A1)"]
    assert frame["fit_score"].dtype == pl.Float64 and frame["fit_score"][0] == 66.7


# ---------------------------------------------------------------- reading a file for scoring

def test_every_input_row_is_kept_with_its_id_or_row_number():
    text = "Firma;Firmen-ID;Branche;Mitarbeiter\nA GmbH;K1;Maschinenbau;120\nB GmbH;;Bau;n/a\nC GmbH;K1;Maschinenbau;x\n"
    frame, prepared = scoring.read_for_scoring(text.encode("utf-8"), "list.csv")
    assert frame["company_id"].to_list() == ["K1", "2", "K1"]  # an empty id -> the row number; repeats kept
    assert frame["_row"].to_list() == [1, 2, 3]
    assert frame["employees"].to_list() == [120, None, None]
    assert [(i.row, i.column) for i in prepared.issues] == [(3, "Mitarbeiter")]
    out = scoring.score_frame(frame, ICP[:2])
    assert out["fit_score"].to_list() == [100.0, 0.0, 100.0]
    assert out["confidence"].to_list() == [1.0, 0.5, 0.5]


def test_file_without_id_column_uses_row_numbers():
    frame, _ = scoring.read_for_scoring(b"name,industry\nX,Bau\nY,Maschinenbau\n", "x.csv")
    assert frame["company_id"].to_list() == ["1", "2"]
