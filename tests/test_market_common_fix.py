"""metrics_common.table_exists / default_as_of must read their result to the end: DuckDB 2
refuses ``.sql()`` on a connection that still holds an unfinished result from ``execute()``."""

from datetime import date

import duckdb

from icp_core.metrics_common import default_as_of, table_exists


def test_table_exists_leaves_connection_usable_for_sql():
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, DATE '2024-03-01' AS start_date, NULL::DATE AS churn_date")
    assert table_exists(con, "accounts") is True
    assert table_exists(con, "market") is False
    # would raise ResourceInUseException if a result were left open
    assert con.sql("SELECT count(*) FROM accounts").fetchall() == [(1,)]
    assert default_as_of(con, today=date(2025, 1, 1)) == date(2024, 3, 1)
    assert con.sql("SELECT 1").fetchall() == [(1,)]
