"""The Excel read path: the zip-bomb check's exact counting, the eager sheet load, empty sheets."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from icp_core.errors import IcpError
from icp_core.ingest import read as read_module


def _zip(deflated: bytes, stored: bytes, stored_first: bool = False) -> bytes:
    parts = [("xl/worksheets/sheet1.xml", deflated, zipfile.ZIP_DEFLATED), ("xl/stored.bin", stored, zipfile.ZIP_STORED)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content, method in parts[::-1] if stored_first else parts:
            archive.writestr(name, content, compress_type=method)
    return out.getvalue()


def _declare_small(data: bytes) -> bytes:
    """Every declared uncompressed size of a deflated part rewritten to 10 bytes (local and central headers)."""
    buf = bytearray(data)
    small = (10).to_bytes(4, "little")
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        if info.compress_type == zipfile.ZIP_DEFLATED:
            buf[info.header_offset + 22 : info.header_offset + 26] = small
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        if int.from_bytes(buf[pos + 10 : pos + 12], "little") == zipfile.ZIP_DEFLATED:
            buf[pos + 24 : pos + 28] = small
        pos += 4
    return bytes(buf)


def _text(n: int) -> bytes:
    rng = random.Random(5)  # varied text: compresses ~2:1, so the part spans many input slices
    return bytes(rng.choice(b"<c>0123456789abcdefghij</c>") for _ in range(n))


@pytest.fixture
def small_slices(monkeypatch):
    # slices far smaller than the parts, so every loop of the check runs many times
    monkeypatch.setattr(read_module, "_INFLATE_IN", 1000)
    monkeypatch.setattr(read_module, "_INFLATE_OUT", 3000)


def test_zip_check_counts_every_inflated_byte(small_slices):
    # 300,000 inflated bytes + a stored part of 1,000 bytes (counted as it is in the file) = 301,000
    data = _zip(_text(300_000), b"s" * 1000)
    read_module._check_unzipped_size(data, limit=301_000)  # exactly at the limit: accepted
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=300_999)
    # the declared sizes already tell: refused before anything is inflated
    assert (err.value.key, err.value.params) == ("ingest.unzipped_too_large", {"size_mb": "0", "limit_mb": "0"})


@pytest.mark.parametrize("stored_first", [False, True])
def test_zip_check_counts_when_the_declared_sizes_lie(small_slices, stored_first):
    # the last byte over the limit is found in the deflated part (stored part first) or in the
    # stored part that follows it
    data = _declare_small(_zip(_text(300_000), b"s" * 1000, stored_first))
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) == 1010  # the lie took
    read_module._check_unzipped_size(data, limit=301_000)
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=300_999)
    assert (err.value.key, err.value.params) == ("ingest.unzipped_too_large", {"size_mb": "> 0", "limit_mb": "0"})
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(data, limit=50_000)  # stopped long before the end of the part
    assert err.value.key == "ingest.unzipped_too_large"


def test_zip_check_refuses_a_broken_deflate_stream(small_slices):
    data = bytearray(_zip(_text(300_000), b"s" * 1000))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start] = 0b110  # the first block's type is 3, which deflate reserves: an invalid stream
    with pytest.raises(IcpError) as err:
        read_module._check_unzipped_size(bytes(data))
    assert err.value.key == "ingest.wrong_format"
