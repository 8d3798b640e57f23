"""The sidebar's "Manage workspaces" and "Keep your data" draw their content only while open, and
the workspace picker shows only when there are two workspaces to choose from.

Their widgets (text inputs, a download button, a file uploader) each make the browser load a
script of its own on the first page; closed, they cost nothing (issue 9: first page <= 2 s)."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core import workspaces
from icp_core.i18n import t

pytestmark = pytest.mark.usefixtures("navigation_like_the_server")

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "lazy.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    monkeypatch.delenv("ICP_EPHEMERAL", raising=False)
    return path


def _sidebar_widgets(at: AppTest) -> dict[str, int]:
    return {kind: len(at.sidebar.get(kind)) for kind in ("text_input", "download_button", "file_uploader")}


def test_closed_expanders_draw_nothing_and_open_ones_draw_their_widgets(db):
    workspaces.create(db, "Client A")  # a second workspace: "Manage workspaces" offers rename and delete
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["ws"] = "client-a"
    at.run()
    assert not at.exception
    labels = [e.label for e in at.sidebar.expander]
    assert t("workspace.manage", "en") in labels and t("keep.title", "en") in labels
    assert _sidebar_widgets(at) == {"text_input": 0, "download_button": 0, "file_uploader": 0}
    at.session_state["ws_manage"] = True  # the user opens "Manage workspaces"
    at.run()
    assert [w.label for w in at.sidebar.text_input] == [
        t("workspace.new_name", "en"), t("workspace.rename_to", "en"), t("workspace.delete_confirm", "en")]
    assert _sidebar_widgets(at)["download_button"] == 0
    at.session_state["keep_data"] = True  # and "Keep your data"
    at.run()
    assert _sidebar_widgets(at) == {"text_input": 3, "download_button": 1, "file_uploader": 1}
    at.session_state["ws_manage"] = False  # closes "Manage workspaces" again
    at.run()
    assert _sidebar_widgets(at) == {"text_input": 0, "download_button": 1, "file_uploader": 1}


def test_keep_your_data_is_open_when_the_data_would_not_survive_a_restart(db, monkeypatch):
    monkeypatch.setenv("ICP_EPHEMERAL", "1")  # e.g. Streamlit Community Cloud's disk
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert t("keep.ephemeral_cloud", "en") in [w.value for w in at.sidebar.warning]
    assert _sidebar_widgets(at)["download_button"] == 1 and _sidebar_widgets(at)["file_uploader"] == 1


def test_the_workspace_picker_shows_only_when_there_is_a_choice(db):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    # one workspace: no picker with a single option (its script load cost every first page ~0.1 s);
    # creating one stays under "Manage workspaces"
    assert [s.key for s in at.sidebar.selectbox] == []
    assert t("workspace.manage", "en") in [e.label for e in at.sidebar.expander]
    workspaces.create(db, "Client A")
    at.run()
    picker = at.sidebar.selectbox(key="workspace")
    assert picker.options == [t("workspace.default", "en"), "Client A"] and picker.value == "default"
