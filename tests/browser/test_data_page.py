"""The Data page in a real browser: upload a file through the real uploader, correct the
mapping, import, read the report, undo with confirmation. Leaves the shared store as it found it
(the sample is kept and the import is undone)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from icp_core.store import Store

from .conftest import RENDER_TIMEOUT_MS, arm_rerun_watch, assert_no_exception, goto_page, screenshot, wait_for_app, wait_for_rerun

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CSV = (
    "Kundennummer;Firma;Mitarbeiterzahl;Land;Umsatz;Quelle\n"
    "K1;Alpha GmbH;120;Deutschland;1.234,50;Empfehlung\n"
    "K2;Beta AG;abc;Österreich;2.000,00;Messe\n"
    "K1;Alpha Dup;5;DE;10,00;Web\n"
    "K3;=cmd|' /C calc'!A0;40;CH;99,00;Web\n"
).encode("utf-8")


def _act(page, action) -> None:
    arm_rerun_watch(page)
    action()
    wait_for_rerun(page)


def _undo_if_still_active(store_path, imported: dict) -> None:
    """Undo the test's import through the store when the browser did not (the test failed)."""
    store = Store(store_path)
    row = next((r for r in store.imports() if r["import_id"] == imported["import_id"]), None)
    if row and row["file"] == "crm.csv" and not row["undone"]:
        store.undo(row["import_id"])


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_upload_correct_mapping_import_and_undo(app_server, page):
    goto_page(page, app_server.base_url, "data")
    # On a fresh server a page URL as the very first request runs once alone, then reruns through
    # app.py, which loads the sample company: wait for that second run to have made the store.
    deadline = time.monotonic() + 60
    while not app_server.store.exists() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    wait_for_app(page)
    assert_no_exception(page)
    sample_accounts = Store(app_server.store, read_only=True).tables().get("accounts", 0)
    main = page.locator('[data-testid="stMain"]')
    keep_sample = main.locator('[data-testid="stCheckbox"]').filter(has_text="Clear the sample company")
    if keep_sample.count():
        _act(page, lambda: keep_sample.locator("label").click())  # keep the sample's other tables
    # the Data page's uploader (the sidebar has one too, for restoring a backup)
    _act(page, lambda: main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": CSV}]
    ))
    assert_no_exception(page)
    kundennummer = main.locator('[data-testid="stSelectbox"]').filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text="Kundennummer"))
    assert kundennummer.locator("input").input_value() == "account_id"  # the suggested mapping
    # correct the suggestion: "Umsatz" is MRR here
    umsatz = main.locator('[data-testid="stSelectbox"]').filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text="Umsatz"))
    assert umsatz.locator("input").input_value() == "annual_revenue"
    umsatz.locator("input").click()
    umsatz.locator("input").fill("mrr")  # the list is long: type to filter it
    _act(page, lambda: page.get_by_role("option", name="mrr", exact=True).click())
    assert umsatz.locator("input").input_value() == "mrr"
    _act(page, lambda: main.get_by_role("button", name="Import (replace)").click())
    imported = Store(app_server.store, read_only=True).imports()[0]
    try:
        assert_no_exception(page)
        assert (_metric(page, "Rows read"), _metric(page, "Rows imported"), _metric(page, "Rows rejected")) == ("4", "3", "1")
        screenshot(page, "data_import_report")
        stored = Store(app_server.store, read_only=True).export_frame("accounts").sort("account_id")
        assert stored["mrr"].to_list() == [1234.5, 2000.0, 99.0]
        assert stored["company_name"].to_list()[2] == "=cmd|' /C calc'!A0"  # kept as text, never run
        import_id = imported["import_id"]
        # undo from the history, with confirmation
        _act(page, lambda: page.get_by_role("tab", name="Import history").click())  # the tab reruns the page
        row = main.locator('[data-testid="stHorizontalBlock"]').filter(has_text=f"#{import_id} · Accounts · crm.csv").last
        _act(page, lambda: row.get_by_role("button", name="Undo").click())
        # the button's run ends in st.rerun(): wait for the second run's confirmation, not the first's end
        expect(main.get_by_text(f"Undo import {import_id}?")).to_have_count(1, timeout=RENDER_TIMEOUT_MS)
        screenshot(page, "data_undo_confirm")
        _act(page, lambda: main.get_by_role("button", name="Yes, undo").click())
        assert_no_exception(page)
        expect(main.get_by_text(f"Import {import_id} was undone.")).to_have_count(1, timeout=RENDER_TIMEOUT_MS)
        assert Store(app_server.store, read_only=True).tables().get("accounts", 0) == sample_accounts
    finally:
        # the other browser tests share this server's store and expect the sample company in it
        _undo_if_still_active(app_server.store, imported)
