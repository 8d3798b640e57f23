"""The data the import engine hands out: what was read, what was detected, what was prepared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the store imports this module on the first page, polars is not needed there
    import polars as pl

MAX_BYTES = 200 * 1024 * 1024  # 200 MB: larger files are refused before reading


@dataclass
class Detected:
    """How a file was read, so the Data page can show it and the user can check it."""

    format: str  # csv | tsv | txt | xlsx | xls | parquet
    encoding: str | None = None  # utf-8 | utf-8-sig | utf-16-le | utf-16-be | cp1252 (None for binary formats)
    separator: str | None = None  # , ; \t | (None for spreadsheets and Parquet)
    header_row: int = 1  # 1-based line (row) of the header in the file / sheet
    sheet: str | None = None
    decimal: str = "."  # the file's dominant decimal mark, used for columns that do not decide it
    date_orders: dict[str, str] = field(default_factory=dict)  # column -> DMY | MDY | YMD | serial
    date_order_guessed: dict[str, bool] = field(default_factory=dict)  # column -> order was ambiguous
    decimals: dict[str, str] = field(default_factory=dict)  # numeric column -> "." or ","


@dataclass
class RawTable:
    file_name: str | None
    data: pl.DataFrame  # every column pl.String, values exactly as in the file, headers unique
    detected: Detected
    sha256: str
    size: int
    content: bytes  # the raw bytes, kept by the store

    @property
    def columns(self) -> list[str]:
        return list(self.data.columns)


@dataclass(frozen=True)
class Issue:
    row: int  # 1-based, counting data rows only
    column: str  # the SOURCE column name
    value: str | None  # the raw text
    reason: str  # i18n key, e.g. "issue.not_a_number"
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        from icp_core.i18n import t

        return t(self.reason, lang, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Prepared:
    table: str
    frame: pl.DataFrame  # accepted rows: canonical columns typed, extras as String, _row
    issues: list[Issue]
    rows_read: int
    rows_rejected: int
    mapping: dict[str, str | None]  # every source column -> canonical field or None (extra)
    raw: RawTable
    extra_columns: dict[str, str] = field(default_factory=dict)  # source header -> column name in frame

    @property
    def rows_imported(self) -> int:
        return self.frame.height
