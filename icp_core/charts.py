"""Altair chart builders with one theme made for slides.

Every builder is a pure function: it takes a polars DataFrame (or a list of row dicts, or a dict
of columns), the figures already computed by the core, a title, and ``lang`` for the words on
the axes, and returns an Altair chart that is

- titled, with axes labelled with their units, and n shown (subtitle and/or a text layer);
- themed: the slide theme is registered and enabled globally (``alt.theme``) *and* written into
  each chart's own ``config`` so that the PNG/SVG exports through vl-convert (``to_png``,
  ``to_svg``) look exactly as in the app;
- self-contained: the data is inline (JSON-safe values), user columns are copied into internal
  fields (``_cat``, ``_value``, ...) so that column names with dots or brackets cannot break
  field access. Values are passed as data, never as markup.

Colours: ``ACCENT`` marks the ICP / "want more of", ``NEUTRAL`` the rest / "would not reject",
``NEGATIVE`` "don't want more of" (and NPS detractors).

In Streamlit draw with ``st.altair_chart(chart, theme=None)`` so Streamlit's own chart theme
does not override this one. The charts are already configured (``.configure``): do not layer or
concatenate them further.

Builders:
    bar_with_intervals  horizontal bars per segment, Wilson-interval whiskers, value + n labels
    heatmap             two-dimensional segments, value and n in each cell
    stacked_share_bar   promoters / passives / detractors per group, with NPS and n
    histogram           distribution of one numeric column
    line_over_time      one or several series over dates, direct end labels
    cohort_heatmap      retention cohorts x months since start
    funnel              TAM -> SAM -> SOM with companies, value, customers and penetration
    to_png, to_svg      offline export through vl-convert
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import altair as alt
import polars as pl

from icp_core.i18n import DEFAULT_LANG, fmt_money, fmt_number, fmt_pct, t

# --- palette -----------------------------------------------------------------------------------
ACCENT = "#2563EB"  # the ICP / want more of
ACCENT_LIGHT = "#93B4F5"
NEUTRAL = "#9CA3AF"  # the rest / would not reject
NEUTRAL_LIGHT = "#D1D5DB"
NEGATIVE = "#D1495B"  # don't want more of / detractors
TEXT = "#1F2937"
MUTED = "#6B7280"
GRID = "#ECEEF2"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
#: categorical order for series: accent first, then muted companions
PALETTE = [ACCENT, "#F59E0B", "#10B981", NEGATIVE, "#8B5CF6", NEUTRAL, "#0EA5E9", "#A16207"]
#: sequential scale for heatmaps (low -> high)
SEQUENTIAL = ["#F1F5FE", ACCENT]

THEME_NAME = "icp_slides"
MIN_N = 30  # METRICS.md: segments below this n are too small to rank
SMALL_OPACITY = 0.35
DEFAULT_WIDTH = 640

#: highlight roles for bars: "more" = want more of, "neutral" = would not reject, "less" = don't want more of
ROLES = ("more", "neutral", "less")
ROLE_COLORS = {"more": ACCENT, "neutral": NEUTRAL, "less": NEGATIVE}

_NUMBER_LOCALES = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
    "de": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"], "percent": "\u00a0%"},
}
_TIME_LOCALES = {
    "de": {
        "dateTime": "%A, der %e. %B %Y, %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                   "Oktober", "November", "Dezember"],
        "shortMonths": ["Jan", "Feb", "Mrz", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
    }
}


def _locale(lang: str) -> dict[str, Any]:
    locale: dict[str, Any] = {"number": _NUMBER_LOCALES.get(lang, _NUMBER_LOCALES["en"])}
    if lang in _TIME_LOCALES:
        locale["time"] = _TIME_LOCALES[lang]
    return locale


def theme_config(lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The Vega-Lite ``config`` of the slide theme (number locale per language)."""
    return {
        "font": FONT,
        "background": "white",
        "padding": 12,
        "locale": _locale(lang),
        "title": {
            "fontSize": 19,
            "fontWeight": 600,
            "color": TEXT,
            "subtitleFontSize": 14,
            "subtitleColor": MUTED,
            "subtitlePadding": 6,
            "anchor": "start",
            "offset": 14,
            "font": FONT,
            "subtitleFont": FONT,
        },
        "axis": {
            "labelFontSize": 13,
            "titleFontSize": 14,
            "titleFontWeight": 600,
            "labelColor": TEXT,
            "titleColor": TEXT,
            "labelFont": FONT,
            "titleFont": FONT,
            "grid": False,
            "domainColor": "#C4C9D2",
            "tickColor": "#C4C9D2",
            "labelLimit": 280,
            "titlePadding": 10,
        },
        "axisQuantitative": {"grid": True, "gridColor": GRID, "gridWidth": 1, "tickCount": 5},
        "legend": {
            "labelFontSize": 13,
            "titleFontSize": 13,
            "labelFont": FONT,
            "titleFont": FONT,
            "labelColor": TEXT,
            "titleColor": TEXT,
            "orient": "bottom",
            "symbolType": "square",
        },
        "header": {"labelFontSize": 13, "titleFontSize": 14, "labelFont": FONT, "titleFont": FONT},
        "view": {"stroke": None, "continuousWidth": DEFAULT_WIDTH, "continuousHeight": 320},
        "range": {"category": PALETTE, "heatmap": SEQUENTIAL, "ramp": SEQUENTIAL},
        "mark": {"color": ACCENT},
        "bar": {"color": ACCENT, "cornerRadiusEnd": 2},
        "line": {"color": ACCENT, "strokeWidth": 3},
        "point": {"color": ACCENT, "size": 60, "filled": True},
        "rule": {"color": TEXT},
        "text": {"font": FONT, "fontSize": 13, "color": TEXT},
    }


