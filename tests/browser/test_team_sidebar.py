"""Real browser: the sidebar's team controls (workspace picker, manage workspaces, keep your
data) in English and German: nothing overflows the sidebar, no raw exception; rename a workspace
and refuse a broken backup as a user would. Own server: the session's sample server stays untouched."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from icp_core import workspaces
from icp_core.i18n import t
from icp_core.store import Store

from .conftest import arm_rerun_watch, assert_no_exception, goto_page, screenshot, wait_for_app, wait_for_rerun
from .own_server import own_app_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LONG = "Kunde Süd – Maschinenbau & Anlagen GmbH & Co. KG Niederlassung"  # 60 characters at most
CSV = b"id;Branche\nB1;SaaS\nB2;Handel\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team_sidebar")
    store = folder / "store.duckdb"
    Store(str(store)).import_file(b"id;Branche\nK1;Software\nK2;Handel\nK3;Bau\n", "accounts", file_name="default.csv")
    slug = workspaces.create(str(store), LONG[: workspaces.MAX_NAME])
    Store(workspaces.location_of(str(store), slug)).import_file(CSV, "accounts", file_name="b.csv")
    with own_app_server(folder, store) as running:
        yield SimpleNamespace(base_url=running.base_url, store=running.store, slug=slug)


def _sidebar_overflow(page) -> list[str]:
    """Elements of the sidebar wider than the sidebar (what a user would see cut off or scrolling)."""
    return page.evaluate(
        """() => {
            const side = document.querySelector('[data-testid="stSidebarContent"]');
            const limit = side.getBoundingClientRect().right + 1;
            const out = [];
            if (side.scrollWidth > side.clientWidth + 1) out.push('sidebar scrolls sideways: ' + side.scrollWidth + ' > ' + side.clientWidth);
            for (const el of side.querySelectorAll('button, input, label, p, code, [data-testid="stText"], [data-testid="stFileUploaderDropzone"]')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.right > limit) out.push(el.tagName + ' ' + (el.innerText || el.value || '').slice(0, 40) + ' right=' + r.right);
            }
            return out;
        }"""
    )


def _open_expanders(page, *labels: str) -> None:
    """Open sidebar expanders and wait for their content: it is drawn only while they are open,
    by the rerun that opening one starts (ui.workspace_sidebar, ui.keep_data_sidebar)."""
    side = page.locator('[data-testid="stSidebar"]')
    for label in labels:
        expander = side.locator('[data-testid="stExpander"]').filter(has=page.locator("summary", has_text=label)).first
        expander.locator("summary").click()
        expander.locator('[data-testid="stElementContainer"]').first.wait_for(timeout=60_000)
        wait_for_app(page)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sidebar_team_controls_fit_and_work(server, page, lang, tmp_path):
    slug = server.slug
    goto_page(page, server.base_url, f"?lang={lang}&ws={slug}")
    assert_no_exception(page)
    side = page.locator('[data-testid="stSidebar"]')
    # a fresh server's very first request runs once alone, then again through app.py: wait for it
    side.get_by_text(t("workspace.label", lang), exact=True).wait_for(timeout=60_000)
    wait_for_app(page)
    assert side.get_by_text(t("workspace.label", lang), exact=True).count() == 1
    _open_expanders(page, t("workspace.manage", lang), t("keep.title", lang))
    assert side.get_by_role("button", name=t("workspace.rename", lang)).count() == 1
    assert side.get_by_role("button", name=t("keep.download", lang)).count() == 1
    assert _sidebar_overflow(page) == []
    screenshot(page, f"{lang}_sidebar_team")

    # a broken backup: the translated message, nothing changed
    side.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "broken.zip", "mimeType": "application/zip", "buffer": b"PK\x03\x04 not a backup"}])
    side.get_by_role("button", name=t("keep.restore_button", lang)).wait_for()
    # the warning names the workspace as the user knows it (its name, not its file name)
    assert side.get_by_text(t("keep.restore_warn", lang, name=LONG[: workspaces.MAX_NAME])).count() == 1
    arm_rerun_watch(page)
    side.get_by_role("button", name=t("keep.restore_button", lang)).click()
    wait_for_rerun(page)
    assert_no_exception(page)
    message = t("backup.not_backup", lang, detail=t("backup.why.not_zip", lang))
    refused = side.locator('[data-testid="stAlert"]').filter(has_text=message.split("(")[0].strip())
    refused.first.wait_for(timeout=60_000)
    assert refused.count() == 1 and refused.inner_text().strip() == message
    assert Store(str(server.store), read_only=True).tables() == {"accounts": 3}
    assert _sidebar_overflow(page) == []
    screenshot(page, f"{lang}_sidebar_team_broken_backup")


def test_rename_in_the_browser_keeps_the_data_and_the_link(server, page):
    new_name = "Kunde Nord"
    goto_page(page, server.base_url, f"?ws={server.slug}")
    _open_expanders(page, t("workspace.manage", "en"))
    side = page.locator('[data-testid="stSidebar"]')
    box = side.locator('[data-testid="stTextInput"]').filter(has_text=t("workspace.rename_to", "en")).locator("input")
    box.fill(new_name)
    arm_rerun_watch(page)
    side.get_by_role("button", name=t("workspace.rename", "en")).click()
    wait_for_rerun(page)
    # the rename run ends with st.rerun(); the new name is picked in the run after it
    page.wait_for_url(re.compile(r"[?&]ws=kunde-nord(&|$)"), timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    picker = side.locator('[data-testid="stSelectbox"]').first
    shown = picker.inner_text() + " " + " ".join(picker.locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert new_name in shown, shown
    assert Store(workspaces.location_of(str(server.store), "kunde-nord"), read_only=True).tables() == {"accounts": 2}
    screenshot(page, "en_sidebar_team_renamed")
    server.slug = "kunde-nord"


def test_restore_a_backup_in_the_browser(server, page, tmp_path):
    from icp_core import backup

    source = Store(str(tmp_path / "source.duckdb"))
    source.import_file(b"id;Branche\nR1;SaaS\nR2;Handel\nR3;Bau\nR4;Chemie\nR5;Handel\n", "accounts", file_name="r.csv")
    data = backup.backup(source)
    info = backup.describe(data)
    goto_page(page, server.base_url, "?lang=de")  # the default workspace (3 accounts before)
    _open_expanders(page, t("keep.title", "de"))
    side = page.locator('[data-testid="stSidebar"]')
    side.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "sicherung.zip", "mimeType": "application/zip", "buffer": data}])
    button = side.get_by_role("button", name=t("keep.restore_button", "de"))
    button.wait_for()
    arm_rerun_watch(page)
    button.click()
    wait_for_rerun(page)
    assert_no_exception(page)
    # the restore run ends with st.rerun(); the message comes with the run after it
    done = side.get_by_text(t("keep.restored", "de", tables=str(info["tables"]), rows=str(info["rows"])))
    done.wait_for(timeout=60_000)
    wait_for_app(page)
    assert done.count() == 1
    assert Store(str(server.store), read_only=True).tables() == {"accounts": 5}
    # the uploader is empty again: no second restore of the same file waiting
    assert side.get_by_role("button", name=t("keep.restore_button", "de")).count() == 0
    assert _sidebar_overflow(page) == []
    screenshot(page, "de_sidebar_team_restored")
