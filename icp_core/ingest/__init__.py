"""The import engine: read a file to an all-text table, suggest a mapping, prepare typed rows.

    raw = read_file(path_or_bytes, file_name)         # IcpError when unreadable
    mapping = suggest_mapping(raw.columns, "accounts") # source column -> field or None
    prepared = prepare(raw, "accounts", mapping)       # typed frame + issues (quarantine)
"""

from icp_core.ingest.mapping import normalise_header, suggest_mapping
from icp_core.ingest.model import MAX_BYTES, Detected, Issue, Prepared, RawTable
from icp_core.ingest.read import describe, load_bytes, read_file
from icp_core.ingest.validate import POLARS_TYPES, prepare

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