@alt.theme.register(THEME_NAME, enable=True)
def _slide_theme() -> alt.theme.ThemeConfig:
    return {"config": theme_config(DEFAULT_LANG)}  # type: ignore[typeddict-item]


# --- helpers -----------------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, str, bool)):
        return value
    return str(value)


def _rows(frame: Any) -> list[dict[str, Any]]:
    """Rows of a polars DataFrame, a list of dicts or a dict of columns, JSON-safe."""
    if frame is None:
        return []
    if isinstance(frame, pl.DataFrame):
        rows = frame.to_dicts()
    elif isinstance(frame, Mapping):
        columns = {k: list(v) for k, v in frame.items()}
        length = max((len(v) for v in columns.values()), default=0)
        rows = [{k: (v[i] if i < len(v) else None) for k, v in columns.items()} for i in range(length)]
    else:
        rows = [dict(r) for r in frame]
    return [{k: _json_value(v) for k, v in r.items()} for r in rows]


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _fmt(value: Any, value_format: str, lang: str, decimals: int | None = None) -> str:
    number = _num(value)
    if value_format == "%":
        return fmt_pct(number, lang, 0 if decimals is None else decimals)
    if value_format == "€":
        return fmt_money(number, lang, 0 if decimals is None else decimals)
    if number is not None and decimals is None:
        decimals = 0 if float(number).is_integer() or abs(number) >= 100 else 1
    return fmt_number(number, lang, decimals or 0)


def _axis_format(value_format: str) -> str:
    return {"%": ".0%", "€": "$,.0f", ",": ",~r"}.get(value_format, value_format)


def _with_unit(axis_title: str, value_format: str) -> str:
    unit = {"%": "(%)", "€": "(€)"}.get(value_format)
    if unit and unit not in axis_title:
        return f"{axis_title} {unit}"
    return axis_title


def _title(title: str, subtitle_lines: Iterable[str | None]) -> alt.Title:
    lines = [line for line in subtitle_lines if line]
    if lines:
        return alt.Title(text=title, subtitle=lines)
    return alt.Title(text=title)


