"""The measures list (联合惩戒措施清单) read from ``catalogue/measures.yaml``.

A *measure* restricts actions; each of its *rules* names the record kind that triggers it,
whom it reaches (the record's subject, or the subject entity's responsible persons) and, for
persons, whether the role is judged on the decision date or on the date asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from graph_service.catalogue import load_yaml, vocabulary
from graph_service.errors import DomainError

Reach = Literal["subject", "responsible_persons"]
RoleTime = Literal["decided_on", "asked"]


class UnknownAction(DomainError, ValueError):
    """An action the catalogue does not define."""


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure of the list."""

    code: str
    zh: str
    en: str
    category: str
    basis: str
    restricts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """One trigger of a measure."""

    id: str
    measure: Measure
    kind: str
    reaches: Reach
    role_time: RoleTime | None
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The whole list: measures and their rules."""

    version: str
    measures: tuple[Measure, ...]
    rules: tuple[Rule, ...]

    def rules_for(self, kind: str, reaches: Reach, action: str, sector: str | None) -> list[Rule]:
        """Rules that a record of ``kind`` (with ``sector``) fires for ``action``."""
        base, _, wanted_sector = action.partition(":")
        out = []
        for rule in self.rules:
            if rule.kind != kind or rule.reaches != reaches or base not in rule.measure.restricts:
                continue
            if base == "enter_sector" and wanted_sector != sector:
                continue
            out.append(rule)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The list as published (for the API's public endpoint)."""
        return {
            "version": self.version,
            "measures": [
                {
                    "code": m.code,
                    "zh": m.zh,
                    "en": m.en,
                    "category": m.category,
                    "basis": m.basis,
                    "restricts": list(m.restricts),
                    "rules": [
                        {
                            "id": r.id,
                            "kind": r.kind,
                            "reaches": r.reaches,
                            "role_time": r.role_time,
                            "roles": list(r.roles),
                        }
                        for r in self.rules
                        if r.measure is m
                    ],
                }
                for m in self.measures
            ],
        }


@cache
def catalogue() -> Catalogue:
    """The measures list in force (the shipped file or the deployment's override)."""
    raw = load_yaml("measures.yaml")
    roles = tuple(raw["responsible_roles"])
    measures: list[Measure] = []
    rules: list[Rule] = []
    for code, m in raw["measures"].items():
        measure = Measure(
            code=code,
            zh=m["zh"],
            en=m["en"],
            category=m["category"],
            basis=m["basis"],
            restricts=tuple(m["restricts"]),
        )
        measures.append(measure)
        for r in m["rules"]:
            persons = r["reaches"] == "responsible_persons"
            rules.append(
                Rule(
                    id=r["id"],
                    measure=measure,
                    kind=r["kind"],
                    reaches=r["reaches"],
                    role_time=r.get("role_time", "decided_on") if persons else None,
                    roles=tuple(r.get("roles", roles)) if persons else (),
                )
            )
    return Catalogue(version=str(raw["version"]), measures=tuple(measures), rules=tuple(rules))


def validate_action(action: str) -> str:
    """Return ``action`` if the catalogue knows it, else raise :class:`UnknownAction`."""
    actions = vocabulary("action")
    base, sep, sector = action.partition(":")
    entry = actions.get(base)
    sectors = vocabulary("sector")
    if entry is None or bool(entry.get("takes_sector")) != bool(sep):
        names = ", ".join(
            f"{a}:<sector>" if e.get("takes_sector") else a for a, e in actions.items()
        )
        raise UnknownAction(
            f"未知的行为“{action}”（可选：{names}）", f"unknown action '{action}' (one of {names})"
        )
    if sep and sector not in sectors:
        raise UnknownAction(
            f"未知的行业“{sector}”（可选：{', '.join(sectors)}）",
            f"unknown sector '{sector}' (one of {', '.join(sectors)})",
        )
    return action
