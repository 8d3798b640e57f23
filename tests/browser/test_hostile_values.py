"""Hostile values in a real browser (docs/RELIABILITY.md, "Hostile values"): a store whose accounts
carry HTML/JS, Markdown links to javascript:, formula prefixes, SQL fragments, control characters,
right-to-left marks and a 5,000-character string, in company names, industries, cities,
tech_stack entries and in extra columns whose *headers* are hostile too. Every page of the
navigation is opened in English and in German; nothing may execute or turn into markup:

- no dialog (alert/confirm/prompt) opens;
- no Streamlit exception box, no "something went wrong" message;
- no <script> element whose text carries the payload, no element with an on* attribute carrying
  it, no <img src="x">, no href/src starting with javascript:;
- where the values are shown, they are shown as text: the industries are literally the labels of
  the Segments and PMF charts (SVG text), the Markdown value is literal text on the ICP page, and a
  hostile column header chosen as the segment dimension is the select box's text and the chart's
  axis title.

The store is this module's own (a server of its own, see own_server.py): the sample company with
the accounts replaced by a hostile copy (kept at 2,500 rows; 35 rows per hostile industry, so
segments with n >= 30 show them).
"""

from __future__ import annotations

import re
import urllib.parse

import polars as pl
import pytest

from icp_core.i18n import t
from icp_core.sample import sample_frames
from icp_core.store import Store
from tests.hardening.test_hostile_values import HOSTILE, HOSTILE_HEADERS

from .conftest import (
    arm_rerun_watch,
    assert_no_exception,
    goto_page,
    nav_links,
    screenshot,
    switch_language,
    wait_for_rerun,
)
from .own_server import own_app_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LONG = HOSTILE[-1]  # the 5,000-character string: charts cut it, so it is checked by its start
SHORT = [v for v in HOSTILE if v != LONG]
EXTRA_HEADERS = [HOSTILE_HEADERS[0], HOSTILE_HEADERS[1], HOSTILE_HEADERS[5]]  # <script>, <img onerror>, Markdown link
PER_INDUSTRY = 35
ACCOUNTS_FILE = "<script>alert(3)</script>.csv"


