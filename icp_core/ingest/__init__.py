"""The import engine: read a file to an all-text table, suggest a mapping, prepare typed rows.

    raw = read_file(path_or_bytes, file_name)         # IcpError when unreadable
    mapping = suggest_mapping(raw.columns, "accounts") # source column -> field or None
    prepared = prepare(raw, "accounts", mapping)       # typed frame + issues (quarantine)
"""

from __future__ import annotations

import importlib
from typing import Any

from icp_core.ingest.model import MAX_BYTES, Detected, Issue, Prepared, RawTable

# The reading, mapping and validation parts (polars) are imported on first use: the store needs
# only the model's types, and the app's first page imports the store but imports no file.
_LAZY = {
    "normalise_header": "mapping",
    "suggest_mapping": "mapping",
    "describe": "read",
    "load_bytes": "read",
    "read_file": "read",
    "POLARS_TYPES": "validate",
    "prepare": "validate",
}


def __getattr__(name: str) -> Any:
    part = _LAZY.get(name)
    if part is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{part}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value

__all__ = [
    "MAX_BYTES",
    "POLARS_TYPES",
    "Detected",
    "Issue",
    "Prepared",
    "RawTable",
    "describe",
    "load_bytes",
    "normalise_header",
    "prepare",
    "read_file",
    "suggest_mapping",
]
