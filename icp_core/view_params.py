"""Shared views: page choices that are not one plain value, written into a URL and read back.

A link must open the same view; a damaged or outdated link must not break the page, so every
reader here returns only what it can fully trust and leaves the rest to the page's defaults."""

from __future__ import annotations

import math
from collections.abc import Iterable

from icp_core.errors import IcpError
from icp_core.scoring import parse_cutoffs

WEIGHT_MIN = 0.0
WEIGHT_MAX = 100.0


def _num(value: float) -> str:
    """A number as short as it can be written without losing it (0.518, 75, 2.5)."""
    return f"{float(value):.12g}"


def weights_to_url(weights: dict[str, float]) -> list[str]:
    """{criterion id: weight} -> ["industry=SaaS:0.5", ...] (one query value per criterion)."""
    return [f"{cid}:{_num(w)}" for cid, w in weights.items()]


def weights_from_url(values: Iterable[str], ids: Iterable[str], low: float = WEIGHT_MIN,
                     high: float = WEIGHT_MAX) -> dict[str, float]:
    """The weights of a link, only for criteria that exist (ids) and only finite values within
    low..high (default WEIGHT_MIN..WEIGHT_MAX); anything else is left out (the page's default applies).
    The id is everything before the last ':' (ids may contain ':' themselves)."""
    known = set(ids)
    out: dict[str, float] = {}
    for value in values:
        cid, sep, number = str(value).rpartition(":")
        if not sep or cid not in known:
            continue
        try:
            weight = float(number)
        except ValueError:
            continue
        if math.isfinite(weight) and low <= weight <= high:
            out[cid] = weight
    return out


def cutoffs_to_url(cutoffs: dict[str, float]) -> str:
    """{"A": 75, "B": 50, "C": 25} -> "75,50,25"."""
    return ",".join(_num(cutoffs[tier]) for tier in "ABC")


def cutoffs_from_url(values: Iterable[str]) -> dict[str, float] | None:
    """The cut-offs of a link ("75,50,25"), or None when absent or not valid (A >= B >= C in 0..100)."""
    values = [v for v in values if v]
    if len(values) != 1:
        return None
    try:
        numbers = [float(part) for part in values[0].split(",")]
    except ValueError:
        return None
    if not all(math.isfinite(n) for n in numbers):
        return None
    try:
        return parse_cutoffs(values[0])
    except IcpError:
        return None


class Between:
    """The range a number from a link must lie in (both ends included), usable as the options of
    ui.url_state: `value in Between(0, 10)`. Not-a-number, infinities and non-numbers are never in
    it, so a link cannot push a number input outside its min/max (Streamlit would raise)."""

    def __init__(self, low: float | None = None, high: float | None = None) -> None:
        self.low, self.high = low, high

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not math.isfinite(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __repr__(self) -> str:
        return f"Between({self.low}, {self.high})"
