"""Hardening tests: hostile files, hostile values, many users, crashes (docs/RELIABILITY.md).

Two modes. CI mode (the default) runs a bounded number of cases with fixed seeds; the long mode
runs thousands. Switch it on with either

    ICP_LONG_TESTS=1 uv run pytest tests/hardening tests/browser/test_hostile_values.py tests/browser/test_concurrent_sessions.py
    uv run pytest tests/hardening --long

The per-test time bounds used here (pytest-timeout, subprocess timeouts) are hang guards only:
they are generous on purpose and never assert speed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_DATA = Path("/work/shared/data/real")


def pytest_addoption(parser):
    try:
        parser.addoption("--long", action="store_true", default=False,
                         help="hardening tests: run the long version (thousands of cases); same as ICP_LONG_TESTS=1")
    except ValueError:  # registered already (another conftest)
        pass


def pytest_configure(config):
    if config.getoption("--long", default=False):
        os.environ["ICP_LONG_TESTS"] = "1"


def long_mode() -> bool:
    return os.environ.get("ICP_LONG_TESTS", "") not in ("", "0")


def cases(ci: int, long: int) -> int:
    """How many cases a test runs: `ci` by default, `long` with --long / ICP_LONG_TESTS=1."""
    return long if long_mode() else ci


def store_snapshot(store) -> tuple:
    """Everything a refused import must leave exactly as it was, read in one connection: the
    history, every table's row count (canonical, archive and internal), the data version."""
    with store._reading() as con:
        history = con.execute("SELECT import_id, table_name, rows_imported, undone FROM _imports ORDER BY import_id").fetchall()
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1").fetchall()]
        counts = tuple((n, con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names)
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns ORDER BY ALL").fetchall()
    return tuple(history), counts, tuple(columns)
