"""Messages about FIELD=VALUES filters."""

TEXTS = {
    "filter.bad_spec": {
        "en": "The filter '{spec}' is not of the form FIELD=VALUES, e.g. country=DE,AT,CH or employees=51-500.",
        "de": "Der Filter '{spec}' hat nicht die Form FELD=WERTE, z. B. country=DE,AT,CH oder employees=51-500.",
    },
    "filter.bad_range": {
        "en": "The range in '{spec}' is not valid; write it as LOW-HIGH, LOW- or -HIGH, e.g. employees=51-500.",
        "de": "Der Bereich in '{spec}' ist ungültig; schreiben Sie VON-BIS, VON- oder -BIS, z. B. employees=51-500.",
    },
    "filter.bad_date_range": {
        "en": "The date range in '{spec}' is not valid; write it as FROM..TO with dates, months or years, e.g. start_date=2022-01-01..2023-12-31 or start_date=2022..",
        "de": "Der Datumsbereich in '{spec}' ist ungültig; schreiben Sie VON..BIS mit Datum, Monat oder Jahr, z. B. start_date=2022-01-01..2023-12-31 oder start_date=2022..",
    },
}
