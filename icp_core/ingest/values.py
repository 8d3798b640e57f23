"""Value parsing rules as vectorised polars expressions (SCHEMA.md "Values as they come").

Decisions that depend on the whole column (decimal mark, day/month order, x-marker booleans)
are taken once per column from its distinct values, never per cell; the parsing itself is one
expression per column so a million rows parse in native code.

Decimal mark per column (`decide_decimal`):
- a value with both `.` and `,` (`1.234,5` / `1,234.5`): the later mark is the decimal mark;
- only `,`: `12,5` or `0,1234` (not exactly three digits after it) means decimal comma,
  `1,234,567` (two or more groups of three) means thousands comma;
- only `.`: likewise (`1.234.567` is German thousands, `12.5` a decimal point);
- most votes win; a column that shows no evidence (`1,234` only, or integers) takes the
  file's decimal mark (`Detected.decimal`: the vote over all columns, else `,` for `;`-separated
  files and `.` otherwise).
Day/month order per column (`decide_date_order`): ISO is always year-month-day, dots are always
day-month-year; for `/` and `-` dates any first part > 12 means DMY, any second part > 12 means
MDY, otherwise the file's convention is chosen (DMY for `;` files, MDY otherwise) and the choice is
marked as guessed. A column whose values are all 5-digit numbers is read as Excel serial days.
"""

from __future__ import annotations

import polars as pl

from icp_core.ingest.countries import COUNTRY_CODES

MISSING_MARKERS = ("", "n/a", "na", "-", "–", "—", "null", "none", "k.a.", "k. a.", "k.a", "#n/a", "nan", "#na", "n.a.")

_SPACES = "\u00a0\u202f\u2009\u2007 \t"
# currency and percent signs around numbers, apostrophe thousands (Swiss 1'234.5)
_NUMBER_NOISE = r"(?i)[\s\u00a0\u202f\u2009\u2007'’€$£%]|eur|usd|chf|gbp"
_SIGNED = r"^[+-]?"


# Every spelling whose lower case is a missing marker: a value is looked up as it is, without
# lower-casing a million values first (same result). Lower-casing gives a marker's characters only
# from their ASCII capitals and, for `k`, from the Kelvin sign U+212A (checked over all of Unicode
# in tests/test_ingest_values.py).
_UPPER_OF = {c: c + c.upper() for c in "abcdefghijklmnopqrstuvwxyz"} | {"k": "kK\u212a"}


def _spellings(marker: str) -> list[str]:
    out = [""]
    for c in marker:
        out = [head + x for head in out for x in _UPPER_OF.get(c, c)]
    return out


MISSING_SPELLINGS = tuple(dict.fromkeys(s for m in MISSING_MARKERS for s in _spellings(m)))


def is_marker(text: pl.Expr) -> pl.Expr:
    """True where already trimmed text is a missing marker in any case (null where it is null)."""
    return text.is_in(MISSING_SPELLINGS)


