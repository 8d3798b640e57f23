"""Store.tables() in two statements, and the first page's modules without polars.

The app's first script run imports icp_core.store and icp_core.health and lists the tables; it
must not pay for polars or the import engine (~80 ms), and the table list must stay exact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl

from icp_core.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_tables_lists_canonical_tables_in_schema_order_with_exact_counts(tmp_path):
    store = Store(str(tmp_path / "s.duckdb"))
    assert store.tables() == {}
    store.load_frame("prospects", pl.DataFrame({"account_id": ["P1", "P2"], "name": ["a", "b"]}))
    store.load_frame("accounts", pl.DataFrame({"account_id": ["A1", "A2", "A3"]}))
    store.load_frame("nps_responses", pl.DataFrame({"account_id": ["A1"], "score": [9]}))
    con = store.cursor()
    try:  # tables that are not canonical, in this schema or another, are not listed
        con.execute("CREATE TABLE notes (x INTEGER)")
        con.execute("CREATE SCHEMA other")
        con.execute("CREATE TABLE other.market (x INTEGER)")
        con.execute("INSERT INTO other.market VALUES (1), (2)")
    finally:
        con.close()
    tables = store.tables()
    assert tables == {"accounts": 3, "nps_responses": 1, "prospects": 2}
    assert list(tables) == ["accounts", "nps_responses", "prospects"]  # schema order, not import order
    store.clear("nps_responses")
    assert store.tables()["nps_responses"] == 0  # a cleared table is present with no rows
    assert store.has("accounts") and not store.has("nps_responses") and not store.has("market")


def test_tables_of_an_in_memory_store():
    store = Store(":memory:")
    store.load_frame("accounts", pl.DataFrame({"account_id": ["A1"]}))
    assert store.tables() == {"accounts": 1}


def test_store_and_health_import_without_polars_or_the_import_engine():
    code = (
        "import sys\n"
        "import icp_core.store, icp_core.health, icp_core.workspaces\n"
        "print(sorted(m for m in ('polars', 'icp_core.ingest.read', 'icp_core.ingest.validate', "
        "'icp_core.ingest.mapping') if m in sys.modules))\n"
        "from icp_core import ingest\n"
        "print(ingest.prepare.__module__, ingest.read_file.__module__, ingest.suggest_mapping.__module__, 'polars' in sys.modules)\n"
        "from icp_core.ingest import POLARS_TYPES, describe, load_bytes, normalise_header\n"
        "print(sorted(POLARS_TYPES)[:2])\n"
        "try:\n"
        "    ingest.no_such_name\n"
        "except AttributeError as error:\n"
        "    print('AttributeError', error)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "icp_core.ingest.validate icp_core.ingest.read icp_core.ingest.mapping True"
    assert lines[2] == "['bool', 'country']"
    assert lines[3] == "AttributeError module 'icp_core.ingest' has no attribute 'no_such_name'"


def test_lazy_module_imports_on_first_use_and_behaves_like_the_module():
    code = (
        "import sys\n"
        "from icp_core.lazy import lazy_module\n"
        "pl = lazy_module('polars')\n"
        "print('polars' in sys.modules, repr(pl))\n"
        "frame = pl.DataFrame({'a': [1, 2]})\n"
        "print('polars' in sys.modules, isinstance(frame, pl.DataFrame), frame['a'].sum(), repr(pl))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["False <lazy module 'polars'>", "True True 3 <lazy module 'polars' (imported)>"]
