"""AppTest through app.py of the sidebar's team controls as a user clicks them: rename and
delete a workspace, restore a backup file (and refuse a broken one)."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core import backup, workspaces
from icp_core.i18n import t
from icp_core.store import Store
from tests.conftest import stand_table

pytestmark = pytest.mark.usefixtures("navigation_like_the_server")

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")
CSV_B = b"id;Branche\nB1;SaaS\nB2;Handel\n"  # two accounts
CSV_3 = b"Kundennummer;Branche\nK1;Software\nK2;Handel\nK3;Bau\n"  # three accounts


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "team_sidebar.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _app(lang: str = "en", ws: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    if ws:
        at.query_params["ws"] = ws
    # the user has opened "Manage workspaces" and "Keep your data": their content is drawn only
    # while they are open (ui.workspace_sidebar, ui.keep_data_sidebar)
    at.session_state["ws_manage"] = True
    at.session_state["keep_data"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _accounts_shown(at: AppTest, lang: str = "en") -> str:
    """The home page's row count of the accounts table (as shown)."""
    rows = stand_table(at)
    return dict(zip(rows[t("home.col_table", lang)], rows[t("home.col_rows", lang)]))[t("table.accounts", lang)]


def _input(at: AppTest, label_key: str, lang: str = "en"):
    return next(w for w in at.sidebar.text_input if w.label == t(label_key, lang))


def _button(at: AppTest, label_key: str, lang: str = "en"):
    return next(b for b in at.sidebar.button if b.label == t(label_key, lang))


def _client_a(db: str) -> str:
    slug = workspaces.create(db, "Client A")
    Store(workspaces.location_of(db, slug)).import_file(CSV_B, "accounts", file_name="b.csv")
    return slug


@pytest.mark.parametrize("lang", ["en", "de"])
def test_rename_lists_and_selects_the_new_name_and_keeps_the_data(db, lang):
    slug = _client_a(db)
    at = _app(lang, ws=slug)
    assert _accounts_shown(at, lang) == "2"
    _input(at, "workspace.rename_to", lang).input("Client Alpha")
    _button(at, "workspace.rename", lang).click()
    at.run()
    assert not at.exception and not at.error
    picker = at.sidebar.selectbox(key="workspace")
    assert picker.value == "client-alpha"
    assert picker.options == [t("workspace.default", lang), "Client Alpha"]
    assert at.query_params["ws"] == "client-alpha"  # the link follows the new name
    assert at.sidebar.text[0].value == workspaces.location_of(db, "client-alpha")
    assert _accounts_shown(at, lang) == "2"  # the data moved with it
    assert _input(at, "workspace.rename_to", lang).value == "Client Alpha"
    assert [w["slug"] for w in workspaces.list_workspaces(db)] == ["default", "client-alpha"]


def test_rename_to_a_taken_name_says_so_and_changes_nothing(db):
    slug = _client_a(db)
    workspaces.create(db, "Client B")
    at = _app(ws=slug)
    _input(at, "workspace.rename_to").input("client b")
    _button(at, "workspace.rename").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.sidebar.error] == [t("workspace.exists", "en", name="client b")]
    assert at.sidebar.selectbox(key="workspace").value == slug
    assert _accounts_shown(at) == "2"


@pytest.mark.parametrize("lang", ["en", "de"])
def test_delete_with_confirmation_removes_it_and_falls_back_to_default(db, lang):
    slug = _client_a(db)
    Store(db).import_file(CSV_3, "accounts", file_name="default.csv")  # the default workspace: 3 accounts
    at = _app(lang, ws=slug)
    # without the right name nothing is deleted
    _input(at, "workspace.delete_confirm", lang).input("Client")
    _button(at, "workspace.delete", lang).click()
    at.run()
    assert [e.value for e in at.sidebar.error] == [t("workspace.delete_mismatch", lang, name="Client A")]
    assert workspaces.exists(db, slug) and at.sidebar.selectbox(key="workspace").value == slug
    # with it, the workspace and its data are gone; the session is in the default workspace
    _input(at, "workspace.delete_confirm", lang).input("Client A")
    _button(at, "workspace.delete", lang).click()
    at.run()
    assert not at.exception and not at.error
    assert not workspaces.exists(db, slug)
    assert not pathlib.Path(workspaces.location_of(db, "x")).parent.joinpath(f"{slug}.duckdb").exists()
    assert at.session_state["workspace"] == "default"
    # one workspace left: no picker with a single choice
    assert [s.key for s in at.sidebar.selectbox] == []
    assert "ws" not in at.query_params
    assert at.sidebar.text[0].value == db
    assert [x.value for x in at.toast] == [t("workspace.deleted", lang, name="Client A")]
    assert _accounts_shown(at, lang) == "3"


