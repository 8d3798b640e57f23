"""icp_core.charts: data, titles, axis titles and theme in the Vega-Lite spec; PNG/SVG export."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from datetime import date

import altair as alt
import polars as pl
import pytest

from icp_core import charts
from icp_core.i18n import t


def _spec(chart) -> dict:
    return chart.to_dict()


def _rows(spec: dict) -> list[dict]:
    """All inline data rows of a spec (consolidated datasets or inline values, any layer)."""
    rows: list[dict] = []
    for values in spec.get("datasets", {}).values():
        rows.extend(values)

    def walk(node):
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(data["values"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return rows


def _encodings(spec: dict) -> list[dict]:
    found = []
    for layer in [spec, *spec.get("layer", [])]:
        if "encoding" in layer:
            found.append(layer["encoding"])
    return found


def _axis_titles(spec: dict) -> set[str]:
    titles = set()
    for enc in _encodings(spec):
        for channel in ("x", "y"):
            if channel in enc and isinstance(enc[channel], dict) and enc[channel].get("title"):
                titles.add(enc[channel]["title"])
    return titles


def _title(spec: dict) -> tuple[str, list[str]]:
    title = spec["title"]
    subtitle = title.get("subtitle", [])
    return title["text"], [subtitle] if isinstance(subtitle, str) else list(subtitle)


def _texts(rows: list[dict], field: str) -> list[str]:
    return [r[field] for r in rows if field in r]


def _assert_theme(spec: dict, lang: str = "en") -> None:
    config = spec["config"]
    assert config["title"]["fontSize"] == 19
    assert config["axis"]["labelFontSize"] == 13
    assert "Source Sans Pro" in config["font"]
    assert config["range"]["category"][0] == charts.ACCENT
    assert config["axis"]["grid"] is False
    assert config["locale"]["number"]["decimal"] == ("," if lang == "de" else ".")


SEGMENTS = pl.DataFrame(
    {
        "industry": ["Retail", "SaaS", "Manufacturing"],
        "retention": [0.71, 0.93, 0.55],
        "low": [0.60, 0.88, 0.30],
        "high": [0.80, 0.96, 0.77],
        "n": [58, 140, 9],
    }
)


def test_theme_is_registered_and_enabled():
    assert charts.THEME_NAME in alt.theme.names()
    assert alt.theme.active == charts.THEME_NAME
    # a plain chart made anywhere picks the theme up too
    plain = alt.Chart(alt.Data(values=[{"a": 1}])).mark_bar().encode(x="a:Q").to_dict()
    assert plain["config"]["title"]["fontSize"] == 19


def test_bar_with_intervals_spec():
    chart = charts.bar_with_intervals(
        SEGMENTS, "industry", "retention", "low", "high", "n",
        title="Retention by industry", subtitle="as of 2025-06-30",
        highlight={"SaaS": "more", "Manufacturing": "less"},
        value_title="12-month retention", category_title="Industry",
    )
    spec = _spec(chart)
    _assert_theme(spec)
    text, subtitle = _title(spec)
    assert text == "Retention by industry"
    assert subtitle[0] == "as of 2025-06-30"
    assert t("chart.interval", "en") in subtitle
    assert t("chart.small_n", "en", min_n=30) in subtitle  # Manufacturing has n=9
    assert {"12-month retention (%)", "Industry"} <= _axis_titles(spec)

    rows = {r["_cat"]: r for r in _rows(spec)}
    assert rows["SaaS"]["_value"] == 0.93 and rows["SaaS"]["_low"] == 0.88 and rows["SaaS"]["_high"] == 0.96
    assert rows["SaaS"]["_label"] == "93%  ·  n=140"
    assert rows["Manufacturing"]["_small"] is True and rows["SaaS"]["_small"] is False
    assert (rows["SaaS"]["_role"], rows["Retail"]["_role"], rows["Manufacturing"]["_role"]) == ("more", "neutral", "less")
    # largest first
    y = next(enc["y"] for enc in _encodings(spec) if "y" in enc)
    assert y["sort"] == ["SaaS", "Retail", "Manufacturing"]
    # the three layers: bars, interval rules, labels
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["bar", "rule", "text"]


def test_bar_colours_follow_roles_and_small_n_is_lighter():
    spec = _spec(charts.bar_with_intervals(SEGMENTS, "industry", "retention", n="n", title="x", highlight=["SaaS"]))
    bar = spec["layer"][0]["encoding"]
    assert bar["color"]["scale"]["range"] == [charts.ACCENT, charts.NEUTRAL]
    assert bar["opacity"]["condition"]["value"] == charts.SMALL_OPACITY
    assert "_small" in bar["opacity"]["condition"]["test"]


def test_bar_german_labels_and_missing_values():
    frame = {"seg": ["A", "B", None], "v": [1234.6, 2.5, None], "n": [40, 35, 3]}
    spec = _spec(charts.bar_with_intervals(frame, "seg", "v", n="n", title="ARPA", value_format=",", lang="de"))
    _assert_theme(spec, "de")
    rows = {r["_cat"]: r for r in _rows(spec)}
    assert rows["A"]["_label"] == "1.235  ·  n=40"  # large figures without decimals
    assert rows["B"]["_label"] == "2,5  ·  n=35"
    assert rows["(unknown)"]["_value"] is None
    assert rows["(unknown)"]["_label"].startswith("–")


def test_heatmap_spec():
    frame = pl.DataFrame(
        {
            "size_band": ["1-10", "11-50", "1-10", "11-50"],
            "industry": ["SaaS", "SaaS", "Retail", "Retail"],
            "retention": [0.9, 0.8, 0.5, 0.2],
            "n": [40, 31, 12, 50],
        }
    )
    spec = _spec(charts.heatmap(frame, "size_band", "industry", "retention", "n", title="Retention grid",
                                value_format="%", x_title="Size band", y_title="Industry", value_title="Retention"))
    _assert_theme(spec)
    assert _title(spec)[0] == "Retention grid"
    assert {"Size band", "Industry"} <= _axis_titles(spec)
    rows = _rows(spec)
    assert len(rows) == 4
    cell = next(r for r in rows if r["_x"] == "1-10" and r["_y"] == "Retail")
    assert (cell["_value"], cell["_label"], cell["_n_label"], cell["_small"]) == (0.5, "50%", "n=12", True)
    legend_title = spec["layer"][0]["encoding"]["color"]["legend"]["title"]
    assert legend_title == "Retention (%)"
    assert [layer["encoding"]["text"]["field"] for layer in spec["layer"][1:]] == ["_label", "_n_label"]


def test_stacked_share_bar_counts_to_shares_and_nps():
    frame = pl.DataFrame({"channel": ["Referral", "Other"], "promoters": [30, 20], "passives": [10, 30], "detractors": [5, 25]})
    spec = _spec(charts.stacked_share_bar(frame, "channel", title="NPS by channel", category_title="Channel"))
    _assert_theme(spec)
    assert _title(spec)[0] == "NPS by channel"
    assert {t("chart.answers", "en"), "Channel"} <= _axis_titles(spec)
    rows = _rows(spec)
    ref = [r for r in rows if r["_cat"] == "Referral"]
    assert len(ref) == 3
    assert sum(r["_share"] for r in ref) == pytest.approx(1.0)
    promoters = next(r for r in ref if r["_group"] == t("chart.promoters", "en"))
    assert promoters["_share"] == pytest.approx(30 / 45)
    # NPS = 100 * (30 - 5) / 45 = 55.6 -> +56; n = 45
    assert promoters["_summary"] == "NPS +56  ·  n=45"
    other = next(r for r in rows if r["_cat"] == "Other" and r["_order"] == 2)
    assert other["_summary"] == "NPS -7  ·  n=75"


def test_histogram_spec():
    frame = pl.DataFrame({"employees": [5, 12, 40, 40, 300, None]})
    spec = _spec(charts.histogram(frame, "employees", title="Company size", value_title="Employees", lang="de"))
    _assert_theme(spec, "de")
    text, subtitle = _title(spec)
    assert text == "Company size"
    assert "n = 5" in subtitle
    assert sorted(r["_value"] for r in _rows(spec)) == [5, 12, 40, 40, 300]
    assert {"Employees", t("chart.count", "de")} <= _axis_titles(spec)


def test_line_over_time_spec():
    frame = pl.DataFrame(
        {
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1), date(2024, 2, 1)],
            "retention": [0.8, 0.85, 0.6, 0.62],
            "group": ["ICP", "ICP", "Rest", "Rest"],
        }
    )
    spec = _spec(charts.line_over_time(frame, "month", "retention", "group", title="Retention over time",
                                       y_format="%", x_title="Month", y_title="Retention", n=250, highlight="ICP"))
    _assert_theme(spec)
    text, subtitle = _title(spec)
    assert text == "Retention over time" and "n = 250" in subtitle
    assert {"Month", "Retention (%)"} <= _axis_titles(spec)
    rows = _rows(spec)
    assert {"_x": "2024-02-01", "_y": 0.85, "_series": "ICP"}.items() <= next(
        r for r in rows if r["_series"] == "ICP" and r["_x"] == "2024-02-01"
    ).items()
    ends = sorted(r["_end"] for r in rows if "_end" in r)
    assert ends == ["ICP: 85%", "Rest: 62%"]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [charts.ACCENT, charts.NEUTRAL]


def test_cohort_heatmap_spec():
    frame = pl.DataFrame(
        {
            "cohort": [date(2024, 1, 1)] * 3 + [date(2024, 2, 1)] * 2,
            "k": [0, 1, 2, 0, 1],
            "share": [1.0, 0.9, 0.8, 1.0, 0.75],
            "size": [10, 10, 10, 4, 4],
        }
    )
    spec = _spec(charts.cohort_heatmap(frame, "cohort", "k", "share", title="Cohort retention", size="size", lang="de"))
    _assert_theme(spec, "de")
    assert _title(spec)[0] == "Cohort retention"
    assert {t("chart.months_since_start", "de"), t("chart.cohort", "de")} <= _axis_titles(spec)
    rows = _rows(spec)
    cell = next(r for r in rows if r["_cohort"] == "2024-02 (n=4)" and r["_k"] == 1)
    assert cell["_share"] == 0.75
    assert cell["_label"] == "75 %"  # German percent format


def test_funnel_spec():
    levels = [
        {"label": "TAM", "companies": 48000, "value": 691_200_000.0, "customers": 310},
        {"label": "SAM", "companies": 9000, "value": 129_600_000.0, "customers": 250},
        {"label": "SOM", "companies": 1200, "value": 17_280_000.0, "customers": 120},
    ]
    spec = _spec(charts.funnel(levels, title="Market", lang="en", assumptions=True))
    _assert_theme(spec)
    text, subtitle = _title(spec)
    assert text == "Market" and t("chart.assumption", "en") in subtitle
    rows = {r["_level"]: r for r in _rows(spec)}
    assert list(rows) == ["TAM", "SAM", "SOM"]
    assert rows["SOM"]["_penetration"] == pytest.approx(0.1)
    assert rows["SOM"]["_label"] == "1,200 companies  ·  €17.3M  ·  120 customers  ·  penetration 10.0%"
    assert rows["TAM"]["_x2"] - rows["TAM"]["_x"] == pytest.approx(1.0)
    assert rows["SOM"]["_x2"] - rows["SOM"]["_x"] == pytest.approx(0.06)  # visible minimum width
    assert rows["SOM"]["_color"] == charts.ACCENT


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_to_png_scale_doubles_pixels():
    chart = charts.bar_with_intervals(SEGMENTS, "industry", "retention", "low", "high", "n", title="Retention")
    w1, h1 = _png_size(charts.to_png(chart, scale=1))
    w2, h2 = _png_size(charts.to_png(chart, scale=2))
    assert w1 > 300 and h1 > 100
    assert (w2, h2) == (2 * w1, 2 * h1)


def test_to_svg_is_xml_with_title_and_axis_text():
    chart = charts.heatmap(
        {"x": ["a", "b"], "y": ["c", "c"], "v": [0.4, 0.6], "n": [40, 50]}, "x", "y", "v", "n",
        title="Grid title", value_format="%", x_title="X axis", y_title="Y axis",
    )
    svg = charts.to_svg(chart)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = {"".join(el.itertext()) for el in root.iter() if el.tag.endswith("text")}
    assert {"Grid title", "X axis", "Y axis", "40%", "n=50"} <= texts


def test_svg_escapes_markup_in_labels():
    evil = "<script>alert(1)</script>"
    frame = {"seg": [evil, "fine"], "v": [0.5, 0.7], "n": [40, 40]}
    svg = charts.to_svg(charts.bar_with_intervals(frame, "seg", "v", n="n", title=evil, subtitle=evil))
    assert "<script" not in svg
    root = ET.fromstring(svg)
    assert not any(el.tag.lower().endswith("script") for el in root.iter())
    texts = ["".join(el.itertext()) for el in root.iter() if el.tag.endswith("text")]
    assert evil in texts  # shown as text, escaped in the markup
    assert "&lt;script&gt;" in svg
