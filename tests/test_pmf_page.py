"""AppTest of the PMF page through app.py's st.navigation (AppTest.switch_page works with
st.navigation in Streamlit 1.67): the verdict and the indicator values shown, with and without
the optional tables, in English and German."""

from __future__ import annotations

import pathlib
from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import t
from icp_core.store import Store

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
D = date


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "pmf_page.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _open_pmf(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    if lang != "en":
        at.radio(key="lang").set_value(lang).run()
    # AppTest.switch_page runs the page file itself (without app.py's sidebar), so the language is
    # carried over through session state as the sidebar switch would leave it
    at.session_state["lang"] = lang
    at.switch_page("pages/pmf.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _indicator_table(at: AppTest, lang: str) -> dict[str, dict[str, str]]:
    table = at.dataframe[0].value
    key = t("pmf.col.indicator", lang)
    return {row[key]: row for row in table.to_dict("records")}


def _verdict(at: AppTest) -> str:
    boxes = [b.value for b in at.success] + [b.value for b in at.warning] + [b.value for b in at.error] + [b.value for b in at.info]
    return " | ".join(boxes)


def test_sample_company_reached_with_every_indicator(db):
    at = _open_pmf("en")  # first launch loads the sample company
    assert at.title[0].value == t("pmf.title", "en")
    assert t("pmf.verdict.reached", "en") in _verdict(at)
    rows = _indicator_table(at, "en")
    # planted truth (sample_data/README.md): 9.2772 (n 386), 34.29 % (693 new), 96.50 % (n 200), 45.21 % (n 971)
    score = rows[t("pmf.ind.referral_score", "en")]
    assert (score[t("pmf.col.value", "en")], score[t("pmf.col.n", "en")]) == ("9.28", "386")
    share = rows[t("pmf.ind.referral_share", "en")]
    assert (share[t("pmf.col.value", "en")], share[t("pmf.col.n", "en")]) == ("34.3%", "693")
    ret = rows[t("pmf.ind.retention", "en")]
    assert (ret[t("pmf.col.value", "en")], ret[t("pmf.col.n", "en")]) == ("96.5%", "200")
    assert "Maschinenbau x 51-200" in ret[t("pmf.col.note", "en")]
    ellis = rows[t("pmf.ind.sean_ellis", "en")]
    assert (ellis[t("pmf.col.value", "en")], ellis[t("pmf.col.n", "en")]) == ("45.2%", "971")
    assert all(r[t("pmf.col.result", "en")] == t("pmf.result.pass", "en") for r in rows.values())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("pmf.nps.metric", "en")] == "12.7"  # 12.65 (n 1533)
    assert metrics[t("pmf.ret.nrr", "en")] == "91.0%" and metrics[t("pmf.ret.grr", "en")] == "84.7%"
    assert any(t("pmf.next.firmographics", "en") == m.value for m in at.markdown)


def test_settings_recompute_the_verdict(db):
    at = _open_pmf("en")
    # raise the referral score threshold above 9.28: that indicator fails -> partial
    at.number_input(key="pmf_ref_score").set_value(9.5).run()
    assert not at.exception
    assert t("pmf.verdict.partial", "en") in _verdict(at)
    rows = _indicator_table(at, "en")
    assert rows[t("pmf.ind.referral_score", "en")][t("pmf.col.result", "en")] == t("pmf.result.fail", "en")
    assert any(t("pmf.next.demographics_jtbd", "en") == m.value for m in at.markdown)


def test_german_page(db):
    at = _open_pmf("de")
    assert t("pmf.verdict.reached", "de") in _verdict(at)
    rows = _indicator_table(at, "de")
    assert rows[t("pmf.ind.referral_share", "de")][t("pmf.col.value", "de")] == "34,3 %"
    assert rows[t("pmf.ind.referral_score", "de")][t("pmf.col.value", "de")] == "9,28"


def test_accounts_only_without_optional_tables(db):
    store = Store(db)
    # 3 accounts, nps on the account, no churn_date, no channel: only NPS can be shown
    store.load_frame("accounts", pl.DataFrame({
        "account_id": ["A", "B", "C"], "industry": ["M", "M", "S"],
        "start_date": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)], "nps": [10, 9, 3],
    }), "fixture")
    at = _open_pmf("en")
    assert t("pmf.verdict.unknown", "en") in _verdict(at)
    rows = _indicator_table(at, "en")
    assert all(r[t("pmf.col.result", "en")] == t("pmf.result.none", "en") for r in rows.values())
    # each missing figure says which field is missing and how to add it
    assert rows[t("pmf.ind.referral_share", "en")][t("pmf.col.note", "en")] == t("pmf.reason.no_channel", "en")
    assert rows[t("pmf.ind.retention", "en")][t("pmf.col.note", "en")] == t("pmf.reason.no_churn_date", "en")
    assert rows[t("pmf.ind.sean_ellis", "en")][t("pmf.col.note", "en")] == t("pmf.reason.no_pmf_survey", "en")
    infos = [i.value for i in at.info]
    assert t("pmf.reason.no_mrr_history", "en") in infos
    assert t("pmf.nps.trend_missing", "en") in infos
    # NPS from the account field: P 2, D 1, n 3 -> 100 * 1 / 3 = 33.3
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("pmf.nps.metric", "en")] == "33.3"
    assert metrics[t("pmf.ret.nrr", "en")] == "–"
