"""Store.holding(): within one block (one Streamlit script run) a file store opened once stays
open, so the block's later reads reuse DuckDB's open database instead of opening the file again.
The same answers as without the block; the file is free for other programs once the block ends
(or after close() / release_held()); writes, renames and deletes of workspaces still work."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from icp_core import workspaces
from icp_core import store as store_module
from icp_core.store import Store, memory_limit

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")


def _accounts(n: int, prefix: str = "A") -> pl.DataFrame:
    return pl.DataFrame({"account_id": [f"{prefix}{i}" for i in range(n)], "company_name": [f"Firma {i}" for i in range(n)]})


def _free_for_another_process(path: str) -> bool:
    """Whether another process can open the file for writing right now (no waiting)."""
    code = "import sys, duckdb\ntry:\n    duckdb.connect(sys.argv[1]).close()\nexcept duckdb.IOException:\n    sys.exit(3)\n"
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr
    return done.returncode == 0


def _answers(store: Store) -> tuple:
    return (store.tables(), store.columns("accounts"), store.data_version(), store.get_setting("k"),
            [{k: v for k, v in i.items() if k != "at"} for i in store.imports()], store.is_sample(),
            store.export_frame("accounts").rows())


@pytest.fixture
def path(tmp_path) -> str:
    location = str(tmp_path / "s.duckdb")
    store = Store(location)
    store.load_frame("accounts", _accounts(3))
    store.set_setting("k", {"a": 1})
    return location


def test_a_block_opens_the_file_once_and_gives_the_same_answers(path, monkeypatch):
    outside = _answers(Store(path))
    opened = []
    real = store_module._connect
    monkeypatch.setattr(store_module, "_connect", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    with Store.holding():
        store = Store(path)
        inside = _answers(store)
        inside_again = _answers(Store(path))
        assert not _free_for_another_process(path)  # held for the block
    assert inside == outside and inside_again == outside
    assert _free_for_another_process(path)  # free again once the block ends
    # every open in the block after the first one found the database open (the held connection)
    assert opened.count(path) >= 5


def test_without_a_block_nothing_is_held(path):
    store = Store(path)
    store.tables()
    store.get_setting("k")
    assert _free_for_another_process(path)


def test_writes_in_a_block_are_seen_in_it_and_after_it_by_another_process(path):
    with Store.holding():
        store = Store(path)
        before = store.data_version()
        assert store.tables() == {"accounts": 3}
        store.load_frame("accounts", _accounts(2, prefix="B"), mode="append")
        store.set_setting("k", {"a": 2})
        assert store.tables() == {"accounts": 5}
        assert store.data_version() > before
        assert store.get_setting("k") == {"a": 2}
        # reads get their memory limit back after a write (a write runs with DuckDB's default)
        cur = store.cursor()
        assert cur.execute("SELECT current_setting('memory_limit')").fetchall() == \
            duckdb.connect(":memory:").execute(f"SET memory_limit = '{memory_limit()}'; "
                                               "SELECT current_setting('memory_limit')").fetchall()
        cur.close()
    code = ("import sys; from icp_core.store import Store; s = Store(sys.argv[1]);"
            "print(s.tables()['accounts'], s.get_setting('k')['a'])")
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["5", "2"]


def test_a_cursor_from_the_block_outlives_it(path):
    with Store.holding():
        cur = Store(path).cursor()
    assert cur.execute("SELECT count(*) FROM accounts").fetchall() == [(3,)]
    assert not _free_for_another_process(path)  # the caller's cursor holds the file, as without a block
    cur.close()
    assert _free_for_another_process(path)


def test_close_and_release_held_free_the_file_within_the_block(path):
    with Store.holding():
        store = Store(path)
        store.tables()
        store.close()
        assert _free_for_another_process(path)
        store.tables()  # opened (and held) again
        assert not _free_for_another_process(path)
        Store.release_held()
        assert _free_for_another_process(path)
        assert store.get_setting("k") == {"a": 1}
    assert _free_for_another_process(path)


def test_nested_blocks_are_one_block_and_errors_end_it(path):
    with pytest.raises(RuntimeError):
        with Store.holding():
            Store(path).tables()
            with Store.holding():
                Store(path).data_version()
            assert not _free_for_another_process(path)  # the inner block did not end the outer one
            raise RuntimeError("stop")
    assert _free_for_another_process(path)


def test_blocks_belong_to_their_thread(path):
    other: list[bool] = []

    def read_in_a_thread() -> None:
        with Store.holding():
            Store(path).tables()
        other.append(True)

    with Store.holding():
        Store(path).tables()
        thread = threading.Thread(target=read_in_a_thread)
        thread.start()
        thread.join()
        assert other == [True]
        assert not _free_for_another_process(path)  # the other thread's block ending left ours open
    assert _free_for_another_process(path)


def test_workspace_rename_and_delete_in_a_block(tmp_path, monkeypatch):
    monkeypatch.delenv("ICP_WORKSPACES", raising=False)
    base = str(tmp_path / "store.duckdb")
    Store(base).close()
    with Store.holding():
        slug = workspaces.create(base, "Team A")
        location = workspaces.location_of(base, slug)
        store = Store(location)
        store.load_frame("accounts", _accounts(4))
        assert store.tables() == {"accounts": 4}
        Store.release_held()  # as the sidebar does before moving the file
        renamed = workspaces.rename(base, slug, "Team B")
        moved = Store(workspaces.location_of(base, renamed))
        assert moved.tables() == {"accounts": 4}
        assert not os.path.exists(location)
        Store.release_held()
        workspaces.delete(base, renamed)
        assert not os.path.exists(workspaces.location_of(base, renamed))
        again = workspaces.create(base, "Team B")
        assert Store(workspaces.location_of(base, again)).tables() == {}  # a new file, not the deleted one


def test_the_app_frees_the_store_when_its_run_ends(path, monkeypatch):
    monkeypatch.setenv("ICP_DB", path)
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    assert _free_for_another_process(path)
