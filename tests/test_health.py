"""The data-health rules (icp_core/health.py): which fields unlock or block which figures."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from icp_core import health, schema
from icp_core.i18n import TEXTS, t

A = "accounts"


def _report(rows: dict[str, int], **filled_accounts: int) -> health.HealthReport:
    filled = {(A, name): n for name, n in filled_accounts.items()}
    return health.evaluate(rows, filled)


def _field(report: health.HealthReport, table: str, name: str) -> health.FieldHealth:
    return next(f for f in report.fields if f.table == table and f.field == name)


def test_no_churn_date_blocks_retention_and_says_what_to_add():
    report = _report({A: 10}, account_id=10, start_date=10)
    assert report.available("retention_12m") is False
    churn = _field(report, A, "churn_date")
    assert churn.filled == 0 and churn.share == 0.0
    assert "retention_12m" in churn.blocks
    messages = report.blocked_messages(A, "en")
    churn_msgs = [m for m in messages if m.startswith("No churn_date:")]
    assert len(churn_msgs) == 1
    assert "12-month retention" in churn_msgs[0] and "cancellation date" in churn_msgs[0]
    german = [m for m in report.blocked_messages(A, "de") if "churn_date" in m]
    assert "12-Monats-Kundenbindung" in german[0] and "Kündigungsdatum" in german[0]


def test_adding_churn_date_unlocks_retention_and_stops_blocking():
    report = _report({A: 10}, account_id=10, start_date=10, churn_date=2)
    assert report.available("retention_12m") is True
    assert report.available("lifetime_churn") is True
    churn = _field(report, A, "churn_date")
    assert churn.blocks == ()
    assert churn.share == pytest.approx(0.2)
    assert churn.partly is True  # 20% < 50%
    assert not any(m.startswith("No churn_date") for m in report.blocked_messages(A, "en"))


def test_churned_flag_alone_gives_lifetime_churn_but_not_12_month_retention():
    report = _report({A: 5}, account_id=5, start_date=5, churned=5)
    assert report.available("lifetime_churn") is True
    assert report.available("retention_12m") is False
    # churned is present, so it is not itself reported as blocking anything
    assert _field(report, A, "churned").blocks == ()


def test_sales_cycle_from_first_contact_and_start_date():
    without = _report({A: 3}, account_id=3, start_date=3)
    assert without.available("sales_cycle") is False
    assert "sales_cycle" in _field(without, A, "sales_cycle_days").blocks
    assert "sales_cycle" in _field(without, A, "first_contact_date").blocks
    derived = _report({A: 3}, account_id=3, start_date=3, first_contact_date=3)
    assert derived.available("sales_cycle") is True
    assert _field(derived, A, "sales_cycle_days").blocks == ()  # the other way already works


def test_nps_from_responses_table_when_accounts_have_no_nps():
    filled = {(A, "account_id"): 4, (A, "acquisition_channel"): 4, ("nps_responses", "score"): 7}
    report = health.evaluate({A: 4, "nps_responses": 7}, filled)
    assert report.available("nps") and report.available("referral_score")
    assert _field(report, A, "nps").blocks == ()
    no_table = health.evaluate({A: 4}, {(A, "account_id"): 4, (A, "acquisition_channel"): 4})
    assert not no_table.available("nps") and not no_table.available("referral_score")
    assert set(_field(no_table, A, "nps").blocks) == {"nps", "referral_score"}


def test_filled_counts_of_a_table_that_is_not_loaded_do_not_count():
    report = health.evaluate({A: 2}, {(A, "account_id"): 2, ("market", "company_id"): 50})
    assert report.available("market") is False
    assert _field(report, "market", "company_id").filled == 0
    assert _field(report, "market", "company_id").share is None
    assert "market" in report.missing_tables()
    assert "accounts" not in report.missing_tables()


def test_unlocks_lists_every_figure_that_uses_the_field():
    report = _report({A: 1}, account_id=1)
    assert set(_field(report, A, "employees").unlocks) == {"size_band", "retention_in_group"}
    assert _field(report, A, "company_name").unlocks == ()  # a label: unlocks nothing


def test_steps_follow_the_data():
    empty = health.evaluate({}, {})
    assert empty.blocked_messages(A, "en") == []  # nothing loaded: the whole table is what to add
    assert [(s.number, s.status) for s in empty.steps()] == [(i, "missing") for i in range(1, 6)]
    full_fields = {f.name: 10 for f in schema.stored_fields(A)}
    rich = _report({A: 10}, **full_fields)
    status = {s.key: s.status for s in rich.steps()}
    assert status == {"pmf": "ready", "segments": "ready", "groups": "ready", "market": "partial", "template": "ready"}
    assert next(s for s in rich.steps() if s.key == "market").missing == ("market",)
    firmo_only = _report({A: 10}, account_id=10, industry=10)
    status = {s.key: s.status for s in firmo_only.steps()}
    assert status["segments"] == "partial" and status["pmf"] == "missing" and status["groups"] == "missing"


def test_hints_generic_and_for_missing_tables():
    report = _report({A: 1}, account_id=1)
    assert _field(report, A, "city").hint("en") == "Add a column for city (e.g. stadt, ort, billing city)."
    assert "Deals" in _field(report, "deals", "outcome").hint("en")
    assert _field(report, A, "churn_date").hint("de").startswith("Ergänzen Sie eine Spalte mit dem Kündigungsdatum")


def test_rules_refer_to_real_fields_and_have_texts():
    stored = {(name, f.name) for name in schema.TABLES for f in schema.stored_fields(name)}
    for fig in health.FIGURES:
        assert fig.needs, fig.key
        for alternative in fig.needs:
            for need in alternative:
                assert need in stored, (fig.key, need)
        assert f"health.fig.{fig.key}" in TEXTS
    for need, key in health.HINTS.items():
        assert need in stored and key in TEXTS
    for name in schema.TABLES:
        assert f"health.add_table.{name}" in TEXTS
    for _n, key, ready, partial in health.STEPS:
        assert f"health.step.{key}" in TEXTS
        assert set(ready) | set(partial) <= set(health.FIGURES_BY_KEY)


def test_fill_counts_on_a_real_database():
    cur = duckdb.connect(":memory:")
    cur.execute(
        "CREATE TABLE accounts (account_id VARCHAR, industry VARCHAR, employees BIGINT, tech_stack VARCHAR[], "
        "churn_date DATE, extra VARCHAR)"
    )
    cur.execute(
        "INSERT INTO accounts VALUES ('A1', 'SaaS', 10, ['HubSpot'], NULL, 'x'), ('A2', '  ', NULL, [], NULL, NULL), "
        "('A3', NULL, 0, NULL, DATE '2024-01-31', NULL)"
    )
    cur.execute("CREATE TABLE deals (deal_id VARCHAR, outcome VARCHAR)")  # present but empty
    rows, filled = health.fill_counts(cur)
    assert rows == {A: 3}  # empty tables do not count as loaded
    assert filled[(A, "account_id")] == 3
    assert filled[(A, "industry")] == 1  # blank text is not filled
    assert filled[(A, "employees")] == 2  # 0 is a value
    assert filled[(A, "tech_stack")] == 1  # an empty list is not filled
    assert filled[(A, "churn_date")] == 1
    assert (A, "mrr") not in filled  # a column the table does not have
    report = health.check(cur)
    assert _field(report, A, "industry").share == pytest.approx(1 / 3)
    assert report.available("technographics") and not report.available("arr")


def test_fill_counts_without_any_table():
    cur = duckdb.connect(":memory:")
    assert health.fill_counts(cur) == ({}, {})


def test_safe_csv_neutralises_formulas_and_keeps_numbers():
    frame = pl.DataFrame(
        {
            "row": [1, 2, 3],
            "value": ["=HYPERLINK(\"http://x\")", "+49 30 1234", "plain"],
            "reason": ["@SUM(A1)", "-1 is bad", None],
            "tools": [["=cmd", "Slack"], [], None],
            "amount": [-5.5, 1.0, None],
        }
    )
    text = health.safe_csv(frame).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "row,value,reason,tools,amount"
    assert lines[1] == "1,\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),'=cmd; Slack,-5.5"
    assert lines[2] == "2,'+49 30 1234,'-1 is bad,\"\",1.0"  # an empty list: empty text
    assert lines[3] == "3,plain,,,"
    for cell in ("=", "+", "-", "@"):
        assert not any(part.startswith(cell) for line in lines[1:] for part in line.split(",")[1:4] if part)
    assert health.safe_cell("=1+1") == "'=1+1" and health.safe_cell(3) == 3 and health.safe_cell("a=b") == "a=b"


def test_blocked_message_names_are_translated_in_both_languages():
    report = _report({A: 1}, account_id=1)
    for lang in ("en", "de"):
        for message in report.blocked_messages(A, lang):
            assert "health.fig." not in message and "health.add" not in message
    assert t("health.fig.retention_12m", "de") != t("health.fig.retention_12m", "en")


def test_blocked_messages_come_most_important_first():
    report = _report({A: 10}, account_id=10, industry=10, employees=10)
    fields = [m.split(":")[0].removeprefix("No ") for m in report.blocked_messages(A, "en")]
    # start_date blocks five step-1 figures: it leads; tier (step 3) comes after every step-1/2 field
    assert fields[0] == "start_date"
    assert fields.index("nps") < fields.index("founded_year") < fields.index("tier")
    assert fields.index("churn_date") < fields.index("tech_stack")


def _imp(i, table, file, mode="replace", undone=False):
    return {"import_id": i, "table": table, "file": file, "mode": mode, "undone": undone}


def test_sample_tables_follow_the_history():
    history = [  # newest first, as store.imports() gives it
        _imp(5, "accounts", "crm.csv", "append"),
        _imp(4, "deals", None, "clear"),
        _imp(3, "contacts", "people.csv", "replace", undone=True),
        _imp(2, "deals", "sample:deals"),
        _imp(1, "contacts", "sample:contacts"),
        _imp(0, "accounts", "sample:accounts"),
    ]
    # accounts: own rows appended to the sample; contacts: own import undone; deals: cleared
    assert health.sample_tables(history) == ["accounts", "contacts"]
    history.insert(0, _imp(6, "accounts", "crm2.csv", "replace"))
    assert health.sample_tables(history) == ["contacts"]
    history.insert(0, _imp(7, "contacts", "sample:contacts", undone=True))
    assert health.sample_tables(history) == ["contacts"]  # the older sample import is still live
    assert health.sample_tables([]) == []
