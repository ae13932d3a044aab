"""The background registry: ordinary entities, their people, holdings and records.

Background data is built so that it never produces a relocation pattern (phoenix, migration,
serial) by itself; only planted cases do, which is what makes ``truth.json`` complete:

- an entity that gets any record of a triggering kind (any list of RULES §3 with a
  prohibition on its subject — whatever its status) is *sanctioned*: its legal
  representatives, principals, declared controllers and shareholders are people created for
  it alone, who hold no other office or share anywhere; it has no entity shareholders, holds
  no shares itself, and never moves;
- other people are drawn from a shared pool and may hold offices in many entities, including
  non-responsible offices (director, supervisor, manager, staff) in sanctioned ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from graph_service.synth import names
from graph_service.synth.days import Day
from graph_service.synth.geo import County
from graph_service.synth.vocab import (
    INDUSTRIES,
    ORG_TYPE_SHARES,
    ORG_TYPES,
    OTHER_KIND_RATES,
    SANCTION_KIND_SHARES,
    SANCTION_KINDS,
    SECTOR_OF_INDUSTRY,
    SECTORS,
)
from graph_service.synth.world import Entity, World

P_DEREGISTERED = 0.12
P_MOVE = 0.03
P_SANCTIONED = 0.025
P_HOLDCO = 0.02
P_HOLDCO_SHAREHOLDER = 0.08
P_DECLARED_CONTROLLER = 0.05
P_TRANSFER = 0.05
PERSON_RECORDS_PER_ENTITY = 0.006
CYCLES_PER_ENTITY = 0.0005
_TICK = 5000

_SANCTIONABLE = frozenset({"enterprise", "individual_business", "farmer_coop", "social_org"})
# Kept on the abnormal-operation list (经营异常名录) by market regulators.
_MARKET_REGISTERED = frozenset({"enterprise", "individual_business", "farmer_coop"})
# Kinds only market regulators' registrants get (经营异常名录, 吊销营业执照).
_MARKET_ONLY = frozenset({"abnormal_operation", "licence_revoked"})
_LONG_LIVED = frozenset({"state_organ", "public_institution", "state_owned_enterprise"})
_PUBLIC_BODIES = frozenset({"state_organ", "public_institution"})
_OFFICERED = frozenset({"enterprise", "state_owned_enterprise"})
_STATE_ORGAN = ORG_TYPES.index("state_organ")
_PUBLIC_BODY_CODES = (ORG_TYPES.index("state_organ"), ORG_TYPES.index("public_institution"))

_INDUSTRY_CHOICES = {
    org: (tuple(s for s, _ in shares), [w for _, w in shares]) for org, shares in INDUSTRIES.items()
}


@dataclass(slots=True)
class _Item:
    entity: Entity
    sanctioned: bool
    holdco: bool
    superior: Entity | None  # supervising organ of a state organ or state-owned enterprise
    holder: Entity | None  # a state-owned enterprise's owner (its organ or a parent SOE)


def generate_background(
    world: World, n: int, *, first: bool, tick: Callable[[int], object] | None = None
) -> None:
    """Write ``n`` background entities with everything that hangs off them.

    Entities are written first (pass 1) so that holdings within the chunk, including
    cross-holding pairs, can point at any of them (pass 2). ``tick(k)`` reports progress.
    """
    items = _identities(world, n, first=first)
    incoming = _cross_holdings(world, items)
    for i, item in enumerate(items):
        _relations(world, item, incoming.get(i, ()))
        if item.holdco:
            # Only after its own holdings: a holding company is owned by older ones only,
            # so holding chains never loop by accident.
            world.holdcos.add(item.entity)
        if tick is not None and i % _TICK == _TICK - 1:
            tick(_TICK)
    if tick is not None:
        tick(n % _TICK)
    _person_records(world, n)


# -- pass 1: identities ----------------------------------------------------------------


def _identities(world: World, n: int, *, first: bool) -> list[_Item]:
    rng, rnd, geo = world.rng, world.rnd, world.geo
    start, end = world.start, world.end
    span = end - 30 - start
    types = rng.choice(len(ORG_TYPES), size=n, p=ORG_TYPE_SHARES)
    if first:
        types[0] = _STATE_ORGAN  # every later organ and SOE can name a superior
    counties = geo.draw(rng, n)
    # Skewed towards recent years: the number of market entities keeps growing.
    registered = start + (span * rng.random(n) ** 0.7).astype("int64")
    # Organs and public institutions were issued codes in the first years of the reform.
    early = (types == _PUBLIC_BODY_CODES[0]) | (types == _PUBLIC_BODY_CODES[1])
    registered[early] = start + rng.integers(0, min(730, span), int(early.sum()))
    u_dereg, f_dereg = rng.random(n).tolist(), rng.random(n).tolist()
    u_sanction, u_holdco = rng.random(n).tolist(), rng.random(n).tolist()
    u_move, f_move = rng.random(n).tolist(), rng.random(n).tolist()
    items: list[_Item] = []
    for i, (t, county, reg) in enumerate(
        zip(types.tolist(), counties.tolist(), registered.tolist(), strict=True)
    ):
        org_type = ORG_TYPES[t]
        holdco = org_type == "enterprise" and u_holdco[i] < P_HOLDCO
        dereg: Day | None = None
        if (
            org_type not in _LONG_LIVED
            and not holdco
            and u_dereg[i] < P_DEREGISTERED
            and end - reg > 400
        ):
            dereg = reg + 180 + int(f_dereg[i] * (end - reg - 180))
        until = end if dereg is None else dereg
        sanctioned = (
            org_type in _SANCTIONABLE
            and not holdco
            and u_sanction[i] < P_SANCTIONED
            and until - reg > 120
        )
        moves: tuple[tuple[Day, int], ...] = ()
        if (
            not sanctioned
            and org_type not in _PUBLIC_BODIES
            and u_move[i] < P_MOVE
            and until - reg > 200
        ):
            there = geo.pick_in_province(rnd, county) if rnd.random() < 0.6 else geo.pick(rnd)
            if there != county:
                moves = ((reg + 90 + int(f_move[i] * (until - reg - 120)), there),)
        entity, superior, holder = _write_entity(world, org_type, county, reg, dereg, moves, holdco)
        items.append(_Item(entity, sanctioned, holdco, superior, holder))
    return items


def _write_entity(
    world: World,
    org_type: str,
    county: int,
    reg: Day,
    dereg: Day | None,
    moves: tuple[tuple[Day, int], ...],
    holdco: bool,
) -> tuple[Entity, Entity | None, Entity | None]:
    rnd = world.rnd
    c = world.county(county)
    prefix: str | None = None
    slot = ""
    superior: Entity | None = None
    holder: Entity | None = None
    if org_type == "enterprise":
        if holdco:
            name, industry = names.holdco_name(rnd, c), "L"
        else:
            industry = _industry(rnd, org_type)
            name = names.enterprise_name(rnd, c, industry)
    elif org_type == "individual_business":
        industry = _industry(rnd, org_type)
        name = names.individual_business_name(rnd, c, industry)
    elif org_type == "farmer_coop":
        industry, name = "A", names.coop_name(rnd, c)
    elif org_type == "social_org":
        category = rnd.choices("123", (0.5, 0.4, 0.1))[0]
        name, industry = names.social_org_name(rnd, c, category)
        prefix = "5" + category
    elif org_type == "public_institution":
        name, industry = _public_institution_name(world, county, c)
    elif org_type == "state_organ":
        name, superior, slot = _organ_name(world, county, c)
        industry = "S"
        if slot in {"province", "city"}:
            # Governments above the county sit in their capital's central district.
            seat = c.province + "01" if slot == "province" else c.city
            if seat in world.geo.cities:
                county = world.geo.seat(seat)
    else:  # state_owned_enterprise
        name, industry = names.soe_name(rnd, c)
        superior = _superior_for_soe(world, county, c)
        parents = world.soes.items
        holder = superior
        if parents and rnd.random() < 0.3:
            holder = rnd.choice(parents)
    entity = world.entity(
        org_type,
        county,
        reg,
        name=name,
        industry=industry,
        deregistered=dereg,
        moves=moves,
        superior=superior.uscc if superior else "",
        prefix=prefix,
    )
    if org_type == "state_organ":
        _file_organ(world, county, c, slot, entity)
    elif org_type == "state_owned_enterprise":
        world.soes.add(entity)
    return entity, superior, holder


def _industry(rnd: random.Random, org_type: str) -> str:
    sections, weights = _INDUSTRY_CHOICES[org_type]
    return rnd.choices(sections, weights)[0]


def _public_institution_name(world: World, county: int, c: County) -> tuple[str, str]:
    used = world.public_forms.setdefault(county, set())
    free = [i for i in range(len(names.PUBLIC_INSTITUTION_FORMS)) if i not in used]
    if free:
        i = world.rnd.choice(free)
        used.add(i)
        form, industry = names.PUBLIC_INSTITUTION_FORMS[i]
        return c.full_name + form, industry
    return c.full_name + names.trade_name(world.rnd) + "社区卫生服务中心", "Q"


def _organ_name(world: World, county: int, c: County) -> tuple[str, Entity | None, str]:
    """The next organ for ``county``: its name, its superior and the slot it fills.

    The first organ of a province is its government (the only organs without a superior),
    the first of a city its government, then come the county's government, its state-assets
    office and its departments.
    """
    organs, forms = world.organs, names.STATE_ORGAN_FORMS
    province = organs.province_government.get(c.province)
    if province is None:
        return c.province_name + forms[0], None, "province"
    has_city = c.city_code != c.code and c.city_name != c.province_name
    city = organs.city_government.get(c.city) if has_city else province
    if city is None:
        return c.city_name + forms[0], province, "city"
    government = organs.government.get(county)
    if government is None:
        return c.full_name + forms[0], city, "county"
    if county not in organs.assets_office:
        return c.full_name + forms[1], government, "assets"
    used = world.organ_forms.setdefault(county, set())
    free = [i for i in range(2, len(forms)) if i not in used]
    if free:
        i = world.rnd.choice(free)
        used.add(i)
        return c.full_name + forms[i], government, ""
    tail = "街道办事处" if c.name.endswith("区") else "镇人民政府"
    return c.full_name + names.trade_name(world.rnd) + tail, government, ""


def _file_organ(world: World, county: int, c: County, slot: str, organ: Entity) -> None:
    """Remember a new organ in the slot :func:`_organ_name` gave it."""
    organs = world.organs
    if slot == "province":
        organs.province_government[c.province] = organ
    elif slot == "city":
        organs.city_government[c.city] = organ
    elif slot == "county":
        organs.government[county] = organ
    elif slot == "assets":
        organs.assets_office[county] = organ
    organs.add(c.province, organ)


def _superior_for_soe(world: World, county: int, c: County) -> Entity:
    """The county's state-assets office or government, else the city's, else the province's."""
    organs = world.organs
    here = (
        organs.assets_office.get(county)
        or organs.government.get(county)
        or organs.city_government.get(c.city)
        or organs.province_government.get(c.province)
    )
    if here is not None:
        return here
    return world.rnd.choice(organs.anywhere.items)


