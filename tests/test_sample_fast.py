"""load_sample holds one connection open for its nine imports (faster first launch): the store it
leaves is the same as the one-import-after-the-other load it replaced, table by table and in the
import history, and the held connection is closed again afterwards."""

from __future__ import annotations

import hashlib
import io

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from icp_core import sample
from icp_core.sample import SAMPLE_PREFIX, SAMPLE_TABLES, load_sample, sample_frames
from icp_core.store import Store


def _load_one_by_one(store: Store) -> dict[str, int]:
    """The load as it was before the fast path: one load_frame per table, nothing held open, each
    frame written as Parquet again."""
    counts = {}
    for table, frame in sample_frames().items():
        counts[table] = store.load_frame(table, frame, file_name=f"{SAMPLE_PREFIX}{table}", mode="replace").rows_imported
    return counts


def _history(store: Store) -> list[tuple]:
    return [(i["file"], i["table"], i["mode"], i["rows_imported"], i["rows_rejected"]) for i in store.imports()]


def _sha(path: str) -> dict[str, str]:
    con = duckdb.connect(path, read_only=True)
    try:
        return dict(con.execute("SELECT file_name, sha256 FROM _imports ORDER BY import_id").fetchall())
    finally:
        con.close()


def test_fast_load_stores_the_same_tables_as_the_one_by_one_load(tmp_path):
    fast, slow = Store(str(tmp_path / "fast.duckdb")), Store(str(tmp_path / "slow.duckdb"))
    assert load_sample(fast) == _load_one_by_one(slow)
    assert fast.tables() == slow.tables() and set(fast.tables()) == set(SAMPLE_TABLES)
    for table in SAMPLE_TABLES:
        a, b = fast.export_frame(table), slow.export_frame(table)
        assert a.height > 0
        assert_frame_equal(a, b)
    assert _history(fast) == _history(slow)
    assert fast.extra_columns("accounts") == slow.extra_columns("accounts")
    assert fast.is_sample() and slow.is_sample()
    # the raw file kept per import is the bundled Parquet file as it is (not written again)
    assert _sha(fast.location) == {
        f"{SAMPLE_PREFIX}{table}": hashlib.sha256((sample.SAMPLE_DIR / f"{table}.parquet").read_bytes()).hexdigest()
        for table in SAMPLE_TABLES
    }
    for table in SAMPLE_TABLES:
        import_id = next(i["import_id"] for i in fast.imports() if i["file"] == f"{SAMPLE_PREFIX}{table}")
        kept = pl.read_parquet(io.BytesIO(fast.raw_file(import_id)))
        assert_frame_equal(kept, sample_frames()[table])
    # and the planted truth is there: the bundled accounts, row for row
    bundled = sample_frames()["accounts"].sort("account_id")
    stored = fast.export_frame("accounts").sort("account_id").select(bundled.columns)
    assert_frame_equal(stored, bundled, check_dtypes=False)


def test_the_held_connection_is_closed_afterwards(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "s.duckdb"))
    given = []
    original = Store.cursor

    def recording_cursor(self):
        cur = original(self)
        given.append(cur)
        return cur

    monkeypatch.setattr(Store, "cursor", recording_cursor)
    load_sample(store)
    assert given, "load_sample did not hold a connection"
    for cur in given:  # every cursor handed out is closed again
        try:
            cur.execute("SELECT 1")
        except duckdb.ConnectionException:
            continue
        raise AssertionError("a cursor was left open")
    monkeypatch.undo()
    assert store.tables()["accounts"] == 2500


def test_a_store_without_cursor_loads_as_before():
    class Fake:
        def __init__(self):
            self.calls = []

        def load_frame(self, table, frame, file_name="fixture", mode="replace", content=None):
            self.calls.append(table)

            class Result:
                rows_imported = frame.height

            return Result()

    fake = Fake()
    counts = load_sample(fake)
    assert fake.calls == list(SAMPLE_TABLES)
    assert counts["accounts"] == 2500 and counts["market"] == 100_000


def test_the_connection_is_held_during_the_load_and_closed_on_error(tmp_path, monkeypatch):
    events = []

    class Cursor:
        def close(self):
            events.append("close")

    class Failing:
        def cursor(self):
            events.append("open")
            return Cursor()

        def load_frame(self, table, frame, file_name="fixture", mode="replace", content=None):
            events.append(table)
            if table == "pmf_survey":
                raise RuntimeError("disk full")

            class Result:
                rows_imported = frame.height

            return Result()

    try:
        load_sample(Failing())
    except RuntimeError:
        pass
    else:  # pragma: no cover - the fake raises
        raise AssertionError("the error was swallowed")
    assert events == ["open", "accounts", "contacts", "nps_responses", "pmf_survey", "close"]
    assert sample._hold_open(object()) is None
    assert isinstance(sample_frames()["accounts"], pl.DataFrame)
