"""Words of the PMF page, the `icp pmf` command and icp_core.pmf messages."""

TEXTS = {
    "pmf.cli.lifetime_churn": {
        "en": "Lifetime churn share (no churn dates, so no 12-month retention): {share} ({churned} of {n} accounts churned)",
        "de": "Abwanderungsquote über die gesamte Zeit (keine Kündigungsdaten, daher keine 12-Monats-Bindung): {share} ({churned} von {n} Kunden abgewandert)",
    },
    # ---- page frame ----
    "pmf.title": {"en": "Product-Market-Fit", "de": "Product-Market-Fit"},
    "pmf.intro": {
        "en": "Has the product reached Product-Market-Fit, and where? The answer decides how to segment your ICP.",
        "de": "Hat das Produkt den Product-Market-Fit erreicht, und wo? Die Antwort entscheidet, wie Sie Ihr ICP segmentieren.",
    },
    "pmf.no_accounts": {
        "en": "There are no accounts yet. Import your customer list on the Data page (or load the sample company) first.",
        "de": "Es gibt noch keine Kunden (Accounts). Importieren Sie zuerst Ihre Kundenliste auf der Seite Daten (oder laden Sie das Beispielunternehmen).",
    },
    "pmf.unknown_dimension": {
        "en": "'{dimension}' is not a dimension of your accounts. Choose a field, a band (size_band, revenue_band, age_band), tech:TOOL or an imported extra column.",
        "de": "'{dimension}' ist keine Dimension Ihrer Kunden. Wählen Sie ein Feld, ein Band (size_band, revenue_band, age_band), tech:TOOL oder eine importierte Zusatzspalte.",
    },
    "pmf.unknown_persona_field": {
        "en": "'{field}' is not a persona field of your contacts (buying_role, job_title, seniority, department, age_group, education).",
        "de": "'{field}' ist kein Persona-Feld Ihrer Kontakte (buying_role, job_title, seniority, department, age_group, education).",
    },
    "pmf.bad_as_of": {
        "en": "'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2024-12-31.",
        "de": "'{value}' ist kein Datum; schreiben Sie es als JJJJ-MM-TT, z. B. 2024-12-31.",
    },
    "pmf.as_of_caption": {
        "en": "Reference date (as_of): {date}. Figures never depend on today's date.",
        "de": "Stichtag (as_of): {date}. Die Zahlen hängen nie vom heutigen Datum ab.",
    },
    # ---- settings ----
    "pmf.settings": {"en": "Settings: thresholds, referral channels, min n, reference date", "de": "Einstellungen: Schwellen, Empfehlungskanäle, min. n, Stichtag"},
    "pmf.set.as_of": {"en": "Reference date (as_of)", "de": "Stichtag (as_of)"},
    "pmf.set.as_of_help": {
        "en": "Default: the latest start or churn date in your accounts that is not after today.",
        "de": "Standard: das späteste Start- oder Kündigungsdatum Ihrer Kunden, das nicht nach heute liegt.",
    },
    "pmf.set.min_n": {"en": "Minimum n per segment (min_n)", "de": "Mindest-n je Segment (min_n)"},
    "pmf.set.referral_score_min": {"en": "Referral customers' mean NPS score at least", "de": "Mittlerer NPS-Wert der Empfehlungskunden mindestens"},
    "pmf.set.referral_share_min": {"en": "Referral share of new business at least (%)", "de": "Empfehlungsanteil am Neugeschäft mindestens (%)"},
    "pmf.set.retention_min": {"en": "Best segment's 12-month logo retention at least (%)", "de": "12-Monats-Kundenbindung des besten Segments mindestens (%)"},
    "pmf.set.ellis_min": {"en": "Sean Ellis score at least (%)", "de": "Sean-Ellis-Wert mindestens (%)"},
    "pmf.set.channels": {"en": "Acquisition channels that count as referral (comma-separated)", "de": "Akquisekanäle, die als Empfehlung zählen (durch Komma getrennt)"},
    "pmf.set.dimensions": {"en": "Segments for the retention indicator", "de": "Segmente für den Bindungs-Indikator"},
    "pmf.set.reset": {"en": "Reset to defaults", "de": "Auf Standard zurücksetzen"},
    # ---- verdict ----
    "pmf.verdict.label": {"en": "PMF verdict", "de": "PMF-Urteil"},
    "pmf.verdict.reached": {"en": "Product-Market-Fit reached", "de": "Product-Market-Fit erreicht"},
    "pmf.verdict.partial": {"en": "Product-Market-Fit partially reached", "de": "Product-Market-Fit teilweise erreicht"},
    "pmf.verdict.not_yet": {"en": "Product-Market-Fit not yet reached", "de": "Product-Market-Fit noch nicht erreicht"},
    "pmf.verdict.unknown": {"en": "PMF unknown: your data cannot compute any indicator yet", "de": "PMF unbekannt: Ihre Daten reichen noch für keinen Indikator"},
    "pmf.verdict.count": {
        "en": "{passed} of {computed} computable indicators pass ({total} in all).",
        "de": "{passed} von {computed} berechenbaren Indikatoren erfüllt ({total} insgesamt).",
    },
    "pmf.next.firmographics": {
        "en": "Next step: segment by firmographics (industry, size, revenue, location, age, business model) and technographics (the tools they use). Look for clusters among your current customers that represent the customers you want more of.",
        "de": "Nächster Schritt: nach Firmografie (Branche, Größe, Umsatz, Standort, Alter, Geschäftsmodell) und Technografie (eingesetzte Tools) segmentieren. Suchen Sie in Ihrem Kundenbestand nach Clustern, die die Kunden darstellen, von denen Sie mehr wollen.",
    },
    "pmf.next.demographics_jtbd": {
        "en": "Next step: segmenting by firmographics is risky before PMF. Focus on the people (demographics: job titles, age groups, education, where they look for information, what motivates them) and on their jobs-to-be-done.",
        "de": "Nächster Schritt: Vor dem PMF ist eine Segmentierung nach Firmografie riskant. Konzentrieren Sie sich auf die Menschen (Demografie: Berufsbezeichnungen, Altersgruppen, Bildung, Informationsquellen, Motivation) und ihre Jobs-to-be-done.",
    },
    "pmf.next.link": {"en": "Open the segments", "de": "Zu den Segmenten"},
    "pmf.next.link_missing": {
        "en": "The Segments page is not available in this version yet.",
        "de": "Die Seite Segmente ist in dieser Version noch nicht verfügbar.",
    },
    # ---- indicator table ----
    "pmf.col.indicator": {"en": "Indicator", "de": "Indikator"},
    "pmf.col.value": {"en": "Value", "de": "Wert"},
    "pmf.col.threshold": {"en": "Threshold", "de": "Schwelle"},
    "pmf.col.n": {"en": "n", "de": "n"},
    "pmf.col.result": {"en": "Result", "de": "Ergebnis"},
    "pmf.col.note": {"en": "Note", "de": "Hinweis"},
    "pmf.ind.referral_score": {"en": "Referral customers' mean NPS score", "de": "Mittlerer NPS-Wert der Empfehlungskunden"},
    "pmf.ind.referral_share": {"en": "Referral share of new business (12 months)", "de": "Empfehlungsanteil am Neugeschäft (12 Monate)"},
    "pmf.ind.retention": {"en": "12-month logo retention of the best segment", "de": "12-Monats-Kundenbindung des besten Segments"},
    "pmf.ind.sean_ellis": {"en": "Sean Ellis score (very disappointed)", "de": "Sean-Ellis-Wert (sehr enttäuscht)"},
    "pmf.result.pass": {"en": "pass", "de": "erfüllt"},
    "pmf.result.fail": {"en": "fail", "de": "nicht erfüllt"},
    "pmf.result.none": {"en": "— not computable", "de": "— nicht berechenbar"},
    "pmf.note.by_revenue": {"en": "by revenue (MRR); by count: {count}", "de": "nach Umsatz (MRR); nach Anzahl: {count}"},
    "pmf.note.by_count": {"en": "by count (no MRR on new accounts)", "de": "nach Anzahl (kein MRR bei Neukunden)"},
    "pmf.note.best_segment": {"en": "best segment: {segment}", "de": "bestes Segment: {segment}"},
    "pmf.note.small": {"en": "n below {min_n}: read with care", "de": "n unter {min_n}: mit Vorsicht lesen"},
    "pmf.small": {
        "en": "Lighter bars: n < {min_n}, too small to rank.",
        "de": "Hellere Balken: n < {min_n}, zu klein für eine Rangfolge.",
    },
    "pmf.segment_axis": {"en": "Segment: {dims}", "de": "Segment: {dims}"},
    # ---- reasons: which field is missing and how to add it ----
    "pmf.reason.no_accounts": {
        "en": "No accounts table. Import your customer list on the Data page.",
        "de": "Keine Kundentabelle. Importieren Sie Ihre Kundenliste auf der Seite Daten.",
    },
    "pmf.reason.no_as_of": {
        "en": "No reference date: accounts have no start_date or churn_date. Add a start_date column (customer since) to your accounts, or set the reference date.",
        "de": "Kein Stichtag: Die Kunden haben weder start_date noch churn_date. Ergänzen Sie eine Spalte start_date (Kunde seit) oder setzen Sie den Stichtag.",
    },
    "pmf.reason.no_nps": {
        "en": "No NPS answers. Import an nps_responses table (account_id, date, score 0-10) or add an nps column (0-10) to your accounts.",
        "de": "Keine NPS-Antworten. Importieren Sie eine Tabelle nps_responses (account_id, date, score 0-10) oder ergänzen Sie bei den Kunden eine Spalte nps (0-10).",
    },
    "pmf.reason.no_nps_in_window": {
        "en": "No NPS answer is dated in the 12 months up to the reference date. Import newer nps_responses (with a date) or change the reference date.",
        "de": "Keine NPS-Antwort liegt in den 12 Monaten bis zum Stichtag. Importieren Sie neuere nps_responses (mit Datum) oder ändern Sie den Stichtag.",
    },
    "pmf.reason.no_channel": {
        "en": "Missing field acquisition_channel (lead source) in accounts. Add it to your accounts file (e.g. HubSpot 'Original Source', Salesforce 'Lead Source') and import it again.",
        "de": "Es fehlt das Feld acquisition_channel (Lead-Quelle) bei den Kunden. Ergänzen Sie es in Ihrer Kundendatei (z. B. HubSpot 'Original Source', Salesforce 'Lead Source') und importieren Sie sie erneut.",
    },
    "pmf.reason.no_channel_list": {
        "en": "The list of referral channels is empty. Enter at least one channel in the settings.",
        "de": "Die Liste der Empfehlungskanäle ist leer. Tragen Sie in den Einstellungen mindestens einen Kanal ein.",
    },
    "pmf.reason.no_referral_answers": {
        "en": "No referral customer has an NPS answer in the window. Check the referral channel list, or collect NPS from referral customers.",
        "de": "Kein Empfehlungskunde hat eine NPS-Antwort im Zeitraum. Prüfen Sie die Liste der Empfehlungskanäle oder erheben Sie NPS bei Empfehlungskunden.",
    },
    "pmf.reason.no_start_date": {
        "en": "Missing field start_date (customer since) in accounts. Add it to your accounts file and import it again.",
        "de": "Es fehlt das Feld start_date (Kunde seit) bei den Kunden. Ergänzen Sie es in Ihrer Kundendatei und importieren Sie sie erneut.",
    },
    "pmf.reason.no_new_accounts": {
        "en": "No account started in the 12 months up to the reference date, so there is no new business to split.",
        "de": "Kein Kunde hat in den 12 Monaten bis zum Stichtag begonnen; es gibt kein Neugeschäft zum Aufteilen.",
    },
    "pmf.reason.no_churn_date": {
        "en": "Missing field churn_date (cancellation date) in accounts: 12-month retention needs it. Add the date each churned customer cancelled (empty = still a customer).",
        "de": "Es fehlt das Feld churn_date (Kündigungsdatum) bei den Kunden: Die 12-Monats-Bindung braucht es. Ergänzen Sie das Kündigungsdatum jedes abgewanderten Kunden (leer = noch Kunde).",
    },
    "pmf.reason.empty_base": {
        "en": "No account was active 12 months before the reference date, so 12-month retention has no base.",
        "de": "Kein Kunde war 12 Monate vor dem Stichtag aktiv; die 12-Monats-Bindung hat keine Basis.",
    },
    "pmf.reason.no_segment_min_n": {
        "en": "No segment of {dimensions} has at least {min_n} accounts in the retention base. Choose broader segments or lower min n.",
        "de": "Kein Segment aus {dimensions} hat mindestens {min_n} Kunden in der Bindungsbasis. Wählen Sie gröbere Segmente oder ein kleineres min. n.",
    },
    "pmf.reason.no_mrr_history": {
        "en": "NRR and GRR need an mrr_history table (account_id, month, mrr). Import one from your billing tool.",
        "de": "NRR und GRR brauchen eine Tabelle mrr_history (account_id, month, mrr). Importieren Sie sie aus Ihrem Abrechnungssystem.",
    },
    "pmf.reason.empty_mrr_base": {
        "en": "No account has MRR > 0 in mrr_history in the month 12 months before the reference date.",
        "de": "Kein Kunde hat in mrr_history im Monat 12 Monate vor dem Stichtag MRR > 0.",
    },
    "pmf.reason.no_pmf_survey": {
        "en": "No Sean Ellis survey. Ask your users \"How would you feel if you could no longer use the product?\" (very / somewhat / not disappointed, plus their main benefit) and import the answers as pmf_survey.",
        "de": "Keine Sean-Ellis-Umfrage. Fragen Sie Ihre Nutzer \"Wie würden Sie sich fühlen, wenn Sie das Produkt nicht mehr nutzen könnten?\" (sehr / etwas / nicht enttäuscht, dazu ihr Hauptnutzen) und importieren Sie die Antworten als pmf_survey.",
    },
    "pmf.reason.no_ellis_answers": {
        "en": "The pmf_survey table has no answers.",
        "de": "Die Tabelle pmf_survey enthält keine Antworten.",
    },
    "pmf.reason.no_contacts": {
        "en": "Personas need a contacts table (account_id, contact_id, job_title, buying_role). Import it to see the score per persona.",
        "de": "Personas brauchen eine Tabelle contacts (account_id, contact_id, job_title, buying_role). Importieren Sie sie, um den Wert je Persona zu sehen.",
    },
    "pmf.reason.no_main_benefit": {
        "en": "The survey has no main_benefit answers. Add the question \"What is the main benefit you receive?\" to the survey.",
        "de": "Die Umfrage enthält keine Antworten zu main_benefit. Ergänzen Sie die Frage \"Was ist der wichtigste Nutzen für Sie?\".",
    },
    # ---- tabs ----
    "pmf.tab.nps": {"en": "NPS", "de": "NPS"},
    "pmf.tab.referral": {"en": "Referral", "de": "Empfehlungen"},
    "pmf.tab.retention": {"en": "Retention", "de": "Kundenbindung"},
    "pmf.tab.ellis": {"en": "Sean Ellis", "de": "Sean Ellis"},
    "pmf.dimension": {"en": "Segment by", "de": "Segmentieren nach"},
    "pmf.persona_field": {"en": "Persona field", "de": "Persona-Feld"},
    # ---- NPS ----
    "pmf.nps.metric": {"en": "NPS", "de": "NPS"},
    "pmf.nps.interval": {"en": "95% interval {low} to {high} · n = {n}", "de": "95-%-Intervall {low} bis {high} · n = {n}"},
    "pmf.nps.source_responses": {
        "en": "Source: nps_responses dated after {start} up to {end} (12 months up to the reference date). Undated answers left out: {undated}.",
        "de": "Quelle: nps_responses nach dem {start} bis einschließlich {end} (12 Monate bis zum Stichtag). Ausgelassene Antworten ohne Datum: {undated}.",
    },
    "pmf.nps.source_accounts": {
        "en": "Source: the nps field of each account (one answer per account, churned accounts included, no time window).",
        "de": "Quelle: das Feld nps jedes Kunden (eine Antwort je Kunde, abgewanderte eingeschlossen, ohne Zeitfenster).",
    },
    "pmf.nps.split_title": {"en": "Promoters, passives, detractors", "de": "Promotoren, Passive, Kritiker"},
    "pmf.nps.hist_title": {"en": "NPS answers by score", "de": "NPS-Antworten nach Wert"},
    "pmf.nps.score": {"en": "Score", "de": "Wert"},
    "pmf.nps.answers": {"en": "Answers", "de": "Antworten"},
    "pmf.nps.segment_title": {"en": "NPS by segment", "de": "NPS nach Segment"},
    "pmf.nps.trend_title": {"en": "NPS by quarter", "de": "NPS je Quartal"},
    "pmf.nps.trend_missing": {
        "en": "The trend needs dated answers: import an nps_responses table with a date column.",
        "de": "Der Verlauf braucht datierte Antworten: Importieren Sie eine Tabelle nps_responses mit Datumsspalte.",
    },
    "pmf.nps.quarter": {"en": "Quarter", "de": "Quartal"},
    # ---- referral ----
    "pmf.ref.score_metric": {"en": "Referral customers' mean NPS score", "de": "Mittlerer NPS-Wert der Empfehlungskunden"},
    "pmf.ref.share_revenue": {"en": "Referral share of new MRR", "de": "Empfehlungsanteil am neuen MRR"},
    "pmf.ref.share_count": {"en": "Referral share of new accounts", "de": "Empfehlungsanteil an Neukunden"},
    "pmf.ref.new_caption": {
        "en": "New accounts: start_date after {start} up to {end}; {n_ref} of {n} came by referral.",
        "de": "Neukunden: start_date nach dem {start} bis einschließlich {end}; {n_ref} von {n} kamen über Empfehlungen.",
    },
    "pmf.ref.channels_caption": {"en": "Referral channels: {channels}", "de": "Empfehlungskanäle: {channels}"},
    "pmf.ref.quarter_title": {"en": "Referral share of new business by quarter", "de": "Empfehlungsanteil am Neugeschäft je Quartal"},
    "pmf.ref.series_revenue": {"en": "by revenue (MRR)", "de": "nach Umsatz (MRR)"},
    "pmf.ref.series_count": {"en": "by count", "de": "nach Anzahl"},
    "pmf.ref.segment_title": {"en": "Who refers: referral rate by segment", "de": "Wer empfiehlt: Empfehlungsquote je Segment"},
    "pmf.ref.rate": {"en": "Referral rate", "de": "Empfehlungsquote"},
    "pmf.ref.share": {"en": "Referral share", "de": "Empfehlungsanteil"},
    # ---- retention ----
    "pmf.ret.metric": {"en": "12-month logo retention (all accounts)", "de": "12-Monats-Kundenbindung (alle Kunden)"},
    "pmf.ret.caption": {
        "en": "Base: accounts active on {start}; retained: still active on {end}. {retained} of {n} retained; 95% interval {low} to {high}.",
        "de": "Basis: am {start} aktive Kunden; gehalten: am {end} noch aktiv. {retained} von {n} gehalten; 95-%-Intervall {low} bis {high}.",
    },
    "pmf.ret.excluded": {
        "en": "{count} accounts are flagged churned without a churn_date: they cannot be placed in time and are left out of the base.",
        "de": "{count} Kunden sind als abgewandert markiert, aber ohne churn_date: Sie lassen sich zeitlich nicht einordnen und sind nicht in der Basis.",
    },
    "pmf.ret.lifetime": {"en": "Lifetime churn share", "de": "Abwanderungsanteil gesamt"},
    "pmf.ret.lifetime_caption": {
        "en": "No account has a churn_date, so the lifetime churn share is shown instead: {churned} of {n} accounts are flagged churned.",
        "de": "Kein Kunde hat ein churn_date; daher wird der Abwanderungsanteil über die gesamte Zeit gezeigt: {churned} von {n} Kunden sind als abgewandert markiert.",
    },
    "pmf.ret.segment_title": {"en": "12-month logo retention by segment", "de": "12-Monats-Kundenbindung je Segment"},
    "pmf.ret.retention": {"en": "Retention", "de": "Bindung"},
    "pmf.ret.nrr": {"en": "NRR (net revenue retention)", "de": "NRR (Netto-Umsatzbindung)"},
    "pmf.ret.grr": {"en": "GRR (gross revenue retention)", "de": "GRR (Brutto-Umsatzbindung)"},
    "pmf.ret.rev_caption": {
        "en": "{n} accounts with MRR > 0 in {then}: MRR {mrr_then} then, {mrr_now} in {now}.",
        "de": "{n} Kunden mit MRR > 0 im {then}: MRR damals {mrr_then}, im {now} {mrr_now}.",
    },
    "pmf.ret.cohort_title": {"en": "Monthly cohorts: share still active", "de": "Monatskohorten: Anteil noch aktiv"},
    "pmf.ret.cohort_caption": {
        "en": "Cohort = month of start_date; column k = share of the cohort active k months after the cohort month's first day (so month 0 counts only those who started on the 1st). Cells after the reference date are empty.",
        "de": "Kohorte = Monat des start_date; Spalte k = Anteil der Kohorte, der k Monate nach dem Monatsersten der Kohorte aktiv ist (Monat 0 zählt daher nur Starts am 1.). Zellen nach dem Stichtag bleiben leer.",
    },
    "pmf.ret.cohort_limit": {"en": "Showing the latest {shown} of {total} cohorts.", "de": "Gezeigt werden die letzten {shown} von {total} Kohorten."},
    # ---- Sean Ellis ----
    "pmf.ellis.metric": {"en": "Sean Ellis score", "de": "Sean-Ellis-Wert"},
    "pmf.ellis.caption": {
        "en": "{very} of {n} answered \"very disappointed\" ({somewhat} somewhat, {not_} not); 95% interval {low} to {high}. Threshold {threshold}.",
        "de": "{very} von {n} antworteten \"sehr enttäuscht\" ({somewhat} etwas, {not_} nicht); 95-%-Intervall {low} bis {high}. Schwelle {threshold}.",
    },
    "pmf.ellis.segment_title": {"en": "Sean Ellis score by segment", "de": "Sean-Ellis-Wert je Segment"},
    "pmf.ellis.persona_title": {"en": "Sean Ellis score by persona", "de": "Sean-Ellis-Wert je Persona"},
    "pmf.ellis.persona_join": {
        "en": "Persona join: respondent = contacts.contact_id (or an email column), else the account's only contact; otherwise (unknown).",
        "de": "Persona-Zuordnung: respondent = contacts.contact_id (oder eine E-Mail-Spalte), sonst der einzige Kontakt des Kunden; andernfalls (unknown).",
    },
    "pmf.ellis.benefits_title": {"en": "Main benefit named by the very disappointed", "de": "Hauptnutzen der sehr Enttäuschten"},
    "pmf.ellis.benefits_caption": {
        "en": "The \"somewhat disappointed\" who name the same main benefit are the users to win next.",
        "de": "Die \"etwas Enttäuschten\", die denselben Hauptnutzen nennen, sind die Nutzer, die Sie als Nächstes gewinnen sollten.",
    },
    "pmf.ellis.benefit": {"en": "Main benefit", "de": "Hauptnutzen"},
    "pmf.ellis.very": {"en": "Very disappointed", "de": "Sehr enttäuscht"},
    "pmf.ellis.somewhat": {"en": "Somewhat disappointed, same benefit (win next)", "de": "Etwas enttäuscht, gleicher Nutzen (als Nächstes gewinnen)"},
    "pmf.ellis.score": {"en": "Very disappointed", "de": "Sehr enttäuscht"},
    # ---- CLI ----
    "pmf.cli.help": {"en": "PMF indicators and verdict", "de": "PMF-Indikatoren und Urteil"},
    "pmf.cli.help_min_n": {"en": "minimum n per segment (default 30)", "de": "Mindest-n je Segment (Standard 30)"},
    "pmf.cli.help_channels": {
        "en": "acquisition channels that count as referral, comma-separated (default: the METRICS.md list)",
        "de": "Akquisekanäle, die als Empfehlung zählen, durch Komma getrennt (Standard: die Liste aus METRICS.md)",
    },
    "pmf.bad_min_n": {"en": "min n must be a whole number of at least 1 (got {value}).", "de": "Min. n muss eine ganze Zahl ab 1 sein (erhalten: {value})."},
    "pmf.cli.as_of": {"en": "Reference date", "de": "Stichtag"},
    "pmf.cli.nps": {"en": "NPS", "de": "NPS"},
}
