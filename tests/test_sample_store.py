"""The prebuilt sample store (sample_data/sample_store.duckdb): first launch copies it instead of
loading the sample company (~0.05 s instead of ~0.8 s). It must hold exactly what load_sample
stores today, it is used only while it fits (DuckDB version, store tables, sample files), and a
copy never replaces a store that exists."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from icp_core import sample
from icp_core.i18n import t
from icp_core.sample import PREBUILT_MANIFEST, PREBUILT_STORE, SAMPLE_TABLES, load_sample, prebuilt_store, seed_new_store
from icp_core.store import Store, create_from_template

APP = str(pathlib.Path(__file__).resolve().parent.parent / "app.py")
REBUILD = "sample_data/sample_store.duckdb is out of date: run `uv run python sample_data/generate.py`"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple]]:
    """{table: [(column, type), ...]} of every table in a catalog."""
    rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
                       "ORDER BY table_name, column_index", [catalog]).fetchall()
    out: dict[str, list[tuple]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


def _differences(built: str, fresh: str) -> dict[str, tuple[int, int]]:
    """Per table, (rows only in built, rows only in fresh), counted with duplicates; the import
    history's timestamps ("at") left out."""
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS built (READ_ONLY)", [built])
        con.execute("ATTACH ? AS fresh (READ_ONLY)", [fresh])
        tables = _tables(con, "built")
        assert tables == _tables(con, "fresh"), REBUILD
        out = {}
        for table, columns in tables.items():
            cols = ", ".join(f'"{c}"' for c, _ in columns if not (table == "_imports" and c == "at"))
            only = [con.execute(f'SELECT count(*) FROM (SELECT {cols} FROM {a}."{table}" EXCEPT ALL '
                                f'SELECT {cols} FROM {b}."{table}")').fetchone()[0]
                    for a, b in (("built", "fresh"), ("fresh", "built"))]
            out[table] = tuple(only)
        return out
    finally:
        con.close()


def _sample_store(path: pathlib.Path) -> Store:
    """A new store with the sample loaded the usual way, as first launch leaves it."""
    store = Store(str(path))
    load_sample(store)
    store.set_setting("app.sample_offered", True)
    return store


def test_the_prebuilt_store_holds_what_load_sample_stores_today(tmp_path):
    assert prebuilt_store() == PREBUILT_STORE, REBUILD  # its manifest fits this checkout
    fresh = _sample_store(tmp_path / "fresh.duckdb")
    differences = _differences(str(PREBUILT_STORE), fresh.location)
    assert set(differences) >= set(SAMPLE_TABLES) | {"_imports", "_raw_files", "_settings", "_meta", "_market_index"}
    assert {t_: d for t_, d in differences.items() if d != (0, 0)} == {}, REBUILD


def test_a_new_store_starts_as_a_copy_of_it_with_its_history_dated_now(tmp_path):
    location = tmp_path / "new.duckdb"
    before = _now()
    assert seed_new_store(str(location)) is True
    after = _now()
    store = Store(str(location))
    template = Store(str(PREBUILT_STORE), read_only=True)
    assert store.tables() == template.tables() and store.tables()["accounts"] == 2500
    assert store.is_sample() and store.get_setting("app.sample_offered", False) is True
    copied, built = store.imports(), template.imports()
    assert [(i["file"], i["rows_imported"]) for i in copied] == [(i["file"], i["rows_imported"]) for i in built]
    # dated from the copy on, in the same order and spacing as when the template was built
    first = min(i["at"] for i in copied)
    assert before <= first <= after
    built_first = min(i["at"] for i in built)
    assert sorted(i["at"] - first for i in copied) == sorted(i["at"] - built_first for i in built)
    assert max(i["at"] for i in copied) - first < timedelta(seconds=30)
    # nothing half-made is left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.duckdb", "new.duckdb.lock"]


def test_a_store_that_exists_is_never_replaced(tmp_path):
    location = tmp_path / "mine.duckdb"
    store = Store(str(location))
    assert store.tables() == {}  # a store of its own, empty
    assert seed_new_store(str(location)) is False
    assert create_from_template(str(location), PREBUILT_STORE) is False
    assert Store(str(location)).tables() == {} and not Store(str(location)).imports()


