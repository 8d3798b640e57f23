"""Date-range filters added to metrics_common.parse_filter (start_date since 2022 etc.)."""

from datetime import date

import duckdb
import pytest

from icp_core.errors import IcpError
from icp_core.metrics_common import filters_sql, parse_filter


@pytest.mark.parametrize(
    "spec, low, high",
    [
        ("start_date=2022..", date(2022, 1, 1), None),
        ("start_date=2022-", date(2022, 1, 1), None),
        ("start_date=..2023-06-30", None, date(2023, 6, 30)),
        ("start_date=2022-2023", date(2022, 1, 1), date(2023, 12, 31)),
        ("start_date=2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year month end
        ("start_date=2021", date(2021, 1, 1), date(2021, 12, 31)),
        ("churn_date=2021-03-05..2021-04-01", date(2021, 3, 5), date(2021, 4, 1)),
    ],
)
def test_date_ranges_parse(spec, low, high):
    f = parse_filter(spec)
    assert (f.low_date, f.high_date) == (low, high)
    assert f.is_date_range
    # the spec round-trips
    again = parse_filter(f.spec())
    assert (again.low_date, again.high_date) == (low, high)


@pytest.mark.parametrize("spec", ["start_date=..", "start_date=2023..2022", "start_date=yesterday", "start_date=2022-13"])
def test_bad_date_ranges(spec):
    with pytest.raises(IcpError) as err:
        parse_filter(spec)
    assert err.value.key == "filter.bad_date_range"


def test_date_filter_sql_selects_inclusive_range():
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts(account_id VARCHAR, start_date DATE, country VARCHAR)")
    con.execute(
        "INSERT INTO accounts VALUES ('a', DATE '2021-12-31', 'DE'), ('b', DATE '2022-01-01', 'AT'), "
        "('c', DATE '2023-12-31', 'CH'), ('d', DATE '2024-01-01', 'DE'), ('e', NULL, 'DE')"
    )
    sql, params = filters_sql([parse_filter("start_date=2022-2023")])
    rows = con.execute(f"SELECT account_id FROM accounts WHERE {sql} ORDER BY 1", params).fetchall()
    assert [r[0] for r in rows] == ["b", "c"]  # both ends included, NULL start excluded
    sql, params = filters_sql([parse_filter("start_date=2022.."), parse_filter("country=DE,CH")])
    rows = con.execute(f"SELECT account_id FROM accounts WHERE {sql} ORDER BY 1", params).fetchall()
    assert [r[0] for r in rows] == ["c", "d"]
