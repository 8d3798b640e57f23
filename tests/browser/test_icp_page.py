"""The ICP page in a real browser, in English and German: the planted ICP in one sentence, no
exception, a Markdown download that holds the profile, deck mode without inputs; screenshots."""

from __future__ import annotations

import pytest

from icp_core.i18n import t

from .conftest import arm_rerun_watch, assert_no_exception, open_app_page, screenshot, wait_for_rerun

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_icp_page_in_both_languages_with_download(app_server, page, lang):
    main = open_app_page(app_server, page, "icp", lang)
    text = main.inner_text()
    assert t("profile.title", lang) in text
    assert t("profile.section.jobs", lang) in text and t("profile.section.personas", lang) in text
    sentence = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    assert "Maschinenbau" in sentence and "SAP Business One" in sentence
    assert page.locator('[data-testid="stVegaLiteChart"], [data-testid="stArrowVegaLiteChart"]').count() >= 4
    screenshot(page, f"icp_{lang}")

    button = page.get_by_role("button", name=t("profile.export_md", lang), exact=True)
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == ("icp_profile.md" if lang == "en" else "icp_profil.md")
    content = open(download.path(), encoding="utf-8").read()
    assert content.startswith(f"# {t('profile.doc_title', lang)}")
    assert f"## {t('profile.section.firmographics', lang)}" in content and "Maschinenbau" in content

    arm_rerun_watch(page)
    page.get_by_text(t("profile.deck_mode", lang), exact=True).click()
    wait_for_rerun(page)
    assert_no_exception(page)
    assert page.get_by_role("button", name=t("profile.export_md", lang), exact=True).count() == 0
    assert "Maschinenbau" in page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
    screenshot(page, f"icp_{lang}_deck")
