"""The ICP profile (icp_core.profile): the sample company's planted ICP with its evidence, personas
and jobs filled, criteria and specs, coverage, edits, versions, diff and restore, the CLI."""

from __future__ import annotations

import io
import json
import math
from datetime import date

import polars as pl
import pytest

from icp_core import profile as P
from icp_core.errors import IcpError
from icp_core.sample import load_sample
from icp_core.store import Store


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    store = Store(str(tmp_path_factory.mktemp("profile") / "sample.duckdb"))
    load_sample(store)
    return store


@pytest.fixture(scope="module")
def prof(sample_store):
    cur = sample_store.cursor()
    try:
        return P.derive_profile(cur)
    finally:
        cur.close()


def test_sample_profile_names_the_planted_icp(prof):
    assert prof["group_source"] == "default"
    assert prof["as_of"] == "2025-12-31"
    assert prof["counts"] == {"want_more": 297, "rest": 2203, "all": 2500}
    assert P.criteria_specs(prof["criteria"]) == ["industry=Maschinenbau", "employees=51-200", "tech:SAP Business One"]
    ind = prof["firmographics"]["fields"]["industry"]
    top = ind["values"][0]
    assert (top["value"], top["n_want"], top["n_rest"]) == ("Maschinenbau", 297, 203)
    assert top["lift"] == pytest.approx(1.0 / (203 / 2203), rel=1e-5) and top["lift"] > 1
    size = prof["firmographics"]["fields"]["size_band"]
    assert size["icp"] == ["51-200"] and size["lift"] == pytest.approx(1.0 / (856 / 2203), rel=1e-5)
    tools = prof["technographics"]["tools"]
    assert tools["icp"] == ["SAP Business One"]
    sap = next(r for r in tools["values"] if r["value"] == "SAP Business One")
    assert (sap["n_want"], sap["n_rest"]) == (211, 439)
    assert sap["lift"] == pytest.approx((211 / 297) / (439 / 2203), rel=1e-5)
    assert tools["over_represented"][0]["value"] == "SAP Business One"
    # revenue and department size follow company size: evidence, not a second size criterion
    assert prof["firmographics"]["fields"]["revenue_band"]["follows"] == "size_band"
    assert prof["firmographics"]["fields"]["country"]["icp"] == []
    assert prof["firmographics"]["fields"]["country"]["typical"] == ["DE"]
    # the product-replaces field says what to add
    assert prof["technographics"]["replaces"]["missing"] == "replaced_tool"


def test_criteria_shape_weights_and_evidence(prof):
    crit = P.icp_criteria(prof)
    assert [c["field"] for c in crit] == ["industry", "employees", "tech_stack"]
    assert crit[0]["values"] == ["Maschinenbau"]
    assert (crit[1]["low"], crit[1]["high"]) == (51, 200)
    assert crit[2]["values"] == ["SAP Business One"]
    lifts = [c["evidence"]["lift"] for c in crit]
    logs = [math.log(x) for x in lifts]
    assert [c["weight"] for c in crit] == [round(x / sum(logs), 3) for x in logs]
    assert crit[2]["evidence"]["n_want"] == 211


def test_personas_and_jobs_are_filled(prof):
    roles = prof["personas"]["roles"]
    assert set(roles) == {"user", "decision_maker", "blocker"}
    assert (roles["decision_maker"]["contacts"], roles["decision_maker"]["accounts"]) == (297, 297)
    assert (roles["user"]["contacts"], roles["user"]["accounts"]) == (575, 297)
    for role in roles.values():
        for field in ("job_title", "seniority", "info_sources", "motivation", "age_group", "education"):
            assert role["fields"][field]["icp"], (field, role)
    jobs = prof["jobs"]
    assert (jobs["answers"], jobs["accounts"]) == (67, 67)
    for field in ("job", "challenge", "ideal_state", "trigger"):
        f = jobs["fields"][field]
        assert f["icp"] and f["values"][0]["n_want"] >= 1


def test_pmf_market_metrics_and_coverage(prof):
    assert prof["pmf"]["verdict"] == "reached"
    m = prof["market"]
    assert m["available"] and m["tam"]["companies"] == 100000 and m["som"]["companies"] == 2114
    assert m["som"]["customers"] == 199
    cov = prof["coverage"]
    assert cov["customers"]["matching"] == 211 and cov["customers"]["all"] == 2500
    assert cov["customers"]["active_matching"] == 199 and cov["customers"]["active"] == 1549
    assert cov["market"]["matching"] == 2114 and cov["market"]["all"] == 100000
    assert cov["warnings"] == []
    metrics = {r["metric"]: r for r in prof["metrics"]["table"]}
    assert (metrics["retention_12m"]["want_more"], metrics["retention_12m"]["want_more_n"]) == (0.965, 200)
    assert metrics["retention_12m"]["all"] == pytest.approx(936 / 1193, abs=1e-6)
    assert metrics["arpa"]["all"] == pytest.approx(6093.81, abs=0.01)
    assert metrics["nps"]["lift"] is None and metrics["nps"]["difference"] is not None


