"""The generator's shared state and the primitives every row is written through.

:class:`World` owns the random streams (reseeded per chunk, so a run is reproducible), the
identifier factory, the CSV sink and the few bounded pools that let later entities point at
earlier ones (people who hold several offices, holding companies, state organs). Background
and planted structures are both built from these primitives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from graph_service.synth import names
from graph_service.synth.authorities import authority, basis
from graph_service.synth.days import Day, add_years, iso, iso_or_empty
from graph_service.synth.geo import County, Geography
from graph_service.synth.identifiers import USCC_PREFIX, IdentifierFactory
from graph_service.synth.publication import published_on
from graph_service.synth.sink import CsvSink, percent_text

_KIND_ABBR = {
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
    ) -> str:
        """Write a credit record decided by an authority of ``county``; returns its id."""
        rnd = self.rnd
        self._records += 1
        record_id = f"{_KIND_ABBR[kind]}-{self._records:09d}"
        name, region_code = authority(rnd, kind, self.geo.counties[county], sector)
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
                published_on(self.seed, record_id, iso(decided), iso(self.end)),
            )
        )
        return record_id

    def background_terms(self, kind: str, decided: Day) -> tuple[str, Day | None, Day | None]:
        """Status, status date and end of effect for a background record.

        Mostly active; some repaired or disputed, a few revoked. Lists run three years or
        open-ended, bans 3/5/10 years or for life, the others have no end.
        """
        rnd = self.rnd
        u = rnd.random()
        room = self.end - decided
        if u < 0.80 or room < 2:
            status, status_on = "active", None
        else:
            status = "repaired" if u < 0.90 else "disputed" if u < 0.96 else "revoked"
            status_on = decided + 1 + rnd.randrange(min(room - 1, 720))
        effective_to: Day | None = None
        if kind == "market_ban":
            span = rnd.choice((0, 3, 5, 10, 0))
            effective_to = add_years(decided, span) if span else None
        elif kind == "joint_punishment_list" and rnd.random() < 0.5:
            effective_to = add_years(decided, 3)
        return status, status_on, effective_to
