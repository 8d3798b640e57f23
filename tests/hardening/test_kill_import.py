"""A process killed (SIGKILL) in the middle of an import (docs/RELIABILITY.md, "Crashes").

`icp import` of a 60,000-row file runs in a subprocess against a store that already holds two
imports; it is killed after a random delay (fixed seeds). Then the store must open, hold either
the whole new import or none of it (the accounts count is one of the two allowed values, the
history has the new entry exactly when its rows are there), and the earlier imports must be
intact (their deals rows, their history entries).

CI mode: 10 kills; long mode (--long / ICP_LONG_TESTS=1): 100.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from icp_core.store import Store
from tests.hardening.conftest import cases

ROOT = Path(__file__).resolve().parents[2]
ROWS = 60_000
HANG_GUARD_S = 120  # hang guard for one `icp import`, not a speed assertion

pytestmark = pytest.mark.timeout(3600)


def _big_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("account_id,company_name,country,employees,mrr,start_date\n")
        for i in range(ROWS):
            f.write(f"K{i:06d},Company {i},DE,{i % 900 + 1},{i % 700}.5,2021-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n")


def test_sigkill_during_import_is_all_or_nothing(tmp_path):
    n = cases(10, 100)
    db = tmp_path / "killed.duckdb"
    store = Store(str(db))
    first = store.import_file(b"account_id,company_name\nA1,First\nA2,Second\n", "accounts", file_name="first.csv")
    deals = store.import_file(b"deal_id,account_id,outcome,amount\nD1,A1,won,10\nD2,A2,lost,5\n", "deals",
                              file_name="deals.csv")
    del store
    big = tmp_path / "big.csv"
    _big_csv(big)
    env = dict(os.environ, ICP_DB=str(db))
    # how long a whole import takes here: the kills land anywhere from start-up to just after the end
    started = time.monotonic()
    whole = subprocess.run([sys.executable, "-m", "icp_core", "--db", str(db), "import", str(big), "--table", "accounts",
                            "--mode", "append", "--json"], cwd=ROOT, env=env, capture_output=True, timeout=HANG_GUARD_S)
    span = time.monotonic() - started
    assert whole.returncode == 0, whole.stderr.decode()
    store = Store(str(db))
    baseline = store.imports()[0]
    store.undo(baseline["import_id"])
    assert store.tables()["accounts"] == 2
    del store

    rng = random.Random(20240601)
    outcomes = {"none": 0, "whole": 0}
    for k in range(n):
        delay = rng.uniform(0.05, span * 1.1)
        proc = subprocess.Popen([sys.executable, "-m", "icp_core", "--db", str(db), "import", str(big), "--table",
                                 "accounts", "--mode", "append"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=HANG_GUARD_S)
        store = Store(str(db))  # it opens (DuckDB replays or drops its write-ahead log)
        count = store.tables()["accounts"]
        history = store.imports("accounts")
        standing = [e for e in history if e["file"] == "big.csv" and not e["undone"]]
        assert count in (2, 2 + ROWS), f"kill {k} after {delay:.2f} s: {count} accounts"
        if count == 2:
            assert not standing, f"kill {k}: history has the import but its rows are missing"
            outcomes["none"] += 1
        else:
            assert len(standing) == 1 and standing[0]["rows_imported"] == ROWS, f"kill {k}: {standing}"
            outcomes["whole"] += 1
            store.undo(standing[0]["import_id"])  # back to the two accounts for the next round
        # every earlier import intact
        ids = {e["import_id"] for e in store.imports() if not e["undone"]}
        assert {first.import_id, deals.import_id} <= ids
        frame = store.export_frame("accounts")
        assert frame.filter(frame["account_id"].is_in(["A1", "A2"]))["company_name"].to_list() == ["First", "Second"]
        assert store.tables()["deals"] == 2
        del store
    print(f"\nSIGKILL during import: {n} kills, {outcomes['none']} left nothing, {outcomes['whole']} left the whole import")