@pytest.mark.parametrize("where", [":memory:", "no_such_folder/new.duckdb"])
def test_nothing_is_made_where_no_new_store_file_can_be(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    assert seed_new_store(where) is False
    assert list(tmp_path.iterdir()) == []


def test_a_template_that_does_not_open_makes_nothing(tmp_path):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database" * 100)
    assert create_from_template(str(tmp_path / "new.duckdb"), broken) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.duckdb", "new.duckdb.lock"]


def test_two_threads_starting_the_same_new_store_make_one_copy(tmp_path):
    location = str(tmp_path / "shared.duckdb")
    results: list[bool] = []
    start = threading.Barrier(2)

    def seed() -> None:
        start.wait()
        results.append(seed_new_store(location))

    threads = [threading.Thread(target=seed) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Store(location).tables()["accounts"] == 2500 and len(Store(location).imports()) == len(SAMPLE_TABLES)


@pytest.fixture
def sample_copy(tmp_path) -> pathlib.Path:
    """The sample files, the prebuilt store and its manifest, copied to a folder of their own."""
    folder = tmp_path / "sample"
    folder.mkdir()
    for table in SAMPLE_TABLES:
        shutil.copy(sample.SAMPLE_DIR / f"{table}.parquet", folder)
    shutil.copy(PREBUILT_STORE, folder)
    shutil.copy(PREBUILT_MANIFEST, folder)
    return folder


def test_the_prebuilt_store_is_used_only_while_it_fits(sample_copy):
    store, manifest = sample_copy / PREBUILT_STORE.name, sample_copy / PREBUILT_MANIFEST.name
    assert prebuilt_store(sample_copy) == store
    facts = json.loads(manifest.read_text(encoding="utf-8"))
    # written by another DuckDB
    manifest.write_text(json.dumps({**facts, "duckdb": "1.0.0"}), encoding="utf-8")
    assert prebuilt_store(sample_copy) is None
    # other store tables
    manifest.write_text(json.dumps({**facts, "store_tables": "0" * 64}), encoding="utf-8")
    assert prebuilt_store(sample_copy) is None
    manifest.write_text(json.dumps(facts), encoding="utf-8")
    assert prebuilt_store(sample_copy) == store
    # a sample file changed after the store was built
    jobs = sample_copy / "jobs.parquet"
    original = jobs.read_bytes()
    jobs.write_bytes(original + b"\0")
    assert prebuilt_store(sample_copy) is None
    jobs.write_bytes(original)
    assert prebuilt_store(sample_copy) == store
    # no manifest, a manifest that is not JSON, no store
    manifest.write_text("{", encoding="utf-8")
    assert prebuilt_store(sample_copy) is None
    manifest.unlink()
    assert prebuilt_store(sample_copy) is None
    manifest.write_text(json.dumps(facts), encoding="utf-8")
    store.unlink()
    assert prebuilt_store(sample_copy) is None


def test_building_it_again_gives_the_same_store(sample_copy, tmp_path):
    (sample_copy / PREBUILT_STORE.name).unlink()
    (sample_copy / PREBUILT_MANIFEST.name).unlink()
    built = sample.build_prebuilt_store(sample_copy)
    assert built == sample_copy / PREBUILT_STORE.name and prebuilt_store(sample_copy) == built
    assert json.loads((sample_copy / PREBUILT_MANIFEST.name).read_text(encoding="utf-8")) == \
        json.loads(PREBUILT_MANIFEST.read_text(encoding="utf-8"))
    assert {d for d in _differences(str(built), str(PREBUILT_STORE)).values()} == {(0, 0)}
    assert sorted(p.name for p in sample_copy.iterdir()) == sorted(
        [f"{t_}.parquet" for t_ in SAMPLE_TABLES] + [PREBUILT_STORE.name, PREBUILT_MANIFEST.name])


# ---- first launch in the app -------------------------------------------------------------------

@pytest.fixture
def new_store(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "first_launch.duckdb")
    monkeypatch.setenv("ICP_DB", path)
    return path


@pytest.mark.usefixtures("navigation_like_the_server")
def test_first_launch_copies_the_prebuilt_store_and_does_not_load_the_sample(new_store, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("first launch loaded the sample instead of copying the prebuilt store")

    monkeypatch.setattr(sample, "load_sample", no_loading)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [i.value for i in at.info] == [t("app.sample_banner", "en")]
    store = Store(new_store)
    assert store.tables() == Store(str(PREBUILT_STORE), read_only=True).tables()
    assert all(_now() - i["at"] < timedelta(minutes=5) for i in store.imports())


@pytest.mark.usefixtures("navigation_like_the_server")
def test_first_launch_loads_the_sample_when_the_prebuilt_store_does_not_fit(new_store, monkeypatch):
    monkeypatch.setattr(sample, "prebuilt_store", lambda directory=None: None)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [i.value for i in at.info] == [t("app.sample_banner", "en")]
    store = Store(new_store)
    assert store.tables() == Store(str(PREBUILT_STORE), read_only=True).tables()
    assert {d for d in _differences(new_store, str(PREBUILT_STORE)).values()} == {(0, 0)}


def test_copying_it_does_not_import_polars(tmp_path):
    """The copy happens in the app's first script run, which does without polars (~0.1 s; see
    tests/test_store_tables_lazy.py)."""
    code = (
        "import sys\n"
        "from icp_core.sample import seed_new_store\n"
        f"print(seed_new_store({str(tmp_path / 'new.duckdb')!r}), 'polars' in sys.modules)\n"
    )
    root = pathlib.Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]
