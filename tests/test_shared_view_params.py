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


# ---- Prospects: weights, cut-offs and the source of the companies ----------------------------

from icp_core.store import Store  # noqa: E402
from icp_core import view_params  # noqa: E402

SAMPLE_CRITERIA = ("industry=Maschinenbau", "employees=51-200", "tech_stack=SAP Business One")


def _tiers(at: AppTest) -> dict[str, str]:
    metrics = {m.label: m.value for m in at.metric}
    return {tier: metrics[t("scoring.kpi.tier", "en", tier=tier)] for tier in "ABCD"}


@pytest.mark.usefixtures("navigation_like_the_server")
def test_prospects_weights_and_cutoffs_from_the_link(db):
    # only the industry criterion weighs: a prospect scores 100 (Maschinenbau) or 0 (any other
    # known industry), so tier A holds exactly the stored Maschinenbau prospects, B and C none
    at = _open("pages/prospects.py", w=["industry=Maschinenbau:1", "employees=51-200:0", "tech_stack=SAP Business One:0"],
               cut="90,60,30", src="stored")
    weights = {n.key: n.value for n in at.number_input}
    assert weights["score_w|industry=Maschinenbau@en"] == 1.0
    assert weights["score_w|employees=51-200@en"] == 0.0
    assert weights["score_w|tech_stack=SAP Business One@en"] == 0.0
    assert [weights[f"score_cut|{tier}@en"] for tier in "ABC"] == [90.0, 60.0, 30.0]
    machine, unknown = Store(db).cursor().execute(
        "SELECT count(*) FILTER (WHERE industry = 'Maschinenbau'), count(*) FILTER (WHERE industry IS NULL) FROM prospects").fetchone()
    assert (machine, unknown) == (467, 0)
    assert _tiers(at) == {"A": "467", "B": "0", "C": "0", "D": "533"}
    assert at.query_params["cut"] == "90,60,30"
    assert at.query_params["w"] == ["industry=Maschinenbau:1", "employees=51-200:0", "tech_stack=SAP Business One:0"]


@pytest.mark.usefixtures("navigation_like_the_server")
def test_prospects_invalid_link_values_fall_back_to_the_defaults(db):
    plain = _open("pages/prospects.py")
    broken = _open("pages/prospects.py", w=["industry=Maschinenbau:-3", "employees=51-200:abc", "no such criterion:5",
                                            "tech_stack=SAP Business One:inf", "no colon"],
                   cut="50,60,30", src="nonsense", tiers="Z")
    assert not broken.error
    assert {n.key: n.value for n in broken.number_input} == {n.key: n.value for n in plain.number_input}
    assert [broken.number_input(key=f"score_cut|{tier}@en").value for tier in "ABC"] == [75.0, 50.0, 25.0]
    assert broken.radio(key="score_source@en").value == "stored"
    assert broken.multiselect(key="score_tiers").value == ["A", "B", "C", "D"]
    assert _tiers(broken) == _tiers(plain)
    # the URL now carries the values actually shown
    assert broken.query_params["cut"] == "75,50,25" and broken.query_params["src"] == "stored"
    assert broken.query_params["w"] == plain.query_params["w"]


@pytest.mark.usefixtures("navigation_like_the_server")
def test_prospects_choices_go_into_the_url(db):
    at = _open("pages/prospects.py")
    at.number_input(key="score_cut|A@en").set_value(80.0).run()
    assert at.query_params["cut"] == "80,50,25"
    at.number_input(key="score_w|industry=Maschinenbau@en").set_value(2.5).run()
    assert "industry=Maschinenbau:2.5" in at.query_params["w"]
    at.radio(key="score_source@en").set_value("upload").run()
    assert at.query_params["src"] == "upload"
    assert t("scoring.upload_first", "en") in [i.value for i in at.info]
    # the same choices survive a language switch (new widget keys, same values, same URL)
    at.sidebar.radio(key="lang").set_value("de").run()
    assert at.number_input(key="score_cut|A@de").value == 80.0
    assert at.query_params["cut"] == "80,50,25" and at.query_params["src"] == "upload"


