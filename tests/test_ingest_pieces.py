"""A large cp1252 file without quoted text is transcoded and parsed in pieces (overlapped): the frame is
exactly the one read in one go, also for ragged, blank, title and CRLF lines at piece borders."""

from __future__ import annotations

import pytest

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


# quotes only in even runs: quoted empty fields as polars writes them, doubled quotes anywhere
EVEN_QUOTES = ["Kundennummer;Firma;Kündigungsdatum;Notiz"] + [
    [f'K{i};Müller {i};"";x', f'K{i};"";"";""', f'K{i};Söhne ""{i}"" GmbH;01.02.2020;a""b',
     f'K{i};x""""{i};"""";""x""', f'K{i};"";;', f'K{i};Müller;""'][i % 6]
    for i in range(1, 8000)
]


@pytest.mark.parametrize("text", [
    "\n".join(EVEN_QUOTES) + "\n",
    "\r\n".join(EVEN_QUOTES),
])
def test_quoted_empty_fields_are_read_in_pieces_as_in_one_go(monkeypatch, text):
    data = text.encode("cp1252")
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", 997)
    calls = []
    original = R._read_pieces
    monkeypatch.setattr(R, "_read_pieces", lambda *a: calls.append(original(*a)) or calls[-1])
    pieces = read_file(data, "k.csv")
    assert len(calls) == 1 and calls[0] is not None  # read in pieces
    assert pieces.data.equals(whole.data) and pieces.data.columns == whole.data.columns
    assert pieces.detected == whole.detected
    assert pieces.data.height == whole.data.height == 7999
    assert pieces.data.row(0) == ("K1", "", "", "")
    assert pieces.data.row(1) == ("K2", 'Söhne ""2"" GmbH', "01.02.2020", 'a""b')
    assert pieces.data.row(2) == ("K3", 'x""""3', '"', "x")
    assert pieces.data.row(5) == ("K6", "Müller 6", "", "x")


def test_quotes_paired():
    assert R._quotes_paired(b"a;b\n") and R._quotes_paired(b'a;"";b\n""""\n')
    assert not R._quotes_paired(b'"a";b\n') and not R._quotes_paired(b'a;"""\n')
    assert not R._quotes_paired(b'a;""x"\n')


@pytest.mark.parametrize("where", [0, 5000, 7990])
def test_a_quoted_field_with_text_is_read_in_one_go(monkeypatch, where):
    # a quoted field (here one holding a line break and a separator) anywhere: read in one go
    lines = [LINES[0]] + [f"K{i};Müller {i};Österreich;{i}.234,50 €" for i in range(1, 8000)]
    lines[where + 1] = f'K{where};"Müller\nund; Söhne";Österreich;1,00'
    data = ("\n".join(lines) + "\n").encode("cp1252")
    whole = read_file(data, "k.csv")
    monkeypatch.setattr(R, "_PIECE", 997)
    assert R._line_pieces(data, 0) is not None
    calls = []
    original = R._read_pieces
    monkeypatch.setattr(R, "_read_pieces", lambda *a: calls.append(original(*a)) or calls[-1])
    again = read_file(data, "k.csv")
    # the first piece (>= 128 KB: the sniffed sample) decides at once, a later one on the way
    assert calls == ([] if where == 0 else [None])
    assert again.data.equals(whole.data) and again.detected == whole.detected
    assert whole.data.filter(whole.data["Kundennummer"] == f"K{where}")["Firma"].to_list()[-1] == "Müller\nund; Söhne"
    assert again.data.height == whole.data.height == 7999


def test_small_files_are_read_in_one_go(monkeypatch):
    monkeypatch.setattr(R, "_PIECE", 997)
    assert R._line_pieces(b"a;b\n", 0) is None
