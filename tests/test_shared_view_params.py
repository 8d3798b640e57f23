"""Shared views beyond PMF / Segments / Market: the ICP page's deck mode and the Prospects page's
tier filter and search live in the URL, so a teammate's link opens the same view."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import t

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "shared_view.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _open(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()  # first launch: the sample company
    assert not at.exception, [e.message for e in at.exception]
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_icp_deck_mode_from_the_link(db):
    at = _open("pages/icp.py", deck="1")
    assert at.toggle(key="icp_deck").value is True
    assert not [b for b in at.button if b.label == t("profile.save", "en")]  # deck: no inputs
    plain = _open("pages/icp.py")
    assert plain.toggle(key="icp_deck").value is False


def test_prospects_tier_filter_and_search_from_the_link(db):
    at = _open("pages/prospects.py", tiers="A", q="Kessler")
    assert at.multiselect(key="score_tiers").value == ["A"]
    assert at.text_input(key="score_search").value == "Kessler"
    table = at.dataframe[1].value if len(at.dataframe) > 1 else at.dataframe[0].value
    # the sample's prospect P-00001 "Kessler Präzisionstechnik GmbH & Co. KG" is tier A
    names = [str(v) for v in table.iloc[:, 1].tolist()]
    assert names and all("kessler" in n.casefold() for n in names)
