"""A Streamlit server of a test module's own, on a store the test prepared (the session-wide
`app_server` of conftest.py serves the sample company and must stay untouched).

Same command line and health polling as conftest's `app_server`; the store is filled *before* the
server starts, so the app's first launch finds data and does not load the sample company.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .conftest import AppServer, run_app_server


@contextmanager
def own_app_server(folder: Path, store: Path) -> Iterator[AppServer]:
    """`streamlit run app.py` with ICP_DB=store, its log in folder/streamlit.log; stopped at the end."""
    with run_app_server(folder, store) as server:
        yield server
