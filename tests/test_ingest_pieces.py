"""A large cp1252 file without quotes is transcoded and parsed in pieces (overlapped): the frame is
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


def test_quotes_or_small_files_are_read_in_one_go(monkeypatch):
    monkeypatch.setattr(R, "_PIECE", 997)
    assert R._line_pieces(('"a";b\n' * 5000).encode("cp1252"), 0) is None
    assert R._line_pieces(b"a;b\n", 0) is None
