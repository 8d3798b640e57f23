"""The canonical tables of SCHEMA.md: fields, types, keys and header synonyms.

Everything that reads, stores or computes refers to these names. Types:
- text: free text
- int: integer (with a minimum, optional maximum)
- float: number (with a minimum)
- date: calendar date
- bool: true/false
- country: ISO 3166 alpha-2 code
- list: list of text (tech_stack)
- enum: one of a fixed set of values (with German/English aliases)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text | int | float | date | bool | country | list | enum
    required: bool = False
    synonyms: tuple[str, ...] = ()  # header synonyms, English and German (matched normalised)
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # for enum: canonical values
    aliases: dict[str, str] = field(default_factory=dict)  # for enum: normalised alias -> canonical


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    key: str | None = None  # unique key field, if any (first row with a key wins)
    description_en: str = ""
    description_de: str = ""

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


def this_year() -> int:
    return date.today().year


BUYING_ROLES = ("user", "decision_maker", "blocker", "champion", "other")
TIERS = ("want_more", "neutral", "dont_want")
BUSINESS_MODELS = ("B2B", "B2C", "B2B2C", "B2G", "other")
DEAL_OUTCOMES = ("won", "lost", "open")
ELLIS_ANSWERS = ("very", "somewhat", "not")

_ACCOUNT_ID_SYNONYMS = (
    "account_id", "account id", "id", "customer id", "customer_id", "customer number", "client id",
    "kundennummer", "kunden-id", "kunden id", "kundennr", "kunden nr", "kd-nr", "kdnr", "debitor",
    "debitorennummer", "record id", "accountid", "account number", "company id", "firmen-id",
)
_COMPANY_NAME_SYNONYMS = (
    "company_name", "company name", "name", "company", "account name", "account", "customer",
    "customer name", "client", "organisation", "organization", "firma", "firmenname", "unternehmen",
    "unternehmensname", "kunde", "kundenname",
)
_INDUSTRY = ("industry", "branche", "sector", "sektor", "vertical", "industrie", "wirtschaftszweig")
_COUNTRY = (
    "country", "land", "country/region", "billing country", "hq country", "staat", "country code",
    "ländercode", "office location", "office_location", "headquarters country",
)
_CITY = ("city", "stadt", "ort", "billing city", "hq city", "town", "sitz")
_EMPLOYEES = (
    "employees", "mitarbeiter", "mitarbeiterzahl", "anzahl mitarbeiter", "number of employees",
    "headcount", "beschäftigte", "employee count", "num. of employees", "num of employees",
    "company size", "fte",
)
_DEPARTMENT_SIZE = ("department_size", "department size", "abteilungsgröße", "team size", "teamgröße")
_REVENUE = (
    "annual_revenue", "annual revenue", "revenue", "umsatz", "jahresumsatz", "turnover", "sales volume",
)
_FOUNDED = (
    "founded_year", "founded", "year founded", "founded year", "gründungsjahr", "gegründet",
    "year established", "year_established", "established", "gründung",
)
_BUSINESS_MODEL = ("business_model", "business model", "geschäftsmodell", "model")
_PARTNER = ("partner", "partnership", "partnerschaft", "partner name", "reseller")
_LEADERSHIP = (
    "leadership_change", "leadership change", "führungswechsel", "new leadership", "neue führung",
    "management change",
)
_TECH = (
    "tech_stack", "tech stack", "technologies", "technology", "tools", "technologien", "tech",
    "software", "installed tools", "techstack", "technographics",
)
_CHANNEL = (
    "acquisition_channel", "acquisition channel", "lead source", "original source", "quelle",
    "kanal", "source", "channel", "lead quelle", "lead-quelle", "akquisekanal", "referral source",
    "referral_source", "herkunft",
)
_FIRST_CONTACT = (
    "first_contact_date", "first contact date", "first contact", "erstkontakt", "datum erstkontakt",
    "create date", "created date", "lead created", "engage date", "engage_date",
)
_START = (
    "start_date", "start date", "customer since", "kunde seit", "became a customer date",
    "close date", "vertragsbeginn", "startdatum", "signup date", "signup_date", "since",
    "contract start", "beginn",
)
_CHURN_DATE = (
    "churn_date", "churn date", "kündigungsdatum", "cancellation date", "cancelled at",
    "churned at", "end date", "vertragsende", "kündigung", "abwanderungsdatum",
)
_CHURNED = ("churned", "churn", "churn flag", "churn_flag", "gekündigt", "abgewandert", "is churned", "lost")
_MRR = ("mrr", "monthly recurring revenue", "monatlicher umsatz", "mrr amount", "mrr_amount", "monthly revenue")
_ARR = ("arr", "annual recurring revenue", "jährlicher wiederkehrender umsatz", "arr amount", "arr_amount")
_SEATS = ("seats", "users", "nutzer", "lizenzen", "licenses", "licences", "anzahl nutzer", "user count")
_CYCLE = (
    "sales_cycle_days", "sales cycle days", "sales cycle", "verkaufszyklus", "verkaufszyklus (tage)",
    "sales-zyklus", "days to close", "tage bis abschluss",
)
_NPS = ("nps", "nps score", "net promoter score", "score", "nps-wert", "weiterempfehlungswert")
_TIER = ("tier", "segment label", "kategorie", "gruppe", "icp tier", "einstufung")

ACCOUNTS = Table(
    "accounts",
    (
        Field("account_id", "text", required=True, synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("company_name", "text", synonyms=_COMPANY_NAME_SYNONYMS),
        Field("industry", "text", synonyms=_INDUSTRY),
        Field("country", "country", synonyms=_COUNTRY),
        Field("city", "text", synonyms=_CITY),
        Field("employees", "int", synonyms=_EMPLOYEES, minimum=0),
        Field("department_size", "int", synonyms=_DEPARTMENT_SIZE, minimum=0),
        Field("annual_revenue", "float", synonyms=_REVENUE, minimum=0),
        Field("founded_year", "int", synonyms=_FOUNDED, minimum=1800, maximum=None),  # max = this year
        Field(
            "business_model", "enum", synonyms=_BUSINESS_MODEL, choices=BUSINESS_MODELS,
            aliases={"b2b": "B2B", "b2c": "B2C", "b2b2c": "B2B2C", "b2g": "B2G", "other": "other",
                     "sonstiges": "other", "andere": "other", "b2b/b2c": "B2B2C", "b2b & b2c": "B2B2C"},
        ),
        Field("partner", "text", synonyms=_PARTNER),
        Field("leadership_change", "bool", synonyms=_LEADERSHIP),
        Field("tech_stack", "list", synonyms=_TECH),
        Field("acquisition_channel", "text", synonyms=_CHANNEL),
        Field("first_contact_date", "date", synonyms=_FIRST_CONTACT),
        Field("start_date", "date", synonyms=_START),
        Field("churn_date", "date", synonyms=_CHURN_DATE),
        Field("churned", "bool", synonyms=_CHURNED),
        Field("mrr", "float", synonyms=_MRR, minimum=0),
        Field("arr", "float", synonyms=_ARR, minimum=0),  # input only: mrr = arr / 12 when mrr absent
        Field("seats", "int", synonyms=_SEATS, minimum=0),
        Field("sales_cycle_days", "int", synonyms=_CYCLE, minimum=0),
        Field("nps", "int", synonyms=_NPS, minimum=0, maximum=10),
        Field(
            "tier", "enum", synonyms=_TIER, choices=TIERS,
            aliases={"want_more": "want_more", "want more": "want_more", "want more of": "want_more",
                     "mehr davon": "want_more", "neutral": "neutral", "would not reject": "neutral",
                     "nicht ablehnen": "neutral", "dont_want": "dont_want", "don't want": "dont_want",
                     "dont want": "dont_want", "don't want more of": "dont_want",
                     "nicht mehr davon": "dont_want", "a": "want_more", "b": "neutral", "c": "dont_want"},
        ),
    ),
    key="account_id",
    description_en="one row per customer company (required)",
    description_de="eine Zeile je Kundenunternehmen (Pflicht)",
)

CONTACTS = Table(
    "contacts",
    (
        Field("account_id", "text", required=True, synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("contact_id", "text", synonyms=("contact_id", "contact id", "kontakt-id", "person id")),
        Field("job_title", "text", synonyms=("job_title", "job title", "title", "position", "jobtitel",
                                              "berufsbezeichnung", "funktion", "stellenbezeichnung", "rolle im unternehmen")),
        Field("seniority", "text", synonyms=("seniority", "level", "hierarchiestufe", "ebene", "senioritaet", "seniorität")),
        Field("department", "text", synonyms=("department", "abteilung", "bereich", "team")),
        Field(
            "buying_role", "enum", synonyms=("buying_role", "buying role", "role", "rolle", "kaufrolle",
                                             "buying center role", "einkaufsrolle"),
            choices=BUYING_ROLES,
            aliases={"user": "user", "nutzer": "user", "anwender": "user",
                     "decision_maker": "decision_maker", "decision maker": "decision_maker",
                     "entscheider": "decision_maker", "entscheidungsträger": "decision_maker",
                     "blocker": "blocker", "verhinderer": "blocker", "champion": "champion",
                     "fürsprecher": "champion", "other": "other", "sonstige": "other", "andere": "other"},
        ),
        Field("age_group", "text", synonyms=("age_group", "age group", "altersgruppe", "alter", "age")),
        Field("education", "text", synonyms=("education", "bildung", "ausbildung", "abschluss")),
        Field("info_sources", "list", synonyms=("info_sources", "info sources", "information sources",
                                                 "informationsquellen", "where they look for information")),
        Field("motivation", "text", synonyms=("motivation", "motivators", "motive", "antrieb")),
    ),
    description_en="people at customer companies",
    description_de="Personen bei Kundenunternehmen",
)

NPS_RESPONSES = Table(
    "nps_responses",
    (
        Field("account_id", "text", required=True, synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("respondent", "text", synonyms=("respondent", "befragter", "email", "e-mail", "contact", "kontakt")),
        Field("date", "date", synonyms=("date", "datum", "answered at", "response date", "antwortdatum", "submitted at")),
        Field("score", "int", required=True, synonyms=("score", "nps", "wert", "bewertung", "rating", "nps score"),
              minimum=0, maximum=10),
        Field("comment", "text", synonyms=("comment", "kommentar", "feedback", "anmerkung", "begründung")),
    ),
    description_en="NPS survey answers",
    description_de="NPS-Umfrageantworten",
)

PMF_SURVEY = Table(
    "pmf_survey",
    (
        Field("respondent", "text", synonyms=("respondent", "befragter", "email", "e-mail", "contact")),
        Field("account_id", "text", synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("date", "date", synonyms=("date", "datum", "answered at", "submitted at")),
        Field(
            "answer", "enum", required=True,
            synonyms=("answer", "antwort", "disappointment", "how disappointed", "enttäuschung",
                      "how would you feel if you could no longer use the product"),
            choices=ELLIS_ANSWERS,
            aliases={"very": "very", "very disappointed": "very", "sehr enttäuscht": "very", "sehr": "very",
                     "somewhat": "somewhat", "somewhat disappointed": "somewhat", "etwas enttäuscht": "somewhat",
                     "etwas": "somewhat", "ein wenig enttäuscht": "somewhat",
                     "not": "not", "not disappointed": "not", "not disappointed (it isn't really that useful)": "not",
                     "nicht enttäuscht": "not", "nicht": "not", "gar nicht enttäuscht": "not"},
        ),
        Field("main_benefit", "text", synonyms=("main_benefit", "main benefit", "hauptnutzen", "benefit", "nutzen")),
        Field("comment", "text", synonyms=("comment", "kommentar", "feedback")),
    ),
    description_en="Sean Ellis PMF survey answers",
    description_de="Sean-Ellis-PMF-Umfrage",
)

MRR_HISTORY = Table(
    "mrr_history",
    (
        Field("account_id", "text", required=True, synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("month", "date", required=True, synonyms=("month", "monat", "period", "periode", "date", "datum")),
        Field("mrr", "float", required=True, synonyms=_MRR + ("amount", "betrag"), minimum=0),
    ),
    description_en="monthly recurring revenue per account and month",
    description_de="MRR je Kunde und Monat",
)

DEALS = Table(
    "deals",
    (
        Field("deal_id", "text", required=True, synonyms=("deal_id", "deal id", "opportunity id", "opportunity_id",
                                                          "deal", "opportunity", "auftragsnummer", "angebotsnummer", "chance id")),
        Field("account_id", "text", synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("created_date", "date", synonyms=("created_date", "created date", "create date", "erstellt am",
                                                "erstellungsdatum", "engage_date", "engage date", "created")),
        Field("closed_date", "date", synonyms=("closed_date", "closed date", "close date", "close_date",
                                               "abschlussdatum", "geschlossen am")),
        Field(
            "outcome", "enum", synonyms=("outcome", "deal stage", "deal_stage", "stage", "status", "ergebnis", "phase"),
            choices=DEAL_OUTCOMES,
            aliases={"won": "won", "closed won": "won", "gewonnen": "won", "lost": "lost", "closed lost": "lost",
                     "verloren": "lost", "open": "open", "offen": "open", "prospecting": "open",
                     "engaging": "open", "in progress": "open", "in bearbeitung": "open"},
        ),
        Field("amount", "float", synonyms=("amount", "betrag", "value", "close value", "close_value", "wert",
                                           "deal value", "volumen"), minimum=0),
    ),
    key="deal_id",
    description_en="sales opportunities",
    description_de="Verkaufschancen",
)

JOBS = Table(
    "jobs",
    (
        Field("account_id", "text", required=True, synonyms=_ACCOUNT_ID_SYNONYMS),
        Field("role", "text", synonyms=("role", "rolle", "buying role", "persona")),
        Field("job", "text", synonyms=("job", "job to be done", "jtbd", "aufgabe", "job-to-be-done", "ziel")),
        Field("challenge", "text", synonyms=("challenge", "herausforderung", "problem", "pain", "schmerzpunkt")),
        Field("ideal_state", "text", synonyms=("ideal_state", "ideal state", "idealzustand", "wunschzustand")),
        Field("trigger", "text", synonyms=("trigger", "auslöser", "trigger event", "switch", "schalter", "kaufauslöser")),
    ),
    description_en="jobs-to-be-done interview or survey answers",
    description_de="Jobs-to-be-done aus Interviews oder Umfragen",
)

_COMPANY_ID = ("company_id", "company id", "id", "firmen-id", "firmennummer", "duns", "register number",
               "handelsregisternummer", "record id", "account id", "account_id")


def _company_table(name: str, en: str, de: str) -> Table:
    return Table(
        name,
        (
            Field("company_id", "text", required=True, synonyms=_COMPANY_ID),
            Field("name", "text", synonyms=_COMPANY_NAME_SYNONYMS),
            Field("domain", "text", synonyms=("domain", "website", "url", "web", "webseite", "homepage")),
            Field("industry", "text", synonyms=_INDUSTRY),
            Field("country", "country", synonyms=_COUNTRY),
            Field("city", "text", synonyms=_CITY),
            Field("employees", "int", synonyms=_EMPLOYEES, minimum=0),
            Field("annual_revenue", "float", synonyms=_REVENUE, minimum=0),
            Field("founded_year", "int", synonyms=_FOUNDED, minimum=1800),
            ACCOUNTS.field("business_model"),
            Field("tech_stack", "list", synonyms=_TECH),
        ),
        key="company_id",
        description_en=en,
        description_de=de,
    )


MARKET = _company_table("market", "companies in the addressable market", "Unternehmen im adressierbaren Markt")
PROSPECTS = _company_table("prospects", "companies to score against the ICP", "Unternehmen zum Abgleich mit dem ICP")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (ACCOUNTS, CONTACTS, NPS_RESPONSES, PMF_SURVEY, MRR_HISTORY, DEALS, JOBS, MARKET, PROSPECTS)
}

# Fields that exist only as import input and are folded into others (arr -> mrr / 12).
INPUT_ONLY = {"accounts": ("arr",)}

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
    "country": "VARCHAR",
    "list": "VARCHAR[]",
    "enum": "VARCHAR",
}


def stored_fields(table: str) -> list[Field]:
    """The canonical fields a stored table has (input-only fields left out)."""
    skip = INPUT_ONLY.get(table, ())
    return [f for f in TABLES[table].fields if f.name not in skip]


def table_names() -> list[str]:
    return list(TABLES)
