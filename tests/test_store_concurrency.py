"""Two programs on one store file: writes wait for each other, none is lost; a held store is reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from icp_core.errors import StoreBusy
from icp_core.store import Store

IMPORTER = textwrap.dedent(
    """
    import sys, time, os
    from icp_core.store import Store
    db, csv, go = sys.argv[1], sys.argv[2], sys.argv[3]
    while not os.path.exists(go):  # start both importers at the same moment
        time.sleep(0.005)
    for round in range(3):
        Store(db).import_file(csv, "accounts", mode="append", file_name=os.path.basename(csv) + f"#{round}")
    """
)

HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])  # holds the file like a running dashboard mid-query
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    """
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    return env


def test_two_processes_importing_at_once_both_land(tmp_path):
    db = str(tmp_path / "shared.duckdb")
    Store(db)  # create it, as the app would
    files = []
    for name, prefix in (("east.csv", "E"), ("west.csv", "W")):
        path = tmp_path / name
        rows = "\n".join(f"{prefix}{i},Company {prefix}{i},{i}" for i in range(500))
        path.write_text("Kundennummer,Firma,Mitarbeiter\n" + rows + "\n")
        files.append(str(path))
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", IMPORTER, db, f, str(go)], env=_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for f in files
    ]
    go.write_text("go")
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode() for o in outputs]

    store = Store(db)
    history = store.imports()
    assert sorted(e["file"] for e in history) == sorted(
        f"{name}#{r}" for name in ("east.csv", "west.csv") for r in range(3))
    assert sorted(e["import_id"] for e in history) == list(range(1, 7))
    # each file's first round brought its 500 rows; the repeats were rejected as keys already stored
    assert store.tables() == {"accounts": 1000}
    assert sorted(e["rows_imported"] for e in history) == [0, 0, 0, 0, 500, 500]
    ids = store.export_frame("accounts")["account_id"].to_list()
    assert sorted(ids) == sorted([f"E{i}" for i in range(500)] + [f"W{i}" for i in range(500)])
    assert store.data_version() == 6


def test_store_held_by_another_program_raises_store_busy(tmp_path):
    db = str(tmp_path / "held.duckdb")
    Store(db).import_file(b"Kundennummer\nA1\n", "accounts", file_name="a.csv")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db], env=_env(), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"holding"
        with pytest.raises(StoreBusy) as err:
            Store(db, timeout=0.3).import_file(b"Kundennummer\nA2\n", "accounts", file_name="b.csv")
        assert err.value.message("en") == (
            f"The store {db} is in use by another program (e.g. the dashboard). Close it or try again in a moment.")
        assert "anderen Programm" in err.value.message("de")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # once released, the same write goes through, and the earlier data is intact
    store = Store(db)
    store.import_file(b"Kundennummer\nA2\n", "accounts", mode="append", file_name="b.csv")
    assert sorted(store.export_frame("accounts")["account_id"].to_list()) == ["A1", "A2"]


def test_writer_waits_for_a_short_hold_instead_of_failing(tmp_path):
    db = str(tmp_path / "brief.duckdb")
    Store(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db], env=_env(), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"holding"
    # release the store shortly after the write has started waiting
    threading.Timer(0.5, holder.stdin.close).start()
    store = Store(db, timeout=60)
    result = store.import_file(b"Kundennummer\nA1\n", "accounts", file_name="a.csv")
    holder.wait(timeout=30)
    assert result.rows_imported == 1
    assert store.tables() == {"accounts": 1}


def test_an_idle_store_object_does_not_hold_the_file(tmp_path):
    """The dashboard keeps a Store for its lifetime: between uses another process can write."""
    db = str(tmp_path / "idle.duckdb")
    app_store = Store(db)
    app_store.import_file(b"Kundennummer\nA1\n", "accounts", file_name="a.csv")
    cur = app_store.cursor()  # a page run reads...
    assert cur.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    cur.close()  # ...and ends
    script = "import sys; from icp_core.store import Store; " \
             "Store(sys.argv[1], timeout=5).import_file(b'Kundennummer\\nB1\\n', 'accounts', mode='append', file_name='cli.csv')"
    done = subprocess.run([sys.executable, "-c", script, db], env=_env(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert app_store.tables() == {"accounts": 2}
    assert app_store.data_version() == 2
