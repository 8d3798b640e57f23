"""A large cp1252 file is transcoded and parsed in pieces (overlapped): the frame is exactly the
one read in one go, also for ragged, blank, title and CRLF lines at piece borders, and for quoted
fields holding separators, doubled quotes and line breaks across them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icp_core.errors import IcpError
from icp_core.ingest import read as R
from icp_core.ingest import read_file

LINES = ["Kundennummer;Firma;Land;Umsatz"] + [
    f"K{i};Müller {i};Österreich;{i}.234,50 €" + (";zu;viel" if i % 7 == 3 else "") if i % 11 else f"K{i}"
    for i in range(1, 8000)
]


@pytest.mark.parametrize("text", [
    "\n".join(LINES) + "\n",
    "Export;;;\r\n\r\n" + "\r\n".join(LINES),  # title line, CRLF, no final line end
    "\n".join(LINES[:1] + ["", ";;;"] + LINES[1:]),
])
def test_pieces_give_the_frame_of_one_go(monkeypatch, text):
    data = text.encode("cp1252")
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", 997)
    assert R._line_pieces(data, 0) is not None and len(R._line_pieces(data, 0)) > 10
    pieces = read_file(data, "k.csv")
    assert pieces.data.equals(whole.data) and pieces.data.columns == whole.data.columns
    assert pieces.detected == whole.detected
    assert pieces.data.height == whole.data.height >= 7000


QUOTED = ["Kundennummer;Firma;Notiz;Umsatz"] + [
    f'K{i};"Müller; Söhne {i}";"Zeile eins\nZeile ""zwei"" {i}";{i},50 €' if i % 3 == 0
    else f'K{i};"";"Messe\r\n2024";{i}.234,50 €' if i % 3 == 1
    else f'K{i};Bäckerei {i};;"{i}"'
    for i in range(1, 6000)
]


@pytest.mark.parametrize("text", [
    "\n".join(QUOTED) + "\n",
    "\r\n".join(QUOTED),
    'Export "Kunden" 2024;;;\n' + "\n".join(QUOTED),  # a title line with an even number of quotes
])
def test_quoted_fields_across_piece_borders_give_the_frame_of_one_go(monkeypatch, text):
    data = text.encode("cp1252")
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", 997)
    pieces = R._line_pieces(data, 0)
    assert pieces is not None and len(pieces) > 10
    for start, end in pieces:  # every piece starts outside a quoted field and ends after a line end
        assert data.count(b'"', 0, start) % 2 == 0 and data[end - 1 : end] == b"\n" or end == len(data)
    # some borders were moved past line breaks inside quoted fields
    assert any(data.count(b'"', 0, data.find(b"\n", start + 997)) % 2 for start, _ in pieces[1:-1])
    read = read_file(data, "k.csv")
    assert read.data.equals(whole.data) and read.detected == whole.detected
    assert read.data.height == whole.data.height == 5999
    assert read.data.row(0) == ("K1", "", "Messe\r\n2024", "1.234,50 €")
    assert read.data.row(2) == ("K3", "Müller; Söhne 3", 'Zeile eins\nZeile "zwei" 3', "3,50 €")


def test_a_title_line_with_an_odd_number_of_quotes_is_read_in_one_go(monkeypatch):
    # the CSV reader skips title lines without reading their quotes: the pieces' count would be off
    data = ('Export "Kunden;;;\n' + "\n".join(QUOTED) + "\n").encode("cp1252")
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", 997)
    monkeypatch.setattr(R, "_read_pieces", lambda *a: pytest.fail("read in pieces"))
    read = read_file(data, "k.csv")
    assert read.data.equals(whole.data) and read.detected.header_row == whole.detected.header_row == 2


def test_a_quote_that_never_closes_keeps_the_rest_in_one_piece(monkeypatch):
    text = "\n".join(LINES[:3000] + ['K9;"offen;Ö;1'] + LINES[3000:]) + "\n"
    data = text.encode("cp1252")
    try:
        whole = read_file(data, "k.csv").data
    except IcpError as error:
        whole = error.key
    monkeypatch.setattr(R, "_PIECE", 997)
    pieces = R._line_pieces(data, 0)
    assert pieces[-1][1] == len(data) and data.count(b'"', 0, pieces[-1][0]) == 0
    try:
        read = read_file(data, "k.csv").data
    except IcpError as error:
        read = error.key
    assert read == whole if isinstance(whole, str) else read.equals(whole)


def test_small_files_are_read_in_one_go(monkeypatch):
    monkeypatch.setattr(R, "_PIECE", 997)
    assert R._line_pieces(b"a;b\n", 0) is None
    assert len(R._line_pieces(('"a";b\n' * 50000).encode("cp1252"), 0)) > 10


# Well-formed CSV as spreadsheets write it: a field is quoted when it holds the separator, a quote
# or a line break, its quotes doubled.
field = st.text(alphabet="ab;\"\n\r ÄÖü€1,.", max_size=12)


def _csv_line(fields: list[str]) -> str:
    return ";".join('"' + f.replace('"', '""') + '"' if any(c in f for c in ';"\n\r') else f for f in fields)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(field, min_size=3, max_size=3), min_size=20, max_size=120), st.integers(16, 200))
def test_quoted_csv_in_pieces_is_the_csv_in_one_go(monkeypatch, rows, piece):
    text = "Kundennummer;Firma;Notiz\n" + "\n".join(f"K{i};" + _csv_line(r[1:]) for i, r in enumerate(rows)) + "\n"
    data = text.encode("cp1252")
    monkeypatch.setattr(R, "_SAMPLE_CHARS", 32)  # a small first piece (it holds twice the sample)
    monkeypatch.setattr(R, "_PIECE", 10**9)
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", min(piece, (len(data) - 1) // 2))  # small enough for pieces
    assert R._line_pieces(data, 0) is not None
    read = read_file(data, "k.csv")
    assert read.data.equals(whole.data) and read.detected == whole.detected
    assert read.data.height == len(rows)
