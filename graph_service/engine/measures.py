"""The catalogue of measures (失信惩戒措施清单), edition 2, read from ``catalogue/measures.yaml``.

For each record kind: when it starts, its default term, whom it reaches and the measures it
brings — each a *prohibition* (a right taken away) or a *consideration* (a management measure
the case must weigh), with its actions, its own dates in law and its legal basis. A derived
rule (government procurement after a major illegal record) reads records that are not lists.

Validated when read (:func:`catalogue`): an error names the file, the entry and what to fix,
so a deployment's override fails at start-up rather than giving wrong answers later.

Example
-------
>>> cat = catalogue()
>>> [m.id for m in cat.measures_for("dishonest_judgment_debtor", "consumption:air")]
['DJD-CONSUMPTION', 'DJD-CONSUMPTION-PERSONS']
>>> normalise_action("air_travel")
'consumption:air'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from graph_service.catalogue import catalogue_file, load_yaml, vocabulary
from graph_service.errors import DomainError

MeasureType = Literal["prohibition", "consideration"]
Target = Literal["subject", "persons"]
ReachMode = Literal["apply", "advise", "none"]
#: Ways a person comes to be reached by a record (RULES §4).
ReachWay = Literal["named", "roles", "late_office", "inferred"]
REACH_WAYS: tuple[ReachWay, ...] = ("named", "roles", "late_office", "inferred")
#: Actions that are travel bans in the sense of 国办发〔2020〕49号 (十一).
TRAVEL_ACTIONS = frozenset(
    {
        "consumption:air",
        "consumption:rail_g_train",
        "consumption:rail_emu_first_class",
        "consumption:rail_soft_sleeper",
        "consumption:ship_second_class",
    }
)


class UnknownAction(DomainError, ValueError):
    """An action the catalogue does not define."""


class CatalogueError(ValueError):
    """The catalogue file is not valid; the message says where and what to fix."""


@dataclass(frozen=True, slots=True)
class Citation:
    """One legal basis: an instrument and, where read, the article."""

    instrument: str
    title: str
    number: str
    article: str | None = None
    verified: bool = False
    note: str | None = None
    sectors: tuple[str, ...] = ()

    def text(self) -> str:
        """``法释〔2015〕17号 第三条`` (with ``（待核）`` where the article is not verified)."""
        art = f" {self.article}" if self.article else ""
        mark = "" if self.verified or not self.article else "（条款待核 / article to verify）"
        return f"{self.number}{art}{mark}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "title": self.title,
            "number": self.number,
            "article": self.article,
            "verified": self.verified,
            "text": self.text(),
        }
        if self.note:
            out["note"] = self.note
        if self.sectors:
            out["sectors"] = list(self.sectors)
        return out


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure of a list kind."""

    id: str
    kind: str
    zh: str
    en: str
    type: MeasureType
    to: Target
    actions: tuple[str, ...]
    subject_types: tuple[str, ...] = ("entity", "person")
    lasts: Literal["record", "until_lifted"] = "record"
    in_force_from: str | None = None
    in_force_to: str | None = None
    #: Before ``in_force_from``: ``advisory`` (the earlier text needs a fact we lack),
    #: ``same`` (the earlier text had the same rule: fires, citing ``basis_before``), ``none``.
    before: Literal["advisory", "same", "none"] = "none"
    when: Mapping[str, Any] = field(default_factory=dict)
    reach: Mapping[ReachWay, ReachMode] = field(default_factory=dict)
    basis: tuple[Citation, ...] = ()
    basis_before: tuple[Citation, ...] = ()

    def actions_for(self, sector: str | None) -> tuple[str, ...]:
        """The actions with ``{sector}`` filled in (market bans)."""
        return tuple(a.replace("{sector}", sector or "?") for a in self.actions)

    def restricts(self, action: str, sector: str | None) -> bool:
        """Whether this measure answers for ``action`` (normalised) on a record of ``sector``."""
        return any(_matches(a, action) for a in self.actions_for(sector))

    def basis_text(self, sector: str | None = None, before: bool = False) -> str:
        cites = self.basis_before if before and self.basis_before else self.basis
        shown = [c for c in cites if not c.sectors or sector in c.sectors] or list(cites)
        return "；".join(c.text() for c in shown)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "zh": self.zh,
            "en": self.en,
            "type": self.type,
            "to": self.to,
            "actions": list(self.actions),
            "subject_types": list(self.subject_types),
            "lasts": self.lasts,
            "in_force_from": self.in_force_from,
            "in_force_to": self.in_force_to,
            "before": self.before,
            "when": dict(self.when),
            "basis": [c.to_dict() for c in self.basis],
            "basis_before": [c.to_dict() for c in self.basis_before],
        }
        if self.to == "persons":
            out["reach"] = dict(self.reach)
        return out


