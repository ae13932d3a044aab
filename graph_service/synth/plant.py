"""Planted cases: small, self-contained structures whose expected findings are known.

Each case gets its own entities and its own people (shareholders and nominees of the
*receiving* entities may come from the shared pool; they are never responsible persons of a
sanctioned entity). Nothing planted is ever put in a pool that background entities draw
shareholders from, so a planted structure cannot leak into another one.

Triggering records planted here are ``active`` or ``disputed`` and still apply on the
window's last day (so every planted case is a flag live on ``generated_on``), and every
planted relationship that makes a relocation case *starts* on
or after the decision date, so the cases hold whether one reads "becomes a responsible
person on or after the decision" as "starts an office/control then" or as "holds it at some
time then", and whether a repaired record counts as triggering before its repair date.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np

from graph_service.synth.days import FOREVER, Day, add_years, iso
from graph_service.synth.geo import DiffersAt, differing_levels
from graph_service.synth.law import LAW_VARIANTS, LawCases
from graph_service.synth.sink import percent_text
from graph_service.synth.truth import Truth
from graph_service.synth.vocab import (
    REACHED_BY_ROLE,
    SECTOR_OF_INDUSTRY,
    SECTORS,
    TRIGGERING_KIND_SHARES,
    TRIGGERING_KINDS,
)
from graph_service.synth.world import Entity, World

LEVELS: tuple[DiffersAt, ...] = ("county", "city", "province")
_LEVEL: dict[str, DiffersAt] = {lv: lv for lv in LEVELS}
_FROM_ROLES = ("legal_rep", "principal", "actual_controller")
_TO_ROLES = ("legal_rep", "actual_controller", "principal")

#: Variants per pattern, and the number of entities each variant writes.
VARIANTS: dict[str, dict[str, int]] = {
    "phoenix": {
        "office_county": 2,
        "office_city": 2,
        "office_province": 2,
        "control": 3,
        "inferred_controller": 2,
    },
    "migration": {"county": 1, "city": 1, "province": 1},
    "serial": {"pair_county": 2, "pair_city": 2, "pair_province": 2, "triple": 3},
    "control_chain": {"depth2": 2, "depth3": 3, "depth4": 4, "combined": 2, "cross_holding": 3},
    "new_legal_rep_after_decision": {"djd": 1},
    "decoy": {
        "record_revoked": 2,
        "same_county": 2,
        "director_moved": 2,
        "moved_before_decision": 1,
        "left_before_decision": 2,
        "person_record": 1,
        "serial_same_county": 2,
    },
    "law": LAW_VARIANTS,
}

#: Share of all entities planted per pattern, and the least number of cases of each.
RATES: dict[str, tuple[float, int]] = {
    "phoenix": (0.005, 10),
    "migration": (0.005, 6),
    "serial": (0.005, 8),
    "control_chain": (0.005, 10),
    "new_legal_rep_after_decision": (0.005, 5),
    "decoy": (0.002, 7),
    "law": (0.005, len(LAW_VARIANTS)),
}


@dataclass(frozen=True, slots=True)
class Plan:
    """One case to plant."""

    pattern: str
    variant: str

    @property
    def size(self) -> int:
        """Entities it writes."""
        return VARIANTS[self.pattern][self.variant]


def plan_cases(entities: int, chunks: int) -> list[list[Plan]]:
    """The cases to plant in each chunk: each pattern spread evenly over the chunks."""
    out: list[list[Plan]] = [[] for _ in range(chunks)]
    for pattern, (rate, least) in RATES.items():
        n = max(least, round(rate * entities))
        variants = tuple(VARIANTS[pattern])
        for j in range(n):
            out[j * chunks // n].append(Plan(pattern, variants[j % len(variants)]))
    return out


#: A holding written by a control-chain case: (holder_type, holder_id, held, basis points).
_Edge = tuple[str, str, Entity, int]


@dataclass(slots=True)
class _Trigger:
    record_id: str
    kind: str
    decided: Day


class Planter:
    """Writes planted cases through a :class:`World` and records them in a :class:`Truth`."""

    def __init__(self, world: World, truth: Truth) -> None:
        self.world = world
        self.truth = truth
        self.law = LawCases(world, truth)

    @property
    def rnd(self) -> random.Random:
        """The world's current random stream."""
        return self.world.rnd

    def plant(self, plan: Plan) -> None:
        """Write one case."""
        handler = {
            "phoenix": self._phoenix,
            "migration": self._migration,
            "serial": self._serial,
            "control_chain": self._control_chain,
            "new_legal_rep_after_decision": self._new_legal_rep,
            "decoy": self._decoy,
            "law": self.law.plant,
        }[plan.pattern]
        handler(plan.variant)

    # -- shared pieces --------------------------------------------------------------------

    def _anchor(self, need: int) -> Day:
        """A first day leaving ``need`` days before the window's end."""
        lo, hi = self.world.start + 30, self.world.end - 30 - need
        return lo + self.rnd.randrange(max(1, hi - lo))

    def _code(self, county: int) -> str:
        return self.world.county(county).code

    def _exclusive(self, county: int) -> str:
        return self.world.person(county)

    def _trigger(
        self,
        x: Entity,
        decided: Day,
        *,
        kind: str | None = None,
        revoked: bool = False,
        responsible: tuple[str, str] | None = None,
    ) -> _Trigger:
        """A triggering record against ``x`` that applies from ``decided`` on (unless revoked).

        ``responsible`` (person, role): the person the case hangs on. Where the list does not
        reach that role by itself (RULES §3 edition 2: a joint punishment list reaches only
        the persons it names, a market ban only the legal representative), the record names
        him, so that he is reached under either edition of the rules.
        """
        rnd, world = self.rnd, self.world
        kind = kind or rnd.choices(TRIGGERING_KINDS, TRIGGERING_KIND_SHARES)[0]
        sector = ""
        effective_to: Day | None = None
        if kind == "market_ban":
            sector = rnd.choice(SECTOR_OF_INDUSTRY.get(x.industry, SECTORS))
            # A ten-year ban only if it outlasts the window, else for life: every planted
            # case is still live on the as-of date, so truth.json is also the list of flags
            # live then.
            ten_years = add_years(decided, 10)
            effective_to = ten_years if ten_years > world.end and rnd.random() < 0.5 else FOREVER
        status, status_on = "active", None
        if revoked:
            status, status_on = "revoked", min(world.end, decided + rnd.randint(30, 300))
        elif rnd.random() < 0.15:
            status, status_on = "disputed", min(world.end, decided + rnd.randint(1, 200))
        record_id = world.record(
            "entity",
            x.uscc,
            kind,
            x.county_at(decided),
            decided,
            sector=sector,
            status=status,
            status_on=status_on,
            effective_to=effective_to,
            # A 失信 listing on ground (一) (able to perform, refusing) has no default term.
            ground="1" if kind == "dishonest_judgment_debtor" else "",
            able_but_refuses=_able(rnd, kind),
        )
        if responsible is not None:
            person, role = responsible
            reached = REACHED_BY_ROLE.get(f"{kind}:{sector}") or REACHED_BY_ROLE.get(kind, ())
            if role not in reached:
                world.named(record_id, person, role)
        return _Trigger(record_id, kind, decided)

    def _holders(
        self, e: Entity, given: tuple[tuple[str, str, int, Day], ...] = (), *, pooled: bool
    ) -> None:
        """Write ``given`` (holder_type, holder_id, basis points, start) and fill up to 100 %.

        The rest goes, from the entity's registration, to one or two new people (exclusive
        to ``e``) or to pooled people.
        """
        world, rnd = self.world, self.rnd
        taken = {h for _, h, _, _ in given}
        for holder_type, holder_id, bp, start in given:
            world.holding(holder_type, holder_id, e, bp, start, e.deregistered)
        rest = 10000 - sum(bp for _, _, bp, _ in given)
        if rest <= 0:
            return
        parts = [rest]
        if rest >= 200 and rnd.random() < 0.5:
            first = rnd.randint(1, rest // 100 - 1) * 100
            parts = [first, rest - first]
        for bp in parts:
            person = world.pooled_person(e.county) if pooled else self._exclusive(e.county)
            while person in taken:
                person = world.person(e.county, pooled=pooled)
            taken.add(person)
            world.holding("person", person, e, bp, e.registered, e.deregistered)

    def _pct(self, lo: int, hi: int) -> int:
        """Whole percent in [lo, hi], as basis points."""
        return self.rnd.randint(lo, hi) * 100

    def _phoenix_case(
        self,
        t: _Trigger,
        person: str,
        x: Entity,
        from_role: str,
        y: Entity,
        to_role: str,
        became: Day,
        variant: str,
        **extra: object,
    ) -> str:
        levels = differing_levels(self._code(x.county_at(t.decided)), self._code(y.county))
        return self.truth.add(
            "phoenix",
            variant=variant,
            record_id=t.record_id,
            record_kind=t.kind,
            decided_on=iso(t.decided),
            person_id=person,
            from_uscc=x.uscc,
            from_role=from_role,
            to_uscc=y.uscc,
            to_role=to_role,
            via="control" if to_role == "controller" else "office",
            became_on=iso(became),
            region_from=self._code(x.county_at(t.decided)),
            region_to=self._code(y.county),
            levels=levels,
            **extra,
        )

    def _receiving(
        self, county: int, person: str, role: str, day: Day, *, existing: bool
    ) -> Entity:
        """An entity in which ``person`` takes ``role`` from ``day``: new that day, or older."""
        world, rnd = self.world, self.rnd
        registered = day
        if existing:
            registered = max(world.start + 1, day - rnd.randint(200, 1500))
        y = world.company(county, registered)
        self._holders(y, pooled=True)
        if role == "legal_rep":
            if registered < day:
                world.role(world.pooled_person(county), y, "legal_rep", registered, day - 1)
            world.role(person, y, "legal_rep", day, None)
        else:
            world.role(world.pooled_person(county), y, "legal_rep", registered, None)
            world.role(person, y, role, day, None)
        return y

    def _to_role(self) -> str:
        """The office a relocating person takes in the receiving entity."""
        return self.rnd.choices(_TO_ROLES, (0.7, 0.15, 0.15))[0]

    # -- phoenix --------------------------------------------------------------------------

    def _phoenix(self, variant: str) -> None:
        world, rnd = self.world, self.rnd
        level: DiffersAt
        if variant.startswith("office_"):
            level = _LEVEL[variant.removeprefix("office_")]
        else:
            level = rnd.choice(LEVELS)
        cx, cy = world.geo.pick_pair(rnd, level)
        reg = self._anchor(1300)
        decided = reg + rnd.randint(200, 900)
        became = decided + rnd.randint(0, 365)
        x = world.company(cx, reg)
        p = self._exclusive(cx)
        if variant == "inferred_controller":
            from_role = "inferred_controller"
            world.role(self._exclusive(cx), x, "legal_rep", reg, None)
            self._holders(x, (("person", p, self._pct(55, 80), reg),), pooled=False)
        else:
            from_role = rnd.choices(_FROM_ROLES, (0.7, 0.1, 0.2))[0]
            if from_role == "legal_rep":
                leaves = rnd.random() < 0.5
                end = max(decided, became - 1) if leaves else None
                world.role(p, x, "legal_rep", reg, end)
                if end is not None:
                    world.role(self._exclusive(cx), x, "legal_rep", end + 1, None)
            else:
                world.role(self._exclusive(cx), x, "legal_rep", reg, None)
                world.role(p, x, from_role, reg, None)
            stake = self._pct(51, 90) if from_role != "principal" else self._pct(10, 40)
            self._holders(x, (("person", p, stake, reg),), pooled=False)
        if from_role == "inferred_controller":
            # Only a 失信 listing reaches an inferred controller at all (by advisory).
            t = self._trigger(x, decided, kind="dishonest_judgment_debtor")
        else:
            t = self._trigger(x, decided, responsible=(p, from_role))
        if variant == "control":
            h_reg = rnd.randint(reg, became)
            h = world.company(cx, h_reg, holdco=True)
            world.role(world.pooled_person(cx), h, "legal_rep", h_reg, None)
            self._holders(h, (("person", p, self._pct(51, 90), h_reg),), pooled=True)
            y = world.company(cy, became)
            world.role(world.pooled_person(cy), y, "legal_rep", became, None)
            self._holders(y, (("entity", h.uscc, self._pct(51, 80), became),), pooled=True)
            self._phoenix_case(
                t, p, x, from_role, y, "controller", became, variant, chain=[p, h.uscc, y.uscc]
            )
            return
        to_role = self._to_role()
        y = self._receiving(cy, p, to_role, became, existing=rnd.random() < 0.25)
        self._phoenix_case(t, p, x, from_role, y, to_role, became, variant)

    # -- migration ------------------------------------------------------------------------

    def _migration(self, variant: str) -> None:
        world, rnd = self.world, self.rnd
        level = _LEVEL[variant]
        cx, cy = world.geo.pick_pair(rnd, level)
        reg = self._anchor(1300)
        decided = reg + rnd.randint(200, 800)
        moved = decided + rnd.randint(1, 400)
        x = world.company(cx, reg, moves=((moved, cy),))
        p = self._exclusive(cx)
        world.role(p, x, "legal_rep", reg, None)
        self._holders(x, (("person", p, self._pct(30, 100), reg),), pooled=False)
        t = self._trigger(x, decided)
        self.truth.add(
            "migration",
            variant=variant,
            uscc=x.uscc,
            record_id=t.record_id,
            record_kind=t.kind,
            decided_on=iso(decided),
            moved_on=iso(moved),
            region_from=self._code(cx),
            region_to=self._code(cy),
            levels=differing_levels(self._code(cx), self._code(cy)),
        )

    # -- serial ---------------------------------------------------------------------------

    def _serial_counties(self, variant: str) -> list[int]:
        geo, rnd = self.world.geo, self.rnd
        if variant == "triple":
            while True:
                a, b = geo.pick_pair(rnd, "province")
                c = geo.pick_differing(rnd, a, "county")
                if c is not None:
                    return [a, b, c]
        return list(geo.pick_pair(rnd, _LEVEL[variant.removeprefix("pair_")]))

    def _sequence(
        self, counties: list[int]
    ) -> tuple[str, list[Entity], list[str], list[_Trigger], list[Day]]:
        """One person responsible for entities one after another, each sanctioned.

        The person starts at entity *i+1* after the decision against entity *i* and leaves
        entity *i* before the decision against entity *i+1*.
        """
        world, rnd = self.world, self.rnd
        starts, decisions, ends = [], [], []
        day = self._anchor(650 * len(counties))
        for i in range(len(counties)):
            starts.append(day)
            decisions.append(day + rnd.randint(100, 400))
            if i + 1 < len(counties):
                ends.append(decisions[-1] + rnd.randint(0, 120))
                day = ends[-1] + rnd.randint(1, 120)
        p = self._exclusive(counties[0])
        entities: list[Entity] = []
        roles: list[str] = []
        triggers: list[_Trigger] = []
        for i, county in enumerate(counties):
            x = world.company(county, starts[i])
            end = ends[i] if i < len(ends) else None
            role = "legal_rep" if rnd.random() < 0.8 else "actual_controller"
            if role == "legal_rep":
                world.role(p, x, "legal_rep", starts[i], end)
                if end is not None:
                    world.role(self._exclusive(county), x, "legal_rep", end + 1, None)
            else:
                world.role(self._exclusive(county), x, "legal_rep", starts[i], None)
                world.role(p, x, "actual_controller", starts[i], end)
            self._holders(x, pooled=False)
            triggers.append(self._trigger(x, decisions[i], responsible=(p, role)))
            entities.append(x)
            roles.append(role)
        return p, entities, roles, triggers, starts

    def _serial(self, variant: str) -> None:
        counties = self._serial_counties(variant)
        p, xs, roles, triggers, starts = self._sequence(counties)
        codes = [self._code(c) for c in counties]
        levels = [lv for lv, n in (("county", 6), ("city", 4), ("province", 2))
                  if len({c[:n] for c in codes}) > 1]  # fmt: skip
        serial_id = self.truth.add(
            "serial",
            variant=variant,
            person_id=p,
            record_ids=[t.record_id for t in triggers],
            usccs=[x.uscc for x in xs],
            regions=codes,
            decided_on=[iso(t.decided) for t in triggers],
            levels=levels,
        )
        for i in range(len(xs)):
            for j in range(i + 1, len(xs)):
                if codes[i] != codes[j]:
                    self._phoenix_case(
                        triggers[i], p, xs[i], roles[i], xs[j], roles[j], starts[j],
                        "serial", part_of=serial_id,
                    )  # fmt: skip

    # -- control chains -------------------------------------------------------------------

    def _control_chain(self, variant: str) -> None:
        world, rnd = self.world, self.rnd
        n_entities = VARIANTS["control_chain"][variant]
        home = world.geo.pick(rnd)
        day = self._anchor(900)
        p = world.person(home)
        chain: list[Entity] = []
        for i in range(n_entities):
            last = i == n_entities - 1
            county = home if rnd.random() < 0.5 else world.geo.pick_in_province(rnd, home)
            e = world.company(county, day, holdco=not last)
            nominee = p if i == 0 and rnd.random() < 0.5 else world.pooled_person(county)
            world.role(nominee, e, "legal_rep", day, None)
            chain.append(e)
            day += rnd.randint(0, 200)
        target = chain[-1]
        edges: list[_Edge] = []
        if variant == "combined":
            direct = self._pct(26, 45)
            edges = [
                ("person", p, chain[0], self._pct(60, 80)),
                ("person", p, target, direct),
                ("entity", chain[0].uscc, target, self._pct(51 - direct // 100, 49)),
            ]
        else:
            first = self._pct(55, 70) if variant == "cross_holding" else self._pct(51, 90)
            edges.append(("person", p, chain[0], first))
            for upper, lower in itertools.pairwise(chain):
                top = 80 if lower is target else 100
                edges.append(("entity", upper.uscc, lower, self._pct(51, top)))
            if variant == "cross_holding":
                edges.append(("entity", chain[1].uscc, chain[0], self._pct(10, 20)))
        registered = {e.uscc: e.registered for e in chain}
        for e in chain:
            given = tuple(
                (ht, hid, bp, max(e.registered, registered.get(hid, e.registered)))
                for ht, hid, held, bp in edges
                if held is e
            )
            self._holders(e, given, pooled=True)
        if variant == "combined":
            path = [p, chain[0].uscc, target.uscc]
        else:
            path = [p, *(e.uscc for e in chain)]
        self.truth.add(
            "control_chain",
            variant=variant,
            target_uscc=target.uscc,
            controller_person_id=p,
            chain=path,
            depth=len(path) - 1,
            edges=[
                {
                    "holder_type": ht,
                    "holder_id": hid,
                    "uscc": held.uscc,
                    "percent": percent_text(bp),
                }
                for ht, hid, held, bp in edges
            ],
            as_of=iso(target.registered),
            effective_percent=_effective_percent(p, target.uscc, edges),
        )

    # -- new legal representative after a decision ------------------------------------------

    def _new_legal_rep(self, variant: str) -> None:
        world, rnd = self.world, self.rnd
        county = world.geo.pick(rnd)
        reg = self._anchor(1100)
        decided = reg + rnd.randint(200, 700)
        end = decided + rnd.randint(0, 300)
        x = world.company(county, reg)
        p1, p2 = self._exclusive(county), self._exclusive(county)
        world.role(p1, x, "legal_rep", reg, end)
        world.role(p2, x, "legal_rep", end + 1, None)
        self._holders(x, pooled=False)
        t = self._trigger(x, decided, kind="dishonest_judgment_debtor")
        self.truth.add(
            "new_legal_rep_after_decision",
            uscc=x.uscc,
            record_id=t.record_id,
            record_kind=t.kind,
            decided_on=iso(decided),
            person_id=p2,
            role="legal_rep",
            start_date=iso(end + 1),
            restricted=False,
            previous_person_id=p1,
            previous_end_date=iso(end),
            previous_restricted=True,
            actions=["consumption:air", "consumption:rail_g_train"],
        )

    # -- decoys ---------------------------------------------------------------------------

    def _decoy(self, variant: str) -> None:
        world, rnd = self.world, self.rnd
        if variant == "serial_same_county":
            county = world.geo.pick(rnd)
            p, xs, _, triggers, _ = self._sequence([county, county])
            self.truth.add(
                "decoy", decoy_of="serial", reason=variant, person_id=p,
                record_ids=[t.record_id for t in triggers], usccs=[x.uscc for x in xs],
            )  # fmt: skip
            return
        if variant == "moved_before_decision":
            c1, c2 = world.geo.pick_pair(rnd, rnd.choice(LEVELS))
            reg = self._anchor(1300)
            moved = reg + rnd.randint(100, 500)
            decided = moved + rnd.randint(30, 400)
            x = world.company(c1, reg, moves=((moved, c2),))
            world.role(self._exclusive(c1), x, "legal_rep", reg, None)
            self._holders(x, pooled=False)
            t = self._trigger(x, decided)
            self.truth.add(
                "decoy", decoy_of="migration", reason=variant, uscc=x.uscc,
                record_id=t.record_id, moved_on=iso(moved), decided_on=iso(decided),
            )  # fmt: skip
            return
        if variant == "person_record":
            cx, cy = world.geo.pick_pair(rnd, rnd.choice(LEVELS))
            decided = self._anchor(500)
            became = decided + rnd.randint(0, 365)
            p = self._exclusive(cx)
            record_id = world.record(
                "person", p, "joint_punishment_list", cx, decided,
                able_but_refuses=_able(rnd, "joint_punishment_list"),
            )  # fmt: skip
            y = self._receiving(cy, p, "legal_rep", became, existing=False)
            self.truth.add(
                "decoy", decoy_of="phoenix", reason=variant, person_id=p,
                record_id=record_id, to_uscc=y.uscc,
            )  # fmt: skip
            return
        level = "county" if variant == "same_county" else rnd.choice(LEVELS)
        cx, cy = world.geo.pick_pair(rnd, level)
        if variant == "same_county":
            cy = cx
        reg = self._anchor(1300)
        decided = reg + rnd.randint(200, 900)
        x = world.company(cx, reg)
        p = self._exclusive(cx)
        if variant == "left_before_decision":
            left = decided - rnd.randint(60, 180)
            world.role(p, x, "legal_rep", reg, left)
            world.role(self._exclusive(cx), x, "legal_rep", left + 1, None)
            became = left + rnd.randint(1, decided - left - 1)
        elif variant == "director_moved":
            world.role(self._exclusive(cx), x, "legal_rep", reg, None)
            world.role(p, x, "director", reg, None)
            became = decided + rnd.randint(0, 365)
        else:
            world.role(p, x, "legal_rep", reg, None)
            became = decided + rnd.randint(0, 365)
        self._holders(x, pooled=False)
        t = self._trigger(x, decided, revoked=variant == "record_revoked")
        y = self._receiving(cy, p, "legal_rep", became, existing=False)
        self.truth.add(
            "decoy", decoy_of="phoenix", reason=variant, person_id=p, record_id=t.record_id,
            from_uscc=x.uscc, to_uscc=y.uscc,
        )  # fmt: skip


def _able(rnd: random.Random, kind: str) -> bool | None:
    """A joint list's finding that the subject can perform but refuses (49号 十一)."""
    return rnd.random() < 0.3 if kind == "joint_punishment_list" else None


def _effective_percent(person: str, target: str, edges: list[_Edge]) -> float:
    """Effective ownership of ``person`` in ``target``: ``(I − A)⁻¹ − I`` over the edges."""
    nodes = sorted({hid for _, hid, _, _ in edges} | {held.uscc for *_, held, _ in edges})
    at = {n: i for i, n in enumerate(nodes)}
    a = np.zeros((len(nodes), len(nodes)))
    for _, hid, held, bp in edges:
        a[at[hid], at[held.uscc]] += bp / 10000
    e = np.linalg.inv(np.eye(len(nodes)) - a) - np.eye(len(nodes))
    return round(float(e[at[person], at[target]]) * 100, 4)
