"""The DuckDB store: where imported data lives, with its history, quarantine and undo.

    store = Store()                                   # resolve_location(): --db > ICP_DB > secrets > ~/.icp_workbench
    result = store.import_file("crm.csv", "accounts") # read, map, validate, store: one transaction
    store.imports()                                   # the history, newest first
    store.undo(result.import_id)                      # deletes its rows, restores what it replaced

Layout inside the DuckDB database:
- canonical tables (``schema.TABLES``), created on their first import, with the columns of
  ``schema.stored_fields(table)``, extra columns (VARCHAR) added as imports bring them, and an
  internal ``_import_id`` column (never exported);
- ``_imports`` (the history), ``_raw_files`` (every uploaded file, byte for byte; from
  ``RAW_COMPRESS_FROM`` on kept as a zstd frame, or an LZ4 frame in stores written before,
  named in its ``codec`` column),
  ``_quarantine`` (rejected rows and invalid values), ``_settings`` (JSON values, e.g. saved
  mappings), ``_meta`` (the data version) and ``_archive_<table>`` (rows a replace or clear moved
  aside, tagged ``_replaced_by``, so undo restores them exactly);
- derived tables, a pure function of a canonical table, rewritten in the same transaction as every
  write that changes it (import, undo, clear): ``_market_tools`` (the distinct tools of
  ``market.tech_stack``, so the Market page's tool filters compare a few spellings instead of
  lower-casing every company's list on every query) and ``_market_index`` /
  ``_market_index_codes`` (``market.write_index``: the market's filter columns as codes and a
  tool bit mask, sorted so a SAM skips most row groups). Absent when the canonical table is.

Connections and concurrency. DuckDB lets one process at a time open a database file (even
reading takes the lock while another process writes). So a *file* store never keeps a
connection open on its own: every method opens one and closes it, and ``cursor()`` hands out a
fresh connection that holds the file only while the caller keeps it (a page keeps it for one
script run; ``Store.holding()`` keeps one more for a block, so the run's reads reuse the open
database). An idle dashboard therefore never blocks the command line. Every write takes a
file lock (``<db>.lock``) first, then opens the database, retrying while another process holds
it, for up to ``timeout`` seconds; after that it raises ``StoreBusy``. In-memory and remote
(``md:``) stores keep one connection for the Store's lifetime (closing it would lose them).
Within one process, do not open the same file once read-only and once read-write (DuckDB
refuses mixed configurations).

Every write is one transaction: a failure anywhere leaves every table exactly as before.
The archive of replaced rows grows with every replace; it is what makes undo exact.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
from filelock import FileLock, Timeout

from icp_core import ingest, schema
from icp_core.lazy import lazy_module
from icp_core.errors import IcpError, StoreBusy
from icp_core.ingest.model import Issue
from icp_core.metrics_common import THIS_SCHEMA  # the catalog query's filter (why: there)

pl = lazy_module("polars")  # imported on first use: the first page reads the store with DuckDB alone

ENV_VAR = "ICP_DB"
DEFAULT_TIMEOUT = 30.0
SAMPLE_PREFIX = "sample:"  # file names of the sample company's imports
IMPORT_ID = "_import_id"
REPLACED_BY = "_replaced_by"
ARCHIVE_PREFIX = "_archive_"
MODES = ("replace", "append")
INTERNAL_TABLES = ("_meta", "_imports", "_raw_files", "_quarantine", "_settings")
RAW_COMPRESS_FROM = 1 << 20  # raw files from this size on are kept compressed (codec 'zstd'; older: 'lz4')
MARKET_TOOLS = "_market_tools"  # derived: the distinct tools of market.tech_stack (see _derive)
MARKET_INDEX = "_market_index"  # derived: the market's filter columns, coded and sorted (market.write_index)
MARKET_INDEX_CODES = "_market_index_codes"  # derived: MARKET_INDEX's codes, tool bits and source rows
FILL_COUNTS = "_fill_counts"  # derived: rows and filled rows per field of each canonical table (health.py)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")  # md:, motherduck:, s3:// ...
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")

_DDL = (
    "CREATE TABLE IF NOT EXISTS _meta (key VARCHAR, value BIGINT)",
    "CREATE TABLE IF NOT EXISTS _imports (import_id INTEGER, table_name VARCHAR, file_name VARCHAR, "
    'sha256 VARCHAR, "at" TIMESTAMP, '
    " mode VARCHAR, mapping VARCHAR, rows_read BIGINT, rows_imported BIGINT, "
    "rows_rejected BIGINT, undone BOOLEAN, undone_at TIMESTAMP, detected VARCHAR, created_table BOOLEAN, "
    "added_columns VARCHAR, extra_columns VARCHAR)",
    # content: stored as it comes (packed by _pack_raw, or an XLSX / Parquet file, already compressed);
    # DuckDB's own compression would spend ~0.8 s of CPU at the checkpoint squeezing a million-row
    # CSV's compressed frame (an LZ4 frame: 55 -> 44 MB). Stores created before keep their column as it was.
    "CREATE TABLE IF NOT EXISTS _raw_files (import_id INTEGER, content BLOB USING COMPRESSION uncompressed, "
    "codec VARCHAR)",
    'CREATE TABLE IF NOT EXISTS _quarantine (import_id INTEGER, "row" BIGINT, "column" VARCHAR, value VARCHAR, '
    "reason VARCHAR, params VARCHAR)",
    "CREATE TABLE IF NOT EXISTS _settings (key VARCHAR, value VARCHAR)",
)

def quote(name: str) -> str:
    """A SQL identifier, quoted: column names come from users' files."""
    return '"' + name.replace('"', '""') + '"'


MEMORY_ENV = "ICP_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "128MB"
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def memory_limit() -> str | None:
    """DuckDB's memory for a file store: env ICP_MEMORY_LIMIT (a root-level secret on Streamlit
    Cloud becomes one), else 128MB; "none" leaves DuckDB's default (80% of the machine).

    The smallest Cloud app has ~690 MB for everything; DuckDB's buffer pool alone took ~570 MB
    matching 5M market rows, and spills to disk below the limit at about the same speed. With
    the libraries (~300 MB) and the pages' caches, 256MB left the server at 719-733 MB after
    every page at 1M accounts + 5M market; 128MB: 671-675 MB, first computations 0-18% slower,
    cached ones the same (docs/BENCHMARKS.md, 2026-12-05).

    >>> memory_limit() if "ICP_MEMORY_LIMIT" not in os.environ else "128MB"
    '128MB'
    """
    value = os.environ.get(MEMORY_ENV, "").strip()
    if value.lower() in ("none", "default", "0"):
        return None
    return value if _MEMORY_LIMIT.match(value) else DEFAULT_MEMORY_LIMIT


def release_memory(cur: duckdb.DuckDBPyConnection) -> None:
    """Hand back to the system the memory DuckDB's allocator keeps after a heavy read (issue 9:
    at 1M accounts ~170 MB stayed in RSS after a query that itself needed far less), and the
    pages pyarrow's allocator keeps (the server's peak at 1M accounts: 687-694 -> 653-674 MB).
    Setting the memory limit makes DuckDB flush its allocator; it is set to what ``Store`` gives a reading
    connection (``store.memory_limit()`` for a file, DuckDB's default otherwise), so nothing else
    changes. About 1 ms."""
    path = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    limit = memory_limit() if path else None
    cur.execute(f"SET memory_limit = '{limit}'" if limit else "RESET memory_limit")  # validated by memory_limit()
    arrow = sys.modules.get("pyarrow")  # not imported for it: a process without pyarrow has no pool to empty
    if arrow is not None:
        # pyarrow's allocator (mimalloc) keeps freed pages too: 35 MB after the backtest at 1M accounts
        arrow.default_memory_pool().release_unused()


