"""Shared fixtures. Every test gets ICP_DB pointing into its own tmp folder, so no test ever
touches the user's real store (~/.icp_workbench)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_store_location(tmp_path, monkeypatch):
    monkeypatch.setenv("ICP_DB", str(tmp_path / "icp_test_store.duckdb"))


@pytest.fixture
def tmp_store(tmp_path):
    """A Store on a fresh file in tmp_path (the same file ICP_DB points to)."""
    from icp_core.store import Store

    return Store(str(tmp_path / "icp_test_store.duckdb"))
