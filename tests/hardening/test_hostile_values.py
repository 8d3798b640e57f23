"""Hostile values (docs/RELIABILITY.md): HTML/JS, Markdown, formula prefixes, SQL fragments,
control characters, right-to-left marks and 5,000-character strings in company names, text fields
and column headers are imported intact, round-trip through `icp export` exactly (CSV: except the
formula neutralising), and stay inert in every export (CSV, XLSX, Markdown, HTML, SVG charts)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

import polars as pl
import pytest

from icp_core import charts, exports, health, scoring
from icp_core import profile as profile_core
from icp_core.cli import main as icp
from icp_core.store import Store

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** [link](javascript:alert(1))",
    '=HYPERLINK("http://evil")',
    "+cmd",
    "-2+3",
    "@SUM(A1)",
    "'); DROP TABLE accounts; --",
    'Robert"); DROP TABLE _imports;--',
    "ctrl\x07bell\x1besc\x01",
    "\u202eevil\u202c rtl \u200f mark",
    "Z" * 5000,
]
HOSTILE_HEADERS = ["<script>alert(2)</script>", "<img src=x onerror=alert(2)>", '=cmd|"/c calc"!A1', "@head",
                   "'); DROP TABLE accounts; --", "**md** [x](javascript:alert(2))", "\u202eRTL header"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def hostile_csv(copies: int = 3) -> bytes:
    header = ["account_id", "company_name", "industry", "city", "tier", "employees", "country"] + HOSTILE_HEADERS
    rows = [header]
    for k in range(copies):
        for i, value in enumerate(HOSTILE):
            rows.append([f"A{k}-{i}", value, value, value, "want_more" if k < copies - 1 else "neutral",
                         str(10 + i), "DE"] + [value] * len(HOSTILE_HEADERS))
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def hostile_store(tmp_path):
    store = Store(str(tmp_path / "hostile.duckdb"))
    result = store.import_file(hostile_csv(), "accounts", file_name="<script>alert(3)</script>.csv")
    assert result.rows_rejected == 0 and result.rows_imported == 3 * len(HOSTILE)
    return store


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA) else cell


def test_imported_intact(hostile_store):
    frame = hostile_store.export_frame("accounts")
    for column in ["company_name", "industry", "city", *HOSTILE_HEADERS]:
        assert column in frame.columns
        assert frame[column].to_list() == HOSTILE * 3, column
    # the SQL fragments did nothing: every table and the history are still there
    assert hostile_store.tables() == {"accounts": 3 * len(HOSTILE)}
    assert [e["file"] for e in hostile_store.imports()] == ["<script>alert(3)</script>.csv"]


def test_round_trip_through_icp_export(hostile_store, tmp_path):
    db = hostile_store.location
    out_json, out_csv = tmp_path / "a.json", tmp_path / "a.csv"
    assert icp(["--db", db, "export", "--table", "accounts", "--format", "json", "--out", str(out_json)]) == 0
    rows = json.loads(out_json.read_text(encoding="utf-8"))
    for column in ["company_name", "industry", *HOSTILE_HEADERS]:
        assert [r[column] for r in rows] == HOSTILE * 3, column  # exact
    assert icp(["--db", db, "export", "--table", "accounts", "--format", "csv", "--out", str(out_csv)]) == 0
    read = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8"), newline="")))
    header, body = read[0], read[1:]
    for cell in header + [c for r in body for c in r]:
        assert not cell.startswith(FORMULA) or cell.lstrip("+-").replace(".", "").isdigit(), f"live formula: {cell[:40]!r}"
    header = [unneutralise(h) for h in header]
    for column in ["company_name", "industry", *HOSTILE_HEADERS]:
        got = [unneutralise(r[header.index(column)]) for r in body]
        assert got == [v.replace("\r\n", "\n") for v in HOSTILE] * 3, column
    # and the exported CSV imports again: values come back with the neutralising quote, nothing else changed
    again = Store(str(tmp_path / "again.duckdb"))
    again.import_file(out_csv, "accounts")
    assert again.export_frame("accounts")["company_name"].to_list() == [
        ("'" + v if v.startswith(FORMULA) else v) for v in HOSTILE
    ] * 3


def _xlsx_cells(data: bytes) -> list[str]:
    import fastexcel

    frame = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string").to_polars()
    return [v for row in frame.iter_rows() for v in row if v is not None]


def test_xlsx_and_csv_exports_are_formula_safe(hostile_store):
    frame = hostile_store.export_frame("accounts").select("account_id", "company_name", *HOSTILE_HEADERS)
    data = scoring.to_xlsx(frame)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no cell is a formula
    cells = _xlsx_cells(data)
    assert all(not c.startswith(FORMULA) for c in cells), [c for c in cells if c.startswith(FORMULA)][:5]
    for value in HOSTILE:
        assert ("'" + value if value.startswith(FORMULA) else value) in cells, value[:40]
    for blob in (health.safe_csv(frame), scoring.to_csv(frame)):
        text = blob.decode("utf-8-sig")
        cells = [c for r in csv.reader(io.StringIO(text, newline="")) for c in r]
        assert all(not c.startswith(FORMULA) for c in cells), [c for c in cells if c.startswith(FORMULA)][:5]
        assert "Z" * 5000 in cells and "<script>alert(1)</script>" in cells


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _assert_inert_html(text: str) -> None:
    parser = _Tags()
    parser.feed(text)
    assert not [t for t, _ in parser.tags if t == "script"], "a <script> element"
    assert not [t for t, a in parser.tags if any(k.startswith("on") for k in a)], "an element with an on* handler"
    urls = ("href", "src", "xlink:href", "action", "formaction")
    assert not [a for _, a in parser.tags if any("javascript:" in (a.get(k) or "") for k in urls)], "a javascript: link"


def _assert_inert_svg(svg: str) -> None:
    root = ET.fromstring(svg[svg.find("<svg"):])
    for el in root.iter():
        assert not el.tag.lower().endswith("script"), "a script element in the SVG"
        assert not [k for k in el.attrib if k.lower().startswith("on")], f"an on* attribute on {el.tag}"


def test_profile_exports_are_inert(hostile_store):
    profile = profile_core.derive_profile(hostile_store.cursor())
    md = exports.to_markdown(profile)
    assert "<script>" not in md and "<img" not in md and "](javascript:" not in md
    chart_map = exports.build_charts(profile)
    html = exports.to_html(profile, chart_map=chart_map)
    _assert_inert_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "alert(1)" not in html
    for name, chart in chart_map.items():
        _assert_inert_svg(charts.to_svg(chart))
        assert charts.to_png(chart)[:4] == b"\x89PNG", name
    assert exports.evidence_csv(profile)  # writes without error


def test_chart_labels_are_inert_and_do_not_crash_the_renderer():
    """A BEL in a label used to abort the whole process inside vl-convert (fixed in charts._spec)."""
    frame = pl.DataFrame({"category": HOSTILE, "value": [0.1 * (i + 1) for i in range(len(HOSTILE))],
                          "n": [30] * len(HOSTILE)})
    chart = charts.bar_with_intervals(frame, "category", "value", n="n", title=HOSTILE[0], subtitle=HOSTILE[1])
    svg = charts.to_svg(chart)
    _assert_inert_svg(svg)
    assert "&lt;script&gt;" in svg or "<script>" not in svg
    assert charts.to_png(chart)[:4] == b"\x89PNG"