# -- pass 2: offices, holdings, records ---------------------------------------------------


_Incoming = tuple[tuple[Entity, int], ...]


def _cross_holdings(world: World, items: list[_Item]) -> dict[int, _Incoming]:
    """Pairs of ordinary enterprises holding each other: A 30 % of B, B 20 % of A."""
    rnd = world.rnd
    eligible = [
        i
        for i, it in enumerate(items)
        if it.entity.org_type == "enterprise" and not it.sanctioned and not it.holdco
    ]
    pairs = max(1, round(len(items) * CYCLES_PER_ENTITY)) if len(eligible) >= 20 else 0
    chosen = rnd.sample(eligible, 2 * pairs) if pairs else []
    incoming: dict[int, _Incoming] = {}
    for a, b in zip(chosen[::2], chosen[1::2], strict=True):
        ea, eb = items[a].entity, items[b].entity
        incoming[b] = ((ea, 3000),)
        incoming[a] = ((eb, 2000),)
    return incoming


def _relations(world: World, item: _Item, incoming: _Incoming) -> None:
    e = item.entity
    reps = _responsible(world, item)
    top_holder = _holdings(world, item, incoming, reps[0])
    if e.org_type == "enterprise" and world.rnd.random() < P_DECLARED_CONTROLLER:
        controller = top_holder or _person_for(world, item)
        world.role(controller, e, "actual_controller", e.registered, e.deregistered)
    if e.org_type in _OFFICERED:
        _officers(world, e, set(reps))
    _records(world, item)


