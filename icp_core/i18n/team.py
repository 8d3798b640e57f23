"""Team use: workspaces, backup / restore, where the data lives, shared links, sign-in and access."""

TEXTS = {
    # ---- workspaces ----
    "workspace.label": {"en": "Workspace", "de": "Arbeitsbereich"},
    "workspace.default": {"en": "Default", "de": "Standard"},
    "workspace.manage": {"en": "Manage workspaces", "de": "Arbeitsbereiche verwalten"},
    "workspace.new_name": {"en": "New workspace name", "de": "Name des neuen Arbeitsbereichs"},
    "workspace.create": {"en": "Create", "de": "Anlegen"},
    "workspace.rename_to": {"en": "Rename this workspace to", "de": "Diesen Arbeitsbereich umbenennen in"},
    "workspace.rename": {"en": "Rename", "de": "Umbenennen"},
    "workspace.delete_confirm": {
        "en": "Type the workspace name to delete it with all its data",
        "de": "Geben Sie den Namen des Arbeitsbereichs ein, um ihn mit allen Daten zu löschen",
    },
    "workspace.delete": {"en": "Delete workspace", "de": "Arbeitsbereich löschen"},
    "workspace.delete_mismatch": {
        "en": "The name typed is not “{name}”: nothing was deleted.",
        "de": "Der eingegebene Name ist nicht „{name}“: Es wurde nichts gelöscht.",
    },
    "workspace.deleted": {"en": "Workspace {name} deleted.", "de": "Arbeitsbereich {name} gelöscht."},
    "workspace.default_note": {
        "en": "The default workspace cannot be renamed or deleted.",
        "de": "Der Standard-Arbeitsbereich kann nicht umbenannt oder gelöscht werden.",
    },
    "workspace.bad_name": {
        "en": "“{name}” cannot be a workspace name: use 1 to {max} letters, digits, spaces or dashes (no “/”, “\\” or “..”).",
        "de": "„{name}“ geht nicht als Name eines Arbeitsbereichs: 1 bis {max} Buchstaben, Ziffern, Leerzeichen oder Bindestriche (kein „/“, „\\“ oder „..“).",
    },
    "workspace.exists": {"en": "A workspace named “{name}” exists already.", "de": "Ein Arbeitsbereich „{name}“ existiert bereits."},
    "workspace.unknown": {"en": "There is no workspace “{name}”.", "de": "Es gibt keinen Arbeitsbereich „{name}“."},
    "workspace.default_fixed": {
        "en": "The default workspace cannot be renamed or deleted.",
        "de": "Der Standard-Arbeitsbereich kann nicht umbenannt oder gelöscht werden.",
    },
    "workspace.unsupported": {
        "en": "The store {location} is not a file: set ICP_WORKSPACES to a folder to use more workspaces.",
        "de": "Der Speicher {location} ist keine Datei: Setzen Sie ICP_WORKSPACES auf einen Ordner, um weitere Arbeitsbereiche zu nutzen.",
    },
    "cli.help.workspace": {
        "en": "the workspace to use (default: the default workspace); see `icp workspaces`",
        "de": "der Arbeitsbereich (Standard: der Standard-Arbeitsbereich); siehe `icp workspaces`",
    },
    "cli.help.workspaces": {"en": "list the workspaces and where each one is stored", "de": "die Arbeitsbereiche und ihre Speicherorte auflisten"},
    "cli.help.ws_create": {"en": "create a workspace with this name", "de": "einen Arbeitsbereich mit diesem Namen anlegen"},
    "cli.ws.col_slug": {"en": "Workspace", "de": "Arbeitsbereich"},
    "cli.ws.col_name": {"en": "Name", "de": "Name"},
    "cli.ws.col_location": {"en": "Location", "de": "Speicherort"},
    "cli.ws.created": {"en": "Workspace {slug} created: {location}", "de": "Arbeitsbereich {slug} angelegt: {location}"},
    # ---- where the data lives / backup ----
    "keep.title": {"en": "Keep your data", "de": "Daten sichern"},
    "keep.location": {"en": "Your data lives here:", "de": "Ihre Daten liegen hier:"},
    "keep.ephemeral_memory": {
        "en": "This store is in memory: everything is lost when the app stops. Download a backup, or set ICP_DB to a file or a MotherDuck database (md:…).",
        "de": "Dieser Speicher liegt im Arbeitsspeicher: Beim Beenden der App geht alles verloren. Laden Sie eine Sicherung herunter oder setzen Sie ICP_DB auf eine Datei oder eine MotherDuck-Datenbank (md:…).",
    },
    "keep.ephemeral_cloud": {
        "en": "This app runs on Streamlit Community Cloud, whose disk is wiped on every restart: imported data is lost. Download a backup regularly, or set ICP_DB in the app's secrets to a persistent DuckDB database such as MotherDuck (ICP_DB = \"md:my_icp\" plus motherduck_token).",
        "de": "Diese App läuft auf Streamlit Community Cloud; deren Festplatte wird bei jedem Neustart gelöscht: Importierte Daten gehen verloren. Laden Sie regelmäßig eine Sicherung herunter oder setzen Sie ICP_DB in den Secrets der App auf eine dauerhafte DuckDB-Datenbank wie MotherDuck (ICP_DB = \"md:my_icp\" plus motherduck_token).",
    },
    "keep.download": {"en": "Download backup", "de": "Sicherung herunterladen"},
    "keep.download_help": {
        "en": "One file with every table, the import history, rejected rows, the original files and the settings.",
        "de": "Eine Datei mit allen Tabellen, dem Importverlauf, abgelehnten Zeilen, den Originaldateien und den Einstellungen.",
    },
    "keep.restore": {"en": "Restore a backup into this workspace", "de": "Sicherung in diesen Arbeitsbereich zurückspielen"},
    "keep.restore_warn": {
        "en": "Restoring replaces everything in the workspace “{name}” with the backup.",
        "de": "Das Zurückspielen ersetzt alles im Arbeitsbereich „{name}“ durch die Sicherung.",
    },
    "keep.restore_button": {"en": "Replace with the backup", "de": "Durch die Sicherung ersetzen"},
    "keep.restored": {"en": "Backup restored: {tables} tables, {rows} rows.", "de": "Sicherung zurückgespielt: {tables} Tabellen, {rows} Zeilen."},
    "backup.not_backup": {
        "en": "This file is not an ICP Workbench backup ({detail}). Nothing was changed.",
        "de": "Diese Datei ist keine Sicherung der ICP Workbench ({detail}). Es wurde nichts geändert.",
    },
    "backup.why.not_zip": {"en": "not a zip file", "de": "keine ZIP-Datei"},
    "backup.why.no_manifest": {"en": "no manifest.json", "de": "keine manifest.json"},
    "backup.why.bad_manifest": {"en": "manifest.json unreadable", "de": "manifest.json nicht lesbar"},
    "backup.why.unknown_format": {"en": "unknown format", "de": "unbekanntes Format"},
    "backup.why.no_version": {"en": "no format version", "de": "keine Formatversion"},
    "backup.why.no_tables": {"en": "no table list", "de": "keine Tabellenliste"},
    "backup.why.bad_tables": {"en": "damaged table list", "de": "beschädigte Tabellenliste"},
    "backup.why.table_twice": {"en": "a table appears twice", "de": "eine Tabelle kommt doppelt vor"},
    "backup.why.no_history": {"en": "no import history", "de": "kein Importverlauf"},
    "backup.why.too_large": {"en": "too large when unpacked", "de": "entpackt zu groß"},
    "backup.why.damaged_file": {"en": "the file of table {table} is damaged", "de": "die Datei der Tabelle {table} ist beschädigt"},
    "backup.why.mismatch": {
        "en": "the file of table {table} does not match the manifest",
        "de": "die Datei der Tabelle {table} passt nicht zum Manifest",
    },
    "backup.why.table_failed": {"en": "table {table}: {error}", "de": "Tabelle {table}: {error}"},
    "backup.newer": {
        "en": "This backup was written by a newer version (format {version}). Nothing was changed.",
        "de": "Diese Sicherung stammt von einer neueren Version (Format {version}). Es wurde nichts geändert.",
    },
    "cli.help.backup": {"en": "write the whole workspace to one backup file", "de": "den ganzen Arbeitsbereich in eine Sicherungsdatei schreiben"},
    "cli.help.restore": {
        "en": "replace the workspace's data with a backup file (all or nothing)",
        "de": "die Daten des Arbeitsbereichs durch eine Sicherungsdatei ersetzen (ganz oder gar nicht)",
    },
    "cli.help.backup_out": {"en": "the backup file to write (.zip)", "de": "die zu schreibende Sicherungsdatei (.zip)"},
    "cli.help.backup_file": {"en": "the backup file to restore", "de": "die zurückzuspielende Sicherungsdatei"},
    "cli.backup.written": {"en": "Backup written: {path} ({tables} tables, {rows} rows)", "de": "Sicherung geschrieben: {path} ({tables} Tabellen, {rows} Zeilen)"},
    "cli.backup.restored": {"en": "Backup restored: {tables} tables, {rows} rows", "de": "Sicherung zurückgespielt: {tables} Tabellen, {rows} Zeilen"},
    "cli.backup.cannot_read": {"en": "Cannot read {path}: {detail}", "de": "{path} kann nicht gelesen werden: {detail}"},
    # ---- shared links ----
    "link.title": {"en": "Link to this view", "de": "Link zu dieser Ansicht"},
    "link.note": {
        "en": "Copy this link (icon on the right) to share this page with the same choices.",
        "de": "Kopieren Sie diesen Link (Symbol rechts), um diese Seite mit denselben Einstellungen zu teilen.",
    },
    "link.note_query": {
        "en": "Append this to the app's address to share this page with the same choices.",
        "de": "Hängen Sie dies an die Adresse der App an, um diese Seite mit denselben Einstellungen zu teilen.",
    },
    # ---- sign-in and access ----
    "access.title": {"en": "Sign in to ICP Workbench", "de": "Bei der ICP Workbench anmelden"},
    "access.explain": {
        "en": "This installation holds confidential customer data. Sign in with your company account to continue.",
        "de": "Diese Installation enthält vertrauliche Kundendaten. Melden Sie sich mit Ihrem Firmenkonto an, um fortzufahren.",
    },
    "access.sign_in": {"en": "Sign in", "de": "Anmelden"},
    "access.sign_out": {"en": "Sign out", "de": "Abmelden"},
    "access.signed_in_as": {"en": "Signed in as {name}", "de": "Angemeldet als {name}"},
    "access.denied": {
        "en": "{email} is not allowed to use this installation. Ask its owner to add your address, or sign in with another account.",
        "de": "{email} darf diese Installation nicht nutzen. Bitten Sie den Betreiber, Ihre Adresse freizuschalten, oder melden Sie sich mit einem anderen Konto an.",
    },
    "access.misconfigured": {
        "en": "Access lists are set in the secrets ([access]) but sign-in is not ([auth]): nobody can be let in until [auth] is configured.",
        "de": "In den Secrets sind Zugriffslisten gesetzt ([access]), aber keine Anmeldung ([auth]): Niemand kann eingelassen werden, bis [auth] eingerichtet ist.",
    },
    "access.no_authlib": {
        "en": "Sign-in needs the package Authlib, which is not installed (uv add authlib).",
        "de": "Die Anmeldung braucht das Paket Authlib, das nicht installiert ist (uv add authlib).",
    },
    "access.unknown_user": {"en": "this account", "de": "Dieses Konto"},
}