# Row groups of half DuckDB's default size (122,880 rows). DuckDB writes an insert straight into
# the file, compressed, only from one row group on; a smaller one goes whole into the write-ahead
# log at the commit and is compressed again by the checkpoint that follows. A 100,000-row workbook
# then stores in ~0.14 s instead of ~0.26 s (-90 ms for the whole import); a million accounts
# store as fast, query as fast and take 3 % more room. The size is an option of ATTACH, not of
# the file: every connection attaches the file (see _connect).
ROW_GROUP_SIZE = 61_440
STORE_CATALOG = "store"  # the name the file is attached under (the connections' default database)


def _connect(location: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the store file, attached with ROW_GROUP_SIZE.

    The file is attached to a named in-memory database, one per file and mode. DuckDB keeps one
    instance per name while a connection to it is open, as it does for a file opened directly:
    the connections of this process share the open file, and the last one to close checkpoints
    and releases it. Spilled data goes beside the file (``<db>.tmp``), as for a file opened directly.

    >>> con = _connect("/tmp/crm.duckdb")
    >>> con.execute("SELECT current_database()").fetchone()
    ('store',)
    """
    path = os.path.abspath(location)
    name = ":memory:icp_" + hashlib.sha256(f"{path}\0{read_only}".encode()).hexdigest()[:24]
    con = duckdb.connect(name, config={"temp_directory": path + ".tmp"})
    try:
        options = f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}" + (", READ_ONLY" if read_only else "")
        con.execute(f"ATTACH IF NOT EXISTS ? AS {STORE_CATALOG} ({options})", [path])
        con.execute(f"USE {STORE_CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def default_location() -> str:
    folder = Path.home() / ".icp_workbench"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "store.duckdb")


def resolve_location(explicit: str | None = None, secrets: Mapping | None = None) -> str:
    """Where the store lives: explicit (--db) > env ICP_DB > secrets["ICP_DB"] > ~/.icp_workbench/store.duckdb.

    Any DuckDB connection string (":memory:", "md:my_db", a path) passes through untouched,
    except that a leading "~" is expanded to the home folder.

    >>> resolve_location(":memory:")
    ':memory:'
    """
    for candidate in (explicit, os.environ.get(ENV_VAR), _secret(secrets)):
        if candidate is not None and str(candidate).strip():
            location = str(candidate).strip()
            return os.path.expanduser(location) if location.startswith("~") else location
    return default_location()


def _secret(secrets: Mapping | None) -> str | None:
    if secrets is None:
        return None
    try:  # st.secrets raises when no secrets file exists
        value = secrets.get(ENV_VAR) if hasattr(secrets, "get") else secrets[ENV_VAR]
    except Exception:
        return None
    return None if value is None else str(value)


def is_file_location(location: str) -> bool:
    """True for a database file on disk (not ":memory:", not a remote "md:" connection string)."""
    if location.startswith(":memory:") or location == "":
        return False
    if _WINDOWS_DRIVE.match(location):
        return True
    return not _SCHEME.match(location)


def tables_digest() -> str:
    """sha256 of the definitions of the store's own tables: a store file made by code with another
    digest may lack what this code expects (see icp_core.sample.prebuilt_store)."""
    return hashlib.sha256("\n".join(_DDL).encode()).hexdigest()


def create_from_template(location: str, template: str | Path) -> bool:
    """Make the store file `location` a copy of the store file `template` when there is no file
    there yet; the copy's import history is dated from now on (its imports keep their order and
    spacing). Returns whether it made the file.

    Copying is ~0.05 s where filling a new store takes ~0.8 s (the sample company on first launch).
    Nothing is made for a location that is not a file, a file that exists, a folder that does not
    exist, a store busy past the timeout, or a template that does not open: the caller goes on the
    usual way. The copy is made under the store's lock and appears whole (renamed into place).

    >>> create_from_template(":memory:", "sample_data/sample_store.duckdb")
    False
    """
    location = resolve_location(location)
    path = Path(location)
    if not is_file_location(location) or path.exists() or not path.parent.is_dir():
        return False
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.template-copy")
    try:
        with FileLock(location + ".lock", thread_local=False, timeout=DEFAULT_TIMEOUT):
            if path.exists():  # made by another thread or process while this one waited
                return False
            shutil.copyfile(template, partial)
            con = duckdb.connect(str(partial))
            try:
                _exec(con, 'UPDATE _imports SET "at" = ? + ("at" - (SELECT min("at") FROM _imports))', [_now()])
            finally:
                con.close()
            os.replace(partial, path)
    except (OSError, duckdb.Error, Timeout):
        return False
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return True


@dataclass
class ImportResult:
    """What an import did; ``as_dict(lang)`` is the CLI's --json shape."""

    import_id: int
    table: str
    mode: str
    file_name: str | None
    rows_read: int
    rows_imported: int
    rows_rejected: int
    issues: list[Any] = field(default_factory=list)  # icp_core.ingest.Issue

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "table": self.table,
            "import_id": self.import_id,
            "mode": self.mode,
            "file": self.file_name,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_rejected": self.rows_rejected,
            "issues": [
                {"row": i.row, "column": i.column, "value": i.value, "reason": i.text(lang), "reason_key": i.reason}
                for i in self.issues
            ],
        }


def _issue(row: int, column: str, raw: str | None, reason: str, params: dict[str, Any]) -> Issue:
    return Issue(row, column, raw, reason, params)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # stored as UTC


def _json(value: Any) -> str:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_lock_conflict(error: Exception) -> bool:
    """DuckDB's "Could not set lock on file ...: Conflicting lock is held in ..." (another process has it)."""
    text = str(error).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _corrupt(location: str, error: Exception) -> IcpError | None:
    """The clear error for DuckDB's "Corrupt database file ..." (damage found while reading a block), else None."""
    if isinstance(error, duckdb.Error) and "corrupt database file" in str(error).lower():
        return IcpError("store.corrupt", location=location, detail=str(error).splitlines()[0][:160])
    return None


def _write_failed(location: str, error: BaseException) -> IcpError | None:
    """The clear error for a write the disk refused (full, read-only, I/O error), else None."""
    if not isinstance(error, duckdb.Error):
        return None
    text = str(error)
    lowered = text.lower()
    if isinstance(error, duckdb.IOException) or any(
        s in lowered for s in ("no space left", "could not write", "read-only file system", "permission denied")
    ):
        return IcpError("store.cannot_write", location=location, detail=text.splitlines()[0][:200])
    return None


def _check_table(table: str) -> None:
    if table not in schema.TABLES:
        raise IcpError("error.unknown_table", table=table, tables=", ".join(schema.TABLES))


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Run a statement and read its result to the end (DuckDB 2 refuses new work while a result is open)."""
    return con.execute(sql, params or []).fetchall()


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params or None).pl()


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    rows = _exec(con, f"SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND {THIS_SCHEMA}", [table])
    return bool(rows[0][0])


def _tables_present(con: duckdb.DuckDBPyConnection, names: list[str]) -> set[str]:
    """Which of `names` are tables of the store (one query)."""
    rows = _exec(con, f"SELECT table_name FROM duckdb_tables() WHERE {THIS_SCHEMA} AND list_contains(?, table_name)", [names])
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a table's columns in order."""
    return [
        (r[0], r[1])
        for r in _exec(
            con,
            f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND {THIS_SCHEMA} "
            "ORDER BY column_index",
            [table],
        )
    ]


_REBUILD_AT = 32  # adding / dropping this many columns at once rebuilds the table in one statement