def test_coverage_warns_when_too_broad(sample_store):
    cur = sample_store.cursor()
    try:
        broad = P.coverage(cur, [{"field": "employees", "low": 0, "high": None, "evidence": {}}])
        none = P.coverage(cur, [])
    finally:
        cur.close()
    assert broad["customers"]["matching"] == broad["customers"]["all"] == 2500
    assert "customers_broad" in broad["warnings"] and "market_broad" in broad["warnings"]
    assert none["warnings"][0] == "none"


def test_edits_versions_diff_and_restore(prof, tmp_path):
    store = Store(str(tmp_path / "versions.duckdb"))
    v1 = P.save_version(store, prof, note="derived", author="Ana")
    assert v1["version"] == 1
    assert store.get_setting("icp_filters") == ["industry=Maschinenbau", "employees=51-200", "tech:SAP Business One"]

    edited = P.set_values(prof, "firmographics", "industry", ["Maschinenbau", "Elektrotechnik", " ", "Maschinenbau"])
    edited = P.rename_value(edited, "technographics", "tools", "SAP Business One", "SAP B1")
    edited = P.set_values(edited, "firmographics", "country", ["DE", "AT"])
    edited = P.set_values(edited, "personas", "job_title", ["Werkleiter"], role="decision_maker")
    edited = P.set_note(edited, "jobs", "Interview more blockers")
    assert prof["firmographics"]["fields"]["industry"]["icp"] == ["Maschinenbau"]  # the original is untouched
    assert P.criteria_specs(edited["criteria"]) == [
        "industry=Maschinenbau,Elektrotechnik", "employees=51-200", "country=DE,AT", "tech:SAP B1"]
    country = next(c for c in edited["criteria"] if c["field"] == "country")
    assert country["evidence"]["edited"] is True

    v2 = P.save_version(store, edited, note="sales input")
    assert [v["version"] for v in P.list_versions(store)] == [1, 2]
    assert store.get_setting("icp_filters")[0] == "industry=Maschinenbau,Elektrotechnik"

    changes = P.diff_versions(P.get_version(store, 1), P.get_version(store, 2))
    simple = {(c["section"], c["role"], c["field"], c["change"], c["before"], c["after"]) for c in changes}
    assert simple == {
        ("firmographics", None, "industry", "added", None, "Elektrotechnik"),
        ("firmographics", None, "country", "added", None, "DE"),
        ("firmographics", None, "country", "added", None, "AT"),
        ("technographics", None, "tools", "added", None, "SAP B1"),
        ("technographics", None, "tools", "removed", "SAP Business One", None),
        ("personas", "decision_maker", "job_title", "removed", "Leiter Produktion", None),
        ("personas", "decision_maker", "job_title", "removed", "Leiterin Produktion", None),
        ("jobs", None, "note", "note", "", "Interview more blockers"),
        ("criteria", None, "criteria", "criterion",
         "industry=Maschinenbau; employees=51-200; tech:SAP Business One",
         "industry=Maschinenbau,Elektrotechnik; employees=51-200; country=DE,AT; tech:SAP B1"),
    }
    assert P.diff_versions(v2, v2) == []

    v3 = P.restore_version(store, 1, note="back")
    assert v3["version"] == 3 and v3["restored_from"] == 1
    assert P.diff_versions(P.get_version(store, 1), v3) == []
    assert store.get_setting("icp_filters") == ["industry=Maschinenbau", "employees=51-200", "tech:SAP Business One"]
    assert len(P.list_versions(store)) == 3  # history is never rewritten
    with pytest.raises(IcpError) as err:
        P.get_version(store, 9)
    assert err.value.key == "profile.no_version"


def test_removing_every_value_drops_the_criterion_and_bad_bands_are_refused(prof):
    none = P.set_values(prof, "technographics", "tools", [])
    assert P.criteria_specs(none["criteria"]) == ["industry=Maschinenbau", "employees=51-200"]
    wider = P.set_values(prof, "firmographics", "size_band", ["11-50", "51-200"])
    emp = next(c for c in wider["criteria"] if c["field"] == "employees")
    assert (emp["low"], emp["high"]) == (11, 200)
    top = P.set_values(prof, "firmographics", "size_band", ["10001+"])
    emp = next(c for c in top["criteria"] if c["field"] == "employees")
    assert (emp["low"], emp["high"]) == (10001, None)
    assert "employees=10001-" in P.criteria_specs(top["criteria"])
    with pytest.raises(IcpError) as err:
        P.set_values(prof, "firmographics", "size_band", ["50-60"])
    assert err.value.key == "profile.bad_band"
    with pytest.raises(IcpError) as err:
        P.set_values(prof, "firmographics", "department_size", ["lots"])
    assert err.value.key == "profile.bad_range"
    dept = P.set_values(prof, "firmographics", "department_size", ["5-20"])
    c = next(c for c in dept["criteria"] if c["field"] == "department_size")
    assert (c["low"], c["high"]) == (5, 20)


