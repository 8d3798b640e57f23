"""The app shell (sidebar, navigation) and the home page."""

TEXTS = {
    # ---- shell ----
    "app.language": {"en": "Language", "de": "Sprache"},
    "app.lang.en": {"en": "English", "de": "English"},
    "app.lang.de": {"en": "Deutsch", "de": "Deutsch"},
    "app.loading_sample": {"en": "Loading the sample company…", "de": "Beispielunternehmen wird geladen …"},
    "app.sample_badge": {"en": "Sample data", "de": "Beispieldaten"},
    "app.sample_explain": {
        "en": "You are looking at a fictitious sample company. Clear it to work with your own data.",
        "de": "Sie sehen ein fiktives Beispielunternehmen. Leeren Sie es, um mit Ihren eigenen Daten zu arbeiten.",
    },
    "app.sample_badge_partly": {"en": "Partly sample data", "de": "Teilweise Beispieldaten"},
    "app.sample_explain_partly": {
        "en": "These tables still hold the fictitious sample company: {tables}.",
        "de": "Diese Tabellen enthalten noch das fiktive Beispielunternehmen: {tables}.",
    },
    "app.sample_banner_partly": {
        "en": "Your data is mixed with sample data: {tables} still hold the fictitious sample company. Clear them in the sidebar.",
        "de": "Ihre Daten sind mit Beispieldaten gemischt: {tables} enthalten noch das fiktive Beispielunternehmen. Leeren Sie sie in der Seitenleiste.",
    },
    "app.sample_clear": {"en": "Clear sample data", "de": "Beispieldaten leeren"},
    "app.sample_offer": {
        "en": "No customer data yet. Import your own files on the Data page, or bring the sample company back.",
        "de": "Noch keine Kundendaten. Importieren Sie Ihre Dateien auf der Seite Daten oder holen Sie das Beispielunternehmen zurück.",
    },
    "app.sample_restore": {"en": "Load sample data", "de": "Beispieldaten laden"},
    "app.sample_banner": {
        "en": "Sample data: every figure below comes from a fictitious company. Clear it in the sidebar and import your own files on the Data page.",
        "de": "Beispieldaten: Alle Zahlen hier stammen von einem fiktiven Unternehmen. Leeren Sie sie in der Seitenleiste und importieren Sie Ihre Dateien auf der Seite Daten.",
    },
    "app.store_location": {"en": "Your data lives here (on this computer):", "de": "Ihre Daten liegen hier (auf diesem Rechner):"},
    # ---- navigation ----
    "nav.home": {"en": "Home", "de": "Start"},
    "nav.data": {"en": "Data", "de": "Daten"},
    "nav.pmf": {"en": "Product-Market-Fit", "de": "Product-Market-Fit"},
    "nav.segments": {"en": "Segments", "de": "Segmente"},
    "nav.market": {"en": "Market", "de": "Markt"},
    "nav.profile": {"en": "ICP profile", "de": "ICP-Profil"},
    "nav.scoring": {"en": "Scoring", "de": "Scoring"},
    # ---- home ----
    "home.title": {"en": "Your Ideal Customer Profile, from your own data", "de": "Ihr ideales Kundenprofil, aus Ihren eigenen Daten"},
    "home.what": {
        "en": "ICP Workbench reads your CRM and billing exports and shows which companies buy, stay, pay and refer best. "
        "It checks whether your product has reached Product-Market-Fit, finds the customer segments you want more of "
        "and sizes the market and your niche. You leave with a filled-in Ideal Customer Profile and charts for your deck; "
        "your data never leaves this computer.",
        "de": "ICP Workbench liest Ihre CRM- und Abrechnungsexporte und zeigt, welche Unternehmen am besten kaufen, bleiben, zahlen und weiterempfehlen. "
        "Es prüft, ob Ihr Produkt den Product-Market-Fit erreicht hat, findet die Kundensegmente, von denen Sie mehr wollen, "
        "und schätzt Markt und Nische ab. Am Ende haben Sie ein ausgefülltes ideales Kundenprofil und Diagramme für Ihre Präsentation; "
        "Ihre Daten verlassen diesen Rechner nie.",
    },
    "home.steps_title": {"en": "The method in five steps", "de": "Die Methode in fünf Schritten"},
    "home.status.ready": {"en": "data ready", "de": "bereit"},
    "home.status.partial": {"en": "partly", "de": "teilweise"},
    "home.status.missing": {"en": "data missing", "de": "Daten fehlen"},
    "home.step_text.pmf": {
        "en": "Has the product reached Product-Market-Fit? Strong NPS (9+) among referral customers, 30%+ of new business from referrals, high retention in a customer group.",
        "de": "Hat das Produkt den Product-Market-Fit erreicht? Starker NPS (9+) bei Empfehlungskunden, 30 %+ des Neugeschäfts aus Empfehlungen, hohe Kundenbindung in einer Kundengruppe.",
    },
    "home.step_text.segments": {
        "en": "Segment: with PMF by firmographics (industry, size, revenue, location, age) and technographics; without PMF by the people involved and their jobs-to-be-done.",
        "de": "Segmentieren: mit PMF nach Firmografie (Branche, Größe, Umsatz, Standort, Alter) und Technografie; ohne PMF nach den beteiligten Personen und ihren Jobs-to-be-done.",
    },
    "home.step_text.groups": {
        "en": "Split customers into three groups: those you want more of, those you would not reject, those you don't want more of.",
        "de": "Kunden in drei Gruppen teilen: mehr davon, nicht ablehnen, nicht mehr davon.",
    },
    "home.step_text.market": {
        "en": "Size the market: TAM, SAM and the SOM, the niche where only you can win and must go first.",
        "de": "Den Markt abschätzen: TAM, SAM und den SOM, die Nische, in der nur Sie gewinnen können und zuerst hingehen müssen.",
    },
    "home.step_text.template": {
        "en": "Write the ICP with the template: firmographics, technographics, personas (user, decision maker, blocker), jobs-to-be-done.",
        "de": "Das ICP mit der Vorlage festhalten: Firmografie, Technografie, Personas (Nutzer, Entscheider, Blocker), Jobs-to-be-done.",
    },
    "home.step_missing": {"en": "Still missing: {figures}", "de": "Es fehlt noch: {figures}"},
    "home.open_page": {"en": "Open {page}", "de": "{page} öffnen"},
    "home.stand_title": {"en": "Where you stand", "de": "Wo Sie stehen"},
    "home.no_data": {
        "en": "No data yet: import your accounts on the Data page, or load the sample company in the sidebar.",
        "de": "Noch keine Daten: Importieren Sie Ihre Kunden auf der Seite Daten oder laden Sie das Beispielunternehmen in der Seitenleiste.",
    },
    "home.col_table": {"en": "Table", "de": "Tabelle"},
    "home.col_rows": {"en": "Rows", "de": "Zeilen"},
    "home.col_status": {"en": "Status", "de": "Status"},
    "home.loaded": {"en": "loaded", "de": "geladen"},
    "home.required": {"en": "required, missing", "de": "Pflicht, fehlt"},
    "home.optional": {"en": "not loaded", "de": "nicht geladen"},
    "home.health_title": {"en": "Data health", "de": "Datenqualität"},
    "home.health_summary": {
        "en": "{available} of {total} figures and dimensions can be computed from your data.",
        "de": "{available} von {total} Kennzahlen und Dimensionen lassen sich aus Ihren Daten berechnen.",
    },
    "home.more_blocked": {"en": "… and {n} more on the Data page.", "de": "… und {n} weitere auf der Seite Daten."},
    "home.to_data": {"en": "Import data and check its health", "de": "Daten importieren und Qualität prüfen"},
}