def _n_text(n: Any, lang: str) -> str:
    number = _num(n)
    return t("chart.n_short", lang, n=fmt_number(number, lang, 0)) if number is not None else ""


def _finish(chart: alt.TopLevelMixin, lang: str) -> Any:
    return chart.configure(**theme_config(lang))


def _role_of(category: Any, highlight: Any) -> str:
    if highlight is None:
        return "more"
    if isinstance(highlight, Mapping):
        role = highlight.get(category, "neutral")
        return role if role in ROLES else "neutral"
    if isinstance(highlight, (str, int, float)):
        highlight = [highlight]
    return "more" if category in set(highlight) else "neutral"


# --- builders ----------------------------------------------------------------------------------
def bar_with_intervals(
    frame: Any,
    category: str,
    value: str,
    low: str | None = None,
    high: str | None = None,
    n: str | None = None,
    title: str = "",
    subtitle: str | None = None,
    value_format: str = "%",
    highlight: Any = None,
    *,
    lang: str = DEFAULT_LANG,
    value_title: str | None = None,
    category_title: str | None = None,
    min_n: int = MIN_N,
    sort: str | None = "value",
    n_total: int | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.LayerChart:
    """Horizontal bars of ``value`` per ``category`` with 95% interval whiskers (``low``..``high``)
    and a label "value · n=..." beside each bar; bars with n < ``min_n`` are drawn lighter.

    value_format: "%" (fractions 0..1), "," (plain numbers) or "€" (money).
    highlight: None (all bars in the accent), a collection of categories (accent; others grey),
    or a dict {category: "more" | "neutral" | "less"}.
    sort: "value" (largest first) or None (frame order)."""
    data = []
    for row in _rows(frame):
        cat = row.get(category)
        cat_text = "(unknown)" if cat is None else str(cat)
        v = _num(row.get(value))
        lo = _num(row.get(low)) if low else None
        hi = _num(row.get(high)) if high else None
        nn = _num(row.get(n)) if n else None
        small = nn is not None and nn < min_n
        pieces = [_fmt(v, value_format, lang)]
        if nn is not None:
            pieces.append(_n_text(nn, lang))
        candidates = [x for x in (v, hi, 0.0) if x is not None]
        data.append(
            {
                "_cat": cat_text,
                "_value": v,
                "_low": lo,
                "_high": hi,
                "_n": nn,
                "_role": _role_of(cat, highlight),
                "_small": small,
                "_label": "  ·  ".join(pieces),
                "_label_at": max(candidates),
            }
        )
    order = [d["_cat"] for d in data]
    if sort == "value":
        order = [d["_cat"] for d in sorted(data, key=lambda d: (d["_value"] is None, -(d["_value"] or 0.0)))]

    present_roles = [r for r in ROLES if any(d["_role"] == r for d in data)]
    show_legend = isinstance(highlight, Mapping) and len(present_roles) > 1
    role_names = {"more": t("chart.role.more", lang), "neutral": t("chart.role.neutral", lang), "less": t("chart.role.less", lang)}
    for d in data:
        d["_role_name"] = role_names[d["_role"]]

    value_axis_title = _with_unit(value_title or value, value_format)
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("_cat:N", sort=order, title=category_title if category_title is not None else category),
    )
    x_scale = alt.Scale(domain=[0, 1]) if value_format == "%" and all(
        0 <= (d["_high"] if d["_high"] is not None else (d["_value"] or 0)) <= 1 for d in data
    ) else alt.Scale(zero=True)
    tooltip = [
        alt.Tooltip("_cat:N", title=category_title or category),
        alt.Tooltip("_label:N", title=value_axis_title),
    ]
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("_value:Q", title=value_axis_title, axis=alt.Axis(format=_axis_format(value_format)), scale=x_scale),
        color=alt.Color(
            "_role_name:N",
            scale=alt.Scale(domain=[role_names[r] for r in present_roles], range=[ROLE_COLORS[r] for r in present_roles]),
            legend=alt.Legend(title=None) if show_legend else None,
        ),
        opacity=alt.condition("datum._small", alt.value(SMALL_OPACITY), alt.value(1.0)),
        tooltip=tooltip,
    )
    layers: list[Any] = [bars]
    if low and high:
        layers.append(
            base.mark_rule(strokeWidth=1.5, color=TEXT).encode(x="_low:Q", x2="_high:Q")
        )
    layers.append(
        base.mark_text(align="left", baseline="middle", dx=6, fontSize=13, color=TEXT).encode(
            x="_label_at:Q", text="_label:N"
        )
    )
    notes = [subtitle]
    if n_total is not None:
        notes.append(t("chart.n", lang, n=fmt_number(n_total, lang)))
    if low and high:
        notes.append(t("chart.interval", lang))
    if any(d["_small"] for d in data):
        notes.append(t("chart.small_n", lang, min_n=min_n))
    chart = alt.layer(*layers).properties(
        title=_title(title, notes), width=width, height=alt.Step(32)
    )
    return _finish(chart, lang)


