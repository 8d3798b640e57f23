"""Sizes (docs/RELIABILITY.md, "Sizes"): each hostile size is refused with a clear message or
imported, with memory bounded.

Each case runs in a fresh Python subprocess that reports its own peak RSS (VmHWM of
/proc/self/status: ru_maxrss would include the parent's size, since the exec that started the
child records the high-water mark of the memory it replaced, pytest's after a vfork); the figures are printed (run with -s) and appended
to test-output/reliability_sizes.jsonl. The 4 GB bound is a guard against blow-ups, not a
performance target; the subprocess timeout is a hang guard.

CI mode: the big upload has 100,000 rows; long mode (--long / ICP_LONG_TESTS=1): 1,000,000.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from icp_core.errors import IcpError
from icp_core.ingest import MAX_BYTES, read_file
from icp_core.ingest import read as read_module
from tests.hardening.conftest import cases

ROOT = Path(__file__).resolve().parents[2]
RSS_GUARD_MB = 4096  # blow-up guard only
HANG_GUARD_S = 600  # a hang guard for one subprocess, not a speed assertion
FIGURES = ROOT / "test-output" / "reliability_sizes.jsonl"

pytestmark = pytest.mark.timeout(1800)

HARNESS = textwrap.dedent(
    """
    import json, resource, sys, time
    from icp_core.errors import IcpError
    job = json.loads(sys.argv[1])
    out = {"case": job["case"]}
    started = time.perf_counter()
    try:
        if job["do"] == "read":
            from icp_core.ingest import read_file
            raw = read_file(job["file"], sheet=job.get("sheet"))
            out.update(ok=True, rows=raw.data.height, columns=raw.data.width, sheet=raw.detected.sheet)
        else:
            from icp_core.store import Store
            store = Store(job["db"])
            result = store.import_file(job["file"], job["table"], mode="replace")
            out.update(ok=True, rows=result.rows_imported, rejected=result.rows_rejected,
                       stored=store.tables().get(job["table"], 0), columns=len(store.columns(job["table"])))
            if job.get("check_value"):
                frame = store.export_frame(job["table"])
                out["value_len"] = max(len(v or "") for v in frame[job["check_value"]].to_list())
    except IcpError as err:
        out.update(ok=False, key=err.key, en=err.message("en"), de=err.message("de"))
    out["seconds"] = round(time.perf_counter() - started, 2)
    with open("/proc/self/status") as status:
        hwm_kb = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
    out["rss_mb"] = round((hwm_kb or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024, 1)
    print(json.dumps(out))
    """
)


def measured(case: str, **job) -> dict:
    """Run one read/import in a fresh interpreter; its result with peak RSS (MB)."""
    proc = subprocess.run(
        [sys.executable, "-c", HARNESS, json.dumps({"case": case, **{k: str(v) if isinstance(v, Path) else v
                                                                      for k, v in job.items()}})],
        cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD_S,
    )
    assert proc.returncode == 0, f"{case}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n[sizes] {json.dumps(result, ensure_ascii=False)}")
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")
    assert result["rss_mb"] < RSS_GUARD_MB, f"{case}: peak RSS {result['rss_mb']} MB (blow-up guard)"
    return result


def assert_clear_refusal(result: dict, key: str) -> None:
    assert result["ok"] is False, result
    assert result["key"] == key, result
    assert result["en"] and result["de"] and result["en"] != result["de"], result
    assert key not in result["en"], result


# ---------------------------------------------------------------- over the upload limit
def test_upload_limit_is_the_documented_one():
    assert MAX_BYTES == 200 * 1024 * 1024
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 200" in config  # the upload widget refuses what the reader would


def test_file_over_the_limit_is_refused_before_reading(tmp_path):
    data = b"account_id,name\n" + b"A1,x\n" * 400
    with pytest.raises(IcpError) as err:
        read_file(data, "big.csv", max_bytes=1000)
    assert err.value.key == "ingest.too_large"
    assert "MB" in err.value.message("en") and "MB" in err.value.message("de")
    # a file on disk one byte over the real limit: sparse, so nothing is written; never read
    big = tmp_path / "huge.csv"
    with big.open("wb") as f:
        f.write(b"account_id\n")
        f.truncate(MAX_BYTES + 1)
    result = measured("over the 200 MB limit (sparse file)", do="import", file=big, db=tmp_path / "s.duckdb",
                      table="accounts")
    assert_clear_refusal(result, "ingest.too_large")
    assert result["rss_mb"] < 1000  # refused by its size, not read into memory


# ---------------------------------------------------------------- wide, long lines
def test_ten_thousand_columns(tmp_path):
    n = 10_000
    header = ["account_id"] + [f"col_{i}" for i in range(1, n)]
    rows = [",".join(header)] + [",".join([f"A{r}"] + [str(r * i % 97) for i in range(1, n)]) for r in range(20)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(rows) + "\n")
    result = measured("10,000 columns x 20 rows", do="import", file=path, db=tmp_path / "s.duckdb", table="accounts")
    if result["ok"]:
        assert result["rows"] == 20 and result["stored"] == 20, result
        assert result["columns"] >= n, result  # every extra column kept
    else:
        assert result["key"].startswith("ingest."), result


def test_ten_megabyte_single_line_without_newline(tmp_path):
    """5 million separators on one line: refused before parsing (it took > 4.6 GB before the fix)."""
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"account_id," + b"x," * (5 * 1024 * 1024))
    result = measured("10 MB single line (5M separators)", do="import", file=path, db=tmp_path / "s.duckdb",
                      table="accounts")
    assert_clear_refusal(result, "ingest.too_many_columns")
    assert "16384" in result["en"] and "16384" in result["de"]
    # the same 10 MB line without separators: one column, header only
    path.write_bytes(b"account_id" + b"x" * (10 * 1024 * 1024))
    result = measured("10 MB single line (no separator)", do="import", file=path, db=tmp_path / "s.duckdb",
                      table="accounts")
    assert result["ok"] is False and result["key"] in ("ingest.no_rows", "ingest.no_account_id"), result
    assert_clear_refusal(result, result["key"])


def test_many_extra_columns_replace_and_undo_are_exact(tmp_store):
    """The wide-table path of the store (one rebuild instead of an ALTER per column): replace and
    undo give back exactly what was there."""
    width = 300
    wide = "account_id," + ",".join(f"x{i}" for i in range(width)) + "\n" + "\n".join(
        f"A{r}," + ",".join(f"v{r}.{i}" for i in range(width)) for r in range(5)) + "\n"
    first = tmp_store.import_file(wide.encode(), "accounts", file_name="wide.csv")
    before = tmp_store.export_frame("accounts")
    assert before.width == len(tmp_store.columns("accounts")) and "x299" in before.columns
    second = tmp_store.import_file(b"account_id,other\nB1,o\n", "accounts", file_name="narrow.csv")
    assert tmp_store.tables()["accounts"] == 1
    tmp_store.undo(second.import_id)
    assert tmp_store.export_frame("accounts").equals(before)
    tmp_store.undo(first.import_id)
    assert tmp_store.tables().get("accounts", 0) == 0


def test_ten_megabyte_cell_is_kept_intact(tmp_path):
    path = tmp_path / "big_cell.csv"
    cell = "y" * (10 * 1024 * 1024)
    path.write_text(f"account_id,company_name,notes\nA1,Acme,{cell}\nA2,Beta,short\n")
    result = measured("10 MB cell", do="import", file=path, db=tmp_path / "s.duckdb", table="accounts",
                      check_value="notes")
    assert result["ok"] is True and result["stored"] == 2, result
    assert result["value_len"] == len(cell), result


# ---------------------------------------------------------------- workbooks
def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def zip_bomb(inflated_bytes: int, lie: bool = False) -> bytes:
    """A valid-looking XLSX whose first sheet's XML inflates to `inflated_bytes` (rows of the same
    cells compress ~250:1). With lie=True the zip's declared sizes claim a few KB."""
    template = zipfile.ZipFile(io.BytesIO(_xlsx({"Sheet1": [["account_id", "name"], ["A1", "x"]]})))
    out = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>A1</t></is></c><c t="inlineStr"><is><t>' + b"x" * 40 + b"</t></is></c></row>"
    chunk = row * ((1 << 20) // len(row) + 1)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            data = template.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, data)
                continue
            head = data[: data.find(b"<sheetData>")] + b"<sheetData>"
            with archive.open(info.filename, "w", force_zip64=inflated_bytes > 2**31) as f:
                f.write(head)
                written = 0
                while written < inflated_bytes:
                    f.write(chunk)
                    written += len(chunk)
                f.write(b"</sheetData></worksheet>")
    data = out.getvalue()
    if lie:
        data = _lie_about_sizes(data)
    return data


def _lie_about_sizes(data: bytes) -> bytes:
    """Rewrite every (non-zip64) declared uncompressed size to 4 KB, in local and central headers."""
    buf = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    small = (4096).to_bytes(4, "little")
    for info in archive.infolist():
        if info.file_size > 4096:
            buf[info.header_offset + 22 : info.header_offset + 26] = small
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        if int.from_bytes(buf[pos + 24 : pos + 28], "little") > 4096:
            buf[pos + 24 : pos + 28] = small
        pos += 4
    return bytes(buf)


def test_zip_bomb_is_refused_without_inflating(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(3_000_000_000))  # ~12 MB on disk, 3 GB of sheet XML
    assert path.stat().st_size < 20_000_000
    result = measured("XLSX zip bomb (12 MB -> 3 GB)", do="import", file=path, db=tmp_path / "s.duckdb",
                      table="accounts")
    assert_clear_refusal(result, "ingest.unzipped_too_large")
    assert result["rss_mb"] < 500, result  # not inflated into memory
    assert "CSV" in result["en"] and "CSV" in result["de"]


def test_zip_bomb_with_lying_sizes_is_refused(monkeypatch):
    """Declared sizes can lie: the inflation itself is counted, and stopped at the limit."""
    monkeypatch.setattr(read_module, "MAX_UNZIPPED_BYTES", 20_000_000)
    data = zip_bomb(60_000_000, lie=True)
    assert max(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) <= 4096  # the lie took
    with pytest.raises(IcpError) as err:
        read_file(data, "liar.xlsx")
    assert err.value.key == "ingest.unzipped_too_large"
    # below the limit the same shape of workbook is read normally
    small = zip_bomb(2_000_000)
    raw = read_file(small, "ok.xlsx")
    assert raw.data.width == 2 and raw.data.height > 10_000  # the bomb's rows: header "A1", "xxx..."


def test_workbook_with_fifty_sheets(tmp_path):
    sheets = {f"Cover {i}": [["This workbook"], [f"page {i}"]] for i in range(1, 50)}
    sheets["Customers"] = [["account_id", "company_name", "employees"]] + [[f"A{i}", f"Co {i}", i] for i in range(1, 31)]
    path = tmp_path / "fifty.xlsx"
    path.write_bytes(_xlsx(sheets))
    assert len(zipfile.ZipFile(path).namelist()) > 50
    result = measured("workbook with 50 sheets", do="import", file=path, db=tmp_path / "s.duckdb", table="accounts")
    # without a chosen sheet the first sheet that looks like a table is taken: here a one-column
    # cover sheet, so the import is refused with a clear message (the user picks the sheet)
    if result["ok"]:
        assert result["stored"] == 30, result
    else:
        assert_clear_refusal(result, result["key"])
    raw = read_file(path, sheet="Customers")
    assert raw.data.height == 30 and raw.detected.sheet == "Customers"
    with pytest.raises(IcpError) as err:
        read_file(path, sheet="Sheet 51")
    assert err.value.key == "ingest.no_such_sheet" and "Customers" in err.value.message("en")


# ---------------------------------------------------------------- a big upload
def test_big_upload(tmp_path):
    n = cases(100_000, 1_000_000)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("Kundennummer;Firma;Land;Branche;Mitarbeiter;Umsatz;Kunde seit\n")
        for i in range(n):
            f.write(f"K{i:07d};Firma {i} GmbH;{'DE' if i % 3 else 'AT'};Software;{i % 5000 + 1};"
                    f"{(i % 977) * 1234.5:.2f}".replace(".", ",") + f";{1 + i % 28:02d}.{1 + i % 12:02d}.20{10 + i % 14}\n")
    size_mb = path.stat().st_size / 1e6
    result = measured(f"{n:,} rows ({size_mb:.0f} MB CSV)", do="import", file=path, db=tmp_path / "s.duckdb",
                      table="accounts")
    assert result["ok"] is True, result
    assert result["rows"] == n and result["rejected"] == 0 and result["stored"] == n, result
