"""AppTest of the ICP page through app.py's navigation, in English and German: the planted ICP
in one sentence, the sections, saving a version (which the Market page then reads)."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import t
from icp_core.store import Store

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


pytestmark = pytest.mark.usefixtures("navigation_like_the_server")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "icp_page.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    at.session_state["lang"] = lang
    at.switch_page("pages/icp.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "de"])
def test_icp_page_shows_the_planted_icp(db, lang):
    at = _open(lang)
    assert at.title[0].value == t("profile.title", lang)
    summary = at.success[0].value
    assert "Maschinenbau" in summary and "51–200" in summary and "SAP Business One" in summary
    heads = [h.value for h in at.subheader]
    for key in ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics", "criteria", "coverage"):
        assert t(f"profile.section.{key}", lang) in heads
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("profile.kpi.customers", lang)] == ("211 / 2,500" if lang == "en" else "211 / 2.500")
    assert metrics[t("profile.kpi.market", lang)] == ("2,114 / 100,000" if lang == "en" else "2.114 / 100.000")
    assert metrics[t("profile.kpi.want", lang)] == "297"
    first = at.dataframe[0].value
    row = first[first[t("profile.col.field", lang)] == t("profile.field.industry", lang)].iloc[0]
    assert row[t("profile.col.icp", lang)] == "Maschinenbau"
    assert ("lift 10.85 · n=297" if lang == "en" else "Lift 10,85 · n=297") in row[t("profile.col.evidence", lang)]


def test_save_version_and_deck_mode(db):
    at = _open("en")
    save = next(b for b in at.button if b.label == t("profile.save", "en"))
    save.click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert t("profile.saved", "en", version=1) in [s.value for s in at.success]
    store = Store(db)
    assert store.get_setting("icp_filters") == ["industry=Maschinenbau", "employees=51-200", "tech:SAP Business One"]
    assert [v["version"] for v in store.get_setting("icp_versions")] == [1]
    at.toggle(key="icp_deck").set_value(True).run()
    assert not at.exception
    assert not [b for b in at.button if b.label == t("profile.save", "en")]  # no inputs in deck mode
    assert len(at.main.get("download_button")) == 0  # the page itself; the sidebar keeps its backup button
    assert "Maschinenbau" in at.success[0].value