def missing(expr: pl.Expr) -> pl.Expr:
    """True where the raw text is a missing marker (or null)."""
    return expr.is_null() | is_marker(expr.str.strip_chars(_SPACES))


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; missing markers become null."""
    return trimmed_text(expr.str.strip_chars(_SPACES))


def trimmed_text(text: pl.Expr) -> pl.Expr:
    """``clean_text`` of text already trimmed of _SPACES."""
    return pl.when(is_marker(text)).then(None).otherwise(text)


def key_text(expr: pl.Expr) -> pl.Expr:
    """A key (account_id, ...): trimmed, leading zeros kept, spreadsheet `1001.0` -> `1001`."""
    return spreadsheet_key(clean_text(expr))


def spreadsheet_key(text: pl.Expr) -> pl.Expr:
    """``key_text`` of text already cleaned (``clean_text``)."""
    return text.str.replace(r"^(\d+)\.0+$", "${1}")


# ---------------------------------------------------------------- numbers
# _NUMBER_NOISE as literals for one Aho-Corasick pass (about 2x faster than the regex on a million
# values, same result): `\s` is Unicode White_Space (25 characters), and `(?i)` folds `s` to the
# long s `ſ` too, hence "uſd"
_WHITE_SPACE = ["\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)),
                "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
_NOISE_LITERALS = [*_WHITE_SPACE, "'", "’", "€", "$", "£", "%", "eur", "usd", "uſd", "chf", "gbp"]


def _number_core(expr: pl.Expr) -> pl.Expr:
    """The text without currency / percent signs, spaces and apostrophes (`_NUMBER_NOISE`)."""
    return expr.str.replace_many(_NOISE_LITERALS, [""] * len(_NOISE_LITERALS), ascii_case_insensitive=True)


_COMMA_DECIMAL = (
    _SIGNED + r"(\d{1,3}(\.\d{3})+,\d+|\d*,(\d{1,2}|\d{4,})|\d{1,3}(\.\d{3}){2,})$"
)
_DOT_DECIMAL = _SIGNED + r"(\d{1,3}(,\d{3})+\.\d+|\d*\.(\d{1,2}|\d{4,})|\d{1,3}(,\d{3}){2,})$"
_DECIDE_SAMPLE = 20_000


def decide_decimal(values: pl.Series) -> str | None:
    """`.` or `,` as the decimal mark of a column from its values; None when nothing decides.

    The first 20,000 distinct values vote; only when they show no evidence are all read."""
    for part in (values.head(_DECIDE_SAMPLE), values) if len(values) > _DECIDE_SAMPLE else (values,):
        core = pl.DataFrame({"v": part}).select(_number_core(pl.col("v")).alias("v")).to_series()
        comma = int(core.str.contains(_COMMA_DECIMAL).sum())
        dot = int(core.str.contains(_DOT_DECIMAL).sum())
        if comma or dot:
            return "," if comma > dot else "."
    return None


def decide_decimal_column(column: pl.Series) -> str | None:
    """``decide_decimal`` of the column's distinct non-null values in file order, without counting
    the distinct values of the whole column when its first rows already hold the first
    20,000 of them (the votes are then the same)."""
    head = column.head(2 * _DECIDE_SAMPLE).drop_nulls().unique(maintain_order=True)
    if head.len() >= _DECIDE_SAMPLE:
        decision = decide_decimal(head.head(_DECIDE_SAMPLE))
        if decision is not None:
            return decision
    return decide_decimal(column.drop_nulls().unique(maintain_order=True))


def looks_numeric(values: pl.Series) -> bool:
    ok = pl.DataFrame({"v": values}).select(number_written(pl.col("v")).sum()).item()
    return len(values) > 0 and ok >= 0.9 * len(values)


def parse_number(expr: pl.Expr, decimal: str) -> pl.Expr:
    """Float64 from text with the column's decimal mark; null where it is not a number.

    Thousands marks must sit in groups of three (`1.234,5`), so `12.5` in a decimal-comma column
    is not silently read as 125."""
    return parse_number_core(_number_core(expr), decimal)


def parse_number_core(core: pl.Expr, decimal: str) -> pl.Expr:
    """``parse_number`` of text already without its noise (``_number_core``)."""
    thousands = "." if decimal == "," else ","
    t, d = "\\" + thousands, "\\" + decimal
    grouped = _SIGNED + r"\d{1,3}(" + t + r"\d{3})+(" + d + r"\d*)?$"
    plain = _SIGNED + r"(\d+(" + d + r"\d*)?|" + d + r"\d+)$"
    sci = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$" if decimal == "." else r"^$"
    valid = core.str.contains(f"({grouped})|({plain})|({sci})")
    canonical = core.str.replace_all(thousands, "", literal=True)
    if decimal == ",":
        canonical = canonical.str.replace(",", ".", literal=True)
    return pl.when(valid).then(canonical.cast(pl.Float64, strict=False)).otherwise(None)


# ---------------------------------------------------------------- dates
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2}| ?UTC)?)?$"
ISO_DATE = r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME
DOT_DATE = r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})" + _TIME
SLASH_DATE = r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})" + _TIME
SERIAL_DATE = r"^\d{5}(?:\.\d+)?$"
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def date_written(text: pl.Expr) -> pl.Expr:
    """True where trimmed text is written as a date (serial numbers do not count here)."""
    return text.str.contains(ISO_DATE) | text.str.contains(DOT_DATE) | text.str.contains(SLASH_DATE)


def number_written(text: pl.Expr) -> pl.Expr:
    """True where text is written as a number (``looks_numeric``'s test of one value)."""
    return _number_core(text).str.contains(_SIGNED + r"[\d.,]*\d[\d.,]*$")


def looks_like_dates(values: pl.Series) -> bool:
    """True when almost all values are written as dates (serial numbers do not count here)."""
    hits = pl.DataFrame({"v": values}).select(date_written(pl.col("v").str.strip_chars()).sum()).item()
    return len(values) > 0 and hits >= 0.8 * len(values)


def decide_date_order(values: pl.Series, default: str = "MDY") -> tuple[str | None, bool]:
    """The column's date order from its distinct non-missing values: (order, guessed)."""
    s = values.str.strip_chars()
    n = len(s)
    if n == 0:
        return None, False
    if s.str.contains(SERIAL_DATE).sum() == n:
        return "serial", False
    slash = s.filter(s.str.contains(SLASH_DATE))
    if len(slash):
        parts = slash.str.extract_groups(SLASH_DATE)
        first = parts.struct.field("1").cast(pl.Int64)
        second = parts.struct.field("2").cast(pl.Int64)
        dmy, mdy = int((first > 12).sum()), int((second > 12).sum())
        if dmy or mdy:
            return ("DMY" if dmy >= mdy else "MDY"), False
        return default, True
    iso = int(s.str.contains(ISO_DATE).sum())
    dots = int(s.str.contains(DOT_DATE).sum())
    if iso == 0 and dots == 0:
        return None, False
    return ("YMD" if iso >= dots else "DMY"), False


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Date from year/month/day text parts; two-digit years: 00-69 -> 20xx, 70-99 -> 19xx."""
    year = y.cast(pl.Int32, strict=False)
    year = pl.when(y.str.len_chars() == 2).then(pl.when(year < 70).then(year + 2000).otherwise(year + 1900)).otherwise(year)
    text = pl.concat_str([year.cast(pl.String).str.zfill(4), m.str.zfill(2), d.str.zfill(2)], separator="-")
    return text.str.to_date("%Y-%m-%d", strict=False)


def parse_date(expr: pl.Expr, order: str | None) -> pl.Expr:
    """pl.Date from text in any supported form; `/`/`-` dates follow the column's order."""
    s = expr.str.strip_chars(_SPACES)
    iso = s.str.extract_groups(ISO_DATE)
    dots = s.str.extract_groups(DOT_DATE)
    parts = [
        _ymd(iso.struct.field("1"), iso.struct.field("2"), iso.struct.field("3")),
        _ymd(dots.struct.field("3"), dots.struct.field("2"), dots.struct.field("1")),
    ]
    slash = s.str.extract_groups(SLASH_DATE)
    a, b, y = slash.struct.field("1"), slash.struct.field("2"), slash.struct.field("3")
    parts.append(_ymd(y, a, b) if order == "MDY" else _ymd(y, b, a))
    if order == "serial":
        days = pl.when(s.str.contains(SERIAL_DATE)).then(s.cast(pl.Float64, strict=False).floor().cast(pl.Int64))
        parts.append(_EXCEL_EPOCH + pl.duration(days=days))
    return pl.coalesce(parts)


# ---------------------------------------------------------------- booleans
TRUE_WORDS = ("true", "yes", "ja", "wahr", "1", "1.0", "y", "j", "t", "x", "✓", "✔", "on")
FALSE_WORDS = ("false", "no", "nein", "falsch", "0", "0.0", "n", "f", "off")
X_MARKERS = ("x", "✓", "✔")


def is_x_column(values: pl.Series) -> bool:
    """A column that marks true with `x` (and nothing else): there empty means false."""
    low = values.str.strip_chars().str.to_lowercase()
    return len(low) > 0 and bool(low.is_in(list(X_MARKERS)).all())


def parse_bool(expr: pl.Expr, x_column: bool = False) -> pl.Expr:
    low = expr.str.strip_chars(_SPACES).str.to_lowercase()
    value = (
        pl.when(low.is_in(list(TRUE_WORDS))).then(True).when(low.is_in(list(FALSE_WORDS))).then(False).otherwise(None)
    )
    if x_column:
        value = pl.when(missing(expr)).then(False).otherwise(value)
    return value


# ---------------------------------------------------------------- countries, choices, lists
def normalise_key_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised twin of countries.normalise_country."""
    low = expr.str.strip_chars().str.to_lowercase()
    low = low.str.replace_many(
        ["ä", "ö", "ü", "ß", "é", "è", "ê", "á", "à", "â", "ó", "ô", "í", "ñ", "ç", "č", "ë", "ï", "ø", "å"],
        ["ae", "oe", "ue", "ss", "e", "e", "e", "a", "a", "a", "o", "o", "i", "n", "c", "c", "e", "i", "o", "a"],
    )
    low = low.str.replace_all(r"[.'’]", "")
    return low.str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()


def parse_country(expr: pl.Expr) -> pl.Expr:
    return normalise_key_expr(expr).replace_strict(COUNTRY_CODES, default=None, return_dtype=pl.String)


def parse_choice(expr: pl.Expr, choices: tuple[str, ...], aliases: dict[str, str]) -> pl.Expr:
    """Enum value via the field's aliases (case-insensitive, trimmed, inner spaces collapsed)."""
    table = {c.lower(): c for c in choices}
    table.update({" ".join(k.lower().split()): v for k, v in aliases.items()})
    low = expr.str.strip_chars(_SPACES).str.to_lowercase().str.replace_all(r"\s+", " ")
    return low.replace_strict(table, default=None, return_dtype=pl.String)


def parse_list(expr: pl.Expr) -> pl.Expr:
    """`a; b | c, d` -> ["a", "b", "c", "d"]; empty items dropped; a missing cell -> null."""
    items = expr.str.replace_all(r"[|,]", ";").str.split(";")
    items = items.list.eval(pl.element().str.strip_chars(_SPACES)).list.eval(
        pl.element().filter(pl.element().str.len_chars() > 0)
    )
    return pl.when(missing(expr)).then(None).otherwise(items)
