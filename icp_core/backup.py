"""One-file backup of a whole workspace, and its exact restore.

    data = backup(store)          # bytes of a zip: manifest.json + one Parquet file per table
    restore(other_store, data)    # replaces everything in other_store, all or nothing

The zip holds every table of the store (canonical tables with their extra columns, the archives
undo needs, ``_imports``, ``_raw_files``, ``_quarantine``, ``_settings`` incl. saved ICP versions,
``_meta``) as Parquet written by DuckDB, rows in stored order, plus ``manifest.json`` naming each
table's columns with their exact DuckDB types. Restore re-creates each table with those types
and reads the Parquet back, so lists, BLOBs, dates and timestamps round-trip exactly. Restore is
one write transaction: a file that is not a backup, or any failure on the way, changes nothing.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from icp_core.errors import IcpError
from icp_core.store import Store, quote

FORMAT = "icp-workbench-backup"
VERSION = 1
MANIFEST = "manifest.json"
REQUIRED = ("_imports", "_settings")
_MEMBER = re.compile(r"^t[0-9]{1,6}\.parquet$")
# a column type from the manifest goes into CREATE TABLE: only plain DuckDB type names pass
_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*(?: WITH TIME ZONE)?(?:\([0-9]{1,3}(?:, ?[0-9]{1,3})?\))?(?:\[\])*$")
MAX_UNPACKED = 64 * 1024**3  # a zip claiming more than this is refused (zip bomb)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[list[str]]:
    return [
        [r[0], r[1]]
        for r in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def backup(store: Store) -> bytes:
    """The whole store as one zip (bytes). Reads one consistent snapshot."""
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tables": [],
    }
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="icp_backup_") as tmp, store._reading() as con:
        con.begin()  # one snapshot of every table
        try:
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for i, table in enumerate(_tables(con)):
                    member = f"t{i}.parquet"
                    path = str(Path(tmp) / member)
                    columns = _columns(con, table)
                    rows = int(con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()[0][0])
                    con.execute(
                        f"COPY (SELECT * FROM {quote(table)} ORDER BY rowid) TO '{path.replace(chr(39), chr(39) * 2)}' "
                        "(FORMAT parquet)"
                    ).fetchall()
                    zf.write(path, member)
                    manifest["tables"].append({"name": table, "file": member, "columns": columns, "rows": rows})
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        finally:
            con.rollback()
    return buffer.getvalue()


class NotABackup(IcpError):
    """The file is not a (usable) backup; the store is unchanged. The reason is translated too:
    why = a key under backup.why.* (table = the table concerned, error = DuckDB's first line)."""

    def __init__(self, why: str, **params: object) -> None:
        super().__init__("backup.not_backup", why=why, **params)

    def message(self, lang: str = "en") -> str:
        from icp_core.i18n import t

        params = {k: v for k, v in self.params.items() if k != "why"}
        return t(self.key, lang, detail=t(f"backup.why.{self.params['why']}", lang, **params))


def _fail(why: str, **params: object) -> IcpError:
    return NotABackup(why, **params)


def describe(data: bytes) -> dict[str, Any]:
    """What a backup holds: {"created", "tables", "rows", "names"}; IcpError when it is not one."""
    manifest, _zf = _open(data)
    return _summary(manifest)


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "created": manifest.get("created"),
        "tables": len(manifest["tables"]),
        "rows": sum(int(t["rows"]) for t in manifest["tables"]),
        "names": [t["name"] for t in manifest["tables"]],
    }


def _open(data: bytes) -> tuple[dict[str, Any], zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _fail("not_zip") from None
    names = set(zf.namelist())
    if MANIFEST not in names:
        raise _fail("no_manifest")
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, RuntimeError):
        raise _fail("bad_manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _fail("unknown_format")
    version = manifest.get("version")
    if not isinstance(version, int):
        raise _fail("no_version")
    if version > VERSION:
        raise IcpError("backup.newer", version=version)
    tables = manifest.get("tables")
    if not isinstance(tables, list):
        raise _fail("no_tables")
    seen: set[str] = set()
    for entry in tables:
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str) and entry["name"]
            and isinstance(entry.get("file"), str) and _MEMBER.match(entry["file"]) and entry["file"] in names
            and isinstance(entry.get("rows"), int) and entry["rows"] >= 0
            and isinstance(entry.get("columns"), list) and entry["columns"]
            and all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) and x for x in c)
                    and _TYPE.match(c[1]) for c in entry["columns"])
        )
        if not ok:
            raise _fail("bad_tables")
        if entry["name"].casefold() in seen:
            raise _fail("table_twice")
        seen.add(entry["name"].casefold())
    if not all(name in seen for name in REQUIRED):
        raise _fail("no_history")
    if sum(info.file_size for info in zf.infolist()) > MAX_UNPACKED:
        raise _fail("too_large")
    return manifest, zf