def _rebuild(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """Replace a table by ``SELECT {select} FROM table`` (rows in their order), in the open transaction."""
    new = "_rebuild_" + table
    _exec(con, f"CREATE TABLE {quote(new)} AS SELECT {select} FROM {quote(table)} ORDER BY rowid")
    _exec(con, f"DROP TABLE {quote(table)}")
    _exec(con, f"ALTER TABLE {quote(new)} RENAME TO {quote(table)}")


def _add_columns(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> None:
    """Add (name, DuckDB type) columns. Inside a transaction DuckDB keeps a version of the table per
    ALTER, so thousands of ALTERs take GBs: many columns are added by one rebuild instead."""
    if len(columns) < _REBUILD_AT:
        for name, dtype in columns:
            _exec(con, f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {dtype}")
    else:
        _rebuild(con, table, "*, " + ", ".join(f"NULL::{dtype} AS {quote(name)}" for name, dtype in columns))


def _drop_columns(con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> None:
    if len(names) < _REBUILD_AT:
        for name in names:
            _exec(con, f"ALTER TABLE {quote(table)} DROP COLUMN {quote(name)}")
    else:
        dropped = set(names)
        _rebuild(con, table, ", ".join(quote(c) for c, _ in _columns(con, table) if c not in dropped))


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(_exec(con, f"SELECT count(*) FROM {quote(table)}")[0][0])


def _raw_codec_column(con: duckdb.DuckDBPyConnection) -> None:
    """Give ``_raw_files`` its codec column (NULL = the bytes as uploaded) when it lacks one: a
    store written by an older version, or restored from an older backup."""
    if "codec" not in {c for c, _ in _columns(con, "_raw_files")}:
        _exec(con, "ALTER TABLE _raw_files ADD COLUMN codec VARCHAR")


RAW_CODECS = ("zstd", "lz4")  # what _unpack_raw reads; _pack_raw writes the first one available


def _pack_raw(content: bytes) -> tuple[bytes, str | None]:
    """(stored bytes, codec) of a raw file. Large files are compressed as a zstd frame at level 1
    (codec 'zstd'): storing the 124 MB of a million-row CSV as it is costs DuckDB about 1 s of CPU
    at the commit. Stores written before keep theirs as LZ4 frames (codec 'lz4', 55 MB for that
    CSV); zstd takes about as long to pack (~0.27 s, on the second core while the file is parsed)
    and makes 33 MB, which DuckDB stores and checkpoints ~0.14 s sooner."""
    if len(content) < RAW_COMPRESS_FROM or content[:4] in (b"PK\x03\x04", b"PAR1"):
        return content, None  # small, or already compressed (XLSX is a zip, Parquet has its codec)
    import pyarrow as pa

    for codec in RAW_CODECS:
        if pa.Codec.is_available(codec):  # both are in the pyarrow wheels
            level = 1 if codec == "zstd" else None
            return pa.Codec(codec, compression_level=level).compress(content, asbytes=True), codec
    return content, None  # pragma: no cover


_RAW_STORED = object()  # Store._store's `packed` when import_file has inserted the raw file already


def _mapping_for(raw: Any, table: str, mapping: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The mapping given, or the suggested one when none is given (an empty one is a choice too)."""
    return dict(ingest.suggest_mapping(raw.columns, table) if mapping is None else mapping)


def _next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(_exec(con, "SELECT coalesce(max(import_id), 0) + 1 FROM _imports")[0][0])


def _insert_raw(con: duckdb.DuckDBPyConnection, import_id: int, packed: Future | tuple[bytes, str | None]) -> None:
    """Keep an import's raw file (packed by _pack_raw; a Future of it is waited for)."""
    _raw_codec_column(con)
    stored, codec = packed.result() if isinstance(packed, Future) else packed
    _exec(con, "INSERT INTO _raw_files (import_id, content, codec) VALUES (?, ?, ?)", [import_id, stored, codec])


def _unpack_raw(stored: bytes, codec: str | None) -> bytes:
    if codec is None:
        return stored
    if codec not in RAW_CODECS:
        raise IcpError("store.cannot_open", location="_raw_files", detail=f"unknown codec {codec}")
    import pyarrow as pa

    with pa.CompressedInputStream(pa.BufferReader(stored), codec) as stream:
        return stream.read()


# DuckDB's trim() removes exactly the Unicode space separators (category Zs), not tabs or line ends
_TRIMMED = "".join(map(chr, (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)))


# a value that starts with a space separator (or is empty) is the only kind trim() can empty
_MAYBE_BLANK = "^(?:$|[" + "".join(f"\\x{{{ord(c):X}}}" for c in _TRIMMED) + "])"


def _frame_fill_counts(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame
) -> tuple[int, dict[str, int]] | None:
    """``health.table_fill_counts`` of a table that holds exactly ``frame``'s rows (a replace),
    counted on the frame in hand instead of scanning the stored table again; None when a column
    is not of the exact type it is stored as (DuckDB would cast it: then the table is counted)."""
    return _count_frame_fills(table, frame, {c for c, _ in _columns(con, table)})


def _count_frame_fills(table: str, frame: pl.DataFrame, present: set[str]) -> tuple[int, dict[str, int]] | None:
    """``_frame_fill_counts`` once the table's columns are known (polars only: it can run on
    another thread while DuckDB inserts the frame)."""
    fields = [f for f in schema.stored_fields(table) if f.name in present]
    exprs = []
    for f in fields:
        if f.name not in frame.columns:
            exprs.append(pl.lit(0, dtype=pl.UInt32).alias(f.name))  # stored as NULL: counted by nothing
            continue
        if frame.schema[f.name] != ingest.POLARS_TYPES[f.type]:
            return None
        col = pl.col(f.name)
        if f.type == "list":
            exprs.append((col.list.len() > 0).sum().alias(f.name))
        elif schema.DUCKDB_TYPES[f.type] == "VARCHAR":
            # trim(col) <> '': a value with a character that is not a space separator. Only a value
            # that is empty or starts with one can fail that, so only those are trimmed.
            maybe_blank = col.filter(col.str.contains(_MAYBE_BLANK))
            exprs.append((col.count() - (maybe_blank.str.strip_chars(_TRIMMED) == "").sum()).alias(f.name))
        else:
            exprs.append(col.count().alias(f.name))
    if frame.height == 0:
        return 0, {}
    counts = frame.select(exprs).row(0) if exprs else ()
    return frame.height, {f.name: int(n) for f, n in zip(fields, counts)}


def _derive_fill_counts(
    con: duckdb.DuckDBPyConnection, table: str, counted: tuple[int, dict[str, int]] | None = None
) -> None:
    """Recount ``table`` into FILL_COUNTS (field NULL: the row count). The home page's data health
    reads them on every start; counting a 5,000,000-row market there took seconds. ``counted``:
    the counts already known (``_frame_fill_counts`` of a replace), stored as they are."""
    from icp_core.health import table_fill_counts  # health defines "filled"; it imports no store code

    _exec(con, f"CREATE TABLE IF NOT EXISTS {FILL_COUNTS} (table_name VARCHAR, field VARCHAR, filled BIGINT)")
    _exec(con, f"DELETE FROM {FILL_COUNTS} WHERE table_name = ?", [table])
    if not _table_exists(con, table):
        return
    rows, filled = counted if counted is not None else table_fill_counts(con, table)
    # one statement (executemany runs one per row: ~1.5 ms each, ~40 ms for a wide table)
    _exec(
        con,
        f"INSERT INTO {FILL_COUNTS} SELECT ?, unnest(?::VARCHAR[]), unnest(?::BIGINT[])",
        [table, [None, *filled], [rows, *filled.values()]],
    )


def _fill_counts_missing(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The canonical tables present whose counts FILL_COUNTS lacks (all of them in an older store)."""
    found = _tables_present(con, [*schema.TABLES, FILL_COUNTS])  # one catalog query, not one per table
    present = [name for name in schema.TABLES if name in found]
    if not present:
        return []
    if FILL_COUNTS not in found:
        return present
    counted = {r[0] for r in _exec(con, f"SELECT DISTINCT table_name FROM {FILL_COUNTS} WHERE field IS NULL")}
    return [name for name in present if name not in counted]


def _fill_counts_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Do the kept counts belong to the current data version? (A restore or an older store: no.)"""
    if not _table_exists(con, "_meta"):
        return True
    stamp, version = _exec(
        con,
        "SELECT (SELECT max(value) FROM _meta WHERE key = 'fill_counts_version'), "
        "(SELECT max(value) FROM _meta WHERE key = 'data_version')",
    )[0]
    return version is None or stamp == version


def _stamp_fill_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Count what is missing, then mark the counts as those of the current data version (called
    in the write transaction, after the version moved on)."""
    for name in _fill_counts_missing(con):
        _derive_fill_counts(con, name)
    _exec(con, "DELETE FROM _meta WHERE key = 'fill_counts_version'")
    _exec(con, "INSERT INTO _meta SELECT 'fill_counts_version', max(value) FROM _meta WHERE key = 'data_version'")


def _derive(
    con: duckdb.DuckDBPyConnection, table: str, counted: tuple[int, dict[str, int]] | None = None
) -> None:
    """Rewrite the derived tables of ``table`` (in the open write transaction) after it changed."""
    _derive_fill_counts(con, table, counted)
    if table != "market":
        return
    if not _table_exists(con, "market") or "tech_stack" not in {c for c, _ in _columns(con, "market")}:
        _exec(con, f"DROP TABLE IF EXISTS {MARKET_TOOLS}")
    else:
        _exec(
            con,
            f"CREATE OR REPLACE TABLE {MARKET_TOOLS} AS SELECT tool FROM "
            "(SELECT DISTINCT unnest(tech_stack) AS tool FROM market) WHERE tool IS NOT NULL ORDER BY tool",
        )
    from icp_core.market import write_index  # market defines the index; imported here, not at the top

    write_index(con)  # MARKET_INDEX and MARKET_INDEX_CODES (reads MARKET_TOOLS, written above)


class Store:
    """A DuckDB store of canonical tables with import history, quarantine and undo.

    >>> store = Store(":memory:")
    >>> store.load_frame("accounts", pl.DataFrame({"account_id": ["A1", "A2"]})).rows_imported
    2
    >>> store.tables()
    {'accounts': 2}
    """

    def __init__(self, location: str | None = None, read_only: bool = False, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.location = resolve_location(location)
        self.read_only = read_only
        self.timeout = timeout
        self.is_file = is_file_location(self.location)
        self._mutex = threading.RLock()  # threads of this process write one at a time
        self._lock = FileLock(self.location + ".lock", thread_local=False) if self.is_file else None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._batch = threading.local()  # .con: this thread's open batch() transaction
        # small reads (data version, settings) remembered while the file is unchanged: opening a
        # file store for one value costs ~20 ms, and a page rerun asks for them a dozen times
        self._memo: tuple[tuple, dict] | None = None
        if self.is_file and read_only and not Path(self.location).exists():
            raise IcpError("store.not_found", location=self.location)
        if not self.is_file:
            self._con = self._open(time.monotonic() + self.timeout)
        if not read_only:
            # (not in a holding() block: the write below would wait for the lock with the file held)
            self._ensure_schema()

    def _ensure_schema(self) -> None:
        """Create what a new store lacks, and bring an older one up to date."""
        path = Path(self.location) if self.is_file else None
        if path is not None and path.parent.is_dir() and not path.exists():
            # a new file: nothing to read first (the file is opened once less: ~15 ms); a folder
            # that is not there is refused by the read below, before the lock file would make it
            ready, derived, codec, counted = False, True, False, False
        else:
            ready, derived, codec, counted = self._schema_state()
        if not ready or not derived or not codec or not counted:
            with self._writing() as con:
                for ddl in _DDL:
                    _exec(con, ddl)
                _raw_codec_column(con)  # a store written before raw files were compressed
                if not derived:
                    _derive(con, "market")  # a store written before the derived table existed
                if not counted:  # an older store, or one restored from a backup
                    _exec(con, f"DROP TABLE IF EXISTS {FILL_COUNTS}")
                    _stamp_fill_counts(con)

    def _schema_state(self) -> tuple[bool, bool, bool, bool]:
        """(internal tables all there, market tools derived, raw files have a codec column, fill
        counts current) of the store as it is."""
        with self._reading() as con:
            # the tables present, read once (as _table_exists asks, one query for each: ~2 ms apiece)
            present = {r[0] for r in _exec(
                con, f"SELECT table_name FROM duckdb_tables() WHERE {THIS_SCHEMA}")}
            ready = all(t in present for t in INTERNAL_TABLES)
            derived = MARKET_TOOLS in present or "market" not in present
            counted = ready and _fill_counts_current(con)
            codec = ready and "codec" in {c for c, _ in _columns(con, "_raw_files")}
        return ready, derived, codec, counted

    # ---- connections -------------------------------------------------------------------------

    def _open(self, deadline: float, writing: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the database, waiting (with backoff) while another process holds it.

        Reads run under memory_limit() (DuckDB spills its joins and aggregates to disk); writes
        get DuckDB's default, since storing a table cannot spill all of its buffers (10,000
        columns ran out of memory at 256MB). The setting belongs to the process's instance of
        the file, so a write running beside a read lifts the cap for both while it runs."""
        delay = 0.02
        while True:
            try:
                con = _connect(self.location, self.read_only) if self.is_file else duckdb.connect(
                    self.location, read_only=self.read_only)
            except duckdb.IOException as error:
                if not _is_lock_conflict(error):
                    raise IcpError("store.cannot_open", location=self.location, detail=str(error).splitlines()[0]) from error
                if time.monotonic() + delay > deadline:
                    raise StoreBusy("store.busy", location=self.location) from error
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            except duckdb.Error as error:
                raise IcpError("store.cannot_open", location=self.location, detail=str(error).splitlines()[0]) from error
            if self.is_file:  # in memory / remote: no disk here to spill to, DuckDB's default
                held = getattr(Store._held, "cons", None)
                if held is not None and self.location not in held:  # keep the database open for the block
                    held[self.location] = _connect(self.location, self.read_only)
                limit = None if writing else memory_limit()
                con.execute(f"SET memory_limit = '{limit}'" if limit else "RESET memory_limit")  # validated by memory_limit()
            return con

    # Connections held for a block (one Streamlit script run), per thread: {location: connection}
    _held = threading.local()

    @staticmethod
    @contextmanager
    def holding() -> Iterator[None]:
        """Within the block, a file store opened once stays open in this process until the block
        ends: one extra connection per store keeps DuckDB's database instance alive, so every
        later open in the block (methods, cursor(), writes, in any thread of the process) reuses
        it instead of opening the file again (~25-40 ms each; the first run of the app opened
        the store 7 times). Meant for one Streamlit script run (app.py): other programs can
        write again once the run is over, as before. Only this thread's block is affected;
        a nested block is part of the outer one. Move or delete a store's file only after
        release_held(location) (or store.close())."""
        if getattr(Store._held, "cons", None) is not None:
            yield
            return
        Store._held.cons = {}
        try:
            yield
        finally:
            Store.release_held()
            Store._held.cons = None

    @staticmethod
    def release_held(location: str | None = None) -> None:
        """Close the connection(s) this thread's holding() block keeps (one location's, or all),
        e.g. before a workspace's file is renamed or deleted."""
        held = getattr(Store._held, "cons", None)
        if not held:
            return
        for key in [location] if location is not None else list(held):
            con = held.pop(key, None)
            if con is not None:
                try:
                    con.close()
                except duckdb.Error:  # closing checkpoints the log; a failure there loses nothing committed
                    pass

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new DuckDB connection for reading: one per Streamlit session / thread.

        For a file store it holds the database file while it is alive; drop it (or call
        ``.close()``) when done so other programs can write.
        """
        if self._con is not None:
            return self._con.cursor()
        return self._open(time.monotonic() + self.timeout)

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.cursor()
        try:
            yield con
        except duckdb.Error as error:
            clear = _corrupt(self.location, error)
            if clear is None:
                raise
            raise clear from error
        finally:
            con.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write of this thread in the block is one transaction: committed when the block
        ends, rolled back as a whole on any error. Each commit of a large write checkpoints the
        file (~25 ms even for small tables): the sample company's nine imports in one batch take
        ~0.25 s less. Other threads' writes wait for the block (the file lock is held).

        >>> with store.batch():
        ...     store.load_frame("accounts", accounts)
        ...     store.load_frame("deals", deals)
        """
        if getattr(self._batch, "con", None) is not None:  # nested: part of the outer batch
            yield
            return
        with self._writing() as con:
            self._batch.con = con
            try:
                yield
            finally:
                self._batch.con = None

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction under the file lock: COMMIT when the block ends, ROLLBACK on any error
        (inside batch(): the batch's transaction, which commits or rolls back when the batch ends)."""
        if self.read_only:
            raise IcpError("store.read_only", location=self.location)
        batched = getattr(self._batch, "con", None)
        if batched is not None:
            self._memo = None
            yield batched
            return
        deadline = time.monotonic() + self.timeout
        with self._mutex:
            try:
                acquired = self._lock.acquire(timeout=self.timeout) if self._lock else nullcontext()
            except Timeout as error:
                raise StoreBusy("store.busy", location=self.location) from error
            with acquired:
                con = self._con.cursor() if self._con is not None else self._open(deadline, writing=True)
                try:
                    con.begin()
                    try:
                        yield con
                    except BaseException as error:
                        try:
                            con.rollback()
                        except duckdb.Error:
                            if _corrupt(self.location, error) is None:
                                raise
                        clear = _corrupt(self.location, error) or _write_failed(self.location, error)
                        if clear is None:
                            raise
                        raise clear from error
                    self._memo = None
                    try:
                        con.commit()
                    except duckdb.Error as error:  # e.g. the disk is full: nothing of it was stored
                        try:
                            con.rollback()
                        except duckdb.Error:
                            pass
                        raise (_corrupt(self.location, error) or IcpError(
                            "store.cannot_write", location=self.location, detail=str(error).splitlines()[0][:200]
                        )) from error
                finally:
                    con.close()
                    self._memo = None

    def close(self) -> None:
        """Release an in-memory / remote store's connection (a file store holds none, except
        in a holding() block: this thread's held connection of the file is closed)."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self.is_file:
            Store.release_held(self.location)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.location!r}{', read_only=True' if self.read_only else ''})"

    # ---- reading -----------------------------------------------------------------------------

    def tables(self) -> dict[str, int]:
        """Canonical tables present in the store, with their row counts (schema order)."""
        names = list(schema.TABLES)
        with self._reading() as con:
            # two statements, not two per table: on the app's first page this ran 9 existence
            # queries and a count per table (~11 ms at 1M accounts + 5M market, now ~2 ms)
            present = {r[0] for r in _exec(
                con,
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = current_schema() AND list_contains(?, table_name)",
                [names],
            )}
            order = [t for t in names if t in present]
            if not order:
                return {}
            # one row per table, not one column per table: DuckDB plans a SELECT of n scalar
            # subqueries as n-1 cross products, whose planning grows steeply (all nine tables,
            # as in the sample store: 19 ms, against 1 ms as a UNION ALL)
            counts = dict(_exec(con, " UNION ALL ".join(
                f"SELECT {i} AS k, count(*) FROM {quote(t)}" for i, t in enumerate(order))))
        return {t: int(counts[i]) for i, t in enumerate(order)}

    def has(self, table: str) -> bool:
        """True when the table holds at least one row."""
        return self.tables().get(table, 0) > 0

    def columns(self, table: str) -> list[str]:
        """The table's columns: canonical fields, then extra columns (internal ones left out)."""
        _check_table(table)
        with self._reading() as con:
            if not _table_exists(con, table):
                return []
            return [c for c, _ in _columns(con, table) if c != IMPORT_ID]

    def extra_columns(self, table: str) -> list[str]:
        canonical = {f.name for f in schema.stored_fields(table)}
        return [c for c in self.columns(table) if c not in canonical]

    def _file_signature(self) -> tuple | None:
        """Identity, size and modification time of the database file and its write-ahead log.

        Every commit, by any process, appends to the log or (at a checkpoint) rewrites the file,
        so an unchanged signature means an unchanged database. None for non-file stores."""
        if not self.is_file:
            return None
        parts = []
        for path in (self.location, self.location + ".wal"):
            try:
                st = os.stat(path)
            except OSError:
                parts.append(None)
            else:
                parts.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(parts)

    def _remembered(self, key: tuple, read: Callable[[], Any]) -> Any:
        """read(), or its value from an earlier call while the file's signature is unchanged
        (taken before reading, so a commit during the read is seen at the next call)."""
        signature = self._file_signature()
        if signature is None:
            return read()
        memo = self._memo
        if memo is not None and memo[0] == signature and key in memo[1]:
            return memo[1][key]
        value = read()
        memo = self._memo
        if memo is None or memo[0] != signature:
            memo = (signature, {})
            self._memo = memo
        memo[1][key] = value
        return value

    def data_version(self) -> int:
        """A number that changes with every import / undo / clear, in any process: a cache key."""

        def read() -> int:
            with self._reading() as con:
                if not _table_exists(con, "_meta"):
                    return 0
                rows = _exec(con, "SELECT value FROM _meta WHERE key = 'data_version'")
                return int(rows[0][0]) if rows else 0

        return self._remembered(("data_version",), read)

    def imports(self, table: str | None = None) -> list[dict[str, Any]]:
        """The import history, newest first.

        Each entry: import_id, table, file, sha256, at (UTC), mode, mapping, detected, rows_read,
        rows_imported, rows_rejected, undone.
        """
        if table is not None:
            _check_table(table)
        with self._reading() as con:
            if not _table_exists(con, "_imports"):
                return []
            rows = _exec(
                con,
                'SELECT import_id, table_name, file_name, sha256, "at", mode, '
                " mapping, detected, rows_read, "
                "rows_imported, rows_rejected, undone FROM _imports WHERE ? IS NULL OR table_name = ? "
                "ORDER BY import_id DESC",
                [table, table],
            )
        keys = ("import_id", "table", "file", "sha256", "at", "mode", "mapping", "detected", "rows_read",
                "rows_imported", "rows_rejected", "undone")
        result = []
        for row in rows:
            entry = dict(zip(keys, row))
            entry["mapping"] = json.loads(entry["mapping"]) if entry["mapping"] else None
            entry["detected"] = json.loads(entry["detected"]) if entry["detected"] else None
            result.append(entry)
        return result

    def quarantine(self, import_id: int, lang: str = "en") -> pl.DataFrame:
        """The rows and values an import rejected: row (1-based data row), column, value, reason (text in lang)."""
        from icp_core.i18n import t

        with self._reading() as con:
            self._import_row(con, import_id)
            rows = _exec(
                con,
                'SELECT "row", "column", value, reason, params FROM _quarantine WHERE import_id = ? ORDER BY "row", "column"',
                [import_id],
            )
        return pl.DataFrame(
            {
                "row": [r[0] for r in rows],
                "column": [r[1] for r in rows],
                "value": [r[2] for r in rows],
                "reason": [t(r[3], lang, **(json.loads(r[4]) if r[4] else {})) for r in rows],
            },
            schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String},
        )

    def raw_file(self, import_id: int) -> bytes:
        """The file of an import exactly as it was uploaded (b"" when it came as a frame)."""
        with self._reading() as con:
            self._import_row(con, import_id)
            codec = "codec" if "codec" in {c for c, _ in _columns(con, "_raw_files")} else "NULL"
            rows = _exec(con, f"SELECT content, {codec} FROM _raw_files WHERE import_id = ?", [import_id])
        return _unpack_raw(bytes(rows[0][0]), rows[0][1]) if rows and rows[0][0] is not None else b""

    def export_frame(self, table: str) -> pl.DataFrame:
        """The table as stored: canonical columns first (schema order), then extras; no internal columns."""
        _check_table(table)
        with self._reading() as con:
            if not _table_exists(con, table):
                raise IcpError("store.no_data", table=table)
            present = [c for c, _ in _columns(con, table)]
            canonical = [f.name for f in schema.stored_fields(table)]
            ordered = [c for c in canonical if c in present] + [
                c for c in present if c not in canonical and c != IMPORT_ID
            ]
            select = ", ".join(quote(c) for c in ordered)
            return _frame(con, f"SELECT {select} FROM {quote(table)} ORDER BY {IMPORT_ID}, rowid")

    def is_sample(self) -> bool:
        """True when the live rows come from the sample company (imports named "sample:...")."""
        with self._reading() as con:
            # two statements, not two per table (the app's first page asks this; up to 20 before)
            present = _tables_present(con, ["_imports", *schema.TABLES])
            tables = [t for t in schema.TABLES if t in present]
            if "_imports" not in present or not tables:
                return False
            live = " UNION ".join(f"SELECT {IMPORT_ID} AS id FROM {quote(t)}" for t in tables)
            n_live, n_own = _exec(
                con,
                f"WITH live AS ({live}) SELECT (SELECT count(*) FROM live), "
                "(SELECT count(*) FROM _imports WHERE import_id IN (SELECT id FROM live) "
                "AND NOT starts_with(coalesce(file_name, ''), ?))",
                [SAMPLE_PREFIX],
            )[0]
        return n_live > 0 and n_own == 0

    # ---- settings ----------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        def read() -> str | None:
            with self._reading() as con:
                if not _table_exists(con, "_settings"):
                    return None
                rows = _exec(con, "SELECT value FROM _settings WHERE key = ?", [key])
            return rows[0][0] if rows else None

        text = self._remembered(("setting", key), read)
        return json.loads(text) if text is not None else default  # a new object per call: callers may change it

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under key (replacing any earlier one)."""
        text = json.dumps(value, ensure_ascii=False)
        with self._writing() as con:
            _exec(con, "DELETE FROM _settings WHERE key = ?", [key])
            _exec(con, "INSERT INTO _settings VALUES (?, ?)", [key, text])

    @staticmethod
    def _mapping_key(table: str, columns: list[str]) -> str:
        # the header signature: the same export (in any column order) finds its mapping again
        signature = hashlib.sha256(json.dumps(sorted(columns), ensure_ascii=False).encode()).hexdigest()[:16]
        return f"mapping:{table}:{signature}"

    def save_mapping(self, table: str, columns: list[str], mapping: Mapping[str, str | None]) -> None:
        """Remember a mapping for files with exactly these headers."""
        _check_table(table)
        self.set_setting(self._mapping_key(table, list(columns)), dict(mapping))

    def saved_mapping(self, table: str, columns: list[str]) -> dict[str, str | None] | None:
        """The mapping saved for files with exactly these headers, or None."""
        _check_table(table)
        return self.get_setting(self._mapping_key(table, list(columns)))

    # ---- writing -----------------------------------------------------------------------------

    def import_file(
        self,
        source: bytes | str | Path,
        table: str,
        mapping: Mapping[str, str | None] | None = None,
        mode: str = "replace",
        file_name: str | None = None,
        sheet: str | None = None,
    ) -> ImportResult:
        """Read a file, map its columns (suggested when mapping is None), validate and store it.

        >>> store.import_file(b"Kundennummer;Umsatz\\nK1;1.234,56\\n", "accounts", file_name="crm.csv").rows_imported
        1
        """
        _check_table(table)
        self._check_mode(mode)
        data, path_name = ingest.load_bytes(source)
        name = file_name or path_name
        # The raw file is packed (pyarrow releases the GIL) on a worker while the file is read; the
        # pool waits for its work on every way out.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="icp-import") as pool:
            packed = pool.submit(_pack_raw, data)
            if self._con is not None or getattr(self._batch, "con", None) is not None:
                raw = ingest.read_file(data, name, sheet=sheet)
                prepared = ingest.prepare(raw, table, _mapping_for(raw, table, mapping))
                return self._import_prepared(prepared, mode, packed)
            # The file is read on the second worker while this thread opens the write transaction (the
            # file lock first, then the database: never the other way round) and stores the raw file in
            # it, ~50 ms that an Excel sheet's parse (one core, the GIL released) or a CSV's leaves
            # room for. A file that does not read or validate rolls the transaction back: the store is
            # unchanged, and the file's own error is the one raised.
            reading = pool.submit(ingest.read_file, data, name, sheet=sheet)
            with self.batch():
                con = self._batch.con
                import_id = _next_import_id(con)
                _insert_raw(con, import_id, packed)
                raw = reading.result()
                prepared = ingest.prepare(raw, table, _mapping_for(raw, table, mapping))
                return self._import_prepared(prepared, mode, _RAW_STORED, import_id)

    def import_prepared(self, prepared: Any, mode: str = "replace") -> ImportResult:
        """Store an ``ingest.Prepared`` in one transaction, with its history, raw file and quarantine."""
        return self._import_prepared(prepared, mode)

    def _import_prepared(
        self, prepared: Any, mode: str, packed: Future | object | None = None, import_id: int | None = None
    ) -> ImportResult:
        _check_table(prepared.table)
        self._check_mode(mode)
        raw = prepared.raw
        return self._store(
            prepared.table,
            prepared.frame,
            mode,
            file_name=raw.file_name,
            sha256=raw.sha256,
            content=raw.content,
            mapping=dict(prepared.mapping),
            detected=raw.detected,
            rows_read=prepared.rows_read,
            rows_rejected=prepared.rows_rejected,
            issues=list(prepared.issues),
            packed=packed,
            import_id=import_id,
        )

    def load_frame(
        self,
        table: str,
        frame: pl.DataFrame,
        file_name: str = "fixture",
        mode: str = "replace",
        content: bytes | None = None,
    ) -> ImportResult:
        """Store a frame already in canonical form (sample data, tests): same transaction and history.

        Missing canonical columns are null; other columns are kept as extras (text). A key that
        repeats is rejected like in a file (first row wins). The frame is kept as Parquet:
        `content`, the Parquet file it was read from, when there is one (kept as it is, instead of
        writing the frame again: ~0.1 s for the sample's market).

        >>> Store(":memory:").load_frame("accounts", pl.DataFrame({"account_id": ["A1"]}), "sample:accounts").rows_imported
        1
        """
        _check_table(table)
        self._check_mode(mode)
        if content is None:
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            content = buffer.getvalue()
        issues = []
        key = schema.TABLES[table].key
        frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
        if key and key in frame.columns:
            repeated = frame.filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated() & ~pl.col(key).is_first_distinct())
            for row, value in zip(repeated["_row"].to_list(), repeated[key].cast(pl.String).to_list()):
                issues.append(_issue(row, key, value, "issue.duplicate_key_in_frame", {"field": key, "value": value}))
            frame = frame.filter(~pl.col("_row").is_in(repeated["_row"].implode()))
        return self._store(
            table,
            frame,
            mode,
            file_name=file_name,
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            mapping={c: (c if c in schema.TABLES[table].field_names else None) for c in frame.columns if c != "_row"},
            detected={"format": "frame"},
            rows_read=frame.height + len(issues),
            rows_rejected=len(issues),
            issues=issues,
        )

    @staticmethod
    def _check_mode(mode: str) -> None:
        if mode not in MODES:
            raise IcpError("store.bad_mode", mode=mode, modes=", ".join(MODES))

    def _canonical_frame(self, table: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series | None]:
        """Split off `_row`; type all-null canonical columns; make extras text."""
        rows = frame["_row"] if "_row" in frame.columns else None
        frame = frame.drop("_row", strict=False)
        fields = {f.name: f for f in schema.stored_fields(table)}
        casts = []
        for name, dtype in frame.schema.items():
            if name in fields:
                if dtype == pl.Null:
                    casts.append(pl.col(name).cast(ingest.POLARS_TYPES[fields[name].type]))
            elif dtype != pl.String:
                casts.append(pl.col(name).cast(pl.String))
        return (frame.with_columns(casts) if casts else frame), rows

    def _store(
        self,
        table: str,
        frame: pl.DataFrame,
        mode: str,
        *,
        file_name: str | None,
        sha256: str,
        content: bytes | None,
        mapping: dict[str, str | None],
        detected: Any,
        rows_read: int,
        rows_rejected: int,
        issues: list,
        packed: Future | object | None = None,
        import_id: int | None = None,
    ) -> ImportResult:
        """`packed`: the raw file packed beside (a Future), or _RAW_STORED when it is in already
        under `import_id` (import_file, in the same transaction)."""
        frame, source_rows = self._canonical_frame(table, frame)
        key = schema.TABLES[table].key
        with self._writing() as con:
            if import_id is None:
                import_id = _next_import_id(con)
            created = self._ensure_table(con, table)
            frame, added = self._ensure_extra_columns(con, table, frame)
            if mode == "append" and key and key in frame.columns and not created:
                frame, rejected = self._reject_keys_in_store(con, table, key, frame, source_rows, mapping)
                issues = issues + rejected
                rows_rejected += len(rejected)
            counted = None
            if mode == "replace":
                self._archive(con, table, import_id)
                # the table will hold exactly the frame: its fill counts are counted on the frame, on
                # the second core while DuckDB inserts it (~0.1 s for a million rows); the pool
                # waits for the count on every way out
                present = {c for c, _ in _columns(con, table)}
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="icp-fill-counts") as pool:
                    # the count gets its own frame object (a clone shares the columns, it copies no
                    # values): one polars frame used by two threads at once can deadlock (the
                    # insert's to_arrow held it while the count asked its schema, CI hung once)
                    counting = pool.submit(_count_frame_fills, table, frame.clone(), present)
                    self._insert(con, table, frame, import_id)
                counted = counting.result()
            else:
                self._insert(con, table, frame, import_id)
            _derive(con, table, counted)
            self._record(
                con, import_id, table, mode, file_name, sha256, content, mapping, detected,
                rows_read, frame.height, rows_rejected, issues, created, added,
                [c for c in frame.columns if c not in schema.TABLES[table].field_names], packed,
            )
        return ImportResult(import_id, table, mode, file_name, rows_read, frame.height, rows_rejected, issues)

    def _ensure_table(self, con: duckdb.DuckDBPyConnection, table: str) -> bool:
        """Create the canonical table on its first import; True when it was created now."""
        if _table_exists(con, table):
            return False
        columns = [f"{quote(f.name)} {schema.DUCKDB_TYPES[f.type]}" for f in schema.stored_fields(table)]
        columns.append(f"{IMPORT_ID} INTEGER")
        _exec(con, f"CREATE TABLE {quote(table)} ({', '.join(columns)})")
        return True

    def _ensure_extra_columns(
        self, con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame
    ) -> tuple[pl.DataFrame, list[str]]:
        """Add the frame's extra columns to the table (VARCHAR), renaming any that would clash.

        DuckDB column names are case-insensitive: an extra that matches an existing extra in
        another case goes into that column; one that matches a canonical or internal name gets
        the suffix " (extra)" (numbered when needed).
        """
        canonical = {f.name for f in schema.stored_fields(table)}
        existing = {c.casefold(): c for c, _ in _columns(con, table)}
        reserved = {c.casefold() for c in canonical} | {IMPORT_ID, REPLACED_BY}
        renames: dict[str, str] = {}
        added: list[str] = []
        taken = set(existing) | {c.casefold() for c in frame.columns if c in canonical}
        new_columns: list[tuple[str, str]] = []
        for name in frame.columns:
            if name in canonical:
                continue
            folded = name.casefold()
            if folded in existing and folded not in reserved and folded not in {r.casefold() for r in renames.values()}:
                if existing[folded] != name:
                    renames[name] = existing[folded]
                taken.add(folded)
                continue
            target = name
            if folded in reserved or folded in taken:
                target, n = f"{name} (extra)", 2
                while target.casefold() in taken:
                    target, n = f"{name} (extra {n})", n + 1
            taken.add(target.casefold())
            if target != name:
                renames[name] = target
            if target.casefold() not in existing:
                new_columns.append((target, "VARCHAR"))
                existing[target.casefold()] = target
                added.append(target)
        _add_columns(con, table, new_columns)
        return (frame.rename(renames) if renames else frame), added

    def _reject_keys_in_store(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        key: str,
        frame: pl.DataFrame,
        source_rows: pl.Series | None,
        mapping: Mapping[str, str | None],
    ) -> tuple[pl.DataFrame, list]:
        """Append mode: rows whose key is already stored are rejected (the stored row wins)."""
        candidates = frame.select(pl.col(key).drop_nulls().unique())
        if candidates.height == 0:
            return frame, []
        view = "_incoming_keys"
        con.register(view, candidates)
        try:  # a join, not a parameter list: appends of a million rows stay fast
            stored = _frame(
                con,
                f"SELECT DISTINCT t.{quote(key)} AS k FROM {quote(table)} t SEMI JOIN {quote(view)} v "
                f"ON t.{quote(key)} = v.{quote(key)}",
            )["k"]
        finally:
            con.unregister(view)
        if stored.len() == 0:
            return frame, []
        hit = frame[key].is_in(stored.implode()).fill_null(False)
        rows = source_rows if source_rows is not None else pl.Series(range(1, frame.height + 1))
        source_column = next((s for s, f in mapping.items() if f == key), key)
        issues = [
            _issue(int(r), source_column, v, "issue.duplicate_key_in_store", {"field": key, "value": v})
            for r, v in zip(rows.filter(hit).to_list(), frame[key].filter(hit).to_list())
        ]
        return frame.filter(~hit), issues

    def _archive(self, con: duckdb.DuckDBPyConnection, table: str, import_id: int) -> int:
        """Move the table's live rows aside, tagged with the import that replaced them."""
        archive = ARCHIVE_PREFIX + table
        if not _table_exists(con, archive):
            _exec(
                con,
                f"CREATE TABLE {quote(archive)} AS SELECT *, NULL::INTEGER AS {REPLACED_BY} FROM {quote(table)} LIMIT 0",
            )
        archived = {c.casefold() for c, _ in _columns(con, archive)}
        _add_columns(con, archive, [(c, d) for c, d in _columns(con, table) if c.casefold() not in archived])
        moved = _exec(
            con,
            f"INSERT INTO {quote(archive)} BY NAME SELECT *, ?::INTEGER AS {REPLACED_BY} FROM {quote(table)} "
            f"ORDER BY {IMPORT_ID}, rowid",
            [import_id],
        )[0][0]
        _exec(con, f"DELETE FROM {quote(table)}")
        return int(moved)

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, import_id: int) -> None:
        if frame.width == 0 or frame.height == 0:
            return
        if max(frame.n_chunks("all")) > 1:
            # one chunk: DuckDB's parallel insert then fills whole row groups; from several chunks it
            # leaves a partial row group per chunk, which the checkpoint merges by rewriting them
            # (1M rows in 8 chunks: ~1.2 s of CPU at the commit; the rows and their order are the same)
            frame = frame.rechunk()
        view = f"_incoming_{import_id}"
        # handed over as Arrow string views, polars' own layout: DuckDB's polars adapter converts to
        # the oldest Arrow layout, which copies every string (~0.1 s of CPU for 1M accounts)
        con.register(view, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        try:
            _exec(
                con,
                f"INSERT INTO {quote(table)} BY NAME SELECT *, ?::INTEGER AS {IMPORT_ID} FROM {quote(view)}",
                [import_id],
            )
        finally:
            con.unregister(view)

    def _record(
        self, con, import_id, table, mode, file_name, sha256, content, mapping, detected,
        rows_read, rows_imported, rows_rejected, issues, created, added, extras, packed=None,
    ) -> None:
        _exec(
            con,
            "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, NULL, ?, ?, ?, ?)",
            [import_id, table, file_name, sha256, _now(), mode, _json(mapping), rows_read, rows_imported,
             rows_rejected, _json(detected) if detected is not None else None, created, _json(added), _json(extras)],
        )
        if content is not None and packed is not _RAW_STORED:
            _insert_raw(con, import_id, packed if packed is not None else _pack_raw(content))
        if issues:
            quarantine = pl.DataFrame(
                {
                    "import_id": [import_id] * len(issues),
                    "row": [i.row for i in issues],
                    "column": [i.column for i in issues],
                    "value": [None if i.value is None else str(i.value) for i in issues],
                    "reason": [i.reason for i in issues],
                    "params": [json.dumps(i.params, ensure_ascii=False, default=str) if i.params else None
                               for i in issues],
                },
                schema={"import_id": pl.Int32, "row": pl.Int64, "column": pl.String, "value": pl.String,
                        "reason": pl.String, "params": pl.String},
            )
            view = f"_quarantine_{import_id}"
            con.register(view, quarantine)
            try:
                _exec(con, f"INSERT INTO _quarantine BY NAME SELECT * FROM {quote(view)}")
            finally:
                con.unregister(view)
        self._bump(con)

    @staticmethod
    def _bump(con: duckdb.DuckDBPyConnection) -> None:
        # counts kept from before a restore are not to be trusted: count everything again
        stale = not _fill_counts_current(con)
        if _exec(con, "UPDATE _meta SET value = value + 1 WHERE key = 'data_version'")[0][0] == 0:
            _exec(con, "INSERT INTO _meta VALUES ('data_version', 1)")
        if stale:
            _exec(con, f"DROP TABLE IF EXISTS {FILL_COUNTS}")
        _stamp_fill_counts(con)  # every change passed _derive first: the kept counts are current

    @staticmethod
    def _import_row(con: duckdb.DuckDBPyConnection, import_id: int) -> tuple:
        rows = []
        if _table_exists(con, "_imports"):
            rows = _exec(
                con,
                "SELECT table_name, mode, undone, created_table, added_columns FROM _imports WHERE import_id = ?",
                [int(import_id)],
            )
        if not rows:
            raise IcpError("store.unknown_import", import_id=import_id)
        return rows[0]

    def undo(self, import_id: int) -> dict[str, Any]:
        """Revert an import (or a clear): delete its rows, restore the rows it replaced, mark it undone.

        Returns {"import_id", "table", "rows_removed", "rows_restored"}.
        """
        import_id = int(import_id)
        with self._writing() as con:
            table, mode, undone = self._import_row(con, import_id)[:3]
            if undone:
                raise IcpError("store.already_undone", import_id=import_id)
            archive = ARCHIVE_PREFIX + table
            has_archive = _table_exists(con, archive)
            removed = restored = 0
            if _table_exists(con, table):
                removed = int(_exec(con, f"DELETE FROM {quote(table)} WHERE {IMPORT_ID} = ?", [import_id])[0][0])
            if has_archive:
                # its rows a later replace moved aside must never come back either
                _exec(con, f"DELETE FROM {quote(archive)} WHERE {IMPORT_ID} = ?", [import_id])
            if mode in ("replace", "clear") and has_archive:
                later = _exec(
                    con,
                    "SELECT min(import_id) FROM _imports WHERE table_name = ? AND import_id > ? AND NOT undone "
                    "AND mode IN ('replace', 'clear')",
                    [table, import_id],
                )[0][0]
                if later is not None:
                    # a later replace superseded this one: what this one replaced now counts as replaced by it
                    _exec(con, f"UPDATE {quote(archive)} SET {REPLACED_BY} = ? WHERE {REPLACED_BY} = ?", [later, import_id])
                else:
                    restored = self._restore(con, table, archive, import_id)
            self._drop_unused(con, table, archive, import_id)
            _derive(con, table)
            _exec(con, "UPDATE _imports SET undone = true, undone_at = ? WHERE import_id = ?", [_now(), import_id])
            self._bump(con)
        return {"import_id": import_id, "table": table, "rows_removed": removed, "rows_restored": restored}

    def _restore(self, con: duckdb.DuckDBPyConnection, table: str, archive: str, import_id: int) -> int:
        """Put back the rows import_id replaced; columns only the archive still knows come back when used."""
        present = {c.casefold() for c, _ in _columns(con, table)}
        carried = self._carried_columns(con, table, import_id)
        selected = []
        new_columns: list[tuple[str, str]] = []
        for column, dtype in _columns(con, archive):
            if column == REPLACED_BY:
                continue
            if column.casefold() not in present:
                used = _exec(
                    con, f"SELECT count({quote(column)}) FROM {quote(archive)} WHERE {REPLACED_BY} = ?", [import_id]
                )[0][0]
                if not used and column not in carried:
                    continue
                new_columns.append((column, dtype))
            selected.append(quote(column))
        _add_columns(con, table, new_columns)
        restored = _exec(
            con,
            f"INSERT INTO {quote(table)} BY NAME SELECT {', '.join(selected)} FROM {quote(archive)} "
            f"WHERE {REPLACED_BY} = ? ORDER BY {IMPORT_ID}, rowid",
            [import_id],
        )[0][0]
        _exec(con, f"DELETE FROM {quote(archive)} WHERE {REPLACED_BY} = ?", [import_id])
        return int(restored)

    @staticmethod
    def _carried_columns(con: duckdb.DuckDBPyConnection, table: str, import_id: int) -> set[str]:
        """Extra columns brought by the table's imports still standing (other than import_id)."""
        carried: set[str] = set()
        for (extras,) in _exec(
            con, "SELECT extra_columns FROM _imports WHERE table_name = ? AND NOT undone AND import_id <> ?",
            [table, import_id],
        ):
            carried.update(json.loads(extras) if extras else [])
        return carried

    def _drop_unused(self, con, table: str, archive: str, import_id: int) -> None:
        """After an undo, remove what the import added and nothing uses any more, so the table is as before.

        A table left empty with no other import still standing is dropped: as if never imported.
        """
        if not _table_exists(con, table):
            return
        archive_rows = _count(con, archive) if _table_exists(con, archive) else 0
        standing = _exec(
            con, "SELECT count(*) FROM _imports WHERE table_name = ? AND NOT undone AND import_id <> ?", [table, import_id]
        )[0][0]
        if not standing and _count(con, table) == 0 and archive_rows == 0:
            _exec(con, f"DROP TABLE {quote(table)}")
            if _table_exists(con, archive):
                _exec(con, f"DROP TABLE {quote(archive)}")
            return
        # an extra column stays while an import still standing brought it (as if the undone one never ran)
        canonical = {f.name for f in schema.stored_fields(table)} | {IMPORT_ID}
        carried = self._carried_columns(con, table, import_id)
        _drop_columns(con, table, [c for c, _ in _columns(con, table) if c not in canonical and c not in carried])

    def clear(self, table: str | None = None) -> list[int]:
        """Empty one table (or all): recorded in the history like an import, so ``undo`` brings the rows back.

        Returns the ids of the clear entries (one per table that existed).
        """
        if table is not None:
            _check_table(table)
        ids: list[int] = []
        with self._writing() as con:
            targets = [table] if table else list(schema.TABLES)
            for name in targets:
                if not _table_exists(con, name):
                    continue
                import_id = int(_exec(con, "SELECT coalesce(max(import_id), 0) + 1 FROM _imports")[0][0])
                self._archive(con, name, import_id)
                _derive(con, name)
                _exec(
                    con,
                    "INSERT INTO _imports VALUES (?, ?, NULL, NULL, ?, 'clear', NULL, 0, 0, 0, false, NULL, NULL, false, "
                    "'[]', '[]')",
                    [import_id, name, _now()],
                )
                ids.append(import_id)
            if ids:
                self._bump(con)
        return ids
