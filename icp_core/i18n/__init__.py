"""One translation table for the whole product (UI, core messages, CLI).

The table is assembled from one dict per area (``icp_core/i18n/<area>.py``, each a module-level
``TEXTS = {key: {"en": ..., "de": ...}}``) so work on different pages does not collide; a key
may be defined in one area only. ``tests/test_i18n.py`` fails when a key lacks a language.

Also here: number, percent, money and date formatting per language (``1,234.5`` vs ``1.234,5``).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from datetime import date, datetime

LANGS = ("en", "de")
DEFAULT_LANG = "en"


def _load() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, value in getattr(module, "TEXTS", {}).items():
            if key in texts:
                raise RuntimeError(f"translation key {key!r} defined twice (again in {info.name})")
            texts[key] = value
    return texts


TEXTS: dict[str, dict[str, str]] = _load()


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The text for key in lang, with {params} filled in. Unknown keys show the key itself."""
    entry = TEXTS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


_MD_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$&:")


def md_escape(text: object) -> str:
    """User text as literal Markdown (st.markdown, widget labels, Markdown exports): Markdown and
    HTML characters backslash-escaped, line breaks as spaces, so a value can never become a link,
    an image or markup."""
    out = []
    for ch in str(text):
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANG, decimals: int = 0) -> str:
    """1234.5 -> '1,234.5' (en) or '1.234,5' (de); None/NaN -> '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def fmt_pct(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """A fraction 0.873 -> '87.3%' (en) or '87,3 %' (de)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = fmt_number(value * 100, lang, decimals)
    return f"{number} %" if lang == "de" else f"{number}%"


def fmt_money(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 0, currency: str = "€") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = fmt_number(value, lang, decimals)
    return f"{number} {currency}" if lang == "de" else f"{currency}{number}"


def fmt_date(value: date | datetime | None, lang: str = DEFAULT_LANG) -> str:
    """2024-03-01 (en) or 01.03.2024 (de)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y") if lang == "de" else value.isoformat()
