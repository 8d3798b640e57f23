"""A module imported on its first use, for modules the app's first page does not need.

The first script run of `streamlit run app.py` imports icp_core.store and icp_core.health; polars
costs ~70 ms of that import (and the import engine ~10 ms more) although the first page reads the
store with DuckDB alone. `pl = lazy_module("polars")` lets such modules name polars as usual and
import it when a function first touches `pl.<anything>`.

    >>> pl = lazy_module("polars")
    >>> pl.DataFrame({"a": [1]}).height
    1
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module; the first attribute access imports it (later ones cost one getattr)."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (imported)' if self._module is not None else ''}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