def test_specs_parse_back(prof):
    from icp_core.metrics_common import parse_filter

    flts = [parse_filter(s) for s in P.criteria_specs(prof["criteria"])]
    assert [(f.field, f.values, f.low, f.high) for f in flts] == [
        ("industry", ("Maschinenbau",), None, None), ("employees", (), 51.0, 200.0),
        ("tech_stack", ("SAP Business One",), None, None)]


def test_saved_segmentation_decides_who_is_want_more(sample_store):
    from icp_core import groups, segments

    cur = sample_store.cursor()
    try:
        result = segments.segment_stats(cur, ["industry"])
        key = next(s["key"] for s in result["segments"] if s["key"]["industry"] == "Logistik")
        seg = groups.build_segmentation(result, segment_overrides={segments.key_id(key): "want_more"})
        # the user's own tier still wins per customer: only the tier-less Logistik customers plus tier want_more
        prof = P.derive_profile(cur, seg, with_market=False)
    finally:
        cur.close()
    assert prof["group_source"] == "saved"
    ind = prof["firmographics"]["fields"]["industry"]
    logistik = next(r for r in ind["values"] if r["value"] == "Logistik")
    assert ind["icp"] == ["Maschinenbau", "Logistik"]
    assert (logistik["n_want"], logistik["n_rest"], logistik["lift"]) == (309, 0, None)  # all Logistik customers: want more
    assert prof["market"] == {"available": False, "reason": "skipped"}


def test_missing_fields_say_what_to_add(tmp_path):
    store = Store(str(tmp_path / "min.duckdb"))
    store.load_frame("accounts", pl.DataFrame({
        "account_id": [f"A{i}" for i in range(40)],
        "industry": ["Bau"] * 20 + ["Handel"] * 20,
        "start_date": [date(2024, 1, 1)] * 40,
        "tier": ["want_more"] * 20 + ["neutral"] * 20,
    }))
    cur = store.cursor()
    try:
        prof = P.derive_profile(cur)
    finally:
        cur.close()
    assert prof["firmographics"]["fields"]["country"]["missing"] == "country"
    assert prof["technographics"]["tools"]["missing"] == "tech_stack"
    assert prof["personas"] == {"missing": "contacts", "roles": {}}
    assert prof["jobs"] == {"missing": "jobs", "fields": {}}
    assert prof["market"] == {"available": False, "reason": "no_market"}
    assert P.criteria_specs(prof["criteria"]) == ["industry=Bau"]
    crit = prof["criteria"][0]
    assert crit["evidence"]["lift"] is None and crit["evidence"]["coverage_rest"] == 0.0  # only want-more has it
    assert crit["weight"] == 1.0
    assert prof["coverage"]["market"] is None
    assert "customers_narrow" in prof["coverage"]["warnings"]  # 20 < min_n customers match


def test_no_accounts_is_a_clear_error(tmp_path):
    store = Store(str(tmp_path / "empty.duckdb"))
    cur = store.cursor()
    try:
        with pytest.raises(IcpError) as err:
            P.derive_profile(cur)
    finally:
        cur.close()
    assert err.value.key == "profile.no_accounts"
    assert "Data page" in err.value.message("en") and "Seite Daten" in err.value.message("de")


def test_cli_profile_json_and_markdown(sample_store):
    from icp_core.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", sample_store.location, "profile", "--json"], stdout=out, stderr=err) == 0, err.getvalue()
    data = json.loads(out.getvalue())
    for key in ("firmographics", "technographics", "personas", "jobs", "pmf", "market", "metrics", "criteria"):
        assert key in data
    assert [c["field"] for c in data["criteria"]] == ["industry", "employees", "tech_stack"]
    out = io.StringIO()
    assert main(["--db", sample_store.location, "--lang", "de", "profile", "--format", "md"], stdout=out, stderr=err) == 0
    md = out.getvalue()
    assert md.startswith("# Ideales Kundenprofil (ICP)")
    assert "## Firmografie" in md and "## Jobs-to-be-done" in md
    out = io.StringIO()
    assert main(["--db", sample_store.location, "profile"], stdout=out, stderr=err) == 0
    assert out.getvalue().startswith("Companies with Industry: Maschinenbau and Employees: 51–200 and Uses: SAP Business One.")
