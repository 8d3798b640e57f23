"""ui.chart / ui.draw_chart (issue 9): a chart is built and converted once per builder and inputs,
and what is drawn is exactly what st.altair_chart draws for the same chart."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import polars as pl
    import streamlit as st

    import ui
    from icp_core import charts

    calls = st.session_state.setdefault("calls", [])

    def counted(*args, **kwargs):
        calls.append(1)
        return charts.bar_with_intervals(*args, **kwargs)

    counted.__qualname__ = "counted_bar"
    frame = pl.DataFrame({"segment": ["DE", "AT", "CH"], "rate": [0.5, 0.25, 0.125], "low": [0.4, 0.1, 0.0],
                          "high": [0.6, 0.4, 0.3], "n": [120, 40, 8]})
    value = st.session_state.get("value", 0.5)
    frame = frame.with_columns(pl.Series("rate", [value, 0.25, 0.125]))
    args = (frame, "segment", "rate", "low", "high", "n")
    opts = dict(title="Rate by country", value_format="%", lang="de", min_n=30, highlight=["DE"])
    st.altair_chart(charts.bar_with_intervals(*args, **opts), theme=None, width="content")  # the reference
    ui.draw_chart(ui.chart(counted, *args, **opts), theme=None, width="content")
    ui.draw_chart(ui.chart(counted, *args, **opts), theme=None, width="content")  # same inputs: kept
    st.altair_chart(charts.bar_with_intervals(*args, **opts), theme=None)
    ui.draw_chart(ui.chart(counted, *args, **opts), theme=None)


def _charts(at: AppTest) -> list:
    return [e.proto for e in at.get("vega_lite_chart")]


def _fields(proto) -> tuple:
    return (proto.spec, proto.data.data, [(d.name, d.data.data) for d in proto.datasets], proto.theme,
            proto.use_container_width)


def test_kept_chart_draws_exactly_what_altair_chart_draws():
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["value"] = 0.5
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    first = _charts(at)
    assert len(first) == 5
    assert _fields(first[1]) == _fields(first[0]) and _fields(first[2]) == _fields(first[0])
    assert _fields(first[4]) == _fields(first[3])
    assert at.session_state["calls"] == [1]  # built once for three draws
    at.run()  # a rerun with the same inputs: nothing built, the same chart drawn
    assert at.session_state["calls"] == [1]
    assert [_fields(p) for p in _charts(at)] == [_fields(p) for p in first]


def test_changed_inputs_build_a_new_chart():
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["value"] = 0.75
    at.run()
    calls = len(at.session_state["calls"])
    assert calls == 1
    protos = _charts(at)
    assert _fields(protos[1]) == _fields(protos[0])
    at.session_state["value"] = 0.875
    at.run()
    assert len(at.session_state["calls"]) == 2
    again = _charts(at)
    assert _fields(again[1]) == _fields(again[0])
    assert again[1].data.data != protos[1].data.data  # the new value is drawn, not the kept chart


def test_unpicklable_inputs_are_built_every_time():
    import ui

    built = []

    def builder(fn):
        built.append(1)
        return {"x": fn}

    ui.chart(builder, lambda: 1)
    ui.chart(builder, lambda: 1)
    assert len(built) == 2


def test_equal_inputs_give_the_same_key_whatever_objects_they_share():
    import ui

    name = "".join(["Maschi", "nenbau"])  # equal to, not the same object as, the literal below
    shared = [{"industry": name, "size_band": name}]
    separate = [{"industry": "Maschinenbau", "size_band": "".join(["Maschinen", "bau"])}]
    assert shared == separate
    assert ui._chart_key(len, (shared,), {"lang": "de"}) == ui._chart_key(len, (separate,), {"lang": "de"})
    assert ui._chart_key(len, (shared,), {"lang": "de"}) != ui._chart_key(len, (shared,), {"lang": "en"})
    recursive: list = []
    recursive.append(recursive)
    assert ui._chart_key(len, (recursive,), {}) is None  # built every time rather than loop
