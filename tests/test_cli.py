"""The `icp` command line: exit codes, --json shapes, errors in en/de, export round trip."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from icp_core import cli
from icp_core.cli import main
from icp_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
GERMAN_CSV = (
    "Kundennummer;Firma;Land;Umsatz;Kunde seit;Tech Stack;Notiz\r\n"
    "K1;Müller GmbH;Deutschland;1.234,56;01.03.2024;\"HubSpot; Slack\";\"=HYPERLINK(\"\"x\"\")\"\r\n"
    "K2;Äpfel AG;Österreich;2.000.000,00;15.04.2024;;-5\r\n"
    "K3;Café Ltd;Schweiz;0,5;31.12.2023;Salesforce|Slack;@SUM(A1)\r\n"
).encode("cp1252")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def german_file(tmp_path) -> Path:
    path = tmp_path / "kunden.csv"
    path.write_bytes(GERMAN_CSV)
    return path


def test_import_json_report_has_the_contract_keys(german_file):
    status, out, err = run("import", str(german_file), "--table", "accounts", "--json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert {"table", "import_id", "rows_read", "rows_imported", "rows_rejected", "issues"} <= set(report)
    assert (report["table"], report["rows_read"], report["rows_imported"], report["rows_rejected"]) == (
        "accounts", 3, 3, 0)
    assert Store().tables() == {"accounts": 3}  # the ICP_DB store of this test


def test_import_human_report_and_issue_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Kundennummer,Mitarbeiter\nA1,zehn\nA1,5\n")
    status, out, _ = run("import", str(path), "--table", "accounts")
    assert status == 0
    assert "Imported 1 of 2 rows into accounts (import 1); 1 rejected." in out
    assert "icp undo 1" in out
    status, out, _ = run("import", str(path), "--table", "accounts", "--json", "--lang", "de")
    issues = json.loads(out)["issues"]
    assert {i["row"] for i in issues} == {1, 2}
    assert all(set(i) >= {"row", "column", "value", "reason"} for i in issues)


def test_export_round_trip_of_a_german_windows_file(german_file, tmp_path):
    assert run("import", str(german_file), "--table", "accounts")[0] == 0
    status, out, err = run("export", "--table", "accounts")
    assert (status, err) == (0, "")
    frame = pl.read_csv(io.StringIO(out), infer_schema=False)
    assert frame.columns[:3] == ["account_id", "company_name", "industry"]
    assert frame.columns[-1] == "Notiz"  # the extra column is kept, after the canonical ones
    k1, k2, k3 = frame.to_dicts()
    assert (k1["company_name"], k1["country"], k1["annual_revenue"], k1["start_date"]) == (
        "Müller GmbH", "DE", "1234.56", "2024-03-01")
    assert (k2["company_name"], k2["country"], k2["annual_revenue"], k2["start_date"]) == (
        "Äpfel AG", "AT", "2000000.0", "2024-04-15")
    assert (k3["country"], k3["annual_revenue"], k3["start_date"]) == ("CH", "0.5", "2023-12-31")
    assert k1["tech_stack"] == "HubSpot;Slack" and k3["tech_stack"] == "Salesforce;Slack"
    # formulas are neutralised in CSV; a plain negative number is left alone
    assert k1["Notiz"] == "'=HYPERLINK(\"x\")"
    assert k3["Notiz"] == "'@SUM(A1)"
    assert k2["Notiz"] == "-5"


def test_export_json_lists_and_dates(german_file):
    run("import", str(german_file), "--table", "accounts")
    status, out, _ = run("export", "--table", "accounts", "--format", "json")
    assert status == 0
    rows = json.loads(out)
    assert isinstance(rows, list) and len(rows) == 3
    assert rows[0]["tech_stack"] == ["HubSpot", "Slack"]
    assert rows[1]["tech_stack"] is None
    assert rows[0]["start_date"] == "2024-03-01"
    assert rows[0]["annual_revenue"] == 1234.56
    assert rows[0]["Notiz"] == "=HYPERLINK(\"x\")"  # JSON is data, not a spreadsheet: kept as is
    assert json.loads(run("export", "--table", "accounts", "--json")[1]) == rows  # --json alone means json


def test_export_parquet_to_file_equals_the_store(german_file, tmp_path):
    run("import", str(german_file), "--table", "accounts")
    out_path = tmp_path / "accounts.parquet"
    status, out, _ = run("export", "--table", "accounts", "--out", str(out_path), "--json")
    assert status == 0
    assert json.loads(out) == {"table": "accounts", "rows": 3, "format": "parquet", "out": str(out_path)}
    assert pl.read_parquet(out_path).equals(Store().export_frame("accounts"))
    # parquet to a text stream makes no sense: a clear error
    status, _, err = run("export", "--table", "accounts", "--format", "parquet")
    assert status == 2 and "--out" in err


def test_export_csv_neutralises_formula_cells():
    frame = pl.DataFrame({"a": ["=1+1", "+49 30 123", "-2+3", "@x", "\tx", "-5", "+49", "ok", None], "n": list(range(9))})
    cleaned = cli.neutralise_formulas(frame)
    assert cleaned["a"].to_list() == ["'=1+1", "'+49 30 123", "'-2+3", "'@x", "'\tx", "-5", "+49", "ok", None]
    assert cleaned["n"].to_list() == list(range(9))


def test_imports_and_undo(german_file):
    run("import", str(german_file), "--table", "accounts")
    run("import", str(german_file), "--table", "accounts", "--mode", "append")
    status, out, _ = run("imports", "--json")
    assert status == 0
    entries = json.loads(out)
    assert [e["import_id"] for e in entries] == [2, 1]
    for e in entries:
        assert {"import_id", "table", "file", "sha256", "at", "rows_imported", "rows_rejected"} <= set(e)
        assert e["file"] == "kunden.csv" and len(e["sha256"]) == 64 and e["at"].endswith("Z")
    assert (entries[0]["rows_imported"], entries[0]["rows_rejected"]) == (0, 3)
    status, out, _ = run("imports")
    assert status == 0 and "kunden.csv" in out and "append" in out

    status, out, _ = run("undo", "1")
    assert status == 0 and "Import 1 undone: 3 rows removed from accounts" in out
    assert Store().tables() == {"accounts": 0}  # the append (which brought no rows) still stands
    assert run("undo", "2")[0] == 0
    assert Store().tables() == {}  # with every import undone, the table is gone as if never imported
    status, _, err = run("undo", "1")
    assert status == 2
    assert err == "Import 1 has already been undone; there is nothing left to revert.\n"


def test_errors_go_to_stderr_in_the_chosen_language_and_change_nothing(tmp_path, german_file):
    run("import", str(german_file), "--table", "accounts")
    version = Store().data_version()
    missing = str(tmp_path / "nope.csv")
    for argv, needle_en, needle_de in [
        (["undo", "42"], "There is no import with id 42", "Es gibt keinen Import mit der Nummer 42"),
        (["export", "--table", "deals"], "The table 'deals' holds no data yet",
         "Die Tabelle 'deals' enthält noch keine Daten"),
        (["--as-of", "31.12.2024", "imports"], "write --as-of as YYYY-MM-DD", "als JJJJ-MM-TT"),
        (["import", str(german_file), "--table", "accounts", "--mapping", missing],
         "The mapping file", "Die Zuordnungsdatei"),
    ]:
        status, out, err = run(*argv)
        assert (status, out) == (2, "")
        assert needle_en in err and err.count("\n") == 1, err
        status, out, err = run(*argv, "--lang", "de")  # --lang after the command
        assert status == 2 and needle_de in err, err
        status, out, err = run("--lang", "de", *argv)  # ... or before it
        assert status == 2 and needle_de in err, err
    status, _, err = run("import", missing, "--table", "accounts")
    assert status == 2 and err.strip()
    assert Store().data_version() == version


def test_usage_errors_exit_2(german_file):
    status, _, err = run("import", str(german_file))  # --table missing
    assert status == 2 and "--table" in err and "icp import --help" in err
    status, _, err = run("import", str(german_file), "--table", "customers")
    assert status == 2 and "customers" in err
    status, _, err = run("frobnicate")
    assert status == 2
    assert run()[0] == 2
    assert run("--help")[0] == 0


def test_bad_mapping_file_is_refused(tmp_path, german_file):
    mapping = tmp_path / "m.json"
    mapping.write_text("[1, 2]")
    status, _, err = run("import", str(german_file), "--table", "accounts", "--mapping", str(mapping))
    assert status == 2 and "not a JSON object" in err
    mapping.write_text(json.dumps({"Kundennummer": "account_id", "Firma": "company_name", "Notiz": None}))
    status, out, _ = run("import", str(german_file), "--table", "accounts", "--mapping", str(mapping), "--json")
    assert status == 0
    assert Store().columns("accounts")[-1] == "Notiz"
    assert Store().export_frame("accounts")["country"].null_count() == 3  # Land was not mapped this time


def test_a_bug_exits_1_with_one_sentence(monkeypatch):
    def broken(self, table=None):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(Store, "imports", broken)
    status, out, err = run("imports")
    assert status == 1 and out == ""
    assert err.startswith("Something went wrong inside ICP Workbench (ZeroDivisionError: oops).")
    status, _, err = run("imports", "--lang", "de")
    assert status == 1 and err.startswith("In ICP Workbench ist ein Fehler aufgetreten")


def test_db_option_wins_over_env(tmp_path, german_file):
    other = tmp_path / "other.duckdb"
    assert run("--db", str(other), "import", str(german_file), "--table", "accounts")[0] == 0
    assert Store(str(other)).tables() == {"accounts": 3}
    assert Store().tables() == {}  # the ICP_DB store was not touched


def test_demo_loads_the_sample():
    pytest.importorskip("icp_core.sample")
    status, out, err = run("demo", "--json")
    assert status == 0, err
    tables = json.loads(out)["tables"]
    assert tables["accounts"] > 0
    stored = Store().tables()
    assert all(stored[name] == n for name, n in tables.items() if n)
    assert Store().is_sample()


def test_subprocess_module_and_console_script(tmp_path, german_file):
    env = dict(os.environ, ICP_DB=str(tmp_path / "sub.duckdb"))
    done = subprocess.run([sys.executable, "-m", "icp_core", "import", str(german_file), "--table", "accounts",
                           "--json"], env=env, capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["rows_imported"] == 3
    script = Path(sys.executable).parent / "icp"
    if not script.exists():
        pytest.skip("console script not installed")
    done = subprocess.run([str(script), "export", "--table", "accounts"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout.decode("utf-8").splitlines()[1].startswith("K1,Müller GmbH,")
    done = subprocess.run([str(script), "--lang", "de", "undo", "7"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").startswith("Es gibt keinen Import mit der Nummer 7")