def heatmap(
    frame: Any,
    x: str,
    y: str,
    value: str,
    n: str | None = None,
    title: str = "",
    value_format: str = "%",
    *,
    subtitle: str | None = None,
    lang: str = DEFAULT_LANG,
    x_title: str | None = None,
    y_title: str | None = None,
    value_title: str | None = None,
    min_n: int = MIN_N,
    domain: Sequence[float] | None = None,
) -> alt.LayerChart:
    """Cells of ``x`` by ``y`` coloured by ``value``, each cell showing the value and "n=..".
    Cells with n < ``min_n`` are drawn lighter. ``domain`` fixes the colour scale (default: data)."""
    data = []
    x_order: list[str] = []
    y_order: list[str] = []
    for row in _rows(frame):
        xv = "(unknown)" if row.get(x) is None else str(row.get(x))
        yv = "(unknown)" if row.get(y) is None else str(row.get(y))
        if xv not in x_order:
            x_order.append(xv)
        if yv not in y_order:
            y_order.append(yv)
        v = _num(row.get(value))
        nn = _num(row.get(n)) if n else None
        data.append(
            {
                "_x": xv,
                "_y": yv,
                "_value": v,
                "_n": nn,
                "_small": nn is not None and nn < min_n,
                "_label": _fmt(v, value_format, lang),
                "_n_label": _n_text(nn, lang) if nn is not None else "",
            }
        )
    values = [d["_value"] for d in data if d["_value"] is not None]
    lo, hi = (list(domain) if domain else [min(values, default=0.0), max(values, default=1.0)])
    span = (hi - lo) or 1.0
    for d in data:
        d["_dark"] = d["_value"] is not None and (d["_value"] - lo) / span > 0.6 and not d["_small"]

    value_axis_title = _with_unit(value_title or value, value_format)
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("_x:N", sort=x_order, title=x_title if x_title is not None else x, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("_y:N", sort=y_order, title=y_title if y_title is not None else y),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "_value:Q",
            scale=alt.Scale(range=SEQUENTIAL, domain=[lo, hi]),
            legend=alt.Legend(title=value_axis_title, format=_axis_format(value_format), orient="right"),
        ),
        opacity=alt.condition("datum._small", alt.value(SMALL_OPACITY + 0.15), alt.value(1.0)),
        tooltip=[
            alt.Tooltip("_x:N", title=x_title or x),
            alt.Tooltip("_y:N", title=y_title or y),
            alt.Tooltip("_label:N", title=value_axis_title),
            alt.Tooltip("_n_label:N", title="n"),
        ],
    )
    text_color = alt.condition("datum._dark", alt.value("white"), alt.value(TEXT))
    value_text = base.mark_text(baseline="middle", dy=-8, fontSize=14, fontWeight=600).encode(
        text="_label:N", color=text_color
    )
    n_text = base.mark_text(baseline="middle", dy=10, fontSize=11).encode(text="_n_label:N", color=text_color)
    notes = [subtitle]
    if any(d["_small"] for d in data):
        notes.append(t("chart.small_n", lang, min_n=min_n))
    chart = alt.layer(cells, value_text, n_text).properties(
        title=_title(title, notes), width=alt.Step(max(70, min(120, 900 // max(1, len(x_order))))), height=alt.Step(48)
    )
    return _finish(chart, lang)


def stacked_share_bar(
    frame: Any,
    category: str | None = None,
    promoters: str = "promoters",
    passives: str = "passives",
    detractors: str = "detractors",
    title: str = "",
    subtitle: str | None = None,
    *,
    n: str | None = None,
    lang: str = DEFAULT_LANG,
    category_title: str | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.LayerChart:
    """One 100% bar per row (per ``category``; a single bar when ``category`` is None) split into
    detractors | passives | promoters, with the share in each segment and "NPS +x · n=.." beside it.

    Without ``n`` the three columns are counts (n = their sum); with ``n`` they are shares 0..1."""
    groups = [
        ("detractors", detractors, t("chart.detractors", lang), NEGATIVE),
        ("passives", passives, t("chart.passives", lang), NEUTRAL_LIGHT),
        ("promoters", promoters, t("chart.promoters", lang), ACCENT),
    ]
    data = []
    order: list[str] = []
    for row in _rows(frame):
        cat = "" if category is None else ("(unknown)" if row.get(category) is None else str(row.get(category)))
        order.append(cat)
        raw = {key: _num(row.get(col)) or 0.0 for key, col, _, _ in groups}
        if n:
            total = _num(row.get(n)) or 0.0
            shares = raw
        else:
            total = sum(raw.values())
            shares = {k: (v / total if total else 0.0) for k, v in raw.items()}
        nps = 100.0 * (shares["promoters"] - shares["detractors"]) if total else None
        nps_text = "–" if nps is None else (f"+{nps:.0f}" if round(nps) > 0 else f"{nps:.0f}")
        start = 0.0
        for i, (key, _, name, _) in enumerate(groups):
            share = shares[key]
            data.append(
                {
                    "_cat": cat,
                    "_group": name,
                    "_order": i,
                    "_share": share,
                    "_start": start,
                    "_end": start + share,
                    "_mid": start + share / 2,
                    "_label": fmt_pct(share, lang, 0) if share >= 0.07 else "",
                    "_dark": key != "passives",
                    "_n": total,
                    "_summary": "  ·  ".join(
                        [t("chart.nps_label", lang, nps=nps_text), _n_text(total, lang)]
                    ),
                }
            )
            start += share
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y(
            "_cat:N",
            sort=order,
            title=(category_title if category_title is not None else category) if category else None,
            axis=alt.Axis() if category else None,
        ),
    )
    segments = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("_start:Q", title=t("chart.answers", lang), axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        x2="_end:Q",
        color=alt.Color(
            "_group:N",
            scale=alt.Scale(domain=[g[2] for g in groups], range=[g[3] for g in groups]),
            legend=alt.Legend(title=None),
        ),
        tooltip=[alt.Tooltip("_group:N", title=t("chart.group", lang)), alt.Tooltip("_share:Q", format=".1%", title="%")],
    )
    inside = base.mark_text(baseline="middle", fontSize=13, fontWeight=600).encode(
        x="_mid:Q",
        text="_label:N",
        color=alt.condition("datum._dark", alt.value("white"), alt.value(TEXT)),
    )
    summary_data = base.transform_filter("datum._order == 2")
    summary = summary_data.mark_text(align="left", baseline="middle", dx=8, fontSize=13, fontWeight=600).encode(
        x="_end:Q", text="_summary:N"
    )
    chart = alt.layer(segments, inside, summary).properties(
        title=_title(title, [subtitle]), width=width, height=alt.Step(40)
    )
    return _finish(chart, lang)


def histogram(
    frame: Any,
    value: str,
    title: str = "",
    subtitle: str | None = None,
    *,
    lang: str = DEFAULT_LANG,
    value_title: str | None = None,
    y_title: str | None = None,
    value_format: str = ",",
    maxbins: int = 20,
    width: int = DEFAULT_WIDTH,
    height: int = 300,
) -> alt.LayerChart:
    """Distribution of the numeric column ``value`` (empty values left out; n in the subtitle)."""
    data = [{"_value": v} for v in (_num(r.get(value)) for r in _rows(frame)) if v is not None]
    value_axis_title = _with_unit(value_title or value, value_format)
    count_title = y_title or t("chart.count", lang)
    bars = alt.Chart(alt.Data(values=data)).mark_bar(color=ACCENT, binSpacing=1).encode(
        x=alt.X(
            "_value:Q",
            bin=alt.Bin(maxbins=maxbins),
            title=value_axis_title,
            axis=alt.Axis(format=_axis_format(value_format)),
        ),
        y=alt.Y("count():Q", title=count_title),
        tooltip=[alt.Tooltip("count():Q", title=count_title)],
    )
    chart = alt.layer(bars).properties(
        title=_title(title, [subtitle, t("chart.n", lang, n=fmt_number(len(data), lang))]), width=width, height=height
    )
    return _finish(chart, lang)


def line_over_time(
    frame: Any,
    x: str,
    y: str,
    series: str | None = None,
    title: str = "",
    y_format: str = "%",
    *,
    subtitle: str | None = None,
    lang: str = DEFAULT_LANG,
    x_title: str | None = None,
    y_title: str | None = None,
    n: str | int | None = None,
    highlight: Any = None,
    width: int = DEFAULT_WIDTH,
    height: int = 320,
) -> alt.LayerChart:
    """``y`` over the dates in ``x`` (one line per ``series``), each line labelled at its end.

    n: a column with the n behind each point (shown in the tooltip) or one total (subtitle).
    highlight: series to draw in the accent; the others grey (default: the palette)."""
    data = []
    for row in _rows(frame):
        xv = row.get(x)
        if xv is None:
            continue
        s = "" if series is None else ("(unknown)" if row.get(series) is None else str(row.get(series)))
        nn = _num(row.get(n)) if isinstance(n, str) else None
        data.append(
            {
                "_x": str(xv),
                "_y": _num(row.get(y)),
                "_series": s,
                "_n": nn,
                "_label": _fmt(row.get(y), y_format, lang) + (f"  ·  {_n_text(nn, lang)}" if nn is not None else ""),
            }
        )
    series_order = list(dict.fromkeys(d["_series"] for d in data))
    if highlight is not None:
        wanted = {highlight} if isinstance(highlight, str) else set(highlight)
        colors = [ACCENT if s in wanted else NEUTRAL for s in series_order]
    else:
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(series_order))]
    last: dict[str, dict[str, Any]] = {}
    for d in data:
        if d["_y"] is not None and (d["_series"] not in last or d["_x"] >= last[d["_series"]]["_x"]):
            last[d["_series"]] = d
    ends = [dict(d, _end=(d["_series"] + ": " if series else "") + _fmt(d["_y"], y_format, lang)) for d in last.values()]

    y_axis_title = _with_unit(y_title or y, y_format)
    color = alt.Color("_series:N", scale=alt.Scale(domain=series_order, range=colors), legend=None)
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("_x:T", title=x_title if x_title is not None else x),
        y=alt.Y("_y:Q", title=y_axis_title, axis=alt.Axis(format=_axis_format(y_format))),
        color=color,
    )
    lines = base.mark_line(strokeWidth=3)
    points = base.mark_point(size=50, filled=True).encode(
        tooltip=[
            alt.Tooltip("_x:T", title=x_title or x),
            alt.Tooltip("_series:N", title=t("chart.series", lang)),
            alt.Tooltip("_label:N", title=y_axis_title),
        ]
    )
    labels = (
        alt.Chart(alt.Data(values=ends))
        .mark_text(align="left", baseline="middle", dx=8, fontSize=13, fontWeight=600)
        .encode(x="_x:T", y="_y:Q", text="_end:N", color=color)
    )
    notes = [subtitle]
    if isinstance(n, (int, float)) and not isinstance(n, bool):
        notes.append(t("chart.n", lang, n=fmt_number(n, lang)))
    chart = alt.layer(lines, points, labels).properties(title=_title(title, notes), width=width, height=height)
    return _finish(chart, lang)


