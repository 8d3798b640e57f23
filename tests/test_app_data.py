"""AppTest of the Data page: upload, detection, mapping correction, import report, saved
mappings, unreadable files, history with undo, health panel, German."""

from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from icp_core.errors import IcpError
from icp_core.i18n import t
from icp_core.ingest import read_file
from icp_core.store import Store

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")

# Hand-made German CRM export: row 2 has a bad number, row 3 repeats the id K1.
CSV = (
    "Kundennummer;Firma;Mitarbeiterzahl;Land;Umsatz;Quelle\n"
    "K1;Alpha GmbH;120;Deutschland;1.234,50;Empfehlung\n"
    "K2;Beta AG;abc;Österreich;2.000,00;Messe\n"
    "K1;Alpha Dup;5;DE;10,00;Web\n"
    "K3;Gamma;40;CH;99,00;Web\n"
).encode("utf-8")


pytestmark = pytest.mark.usefixtures("navigation_like_the_server")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "data_store.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


def _data_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> None:
    at.file_uploader(key="data_files").set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, [e.value for e in at.exception]


def _key(prefix: str, at: AppTest, widgets) -> str:
    keys = [w.key for w in widgets if w.key and w.key.startswith(prefix)]
    assert keys, f"no widget with key {prefix}*"
    return keys[0]


