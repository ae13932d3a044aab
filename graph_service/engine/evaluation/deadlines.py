"""Publication deadlines (guideline clause 十五): administrative decisions are put online
within 7 working days (7个工作日内上网公开).

Working days follow the State Council's yearly holiday arrangements — public holidays off,
adjusted weekend working days (调休) on — from the maintained ``chinesecalendar`` package
(``chinese_calendar``). The day of the decision does not count (期间开始的日，不计算在内);
the deadline is the 7th working day after it, and publishing on that day is on time
(``catalogue/publication.yaml``).

Example: a decision on Sunday 2024-09-29 (an adjusted working day). Working days after it:
09-30 (1); 10-01…10-07 National Day holiday; 10-08 (2), 10-09 (3), 10-10 (4), 10-11 (5),
Saturday 10-12 (6, adjusted working day), Sunday 10-13 off, 10-14 (7): due 2024-10-14.

>>> publication_deadline("2024-09-29")
'2024-10-14'

The package knows the years the State Council had announced when it was released (see
:func:`calendar_years`). A deadline that needs a day outside them is not guessed: it raises
:class:`CalendarUnavailable` (HTTP 422), and a listing puts such records under
``undetermined`` with that reason. Upgrading ``chinesecalendar`` extends the years.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]

from graph_service.catalogue import label, load_yaml
from graph_service.dates import decided_by
from graph_service.errors import DomainError
from graph_service.stores.base import GraphStore


class CalendarUnavailable(DomainError, ValueError):
    """A working-day question about a year the holiday calendar does not cover."""


@cache
def calendar_years() -> tuple[int, int]:
    """First and last year the installed ``chinesecalendar`` covers."""
    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return min(d.year for d in days), max(d.year for d in days)


def calendar_info() -> dict[str, Any]:
    """Which calendar answers: package, version and years covered."""
    try:
        ver = version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed as a dependency
        ver = "unknown"
    first, last = calendar_years()
    return {"package": "chinesecalendar", "version": ver, "years": [first, last]}


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day in mainland China (holidays and 调休 included).

    Raises :class:`CalendarUnavailable` for a year the calendar does not cover."""
    first, last = calendar_years()
    if not first <= day.year <= last:
        raise CalendarUnavailable(
            f"节假日安排仅覆盖{first}—{last}年，无法判断{day.isoformat()}是否为工作日；"
            "请升级 chinesecalendar",
            f"the holiday calendar covers {first}-{last} only: cannot tell whether "
            f"{day.isoformat()} is a working day; upgrade chinesecalendar",
        )
    return bool(chinese_calendar.is_workday(day))


@cache
def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count)."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def _working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b``."""
    return sum(is_working_day(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))


def publication_deadline(decided_on: str, working_days: int | None = None) -> str:
    """The last day a decision of ``decided_on`` may be published on time (clause 十五)."""
    n = working_days if working_days is not None else int(_cfg()["working_days"])
    return add_working_days(dt.date.fromisoformat(decided_on), n).isoformat()


def _cfg() -> dict[str, Any]:
    return load_yaml("publication.yaml")


def _item(rec: Mapping[str, Any], deadline: str | None, published: str | None) -> dict[str, Any]:
    return {
        "record_id": rec["record_id"],
        "kind": rec["kind"],
        "kind_label": label("kind", rec["kind"]),
        "subject_type": rec.get("subject_type"),
        "subject_key": rec.get("subject_key"),
        "authority": rec.get("authority"),
        "region_code": rec.get("region_code"),
        "decided_on": rec["decided_on"],
        "deadline": deadline,
        "published_on": published,
    }


def deadlines(
    store: GraphStore,
    on: str,
    *,
    authority: str | None = None,
    since: str | None = None,
    region: str = "",
) -> dict[str, Any]:
    """What is due and what is overdue for publication on ``on``, per authority.

    Every record of the kinds in ``publication.yaml`` decided on or before ``on`` (and on or
    after ``since``; only ``authority``'s; only records decided in regions starting with
    ``region``), except revoked ones: published on time or late, or — not yet published —
    ``due`` (deadline today or later, with the working days left) or ``overdue`` (deadline
    passed, with the calendar days since). Records whose deadline the calendar cannot give are
    listed under ``undetermined`` with the reason."""
    cfg = _cfg()
    field = str(cfg["published_field"])
    today = dt.date.fromisoformat(on)
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"due": [], "overdue": [], "published_on_time": 0, "published_late": 0}
    )
    undetermined: list[dict[str, Any]] = []
    for rec in store.records_where(cfg["kinds"]):
        decided = rec["decided_on"]
        if not decided_by(decided, on) or rec.get("status") == "revoked":
            continue
        if since and decided < since:
            continue
        if authority and rec.get("authority") != authority:
            continue
        if region and not str(rec.get("region_code") or "").startswith(region):
            continue
        published = rec.get(field) or None
        try:
            deadline = publication_deadline(decided, int(cfg["working_days"]))
        except CalendarUnavailable as exc:
            undetermined.append(_item(rec, None, published) | {"reason": exc.reason})
            continue
        group = groups[str(rec.get("authority") or "")]
        if published:
            group["published_on_time" if published <= deadline else "published_late"] += 1
        elif deadline >= on:
            left = _working_days_between(today, dt.date.fromisoformat(deadline))
            group["due"].append(_item(rec, deadline, None) | {"working_days_left": left})
        else:
            late = (today - dt.date.fromisoformat(deadline)).days
            group["overdue"].append(_item(rec, deadline, None) | {"days_overdue": late})
    authorities = [
        {"authority": name, **g, "due_count": len(g["due"]), "overdue_count": len(g["overdue"])}
        for name, g in sorted(groups.items())
    ]
    for a in authorities:
        a["due"].sort(key=lambda i: (i["deadline"], i["record_id"]))
        a["overdue"].sort(key=lambda i: (i["deadline"], i["record_id"]))
    return {
        "on": on,
        "working_days": int(cfg["working_days"]),
        "calendar": calendar_info(),
        "totals": {
            "due": sum(a["due_count"] for a in authorities),
            "overdue": sum(a["overdue_count"] for a in authorities),
            "published_on_time": sum(a["published_on_time"] for a in authorities),
            "published_late": sum(a["published_late"] for a in authorities),
            "undetermined": len(undetermined),
        },
        "authorities": authorities,
        "undetermined": undetermined,
    }
