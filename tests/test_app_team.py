"""AppTest of team use: sign-in gate, allow-list, workspaces in the sidebar, lang from the URL."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

import ui
from icp_core.i18n import t
from icp_core.store import Store
from tests.conftest import stand_table

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "secret", "client_id": "c",
        "client_secret": "x", "server_metadata_url": "https://accounts.example/.well-known/openid-configuration"}


pytestmark = pytest.mark.usefixtures("navigation_like_the_server")  # tests/conftest.py


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "team_store.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _app(secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    return at


def _everything(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "info", "warning", "error", "subheader", "metric", "code")
             for e in getattr(at, kind)]
    parts += [str(getattr(e, "label", "")) for e in at.button]
    return "\n".join(str(p) for p in parts)


def _data_shown(at) -> bool:
    """Any table of data on the page: a dataframe, or the home page's table of where you stand
    (a Markdown table headed by the table column)."""
    head = "| " + t("home.col_table", "en") + " |"
    return bool(at.dataframe) or any(m.value.startswith(head) for m in at.markdown)


def test_with_sign_in_configured_nobody_sees_data_before_signing_in(db, monkeypatch):
    monkeypatch.setattr(ui, "_user", lambda: {"is_logged_in": False})
    at = _app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}}).run()
    assert not at.exception
    assert [b.label for b in at.button] == [t("access.sign_in", "en")]
    assert at.title[0].value == t("access.title", "en")
    assert not _data_shown(at) and not at.metric and not at.table
    text = _everything(at)
    assert db not in text  # not even where the data lives
    assert t("home.title", "en") not in text and t("app.sample_badge", "en") not in text
    assert not Store(db).tables()  # the sample company was not even loaded


def test_a_signed_in_user_not_on_the_list_is_refused(db, monkeypatch):
    monkeypatch.setattr(ui, "_user", lambda: {"is_logged_in": True, "email": "eve@evil.com", "name": "Eve"})
    at = _app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}}).run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("access.denied", "en", email="eve@evil\\.com")]
    assert not _data_shown(at) and t("home.title", "en") not in _everything(at)
    assert [b.label for b in at.button] == [t("access.sign_out", "en")]


def test_an_allowed_user_sees_the_app_with_name_and_sign_out(db, monkeypatch):
    monkeypatch.setattr(ui, "_user", lambda: {"is_logged_in": True, "email": "anna@example.com", "name": "Anna <b>"})
    at = _app({"auth": AUTH, "access": {"allowed_domains": ["example.com"]}}).run()
    assert not at.exception
    assert at.title[0].value == t("home.title", "en") and _data_shown(at)
    captions = [c.value for c in at.sidebar.caption]
    assert t("access.signed_in_as", "en", name="Anna \\<b\\>") in captions  # escaped, never HTML
    assert t("access.sign_out", "en") in [b.label for b in at.sidebar.button]


def test_without_configuration_no_login_is_needed(db):
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == t("home.title", "en")
    assert t("access.sign_in", "en") not in [b.label for b in at.button]


def test_access_lists_without_auth_let_nobody_in(db):
    at = _app({"access": {"allowed_emails": ["a@example.com"]}}).run()
    assert [e.value for e in at.error] == [t("access.misconfigured", "en")]
    assert not _data_shown(at)


def test_language_and_workspace_from_the_url(db):
    from icp_core import workspaces

    slug = workspaces.create(db, "Client B")
    Store(workspaces.location_of(db, slug)).import_file(b"id;Branche\nB1;SaaS\n", "accounts", file_name="b.csv")
    at = _app()
    at.query_params["lang"] = "de"
    at.query_params["ws"] = slug
    at.run()
    assert not at.exception
    assert at.title[0].value == t("home.title", "de")
    assert at.sidebar.selectbox(key="workspace").value == slug
    assert at.sidebar.text[0].value == workspaces.location_of(db, slug)
    rows = stand_table(at)
    assert dict(zip(rows[t("home.col_table", "de")], rows[t("home.col_rows", "de")]))[t("table.accounts", "de")] == "1"
    # switching back to the default workspace shows the default's data (the sample company), not B's
    at.sidebar.selectbox(key="workspace").set_value("default").run()
    assert at.sidebar.text[0].value == db
    rows = stand_table(at)
    assert dict(zip(rows[t("home.col_table", "de")], rows[t("home.col_rows", "de")]))[t("table.accounts", "de")] != "1"


def test_create_workspace_in_the_sidebar_starts_empty_and_switches(db):
    at = _app().run()
    assert not at.sidebar.text_input  # "Manage workspaces" is closed: its content is not drawn
    at.session_state["ws_manage"] = True  # the user opens it
    at.run()
    at.sidebar.text_input[0].input("Line C")
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert at.sidebar.selectbox(key="workspace").value == "line-c"
    assert at.sidebar.text[0].value.endswith("workspaces/line-c.duckdb")
    assert not Store(at.sidebar.text[0].value).tables()  # no sample company in a new workspace
    assert t("home.no_data", "en") in [w.value for w in at.warning]