def _person_for(world: World, item: _Item) -> str:
    """A responsible person or shareholder: exclusive for sanctioned entities, else pooled."""
    county = item.entity.county
    return world.person(county) if item.sanctioned else world.pooled_person(county)


def _responsible(world: World, item: _Item) -> list[str]:
    """Legal representatives over time (the operator, as principal, of an individual business)."""
    rnd, e = world.rnd, item.entity
    role = "principal" if e.org_type == "individual_business" else "legal_rep"
    if e.org_type in _PUBLIC_BODIES:
        changes = rnd.choices((0, 1, 2, 3), (0.3, 0.35, 0.25, 0.1))[0]
    else:
        changes = rnd.choices((0, 1, 2), (0.82, 0.15, 0.03))[0]
    life = e.until - e.registered
    if life <= 60:
        changes = 0
    days = sorted({e.registered + 30 + rnd.randrange(life - 30) for _ in range(changes)})
    people: list[str] = []
    since = e.registered
    for change in [*days, None]:
        person = _person_for(world, item)
        while people and person == people[-1]:
            person = world.person(e.county, pooled=not item.sanctioned)
        end = e.deregistered if change is None else change - 1
        world.role(person, e, role, since, end)
        people.append(person)
        if change is not None:
            since = change
    if e.org_type in {"social_org", "public_institution"} and rnd.random() < 0.1:
        principal = _person_for(world, item)
        if principal not in people:
            world.role(principal, e, "principal", e.registered, e.deregistered)
            people.append(principal)
    return people


