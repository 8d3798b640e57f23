"""Texts of the Segment explorer (icp_core.segments, icp_core.groups, icp_core.rules, pages/segments.py)."""

TEXTS = {
    # ---- core messages
    "segments.no_accounts": {
        "en": "There are no accounts yet. Import your customer list (or load the sample company) first.",
        "de": "Es gibt noch keine Kunden. Importieren Sie zuerst Ihre Kundenliste (oder laden Sie die Beispielfirma).",
    },
    "segments.no_dimension": {
        "en": "Choose at least one dimension to segment by, e.g. --by industry,size_band.",
        "de": "Wählen Sie mindestens eine Dimension zum Segmentieren, z. B. --by industry,size_band.",
    },
    "segments.same_dimension_twice": {
        "en": "A dimension was chosen twice; choose two different ones.",
        "de": "Eine Dimension wurde doppelt gewählt; wählen Sie zwei verschiedene.",
    },
    "segments.unknown_dimension": {
        "en": "'{dim}' is not a field of your data. Available: {available}.",
        "de": "'{dim}' ist kein Feld Ihrer Daten. Verfügbar: {available}.",
    },
    "segments.unknown_filter_field": {
        "en": "The filter '{spec}' names '{field}', which is not a field of your accounts.",
        "de": "Der Filter '{spec}' nennt '{field}', das kein Feld Ihrer Kunden ist.",
    },
}