def hostile_accounts(accounts: pl.DataFrame) -> pl.DataFrame:
    """The sample accounts with hostile values mixed in (row positions fixed, so runs compare)."""
    n, h = accounts.height, len(HOSTILE)

    def spread(column: str, start: int, per: int) -> pl.Series:
        old = accounts[column].to_list()
        return pl.Series(column, [HOSTILE[(r - start) // per] if start <= r < start + h * per else old[r] for r in range(n)])

    stacks = accounts["tech_stack"].to_list()
    return accounts.with_columns(
        spread("company_name", 0, 3),  # 3 accounts per hostile name
        spread("industry", 100, PER_INDUSTRY),  # 35 accounts per hostile industry
        spread("city", 600, 30),
        pl.Series("tech_stack", [list(s or []) + [HOSTILE[r % h]] if 1000 <= r < 1000 + 30 * h else s
                                 for r, s in enumerate(stacks)], dtype=pl.List(pl.String)),
        *[pl.Series(header, [HOSTILE[r % h] for r in range(n)]) for header in EXTRA_HEADERS],
    )


def build_hostile_store(path) -> Store:
    store = Store(str(path))
    for table, frame in sample_frames().items():
        if table == "accounts":
            frame = hostile_accounts(frame)
            result = store.load_frame(table, frame, file_name=ACCOUNTS_FILE)
        else:
            result = store.load_frame(table, frame, file_name=f"sample:{table}")
        assert result.rows_rejected == 0 and result.rows_imported == frame.height, table
    stored = store.export_frame("accounts")
    for column in ("company_name", "industry", "city"):
        assert set(HOSTILE) <= set(stored[column].to_list()), column
    assert all(header in stored.columns for header in EXTRA_HEADERS)
    return store


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_server")
    build_hostile_store(folder / "hostile.duckdb")
    with own_app_server(folder, folder / "hostile.duckdb") as server:
        yield server


@pytest.fixture
def dialogs(page):
    """Every dialog the page opens (alert, confirm, prompt, beforeunload), dismissed and recorded."""
    opened: list[str] = []

    def record(dialog):
        opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    return opened


# The DOM checks, as one function over a document, so the test can prove they catch what they look for.
FIND_LIVE_PAYLOAD = """(root) => {
    const doc = root || document;
    const bad = [];
    for (const s of doc.querySelectorAll('script')) {
        if (/alert\\(/.test(s.textContent)) bad.push('script: ' + s.outerHTML.slice(0, 120));
    }
    for (const el of doc.querySelectorAll('*')) {
        for (const a of el.attributes) {
            const name = a.name.toLowerCase(), value = a.value.trim().toLowerCase();
            if (name.startsWith('on') && value.includes('alert')) bad.push('on* attribute: ' + el.outerHTML.slice(0, 120));
            if (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(name) && value.startsWith('javascript:'))
                bad.push('javascript: URL: ' + el.outerHTML.slice(0, 120));
        }
    }
    for (const img of doc.querySelectorAll('img[src="x"]')) bad.push('injected img: ' + img.outerHTML.slice(0, 120));
    return bad;
}"""

SVG_TEXTS = "() => [...document.querySelectorAll('svg text')].map(e => e.textContent)"


def bug_message_start(lang: str) -> str:
    return t("error.bug", lang, detail="\x00").split("\x00")[0]


def assert_inert(page, dialogs: list[str], where: str, lang: str) -> None:
    assert_no_exception(page)
    body = page.locator("body").inner_text()
    assert bug_message_start(lang) not in body, f"{where}: an error message is shown: {body[:600]}"
    live = page.evaluate(FIND_LIVE_PAYLOAD, None)
    assert not live, f"{where}: hostile values turned into live markup: {live}"
    assert not dialogs, f"{where}: a dialog opened: {dialogs}"


def assert_shown_as_text(labels: list[str], values: list[str], where: str) -> None:
    missing = [v for v in values if v not in labels]
    assert not missing, f"{where}: not shown literally as chart text: {missing}; chart texts: {labels[:80]}"


def navigate(page, href: str) -> None:
    """In-session navigation like conftest's click_nav_link, but the URL may carry the query the
    page writes (?lang=de&...): click_nav_link waits for the bare href and can miss it."""
    path = urllib.parse.urlsplit(href).path.rstrip("/")
    arm_rerun_watch(page)
    page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]').click()
    page.wait_for_url(re.compile(re.escape(path) + r"/?(\?.*)?$"))
    wait_for_rerun(page)


def _slug(href: str, base_url: str) -> str:
    return href.replace(base_url, "").strip("/").split("?")[0] or "home"


def test_the_checks_catch_live_payloads(page, dialogs):
    """The detectors are not blind: an injected payload is found, an alert is recorded."""
    page.set_content("<p>clean</p>")
    assert page.evaluate(FIND_LIVE_PAYLOAD, None) == []
    found = page.evaluate(
        """(check) => {
            const doc = new DOMParser().parseFromString(
                '<script>alert(1)</script><img src=x onerror=alert(1)><a href=" JavaScript:alert(1)">l</a>', 'text/html');
            return eval(check)(doc);
        }""",
        FIND_LIVE_PAYLOAD,
    )
    assert len(found) == 4, found  # the script, the on* attribute, the javascript: link, the img
    page.evaluate("() => alert('probe')")
    assert dialogs == ["alert: probe"]


def _check_page(page, dialogs, server, slug: str, lang: str) -> None:
    where = f"{lang}/{slug}"
    assert_inert(page, dialogs, where, lang)
    texts = page.evaluate(SVG_TEXTS)
    if slug == "segments":
        # the industries are the chart's labels, literally (the long one cut by the chart)
        assert_shown_as_text(texts, SHORT, where)
        assert any(x.startswith(LONG[:20]) for x in texts), f"{where}: the 5,000-character industry is not a chart label"
    elif slug == "pmf":
        assert_shown_as_text(texts, ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"], where)
    elif slug == "icp":
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "**bold** [link](javascript:alert(1))" in main, f"{where}: the Markdown value is not literal text"
    screenshot(page, f"hostile_{lang}_{slug}")


def test_every_page_in_english(hostile_server, page, dialogs):
    goto_page(page, hostile_server.base_url)
    links = nav_links(page)
    slugs = [_slug(href, hostile_server.base_url) for _, href in links]
    assert {"home", "data", "pmf", "segments", "icp"} <= set(slugs), slugs
    for href, slug in zip([h for _, h in links], slugs):
        goto_page(page, hostile_server.base_url, href.replace(hostile_server.base_url, ""))
        _check_page(page, dialogs, hostile_server, slug, "en")
    print(f"\nhostile values, English pages checked: {slugs}")


def test_every_page_in_german(hostile_server, page, dialogs):
    goto_page(page, hostile_server.base_url)
    switch_language(page, "de")
    assert_inert(page, dialogs, "de/home", "de")
    links = nav_links(page)
    slugs = []
    for _, href in links:
        slug = _slug(href, hostile_server.base_url)
        navigate(page, href)
        assert page.locator('[data-testid="stSidebar"] [data-testid="stWidgetLabel"]', has_text="Sprache").count() == 1
        _check_page(page, dialogs, hostile_server, slug, "de")
        slugs.append(slug)
    assert {"home", "segments"} <= set(slugs), slugs
    print(f"\nhostile values, German pages checked: {slugs}")


@pytest.mark.parametrize("header", EXTRA_HEADERS, ids=["script", "img_onerror", "markdown_link"])
def test_hostile_header_as_segment_dimension(hostile_server, page, dialogs, header):
    """A column whose header is hostile, picked (through the shared-link URL) as the dimension:
    the select box and the chart's axis title show the header as text; its values label the bars."""
    query = urllib.parse.urlencode({"seg_dim1": header, "seg_min_n": 30})
    goto_page(page, hostile_server.base_url, f"segments?{query}")
    where = f"segments by {header!r}"
    assert_inert(page, dialogs, where, "en")
    shown = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.locator("input").input_value()
    assert shown.startswith(header + "  ·  "), f"{where}: the select box does not show the header: {shown!r}"
    texts = page.evaluate(SVG_TEXTS)
    assert header in texts, f"{where}: the header is not the chart's axis title: {texts[:40]}"
    assert_shown_as_text(texts, ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                 "**bold** [link](javascript:alert(1))"], where)
    screenshot(page, f"hostile_en_segments_by_{EXTRA_HEADERS.index(header)}")