def _officers(world: World, e: Entity, taken: set[str]) -> None:
    """Directors, supervisor, manager, staff: pooled people, never responsible persons."""
    rnd = world.rnd
    roles: list[str] = []
    roles += ["director"] * rnd.choices((0, 3, 5), (0.6, 0.3, 0.1))[0]
    if rnd.random() < 0.5:
        roles.append("supervisor")
    if rnd.random() < 0.4:
        roles.append("manager")
    if rnd.random() < 0.2:
        roles.append("staff")
    for role in roles:
        person = world.pooled_person(e.county)
        while person in taken:
            person = world.person(e.county, pooled=True)
        taken.add(person)
        world.role(person, e, role, e.registered, e.deregistered)


def _split(rnd: random.Random, total: int, k: int) -> list[int]:
    """``total`` basis points split in ``k`` positive whole-percent shares, largest first."""
    if k == 1:
        return [total]
    percents = total // 100
    weights = sorted((rnd.random() + 0.15 for _ in range(k)), reverse=True)
    s = sum(weights)
    shares = [max(1, int(w / s * percents)) for w in weights]
    shares[0] += percents - sum(shares)
    if shares[0] < 1:
        return [total]
    return [p * 100 for p in shares]


def _holdings(world: World, item: _Item, incoming: _Incoming, legal_rep: str) -> str | None:
    """Write the entity's shareholders; returns its largest lasting person shareholder."""
    e, rnd = item.entity, world.rnd
    if e.org_type == "state_owned_enterprise":
        _soe_holdings(world, item)
        return None
    if e.org_type != "enterprise":
        return None
    reserved = 0
    for holder, bp in incoming:
        start = max(e.registered, holder.registered)
        end = _earlier(e.deregistered, holder.deregistered)
        if end is None or end >= start:
            world.holding("entity", holder.uscc, e, bp, start, end)
        reserved += bp
    total = 10000 if rnd.random() < 0.9 else rnd.randrange(60, 100) * 100
    k = rnd.choices((1, 2, 3, 4), (0.4, 0.3, 0.2, 0.1))[0]
    shares = _split(rnd, total - reserved, k)
    holders: list[tuple[str, str, Day]] = []  # (holder_type, holder_id, first day possible)
    if not item.sanctioned and rnd.random() < (0.3 if item.holdco else P_HOLDCO_SHAREHOLDER):
        parent = _older_holdco(world, e)
        if parent is not None:
            holders.append(("entity", parent.uscc, max(e.registered, parent.registered)))
    seen = {h for _, h, _ in holders}
    for j in range(len(holders), len(shares)):
        person = legal_rep if j == 0 and rnd.random() < 0.6 else _person_for(world, item)
        while person in seen:
            person = world.person(e.county, pooled=not item.sanctioned)
        seen.add(person)
        holders.append(("person", person, e.registered))
    top_person: str | None = None
    for (kind, holder_id, start), bp in zip(holders, shares, strict=True):
        if kind == "person" and not item.sanctioned and rnd.random() < P_TRANSFER:
            _transfer(world, e, holder_id, bp, start)
            continue
        if kind == "person" and top_person is None:
            top_person = holder_id
        world.holding(kind, holder_id, e, bp, start, e.deregistered)
    return top_person


