"""suggest_mapping: real CRM headers in English and German, each field once, unknown -> None."""

from __future__ import annotations

import pytest

from icp_core.errors import IcpError
from icp_core.ingest import normalise_header, suggest_mapping
from icp_core.ingest.mapping import complete_mapping


def test_normalise_header():
    assert normalise_header(" Kündigungs-Datum ") == "kuendigungs datum"
    assert normalise_header("Country/Region") == "country region"
    assert normalise_header("num. of employees") == "num of employees"
    assert normalise_header("Gründungsjahr") == "gruendungsjahr"
    assert normalise_header("Année_Création") == "annee creation"
    assert normalise_header("\ufeffACCOUNT_ID") == "account id"


def test_hubspot_company_export():
    columns = [
        "Record ID", "Company name", "Industry", "Number of Employees", "Annual Revenue", "Country/Region",
        "Original Source", "Create Date", "Became a Customer Date", "Company owner", "Last Activity Date",
    ]
    assert suggest_mapping(columns, "accounts") == {
        "Record ID": "account_id",
        "Company name": "company_name",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Annual Revenue": "annual_revenue",
        "Country/Region": "country",
        "Original Source": "acquisition_channel",
        "Create Date": "first_contact_date",
        "Became a Customer Date": "start_date",
        "Company owner": None,
        "Last Activity Date": None,
    }


def test_salesforce_account_export():
    columns = ["Account ID", "Account Name", "Billing Country", "Billing City", "Lead Source", "Type", "Account Owner"]
    assert suggest_mapping(columns, "accounts") == {
        "Account ID": "account_id",
        "Account Name": "company_name",
        "Billing Country": "country",
        "Billing City": "city",
        "Lead Source": "acquisition_channel",
        "Type": None,
        "Account Owner": None,
    }


def test_german_crm_export():
    columns = ["Kundennummer", "Firma", "Branche", "Mitarbeiterzahl", "Jahresumsatz", "Land", "Kunde seit",
               "Kündigungsdatum", "Quelle", "Geschäftsmodell", "Gründungsjahr", "Bemerkung"]
    assert suggest_mapping(columns, "accounts") == {
        "Kundennummer": "account_id",
        "Firma": "company_name",
        "Branche": "industry",
        "Mitarbeiterzahl": "employees",
        "Jahresumsatz": "annual_revenue",
        "Land": "country",
        "Kunde seit": "start_date",
        "Kündigungsdatum": "churn_date",
        "Quelle": "acquisition_channel",
        "Geschäftsmodell": "business_model",
        "Gründungsjahr": "founded_year",
        "Bemerkung": None,
    }


def test_case_space_and_umlaut_insensitive():
    mapping = suggest_mapping(["KUNDEN-ID", "kuendigungsdatum", "MITARBEITER_ZAHL", "Mrr"], "accounts")
    assert mapping == {"KUNDEN-ID": "account_id", "kuendigungsdatum": "churn_date",
                       "MITARBEITER_ZAHL": "employees", "Mrr": "mrr"}
    # "accountid" is a synonym too, but account_id is taken by the earlier exact match
    assert suggest_mapping(["KUNDEN-ID", "AccountID"], "accounts") == {"KUNDEN-ID": "account_id", "AccountID": None}


def test_fuzzy_matches_are_conservative():
    mapping = suggest_mapping(["Kundenummer", "Mitarbeiter-Anzahl", "Notes", "Emp", "Revenue (EUR)"], "accounts")
    assert mapping["Kundenummer"] == "account_id"  # a typo
    assert mapping["Mitarbeiter-Anzahl"] == "employees"  # word order
    assert mapping["Notes"] is None
    assert mapping["Emp"] is None  # too short to guess
    assert mapping["Revenue (EUR)"] is None  # not close enough: the user picks it


def test_each_field_at_most_once_best_score_wins():
    mapping = suggest_mapping(["Company", "Company Name", "ID", "Customer ID"], "accounts")
    # both "ID" and "Customer ID" are exact synonyms: the first column wins; the other stays extra
    assert mapping == {"Company": "company_name", "Company Name": None, "ID": "account_id", "Customer ID": None}
    mapping = suggest_mapping(["Firmen name", "Firma"], "accounts")
    assert mapping == {"Firmen name": None, "Firma": "company_name"}  # exact beats the fuzzy "firmenname"


def test_ravenstack_headers():
    columns = ["account_id", "account_name", "industry", "country", "signup_date", "referral_source",
               "plan_tier", "seats", "is_trial", "churn_flag"]
    assert suggest_mapping(columns, "accounts") == {
        "account_id": "account_id", "account_name": "company_name", "industry": "industry", "country": "country",
        "signup_date": "start_date", "referral_source": "acquisition_channel", "plan_tier": None, "seats": "seats",
        "is_trial": None, "churn_flag": "churned",
    }


def test_maven_headers():
    columns = ["account", "sector", "year_established", "revenue", "employees", "office_location", "subsidiary_of"]
    assert suggest_mapping(columns, "accounts") == {
        "account": "company_name", "sector": "industry", "year_established": "founded_year",
        "revenue": "annual_revenue", "employees": "employees", "office_location": "country", "subsidiary_of": None,
    }


def test_other_tables():
    assert suggest_mapping(["opportunity_id", "account", "deal_stage", "engage_date", "close_date", "close_value"], "deals") == {
        "opportunity_id": "deal_id", "account": None, "deal_stage": "outcome", "engage_date": "created_date",
        "close_date": "closed_date", "close_value": "amount",
    }
    assert suggest_mapping(["Kundennummer", "Datum", "Bewertung", "Kommentar"], "nps_responses") == {
        "Kundennummer": "account_id", "Datum": "date", "Bewertung": "score", "Kommentar": "comment",
    }


def test_unknown_table():
    with pytest.raises(IcpError) as err:
        suggest_mapping(["a"], "customers")
    assert err.value.key == "error.unknown_table"


def test_a_saved_mapping_is_completed_and_checked():
    columns = ["Nr", "Name", "Ort"]
    assert complete_mapping(columns, "accounts", {"Nr": "account_id", "Gone": "industry", "Ort": None}) == {
        "Nr": "account_id", "Name": None, "Ort": None,
    }
    with pytest.raises(IcpError) as err:
        complete_mapping(columns, "accounts", {"Nr": "account_id", "Name": "account_id"})
    assert err.value.key == "ingest.mapping_field_twice"
    assert err.value.message("en") == "The field 'account_id' is mapped twice (columns 'Nr' and 'Name'); keep it for one column only."
    with pytest.raises(IcpError) as err:
        complete_mapping(columns, "accounts", {"Nr": "kundennummer"})
    assert err.value.key == "ingest.mapping_unknown_field"
    assert "kundennummer" in err.value.message("de")


def test_aws_saas_sales_license_key_is_not_seats():
    # "License" holds licence keys: a near-plural of the seats synonym "licenses" must not be guessed
    mapping = suggest_mapping(["Customer ID", "Customer", "License", "Quantity", "Country", "City"], "accounts")
    assert mapping == {"Customer ID": "account_id", "Customer": "company_name", "License": None,
                       "Quantity": None, "Country": "country", "City": "city"}
