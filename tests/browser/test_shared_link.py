"""Real browser: a shared link (?lang=de&...) opens the page in German with its choices restored."""

from __future__ import annotations

import re

import pytest

from icp_core.i18n import t
from tests.browser.conftest import arm_rerun_watch, assert_no_exception, goto_page, screenshot, wait_for_app, wait_for_rerun

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _link(page, lang: str = "de") -> str:
    """The sidebar's "Link to this view". A fresh server's very first request runs the page alone
    once and then again through app.py (which draws the link): wait for that run."""
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_text(t("link.title", lang), exact=True).wait_for(timeout=60_000)
    wait_for_app(page)
    return side.locator('[data-testid="stCode"]').last.inner_text()


def test_shared_pmf_link_restores_language_and_choices(app_server, page):
    goto_page(page, app_server.base_url, "pmf?lang=de&as_of=2024-06-30&min_n=12")
    _link(page)  # wait for the run through app.py
    assert_no_exception(page)
    page.get_by_role("heading", name=re.compile("Product-Market-Fit")).first.wait_for()
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Sprache", exact=True).count() == 1
    page.get_by_text("Einstellungen", exact=False).first.click()  # open the settings expander
    assert page.locator('[data-testid="stMain"] [data-testid="stDateInput"] input').first.input_value() in ("30.06.2024", "2024-06-30")
    assert page.locator('[data-testid="stMain"] [data-testid="stNumberInput"] input').first.input_value() == "12"
    # the URL keeps the choices, and the sidebar's link carries them
    assert "as_of=2024-06-30" in page.url and "min_n=12" in page.url and "lang=de" in page.url
    link = _link(page)
    assert "/pmf?" in link and "lang=de" in link and "as_of=2024-06-30" in link and "min_n=12" in link
    screenshot(page, "de_pmf_shared_link")


def test_shared_segments_link_restores_dimensions_and_filters(app_server, page):
    goto_page(page, app_server.base_url, "segments?lang=de&seg_dim1=country&seg_min_n=7&seg_filters=country%3DDE")
    _link(page)  # wait for the run through app.py
    assert_no_exception(page)
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Sprache", exact=True).count() == 1
    boxes = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    shown = [boxes.nth(i).text_content() + " " + " ".join(boxes.nth(i).locator("input").evaluate_all("els => els.map(e => e.value)"))
             for i in range(2)]
    assert "country" in shown[0] and "country" not in shown[1], shown
    assert page.locator('[data-testid="stMain"] [data-testid="stNumberInput"] input').first.input_value() == "7"
    assert page.locator('[data-testid="stMain"] [data-testid="stTextInput"] input').first.input_value() == "country=DE"
    screenshot(page, "de_segments_shared_link")


def test_shared_prospects_link_restores_weights_cutoffs_and_filters(app_server, page):
    # only the industry weighs (fit 100 or 0), cut-offs 90/60/30, only tier A shown, German
    weights = "w=industry%3DMaschinenbau%3A1&w=employees%3D51-200%3A0&w=tech_stack%3DSAP%20Business%20One%3A0"
    goto_page(page, app_server.base_url, f"prospects?lang=de&{weights}&cut=90,60,30&tiers=A&src=stored")
    _link(page)  # wait for the run through app.py
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("heading", name=re.compile("Interessenten|Prospects")).first.wait_for()
    numbers = main.locator('[data-testid="stNumberInput"] input')
    values = [numbers.nth(i).input_value() for i in range(numbers.count())]
    assert values == ["1,00", "0,00", "0,00", "90", "60", "30"] or values == ["1.00", "0.00", "0.00", "90", "60", "30"], values

    def metric(label: str) -> str:
        box = main.locator('[data-testid="stMetric"]').filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
        return box.locator('[data-testid="stMetricValue"]').first.inner_text().strip()

    # tier A = the sample's 467 Maschinenbau prospects (see tests/test_shared_view_params.py)
    assert (metric("Stufe A"), metric("Stufe B"), metric("Stufe C"), metric("Stufe D")) == ("467", "0", "0", "533")
    chosen = main.locator('[data-testid="stMultiSelect"] [data-testid="stMultiSelectTagsContainer"]').first.inner_text()
    assert chosen.split() == ["A"], chosen
    assert main.get_by_text(t("scoring.shown", "de", shown="467", total="1.000")).count() == 1
    # the sidebar's link carries the same view
    link = _link(page)
    assert "/prospects?" in link and "lang=de" in link and "cut=90%2C60%2C30" in link and "tiers=A" in link
    assert "w=industry%3DMaschinenbau%3A1" in link
    screenshot(page, "de_prospects_shared_link")


def test_shared_data_link_opens_the_tab_table_and_mode(app_server, page):
    goto_page(page, app_server.base_url, "data?lang=de&tab=history&table=deals&mode=append")
    _link(page)  # wait for the run through app.py
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    selected = main.get_by_role("tab", selected=True)
    assert selected.inner_text().strip() == t("data.tab_history", "de")
    # the import tab's choices were restored too (visible once that tab is open)
    arm_rerun_watch(page)
    main.get_by_role("tab", name=t("data.tab_import", "de"), exact=True).click()
    wait_for_rerun(page)
    assert "tab=import" in page.url and "table=deals" in page.url and "mode=append" in page.url
    box = main.locator('[data-testid="stSelectbox"]').first
    shown = box.inner_text() + " " + " ".join(box.locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert t("table.deals", "de") in shown, shown
    assert main.get_by_role("radio", name=t("data.mode_long.append", "de")).is_checked()
    link = _link(page)
    assert "/data?" in link and "tab=import" in link and "table=deals" in link and "mode=append" in link
    screenshot(page, "de_data_shared_link")
