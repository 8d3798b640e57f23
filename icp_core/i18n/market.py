"""The Market page, the `icp market` command and icp_core.market messages."""

TEXTS = {
    # levels and columns
    "market.level.tam": {"en": "TAM", "de": "TAM"},
    "market.level.sam": {"en": "SAM", "de": "SAM"},
    "market.level.som": {"en": "SOM", "de": "SOM"},
    "market.level_long.tam": {"en": "Total addressable market", "de": "Gesamtmarkt (TAM)"},
    "market.level_long.sam": {"en": "Serviceable addressable market", "de": "Bedienbarer Markt (SAM)"},
    "market.level_long.som": {"en": "Serviceable obtainable market: the ICP niche", "de": "Erreichbarer Markt (SOM): die ICP-Nische"},
    "market.col.level": {"en": "Level", "de": "Ebene"},
    "market.col.companies": {"en": "Companies", "de": "Unternehmen"},
    "market.col.value": {"en": "Value per year", "de": "Wert pro Jahr"},
    "market.col.customers": {"en": "Customers", "de": "Kunden"},
    "market.col.penetration": {"en": "Penetration", "de": "Durchdringung"},
    "market.col.icp_companies": {"en": "ICP companies", "de": "ICP-Unternehmen"},
    "market.col.icp_penetration": {"en": "ICP penetration", "de": "ICP-Durchdringung"},
    "market.col.open_icp": {"en": "Open ICP companies", "de": "Offene ICP-Unternehmen"},
    "market.col.open_value": {"en": "Value of the rest", "de": "Wert des Rests"},
    "market.col.icp_open_value": {"en": "Value of the open ICP part", "de": "Wert des offenen ICP-Teils"},
    "market.col.rank": {"en": "Rank", "de": "Rang"},
    "market.dim.industry": {"en": "Industry", "de": "Branche"},
    "market.dim.country": {"en": "Country", "de": "Land"},
    "market.dim.size_band": {"en": "Size band (employees)", "de": "Größenklasse (Mitarbeiter)"},
    "market.dim.revenue_band": {"en": "Revenue band", "de": "Umsatzklasse"},
    "market.dim.business_model": {"en": "Business model", "de": "Geschäftsmodell"},
    # warnings (ICP breadth)
    "market.warn.sam_empty": {
        "en": "No company of the market matches the serviceable filters: the SAM is empty. Widen the filters.",
        "de": "Kein Unternehmen des Markts erfüllt die Filter des bedienbaren Markts: der SAM ist leer. Erweitern Sie die Filter.",
    },
    "market.warn.icp_none": {
        "en": "No ICP filters are set, so the SOM equals the SAM. Save an ICP on the ICP page or type filters below.",
        "de": "Es sind keine ICP-Filter gesetzt, daher ist der SOM gleich dem SAM. Speichern Sie ein ICP auf der ICP-Seite oder tragen Sie unten Filter ein.",
    },
    "market.warn.icp_broad": {
        "en": "The ICP covers {coverage} of the SAM (more than {broad}): it is so broad that it hardly picks a niche. Narrow it down.",
        "de": "Das ICP deckt {coverage} des SAM ab (mehr als {broad}): es ist so breit, dass es kaum eine Nische auswählt. Grenzen Sie es ein.",
    },
    "market.warn.icp_narrow": {
        "en": "The niche holds only {som} companies ({coverage} of the SAM; warned below {narrow_n} companies or {narrow_share}): the ICP may be so strict it shrinks the market for nothing.",
        "de": "Die Nische umfasst nur {som} Unternehmen ({coverage} des SAM; Warnung unter {narrow_n} Unternehmen oder {narrow_share}): das ICP ist womöglich so streng, dass es den Markt unnötig verkleinert.",
    },
    # errors
    "market.no_table": {
        "en": "There is no market table yet. Import a list of companies as table 'market' (Data page, or: icp import FILE --table market), or give top-down figures: --tam-count N --sam-share P --som-share P.",
        "de": "Es gibt noch keine Markttabelle. Importieren Sie eine Unternehmensliste als Tabelle 'market' (Seite Daten oder: icp import DATEI --table market) oder geben Sie Top-down-Zahlen an: --tam-count N --sam-share P --som-share P.",
    },
    "market.unknown_field": {
        "en": "The market table has no field '{field}'. Use one of: {fields}.",
        "de": "Die Markttabelle hat kein Feld '{field}'. Verwenden Sie eines von: {fields}.",
    },
    "market.bad_share": {
        "en": "The {name} share '{value}' is not valid: give a fraction from 0 to 1 (e.g. 0.3) or a percent (e.g. 30%).",
        "de": "Der Anteil {name} '{value}' ist ungültig: geben Sie einen Bruch von 0 bis 1 (z. B. 0,3) oder einen Prozentwert (z. B. 30%) an.",
    },
    "market.bad_count": {
        "en": "The {name} count '{value}' is not valid: it must be a number of companies from 0 up to the level above.",
        "de": "Die Anzahl {name} '{value}' ist ungültig: sie muss eine Unternehmenszahl von 0 bis zur Ebene darüber sein.",
    },
    "market.bad_acv": {
        "en": "The contract value '{value}' is not valid: give a number of 0 or more.",
        "de": "Der Vertragswert '{value}' ist ungültig: geben Sie eine Zahl ab 0 an.",
    },
    "market.bad_range": {
        "en": "The range for {field} is not valid: the lower end {low} is above the upper end {high}.",
        "de": "Der Bereich für {field} ist ungültig: das untere Ende {low} liegt über dem oberen Ende {high}.",
    },
    "market.top_down_needs_tam": {
        "en": "Without a market table, give at least --tam-count N (and --sam-share / --som-share or --sam-count / --som-count).",
        "de": "Ohne Markttabelle geben Sie mindestens --tam-count N an (und --sam-share / --som-share oder --sam-count / --som-count).",
    },
}
