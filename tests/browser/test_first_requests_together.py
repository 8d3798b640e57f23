"""Several people open shared links to different pages of a freshly started server at once.

Streamlit decides per process whether an app with a pages/ folder is an old-style multipage app;
until app.py has run once, a first request for /segments runs pages/segments.py alone (no
sidebar, no language from the link). ui.py switches that mode off and reruns. When several first
runs start together, only the first of them still sees the mode's flag: the others once stayed a
page alone, in English (a German session of the concurrency test waited in vain for "Kunden").
Every session must end up in app.py: the sidebar's language switch shows, in the link's language.
"""

from __future__ import annotations

import pytest

from icp_core.i18n import t
from icp_core.sample import load_sample
from icp_core.store import Store

from .conftest import LANGUAGE_WORD, assert_no_exception, wait_for_app
from .own_server import own_app_server

pytestmark = pytest.mark.browser

# (slug, the page's title key): every page once, two of them twice, as first requests
LINKS = [("segments", "nav.segments"), ("pmf", "nav.pmf"), ("data", "nav.data"), ("market", "nav.market"),
         ("icp", "nav.profile"), ("prospects", "nav.prospects"), ("segments", "nav.segments"), ("pmf", "nav.pmf")]


@pytest.fixture
def fresh_server(tmp_path):
    store = tmp_path / "together.duckdb"
    load_sample(Store(str(store)))
    with own_app_server(tmp_path, store) as server:
        yield server


def test_first_requests_to_page_links_all_run_through_app(fresh_server, browser):
    contexts, pages = [], []
    try:
        for index, (slug, _title) in enumerate(LINKS):  # all loads are under way before any is waited for
            lang = "de" if index % 2 == 0 else "en"
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(90_000)
            contexts.append(context)
            page = context.new_page()
            page.goto(f"{fresh_server.base_url}/{slug}?lang={lang}", wait_until="commit")
            pages.append((page, slug, lang))
        for (page, slug, lang), (_slug, title_key) in zip(pages, LINKS):
            wait_for_app(page, timeout_ms=90_000)
            assert_no_exception(page)
            sidebar = page.locator('[data-testid="stSidebar"]')
            label = sidebar.locator('[data-testid="stWidgetLabel"]', has_text=LANGUAGE_WORD[lang])
            assert label.count() == 1, f"/{slug}?lang={lang}: no language switch in the sidebar: the page ran without app.py"
            nav = sidebar.locator('[data-testid="stSidebarNav"] a', has_text=t(title_key, lang))
            assert nav.count() >= 1, f"/{slug}?lang={lang}: the navigation has no entry {t(title_key, lang)!r}"
            assert f"/{slug}" in page.url and f"lang={lang}" in page.url, page.url
    finally:
        for context in contexts:
            context.close()
