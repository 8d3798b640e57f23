"""AppTest of the app shell and the home page: sample data on first launch, sidebar, language."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core.i18n import fmt_number, t
from icp_core.store import Store
from tests.conftest import stand_table

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")


pytestmark = pytest.mark.usefixtures("navigation_like_the_server")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "home_store.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _run(db: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sample_buttons(at: AppTest) -> list:
    """The sidebar's buttons other than the workspace forms' (create / rename / delete)."""
    forms = {t(k, "en") for k in ("workspace.create", "workspace.rename", "workspace.delete")}
    return [b for b in at.sidebar.button if b.label not in forms]


def _texts(at: AppTest) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t_.value for t_ in at.title]
    out += [i.value for i in at.info] + [w.value for w in at.warning] + [s.value for s in at.subheader]
    return out


def test_first_launch_shows_the_sample_company_marked_as_sample(db):
    at = _run(db)
    counts = Store(db).tables()
    assert counts["accounts"] > 0 and Store(db).is_sample()
    assert at.title[0].value == t("home.title", "en")
    assert [i.value for i in at.info] == [t("app.sample_banner", "en")]
    sidebar_md = [m.value for m in at.sidebar.markdown]
    assert any(t("app.sample_badge", "en") in m and "badge" in m for m in sidebar_md)
    assert [b.label for b in _sample_buttons(at)] == [t("app.sample_clear", "en")]
    assert at.sidebar.text[0].value == db  # where the data lives
    # where the user stands: every table with its row count
    table = stand_table(at)
    rows = dict(zip(table[t("home.col_table", "en")], table[t("home.col_rows", "en")]))
    assert rows[t("table.accounts", "en")] == fmt_number(counts["accounts"], "en")
    assert rows[t("table.market", "en")] == fmt_number(counts["market"], "en")
    # the five steps of the article, numbered, with their status
    step_titles = [m for m in _texts(at) if m.startswith("**") and ". " in m]
    assert step_titles == [f"**{i}. {t(f'health.step.{k}', 'en')}**" for i, k in
                           enumerate(("pmf", "segments", "groups", "market", "template"), 1)]


def test_switching_to_german_translates_the_page_and_numbers(db):
    at = _run(db)
    at.radio(key="lang").set_value("de").run()
    assert not at.exception
    assert at.title[0].value == t("home.title", "de") == "Ihr ideales Kundenprofil, aus Ihren eigenen Daten"
    assert at.radio(key="lang").label == "Sprache"
    assert [i.value for i in at.info] == [t("app.sample_banner", "de")]
    table = stand_table(at)
    assert list(table) == ["Tabelle", "Zeilen", "Status"]
    counts = Store(db).tables()
    rows = dict(zip(table["Tabelle"], table["Zeilen"]))
    assert rows["Markt"] == fmt_number(counts["market"], "de")
    if counts["market"] >= 1000:
        assert "." in rows["Markt"] and "," not in rows["Markt"]
    assert t("home.what", "de") in _texts(at)
    english_words = [t("home.what", "en"), t("home.steps_title", "en"), t("app.sample_banner", "en")]
    assert not any(w in _texts(at) for w in english_words)


def test_clear_sample_then_restore_and_no_reload_on_next_start(db):
    at = _run(db)
    at.sidebar.button(key="sample_clear").click().run()
    assert not at.exception
    store = Store(db)
    assert not any(store.tables().values())
    assert not at.info  # no sample banner
    assert [b.key for b in _sample_buttons(at)] == ["sample_restore"]
    assert t("home.no_data", "en") in [w.value for w in at.warning]
    # a new session (the next launch) does not bring the sample back by itself
    again = _run(db)
    assert not any(Store(db).tables().values())
    again.sidebar.button(key="sample_restore").click().run()
    assert not again.exception
    assert Store(db).tables()["accounts"] > 0 and Store(db).is_sample()
    assert [i.value for i in again.info] == [t("app.sample_banner", "en")]


def test_own_data_is_not_marked_as_sample(db):
    store = Store(db)
    store.import_file(b"Kundennummer;Branche\nK1;SaaS\nK2;Retail\n", "accounts", file_name="crm.csv")
    at = _run(db)
    assert not Store(db).is_sample()
    assert not at.info
    assert not _sample_buttons(at)  # neither clear nor restore: own data is there
    table = stand_table(at)
    rows = dict(zip(table[t("home.col_table", "en")], table[t("home.col_rows", "en")]))
    assert rows[t("table.accounts", "en")] == "2" and rows[t("table.deals", "en")] == "–"
    # health summary: blocked figures are named with what to add
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("No ") and "cannot be computed" in w for w in warnings)


def test_a_page_run_alone_is_sent_through_app_py(db, monkeypatch):
    """As on a fresh server whose first request is /data: the run starts as an old-style
    multipage app (pages/data.py alone). ui.py switches that off and reruns through app.py, so
    the sidebar (language, store, sample badge) and the sample banner are there."""
    from streamlit.runtime.pages_manager import PagesManager

    at = _run(db)
    original = PagesManager.__init__

    def fresh_server(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = True  # what Streamlit decides for a pages/ folder

    monkeypatch.setattr(PagesManager, "__init__", fresh_server)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.title[0].value == t("data.title", "en")
    assert at.radio(key="lang").label == "Language"
    assert at.sidebar.text[0].value == db
    assert [i.value for i in at.info] == [t("app.sample_banner", "en")]
    assert PagesManager.uses_pages_directory is False


def test_markdown_table_escapes_every_cell_and_aligns_numbers_right():
    import ui

    text = ui.markdown_table(
        [{"Table": "Accounts", "Rows": "1,000,000"}, {"Table": "a|b *x* [l](u)", "Rows": "–"}], right=("Rows",)
    )
    assert text.splitlines() == [
        "| Table | Rows |",
        "|---|---:|",
        "| Accounts | 1,000,000 |",
        "| a\\|b \\*x\\* \\[l\\]\\(u\\) | – |",
    ]
    assert ui.markdown_table([]) == ""