def restore(store: Store, data: bytes) -> dict[str, Any]:
    """Replace everything in store by the backup, exactly. All or nothing.

    Returns {"created", "tables", "rows", "names"}. Raises IcpError (store unchanged) when data
    is not a backup or does not match its own manifest."""
    manifest, zf = _open(data)
    entries = manifest["tables"]
    with tempfile.TemporaryDirectory(prefix="icp_restore_") as tmp:
        paths: dict[str, str] = {}
        check = duckdb.connect(":memory:")
        try:
            for entry in entries:
                path = str(Path(tmp) / entry["file"])  # our own name, never a path from the zip
                try:
                    with zf.open(entry["file"]) as src, open(path, "wb") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
                    raise _fail("damaged_file", table=entry["name"]) from None
                try:
                    described = check.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
                    rows = check.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchall()[0][0]
                except duckdb.Error:
                    raise _fail("damaged_file", table=entry["name"]) from None
                if [r[0] for r in described] != [c[0] for c in entry["columns"]] or rows != entry["rows"]:
                    raise _fail("mismatch", table=entry["name"])
                paths[entry["name"]] = path
        finally:
            check.close()
        with store._writing() as con:
            version = 0
            if "_meta" in _tables(con):
                found = con.execute("SELECT max(value) FROM _meta WHERE key = 'data_version'").fetchall()
                version = int(found[0][0] or 0)
            for table in _tables(con):
                con.execute(f"DROP TABLE {quote(table)}").fetchall()
            for entry in entries:
                name, columns = entry["name"], entry["columns"]
                try:
                    con.execute(
                        f"CREATE TABLE {quote(name)} ({', '.join(f'{quote(c)} {t}' for c, t in columns)})"
                    ).fetchall()
                    select = ", ".join(f"{quote(c)}::{t}" for c, t in columns)
                    con.execute(f"INSERT INTO {quote(name)} SELECT {select} FROM read_parquet(?)", [paths[name]]).fetchall()
                except duckdb.Error as error:
                    raise _fail("table_failed", table=name, error=str(error).splitlines()[0]) from None
            # the data version must move on, or pages would show results cached for the old data
            if "_meta" not in {e["name"] for e in entries}:
                con.execute("CREATE TABLE _meta (key VARCHAR, value BIGINT)").fetchall()
            restored = con.execute("SELECT max(value) FROM _meta WHERE key = 'data_version'").fetchall()[0][0] or 0
            con.execute("DELETE FROM _meta WHERE key = 'data_version'").fetchall()
            con.execute("INSERT INTO _meta VALUES ('data_version', ?)", [max(version, int(restored)) + 1]).fetchall()
    return _summary(manifest)


def ephemeral_reason(location: str, environ: dict | None = None, cwd: str | None = None) -> str | None:
    """Why data at location would not survive a restart: "memory" (an in-memory store), "cloud"
    (a file on Streamlit Community Cloud, whose disk is reset on every restart), or None.

    Community Cloud runs apps from a clone under /mount/src; ICP_EPHEMERAL=1 forces "cloud"
    (other hosts with a throw-away disk), ICP_EPHEMERAL=0 silences the warning."""
    import os

    from icp_core.store import is_file_location

    env = os.environ if environ is None else environ
    if location.strip().startswith(":memory:") or location.strip() == "":
        return "memory"
    if not is_file_location(location):
        return None  # md:, s3:// ...: lives elsewhere
    flag = env.get("ICP_EPHEMERAL")
    if flag in ("0", "1"):
        return "cloud" if flag == "1" else None
    here = os.getcwd() if cwd is None else cwd
    if here.startswith("/mount/src") or location.startswith("/mount/src"):
        return "cloud"
    return None


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def on_this_computer(location: str, app_url: str | None, environ: dict | None = None, cwd: str | None = None) -> bool:
    """Whether the store is a file on the computer the user's browser runs on: a lasting file
    (not in memory, not a remote database, not a throw-away Cloud disk) and the app opened at
    localhost. Anything else (a team server, an unknown address) is not "this computer"."""
    from urllib.parse import urlsplit

    from icp_core.store import is_file_location

    if not location.strip() or location.strip().startswith(":memory:") or not is_file_location(location):
        return False
    if ephemeral_reason(location, environ, cwd) is not None:
        return False
    try:
        host = (urlsplit(app_url or "").hostname or "").lower()
    except ValueError:
        return False
    return host in LOCAL_HOSTS
