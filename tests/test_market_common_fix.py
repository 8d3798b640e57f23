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


def test_categorical_and_band_filters_are_plain_expressions_with_same_results():
    """filter_sql uses list_contains (an expression) rather than '= ANY(list)' (planned as a join
    by DuckDB, which keeps AND from short-circuiting costly terms such as the tech filter).
    The results are the same: case-insensitive membership, NULL never matches."""
    from icp_core.metrics_common import filter_sql, parse_filter

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('DE', 10), ('de', 60), ('AT', 300), (NULL, 5), ('FR', NULL)) v(country, employees)"
    )
    for spec, expected in (("country=DE,AT", 3), ("country=fr", 1), ("size_band=1-10,201-500", 3), ("size_band=11-50", 0)):
        sql, params = filter_sql(parse_filter(spec))
        assert "ANY(" not in sql
        assert con.execute(f"SELECT count(*) FROM t WHERE {sql}", params).fetchall() == [(expected,)], spec
    # as a value (not only in WHERE): NULL input stays NULL, a miss is FALSE
    sql, params = filter_sql(parse_filter("country=DE"))
    assert con.execute(f"SELECT {sql} FROM t ORDER BY employees NULLS LAST", params).fetchall() == [
        (None,), (True,), (True,), (False,), (False,)]
