"""Every export of the ICP profile opens, and user values stay inert in each of them."""

from __future__ import annotations

import csv
import io
import json
import struct
import xml.etree.ElementTree as ET
import zipfile
from datetime import date
from html.parser import HTMLParser

import polars as pl
import pytest

from icp_core import exports as E
from icp_core import profile as P
from icp_core.store import Store

EVIL_INDUSTRY = "<script>alert(1)</script>"
EVIL_TOOL = '=HYPERLINK("http://evil.example","click")'
EVIL_TITLE = "*Chef* [x](http://evil.example) | <b>boss</b>"


@pytest.fixture(scope="module")
def evil_profile(tmp_path_factory):
    store = Store(str(tmp_path_factory.mktemp("evil") / "evil.duckdb"))
    n = 80
    store.load_frame("accounts", pl.DataFrame({
        "account_id": [f"A{i:03d}" for i in range(n)],
        "company_name": ["=cmd|' /C calc'!A0"] * n,
        "industry": [EVIL_INDUSTRY] * 40 + ["Handel"] * 40,
        "employees": [80] * 40 + [20] * 40,
        "tech_stack": [[EVIL_TOOL, "Excel"]] * 40 + [["Excel"]] * 40,
        "start_date": [date(2024, 1, 1)] * n,
        "tier": ["want_more"] * 40 + ["dont_want"] * 40,
    }, schema_overrides={"tech_stack": pl.List(pl.String)}))
    store.load_frame("contacts", pl.DataFrame({
        "account_id": [f"A{i:03d}" for i in range(n)], "contact_id": [f"C{i}" for i in range(n)],
        "job_title": [EVIL_TITLE] * n, "buying_role": ["decision_maker"] * n,
    }))
    cur = store.cursor()
    try:
        return P.derive_profile(cur)
    finally:
        cur.close()


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in_h = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_h = tag in ("h1", "h2")

    def handle_endtag(self, tag):
        self._in_h = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h:
            self.headings.append(data)


def test_evil_profile_uses_the_values(evil_profile):
    assert P.criteria_specs(evil_profile["criteria"])[0] == f"industry={EVIL_INDUSTRY}"
    assert evil_profile["technographics"]["tools"]["icp"] == [EVIL_TOOL]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_html_escapes_every_value(evil_profile, lang):
    page = E.to_html(evil_profile, lang, E.build_charts(evil_profile, lang))
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags and "a" not in parser.tags
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert EVIL_INDUSTRY in "".join(parser.text)  # shown as text
    assert "svg" in parser.tags  # the charts are inline SVG
    for key in ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics"):
        assert E.t(f"profile.section.{key}", lang) in parser.headings


@pytest.mark.parametrize("lang", ["en", "de"])
def test_markdown_keeps_values_literal(evil_profile, lang):
    md = E.to_markdown(evil_profile, lang)
    assert "<script>" not in md and "\\<script\\>alert\\(1\\)\\</script\\>" in md
    assert "[x](http" not in md and "\\[x\\]\\(http" in md
    assert "\\*Chef\\*" in md and "\\| \\<b\\>boss\\</b\\>" in md
    for key in ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics"):
        assert f"## {E.t(f'profile.section.{key}', lang)}" in md
    # every table row keeps its three cells: no unescaped | from a value
    for line in md.splitlines():
        if line.startswith("| ") and E.t("profile.field.job_title", lang) in line:
            assert line.replace("\\|", "").count("|") == 4


def test_csv_neutralises_formulas(evil_profile):
    rows = list(csv.DictReader(io.StringIO(E.evidence_csv(evil_profile).decode("utf-8"))))
    tool = next(r for r in rows if r["field"] == "tools" and "HYPERLINK" in r["value"])
    assert tool["value"] == "'" + EVIL_TOOL and tool["in_icp"] == "true"
    assert all(not r["value"].startswith(("=", "+", "@")) for r in rows)


def test_json_parses_with_cli_keys(evil_profile):
    data = json.loads(E.to_json(evil_profile))
    for key in ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics", "criteria"):
        assert key in data
    assert data["criteria"][0]["values"] == [EVIL_INDUSTRY]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("lang", ["en", "de"])
def test_chart_files_open(evil_profile, lang):
    chart_map = E.build_charts(evil_profile, lang)
    assert set(chart_map) == {"industry", "size", "tools"}  # no retention (no churn data), no market
    files = E.chart_files(chart_map, lang)
    assert len(files) == 6
    for name, data in files.items():
        if name.endswith(".png"):
            w, h = _png_size(data)
            assert w > 700 and h > 300  # rendered at 2x
        else:
            root = ET.fromstring(data.decode("utf-8"))
            assert root.tag.endswith("svg")
            assert "<script" not in data.decode("utf-8").lower()
    z = zipfile.ZipFile(io.BytesIO(E.charts_zip(evil_profile, lang)))
    assert sorted(z.namelist()) == sorted(files)


def test_md_escape():
    assert E.md_escape("a*b_c`d<e>|f\ng") == "a\\*b\\_c\\`d\\<e\\>\\|f g"
