"""store.release_memory (issue 9): hands DuckDB's cached allocations back without changing
the connection's settings: a file store keeps store.memory_limit(), an in-memory one DuckDB's default."""

from __future__ import annotations

import duckdb

from icp_core.store import Store, memory_limit, release_memory


def _limit(cur) -> str:
    return cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_file_store_keeps_its_memory_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("ICP_MEMORY_LIMIT", raising=False)
    store = Store(str(tmp_path / "s.duckdb"))
    cur = store.cursor()
    before = _limit(cur)
    release_memory(cur)
    assert _limit(cur) == before
    probe = duckdb.connect()
    probe.execute(f"SET memory_limit = '{memory_limit()}'")
    assert _limit(cur) == _limit(probe)  # 128MB as DuckDB shows it
    cur.close()


def test_in_memory_keeps_the_default():
    con = duckdb.connect()
    default = _limit(con)
    release_memory(con)
    assert _limit(con) == default
    assert con.execute("SELECT 1 + 1").fetchall() == [(2,)]
