"""The benchmark harness (bench/run.py, bench/bench_app.py) without timing anything: the report
keeps what is below the marker line, the app sections say by how much a target is missed, the
call log keeps the outermost core calls, and run.py uses bench_pmf's answer generator."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import duckdb
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import bench_app  # noqa: E402
import bench_pmf  # noqa: E402
import run  # noqa: E402


def test_write_report_replaces_only_what_is_above_the_marker(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# old figures\n\n| a | 1 |\n" + run.MARK + "\n\n## kept analysis\nline two\n", encoding="utf-8")
    run.write_report(out, "# Benchmarks\n\nnew figures\n")
    assert out.read_text(encoding="utf-8") == "# Benchmarks\n\nnew figures\n\n" + run.MARK + "\n\n## kept analysis\nline two\n"
    # a file without the marker gets one (and nothing of the old text is kept)
    other = tmp_path / "other.md"
    other.write_text("no marker here", encoding="utf-8")
    run.write_report(other, "X")
    assert other.read_text(encoding="utf-8") == "X\n" + run.MARK


def _page(name, cold, times):
    return {"page": name, "title": name, "cold": cold, "cold_cpu": cold / 2, "times": times, "cpus": [t / 2 for t in times],
            "cold_calls": [("market.customer_matches", 1, 9.5)], "cold_rss": {"market.customer_matches": 569.0},
            # as apptest_pages leaves them: calls counted over all reruns, seconds per rerun
            "rerun_calls": [("charts.funnel", 3, 0.1)], "rerun_ui": [("ui.cached(market.white_space)", 6, 0.3)],
            "errors": []}


def test_app_report_pages_startup_memory():
    info = {
        "app_store": "test store",
        "pages": [_page("home", 3.0, [0.1, 0.2, 0.15]), _page("market", 14.0, [0.9, 1.1, 1.0])],
        "startup": {
            "empty": {"health": [1.0, 1.2, 1.1], "rendered": [2.5, 2.7, 2.6], "cpu": [2.0, 2.2, 2.1],
                      "cpu_health": [0.9, 1.0, 0.8],
                      "returning": {"health": [0.4, 0.5, 0.6], "rendered": [1.3, 1.2, 1.5], "cpu": [0.7, 0.6, 0.8],
                                    "cpu_health": [0.3, 0.4, 0.5]}},
            "_imports": {"python": 0.02, "streamlit": 0.8, "app_modules": 0.7, "page_modules": 1.3},
            "_sample_load": 1.07, "_sample_seed": 0.052, "_first_run": {"empty": [1.9, 2.1, 2.0]}, "_first_run_cpu": {"empty": [1.5, 1.6, 1.7]},
            "_navigation": [1.9, 2.0, 1.8],
        },
        "memory": {"peak_mb": 1992.0, "after_start_mb": 59.0, "end_mb": 918.0,
                   "pages": {"home": {"seconds": 4.4, "peak_mb": 292.0, "rss_mb": 225.0}}},
    }
    text = "\n".join(run.app_report(info))
    assert "| home | 3,000 ms | 1,500 ms | 150 ms | 100 ms..200 ms | 75 ms | 3 | yes |" in text
    assert "| market | 14,000 ms | 7,000 ms | 1,000 ms | 900 ms..1,100 ms | 500 ms | 3 | no: 700 ms over (3.3x) |" in text
    # where a rerun's time goes, per rerun: 6 cached calls over 3 reruns = 2 per rerun
    assert "- **market** rerun 1,000 ms: ui.cached/store_call 300 ms in 2 calls; core calls not cached: charts.funnel x1 100 ms" in text
    assert "market.customer_matches 9,500 ms (RSS +569 MB)" in text
    assert ("| no store yet (first launch: the sample store is copied in) | new profile | 1,100 ms | 2,600 ms | "
            "2,500 ms..2,700 ms | 900 ms | 2,100 ms | 3 | no: 600 ms over (1.3x) |") in text
    # the same store in the browser that opened the app before: its own figures, its own verdict
    assert ("| no store yet (first launch: the sample store is copied in) | opened the app before | 500 ms | 1,300 ms | "
            "1,200 ms..1,500 ms | 400 ms | 700 ms | 3 | yes |") in text
    assert "no store yet (first launch: the sample store is copied in) 2,000 ms (CPU 1,600 ms)" in text
    assert "median of 3): 52 ms; loading the sample company into a new store instead" in text
    assert "does not fit): 1,070 ms." in text
    assert "none of its work" in text and "1,900 ms (1,800 ms..2,000 ms, 3 runs)" in text
    assert "**peak 1,992 MB** (target 690 MB: no: 1,302 MB over)" in text
    assert "| home | 225 MB | 292 MB | 4.4 s |" in text


def test_met_says_yes_at_the_target_and_by_how_much_otherwise():
    assert run._met(0.300, run.PAGE_TARGET_S) == "yes"
    assert run._met(0.450, run.PAGE_TARGET_S) == "no: 150 ms over (1.5x)"
    assert run._met(690, 690, "MB") == "yes"
    assert run._met(700.4, 690, "MB") == "no: 10 MB over"


def test_call_log_keeps_the_outermost_calls_only():
    log = bench_app.CallLog()

    def inner(x):
        return x + 1

    wrapped_inner = log._wrap(inner, "m.inner")

    def outer(x):
        return wrapped_inner(x) * 2

    wrapped_outer = log._wrap(outer, "m.outer")
    assert wrapped_outer(1) == 4
    assert wrapped_inner(5) == 6
    calls = log.take()
    assert [label for label, _ in calls] == ["m.outer", "m.inner"]  # inner inside outer is not listed
    assert log.take() == []
    # per thread: a call in another thread is outermost there
    t = threading.Thread(target=lambda: wrapped_outer(0))
    t.start()
    t.join()
    assert [label for label, _ in log.take()] == ["m.outer"]
    rows = bench_app.summarize([("a", 0.004), ("b", 0.010), ("b", 0.020), ("c", 0.5)])
    assert rows == [("c", 1, 0.5), ("b", 2, pytest.approx(0.030))]  # under 5 ms in all: left out


def test_run_uses_bench_pmf_answer_generator():
    assert not hasattr(run, "GEN_NPS") and not hasattr(run, "GEN_SURVEY")
    con = duckdb.connect(":memory:")
    bench_pmf.add_answers(con, 10_000, "B-")
    total, outside, scores = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE account_id NOT LIKE 'B-%' OR account_id > 'B-0009999'), "
        "count(DISTINCT score) FROM nps_responses").fetchone()
    assert (total, outside, scores) == (5_000, 0, 11)  # one answer per 2 accounts, all for B- accounts, scores 0..10
    assert con.execute("SELECT count(*) FROM pmf_survey").fetchone()[0] == 1_000
    # bench_pmf's own default prefix is unchanged ('A'), so its figures stay comparable
    bench_pmf.add_answers(con, 10_000)
    assert con.execute("SELECT count(*) FROM nps_responses WHERE account_id LIKE 'A%'").fetchone()[0] == 5_000


def test_the_speed_probe_line_gives_both_probes_of_each_kind():
    line = run.probe_line([{"python": 0.131, "duckdb": 0.1364}, {"python": 0.1526, "duckdb": 0.13}])
    assert line == ("- Machine speed (fixed work on one thread, median of 5, at the start / the end of the run): "
                    "a Python loop 131 ms / 153 ms, a DuckDB aggregation 136 ms / 130 ms. Compare these before "
                    "comparing two runs' figures.")
    labelled = run.probe_line([{"python": 0.131, "duckdb": 0.1364, "when": "the start"},
                               {"python": 0.2, "duckdb": 0.16, "when": "the startup stage"},
                               {"python": 0.1526, "duckdb": 0.13, "when": "the end"}])
    assert labelled.startswith("- Machine speed (fixed work on one thread, median of 5, at the start / the startup "
                               "stage / the end of the run): a Python loop 131 ms / 200 ms / 153 ms, a DuckDB "
                               "aggregation 136 ms / 160 ms / 130 ms.")
