"""`icp score FILE [--out SCORED.csv]` (CLI.md): one row per input row with its id, fit_score,
tier and reasons; --json prints the list, --out writes formula-safe CSV or XLSX; clear errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from icp_core.cli import main
from icp_core.store import Store

ROWS = (
    "company_id,name,industry,employees,tech_stack\n"
    "P1,Nord GmbH,Maschinenbau,120,Excel;SAP Business One\n"
    ",\"=HYPERLINK(\"\"http://x\"\")\",Maschinenbau,120,Excel\n"
    "P3,Süd AG,Bau,,\n"
)
SPECS = ["--criterion", "industry=Maschinenbau", "--criterion", "employees=51-200", "--criterion", "tech:SAP Business One"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    src = tmp_path / "fair_list.csv"
    src.write_text(ROWS, encoding="utf-8")
    return tmp_path, str(tmp_path / "store.duckdb"), str(src)


def test_json_one_row_per_input_row(files):
    _, db, src = files
    code, out, err = run("--db", db, "score", src, *SPECS, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["P1", "2", "P3"]  # the second row has no id: its row number
    assert [(r["fit_score"], r["tier"]) for r in rows] == [(100.0, "A"), (66.7, "B"), (0.0, "D")]
    assert rows[1]["reasons"] == ("✓ industry Maschinenbau (weight 1) · ✓ 51-200 employees (weight 1) · "
                                  "✗ no SAP Business One (weight 1)")
    # P3: employees and tech stack unknown, judged on the industry alone
    assert (rows[2]["confidence"], rows[2]["reasons"].count("unknown")) == (0.3333, 2)


def test_out_csv_is_formula_safe_and_in_input_order(files):
    tmp, db, src = files
    target = tmp / "scored.csv"
    code, out, err = run("--db", db, "score", src, *SPECS, "--out", str(target))
    assert code == 0, err
    assert "3 companies scored (A 1, B 1, C 0, D 1); written to" in out
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["P1", "2", "P3"]
    assert rows[1]["name"] == "'=HYPERLINK(\"http://x\")"
    assert [r["fit_score"] for r in rows] == ["100.0", "66.7", "0.0"]


def test_out_xlsx_has_no_formula(files):
    import fastexcel

    tmp, db, src = files
    target = tmp / "scored.xlsx"
    code, _, err = run("--db", db, "score", src, *SPECS, "--out", str(target), "--json")
    assert code == 0, err
    data = target.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    frame = fastexcel.read_excel(data).load_sheet(0).to_polars()
    assert frame["name"].to_list() == ["Nord GmbH", "'=HYPERLINK(\"http://x\")", "Süd AG"]
    assert frame["tier"].to_list() == ["A", "B", "D"]


def test_human_output_in_german_with_cutoffs(files):
    _, db, src = files
    code, out, err = run("--db", db, "score", src, *SPECS, "--cutoffs", "100,60,10", "--lang", "de")
    assert code == 0, err
    assert "Kriterien:" in out
    assert "3 Unternehmen bewertet: A 1, B 1, C 0, D 1." in out
    assert "66,7" in out and "✗ kein SAP Business One (Gewicht 1)" in out


def test_saved_icp_version_and_weights_are_used(files):
    _, db, src = files
    store = Store(db)
    store.set_setting("icp_versions", [{"version": 1, "at": "2026-01-01T00:00:00", "profile": {"criteria": [
        {"field": "industry", "values": ["Maschinenbau"], "weight": 0.5},
        {"field": "tech_stack", "values": ["SAP Business One"], "weight": 0.5}]}}])
    store.set_setting("scoring", {"weights": {"industry=Maschinenbau": 3}, "cutoffs": {"A": 90, "B": 70, "C": 20}})
    code, out, err = run("--db", db, "score", src, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["fit_score"], r["tier"]) for r in rows] == [(100.0, "A"), (85.7, "B"), (0.0, "D")]  # 3 / 3.5


@pytest.mark.parametrize("argv, message", [
    (["score", "missing.csv", *SPECS], "There is no file 'missing.csv'."),
    (["score", "SRC", *SPECS, "--cutoffs", "50,60,10"], "Tier cut-offs must satisfy 100 ≥ A ≥ B ≥ C ≥ 0"),
    (["score", "SRC", "--cutoffs", "1,2"], "'1,2' is not three cut-offs"),
    (["score", "SRC", "--criterion", "industry"], "'industry'"),
    (["score", "SRC"], "There are no ICP criteria yet"),
])
def test_bad_input_exits_2_with_one_sentence(files, argv, message):
    _, db, src = files
    code, out, err = run("--db", db, *[src if a == "SRC" else a for a in argv])
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and out == ""