@dataclass(frozen=True, slots=True)
class ListKind:
    """A record kind: its time rules, whom it reaches, and its measures."""

    code: str
    start: str = "decided_on"
    term_years: int | None = None
    open_when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    term_by_sector: Mapping[str, int] = field(default_factory=dict)
    require_term: bool = False
    max_term_years: int | None = None
    lifted_by: tuple[str, ...] = ()
    capacities: tuple[str, ...] = ()
    capacities_by_sector: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    triggers_relocation: bool = False
    subject_not_minor: bool = False
    basis: tuple[Citation, ...] = ()
    measures: tuple[Measure, ...] = ()

    def default_term(self, record: Mapping[str, Any]) -> int | None:
        """Years of the default term for ``record`` (None: open, or no default)."""
        for column, values in self.open_when.items():
            if str(record.get(column) or "") in values:
                return None
        sector = record.get("sector")
        if sector and sector in self.term_by_sector:
            return self.term_by_sector[sector]
        return self.term_years

    def capacities_for(self, sector: str | None) -> tuple[str, ...]:
        if sector and sector in self.capacities_by_sector:
            return self.capacities_by_sector[sector]
        return self.capacities

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.code,
            "start": self.start,
            "term_years": self.term_years,
            "open_when": {k: list(v) for k, v in self.open_when.items()},
            "term_by_sector": dict(self.term_by_sector),
            "require_term": self.require_term,
            "max_term_years": self.max_term_years,
            "lifted_by": list(self.lifted_by),
            "capacities": list(self.capacities),
            "capacities_by_sector": {k: list(v) for k, v in self.capacities_by_sector.items()},
            "triggers_relocation": self.triggers_relocation,
            "subject_not_minor": self.subject_not_minor,
            "basis": [c.to_dict() for c in self.basis],
            "measures": [m.to_dict() for m in self.measures],
        }


@dataclass(frozen=True, slots=True)
class RecordMatch:
    """Which records a derived rule reads."""

    kind: str
    penalty_types: tuple[str, ...] = ()
    min_amount_yuan: float | None = None


