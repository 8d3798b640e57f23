"""Store.data_version / get_setting remember their value while the database file is unchanged
(a page rerun asks a dozen times; each read of a file store opens the file, ~20 ms). Any change,
by this Store, another Store object or another process, must be seen at the next call."""

from __future__ import annotations

import subprocess
import sys

import polars as pl

from icp_core.store import Store


def _accounts(n: int, prefix: str = "A") -> pl.DataFrame:
    return pl.DataFrame({"account_id": [f"{prefix}{i}" for i in range(n)], "company_name": [f"Firma {i}" for i in range(n)]})


def test_repeated_reads_open_the_file_once(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "s.duckdb"))
    store.set_setting("k", {"a": 1})
    opens = []
    original = Store._open
    monkeypatch.setattr(Store, "_open", lambda self, deadline: opens.append(1) or original(self, deadline))
    versions = [store.data_version() for _ in range(5)]
    settings = [store.get_setting("k") for _ in range(5)]
    assert versions == [versions[0]] * 5
    assert settings == [{"a": 1}] * 5
    assert len(opens) == 2  # one read for the version, one for the setting


def test_changes_by_another_store_object_are_seen_at_once(tmp_path):
    path = str(tmp_path / "s.duckdb")
    reader, writer = Store(path), Store(path)
    assert reader.data_version() == 0
    seen = []
    for round_ in range(1, 21):  # quick succession: the file's timestamps alone could repeat
        writer.load_frame("accounts", _accounts(round_, prefix=f"R{round_}-"), mode="append")
        writer.set_setting("round", round_)
        seen.append((reader.data_version(), reader.get_setting("round")))
    assert [s for _v, s in seen] == list(range(1, 21))
    assert len({v for v, _s in seen}) == 20 and all(b > a for (a, _), (b, _) in zip(seen, seen[1:]))
    assert reader.data_version() == writer.data_version()


def test_changes_by_another_process_are_seen(tmp_path):
    path = str(tmp_path / "s.duckdb")
    store = Store(path)
    store.set_setting("who", "this process")
    before = store.data_version()
    code = (
        "import polars as pl; from icp_core.store import Store; s = Store(%r);"
        "s.load_frame('accounts', pl.DataFrame({'account_id': ['X1', 'X2'], 'company_name': ['a', 'b']}), mode='append');"
        "s.set_setting('who', 'the other process')" % path
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert store.data_version() > before
    assert store.get_setting("who") == "the other process"
    assert store.tables()["accounts"] == 2


def test_own_writes_are_seen_and_settings_are_fresh_objects(tmp_path):
    store = Store(str(tmp_path / "s.duckdb"))
    store.set_setting("weights", {"industry": 0.5})
    first = store.get_setting("weights")
    first["industry"] = 0.9  # a caller changing its copy changes nothing stored
    assert store.get_setting("weights") == {"industry": 0.5}
    v0 = store.data_version()
    store.load_frame("accounts", _accounts(3), mode="replace")
    assert store.data_version() == v0 + 1
    assert store.get_setting("missing", "fallback") == "fallback"
    store.set_setting("missing", "now here")
    assert store.get_setting("missing", "fallback") == "now here"


def test_file_stores_cap_duckdb_memory(tmp_path, monkeypatch):
    from icp_core.store import memory_limit

    def limit_seen(store: Store) -> int:
        with store._reading() as con:
            return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("ICP_MEMORY_LIMIT", raising=False)
    assert memory_limit() == "128MB"
    store = Store(str(tmp_path / "s.duckdb"))
    assert limit_seen(store) == "122.0 MiB"  # DuckDB shows 128 MB (10^6) in MiB
    monkeypatch.setenv("ICP_MEMORY_LIMIT", "1GB")
    assert memory_limit() == "1GB" and limit_seen(store) == "953.6 MiB"
    monkeypatch.setenv("ICP_MEMORY_LIMIT", "1GB'; DROP TABLE accounts; --")
    assert memory_limit() == "128MB"  # anything but a size falls back to the default
    monkeypatch.setenv("ICP_MEMORY_LIMIT", "none")
    assert memory_limit() is None


def test_writes_run_without_the_read_cap(tmp_path, monkeypatch):
    monkeypatch.delenv("ICP_MEMORY_LIMIT", raising=False)
    store = Store(str(tmp_path / "s.duckdb"))
    with store._writing() as con:
        during_write = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    with store._reading() as con:
        during_read = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert during_read == "122.0 MiB" and during_write != "122.0 MiB"
