"""The Market page in a real browser: renders without error in English and German, shows the
sample company's funnel (100,000 companies in the TAM), takes the planted ICP typed in and shows
its niche (2,114 companies, 199 customers) and the white space."""

from __future__ import annotations

import pytest

from icp_core.i18n import t

from .conftest import (
    arm_rerun_watch, assert_no_exception, open_app_page, screenshot, wait_for_app, wait_for_rerun,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_market_page_renders_in_both_languages(app_server, page, lang):
    main = open_app_page(app_server, page, "market", lang)
    text = main.inner_text()
    assert t("market.title", lang) in text
    assert ("100,000" if lang == "en" else "100.000") in text
    screenshot(page, f"market_{lang}_start")

    # type the planted ICP (sample_data/README.md) and leave the field
    area = page.get_by_role("textbox", name=t("market.icp.filters", lang), exact=True)
    area.fill("industry=Maschinenbau\nemployees=51-200\ntech:SAP Business One")
    arm_rerun_watch(page)
    area.press("Control+Enter")
    wait_for_rerun(page)
    wait_for_app(page)
    assert_no_exception(page)
    text = main.inner_text()
    assert ("2,114" if lang == "en" else "2.114") in text
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2  # funnel + white space
    assert "Maschinenbau" in text
    # the funnel table: SOM row holds the planted 199 active ICP customers (9.41 % penetration)
    assert ("9.41%" if lang == "en" else "9,41 %") in text
    screenshot(page, f"market_{lang}_icp")

    # split the white space by size band
    select = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=t("market.ws.dimension", lang)))
    arm_rerun_watch(page)
    select.locator("input").first.click()
    option = page.get_by_role("option", name=t("market.dim.size_band", lang), exact=True)
    if not option.count():  # the list did not open on the first click
        select.locator("input").first.click()
    option.click()
    wait_for_rerun(page)
    wait_for_app(page)
    assert_no_exception(page)
    assert t("market.ws.chart_title", lang, dim=t("market.dim.size_band", lang)) in main.inner_text()
    screenshot(page, f"market_{lang}_size_band")