def cohort_heatmap(
    frame: Any,
    cohort: str,
    k: str,
    share: str,
    title: str = "",
    subtitle: str | None = None,
    *,
    size: str | None = None,
    lang: str = DEFAULT_LANG,
    show_values: bool | None = None,
) -> alt.LayerChart:
    """Retention cohorts: rows = cohort (start month), columns = months since start ``k``, cells
    coloured by the ``share`` still active (0..1). ``size`` = column with the cohort's n, shown in
    the row label ("2024-01 (n=12)"). Cell values are written when the grid is small enough."""
    data = []
    cohort_order: list[str] = []
    ks: set[int] = set()
    for row in _rows(frame):
        c = row.get(cohort)
        ctext = "(unknown)" if c is None else str(c)[:7] if isinstance(c, str) and len(str(c)) >= 10 else str(c)
        nn = _num(row.get(size)) if size else None
        label = f"{ctext} ({_n_text(nn, lang)})" if nn is not None else ctext
        if label not in cohort_order:
            cohort_order.append(label)
        kv = _num(row.get(k))
        if kv is None:
            continue
        ks.add(int(kv))
        s = _num(row.get(share))
        data.append(
            {
                "_cohort": label,
                "_k": int(kv),
                "_share": s,
                "_n": nn,
                "_label": fmt_pct(s, lang, 0),
                "_dark": s is not None and s > 0.6,
            }
        )
    cohort_order.sort()
    if show_values is None:
        show_values = len(data) <= 300
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("_k:O", title=t("chart.months_since_start", lang), axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("_cohort:O", sort=cohort_order, title=t("chart.cohort", lang)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "_share:Q",
            scale=alt.Scale(domain=[0, 1], range=SEQUENTIAL),
            legend=alt.Legend(title=t("chart.active_share", lang), format=".0%", orient="right"),
        ),
        tooltip=[
            alt.Tooltip("_cohort:O", title=t("chart.cohort", lang)),
            alt.Tooltip("_k:O", title=t("chart.months_since_start", lang)),
            alt.Tooltip("_label:N", title=t("chart.active_share", lang)),
        ],
    )
    layers: list[Any] = [cells]
    if show_values:
        layers.append(
            base.mark_text(baseline="middle", fontSize=11).encode(
                text="_label:N", color=alt.condition("datum._dark", alt.value("white"), alt.value(TEXT))
            )
        )
    step = 40 if show_values else 18
    chart = alt.layer(*layers).properties(
        title=_title(title, [subtitle]), width=alt.Step(step), height=alt.Step(22 if show_values else 14)
    )
    return _finish(chart, lang)


