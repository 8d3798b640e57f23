"""Whatever comes in, read_file + prepare either work or raise IcpError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icp_core.errors import IcpError
from icp_core.ingest import Prepared, prepare, read_file, suggest_mapping

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.sampled_from(["", "1001", "1.234,5", "1,234.5", "n/a", "01.03.2024", "03/01/24", "x", "ja", "DE", "Österreich",
                     '"a;b"', '"line\nbreak"', "45352", "-", "€ 12", "12,5 %", "\t", '"', "'", "null"]),
    st.text(max_size=8),
)
header = st.sampled_from(["Kundennummer", "account_id", "Firma", "Land", "Mitarbeiter", "Umsatz", "Kunde seit",
                          "churned", "tier", "tech_stack", "_row", "id", "", "x"])
separator = st.sampled_from([",", ";", "\t", "|"])
encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])


def _attempt(data: bytes, table: str = "accounts") -> None:
    try:
        raw = read_file(data, "fuzz.csv")
        prepared = prepare(raw, table, suggest_mapping(raw.columns, table))
    except IcpError as err:
        # the catch-all for an unexpected library error would hide a bug: it must not happen
        assert err.key != "ingest.cannot_prepare", err.__cause__
        assert err.message("en") and err.message("de")
        return
    assert isinstance(prepared, Prepared)
    assert prepared.rows_read == raw.data.height
    assert prepared.rows_imported + prepared.rows_rejected == prepared.rows_read
    assert prepared.frame["_row"].is_unique().all()


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    _attempt(data)


@SETTINGS
@given(st.lists(header, min_size=1, max_size=6), st.lists(st.lists(cell, max_size=7), max_size=8), separator, encoding)
def test_arbitrary_csvish_text(headers, rows, sep, enc):
    text = sep.join(headers) + "\n" + "\n".join(sep.join(r) for r in rows)
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _attempt(data)
    _attempt(data, "market")


@SETTINGS
@given(st.text(max_size=500))
def test_arbitrary_text(text):
    _attempt(text.encode("utf-8"))
