"""Store faults (docs/RELIABILITY.md, "Faults"): a store held by another process, a read-only
store, a full disk, a damaged file. Each gives one clear message (IcpError with an i18n key, en
and de), loses nothing, and touches no other store."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from icp_core.errors import IcpError, StoreBusy
from icp_core.store import Store

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 60  # hang guard for helper subprocesses

pytestmark = pytest.mark.timeout(600)


def _clear(err: IcpError, key: str) -> None:
    assert err.key == key, err.key
    en, de = err.message("en"), err.message("de")
    assert en and de and en != de and key not in en and key not in de


def _seeded(path: Path) -> Store:
    store = Store(str(path))
    store.import_file(b"account_id,company_name\nA1,One\nA2,Two\n", "accounts", file_name="a.csv")
    return store


def test_store_held_by_another_process(tmp_path):
    db = tmp_path / "held.duckdb"
    other = _seeded(tmp_path / "other.duckdb")
    _seeded(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print("holding", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        store = Store.__new__(Store)  # a Store object without touching the file on construction
        with pytest.raises(StoreBusy) as err:
            Store(str(db), timeout=1).import_file(b"account_id\nB1\n", "accounts")
        _clear(err.value, "store.busy")
        assert str(db) in err.value.message("en")
        del store
        assert other.tables() == {"accounts": 2}  # another store is not affected
    finally:
        holder.communicate("", timeout=HANG_GUARD_S)
    assert Store(str(db)).tables() == {"accounts": 2}  # nothing lost, usable again


def test_write_lock_held_elsewhere_times_out_clearly(tmp_path):
    from filelock import FileLock

    db = tmp_path / "locked.duckdb"
    _seeded(db)
    lock = FileLock(str(db) + ".lock")
    with lock:
        with pytest.raises(StoreBusy) as err:
            Store(str(db), timeout=0.5).import_file(b"account_id\nB1\n", "accounts")
        _clear(err.value, "store.busy")
        assert Store(str(db), timeout=0.5).tables() == {"accounts": 2}  # reading still works meanwhile
    assert Store(str(db)).import_file(b"account_id\nB1\n", "accounts", mode="append").rows_imported == 1


def test_read_only_store_refuses_writes_and_still_reads(tmp_path):
    db = tmp_path / "ro.duckdb"
    _seeded(db)
    store = Store(str(db), read_only=True)
    with pytest.raises(IcpError) as err:
        store.import_file(b"account_id\nB1\n", "accounts")
    _clear(err.value, "store.read_only")
    assert store.tables() == {"accounts": 2}


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="needs POSIX users")
def test_read_only_file_and_folder(tmp_path):
    """chmod 444 file / 555 folder. Root ignores file modes, so the check runs as `nobody`."""
    folder = tmp_path / "ro_dir"
    folder.mkdir()
    db = folder / "ro.duckdb"
    _seeded(db)
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    for p in (tmp_path, *tmp_path.parents):
        if p == Path("/"):
            break
        os.chmod(p, os.stat(p).st_mode | 0o005)
    script = textwrap.dedent(f"""
        import json
        from icp_core.errors import IcpError
        from icp_core.store import Store
        out = {{}}
        try:
            Store({str(db)!r}).import_file(b"account_id\\nB1\\n", "accounts")
            out["write"] = "ok"
        except IcpError as err:
            out["write"] = err.key; out["en"] = err.message("en"); out["de"] = err.message("de")
        try:
            out["read"] = Store({str(db)!r}, read_only=True).tables()
        except IcpError as err:
            out["read"] = err.key
        print(json.dumps(out))
    """)
    user = 65534 if os.geteuid() == 0 else None
    env = dict(os.environ, HOME=str(tmp_path), UV_CACHE_DIR=str(tmp_path / "uv"))
    try:
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=HANG_GUARD_S, user=user)
    except PermissionError:
        proc = None
    finally:
        os.chmod(folder, 0o755)
        os.chmod(db, 0o644)
    if proc is None:
        pytest.skip("the project's interpreter is not executable by `nobody` here (root-only venv)")
    if proc.returncode != 0 and "Permission denied" in proc.stderr and "python" in proc.stderr.lower():
        pytest.skip("the interpreter is not readable by nobody here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["write"] in ("store.cannot_open", "store.read_only"), out
    assert out["en"] and out["de"] and out["en"] != out["de"]
    assert out["read"] == {"accounts": 2}, out  # reading still works
    assert Store(str(db)).tables() == {"accounts": 2}


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / f"disk_{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk(tiny_disk, tmp_path):
    db = tiny_disk / "full.duckdb"
    other = _seeded(tmp_path / "elsewhere.duckdb")
    store = _seeded(db)
    before = store.tables(), len(store.imports())
    big = "account_id,notes\n" + "\n".join(f"B{i},{random.Random(i).randbytes(400).hex()}" for i in range(6000))
    with pytest.raises(IcpError) as err:  # ~5 MB of text into a 2 MB disk
        store.import_file(big.encode(), "accounts", mode="append")
    print(f"\nfull disk: {err.value.key}: {err.value.message('en')}")
    assert err.value.message("en") and err.value.message("de")
    assert err.value.key in ("store.disk_full", "store.cannot_write", "store.cannot_open", "store.corrupt"), err.value.key
    # nothing lost: the store opens with exactly what it had, and takes a small import again
    reopened = Store(str(db))
    assert (reopened.tables(), len(reopened.imports())) == before
    assert reopened.import_file(b"account_id\nC1\n", "accounts", mode="append").rows_imported == 1
    assert other.tables() == {"accounts": 2}


@pytest.mark.parametrize("seed", range(8))
def test_damaged_store_gives_a_clear_message(tmp_path, seed):
    db = tmp_path / "damaged.duckdb"
    store = _seeded(db)
    store.import_file(("account_id,company_name\n" + "\n".join(f"A{i},C{i}" for i in range(20000))).encode(), "accounts")
    other = _seeded(tmp_path / "healthy.duckdb")
    del store
    data = bytearray(db.read_bytes())
    rng = random.Random(seed)
    start = rng.randrange(0, len(data) - 4096)
    data[start : start + 4096] = rng.randbytes(4096)
    db.write_bytes(bytes(data))
    try:
        damaged = Store(str(db))
        damaged.tables()
        damaged.export_frame("accounts")
        damaged.imports()
    except IcpError as err:
        assert err.key in ("store.cannot_open", "store.corrupt"), err.key
        _clear(err, err.key)
    assert other.tables() == {"accounts": 2}


def test_not_a_duckdb_file(tmp_path):
    db = tmp_path / "notes.duckdb"
    db.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(IcpError) as err:
        Store(str(db))
    _clear(err.value, "store.cannot_open")
    assert db.read_bytes().startswith(b"these are my notes")  # the file was not overwritten


def test_app_shows_the_message_instead_of_a_traceback(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "garbage.duckdb"
    db.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("ICP_DB", str(db))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value for e in app.error]
    assert any("cannot be opened" in text for text in errors), errors
