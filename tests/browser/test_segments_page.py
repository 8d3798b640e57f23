"""The Segment explorer in a real browser: renders without error in English and German, shows
the segment table and the three groups, and the sample company's planted ICP segment
(Maschinenbau x 51-200) is on the page; the rules toggle finds the planted rule."""

from __future__ import annotations

import pytest

from icp_core.i18n import t

from .conftest import assert_no_exception, click_nav_link, goto_page, nav_links, screenshot, switch_language, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _segments_href(page) -> str:
    for _label, href in nav_links(page):
        if href.rstrip("/").endswith("/segments"):
            return href
    pytest.fail(f"no Segments page in the navigation: {nav_links(page)}")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_segments_page_renders_in_both_languages(app_server, page, lang):
    goto_page(page, app_server.base_url)
    if lang == "de":
        switch_language(page, "de")
    click_nav_link(page, _segments_href(page))
    try:
        assert_no_exception(page)
    except BaseException:
        print(app_server.log.read_text(errors="replace")[-5000:])
        raise
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert t("segpage.title", lang) in text
    assert t("segpage.table_title", lang) in text
    assert t("segpage.groups_title", lang) in text
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    screenshot(page, f"segments_{lang}")


def test_segments_rules_find_the_planted_icp(app_server, page):
    goto_page(page, app_server.base_url)
    click_nav_link(page, _segments_href(page))
    page.get_by_text(t("segpage.find_rules", "en"), exact=True).click()
    page.wait_for_timeout(500)
    wait_for_app(page, timeout_ms=120_000)  # the first rules run fits a tree and KMeans
    assert_no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Maschinenbau" in text and "SAP Business One" in text
    screenshot(page, "segments_en_rules")
