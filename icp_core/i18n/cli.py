"""Texts of the command line (icp_core/cli.py): help, reports, usage errors."""

TEXTS = {
    "cli.description": {
        "en": "ICP Workbench on the command line: import customer data and compute the figures of the dashboard.",
        "de": "ICP Workbench auf der Kommandozeile: Kundendaten importieren und die Kennzahlen des Dashboards berechnen.",
    },
    "cli.common_options": {"en": "common options", "de": "allgemeine Optionen"},
    "cli.help.db": {
        "en": "the DuckDB store (default: $ICP_DB, else ~/.icp_workbench/store.duckdb, the app's store)",
        "de": "der DuckDB-Datenspeicher (Standard: $ICP_DB, sonst ~/.icp_workbench/store.duckdb, der Speicher der App)",
    },
    "cli.help.as_of": {
        "en": "the reference date (default: the latest start or churn date not after today)",
        "de": "das Stichtagsdatum (Standard: das späteste Start- oder Kündigungsdatum bis heute)",
    },
    "cli.help.json": {"en": "print machine-readable JSON", "de": "maschinenlesbares JSON ausgeben"},
    "cli.help.lang": {"en": "language of messages (en or de)", "de": "Sprache der Meldungen (en oder de)"},
    "cli.help.table": {"en": "the canonical table", "de": "die kanonische Tabelle"},
    "cli.help.demo": {
        "en": "load the bundled sample company into the store",
        "de": "die mitgelieferte Beispielfirma in den Datenspeicher laden",
    },
    "cli.help.import": {
        "en": "read a file, map, validate and store it; print the report",
        "de": "eine Datei lesen, zuordnen, prüfen und speichern; den Bericht ausgeben",
    },
    "cli.help.file": {
        "en": "the file (CSV, TSV, XLSX, XLS, Parquet; - reads stdin)",
        "de": "die Datei (CSV, TSV, XLSX, XLS, Parquet; - liest die Standardeingabe)",
    },
    "cli.help.mapping": {
        "en": "a JSON file {\"source column\": \"field\" or null}; default: the suggested mapping",
        "de": "eine JSON-Datei {\"Quellspalte\": \"Feld\" oder null}; Standard: die vorgeschlagene Zuordnung",
    },
    "cli.help.mode": {
        "en": "replace the table (default) or append to it",
        "de": "die Tabelle ersetzen (Standard) oder anhängen",
    },
    "cli.help.sheet": {"en": "the worksheet of an Excel file", "de": "das Tabellenblatt einer Excel-Datei"},
    "cli.help.imports": {"en": "list the imports", "de": "die Importe auflisten"},
    "cli.help.undo": {
        "en": "revert one import (its rows go, what it replaced comes back)",
        "de": "einen Import rückgängig machen (seine Zeilen gehen, was er ersetzt hat, kommt zurück)",
    },
    "cli.help.import_id": {"en": "the import's id (see icp imports)", "de": "die Nummer des Imports (siehe icp imports)"},
    "cli.help.export": {
        "en": "write a table as stored (canonical names, ISO dates, . decimals)",
        "de": "eine Tabelle so ausgeben, wie sie gespeichert ist (kanonische Namen, ISO-Daten, Dezimalpunkt)",
    },
    "cli.help.format": {
        "en": "csv, parquet or json (default: from --out, else csv)",
        "de": "csv, parquet oder json (Standard: aus --out, sonst csv)",
    },
    "cli.help.out": {"en": "the file to write (default: stdout)", "de": "die zu schreibende Datei (Standard: stdout)"},
    "cli.usage": {
        "en": "{detail}; run '{prog} --help' to see the options.",
        "de": "{detail}; '{prog} --help' zeigt die Optionen.",
    },
    "cli.bad_as_of": {
        "en": "The date '{value}' is not valid; write --as-of as YYYY-MM-DD, e.g. 2024-12-31.",
        "de": "Das Datum '{value}' ist ungültig; geben Sie --as-of als JJJJ-MM-TT an, z. B. 2024-12-31.",
    },
    "cli.mapping_not_found": {
        "en": "The mapping file {path} cannot be read; check the path.",
        "de": "Die Zuordnungsdatei {path} lässt sich nicht lesen; prüfen Sie den Pfad.",
    },
    "cli.mapping_invalid": {
        "en": "The mapping file {path} is not a JSON object of \"source column\": \"field\" (or null); fix it and try again.",
        "de": "Die Zuordnungsdatei {path} ist kein JSON-Objekt aus \"Quellspalte\": \"Feld\" (oder null); korrigieren Sie sie und versuchen Sie es erneut.",
    },
    "cli.cannot_write": {
        "en": "The file {path} cannot be written ({detail}); choose another path with --out.",
        "de": "Die Datei {path} lässt sich nicht schreiben ({detail}); wählen Sie mit --out einen anderen Pfad.",
    },
    "cli.parquet_needs_out": {
        "en": "Parquet is binary; write it to a file with --out FILE.parquet.",
        "de": "Parquet ist binär; schreiben Sie es mit --out DATEI.parquet in eine Datei.",
    },
    "cli.demo_done": {
        "en": "Loaded the sample company into {location}.",
        "de": "Die Beispielfirma wurde in {location} geladen.",
    },
    "cli.import_done": {
        "en": "Imported {imported} of {read} rows into {table} (import {import_id}); {rejected} rejected.",
        "de": "{imported} von {read} Zeilen in {table} importiert (Import {import_id}); {rejected} abgelehnt.",
    },
    "cli.more_issues": {
        "en": "... and {n} more; --json lists them all.",
        "de": "... und {n} weitere; --json listet alle auf.",
    },
    "cli.undo_hint": {
        "en": "To revert this import: icp undo {import_id}",
        "de": "Um diesen Import zurückzunehmen: icp undo {import_id}",
    },
    "cli.undo_done": {
        "en": "Import {import_id} undone: {removed} rows removed from {table}, {restored} restored.",
        "de": "Import {import_id} rückgängig gemacht: {removed} Zeilen aus {table} entfernt, {restored} wiederhergestellt.",
    },
    "cli.export_done": {
        "en": "Wrote {rows} rows of {table} to {path}.",
        "de": "{rows} Zeilen von {table} nach {path} geschrieben.",
    },
    "cli.no_imports": {
        "en": "No imports yet; start with icp import FILE --table accounts or icp demo.",
        "de": "Noch keine Importe; beginnen Sie mit icp import DATEI --table accounts oder icp demo.",
    },
    "cli.undone": {"en": "(undone)", "de": "(rückgängig)"},
    "cli.yes": {"en": "yes", "de": "ja"},
    "cli.no": {"en": "no", "de": "nein"},
    "cli.col.table": {"en": "table", "de": "Tabelle"},
    "cli.col.rows": {"en": "rows", "de": "Zeilen"},
    "cli.col.row": {"en": "row", "de": "Zeile"},
    "cli.col.column": {"en": "column", "de": "Spalte"},
    "cli.col.value": {"en": "value", "de": "Wert"},
    "cli.col.reason": {"en": "reason", "de": "Grund"},
    "cli.col.import_id": {"en": "id", "de": "Nr."},
    "cli.col.file": {"en": "file", "de": "Datei"},
    "cli.col.at": {"en": "at (UTC)", "de": "Zeit (UTC)"},
    "cli.col.mode": {"en": "mode", "de": "Modus"},
    "cli.col.rows_imported": {"en": "imported", "de": "importiert"},
    "cli.col.rows_rejected": {"en": "rejected", "de": "abgelehnt"},
}
