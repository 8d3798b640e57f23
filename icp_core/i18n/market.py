"""The Market page, the `icp market` command and icp_core.market messages."""

TEXTS = {
    # levels and columns
    "market.level.tam": {"en": "TAM", "de": "TAM"},
    "market.level.sam": {"en": "SAM", "de": "SAM"},
    "market.level.som": {"en": "SOM", "de": "SOM"},
    "market.level_long.tam": {"en": "Total market (TAM)", "de": "Gesamtmarkt (TAM)"},
    "market.level_long.sam": {"en": "Serviceable market (SAM)", "de": "Bedienbarer Markt (SAM)"},
    "market.level_long.som": {"en": "ICP niche (SOM)", "de": "ICP-Nische (SOM)"},
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

TEXTS.update({
    "market.text.acv": {"en": "ACV (value per company and year): {acv}; obtainable share of the SOM: {share}",
                        "de": "ACV (Wert je Unternehmen und Jahr): {acv}; erreichbarer Anteil des SOM: {share}"},
    "market.text.assumption": {"en": "Top-down: every figure is an assumption typed in, not counted from data.",
                               "de": "Top-down: alle Zahlen sind eingegebene Annahmen, nicht aus Daten gezählt."},
    "market.text.filters": {"en": "SAM filters: {sam}. ICP filters: {icp}.", "de": "SAM-Filter: {sam}. ICP-Filter: {icp}."},
    "market.text.ignored": {"en": "Left out (the market table has no such field): {filters}",
                            "de": "Nicht angewendet (die Markttabelle hat dieses Feld nicht): {filters}"},
    "market.text.coverage": {"en": "The ICP covers {coverage} of the SAM.", "de": "Das ICP deckt {coverage} des SAM ab."},
    "market.cli.help": {"en": "TAM / SAM / SOM of the market table (or top-down from typed figures)",
                        "de": "TAM / SAM / SOM der Markttabelle (oder top-down aus eingegebenen Zahlen)"},
    "market.cli.help_sam": {"en": "serviceable filter FIELD=VALUES (repeatable, combined with AND)",
                            "de": "Filter des bedienbaren Markts FELD=WERTE (wiederholbar, mit UND verknüpft)"},
    "market.cli.help_icp": {"en": "ICP filter FIELD=VALUES (repeatable; default: the saved ICP)",
                            "de": "ICP-Filter FELD=WERTE (wiederholbar; Standard: das gespeicherte ICP)"},
    "market.cli.help_acv": {"en": "contract value per company and year (default: median ARR of active customers)",
                            "de": "Vertragswert je Unternehmen und Jahr (Standard: Median-ARR aktiver Kunden)"},
    "market.cli.help_share": {"en": "obtainable share of the SOM, 0..1 or a percent (default 1 = 100%)",
                              "de": "erreichbarer Anteil des SOM, 0..1 oder Prozent (Standard 1 = 100 %)"},
    "market.cli.help_tam_count": {"en": "top-down: number of companies in the TAM",
                                  "de": "Top-down: Anzahl Unternehmen im TAM"},
    "market.cli.help_sam_share": {"en": "top-down: SAM as a share of the TAM", "de": "Top-down: SAM als Anteil am TAM"},
    "market.cli.help_som_share": {"en": "top-down: SOM as a share of the SAM", "de": "Top-down: SOM als Anteil am SAM"},
    "market.cli.help_sam_count": {"en": "top-down: SAM as a number of companies", "de": "Top-down: SAM als Anzahl Unternehmen"},
    "market.cli.help_som_count": {"en": "top-down: SOM as a number of companies", "de": "Top-down: SOM als Anzahl Unternehmen"},
})

# the page
TEXTS.update({
    "market.title": {"en": "Market: TAM, SAM, SOM", "de": "Markt: TAM, SAM, SOM"},
    "market.intro": {
        "en": "Don't stop at the total or serviceable market: pick the SOM, the niche where you must go first. "
              "Set what you can serve (SAM) and your ICP; see how many companies and how much value each level holds, "
              "how many of them are already customers, and where the open ICP companies are.",
        "de": "Bleiben Sie nicht beim Gesamtmarkt oder bedienbaren Markt stehen: wählen Sie den SOM, die Nische, in die Sie "
              "zuerst gehen müssen. Legen Sie fest, was Sie bedienen können (SAM), und Ihr ICP; sehen Sie, wie viele "
              "Unternehmen und wie viel Wert jede Ebene umfasst, wie viele davon schon Kunden sind und wo die offenen "
              "ICP-Unternehmen liegen.",
    },
    "market.no_market_page": {
        "en": "There is no market table yet, so the figures below are typed in (top-down). To count them from data, "
              "import a list of companies as table 'market' on the Data page (name, domain or website, industry, "
              "country, employees, annual revenue, business model, tech stack).",
        "de": "Es gibt noch keine Markttabelle, daher werden die Zahlen unten eingegeben (top-down). Um sie aus Daten zu "
              "zählen, importieren Sie eine Unternehmensliste als Tabelle 'market' auf der Seite Daten (Name, Domain "
              "oder Website, Branche, Land, Mitarbeiter, Jahresumsatz, Geschäftsmodell, Tech-Stack).",
    },
    "market.mode": {"en": "How to size the market", "de": "Wie der Markt bemessen wird"},
    "market.mode.bottom_up": {"en": "Bottom-up from the market table", "de": "Bottom-up aus der Markttabelle"},
    "market.mode.top_down": {"en": "Top-down from typed figures", "de": "Top-down aus eingegebenen Zahlen"},
    "market.top_down_note": {
        "en": "Top-down: every figure on this view is an assumption you typed in, not counted from data.",
        "de": "Top-down: jede Zahl in dieser Ansicht ist eine von Ihnen eingegebene Annahme, nicht aus Daten gezählt.",
    },
    "market.td.tam": {"en": "TAM: number of companies", "de": "TAM: Anzahl Unternehmen"},
    "market.td.sam_share": {"en": "SAM: share of the TAM (%)", "de": "SAM: Anteil am TAM (%)"},
    "market.td.som_share": {"en": "SOM: share of the SAM (%)", "de": "SOM: Anteil am SAM (%)"},
    "market.acv": {"en": "ACV: value per company and year (€)", "de": "ACV: Wert je Unternehmen und Jahr (€)"},
    "market.acv_placeholder": {"en": "default {acv} (median ARR, n = {n})", "de": "Standard {acv} (Median-ARR, n = {n})"},
    "market.acv_placeholder_none": {"en": "type a value", "de": "Wert eingeben"},
    "market.acv_help": {
        "en": "Empty = the median ARR (12 x mrr) of the customers active at the reference date with mrr above 0.",
        "de": "Leer = der Median-ARR (12 x MRR) der am Stichtag aktiven Kunden mit MRR über 0.",
    },
    "market.acv_help_top_down": {
        "en": "Prefilled with the median ARR of your active customers when the accounts have mrr.",
        "de": "Vorbelegt mit dem Median-ARR Ihrer aktiven Kunden, wenn die Kunden einen MRR haben.",
    },
    "market.acv_missing": {
        "en": "No value can be computed: the accounts have no mrr (monthly recurring revenue) above 0 for active customers. "
              "Add an mrr or arr column to the accounts import, or type an ACV.",
        "de": "Kein Wert berechenbar: die Kunden haben keinen MRR (monatlich wiederkehrender Umsatz) über 0 bei aktiven "
              "Kunden. Ergänzen Sie eine Spalte mrr oder arr im Kundenimport oder geben Sie einen ACV ein.",
    },
    "market.customers_missing": {
        "en": "Customers per level cannot be counted: the accounts need start_date (and churn_date for churned customers).",
        "de": "Kunden je Ebene sind nicht zählbar: die Kunden brauchen start_date (und churn_date bei gekündigten Kunden).",
    },
    "market.share": {"en": "Obtainable share of the SOM (%)", "de": "Erreichbarer Anteil des SOM (%)"},
    "market.share_help": {
        "en": "SOM value = SOM companies x ACV x this share. 100% = the whole niche; lower it to what you can win.",
        "de": "SOM-Wert = SOM-Unternehmen x ACV x dieser Anteil. 100 % = die ganze Nische; senken Sie ihn auf das Gewinnbare.",
    },
    "market.sam.title": {"en": "Serviceable market (SAM): what you can serve", "de": "Bedienbarer Markt (SAM): was Sie bedienen können"},
    "market.sam.caption": {
        "en": "Empty fields mean no restriction. Ranges include both ends.",
        "de": "Leere Felder bedeuten keine Einschränkung. Bereiche schließen beide Enden ein.",
    },
    "market.all": {"en": "all", "de": "alle"},
    "market.open_end": {"en": "open", "de": "offen"},
    "market.sam.emp_min": {"en": "Employees from", "de": "Mitarbeiter von"},
    "market.sam.emp_max": {"en": "Employees to", "de": "Mitarbeiter bis"},
    "market.sam.rev_min": {"en": "Annual revenue from (€)", "de": "Jahresumsatz von (€)"},
    "market.sam.rev_max": {"en": "Annual revenue to (€)", "de": "Jahresumsatz bis (€)"},
    "market.sam.tools": {"en": "Uses any of these tools", "de": "Nutzt eines dieser Tools"},
    "market.sam.tools_help": {
        "en": "Integrations your product needs: a company is serviceable when its tech stack holds any of them.",
        "de": "Integrationen, die Ihr Produkt braucht: ein Unternehmen ist bedienbar, wenn sein Tech-Stack eines davon enthält.",
    },
    "market.icp.title": {"en": "ICP (the niche, SOM) and value", "de": "ICP (die Nische, SOM) und Wert"},
    "market.icp.source.icp": {"en": "ICP filters taken from the saved ICP; edit them here.",
                              "de": "ICP-Filter aus dem gespeicherten ICP übernommen; hier bearbeitbar."},
    "market.icp.source.segmentation": {
        "en": "Suggested from the saved segmentation (the 'want more of' groups); edit them here.",
        "de": "Vorschlag aus der gespeicherten Segmentierung (Gruppen 'mehr davon'); hier bearbeitbar.",
    },
    "market.icp.source.none": {
        "en": "No ICP or segmentation is saved yet: type the ICP filters, one per line.",
        "de": "Noch kein ICP und keine Segmentierung gespeichert: tragen Sie die ICP-Filter ein, einen je Zeile.",
    },
    "market.icp.filters": {"en": "ICP filters (one FIELD=VALUES per line)", "de": "ICP-Filter (ein FELD=WERTE je Zeile)"},
    "market.icp.filters_help": {
        "en": "e.g. industry=Maschinenbau, employees=51-200 (a range; 51- or -200 for open ends), size_band=51-200, "
              "tech:SAP Business One. Lines combine with AND.",
        "de": "z. B. industry=Maschinenbau, employees=51-200 (ein Bereich; 51- oder -200 für offene Enden), "
              "size_band=51-200, tech:SAP Business One. Zeilen werden mit UND verknüpft.",
    },
    "market.icp.ignored": {
        "en": "Not applied to the market (the market table has no such field): {filters}",
        "de": "Nicht auf den Markt angewendet (die Markttabelle hat dieses Feld nicht): {filters}",
    },
    "market.metric.value": {"en": "Value per year: {value}", "de": "Wert pro Jahr: {value}"},
    "market.metric.customers": {
        "en": "Customers: {customers} of {companies} companies · penetration {penetration}",
        "de": "Kunden: {customers} von {companies} Unternehmen · Durchdringung {penetration}",
    },
    "market.chart.title": {"en": "From the total market to the niche", "de": "Vom Gesamtmarkt zur Nische"},
    "market.chart.subtitle": {"en": "Value = companies x ACV {acv} (SOM x {share} obtainable)",
                              "de": "Wert = Unternehmen x ACV {acv} (SOM x {share} erreichbar)"},
    "market.coverage": {"en": "Share of the SAM the ICP covers", "de": "Anteil des SAM, den das ICP abdeckt"},
    "market.coverage_help": {
        "en": "SOM companies / SAM companies. Warned above {broad} (too broad) and below {narrow_n} companies or {narrow_share} (too narrow).",
        "de": "SOM-Unternehmen / SAM-Unternehmen. Warnung über {broad} (zu breit) und unter {narrow_n} Unternehmen oder {narrow_share} (zu eng).",
    },
    "market.matched": {
        "en": "Of {active} active customers, {domain} were found in the market by domain, {name} by company name; "
              "{unmatched} are not in the market and are placed by their own fields.",
        "de": "Von {active} aktiven Kunden wurden {domain} über die Domain im Markt gefunden, {name} über den Firmennamen; "
              "{unmatched} sind nicht im Markt und werden über ihre eigenen Felder zugeordnet.",
    },
    "market.save": {"en": "Save these market settings for the ICP profile", "de": "Diese Markteinstellungen für das ICP-Profil speichern"},
    "market.saved": {"en": "Saved.", "de": "Gespeichert."},
    "market.ws.title": {"en": "White space: where to go first", "de": "Weiße Flecken: wohin zuerst"},
    "market.ws.caption": {
        "en": "The SAM split by one dimension. Ranked by open ICP companies (ICP companies that are not customers yet), "
              "then lower ICP penetration; the top {top} are highlighted.",
        "de": "Der SAM nach einer Dimension aufgeteilt. Rangfolge nach offenen ICP-Unternehmen (ICP-Unternehmen, die noch "
              "keine Kunden sind), dann nach niedrigerer ICP-Durchdringung; die besten {top} sind hervorgehoben.",
    },
    "market.ws.dimension": {"en": "Split the SAM by", "de": "SAM aufteilen nach"},
    "market.ws.no_dims": {
        "en": "The market table has none of the fields industry, country, employees, annual_revenue, business_model to split by.",
        "de": "Die Markttabelle hat keines der Felder industry, country, employees, annual_revenue, business_model zum Aufteilen.",
    },
    "market.ws.empty": {"en": "The SAM is empty: nothing to split.", "de": "Der SAM ist leer: nichts aufzuteilen."},
    "market.ws.none_ranked": {
        "en": "No cell has open ICP companies: either the ICP matches no company of the SAM, or all of them are customers.",
        "de": "Keine Zelle hat offene ICP-Unternehmen: entweder passt kein Unternehmen des SAM zum ICP, oder alle sind schon Kunden.",
    },
    "market.ws.chart_title": {"en": "Open ICP companies by {dim}", "de": "Offene ICP-Unternehmen nach {dim}"},
    "market.ws.chart_subtitle": {"en": "SAM: {sam} companies · n = ICP companies in the cell · blue: go here first",
                                 "de": "SAM: {sam} Unternehmen · n = ICP-Unternehmen in der Zelle · blau: hier zuerst hin"},
    "market.metric.companies_label": {"en": "{level}: companies", "de": "{level}: Unternehmen"},
    "market.how.title": {"en": "How these figures are computed", "de": "Wie diese Zahlen berechnet werden"},
    "market.how.body": {
        "en": "- **TAM**: all companies of the market table. **SAM**: those matching the serviceable filters. "
              "**SOM**: those of the SAM matching the ICP filters. Value = companies x ACV (SOM also x the obtainable share).\n"
              "- **Customers in a level**: accounts active at the reference date inside the level. A customer found in the "
              "market counts when its market company matches the level's filters; a customer not found there counts when "
              "its own fields match them. **Penetration** = customers / companies (empty when the level has no companies).\n"
              "- **Finding customers in the market**: same domain (scheme, www., path removed), else same company name "
              "(lower case, umlauts as ae/oe/ue/ss, accents removed, punctuation removed, legal forms such as GmbH, AG, KG, "
              "SE, Inc, Ltd, LLC, Co. removed at the end). Domain matches win, then the smallest company id.\n"
              "- **White space**: value of the rest = (companies - customers) x ACV; the ICP part likewise; the top {top} "
              "cells by open ICP companies are where to go first.\n"
              "- **ICP breadth**: warned when the ICP covers more than {broad} of the SAM, or the niche holds fewer than "
              "{narrow_n} companies or less than {narrow_share} of the SAM.",
        "de": "- **TAM**: alle Unternehmen der Markttabelle. **SAM**: die, die die Filter des bedienbaren Markts erfüllen. "
              "**SOM**: die des SAM, die die ICP-Filter erfüllen. Wert = Unternehmen x ACV (SOM zusätzlich x erreichbarer Anteil).\n"
              "- **Kunden in einer Ebene**: am Stichtag aktive Kunden innerhalb der Ebene. Ein im Markt gefundener Kunde zählt, "
              "wenn sein Marktunternehmen die Filter erfüllt; ein dort nicht gefundener, wenn seine eigenen Felder sie "
              "erfüllen. **Durchdringung** = Kunden / Unternehmen (leer, wenn die Ebene keine Unternehmen hat).\n"
              "- **Kunden im Markt finden**: gleiche Domain (ohne Schema, www., Pfad), sonst gleicher Firmenname "
              "(Kleinschreibung, Umlaute als ae/oe/ue/ss, Akzente und Satzzeichen entfernt, Rechtsformen wie GmbH, AG, KG, "
              "SE, Inc, Ltd, LLC, Co. am Ende entfernt). Domain-Treffer gehen vor, dann die kleinste Unternehmens-ID.\n"
              "- **Weiße Flecken**: Wert des Rests = (Unternehmen - Kunden) x ACV; für den ICP-Teil ebenso; die besten {top} "
              "Zellen nach offenen ICP-Unternehmen sind die ersten Ziele.\n"
              "- **ICP-Breite**: Warnung, wenn das ICP mehr als {broad} des SAM abdeckt oder die Nische weniger als "
              "{narrow_n} Unternehmen oder weniger als {narrow_share} des SAM umfasst.",
    },
})
TEXTS["market.warn.icp_none"] = {
    "en": "No ICP filters are set, so the SOM equals the SAM. Save an ICP on the ICP page or set ICP filters here.",
    "de": "Es sind keine ICP-Filter gesetzt, daher ist der SOM gleich dem SAM. Speichern Sie ein ICP auf der ICP-Seite oder setzen Sie hier ICP-Filter.",
}
