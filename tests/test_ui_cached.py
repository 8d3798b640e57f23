"""ui.cached: results cached by store, data version and arguments; a large tuple argument (the
market page passes ~15,000 customer matches) is keyed by a fingerprint, not hashed item by item,
and still reaches the core function whole."""

from __future__ import annotations

import pytest

CALLS: list[tuple] = []


def summarise(_cursor, items: tuple, label: str = "") -> tuple:
    CALLS.append(items)
    return (len(items), items[0], items[-1], label)


@pytest.fixture
def ui_on_tmp_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ICP_DB", str(tmp_path / "s.duckdb"))
    import ui

    ui._cached_call.clear()
    CALLS.clear()
    yield ui
    ui._cached_call.clear()


def test_a_large_tuple_is_passed_whole_and_cached_by_its_content(ui_on_tmp_store):
    ui = ui_on_tmp_store
    big = tuple(f"C{i:05d}" for i in range(15_000))
    assert isinstance(ui._by_fingerprint(big), ui._Fingerprinted)  # keyed by (length, hash), not item by item
    assert ui.cached(summarise, big, label="x") == (15_000, "C00000", "C14999", "x")
    assert ui.cached(summarise, tuple(big), label="x") == (15_000, "C00000", "C14999", "x")  # equal content: cached
    assert len(CALLS) == 1 and CALLS[0] == big
    changed = big[:-1] + ("C99999",)
    assert ui.cached(summarise, changed, label="x") == (15_000, "C00000", "C99999", "x")  # one item differs: computed
    assert ui.cached(summarise, big, label="y") == (15_000, "C00000", "C14999", "y")
    assert len(CALLS) == 3


def test_small_and_unhashable_arguments_still_work(ui_on_tmp_store):
    ui = ui_on_tmp_store
    assert ui.cached(summarise, ("a", "b")) == (2, "a", "b", "")
    big_of_lists = tuple([i] for i in range(2_000))  # unhashable items: st.cache_data hashes it itself
    assert ui.cached(summarise, big_of_lists) == (2_000, [0], [1_999], "")
    assert ui.cached(summarise, big_of_lists) == (2_000, [0], [1_999], "")
    assert len(CALLS) == 2


def frame_of(cursor, n: int):
    CALLS.append(n)
    import polars as pl

    return pl.DataFrame({"x": list(range(n))})


def test_kept_returns_the_kept_object_until_the_data_changes(ui_on_tmp_store):
    ui = ui_on_tmp_store
    ui._kept_call.clear()
    first = ui.kept(frame_of, 3)
    assert ui.kept(frame_of, 3) is first  # the same object: no copy per rerun
    assert first["x"].to_list() == [0, 1, 2]
    assert ui.kept(frame_of, 4) is not first  # other arguments: computed
    assert CALLS == [3, 4]
    import polars as pl

    ui.get_store().load_frame("accounts", pl.DataFrame({"account_id": ["A1"], "start_date": [None]}))
    again = ui.kept(frame_of, 3)  # a new data version: computed again
    assert again is not first and CALLS == [3, 4, 3]
    ui._kept_call.clear()