def test_weights_and_cutoffs_round_trip_through_the_url_codec():
    weights = {"industry=Maschinenbau": 0.518, "tech:stack=a:b": 2.0, "employees=51-200": 0.0}
    encoded = view_params.weights_to_url(weights)
    assert encoded == ["industry=Maschinenbau:0.518", "tech:stack=a:b:2", "employees=51-200:0"]
    assert view_params.weights_from_url(encoded, weights) == weights
    assert view_params.weights_from_url(["industry=Maschinenbau:101", "industry=Maschinenbau:nan"], weights) == {}
    assert view_params.cutoffs_to_url({"A": 80.0, "B": 50.5, "C": 0.0}) == "80,50.5,0"
    assert view_params.cutoffs_from_url(["80,50.5,0"]) == {"A": 80.0, "B": 50.5, "C": 0.0}
    for bad in (["1,2"], ["a,b,c"], ["30,60,90"], ["75,50,25", "75,50,25"], [], ["101,50,25"], ["nan,50,25"]):
        assert view_params.cutoffs_from_url(bad) is None, bad


# ---- Data: the open tab, the table and the import mode ----------------------------------------

@pytest.mark.usefixtures("navigation_like_the_server")
def test_data_tab_table_and_mode_from_the_link(db):
    at = _open("pages/data.py", tab="history", table="deals", mode="append")
    assert at.session_state["data_tab@en"] == t("data.tab_history", "en")
    assert at.selectbox(key="data_table@en").value == "deals"
    assert at.radio(key="data_mode@en").value == "append"
    # what is shown follows the table: the required fields of deals
    from icp_core import schema

    fields = ", ".join(f.name for f in schema.stored_fields("deals"))
    expected = t("data.table_fields", "en", required=", ".join(schema.TABLES["deals"].required), fields=fields)
    assert expected in [c.value for c in at.caption]
    accounts = t("data.table_fields", "en", required=", ".join(schema.TABLES["accounts"].required),
                 fields=", ".join(f.name for f in schema.stored_fields("accounts")))
    assert accounts not in [c.value for c in at.caption]  # not the default table's
    # a German link with the same ids opens the same tab (ids, never translated labels)
    de = AppTest.from_file(APP, default_timeout=180)
    de.query_params["lang"] = "de"
    de.run()
    de.query_params["tab"] = "health"
    de.switch_page("pages/data.py").run()
    assert not de.exception
    assert de.session_state["data_tab@de"] == t("data.tab_health", "de")


@pytest.mark.usefixtures("navigation_like_the_server")
def test_data_invalid_link_values_fall_back_to_the_defaults(db):
    at = _open("pages/data.py", tab="../../etc", table="passwd", mode="delete")
    assert not at.error
    assert at.session_state["data_tab@en"] == t("data.tab_import", "en")
    assert at.selectbox(key="data_table@en").value == "accounts"
    assert at.radio(key="data_mode@en").value == "replace"
    assert (at.query_params["tab"], at.query_params["table"], at.query_params["mode"]) == ("import", "accounts", "replace")


@pytest.mark.usefixtures("navigation_like_the_server")
def test_data_choices_go_into_the_url(db):
    at = _open("pages/data.py")
    at.selectbox(key="data_table@en").set_value("contacts").run()
    at.radio(key="data_mode@en").set_value("append").run()
    assert (at.query_params["table"], at.query_params["mode"]) == ("contacts", "append")
    at.session_state["data_tab@en"] = t("data.tab_history", "en")  # what a click on the tab does
    at.run()
    assert at.query_params["tab"] == "history"


@pytest.mark.usefixtures("navigation_like_the_server")
def test_prospects_reset_goes_back_to_the_icp_weights_not_the_links(db):
    at = _open("pages/prospects.py", w=["industry=Maschinenbau:1", "employees=51-200:0", "tech_stack=SAP Business One:0"])
    assert at.number_input(key="score_w|employees=51-200@en").value == 0.0
    next(b for b in at.button if b.label == t("scoring.reset", "en")).click().run()
    assert not at.exception
    # the weights the sample company's ICP derives (scoring.resolve_criteria on the sample)
    assert [at.number_input(key=f"score_w|{cid}@en").value for cid in SAMPLE_CRITERIA] == [0.518, 0.205, 0.276]
    assert at.query_params["w"] == ["industry=Maschinenbau:0.518", "employees=51-200:0.205", "tech_stack=SAP Business One:0.276"]
