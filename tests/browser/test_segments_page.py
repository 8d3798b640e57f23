"""The Segment explorer in a real browser: renders without error in English and German, shows
the segment table and the three groups, and the sample company's planted ICP segment
(Maschinenbau x 51-200) is on the page; the rules toggle finds the planted rule."""

from __future__ import annotations

import pytest

from icp_core.i18n import t

from .conftest import assert_no_exception, open_app_page, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_segments_page_renders_in_both_languages(app_server, page, lang):
    main = open_app_page(app_server, page, "segments", lang)
    text = main.inner_text()
    assert t("segpage.title", lang) in text
    assert t("segpage.table_title", lang) in text
    assert t("segpage.groups_title", lang) in text
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    screenshot(page, f"segments_{lang}")


def test_segments_rules_find_the_planted_icp(app_server, page):
    open_app_page(app_server, page, "segments")
    page.get_by_text(t("segpage.find_rules", "en"), exact=True).click()
    page.wait_for_timeout(500)
    wait_for_app(page, timeout_ms=120_000)  # the first rules run fits a tree and KMeans
    assert_no_exception(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Maschinenbau" in text and "SAP Business One" in text
    screenshot(page, "segments_en_rules")
