"""Importer fuzzing on real-world export shapes (docs/RELIABILITY.md, "Bad input").

The corpus is the CSV files under /work/shared/data/real/ (read from there, never copied into the
repo; the test is skipped when they are absent), first 200 data rows of each. Every case mutates
one of them with a fixed seed: re-encoded (utf-8, utf-8-sig, utf-16, cp1252), re-separated
(, ; tab |), columns shuffled / duplicated / renamed, sometimes written as XLSX, sometimes cut at a
random byte, and imported into a random table in a random mode.

What must hold for every case:
- only IcpError escapes (a message in en and de), never another exception;
- no case hangs (SIGALRM hang guard per case, generous: 30 s);
- a refused import leaves the store exactly as it was (history, table counts, quarantine, raw
  files, data version); an accepted one adds exactly one history entry whose counts add up and
  match the table.

CI mode: 200 cases; long mode (--long / ICP_LONG_TESTS=1): 5,000 cases.
"""

from __future__ import annotations

import csv
import io
import random
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from icp_core import schema
from icp_core.errors import IcpError
from icp_core.store import Store
from tests.hardening.conftest import REAL_DATA, cases, store_snapshot

ROWS = 200
HANG_GUARD_S = 30  # a hang guard, not a speed assertion
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252")
SEPARATORS = (",", ";", "\t", "|")
RENAMES = ("account_id", "Kundennummer", "Customer ID", "company_name", "Firma", "", " ", "id", "ID", "Umsatz",
           "mrr", "arr", "country", "Land", "deal_id", "amount", "Ä Ö Ü ß", "名前", "x" * 300, "_import_id",
           "_row", "rowid", '"quoted"', "a;b", "a,b", "tab\there")
TABLES = list(schema.TABLES)


def _corpus() -> list[tuple[str, list[list[str]]]]:
    files = sorted(REAL_DATA.glob("*/*.csv")) if REAL_DATA.is_dir() else []
    corpus = []
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) > ROWS:
                break
        if len(rows) >= 2:
            corpus.append((path.parent.name + "/" + path.name, rows))
    return corpus


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(not CORPUS, reason=f"the real data sets are not at {REAL_DATA}")


@contextmanager
def hang_guard(seconds: int, what: str):
    def fire(signum, frame):
        raise TimeoutError(f"hang guard: {what} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mutate(seed: int) -> tuple[bytes, str, str, str, str]:
    """(file bytes, file name, table, mode, description) of case `seed`."""
    rng = random.Random(seed)
    name, rows = rng.choice(CORPUS)
    header, body = list(rows[0]), [list(r) for r in rows[1:]]
    body = body[: rng.randint(1, len(body))]
    width = len(header)
    body = [(r + [""] * width)[:width] if rng.random() < 0.9 else r for r in body]  # some ragged rows stay
    order = list(range(width))
    steps = []
    if rng.random() < 0.5:
        rng.shuffle(order)
        steps.append("shuffled")
    if rng.random() < 0.3:
        dup = rng.randrange(width)
        order.insert(rng.randrange(len(order) + 1), dup)
        steps.append(f"dup col {dup}")
    def pick(row, i):
        return row[i] if i < len(row) else ""
    header = [pick(header, i) for i in order]
    body = [[pick(r, i) for i in order] for r in body]
    for _ in range(rng.choice((0, 0, 1, 2, 4))):
        i = rng.randrange(len(header))
        header[i] = rng.choice(RENAMES + tuple(header))
        steps.append(f"rename {i}")
    table = "accounts" if rng.random() < 0.5 else rng.choice(TABLES)
    mode = rng.choice(("replace", "append"))
    if rng.random() < 0.1:
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        sheet = book.add_worksheet()
        for r, row in enumerate([header] + body):
            sheet.write_row(r, 0, row)
        book.close()
        data, file_name, fmt = buffer.getvalue(), "fuzz.xlsx", "xlsx"
    else:
        sep = rng.choice(SEPARATORS)
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=sep, lineterminator=rng.choice(("\n", "\r\n"))).writerows([header] + body)
        enc = rng.choice(ENCODINGS)
        data = out.getvalue().encode(enc, errors="replace")
        file_name, fmt = "fuzz" + rng.choice((".csv", ".txt", ".tsv", "")), f"csv {enc} sep={sep!r}"
    if rng.random() < 0.35:
        cut = rng.randrange(len(data) + 1)
        data = data[:cut]
        steps.append(f"cut at {cut}")
    return data, file_name, table, mode, f"seed={seed} {name} {fmt} {' '.join(steps)} -> {table} {mode}"


def test_fuzz_cases_are_deterministic():
    assert mutate(7) == mutate(7)
    assert mutate(7)[0] != mutate(8)[0] or mutate(7)[2:] != mutate(8)[2:]


def test_fuzzed_real_exports(tmp_path):
    n = cases(200, 5000)
    store = Store(str(tmp_path / "fuzz.duckdb"))
    accepted = refused = 0
    keys: set[str] = set()
    for seed in range(n):
        data, file_name, table, mode, what = mutate(seed)
        if seed % 500 == 499:  # a fresh store now and then keeps the archive small in long runs
            store = Store(str(tmp_path / f"fuzz{seed}.duckdb"))
        before = store_snapshot(store)
        try:
            with hang_guard(HANG_GUARD_S, what):
                result = store.import_file(data, table, mode=mode, file_name=file_name)
        except IcpError as err:
            refused += 1
            keys.add(err.key)
            assert err.message("en") and err.message("de"), what
            assert not err.message("en").startswith(err.key), f"{what}: untranslated key {err.key}"
            assert store_snapshot(store) == before, f"{what}: refused ({err.key}) but the store changed"
            continue
        except Exception as err:  # pragma: no cover - the failure report
            pytest.fail(f"{what}: {type(err).__name__}: {err}")
        accepted += 1
        after = store.imports()
        assert len(after) == len(before[0]) + 1, what
        assert after[0]["import_id"] == result.import_id and after[0]["rows_imported"] == result.rows_imported, what
        assert result.rows_imported + result.rows_rejected == result.rows_read, what
        count = store.tables().get(table, 0)
        previous = dict(before[1]).get(table, 0)
        expected = result.rows_imported if mode == "replace" else previous + result.rows_imported
        assert count == expected, f"{what}: table has {count} rows, expected {expected}"
        assert store.export_frame(table).height == count, what
    print(f"\nfuzz corpus: {n} cases, {accepted} imported, {refused} refused; refusal keys: {sorted(keys)}")
    # the corpus must exercise both paths, or the test proves little
    assert accepted > n // 10 and refused > n // 20, (accepted, refused)


@pytest.mark.parametrize("enc", ENCODINGS)
@pytest.mark.parametrize("sep", SEPARATORS)
def test_every_real_file_reads_in_every_encoding_and_separator(enc, sep):
    """The untouched real exports, re-encoded and re-separated, read with the same shape."""
    from icp_core.ingest import read_file

    for name, rows in CORPUS:
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
        data = out.getvalue().encode(enc, errors="replace")
        with hang_guard(HANG_GUARD_S, name):
            raw = read_file(data, Path(name).name)
        assert raw.data.height == len(rows) - 1, f"{name} {enc} {sep!r}"
        assert raw.detected.separator == sep, f"{name} {enc} {sep!r}: read as {raw.detected.separator!r}"
        assert raw.data.width == len(rows[0]), f"{name} {enc} {sep!r}"
