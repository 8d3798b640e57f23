"""Messages of the import engine (icp_core.ingest): unreadable files, mapping, issues."""

TEXTS = {
    # unreadable files: one sentence, what to do next
    "ingest.file_not_found": {
        "en": "The file '{path}' was not found; check the path and try again.",
        "de": "Die Datei '{path}' wurde nicht gefunden; prüfen Sie den Pfad und versuchen Sie es erneut.",
    },
    "ingest.empty_file": {
        "en": "The file is empty; export the data again and upload the new file.",
        "de": "Die Datei ist leer; exportieren Sie die Daten erneut und laden Sie die neue Datei hoch.",
    },
    "ingest.no_rows": {
        "en": "The file has a header but no data rows; export it again with the data included.",
        "de": "Die Datei hat eine Kopfzeile, aber keine Datenzeilen; exportieren Sie sie erneut mit den Daten.",
    },
    "ingest.not_a_table": {
        "en": "This file cannot be read as a table; save it as CSV, Excel (XLSX/XLS) or Parquet and try again.",
        "de": "Diese Datei lässt sich nicht als Tabelle lesen; speichern Sie sie als CSV, Excel (XLSX/XLS) oder Parquet und versuchen Sie es erneut.",
    },
    "ingest.wrong_format": {
        "en": "This file type is not supported; upload a CSV, TSV, TXT, Excel (XLSX/XLS) or Parquet file.",
        "de": "Dieser Dateityp wird nicht unterstützt; laden Sie eine CSV-, TSV-, TXT-, Excel- (XLSX/XLS) oder Parquet-Datei hoch.",
    },
    "ingest.too_large": {
        "en": "The file is {size_mb} MB, more than the limit of {limit_mb} MB; split it or remove unneeded columns and try again.",
        "de": "Die Datei ist {size_mb} MB groß und damit über der Grenze von {limit_mb} MB; teilen Sie sie auf oder entfernen Sie unnötige Spalten.",
    },
    "ingest.too_many_columns": {
        "en": "The file has more than {limit} columns ({n} or more); check that it is a table (one record per line) or remove unneeded columns.",
        "de": "Die Datei hat mehr als {limit} Spalten ({n} oder mehr); prüfen Sie, ob sie eine Tabelle ist (ein Datensatz pro Zeile), oder entfernen Sie unnötige Spalten.",
    },
    "ingest.unzipped_too_large": {
        "en": "The workbook unpacks to {size_mb} MB, more than the limit of {limit_mb} MB; save the sheet as CSV and upload that instead.",
        "de": "Die Arbeitsmappe wird entpackt {size_mb} MB groß und damit größer als die Grenze von {limit_mb} MB; speichern Sie das Blatt als CSV und laden Sie diese Datei hoch.",
    },
    "ingest.no_such_sheet": {
        "en": "The workbook has no sheet '{sheet}'; choose one of: {sheets}.",
        "de": "Die Arbeitsmappe hat kein Blatt '{sheet}'; wählen Sie eines von: {sheets}.",
    },
    "ingest.no_account_id": {
        "en": "No column can be the account id; name one column 'account_id', 'Customer ID' or 'Kundennummer', or choose it in the mapping.",
        "de": "Keine Spalte kann die Kunden-ID sein; nennen Sie eine Spalte 'account_id', 'Kunden-ID' oder 'Kundennummer' oder wählen Sie sie in der Zuordnung.",
    },
    "ingest.no_company_id": {
        "en": "No column can be the company id; name one column 'company_id' or 'ID', or choose it in the mapping (the company name works too if it is unique).",
        "de": "Keine Spalte kann die Firmen-ID sein; nennen Sie eine Spalte 'company_id' oder 'ID' oder wählen Sie sie in der Zuordnung (auch ein eindeutiger Firmenname geht).",
    },
    "ingest.no_deal_id": {
        "en": "No column can be the deal id; name one column 'deal_id' or 'Opportunity ID', or choose it in the mapping.",
        "de": "Keine Spalte kann die Deal-ID sein; nennen Sie eine Spalte 'deal_id' oder 'Opportunity ID' oder wählen Sie sie in der Zuordnung.",
    },
    "ingest.no_required_column": {
        "en": "No column can be the required field '{field}' of the table '{table}'; add such a column or choose it in the mapping.",
        "de": "Keine Spalte kann das Pflichtfeld '{field}' der Tabelle '{table}' sein; ergänzen Sie eine solche Spalte oder wählen Sie sie in der Zuordnung.",
    },
    "ingest.mapping_unknown_field": {
        "en": "The mapping names the field '{field}', which the table '{table}' does not have; choose another field or none.",
        "de": "Die Zuordnung nennt das Feld '{field}', das es in der Tabelle '{table}' nicht gibt; wählen Sie ein anderes Feld oder keines.",
    },
    "ingest.mapping_field_twice": {
        "en": "The field '{field}' is mapped twice (columns '{first}' and '{second}'); keep it for one column only.",
        "de": "Das Feld '{field}' ist doppelt zugeordnet (Spalten '{first}' und '{second}'); behalten Sie es nur für eine Spalte.",
    },
    "ingest.cannot_prepare": {
        "en": "The file could not be checked ({detail}); your data is unchanged, please check the file or report this.",
        "de": "Die Datei konnte nicht geprüft werden ({detail}); Ihre Daten sind unverändert, bitte prüfen Sie die Datei oder melden Sie das.",
    },
    # issues: one row, one column (the quarantine)
    "issue.missing_required": {
        "en": "The required field '{field}' is empty, so the row was not imported.",
        "de": "Das Pflichtfeld '{field}' ist leer, daher wurde die Zeile nicht importiert.",
    },
    "issue.duplicate_key": {
        "en": "The id '{value}' already appears in row {first_row}, so this row was not imported.",
        "de": "Die ID '{value}' steht schon in Zeile {first_row}, daher wurde diese Zeile nicht importiert.",
    },
    "issue.not_a_number": {
        "en": "'{value}' in column '{column}' is not a number.",
        "de": "'{value}' in Spalte '{column}' ist keine Zahl.",
    },
    "issue.not_an_integer": {
        "en": "'{value}' in column '{column}' is not a whole number.",
        "de": "'{value}' in Spalte '{column}' ist keine ganze Zahl.",
    },
    "issue.out_of_range": {
        "en": "'{value}' in column '{column}' is outside the allowed range ({minimum} to {maximum}).",
        "de": "'{value}' in Spalte '{column}' liegt außerhalb des erlaubten Bereichs ({minimum} bis {maximum}).",
    },
    "issue.not_a_date": {
        "en": "'{value}' in column '{column}' is not a date.",
        "de": "'{value}' in Spalte '{column}' ist kein Datum.",
    },
    "issue.not_boolean": {
        "en": "'{value}' in column '{column}' is not yes/no.",
        "de": "'{value}' in Spalte '{column}' ist kein Ja/Nein.",
    },
    "issue.unknown_country": {
        "en": "'{value}' in column '{column}' is not a country we know; use a name or an ISO code like DE.",
        "de": "'{value}' in Spalte '{column}' ist kein bekanntes Land; verwenden Sie einen Namen oder einen ISO-Code wie DE.",
    },
    "issue.unknown_choice": {
        "en": "'{value}' in column '{column}' is not one of: {choices}.",
        "de": "'{value}' in Spalte '{column}' ist keiner der Werte: {choices}.",
    },
    # how a file was read (Data page)
    "ingest.describe.format": {"en": "Format", "de": "Format"},
    "ingest.describe.encoding": {"en": "Encoding", "de": "Zeichenkodierung"},
    "ingest.describe.separator": {"en": "Separator", "de": "Trennzeichen"},
    "ingest.describe.sheet": {"en": "Sheet", "de": "Tabellenblatt"},
    "ingest.describe.header_row": {"en": "Header row", "de": "Kopfzeile"},
    "ingest.describe.decimal": {"en": "Decimal mark", "de": "Dezimalzeichen"},
    "ingest.describe.column_decimal": {"en": "Decimal mark in '{column}'", "de": "Dezimalzeichen in '{column}'"},
    "ingest.describe.date_order": {"en": "Date order in '{column}'", "de": "Datumsreihenfolge in '{column}'"},
    "ingest.sep.comma": {"en": "comma (,)", "de": "Komma (,)"},
    "ingest.sep.semicolon": {"en": "semicolon (;)", "de": "Semikolon (;)"},
    "ingest.sep.tab": {"en": "tab", "de": "Tabulator"},
    "ingest.sep.pipe": {"en": "pipe (|)", "de": "senkrechter Strich (|)"},
    "ingest.decimal.dot": {"en": "point (1,234.5)", "de": "Punkt (1,234.5)"},
    "ingest.decimal.comma": {"en": "comma (1.234,5)", "de": "Komma (1.234,5)"},
    "ingest.order.DMY": {"en": "day.month.year", "de": "Tag.Monat.Jahr"},
    "ingest.order.MDY": {"en": "month/day/year", "de": "Monat/Tag/Jahr"},
    "ingest.order.YMD": {"en": "year-month-day (ISO)", "de": "Jahr-Monat-Tag (ISO)"},
    "ingest.order.serial": {"en": "Excel serial day numbers", "de": "Excel-Tageszahlen"},
    "ingest.order.guessed": {
        "en": "(chosen: every date in the column fits both orders)",
        "de": "(gewählt: jedes Datum der Spalte passt zu beiden Reihenfolgen)",
    },
}