def funnel(
    levels: Sequence[Mapping[str, Any]],
    title: str = "",
    lang: str = DEFAULT_LANG,
    *,
    subtitle: str | None = None,
    assumptions: bool = False,
    currency: str = "€",
    width: int = 420,
) -> alt.LayerChart:
    """TAM -> SAM -> SOM as centred horizontal bars (widths proportional to companies, with a
    visible minimum), each labelled "12,400 companies · €1.2M · 35 customers · penetration 0.3%".

    levels: [{"label": "TAM", "companies": int, "value": float | None, "customers": int | None,
    "penetration": float | None (default customers / companies)}, ...] from widest to narrowest.
    assumptions=True adds the note that the figures were typed in (top-down), not computed."""
    largest = max((_num(lv.get("companies")) or 0.0 for lv in levels), default=0.0) or 1.0
    colors = [NEUTRAL_LIGHT, ACCENT_LIGHT, ACCENT]
    data = []
    for i, lv in enumerate(levels):
        companies = _num(lv.get("companies"))
        value = _num(lv.get("value"))
        customers = _num(lv.get("customers"))
        penetration = _num(lv.get("penetration"))
        if penetration is None and customers is not None and companies:
            penetration = customers / companies
        w = max((companies or 0.0) / largest, 0.06)
        parts = [f"{fmt_number(companies, lang)} {t('chart.companies', lang)}"]
        if value is not None:
            parts.append(fmt_money(value, lang, 0, currency) if value < 10_000_000 else _short_money(value, lang, currency))
        if customers is not None:
            parts.append(f"{fmt_number(customers, lang)} {t('chart.customers', lang)}")
        if penetration is not None:
            parts.append(f"{t('chart.penetration', lang)} {fmt_pct(penetration, lang, 1)}")
        data.append(
            {
                "_level": str(lv.get("label", "")),
                "_companies": companies,
                "_value": value,
                "_customers": customers,
                "_penetration": penetration,
                "_x": -w / 2,
                "_x2": w / 2,
                "_color": colors[min(i, len(colors) - 1)] if i < len(levels) - 1 else ACCENT,
                "_label": "  ·  ".join(parts),
                "_label_at": 0.52,
            }
        )
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("_level:N", sort=[d["_level"] for d in data], title=None, axis=alt.Axis(labelFontSize=15, labelFontWeight=600, ticks=False, domain=False)),
    )
    bars = base.mark_bar(height={"band": 0.8}, cornerRadius=3).encode(
        x=alt.X("_x:Q", scale=alt.Scale(domain=[-0.5, 0.5]), axis=None),
        x2="_x2:Q",
        color=alt.Color("_color:N", scale=None, legend=None),
        tooltip=[alt.Tooltip("_level:N", title=t("chart.level", lang)), alt.Tooltip("_label:N", title=" ")],
    )
    labels = base.mark_text(align="left", baseline="middle", fontSize=14).encode(x="_label_at:Q", text="_label:N")
    notes = [subtitle, t("chart.assumption", lang) if assumptions else None]
    chart = alt.layer(bars, labels).properties(title=_title(title, notes), width=width, height=alt.Step(56))
    return _finish(chart, lang)


def _short_money(value: float, lang: str, currency: str) -> str:
    for factor, suffix_en, suffix_de in ((1e9, "B", " Mrd."), (1e6, "M", " Mio.")):
        if abs(value) >= factor:
            number = fmt_number(value / factor, lang, 1)
            return f"{number}{suffix_de} {currency}" if lang == "de" else f"{currency}{number}{suffix_en}"
    return fmt_money(value, lang, 0, currency)


# --- export ------------------------------------------------------------------------------------
def to_png(chart: Any, scale: float = 2) -> bytes:
    """The chart as PNG bytes (offline, vl-convert); scale 2 doubles the pixel size for slides."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def to_svg(chart: Any) -> str:
    """The chart as an SVG document (offline, vl-convert); text is escaped by the renderer."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart))


# Characters XML 1.0 forbids: vl-convert's text renderer aborts the whole process (a Rust panic
# that cannot unwind) on a label holding one, e.g. a company name with a BEL (\x07) from a CRM.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_INVALID.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_xml_safe(k): _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    return value


def _spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec for vl-convert, with XML-invalid control characters shown as U+FFFD."""
    return _xml_safe(chart.to_dict() if hasattr(chart, "to_dict") else dict(chart))