def _restore_upload(at: AppTest, data: bytes, name: str = "backup.zip"):
    uploader = next(u for u in at.sidebar.get("file_uploader") if u.key.startswith("backup_upload:"))
    uploader.set_value((name, data, "application/zip")).run()
    assert not at.exception, [e.message for e in at.exception]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_restore_a_backup_file_shows_its_data(db, tmp_path, lang):
    source = Store(str(tmp_path / "elsewhere.duckdb"))
    source.import_file(CSV_3, "accounts", file_name="crm.csv")
    data = backup.backup(source)
    at = _app(lang)
    assert _accounts_shown(at, lang) != "3"  # the sample company before
    _restore_upload(at, data)
    assert t("keep.restore_warn", lang, name=t("workspace.default", lang)) in [c.value for c in at.sidebar.caption]
    _button(at, "keep.restore_button", lang).click()
    at.run()
    assert not at.exception and not at.error
    assert _accounts_shown(at, lang) == "3"
    assert Store(db).export_frame("accounts")["account_id"].to_list() == ["K1", "K2", "K3"]
    info = backup.describe(data)
    assert [s.value for s in at.sidebar.success] == [
        t("keep.restored", lang, tables=str(info["tables"]), rows=str(info["rows"]))]
    # the uploader is emptied: no second restore button waiting for the same file
    assert t("keep.restore_button", lang) not in [b.label for b in at.sidebar.button]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_broken_backup_file_gives_the_message_and_changes_nothing(db, lang):
    at = _app(lang)
    before = Store(db).tables()
    shown = _accounts_shown(at, lang)
    _restore_upload(at, b"PK\x03\x04 this is not a backup", "broken.zip")
    _button(at, "keep.restore_button", lang).click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.sidebar.error] == [t("backup.not_backup", lang, detail=t("backup.why.not_zip", lang))]
    assert (at.sidebar.error[0].value.startswith("Diese Datei ist keine Sicherung") if lang == "de"
            else at.sidebar.error[0].value == "This file is not an ICP Workbench backup (not a zip file). Nothing was changed.")
    assert Store(db).tables() == before
    assert _accounts_shown(at, lang) == shown



def test_on_this_computer_only_for_a_lasting_local_file_opened_at_localhost(tmp_path):
    path = str(tmp_path / "s.duckdb")
    assert backup.on_this_computer(path, "http://localhost:8501/data", environ={}, cwd=str(tmp_path))
    assert backup.on_this_computer(path, "http://127.0.0.1:8501/", environ={}, cwd=str(tmp_path))
    assert not backup.on_this_computer(path, "https://icp.example.com/", environ={}, cwd=str(tmp_path))  # a team server
    assert not backup.on_this_computer(path, None, environ={}, cwd=str(tmp_path))
    assert not backup.on_this_computer(":memory:", "http://localhost:8501/", environ={}, cwd=str(tmp_path))
    assert not backup.on_this_computer("md:my_icp", "http://localhost:8501/", environ={}, cwd=str(tmp_path))
    assert not backup.on_this_computer(path, "http://localhost:8501/", environ={"ICP_EPHEMERAL": "1"}, cwd=str(tmp_path))


def test_sidebar_says_on_this_computer_only_when_it_is_true(db, monkeypatch):
    at = _app()  # AppTest has no browser address: not known to be this computer
    captions = [c.value for c in at.sidebar.caption]
    assert t("keep.location", "en") in captions and t("app.store_location", "en") not in captions
    monkeypatch.setattr(backup, "on_this_computer", lambda location, url, *a, **k: location == db)
    at = _app("de")
    captions = [c.value for c in at.sidebar.caption]
    assert t("app.store_location", "de") in captions and t("keep.location", "de") not in captions
