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
    button = side.get_by_role("button", name=t("link.title", lang))
    button.wait_for(timeout=60_000)
    wait_for_app(page)
    button.click()  # the link sits in a popover: drawn only when opened (see ui.share_link)
    body = page.locator('[data-testid="stPopoverBody"]').last
    body.locator('[data-testid="stCode"]').wait_for(timeout=30_000)
    text = body.locator('[data-testid="stCode"]').inner_text()
    assert t("link.note", lang) in body.inner_text()
    page.keyboard.press("Escape")  # close it again
    body.wait_for(state="hidden", timeout=30_000)
    return text


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


def _main_inputs(page, testid: str) -> list[str]:
    inputs = page.locator(f'[data-testid="stMain"] [data-testid="{testid}"] input')
    return [inputs.nth(i).input_value() for i in range(inputs.count())]


def test_shared_pmf_link_restores_thresholds_dimensions_and_tab(app_server, page):
    goto_page(page, app_server.base_url, "pmf?lang=de&ref_score=9.5&ret_min=97&ellis_min=50&dims=country&tab=retention")
    _link(page)  # wait for the run through app.py
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    # the open tab is the link's (retention), in German
    assert main.get_by_role("tab", selected=True).inner_text().strip() == t("pmf.tab.retention", "de")
    # referral score 9.28 < 9.5, retention by country (AT 78.6 %) < 97 %, Sean Ellis 45.2 % < 50 %:
    # only the referral share passes -> partial, 1 of 4
    verdict = main.locator('[data-testid="stAlert"]').filter(has_text=t("pmf.verdict.label", "de")).first.inner_text()
    assert t("pmf.verdict.partial", "de") in verdict, verdict
    assert t("pmf.verdict.count", "de", passed="1", computed="4", total="4") in verdict, verdict
    main.get_by_text(t("pmf.settings", "de"), exact=False).first.click()  # open the settings expander
    numbers = _main_inputs(page, "stNumberInput")
    assert numbers[1] in ("9,50", "9.50") and numbers[3] in ("97,00", "97.00") and numbers[4] in ("50,00", "50.00"), numbers
    chosen = main.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert "country" in chosen and "industry" not in chosen, chosen
    link = _link(page)
    for part in ("/pmf?", "lang=de", "ref_score=9.5", "ret_min=97", "dims=country", "tab=retention"):
        assert part in link, (part, link)
    screenshot(page, "de_pmf_shared_link_thresholds")


def test_shared_segments_link_restores_metric_and_weights(app_server, page):
    weights = "&".join(f"seg_w={m}%3A{w}" for m, w in (("retention_12m", 0), ("arpa", 0), ("nps", 1),
                                                         ("referral_rate", 0), ("median_sales_cycle_days", 0)))
    goto_page(page, app_server.base_url,
              f"segments?lang=de&seg_dim1=industry&seg_dim2=size_band&seg_metric=nps&{weights}&seg_th_want=0.2")
    _link(page)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    boxes = main.locator('[data-testid="stSelectbox"]')
    metric_box = boxes.nth(2).text_content() + " " + " ".join(boxes.nth(2).locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert t("segments.col.nps", "de") in metric_box, metric_box
    main.get_by_text(t("segpage.weights_title", "de"), exact=False).first.click()  # open the weights expander
    numbers = _main_inputs(page, "stNumberInput")
    # seg_min_n, then the five weights, then the two thresholds
    assert [n.replace(",", ".") for n in numbers[1:8]] == ["0.00", "0.00", "1.00", "0.00", "0.00", "0.20", "-0.50"], numbers
    link = _link(page)
    for part in ("/segments?", "lang=de", "seg_metric=nps", "seg_w=nps%3A1", "seg_th_want=0.2"):
        assert part in link, (part, link)
    screenshot(page, "de_segments_shared_link_metric_weights")


def test_shared_market_link_restores_mode_and_top_down_figures(app_server, page):
    goto_page(page, app_server.base_url,
              "market?lang=de&mkt_mode=top_down&td_tam=20000&td_sam=50&td_som=20&td_acv=1000&td_share=50")
    _link(page)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("radio", name=t("market.mode.top_down", "de")).is_checked()
    values = [v.inner_text().strip() for v in main.locator('[data-testid="stMetricValue"]').all()]
    # 20.000 x 50 % = 10.000 x 20 % = 2.000 companies
    assert values[:3] == ["20.000", "10.000", "2.000"], values
    # SOM value 2.000 x 1.000 € x 50 % obtainable
    assert main.get_by_text(t("market.metric.value", "de", value="1.000.000 €"), exact=True).count() == 1
    link = _link(page)
    for part in ("/market?", "lang=de", "mkt_mode=top_down", "td_tam=20000", "td_share=50"):
        assert part in link, (part, link)
    screenshot(page, "de_market_shared_link_top_down")
