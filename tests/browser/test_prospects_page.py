"""The Prospects page in a real browser, English and German: the scored table and the backtest
render without error, and the CSV and Excel downloads arrive with the scored rows."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from icp_core.i18n import t

from .conftest import assert_no_exception, open_app_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_prospects_page_scores_and_downloads(app_server, page, lang):
    main = open_app_page(app_server, page, "prospects", lang)
    text = main.inner_text()
    assert t("scoring.title", lang) in text
    assert t("scoring.bt.title", lang) in text
    assert ("1,000" if lang == "en" else "1.000") in text  # the sample's 1,000 prospects scored
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1
    screenshot(page, f"prospects_{lang}")

    with page.expect_download() as info:
        page.get_by_role("button", name=t("scoring.download_csv", lang)).click()
    download = info.value
    assert download.suggested_filename == "prospects_scored.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 1000
    assert list(rows[0])[:6] == ["id", "name", "fit_score", "tier", "confidence", "reasons"]
    assert rows[0]["tier"] == "A" and rows[0]["fit_score"] == "100.0"
    word = "weight" if lang == "en" else "Gewicht"
    assert word in rows[0]["reasons"]

    with page.expect_download() as info:
        page.get_by_role("button", name=t("scoring.download_xlsx", lang)).click()
    data = open(info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert_no_exception(page)
