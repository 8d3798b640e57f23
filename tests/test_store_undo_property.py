"""Undo, in any order, leaves the store as if the undone imports had never run.

Oracle: replay the imports still standing, in order (replace sets the rows, append adds them,
clear empties); the table exists while any import of it stands, and its extra columns are those
the standing imports brought. Keys are unique across imports, so append never rejects a row
(the one place where history, not replay, decides)."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from icp_core.store import Store

EXTRAS = ("Region", 'Sp"ecial; col')


class UndoMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = Store(":memory:")
        self.ops: list[dict] = []  # {"id", "kind", "rows": [dict], "extras": tuple}
        self.undone: set[int] = set()
        self.keys = itertools.count()

    def _frame(self, n: int, extras: tuple[str, ...], with_values: bool) -> tuple[pl.DataFrame, list[dict]]:
        rows = []
        for _ in range(n):
            key = f"K{next(self.keys)}"
            row = {"account_id": key, "company_name": f"Company {key}"}
            for extra in extras:
                row[extra] = f"{extra}-{key}" if with_values else None
            rows.append(row)
        schema = {"account_id": pl.String, "company_name": pl.String} | {e: pl.String for e in extras}
        return pl.DataFrame(rows, schema=schema), rows

    def _load(self, kind: str, n: int, extras: tuple[str, ...], with_values: bool) -> None:
        frame, rows = self._frame(n, extras, with_values)
        result = self.store.load_frame("accounts", frame, f"op{len(self.ops)}.csv", mode=kind)
        self.ops.append({"id": result.import_id, "kind": kind, "rows": rows, "extras": extras})

    @rule(n=st.integers(0, 3), extras=st.sampled_from([(), EXTRAS[:1], EXTRAS[1:], EXTRAS]), values=st.booleans())
    def replace(self, n, extras, values):
        self._load("replace", n, extras, values)

    @rule(n=st.integers(0, 3), extras=st.sampled_from([(), EXTRAS[:1], EXTRAS[1:]]), values=st.booleans())
    def append(self, n, extras, values):
        self._load("append", n, extras, values)

    @rule()
    def clear(self):
        ids = self.store.clear("accounts")
        if self._standing():
            assert len(ids) == 1
            self.ops.append({"id": ids[0], "kind": "clear", "rows": [], "extras": ()})
        else:
            assert ids == []

    def _standing(self) -> list[dict]:
        return [op for op in self.ops if op["id"] not in self.undone]

    @precondition(lambda self: bool(self._standing()))
    @rule(data=st.data())
    def undo(self, data):
        op = data.draw(st.sampled_from(self._standing()))
        self.store.undo(op["id"])
        self.undone.add(op["id"])

    @invariant()
    def matches_replay(self):
        standing = self._standing()
        live: list[dict] = []
        extras: set[str] = set()
        for op in standing:
            extras.update(op["extras"])
            live = (live + op["rows"]) if op["kind"] == "append" else list(op["rows"])
        tables = self.store.tables()
        if not standing:
            assert "accounts" not in tables
            return
        assert tables["accounts"] == len(live)
        assert set(self.store.extra_columns("accounts")) == extras
        exported = self.store.export_frame("accounts")
        columns = ["account_id", "company_name", *sorted(extras)]
        got = sorted(tuple(r.get(c) for c in columns) for r in exported.select(columns).to_dicts())
        want = sorted(tuple(r.get(c) for c in columns) for r in live)
        assert got == want


TestUndoMatchesReplay = UndoMachine.TestCase
TestUndoMatchesReplay.settings = settings(
    max_examples=60, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