@dataclass(frozen=True, slots=True)
class DerivedRule:
    """A prohibition the law attaches to facts rather than to a list (政府采购法 22(五))."""

    id: str
    zh: str
    en: str
    type: MeasureType
    actions: tuple[str, ...]
    window_years: int
    records: tuple[RecordMatch, ...]
    amount_in_force_from: str | None
    sector_amount_lines: Mapping[str, float]
    basis: tuple[Citation, ...]

    def restricts(self, action: str) -> bool:
        return any(_matches(a, action) for a in self.actions)

    def basis_text(self) -> str:
        return "；".join(c.text() for c in self.basis)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "zh": self.zh,
            "en": self.en,
            "type": self.type,
            "actions": list(self.actions),
            "window_years": self.window_years,
            "records": [
                {
                    "kind": r.kind,
                    "penalty_type": list(r.penalty_types),
                    "min_amount_yuan": r.min_amount_yuan,
                }
                for r in self.records
            ],
            "amount_in_force_from": self.amount_in_force_from,
            "sector_amount_lines": dict(self.sector_amount_lines),
            "basis": [c.to_dict() for c in self.basis],
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The whole catalogue: list kinds with their measures, derived rules, action names."""

    version: str
    edition: int
    kinds: Mapping[str, ListKind]
    derived: tuple[DerivedRule, ...]
    aliases: Mapping[str, str]
    covers: Mapping[str, tuple[str, ...]]
    #: Answers of :meth:`measures_for`, :meth:`person_kinds`, :meth:`reach_needed` and
    #: :meth:`_asked`, computed once per question (every check asks them).
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(m for k in self.kinds.values() for m in k.measures)

    def kind(self, code: str) -> ListKind:
        """The time and reach rules of a record kind (kinds without measures get defaults)."""
        return self.kinds.get(code) or ListKind(code=code)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)

    def measures_for(self, kind: str, action: str, sector: str | None = None) -> list[Measure]:
        """Measures of ``kind`` that answer for the (normalised) ``action``."""
        key = ("measures_for", kind, action, sector or "")
        if key not in self._memo:
            self._memo[key] = [
                m for m in self.kind(kind).measures if self.answers(m, action, sector)
            ]
        found: list[Measure] = self._memo[key]
        return found

    def _asked(self, action: str) -> frozenset[str]:
        """``action`` and the broader actions that cover it (``covers``)."""
        key = ("asked", action)
        if key not in self._memo:
            self._memo[key] = frozenset(
                {action} | {broad for broad, narrow in self.covers.items() if action in narrow}
            )
        found: frozenset[str] = self._memo[key]
        return found

    def answers(self, m: Measure, action: str, sector: str | None) -> bool:
        """Whether ``m`` answers for ``action``, directly or through a broader action."""
        return any(m.restricts(a, sector) for a in self._asked(action))

    def derived_answers(self, rule: DerivedRule, action: str) -> bool:
        """Whether the derived ``rule`` answers for ``action`` (as :meth:`answers`)."""
        return any(rule.restricts(a) for a in self._asked(action))

    def person_kinds(self, action: str) -> frozenset[str]:
        """Kinds with a measure reaching persons (not the subject) for ``action``."""
        key = ("person_kinds", action)
        if key not in self._memo:
            self._memo[key] = frozenset(
                m.kind
                for m in self.measures
                if m.to == "persons" and self.answers(m, action, _ANY_SECTOR)
            )
        found: frozenset[str] = self._memo[key]
        return found

    def reach_needed(self, actions: Iterable[str]) -> Literal["none", "named", "all"]:
        """What a check of a person for ``actions`` must read about what reaches him: nothing
        (no measure reaches persons), the records naming him only (every such measure reaches
        named persons only), or everything (roles, holdings, names)."""
        key = ("reach_needed", frozenset(actions))
        if key not in self._memo:
            measures = [
                m
                for a in key[1]
                for m in self.measures
                if m.to == "persons" and self.answers(m, a, _ANY_SECTOR)
            ]
            ways = {way for m in measures for way, mode in m.reach.items() if mode != "none"}
            self._memo[key] = "none" if not measures else "named" if ways <= {"named"} else "all"
        found: Literal["none", "named", "all"] = self._memo[key]
        return found

    def to_dict(self) -> dict[str, Any]:
        """The catalogue as published (``GET /v1/measures``, the ``measures`` verb)."""
        return {
            "version": self.version,
            "edition": self.edition,
            "file": str(catalogue_file("measures.yaml")),
            "aliases": dict(self.aliases),
            "covers": {k: list(v) for k, v in self.covers.items()},
            "kinds": [k.to_dict() for k in self.kinds.values()],
            "derived": [d.to_dict() for d in self.derived],
        }


_ANY_SECTOR = "*"


def _matches(pattern: str, action: str) -> bool:
    """``consumption:*`` matches every consumption action; ``enter_sector:*`` every sector."""
    if pattern.endswith(":*"):
        return action.startswith(pattern[:-1])
    if pattern.endswith(":?") or pattern.endswith(":" + _ANY_SECTOR):
        return action.partition(":")[0] == pattern.partition(":")[0]
    if action.endswith(":" + _ANY_SECTOR):
        return pattern.partition(":")[0] == action.partition(":")[0]
    return pattern == action


# -- reading and validating the file --------------------------------------------------------


def _fail(where: str, what: str) -> CatalogueError:
    return CatalogueError(f"{catalogue_file('measures.yaml')}: {where}: {what}")


def _citations(raw: Any, instruments: Mapping[str, Any], where: str) -> tuple[Citation, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise _fail(where, "basis must be a list of {instrument, article, verified}")
    out = []
    for c in raw:
        inst = instruments.get(c.get("instrument"))
        if inst is None:
            raise _fail(
                where, f"unknown instrument {c.get('instrument')!r} (add it to instruments)"
            )
        out.append(
            Citation(
                instrument=c["instrument"],
                title=inst["zh"],
                number=inst["number"],
                article=c.get("article"),
                verified=bool(c.get("verified", False)),
                note=c.get("note"),
                sectors=tuple(c.get("sectors", ())),
            )
        )
    return tuple(out)


def _check_action(action: str, where: str) -> None:
    actions = vocabulary("action")
    if action in actions or (action.endswith(":*") and action[:-2] == "consumption"):
        return
    base, _, qualifier = action.partition(":")
    entry = actions.get(base)
    if entry and entry.get("takes") and qualifier in ("{sector}", *_qualifiers(entry["takes"])):
        return
    raise _fail(where, f"unknown action {action!r} (see vocabularies.yaml, action)")


def _qualifiers(takes: str) -> tuple[str, ...]:
    sectors = tuple(vocabulary("sector"))
    return sectors + tuple(vocabulary("office")) if takes == "office" else sectors


def _measure(kind: str, raw: Mapping[str, Any], inst: Mapping[str, Any]) -> Measure:
    where = f"kinds.{kind}.measures.{raw.get('id', '?')}"
    for required in ("id", "zh", "en", "type", "to", "actions", "basis"):
        if required not in raw:
            raise _fail(where, f"missing {required}")
    if raw["type"] not in ("prohibition", "consideration"):
        raise _fail(where, "type must be prohibition or consideration")
    if raw["to"] not in ("subject", "persons"):
        raise _fail(where, "to must be subject or persons")
    for action in raw["actions"]:
        _check_action(action, where)
    reach: dict[ReachWay, ReachMode] = {}
    if raw["to"] == "persons":
        given = raw.get("reach") or {}
        for way in REACH_WAYS:
            mode = given.get(way, "none")
            if mode not in ("apply", "advise", "none", "prohibit"):
                raise _fail(where, f"reach.{way} must be apply, advise or none")
            reach[way] = "apply" if mode == "prohibit" else mode
    m = Measure(
        id=raw["id"],
        kind=kind,
        zh=raw["zh"],
        en=raw["en"],
        type=raw["type"],
        to=raw["to"],
        actions=tuple(raw["actions"]),
        subject_types=tuple(raw.get("subject_types", ("entity", "person"))),
        lasts=raw.get("lasts", "record"),
        in_force_from=_date_text(raw.get("in_force_from")),
        in_force_to=_date_text(raw.get("in_force_to")),
        before=raw.get("before", "none"),
        when=dict(raw.get("when") or {}),
        reach=reach,
        basis=_citations(raw["basis"], inst, where),
        basis_before=_citations(raw.get("basis_before"), inst, where),
    )
    if m.lasts not in ("record", "until_lifted"):
        raise _fail(where, "lasts must be record or until_lifted")
    if m.before not in ("advisory", "same", "none"):
        raise _fail(where, "before must be advisory, same or none")
    if (
        kind == "joint_punishment_list"
        and m.type == "prohibition"
        and any(_matches(a, t) for a in m.actions for t in TRAVEL_ACTIONS)
        and m.when.get("able_but_refuses") is not True
    ):
        raise _fail(
            where,
            "a travel ban on a joint punishment list needs `when: {able_but_refuses: true}` "
            "(国办发〔2020〕49号 (十一): only subjects able to perform but refusing)",
        )
    return m


def _date_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _kind(code: str, raw: Mapping[str, Any], inst: Mapping[str, Any]) -> ListKind:
    if code not in vocabulary("kind"):
        raise _fail(f"kinds.{code}", "not a record kind of vocabularies.yaml")
    measures = tuple(_measure(code, m, inst) for m in raw.get("measures") or ())
    roles = vocabulary("role")
    caps = tuple(raw.get("capacities", ()))
    by_sector = {s: tuple(c) for s, c in (raw.get("capacities_by_sector") or {}).items()}
    for cap in (*caps, *(c for cs in by_sector.values() for c in cs)):
        if cap not in roles:
            raise _fail(f"kinds.{code}.capacities", f"unknown capacity {cap!r}")
    return ListKind(
        code=code,
        start=raw.get("start", "decided_on"),
        term_years=raw.get("term_years"),
        open_when={k: tuple(str(x) for x in v) for k, v in (raw.get("open_when") or {}).items()},
        term_by_sector=dict(raw.get("term_by_sector") or {}),
        require_term=bool(raw.get("require_term", False)),
        max_term_years=raw.get("max_term_years"),
        lifted_by=tuple(raw.get("lifted_by", ())),
        capacities=caps,
        capacities_by_sector=by_sector,
        triggers_relocation=bool(raw.get("triggers_relocation", False)),
        subject_not_minor=bool(raw.get("subject_not_minor", False)),
        basis=_citations(raw.get("basis"), inst, f"kinds.{code}"),
        measures=measures,
    )


def _derived(raw: Mapping[str, Any], inst: Mapping[str, Any]) -> DerivedRule:
    where = f"derived.{raw.get('id', '?')}"
    for action in raw["actions"]:
        _check_action(action, where)
    return DerivedRule(
        id=raw["id"],
        zh=raw["zh"],
        en=raw["en"],
        type=raw.get("type", "prohibition"),
        actions=tuple(raw["actions"]),
        window_years=int(raw["window_years"]),
        records=tuple(
            RecordMatch(
                kind=r["kind"],
                penalty_types=tuple(r.get("penalty_type", ())),
                min_amount_yuan=r.get("min_amount_yuan"),
            )
            for r in raw["records"]
        ),
        amount_in_force_from=_date_text(raw.get("amount_in_force_from")),
        sector_amount_lines=dict(raw.get("sector_amount_lines") or {}),
        basis=_citations(raw.get("basis"), inst, where),
    )


def parse_catalogue(raw: Mapping[str, Any]) -> Catalogue:
    """Build and validate a catalogue from its parsed YAML."""
    if int(raw.get("edition", 1)) != 2:
        raise _fail("edition", "this service reads edition 2 catalogues (see docs/legal.md)")
    inst = raw.get("instruments") or {}
    kinds = {code: _kind(code, k, inst) for code, k in (raw.get("kinds") or {}).items()}
    ids = [m.id for k in kinds.values() for m in k.measures]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _fail("measures", f"measure ids must be unique: {', '.join(dupes)}")
    aliases = dict(raw.get("aliases") or {})
    for old, new in aliases.items():
        _check_action(new, f"aliases.{old}")
    return Catalogue(
        version=str(raw["version"]),
        edition=2,
        kinds=kinds,
        derived=tuple(_derived(d, inst) for d in raw.get("derived") or ()),
        aliases=aliases,
        covers={k: tuple(v) for k, v in (raw.get("covers") or {}).items()},
    )


@cache
def catalogue() -> Catalogue:
    """The catalogue in force (the shipped file or the deployment's override), validated."""
    return parse_catalogue(load_yaml("measures.yaml"))


@cache
def _known_actions() -> frozenset[str]:
    return frozenset(action_names())


def action_names() -> list[str]:
    """Every action a check answers for, qualifiers spelled out (for help texts and errors)."""
    out = []
    for action, entry in vocabulary("action").items():
        takes = entry.get("takes")
        out += [f"{action}:{q}" for q in _qualifiers(takes)] if takes else [action]
    return out


def normalise_action(action: str) -> str:
    """The edition-2 name of ``action`` (edition-1 names are aliases); raises
    :class:`UnknownAction` for an action the catalogue does not define."""
    cat = catalogue()
    name = cat.aliases.get(action.strip(), action.strip())
    if name in _known_actions():
        return name
    names = ", ".join([*action_names(), *cat.aliases])
    raise UnknownAction(
        f"未知的行为“{action}”（可选：{names}）", f"unknown action '{action}' (one of {names})"
    )
