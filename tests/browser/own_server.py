"""A Streamlit server of a test module's own, on a store the test prepared (the session-wide
`app_server` of conftest.py serves the sample company and must stay untouched).

Same command line and health polling as conftest's `app_server`; the store is filled *before* the
server starts, so the app's first launch finds data and does not load the sample company.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, STARTUP_TIMEOUT_S, AppServer, _free_port, _healthy, _stop


@contextmanager
def own_app_server(folder: Path, store: Path) -> Iterator[AppServer]:
    """`streamlit run app.py` with ICP_DB=store, its log in folder/streamlit.log; stopped at the end."""
    log = folder / "streamlit.log"
    port = _free_port()
    env = dict(os.environ, ICP_DB=str(store), PYTHONUNBUFFERED="1")
    env.pop("ICP_TEST_MODE", None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as log_file:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = started + STARTUP_TIMEOUT_S
        while not _healthy(f"{base_url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
            if time.perf_counter() > deadline:
                pytest.fail(f"streamlit not healthy after {STARTUP_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
            time.sleep(0.2)
        yield AppServer(base_url, started, time.perf_counter() - started, store, log)
    finally:
        _stop(proc)
