"""Words shared by every area: table and field names, generic messages."""

TEXTS = {
    "app.title": {"en": "ICP Workbench", "de": "ICP Workbench"},
    "table.accounts": {"en": "Accounts", "de": "Kunden (Accounts)"},
    "table.contacts": {"en": "Contacts", "de": "Kontakte"},
    "table.nps_responses": {"en": "NPS responses", "de": "NPS-Antworten"},
    "table.pmf_survey": {"en": "PMF survey (Sean Ellis)", "de": "PMF-Umfrage (Sean Ellis)"},
    "table.mrr_history": {"en": "MRR history", "de": "MRR-Verlauf"},
    "table.deals": {"en": "Deals", "de": "Deals (Verkaufschancen)"},
    "table.jobs": {"en": "Jobs-to-be-done", "de": "Jobs-to-be-done"},
    "table.market": {"en": "Market", "de": "Markt"},
    "table.prospects": {"en": "Prospects", "de": "Interessenten"},
    "error.bug": {
        "en": "Something went wrong inside ICP Workbench ({detail}). Your data is unchanged; please report this.",
        "de": "In ICP Workbench ist ein Fehler aufgetreten ({detail}). Ihre Daten sind unverändert; bitte melden Sie das.",
    },
    "error.unknown_table": {
        "en": "There is no table called '{table}'. Use one of: {tables}.",
        "de": "Es gibt keine Tabelle '{table}'. Verwenden Sie eine von: {tables}.",
    },
}
