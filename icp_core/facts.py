"""Per-data-version caches of derived data, in process memory (no writes into the store).

Segment statistics and the PMF figures are aggregates over a per-account projection (activity
flags from dates, referral via the channel list, NPS answers per account, trimmed dimension
values, bands...). Computing that projection is most of their cost at a million accounts, so it
is computed once per *data version* and kept here; the figures are then one aggregate over it.

The key of everything cached here starts with ``store_key(cur)``: the database's file path (None
for an in-memory store), the store's ``data_version`` (bumped by every import, undo, clear and
restore), a fingerprint of the import history (ids, file hashes, timestamps, undone flags: tells
apart two in-memory stores and a restored file) and the row and column counts of every table (a
table changed by hand without an import still changes its count). A connection without the
store's ``_meta`` table (a bare DuckDB database, not a ``Store``) gets ``None``: nothing is cached
for it and the callers compute directly. Everything the figures depend on beyond the data (as_of,
the referral channels, the dimension, the filters, ...) is part of the caller's key.

Bounded: each cache keeps its last few keys (LRU). Thread-safe: one lock guards the dicts and one
lock per key makes concurrent sessions wait for a single build instead of building twice. Cached
values are immutable (frozen dataclasses, polars frames that are never modified in place).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

import duckdb
import polars as pl
import pyarrow as pa

# False: every call computes directly (tests compare the figures with and without the cache)
ENABLED = True


def store_key(cur: duckdb.DuckDBPyConnection) -> tuple | None:
    """The identity of the data a cursor sees (see the module docstring); None = do not cache."""
    if not ENABLED:
        return None
    has_meta = cur.execute(
        "SELECT count(*) FILTER (WHERE table_name = '_meta'), count(*) FILTER (WHERE table_name = '_imports') "
        "FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = current_schema()"
    ).fetchall()[0]
    if not has_meta[0] or not has_meta[1]:
        return None
    row = cur.execute(
        "SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()), "
        "(SELECT max(value) FROM _meta WHERE key = 'data_version'), "
        "(SELECT count(*) FROM _imports), "
        "(SELECT hash(list((import_id, table_name, sha256, \"at\", undone, undone_at, rows_imported) "
        "ORDER BY import_id)) FROM _imports), "
        "(SELECT list((table_name, estimated_size, column_count) ORDER BY table_name) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = current_schema() AND NOT temporary)"
    ).fetchall()[0]
    path, version, n_imports, imports_hash, tables = row
    return (path, version, n_imports, imports_hash, tuple(tuple(t.values()) if isinstance(t, dict) else tuple(t)
                                                          for t in (tables or [])))


def weigh(value: Any) -> int:
    """Bytes held by a cached value (Arrow tables / arrays, polars frames, tuples of them)."""
    if isinstance(value, (pa.Table, pa.Array, pa.ChunkedArray)):
        return int(value.nbytes)
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    if isinstance(value, (tuple, list)) and value and not isinstance(value[0], str):
        return sum(weigh(v) for v in value)
    nbytes = getattr(value, "nbytes", None)  # numpy arrays, dataclasses of them
    return nbytes if isinstance(nbytes, int) else 0


_ALL: list["Lru"] = []


class Lru:
    """A small thread-safe LRU: ``get(key, build)`` returns the cached value or builds it once.
    Keeps at most `size` values and, beyond the newest one, at most `max_bytes` (``weigh``)."""

    def __init__(self, size: int, max_bytes: int | None = None) -> None:
        _ALL.append(self)  # facts.clear() empties every cache, also those of other modules (market)
        self.size = size
        self.max_bytes = max_bytes
        self._weights: dict[Hashable, int] = {}
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}
        self.builds = 0  # how many values were built (tests read it)

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
            value = build()
            weight = weigh(value) if self.max_bytes is not None else 0
            with self._lock:
                self.builds += 1
                self._items[key] = value
                self._weights[key] = weight
                self._items.move_to_end(key)
                while len(self._items) > 1 and (len(self._items) > self.size or (
                        self.max_bytes is not None and sum(self._weights.values()) > self.max_bytes)):
                    old, _ = self._items.popitem(last=False)
                    self._weights.pop(old, None)
                self._building.pop(key, None)
            return value

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(self._weights.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weights.clear()
            self.builds = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


# Small values (contexts: column lists, flags, the default as_of): many keys are cheap.
contexts = Lru(32)
# Per-account projections (one row per account, narrow types; at 1M accounts: segments ~28 MB,
# PMF accounts ~27 MB, PMF answers a few MB): a byte budget, so one data version's projections
# for both pages fit and an older version or as_of goes first.
projections = Lru(8, max_bytes=128 * 2**20)
# One column per (data, dimension / filter set): ~4 MB at 1M accounts each.
columns = Lru(24, max_bytes=64 * 2**20)
# Small aggregates over the projections (counts per segment, quarter or cohort cell, an indicator's
# counts; a few KB each): per data version and choices, so a rerun or another threshold / min_n
# does not count the million rows again.
aggregates = Lru(256, max_bytes=16 * 2**20)


def clear() -> None:
    """Forget everything (tests; memory pressure; the benchmark's first call after an import)."""
    for cache in _ALL:
        cache.clear()


def cached(cache: Lru, skey: tuple | None, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` cached under (skey, *key), skey = ``store_key(cur)``; computed directly (not
    kept) when skey is None."""
    if skey is None:
        return build()
    return cache.get((skey, *key), build)
