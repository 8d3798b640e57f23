"""AppTest of the Market page (through app.py's st.navigation): the sample company's funnel in
English and German, the ICP typed in, the white space, and the top-down mode without a market."""

from __future__ import annotations

import pathlib

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import t
from icp_core.store import Store

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ICP = "industry=Maschinenbau\nemployees=51-200\ntech:SAP Business One"


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "market_page.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _open(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    if lang != "en":
        at.radio(key="lang").set_value(lang).run()
    at.session_state["lang"] = lang
    at.switch_page("pages/market.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _set(at: AppTest, widget, value, lang: str) -> None:
    """Change a widget and rerun; the page-only rerun of switch_page does not render the sidebar's
    language switch, so its session value is carried over by hand as the sidebar would keep it."""
    widget.set_value(value)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def _funnel_rows(at: AppTest, lang: str) -> dict[str, dict]:
    table = at.dataframe[0].value
    return {row[t("market.col.level", lang)]: row for row in table.to_dict("records")}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sample_company_funnel_with_planted_icp(db, lang):
    at = _open(lang)  # first launch loads the sample company (100,000 market companies)
    assert at.title[0].value == t("market.title", lang)
    _set(at, at.text_area(key="icp_text"), ICP, lang)
    rows = _funnel_rows(at, lang)
    comp, cust = t("market.col.companies", lang), t("market.col.customers", lang)
    # planted truth (sample_data/README.md): TAM 100,000; ICP 2,114 companies, 199 active customers;
    # 1,549 active customers in all; ACV 4,524 -> SOM value 2,114 x 4,524 = 9,563,736
    assert rows["TAM"][comp] == ("100,000" if lang == "en" else "100.000")
    assert rows["TAM"][cust] == ("1,549" if lang == "en" else "1.549")
    assert rows["SOM"][comp] == ("2,114" if lang == "en" else "2.114")
    assert rows["SOM"][cust] == "199"
    assert rows["SOM"][t("market.col.value", lang)] == ("€9,563,736" if lang == "en" else "9.563.736 €")
    # 199 / 2114 = 9.41 %
    assert rows["SOM"][t("market.col.penetration", lang)] == ("9.41%" if lang == "en" else "9,41 %")
    # white space: the first table after the funnel; Maschinenbau is the only industry with ICP companies
    ws = at.dataframe[1].value.to_dict("records")
    top = ws[0]
    assert top[t("market.col.rank", lang)] == "★ 1"
    assert top[t("market.dim.industry", lang)] == "Maschinenbau"
    assert top[t("market.col.open_icp", lang)] == ("1,915" if lang == "en" else "1.915")  # 2114 - 199


def test_sam_filter_and_breadth_warning(db):
    at = _open("en")
    at.multiselect(key="sam_country").set_value(["DE"]).run()
    at.text_area(key="icp_text").set_value("country=DE").run()  # the ICP = the whole SAM
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "more than 50%" in warnings
    rows = _funnel_rows(at, "en")
    assert rows["SAM"]["Companies"] == rows["SOM"]["Companies"]


def test_top_down_without_market(db):
    store = Store(db)
    store.load_frame("accounts", pl.DataFrame({"account_id": ["A1"], "mrr": [100.0]}))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.radio(key="lang").set_value("de").run()
    at.session_state["lang"] = "de"
    at.switch_page("pages/market.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(t("market.no_market_page", "de") == i.value for i in at.info)
    _set(at, at.number_input(key="td_tam"), 20000, "de")
    _set(at, at.number_input(key="td_acv"), 1000.0, "de")
    rows = _funnel_rows(at, "de")
    # 20,000 x 30 % = 6,000; x 10 % = 600; SOM value 600 x 1,000 = 600,000
    assert [rows[lv]["Unternehmen"] for lv in ("TAM", "SAM", "SOM")] == ["20.000", "6.000", "600"]
    assert rows["SOM"]["Wert pro Jahr"] == "600.000 €"
    assert rows["SOM"]["Kunden"] == "–"
    assert any(t("market.top_down_note", "de") == w.value for w in at.warning)
