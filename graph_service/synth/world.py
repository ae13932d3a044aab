"""The generator's shared state and the primitives every row is written through.

:class:`World` owns the random streams (reseeded per chunk, so a run is reproducible), the
identifier factory, the CSV sink and the few bounded pools that let later entities point at
earlier ones (people who hold several offices, holding companies, state organs). Background
and planted structures are both built from these primitives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from graph_service.synth import names
from graph_service.synth.authorities import authority, basis
from graph_service.synth.days import FOREVER, Day, add_years, iso, iso_or_empty
from graph_service.synth.geo import County, Geography
from graph_service.synth.identifiers import USCC_PREFIX, IdentifierFactory
from graph_service.synth.sink import CsvSink, percent_text
from graph_service.synth.vocab import (
    DJD_GROUND_SHARES,
    DJD_GROUNDS,
    LARGE_FINE_YUAN,
    PENALTY_TYPE_SHARES,
    PENALTY_TYPES,
)

_KIND_ABBR = {
    "consumption_restriction": "CR",
    "serious_illegal_dishonest": "SID",
    "major_tax_violation": "MTV",
    "procurement_dishonest": "PD",
    "licence_revoked": "LR",
    "joint_punishment_list": "JPL",
    "watch_list": "WL",
    "dishonest_judgment_debtor": "DJD",
    "administrative_penalty": "AP",
    "market_ban": "MB",
    "commitment_breach": "CB",
    "interview": "IV",
    "abnormal_operation": "AO",
}

T = TypeVar("T")

#: People kept for reuse in later offices and holdings (bounded: memory stays flat).
PERSON_POOL_SIZE = 20_000
#: Share of pooled offices and holdings given to someone already in the pool.
PERSON_REUSE = 0.4
#: Holding companies and state-owned enterprises kept as candidate shareholders.
ENTITY_POOL_SIZE = 5_000


@dataclass(slots=True)
class Entity:
    """What the generator remembers about an entity it has written."""

    uscc: str
    org_type: str
    #: County of first registration (USCC characters 3-8).
    county: int
    #: County of the last registration row (``entities.csv`` region_code).
    county_now: int
    registered: Day
    deregistered: Day | None
    industry: str
    #: Last day the entity exists within the generated window.
    until: Day
    #: Day of its one move, if it moved (to ``county_now``).
    moved_on: Day | None = None

    def county_at(self, day: Day) -> int:
        """County of registration on ``day``."""
        moved = self.moved_on is not None and day >= self.moved_on
        return self.county_now if moved else self.county


@dataclass(slots=True)
class Ring(Generic[T]):
    """A fixed-size pool: once full, each new item replaces the oldest."""

    size: int
    items: list[T] = field(default_factory=list)
    _next: int = 0

    def add(self, item: T) -> None:
        """Put ``item`` in the pool."""
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self.items[self._next] = item
            self._next = (self._next + 1) % self.size


@dataclass(slots=True)
class Organs:
    """State organs issued so far, for naming and for ``superior_uscc``.

    Governments form the hierarchy province → city → county; a county's other organs
    report to its government. Per county, city and province only the governments, the
    state-assets office and a count are kept, so memory is bounded by the number of counties.
    """

    province_government: dict[str, Entity] = field(default_factory=dict)
    city_government: dict[str, Entity] = field(default_factory=dict)
    government: dict[int, Entity] = field(default_factory=dict)
    assets_office: dict[int, Entity] = field(default_factory=dict)
    by_province: dict[str, Ring[Entity]] = field(default_factory=dict)
    anywhere: Ring[Entity] = field(default_factory=lambda: Ring[Entity](ENTITY_POOL_SIZE))

    def add(self, province: str, organ: Entity) -> None:
        """Remember an organ for later superiors (the caller files governments itself)."""
        self.by_province.setdefault(province, Ring[Entity](200)).add(organ)
        self.anywhere.add(organ)


class World:
    """Random streams, identifiers, pools and the sink, shared by one generation run."""

    def __init__(
        self,
        *,
        seed: int,
        start: Day,
        end: Day,
        sink: CsvSink,
        geo: Geography,
        ids: IdentifierFactory,
    ) -> None:
        self.seed = seed
        self.start = start
        self.end = end
        self.sink = sink
        self.geo = geo
        self.ids = ids
        self.rnd = random.Random()
        self.rng = np.random.default_rng(0)
        self.people = Ring[str](PERSON_POOL_SIZE)
        self.holdcos = Ring[Entity](ENTITY_POOL_SIZE)
        self.soes = Ring[Entity](ENTITY_POOL_SIZE)
        self.organs = Organs()
        # Organ and public-institution names already taken, per county (bounded by counties).
        self.organ_forms: dict[int, set[int]] = {}
        self.public_forms: dict[int, set[int]] = {}
        self._records = 0

    def reseed(self, stream: str) -> None:
        """Restart both random streams from (seed, ``stream``): chunks are reproducible alone."""
        self.rnd.seed(f"{self.seed}:{stream}", version=2)
        material = [self.seed, *(ord(c) for c in stream)]
        self.rng = np.random.default_rng(np.random.SeedSequence(material))

    def county(self, index: int) -> County:
        """The county at ``index``."""
        return self.geo.counties[index]

    # -- people -------------------------------------------------------------------------

    def person(self, county: int, *, pooled: bool = False) -> str:
        """A new person, registered (ID region) near ``county``; returns the ID number.

        ``pooled`` people may be handed out again by :meth:`pooled_person`; the others are
        used only where the caller puts them.
        """
        rnd = self.rnd
        home = county if rnd.random() < 0.6 else self.geo.pick(rnd)
        pid, male = self.ids.resident_id(self.geo.counties[home].code)
        self.sink.person(pid, names.person_name(rnd, male))
        if pooled:
            self.people.add(pid)
        return pid

    def pooled_person(self, county: int) -> str:
        """Someone from the pool (people with offices elsewhere) or a new pooled person."""
        if len(self.people.items) >= 100 and self.rnd.random() < PERSON_REUSE:
            return self.rnd.choice(self.people.items)
        return self.person(county, pooled=True)

    # -- entities -----------------------------------------------------------------------

    def entity(
        self,
        org_type: str,
        county: int,
        registered: Day,
        *,
        name: str,
        industry: str,
        deregistered: Day | None = None,
        moves: tuple[tuple[Day, int], ...] = (),
        superior: str = "",
        prefix: str | None = None,
    ) -> Entity:
        """Write an entity and its registration history; ``moves`` is ``(day, county)`` pairs.

        The USCC carries the first county; ``entities.csv`` carries the last one. The row
        before a move ends the day before it.
        """
        geo = self.geo
        uscc = self.ids.uscc(prefix or USCC_PREFIX[org_type], geo.counties[county].code, registered)
        sink = self.sink
        here, since = county, registered
        for day, there in moves:
            sink.registration(uscc, geo.counties[here].code, iso(since), iso(day - 1))
            here, since = there, day
        sink.registration(uscc, geo.counties[here].code, iso(since), iso_or_empty(deregistered))
        sink.entity(
            uscc,
            name,
            geo.counties[here].code,
            org_type,
            industry,
            iso(registered),
            iso_or_empty(deregistered),
            superior,
            names.address(uscc, geo.counties[here]),
        )
        until = self.end if deregistered is None else deregistered
        moved_on = moves[-1][0] if moves else None
        return Entity(
            uscc, org_type, county, here, registered, deregistered, industry, until, moved_on
        )

    def company(
        self,
        county: int,
        registered: Day,
        *,
        holdco: bool = False,
        deregistered: Day | None = None,
        moves: tuple[tuple[Day, int], ...] = (),
    ) -> Entity:
        """An ordinary enterprise (or a holding company) with a drawn name and industry."""
        rnd = self.rnd
        c = self.geo.counties[county]
        if holdco:
            name, industry = names.holdco_name(rnd, c), "L"
        else:
            industry = rnd.choice("CCCFFFFEELIMGKH")
            name = names.enterprise_name(rnd, c, industry)
        return self.entity(
            "enterprise",
            county,
            registered,
            name=name,
            industry=industry,
            deregistered=deregistered,
            moves=moves,
        )

    # -- relationships ------------------------------------------------------------------

    def role(self, person_id: str, entity: Entity, role: str, start: Day, end: Day | None) -> None:
        """Write an office held from ``start`` to ``end`` (``None``: still held)."""
        self.sink.role(person_id, entity.uscc, role, iso(start), iso_or_empty(end))

    def holding(
        self,
        holder_type: str,
        holder_id: str,
        entity: Entity,
        basis_points: int,
        start: Day,
        end: Day | None,
    ) -> None:
        """Write a holding of ``basis_points`` hundredths of a percent."""
        self.sink.holding(
            holder_type,
            holder_id,
            entity.uscc,
            percent_text(basis_points),
            iso(start),
            iso_or_empty(end),
        )

    def record(
        self,
        subject_type: str,
        subject_id: str,
        kind: str,
        county: int,
        decided: Day,
        *,
        sector: str = "",
        status: str = "active",
        status_on: Day | None = None,
        effective_to: Day | None = None,
        offence_on: Day | None = None,
        published_on: Day | None = None,
        ground: str = "",
        able_but_refuses: bool | None = None,
        penalty_type: str = "",
        amount_yuan: int | None = None,
    ) -> str:
        """Write a credit record decided by an authority of ``county``; returns its id.

        Without ``published_on`` the record gets a drawn publication date (see
        :meth:`publication`)."""
        rnd = self.rnd
        self._records += 1
        record_id = f"{_KIND_ABBR[kind]}-{self._records:09d}"
        name, region_code = authority(rnd, kind, self.geo.counties[county], sector)
        published = self.publication(decided) if published_on is None else published_on
        self.sink.record(
            (
                record_id,
                subject_type,
                subject_id,
                kind,
                name,
                region_code,
                iso(decided),
                basis(rnd, kind, sector),
                sector,
                iso(decided) if kind == "market_ban" else "",
                iso_or_empty(effective_to),
                status,
                iso_or_empty(status_on),
                iso_or_empty(offence_on),
                iso_or_empty(published),
                ground,
                "" if able_but_refuses is None else str(able_but_refuses).lower(),
                penalty_type,
                "" if amount_yuan is None else str(amount_yuan),
                "",
            )
        )
        return record_id

    def publication(self, decided: Day) -> Day | None:
        """When a decision was put online (clause 十五: within 7 working days): mostly within
        ten days, some later, a few never; none after the window's end."""
        rnd = self.rnd
        u = rnd.random()
        if u < 0.04:
            return None
        day = decided + (rnd.randint(1, 10) if u < 0.88 else rnd.randint(11, 60))
        return day if day <= self.end else None

    def named(self, record_id: str, person_id: str, capacity: str) -> None:
        """The record names ``person_id`` as responsible in ``capacity`` (record_persons.csv)."""
        self.sink.named(record_id, person_id, capacity)

    def event(
        self,
        record_id: str,
        event: str,
        on: Day,
        *,
        person_id: str = "",
        action: str = "",
        effective_to: Day | None = None,
        outcome: str = "",
        reason: str = "",
    ) -> None:
        """A life-cycle event on a record (record_events.csv)."""
        self.sink.event(
            (
                record_id, event, iso(on), person_id, action, iso_or_empty(effective_to),
                outcome, reason,
            )
        )  # fmt: skip

    def facts(self, kind: str, decided: Day, earliest: Day) -> dict[str, Any]:
        """The kind's own columns for a background record (``earliest``: the first day its
        conduct can have happened): a 失信 listing's ground, a penalty's type and amount, the
        offence day of penalties and bans, a tax list's publication, a joint list's finding
        on ability to perform."""
        rnd = self.rnd
        out: dict[str, Any] = {}
        if kind == "dishonest_judgment_debtor":
            out["ground"] = rnd.choices(DJD_GROUNDS, DJD_GROUND_SHARES)[0]
        elif kind == "administrative_penalty":
            penalty = rnd.choices(PENALTY_TYPES, PENALTY_TYPE_SHARES)[0]
            out["penalty_type"] = penalty
            if penalty == "fine":
                # Mostly thousands to tens of thousands of yuan; a few large fines.
                big = rnd.random() < 0.03
                small = round(10 ** rnd.uniform(3, 6), -2)
                out["amount_yuan"] = LARGE_FINE_YUAN * rnd.randint(1, 5) if big else int(small)
        elif kind == "major_tax_violation":
            out["published_on"] = min(self.end, decided + rnd.randint(5, 40))
        elif kind == "joint_punishment_list":
            out["able_but_refuses"] = rnd.random() < 0.3
        if kind in ("administrative_penalty", "market_ban") and decided - earliest > 400:
            out["offence_on"] = decided - rnd.randint(30, 400)
        return out

    def background_terms(
        self, kind: str, decided: Day, sector: str = ""
    ) -> tuple[str, Day | None, Day | None]:
        """Status, status date and end of effect for a background record.

        Mostly active; some repaired, removed or disputed, a few revoked. Lists run three years or
        open-ended; bans 3/5/10 years, for life (``9999-12-31``), or — food and drugs — the
        sector's default term (empty); procurement bans one to three years; the others have
        no end (or their kind's default term).
        """
        rnd = self.rnd
        u = rnd.random()
        room = self.end - decided
        if u < 0.80 or room < 2:
            status, status_on = "active", None
        else:
            status = (
                "repaired" if u < 0.88 else "removed" if u < 0.92 else
                "disputed" if u < 0.97 else "revoked"
            )  # fmt: skip
            status_on = decided + 1 + rnd.randrange(min(room - 1, 720))
        effective_to: Day | None = None
        if kind == "market_ban":
            span = rnd.choice((0, 3, 5, 10, 0))
            effective_to = add_years(decided, span) if span else None
            if effective_to is None and sector != "food_drug":
                effective_to = FOREVER
        elif kind == "joint_punishment_list" and rnd.random() < 0.5:
            effective_to = add_years(decided, 3)
        elif kind == "procurement_dishonest":
            effective_to = add_years(decided, rnd.randint(1, 3)) - 1
        return status, status_on, effective_to
