"""Messages of the store (icp_core/store.py): where data lives, history, undo, locking."""

TEXTS = {
    "issue.duplicate_key_in_store": {
        "en": "{field} '{value}' is already in the store, so this row was skipped; import with mode replace to load the whole file anew.",
        "de": "{field} '{value}' ist bereits im Datenspeicher, daher wurde diese Zeile übersprungen; importieren Sie im Modus replace, um die ganze Datei neu zu laden.",
    },
    "issue.duplicate_key_in_frame": {
        "en": "{field} '{value}' appears more than once; the first row was kept and this one skipped.",
        "de": "{field} '{value}' kommt mehrfach vor; die erste Zeile wurde übernommen, diese übersprungen.",
    },
    "store.busy": {
        "en": "The store {location} is in use by another program (e.g. the dashboard). Close it or try again in a moment.",
        "de": "Der Datenspeicher {location} wird von einem anderen Programm benutzt (z. B. dem Dashboard). Schließen Sie es oder versuchen Sie es gleich noch einmal.",
    },
    "store.read_only": {
        "en": "The store {location} is open read-only; open it without read-only to change its data.",
        "de": "Der Datenspeicher {location} ist nur zum Lesen geöffnet; öffnen Sie ihn ohne Schreibschutz, um Daten zu ändern.",
    },
    "store.not_found": {
        "en": "There is no store at {location}; check the path or import a file first to create it.",
        "de": "Unter {location} gibt es keinen Datenspeicher; prüfen Sie den Pfad oder importieren Sie zuerst eine Datei, um ihn anzulegen.",
    },
    "store.cannot_open": {
        "en": "The store {location} cannot be opened ({detail}); check the path or choose another store with --db or ICP_DB.",
        "de": "Der Datenspeicher {location} lässt sich nicht öffnen ({detail}); prüfen Sie den Pfad oder wählen Sie mit --db oder ICP_DB einen anderen.",
    },
    "store.cannot_write": {
        "en": "The store {location} could not save the change ({detail}); nothing of it was stored. Free disk space or check the folder's permissions, then try again.",
        "de": "Der Datenspeicher {location} konnte die Änderung nicht speichern ({detail}); nichts davon wurde gespeichert. Geben Sie Speicherplatz frei oder prüfen Sie die Rechte des Ordners und versuchen Sie es erneut.",
    },
    "store.corrupt": {
        "en": "The store {location} is damaged ({detail}); restore it from a backup or choose another store with --db or ICP_DB. Other stores are not affected.",
        "de": "Der Datenspeicher {location} ist beschädigt ({detail}); stellen Sie ihn aus einer Sicherung wieder her oder wählen Sie mit --db oder ICP_DB einen anderen. Andere Datenspeicher sind nicht betroffen.",
    },
    "store.unknown_import": {
        "en": "There is no import with id {import_id}; list the imports to see the valid ids.",
        "de": "Es gibt keinen Import mit der Nummer {import_id}; lassen Sie sich die Importe anzeigen, um die gültigen Nummern zu sehen.",
    },
    "store.already_undone": {
        "en": "Import {import_id} has already been undone; there is nothing left to revert.",
        "de": "Import {import_id} wurde bereits rückgängig gemacht; es gibt nichts mehr zurückzunehmen.",
    },
    "store.bad_mode": {
        "en": "The import mode '{mode}' is unknown; use one of: {modes}.",
        "de": "Der Importmodus '{mode}' ist unbekannt; verwenden Sie einen von: {modes}.",
    },
    "store.no_data": {
        "en": "The table '{table}' holds no data yet; import a file into it first.",
        "de": "Die Tabelle '{table}' enthält noch keine Daten; importieren Sie zuerst eine Datei hinein.",
    },
}
