"""Shared fixtures. Every test gets ICP_DB pointing into its own tmp folder, so no test ever
touches the user's real store (~/.icp_workbench)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _component_scan_once():
    """Every new AppTest scans all installed packages for Streamlit components (v2) before its first
    run: ~0.2 s each, mostly parsing 250 METADATA files. The packages do not change during a test
    session and the app uses no such components: scan once, hand every AppTest the same result."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    found: list = []

    def scan_once(*args, **kwargs):
        if not found:
            found.append(scan(*args, **kwargs))
        return list(found[0])

    manifest_scanner.scan_component_manifests = scan_once
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(autouse=True)
def _isolated_store_location(tmp_path, monkeypatch):
    monkeypatch.setenv("ICP_DB", str(tmp_path / "icp_test_store.duckdb"))


@pytest.fixture
def tmp_store(tmp_path):
    """A Store on a fresh file in tmp_path (the same file ICP_DB points to)."""
    from icp_core.store import Store

    return Store(str(tmp_path / "icp_test_store.duckdb"))


@pytest.fixture
def navigation_like_the_server(monkeypatch):
    """For AppTests that click through app.py: AppTest (1.67) resets
    PagesManager.uses_pages_directory before every run; because this project has a pages/ folder,
    every rerun would then start as an old-style multipage app (the page file alone; ui.py then
    switches that off and reruns, but a button click of that run is lost). The real server keeps
    the flag off once app.py ran, so these tests do the same (`pytest.mark.usefixtures`)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def fresh_facts_cache():
    """An empty, enabled per-data-version cache (icp_core/facts.py) before and after the test."""
    from icp_core import facts

    facts.clear()
    facts.ENABLED = True
    yield
    facts.ENABLED = True
    facts.clear()


def stand_table(at) -> dict[str, list[str]]:
    """The home page's table of where the user stands (a Markdown table, see ui.markdown_table),
    as columns: header -> the cells, unescaped."""
    found = [m.value for m in at.markdown if m.value.startswith("| ") and "\n|---" in m.value]
    assert len(found) == 1, found
    lines = found[0].splitlines()
    cells = [[c.strip().replace("\\", "") for c in line.strip("|").split(" | ")] for line in lines]
    head, body = cells[0], cells[2:]
    return {h: [row[i] for row in body] for i, h in enumerate(head)}
