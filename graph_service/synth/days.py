"""Dates as day numbers (proleptic Gregorian ordinals), formatted through one lookup table.

The generator does its date arithmetic on plain ``int`` ordinals: adding days is an
addition, and formatting is a list lookup rather than a ``date`` object per cell.
"""

from __future__ import annotations

from datetime import date
from functools import cache

Day = int

_FIRST = date(1900, 1, 1).toordinal()
_LAST = date(2100, 12, 31).toordinal()
#: The last day of a life ban (终身禁入), written ``9999-12-31`` (DATA-CONTRACT edition 2).
FOREVER: Day = date(9999, 12, 31).toordinal()


@cache
def _iso_table() -> tuple[str, ...]:
    return tuple(date.fromordinal(o).isoformat() for o in range(_FIRST, _LAST + 1))


def iso(day: Day) -> str:
    """``YYYY-MM-DD`` for an ordinal day."""
    try:
        return _iso_table()[day - _FIRST]
    except IndexError:  # beyond the table: a life ban's 9999-12-31
        return date.fromordinal(day).isoformat()


def iso_or_empty(day: Day | None) -> str:
    """``YYYY-MM-DD``, or the empty string (an open end date) for ``None``."""
    return "" if day is None else iso(day)


def day_of(value: date) -> Day:
    """The ordinal of a date."""
    return value.toordinal()


def years(n: float) -> int:
    """An approximate number of days in ``n`` years (for durations, not calendar maths)."""
    return round(n * 365.25)


def add_years(day: Day, n: int) -> Day:
    """The same calendar day ``n`` years later, or that month's last day (29 February falls
    back to the 28th): a term of ``n`` years from ``day`` ends on this day (民法典 201, 202)."""
    d = date.fromordinal(day)
    try:
        return d.replace(year=d.year + n).toordinal()
    except ValueError:
        return d.replace(year=d.year + n, day=28).toordinal()
