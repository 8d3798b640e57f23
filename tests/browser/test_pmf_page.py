"""The PMF page in a real browser: renders without error in English and German, every tab opens,
and the verdict on the sample company is the planted one ("reached")."""

from __future__ import annotations

import pytest

from icp_core.i18n import t

from .conftest import assert_no_exception, open_app_page, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _open_tabs(page, lang: str) -> None:
    main = page.locator('[data-testid="stMain"]')
    for key in ("pmf.tab.nps", "pmf.tab.referral", "pmf.tab.retention", "pmf.tab.ellis"):
        page.get_by_role("tab", name=t(key, lang), exact=True).click()
        page.wait_for_timeout(400)
        wait_for_app(page)
        assert_no_exception(page)
        screenshot(page, f"pmf_{lang}_{key.rsplit('.', 1)[1]}")
    assert main.inner_text().strip()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_pmf_page_renders_in_both_languages(app_server, page, lang):
    main = open_app_page(app_server, page, "pmf", lang)
    text = main.inner_text()
    assert t("pmf.title", lang) in text
    # the sample company's planted verdict, with the indicator table beside it
    assert t("pmf.verdict.reached", lang) in text
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    screenshot(page, f"pmf_{lang}")
    _open_tabs(page, lang)
