"""The date rule that needs no catalogue: days, terms, and when a dated relationship or an
entity is in force. The stores, the engine and the client all read time through here (the
record and measure rules, which need the catalogue, build on it in
:mod:`graph_service.engine.timeline`); the Cypher date filter is tested equal to
:func:`in_force` (``tests/conformance/test_time_rule.py``).

It sits below the stores so that they can use the rule without importing the engine.

Dates are ISO ``YYYY-MM-DD`` text, which orders correctly as text.

Example
-------
>>> in_force({"start_date": "2020-01-01", "end_date": "2020-12-31"}, "2020-12-31")
True
>>> in_force({"start_date": "2020-01-01", "end_date": "2020-12-31"}, "2021-01-01")
False
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

#: The last day of a life ban (行业禁入 终身).
FOREVER = "9999-12-31"


def add_years(day: str, years: int) -> str:
    """The same month and day ``years`` later, or that month's last day (民法典 202)."""
    d = dt.date.fromisoformat(day)
    y = d.year + years
    last = calendar.monthrange(y, d.month)[1]
    return dt.date(y, d.month, min(d.day, last)).isoformat()


def day_before(day: str) -> str:
    """The previous calendar day."""
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()


def in_force(rel: Mapping[str, Any], d: str) -> bool:
    """True when a dated relationship is in force on ``d``: from ``start_date`` to
    ``end_date``, both inclusive; an empty end is open, an empty start never began."""
    start = rel.get("start_date")
    end = rel.get("end_date")
    return bool(start and start <= d and (not end or d <= end))


def in_force_mask(start: pd.Series, end: pd.Series, d: str) -> pd.Series:
    """:func:`in_force` over columns of start and end dates (empty or missing: open end)."""
    start, end = start.fillna("").astype(str), end.fillna("").astype(str)
    return (start != "") & (start <= d) & ((end == "") | (end >= d))


def entity_active(entity: Mapping[str, Any], d: str) -> bool:
    """An entity exists on ``d``: registered on or before it, not deregistered by then (the
    deregistration day is its first day gone)."""
    reg, dereg = entity.get("registered_on"), entity.get("deregistered_on")
    return bool((not reg or str(reg) <= d) and (not dereg or str(dereg) > d))


def entity_active_mask(registered: Sequence[Any], deregistered: Sequence[Any], d: str) -> Any:
    """:func:`entity_active` over columns of registration and deregistration days (empty or
    missing: no such day), as a boolean array."""
    reg = pd.Series(registered, dtype=object).fillna("").astype(str)
    dereg = pd.Series(deregistered, dtype=object).fillna("").astype(str)
    return (((reg == "") | (reg <= d)) & ((dereg == "") | (dereg > d))).to_numpy(dtype=bool)


def decided_by(decided_on: str | None, d: str) -> bool:
    """True when a decision dated ``decided_on`` exists on ``d`` (a record concerns its
    subject from the day it was decided, whether or not it applies yet)."""
    return bool(decided_on) and str(decided_on) <= d


def recent(day: str, years: int, d: str) -> bool:
    """True when ``d`` falls within ``years`` years from ``day`` (both inclusive), the window
    of a statutory ineligibility such as 政府采购法 22(五)."""
    return day <= d <= add_years(day, years)