def _select(at: AppTest, column: str):
    return next(s for s in at.selectbox if s.key and s.key.startswith("map|") and s.key.rsplit("@", 1)[0].endswith("|" + column))


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _frame_of(at: AppTest, first_column: str):
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_upload_shows_detection_preview_and_suggested_mapping(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    detected = _frame_of(at, t("data.col_property", "en"))
    props = dict(zip(detected.iloc[:, 0], detected.iloc[:, 1]))
    assert props["Format"] == "CSV"
    assert "semicolon" in props["Separator"]
    assert "comma" in props["Decimal mark"]
    assert props["Header row"] == "1"
    preview = _frame_of(at, "Kundennummer")
    assert list(preview.columns) == ["Kundennummer", "Firma", "Mitarbeiterzahl", "Land", "Umsatz", "Quelle"]
    assert preview["Umsatz"].tolist()[:2] == ["1.234,50", "2.000,00"]  # as text, exactly as in the file
    assert {s.label: s.value for s in at.selectbox if s.key.startswith("map|")} == {
        "Kundennummer": "account_id", "Firma": "company_name", "Mitarbeiterzahl": "employees",
        "Land": "country", "Umsatz": "annual_revenue", "Quelle": "acquisition_channel",
    }
    assert t("data.mapping_suggested", "en") in [c.value for c in at.caption]


def test_import_with_corrected_mapping_reports_exact_counts_and_issues(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    _select(at, "Umsatz").set_value("mrr").run()  # the user corrects: this column is MRR
    _select(at, "Land").select_index(0).run()  # and keeps Land as an extra column
    at.button(key=_key("import|", at, at.button)).click().run()
    assert not at.exception and not at.error
    assert _metrics(at) == {"Rows read": "4", "Rows imported": "3", "Rows rejected": "1"}
    issues = _frame_of(at, t("data.col_row", "en"))
    assert issues["Row"].tolist() == ["2", "3"]
    assert issues["Column"].tolist() == ["Mitarbeiterzahl", "Kundennummer"]
    assert issues["Value"].tolist() == ["abc", "K1"]
    assert issues["Reason"].tolist()[1] == t("issue.duplicate_key", "en", value="K1", first_row=1)
    assert "abc" in issues["Reason"].tolist()[0]
    stored = Store(db).export_frame("accounts").sort("account_id")
    assert stored["account_id"].to_list() == ["K1", "K2", "K3"]
    assert stored["mrr"].to_list() == [1234.5, 2000.0, 99.0]
    assert stored["annual_revenue"].null_count() == 3
    assert stored["country"].null_count() == 3 and stored["Land"].to_list() == ["Deutschland", "Österreich", "CH"]
    assert stored["employees"].to_list() == [120, None, 40]
    assert Store(db).is_sample() is False
    # the quarantine offered for download
    assert any(b.key and b.key.startswith("quarantine|") for b in at.get("download_button"))


def test_mapping_twice_or_without_id_disables_import(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    _select(at, "Firma").set_value("account_id").run()
    assert t("data.mapping_twice", "en", fields="account_id") in [e.value for e in at.error]
    assert at.button(key=_key("import|", at, at.button)).disabled
    _select(at, "Firma").set_value("company_name").run()
    _select(at, "Kundennummer").select_index(0).run()
    assert t("data.mapping_required", "en", fields="account_id") in [e.value for e in at.error]
    assert at.button(key=_key("import|", at, at.button)).disabled
    _select(at, "Kundennummer").set_value("account_id").run()
    assert not at.error and not at.button(key=_key("import|", at, at.button)).disabled


def test_saved_mapping_is_applied_to_the_next_export_with_the_same_headers(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    _select(at, "Umsatz").set_value("mrr").run()
    at.button(key=_key("save|", at, at.button)).click().run()
    assert not at.exception
    later = CSV.replace(b"K3;Gamma", b"K4;Delta")  # next month's export: same headers
    fresh = _data_page()
    _upload(fresh, ("crm_next.csv", later))
    assert _select(fresh, "Umsatz").value == "mrr"
    assert t("data.mapping_saved_applied", "en") in [c.value for c in fresh.caption]
    # a file with other headers still gets the suggestion
    other = _data_page()
    _upload(other, ("other.csv", b"Kundennummer;Jahresumsatz\nK1;100\n"))
    assert _select(other, "Jahresumsatz").value == "annual_revenue"
    assert t("data.mapping_suggested", "en") in [c.value for c in other.caption]


def test_unreadable_file_shows_one_clear_sentence(db):
    at = _data_page()
    _upload(at, ("empty.csv", b""), ("crm.csv", CSV))
    with pytest.raises(IcpError) as err:
        read_file(b"", "empty.csv")
    assert [e.value for e in at.error] == [err.value.message("en")]
    assert not at.exception
    # the readable file next to it is still offered for import
    assert _select(at, "Kundennummer").value == "account_id"


def test_history_undo_with_confirmation_restores_the_sample(db):
    at = _data_page()
    sample_accounts = Store(db).tables()["accounts"]
    at.checkbox(key="data_clear_sample").uncheck().run()  # keep the sample's other tables
    _upload(at, ("crm.csv", CSV))
    at.button(key=_key("import|", at, at.button)).click().run()
    store = Store(db)
    assert store.tables()["accounts"] == 3
    import_id = store.imports()[0]["import_id"]
    # own accounts next to the sample's other tables: marked as mixed, with the tables named
    others = ", ".join(t(f"table.{name}", "en") for name in store.tables() if name != "accounts")
    assert t("app.sample_banner_partly", "en", tables=others) in [w.value for w in at.warning]
    assert any(t("app.sample_badge_partly", "en") in m.value for m in at.sidebar.markdown)
    history = _frame_of(at, t("data.col_id", "en"))
    top = history.iloc[0]
    assert (top["Import"], top["File"], top["Imported"], top["Rejected"], top["Mode"], top["Undone"]) == (
        str(import_id), "crm.csv", "3", "1", "replace", "no")
    at.button(key=f"undo|{import_id}").click().run()
    assert t("data.undo_confirm", "en", id=import_id) in [w.value for w in at.warning]
    assert Store(db).tables()["accounts"] == 3  # nothing happens before the confirmation
    at.button(key="undo_no").click().run()
    assert Store(db).tables()["accounts"] == 3
    at.button(key=f"undo|{import_id}").click().run()
    at.button(key="undo_yes").click().run()
    assert not at.exception
    assert Store(db).tables()["accounts"] == sample_accounts
    assert t("data.undo_done", "en", id=import_id) in [s.value for s in at.success]
    assert [i.value for i in at.info] == [t("app.sample_banner", "en")]  # all sample again
    history = _frame_of(at, t("data.col_id", "en"))
    row = history[history["Import"] == str(import_id)].iloc[0]
    assert row["Undone"] == "yes"
    assert at.button(key=f"undo|{import_id}").disabled
    assert Store(db).raw_file(import_id) == CSV  # the raw file is kept for download


def test_append_rejects_ids_already_in_the_store(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    at.button(key=_key("import|", at, at.button)).click().run()
    at.radio(key="data_mode@en").set_value("append").run()
    _upload(at, ("more.csv", b"Kundennummer;Firma\nK3;Gamma again\nK9;New\n"))
    at.button(key=next(b.key for b in at.button if b.key.startswith("import|accounts|more.csv"))).click().run()
    assert not at.exception
    reports = [m.value for m in at.metric]
    assert reports[-3:] == ["2", "1", "1"]  # read, imported, rejected of the appended file
    assert sorted(Store(db).export_frame("accounts")["account_id"].to_list()) == ["K1", "K2", "K3", "K9"]


def test_health_panel_names_what_is_missing(db):
    at = _data_page()
    _upload(at, ("crm.csv", CSV))
    at.button(key=_key("import|", at, at.button)).click().run()
    fields = _frame_of(at, t("data.col_field", "en"))
    rows = fields.set_index("Field")
    assert rows.loc["account_id", "Rows filled"] == "3" and rows.loc["account_id", "Share filled"] == "100%"
    assert rows.loc["employees", "Rows filled"] == "2" and rows.loc["employees", "Share filled"] == "67%"
    assert rows.loc["churn_date", "State"] == t("data.state.empty", "en")
    assert rows.loc["country", "State"] == t("data.state.ok", "en")
    assert "12-month retention" in rows.loc["churn_date", "Unlocks"]
    warning = next(w.value for w in at.warning if w.value.startswith(t("data.health_blocked_title", "en")))
    lines = warning.splitlines()
    churn = [line for line in lines if line.startswith("- No churn_date:")]
    assert len(churn) == 1 and "12-month retention" in churn[0] and "cancellation date" in churn[0]
    assert not any(line.startswith("- No country:") for line in lines)  # country is filled
    expanders = [e.label for e in at.expander]
    assert t("data.health_table", "en", table="Accounts", rows="3") in expanders
    assert t("data.health_table_missing", "en", table="Deals") in expanders


def test_german_data_page(db):
    at = _data_page("de")
    assert at.title[0].value == "Daten"
    _upload(at, ("crm.csv", CSV))
    at.button(key=_key("import|", at, at.button)).click().run()
    assert _metrics(at) == {"Gelesene Zeilen": "4", "Importierte Zeilen": "3", "Abgelehnte Zeilen": "1"}
    issues = _frame_of(at, "Zeile")
    assert issues["Grund"].tolist()[1] == t("issue.duplicate_key", "de", value="K1", first_row=1)
    history = _frame_of(at, "Import")
    assert history.iloc[0]["Modus"] == "ersetzen" and history.iloc[0]["Rückgängig"] == "nein"
    assert "." in history.iloc[0]["Zeit (UTC)"]  # dd.mm.yyyy


def test_language_switch_keeps_table_mode_and_mapping_choices(db):
    at = _data_page()
    at.selectbox(key="data_table@en").set_value("contacts").run()
    at.radio(key="data_mode@en").set_value("append").run()
    _upload(at, ("people.csv", b"Kunden-ID;Jobtitel;Notiz\nK1;CEO;x\n"))
    _select(at, "Jobtitel").select_index(0).run()  # keep as extra column
    at.radio(key="lang").set_value("de").run()
    assert not at.exception
    assert at.selectbox(key="data_table@de").value == "contacts"
    assert at.radio(key="data_mode@de").value == "append"
    assert _select(at, "Jobtitel").value is None
    assert _select(at, "Kunden-ID").value == "account_id"
    assert at.button(key=_key("import|", at, at.button)).label == "Importieren (anhängen)"


def test_quarantine_csv_is_formula_safe_and_in_the_users_language(db):
    from icp_core.health import safe_csv

    at = _data_page("de")
    evil = b"Kundennummer;Mitarbeiterzahl\n=HYPERLINK(1);=1+2\nK2;5\nK2;7\n"
    _upload(at, ("evil.csv", evil))
    at.button(key=_key("import|", at, at.button)).click().run()
    import_id = Store(db).imports()[0]["import_id"]
    assert any(b.key == f"quarantine|{import_id}" for b in at.get("download_button"))
    lines = safe_csv(Store(db).quarantine(import_id, "de")).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("1,Mitarbeiterzahl,'=1+2,'=1+2' in Spalte 'Mitarbeiterzahl' ist keine")
    assert lines[2].startswith("3,Kundennummer,K2,\"Die ID 'K2' steht schon in Zeile 2, daher")
    stored = Store(db).export_frame("accounts")["account_id"].to_list()
    assert stored == ["=HYPERLINK(1)", "K2"]  # kept as text in the store; only exports are neutralised


def test_user_text_is_never_rendered_as_html_or_markdown(db):
    import ui

    name = "<img src=x onerror=alert(1)>_*x*_[a](http://e).csv"
    at = _data_page()
    _upload(at, (name, b"Kundennummer;<b>Umsatz</b>\nK1;1\n"))
    assert not at.exception
    heading = next(m.value for m in at.markdown if "description:" in m.value)
    assert heading.endswith(ui.md_escape(name))
    import re

    assert not re.search(r"(?<!\\)[<>*_\[\]()]", heading.split("description:", 1)[1])  # every markup character escaped
    assert _select(at, "<b>Umsatz</b>").label == ui.md_escape("<b>Umsatz</b>")
    for element in at.markdown:
        assert not element.proto.allow_html, element.value
