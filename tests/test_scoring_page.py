"""AppTest of the Prospects page through app.py (sample company on first launch), English and
German: the scored table, tier counts, backtest figures; a weight change recomputes; company
names with HTML / formulas are shown as plain table cells only."""

from __future__ import annotations

import pathlib

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import t
from icp_core.store import Store

ROOT = pathlib.Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "prospects_page.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _open(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    at.session_state["lang"] = lang
    at.switch_page("pages/prospects.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table(at: AppTest, column: str):
    """The first table on the page with this column."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sample_prospects_scored_and_backtested(db, lang):
    at = _open(lang)
    assert at.title[0].value == t("scoring.title", lang)
    m = _metrics(at)
    thousand = "1,000" if lang == "en" else "1.000"
    assert m[t("scoring.kpi.companies", lang)] == thousand
    # three criteria of the derived ICP; the tier counts add up to the 1,000 prospects
    tiers = [int(m[t("scoring.kpi.tier", lang, tier=x)].replace(",", "").replace(".", "")) for x in "ABCD"]
    assert sum(tiers) == 1000
    assert tiers[0] >= 236  # every prospect built to fit the planted ICP is in A
    table = _table(at, t("scoring.col.reasons", lang))
    assert len(table) == 1000
    reasons = table[t("scoring.col.reasons", lang)].tolist()
    word = "weight" if lang == "en" else "Gewicht"
    assert all(word in r for r in reasons)
    assert reasons[0].startswith("✓ " + ("industry Maschinenbau" if lang == "en" else "Branche Maschinenbau"))
    # backtest: the want-more customers are all in A/B; AUC shown with the language's decimal mark
    assert m[t("scoring.bt.want_ab", lang)] == ("100.0%" if lang == "en" else "100,0 %")
    assert m[t("scoring.bt.auc_groups", lang)] == ("1.00" if lang == "en" else "1,00")
    backtest = _table(at, t("scoring.bt.col.group", lang))
    assert backtest[t("scoring.bt.col.group", lang)].tolist() == [
        t(f"scoring.group.{g}", lang) for g in ("want_more", "neutral", "dont_want", "retained", "churned")]
    assert backtest[t("scoring.bt.col.n", lang)].tolist() == (
        ["297", "1,793", "410", "936", "257"] if lang == "en" else ["297", "1.793", "410", "936", "257"])


def test_weight_change_recomputes(db):
    at = _open("en")
    before = _metrics(at)[t("scoring.kpi.tier", "en", tier="A")]
    weights = [n for n in at.number_input if n.key and n.key.startswith("score_w|")]
    assert len(weights) >= 2
    for w in weights[1:]:  # only the first criterion counts
        w.set_value(0.0)
    at.run()
    assert not at.exception
    after = _metrics(at)
    assert after[t("scoring.kpi.tier", "en", tier="A")] != before
    reasons = _table(at, t("scoring.col.reasons", "en"))[t("scoring.col.reasons", "en")].tolist()
    assert all(r.count("(weight") == 1 for r in reasons)


def test_evil_names_stay_plain_cells(db):
    at = AppTest.from_file(APP, default_timeout=180).run()  # loads the sample company
    store = Store(db)
    frame = pl.DataFrame({"company_id": ["E1", "E2"], "name": [EVIL, '=HYPERLINK("http://x")'],
                          "industry": ["Maschinenbau", "Bau"], "employees": [100, 5]})
    store.load_frame("prospects", frame, file_name="evil.csv")
    at.switch_page("pages/prospects.py").run()
    assert not at.exception, [e.message for e in at.exception]
    table = _table(at, t("scoring.col.name", "en"))
    assert table[t("scoring.col.name", "en")].tolist() == [EVIL, '=HYPERLINK("http://x")']
    assert "<img" not in _texts(at)
    assert not any(getattr(m, "allow_html", False) for m in at.markdown)


def test_a_long_list_shows_the_best_thousand_and_finds_any_other(db):
    at = AppTest.from_file(APP, default_timeout=180).run()  # loads the sample company
    store = Store(db)
    # 1,500 prospects: P0000..P1499; employees decide the fit on the sample's size criterion
    ids = [f"P{i:04d}" for i in range(1500)]
    frame = pl.DataFrame({"company_id": ids, "name": [f"Firma {i}" for i in range(1500)],
                          "industry": ["Maschinenbau" if i % 3 == 0 else "Handel" for i in range(1500)],
                          "employees": [20 + (i % 400) for i in range(1500)], "country": ["DE"] * 1500})
    store.load_frame("prospects", frame, file_name="long.csv")
    at.switch_page("pages/prospects.py").run()
    assert not at.exception, [e.message for e in at.exception]
    table = _table(at, t("scoring.col.reasons", "en"))
    assert len(table) == 1000
    scores = table[t("scoring.col.fit_score", "en")].tolist()
    assert scores == sorted(scores, reverse=True)
    assert t("scoring.shown_top_all", "en", shown="1,000", total="1,500") in _texts(at)
    # every company the table leaves out scores at most the lowest shown score
    left_out = sorted(set(ids) - set(table[t("scoring.col.id", "en")].tolist()))
    assert len(left_out) == 500
    # the search finds one of them
    at.text_input(key="score_search").set_value(left_out[-1]).run()
    table = _table(at, t("scoring.col.reasons", "en"))
    assert table[t("scoring.col.id", "en")].tolist() == [left_out[-1]]
    assert table[t("scoring.col.fit_score", "en")].iloc[0] <= min(scores)
    assert t("scoring.shown", "en", shown="1", total="1,500") in _texts(at)
    # tiers B, C and D: 300 + 400 + 600 = 1,300 of the 1,500 match (A 200), the best 1,000 shown
    at.text_input(key="score_search").set_value("").run()
    at.multiselect(key="score_tiers").set_value(["B", "C", "D"]).run()
    tiers = _metrics(at)
    assert [tiers[t("scoring.kpi.tier", "en", tier=x)] for x in "ABCD"] == ["200", "300", "400", "600"]
    table = _table(at, t("scoring.col.reasons", "en"))
    assert len(table) == 1000
    assert set(table[t("scoring.col.tier", "en")]) == {"B", "C", "D"}
    assert t("scoring.shown_top", "en", shown="1,000", matching="1,300", total="1,500") in _texts(at)
