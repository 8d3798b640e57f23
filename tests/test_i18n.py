"""The translation table is complete: every key in English and German with the same placeholders,
and every key the code asks for by literal exists."""

from __future__ import annotations

import pathlib
import re

import pytest

from icp_core import i18n
from icp_core.i18n import LANGS, TEXTS

ROOT = pathlib.Path(__file__).resolve().parent.parent

# tr("key"...), t("key"...), ui.tr('key') ... : the first argument as a plain string literal
KEY_CALL = re.compile(r"""(?<![A-Za-z0-9_])(?:tr|t)\(\s*(["'])([A-Za-z0-9_.\-]+)\1""")
# IcpError("key", ...) and Issue(..., "issue.x", ...) literals name keys too
ERROR_CALL = re.compile(r"""(?:IcpError|StoreBusy)\(\s*(["'])([A-Za-z0-9_.\-]+)\1""")


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _placeholders(text: str) -> set[str]:
    """{name} placeholders (identifiers only: literal braces such as a JSON example are text)."""
    return set(PLACEHOLDER.findall(text))


def _sources() -> list[pathlib.Path]:
    files = [ROOT / "app.py", ROOT / "ui.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "icp_core").rglob("*.py"))]
    return [f for f in files if f.is_file() and "i18n" not in f.relative_to(ROOT).parts]


def test_table_is_not_empty_and_has_both_languages():
    assert len(TEXTS) > 50
    assert LANGS == ("en", "de")


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_key_has_non_empty_english_and_german_with_same_placeholders(key):
    entry = TEXTS[key]
    for lang in LANGS:
        assert isinstance(entry.get(lang), str) and entry[lang].strip(), f"{key} lacks {lang}"
    assert _placeholders(entry["en"]) == _placeholders(entry["de"]), key


def test_every_literal_key_used_in_the_code_exists():
    missing = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for pattern in (KEY_CALL, ERROR_CALL):
            for match in pattern.finditer(text):
                key = match.group(2)
                if "." in key and not key.endswith(".") and key not in TEXTS:  # "table." + name: a prefix
                    line = text.count("\n", 0, match.start()) + 1
                    missing.append(f"{path.relative_to(ROOT)}:{line}: {key}")
    assert missing == []


def test_the_scan_finds_keys_and_would_catch_a_missing_one():
    sample = 'x = tr("data.title")\ny = t("no.such.key", lang)\nraise IcpError("ingest.empty_file")\n'
    keys = [m.group(2) for m in KEY_CALL.finditer(sample)] + [m.group(2) for m in ERROR_CALL.finditer(sample)]
    assert keys == ["data.title", "no.such.key", "ingest.empty_file"]
    assert "no.such.key" not in TEXTS
    assert len(_sources()) >= 5


def test_unknown_key_falls_back_to_the_key_and_params_fill_in():
    assert i18n.t("no.such.key", "de") == "no.such.key"
    assert i18n.t("data.report_done", "de", id=3, table="Kunden") == "Import 3 in Kunden ist abgeschlossen."


def test_number_and_date_formats_follow_the_language():
    from datetime import date

    assert i18n.fmt_number(1234.5, "en", 1) == "1,234.5"
    assert i18n.fmt_number(1234.5, "de", 1) == "1.234,5"
    assert i18n.fmt_pct(0.873, "de") == "87,3 %"
    assert i18n.fmt_date(date(2024, 3, 1), "de") == "01.03.2024"
    assert i18n.fmt_date(date(2024, 3, 1), "en") == "2024-03-01"
