"""Suggest which source column feeds which canonical field, from the schema's header synonyms.

Headers and synonyms are compared normalised (case, spaces, `_`, `-`, `/`, dots, umlauts
ä->ae, accents). An exact synonym wins over a fuzzy one; fuzzy matches (rapidfuzz) need a high
score so a wrong guess is rarer than a missed one (the user can always pick by hand). Each
canonical field and each column is used at most once, best score first."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from icp_core.errors import IcpError
from icp_core.schema import TABLES

FUZZY_THRESHOLD = 95  # 'License' must not become 'licenses' (seats); typos like 'Kundenummer' still match
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_header(text: str) -> str:
    """'Kündigungs-Datum ' -> 'kuendigungs datum'; 'Country/Region' -> 'country region'."""
    text = str(text).replace("\ufeff", "").strip().lower().translate(_UMLAUTS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _table(table: str):
    if table not in TABLES:
        raise IcpError("error.unknown_table", table=table, tables=", ".join(TABLES))
    return TABLES[table]


def suggest_mapping(columns: list[str], table: str) -> dict[str, str | None]:
    """Source column -> canonical field of `table`, or None (kept as an extra column)."""
    spec = _table(table)
    synonyms: list[tuple[str, str]] = []  # (normalised synonym, field)
    for index, f in enumerate(spec.fields):
        for s in (f.name, *f.synonyms):
            synonyms.append((normalise_header(s), f.name))
    field_order = {f.name: i for i, f in enumerate(spec.fields)}
    candidates: list[tuple[float, int, int, str, str]] = []
    for col_index, column in enumerate(columns):
        norm = normalise_header(column)
        if not norm:
            continue
        best: dict[str, float] = {}
        for syn, field_name in synonyms:
            if norm == syn:
                score = 102.0
            elif norm.replace(" ", "") == syn.replace(" ", ""):
                score = 101.0
            elif min(len(norm), len(syn)) >= 4:
                score = max(fuzz.ratio(norm, syn), fuzz.token_sort_ratio(norm, syn))
                if score < FUZZY_THRESHOLD:
                    continue
            else:
                continue
            best[field_name] = max(best.get(field_name, 0.0), score)
        for field_name, score in best.items():
            candidates.append((score, col_index, field_order[field_name], column, field_name))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    mapping: dict[str, str | None] = {c: None for c in columns}
    used_fields: set[str] = set()
    used_columns: set[str] = set()
    for _score, _ci, _fi, column, field_name in candidates:
        if column in used_columns or field_name in used_fields:
            continue
        mapping[column] = field_name
        used_columns.add(column)
        used_fields.add(field_name)
    return mapping


def complete_mapping(columns: list[str], table: str, mapping: dict[str, str | None] | None) -> dict[str, str | None]:
    """The mapping for every column of the file; checks fields exist and are used once.

    Entries for columns the file does not have are ignored (a saved mapping may be reused
    on a later export that lost a column)."""
    spec = _table(table)
    if mapping is None:
        return suggest_mapping(columns, table)
    result: dict[str, str | None] = {c: None for c in columns}
    used: dict[str, str] = {}
    for column, field_name in mapping.items():
        if column not in result or field_name in (None, ""):
            continue
        if field_name not in spec.field_names:
            raise IcpError("ingest.mapping_unknown_field", field=field_name, table=table)
        if field_name in used:
            raise IcpError("ingest.mapping_field_twice", field=field_name, first=used[field_name], second=column)
        used[field_name] = column
        result[column] = field_name
    return result
