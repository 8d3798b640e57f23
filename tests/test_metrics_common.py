"""icp_core.metrics_common's SQL helpers that several figures share."""

from __future__ import annotations

import duckdb

from icp_core.metrics_common import mode_sql


def test_mode_sql_is_the_most_frequent_value_ties_to_the_smallest():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (g INTEGER, v VARCHAR, keep BOOLEAN)")
    con.execute("INSERT INTO t VALUES (1, 'sap', true), (1, 'SAP', true), (1, NULL, true), "
                "(2, 'b', true), (2, 'a', false), (2, 'a', false), (3, NULL, true)")
    rows = con.execute(f"SELECT g, {mode_sql('v')}, {mode_sql('v', 'keep')} FROM t GROUP BY g ORDER BY g").fetchall()
    # 1: a tie between 'SAP' and 'sap' -> 'SAP' (smaller); 2: 'a' twice, but only 'b' kept; 3: nothing
    assert rows == [(1, "SAP", "SAP"), (2, "a", "b"), (3, None, None)]