def _transfer(world: World, e: Entity, seller: str, bp: int, start: Day) -> None:
    """A stake sold once: the seller's row ends the day before the buyer's starts."""
    if e.until - start < 60:
        world.holding("person", seller, e, bp, start, e.deregistered)
        return
    day = start + 30 + world.rnd.randrange(e.until - start - 30)
    buyer = world.person(e.county, pooled=True)
    world.holding("person", seller, e, bp, start, day - 1)
    world.holding("person", buyer, e, bp, day, e.deregistered)


def _older_holdco(world: World, e: Entity) -> Entity | None:
    pool = world.holdcos.items
    if not pool:
        return None
    parent = world.rnd.choice(pool)
    if parent.uscc == e.uscc or parent.registered > e.until:
        return None
    return parent


def _soe_holdings(world: World, item: _Item) -> None:
    """Wholly owned by its organ, or 51-100 % by a parent SOE and the rest by the organ."""
    e, holder, organ = item.entity, item.holder, item.superior
    if holder is None or organ is None:
        return
    if holder is not organ:
        parent_bp = world.rnd.randrange(51, 101) * 100
        start = max(e.registered, holder.registered)
        world.holding("entity", holder.uscc, e, parent_bp, start, e.deregistered)
        if parent_bp == 10000:
            return
        start = max(e.registered, organ.registered)
        world.holding("entity", organ.uscc, e, 10000 - parent_bp, start, e.deregistered)
        return
    start = max(e.registered, organ.registered)
    world.holding("entity", organ.uscc, e, 10000, start, e.deregistered)


def _earlier(a: Day | None, b: Day | None) -> Day | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _records(world: World, item: _Item) -> None:
    e, rnd = item.entity, world.rnd
    life = e.until - e.registered
    if life < 40:
        return
    if item.sanctioned:
        for _ in range(1 if rnd.random() < 0.8 else 2):
            kind = rnd.choices(SANCTION_KINDS, SANCTION_KIND_SHARES)[0]
            sector = ""
            if kind == "market_ban":
                sector = rnd.choice(SECTOR_OF_INDUSTRY.get(e.industry, SECTORS))
            decided = e.registered + 30 + rnd.randrange(life - 30)
            status, status_on, effective_to = world.background_terms(kind, decided, sector)
            world.record(
                "entity",
                e.uscc,
                kind,
                e.county_at(decided),
                decided,
                sector=sector,
                status=status,
                status_on=status_on,
                effective_to=effective_to,
                **world.facts(kind, decided, e.registered),
            )
    if e.org_type == "state_organ":
        return
    for kind, rate in OTHER_KIND_RATES:
        if rnd.random() >= rate:
            continue
        if kind in _MARKET_ONLY and e.org_type not in _MARKET_REGISTERED:
            continue
        decided = e.registered + 30 + rnd.randrange(life - 30)
        status, status_on, _ = world.background_terms(kind, decided)
        world.record(
            "entity",
            e.uscc,
            kind,
            e.county_at(decided),
            decided,
            status=status,
            status_on=status_on,
            **world.facts(kind, decided, e.registered),
        )


_PERSON_KINDS = (
    ("dishonest_judgment_debtor", 0.6),
    ("market_ban", 0.15),
    ("joint_punishment_list", 0.1),
    ("administrative_penalty", 0.15),
)


def _person_records(world: World, n: int) -> None:
    """Records about people (失信被执行人 and bans of individuals, mostly)."""
    rnd, pool = world.rnd, world.people.items
    if not pool:
        return
    kinds = [k for k, _ in _PERSON_KINDS]
    weights = [w for _, w in _PERSON_KINDS]
    first = world.start + 365
    for _ in range(round(n * PERSON_RECORDS_PER_ENTITY)):
        person = rnd.choice(pool)
        kind = rnd.choices(kinds, weights)[0]
        sector = rnd.choice(SECTORS) if kind == "market_ban" else ""
        decided = first + rnd.randrange(world.end - first)
        status, status_on, effective_to = world.background_terms(kind, decided, sector)
        county = world.geo.index(person[:6])
        world.record(
            "person",
            person,
            kind,
            county,
            decided,
            sector=sector,
            status=status,
            status_on=status_on,
            effective_to=effective_to,
            **world.facts(kind, decided, first),
        )
