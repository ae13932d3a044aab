"""Time rules shared by every engine (shared/RULES.md "When a record applies").

Dates are ISO ``YYYY-MM-DD`` text, which orders correctly as text.

* A relationship (role, holding, registration) is in force on ``d`` when
  ``start_date <= d`` and (``end_date`` is empty or ``d <= end_date``): the end date is the last
  day in force, so a role that "ends the day of the decision" was held on that day.
* A record applies on ``d`` when ``effective_from`` (default ``decided_on``) ``<= d`` and
  ``d < effective_to`` (empty: open-ended), and its status allows it: ``active`` and
  ``disputed`` apply (a dispute marks, it does not lift), ``repaired`` applies only before
  ``status_on``, ``revoked`` never applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def in_force(rel: Mapping[str, Any], d: str) -> bool:
    """True when a dated relationship is in force on ``d`` (end date inclusive)."""
    end = rel.get("end_date")
    return bool(rel["start_date"] <= d and (not end or d <= end))


def record_applies(record: Mapping[str, Any], d: str) -> bool:
    """True when a credit record applies on ``d`` (see the module docstring)."""
    start = record.get("effective_from") or record["decided_on"]
    if d < start:
        return False
    end = record.get("effective_to")
    if end and d >= end:
        return False
    status = record.get("status") or "active"
    if status == "revoked":
        return False
    if status == "repaired":
        return bool(d < (record.get("status_on") or record["decided_on"]))
    return True
