"""Planted law cases: every list kind and rule of RULES.md edition 2, with the answers it gives.

Each case is a structure of its own — a new entity (or none, for a record about a person) and
new people, never pooled, never shared — with its records, the persons they name
(``record_persons.csv``), their events (``record_events.csv``) and the checks a restriction
engine must answer for it. A check is::

    {"subject": {"type": "person", "id": "<ID number>"}, "action": "consumption:air",
     "on": "2024-05-01", "allowed": false, "prohibitions": ["DJD-CONSUMPTION-PERSONS"],
     "considerations": [], "advisories": []}

with the measure ids of the default catalogue (edition 2), sorted. The answers are RULES.md read
by hand for the dates drawn, not computed by any engine: a test compares the engine with them.
Dates are drawn so that every check falls inside the generated window.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from graph_service.synth.days import FOREVER, Day, add_years, iso
from graph_service.synth.truth import Truth
from graph_service.synth.vocab import LARGE_FINE_YUAN, SECTORS
from graph_service.synth.world import Entity, World

#: Law-case variants and the number of entities each writes.
LAW_VARIANTS: dict[str, int] = {
    "djd_left_and_successor": 1,
    "djd_add_and_release": 1,
    "djd_offence_and_late_office": 1,
    "djd_inferred_controller": 1,
    "djd_entity_performed": 1,
    "djd_term_and_lift": 0,
    "djd_29_february": 0,
    "djd_extend": 0,
    "djd_remove_performed": 0,
    "djd_remove_settled": 0,
    "djd_office_law_window": 0,
    "djd_objection": 1,
    "djd_revoked": 1,
    "djd_objection_revoked": 1,
    "consumption_restriction": 1,
    "serious_illegal_term": 1,
    "serious_illegal_repair": 1,
    "major_tax_published": 1,
    "procurement_ban": 1,
    "market_ban_food_default": 1,
    "market_ban_named": 1,
    "market_ban_life": 0,
    "licence_revoked_named": 1,
    "licence_revoked_unnamed": 1,
    "joint_list": 1,
    "large_fine": 1,
    "large_fine_before_line": 1,
    "small_fine": 1,
    "grave_penalty": 1,
    "large_fine_revoked": 1,
    "no_measure_kinds": 1,
}

#: 公司法（2023）in force: 178(五) bars a 失信被执行人 from company office.
COMPANY_LAW_2023 = date(2024, 7, 1).toordinal()
#: 财库〔2022〕3号: the 2,000,000-yuan line of a large fine, from this day.
LARGE_FINE_LINE = date(2022, 2, 8).toordinal()

_NON_FOOD = tuple(s for s in SECTORS if s != "food_drug")
#: What a 失信 listing prohibits its subject (RULES §3), with the catalogue's measure ids.
_DJD_SUBJECT = (
    ("bid_tender", "DJD-TENDER"),
    ("fiscal_funds", "DJD-FISCAL"),
    ("subsidy", "DJD-SUBSIDY"),
    ("tax_incentive", "DJD-SUBSIDY"),
    ("issue_bonds", "DJD-CAPITAL"),
    ("issue_shares", "DJD-CAPITAL"),
    ("set_up_financial_company", "DJD-CAPITAL"),
    ("honours", "DJD-HONOURS"),
    ("honours:market_regulation", "DJD-HONOURS"),
    ("consumption:rail_soft_sleeper", "DJD-CONSUMPTION"),
    ("consumption:rail_emu_first_class", "DJD-CONSUMPTION"),
    ("consumption:real_estate", "DJD-CONSUMPTION"),
    ("consumption:private_school", "DJD-CONSUMPTION"),
    ("high_speed_rail", "DJD-CONSUMPTION"),
)
_Subject = tuple[str, str]
Check = dict[str, Any]


def check(
    subject: _Subject,
    action: str,
    on: Day,
    prohibitions: Sequence[str] = (),
    considerations: Sequence[str] = (),
    advisories: Sequence[str] = (),
) -> Check:
    """One expected answer: ``allowed`` is false exactly when a prohibition fires."""
    return {
        "subject": {"type": subject[0], "id": subject[1]},
        "action": action,
        "on": iso(on),
        "allowed": not prohibitions,
        "prohibitions": sorted(prohibitions),
        "considerations": sorted(considerations),
        "advisories": sorted(advisories),
    }


class LawCases:
    """Writes the law cases through a :class:`World` and records them in a :class:`Truth`."""

    def __init__(self, world: World, truth: Truth) -> None:
        self.world = world
        self.truth = truth
        djd = {
            "djd_left_and_successor": self._djd_reps,
            "djd_add_and_release": self._djd_reps,
            "djd_offence_and_late_office": self._djd_offence,
            "djd_inferred_controller": self._djd_inferred,
            "djd_entity_performed": self._djd_performed,
            "djd_term_and_lift": self._djd_person,
            "djd_29_february": self._djd_person,
            "djd_extend": self._djd_person,
            "djd_remove_performed": self._djd_person,
            "djd_remove_settled": self._djd_person,
            "djd_office_law_window": self._djd_office,
            "djd_objection": self._djd_objection,
            "djd_revoked": self._djd_objection,
            "djd_objection_revoked": self._djd_objection,
        }
        self._handlers: dict[str, Callable[[str], None]] = {
            **djd,
            "consumption_restriction": self._cr,
            "serious_illegal_term": self._sid,
            "serious_illegal_repair": self._sid,
            "major_tax_published": self._mtv,
            "procurement_ban": self._pd,
            "market_ban_food_default": self._food_ban,
            "market_ban_named": self._market_ban,
            "market_ban_life": self._life_ban,
            "licence_revoked_named": self._licence_revoked,
            "licence_revoked_unnamed": self._licence_revoked,
            "joint_list": self._jpl,
            "large_fine": self._penalty,
            "large_fine_before_line": self._penalty,
            "small_fine": self._penalty,
            "grave_penalty": self._penalty,
            "large_fine_revoked": self._penalty,
            "no_measure_kinds": self._no_measures,
        }
        if set(self._handlers) != set(LAW_VARIANTS):  # a programming error
            raise AssertionError("every law variant needs exactly one handler")

    @property
    def rnd(self) -> random.Random:
        """The world's current random stream."""
        return self.world.rnd

    def plant(self, variant: str) -> None:
        """Write one case of ``variant``."""
        self._handlers[variant](variant)

    # -- shared pieces --------------------------------------------------------------------

    def _between(self, lo: Day, hi: Day) -> Day:
        """A day in [lo, hi] (``lo`` when the range is empty)."""
        return lo + self.rnd.randrange(max(1, hi - lo + 1))

    def _company(self, registered: Day, holders: Sequence[tuple[str, int]] = ()) -> Entity:
        """A new company, owned by ``holders`` (person, basis points) and new people for the
        rest; nobody in it holds anything anywhere else."""
        world = self.world
        county = world.geo.pick(self.rnd)
        x = world.company(county, registered)
        rest = 10000 - sum(bp for _, bp in holders)
        for person, bp in holders:
            world.holding("person", person, x, bp, registered, None)
        if rest > 0:
            world.holding("person", world.person(county), x, rest, registered, None)
        return x

    def _person(self, x: Entity | None = None) -> str:
        county = x.county if x is not None else self.world.geo.pick(self.rnd)
        return self.world.person(county)

    def _reps(self, x: Entity, *terms: tuple[str, Day]) -> None:
        """Legal representatives one after another: (person, first day); the last stays."""
        for i, (person, start) in enumerate(terms):
            end = terms[i + 1][1] - 1 if i + 1 < len(terms) else None
            self.world.role(person, x, "legal_rep", start, end)

    def _record(self, subject: _Subject, kind: str, decided: Day, **fields: Any) -> str:
        """A record about a planted person (ID region) or company (USCC region: it never
        moves)."""
        code = subject[1][:6] if subject[0] == "person" else subject[1][2:8]
        county = self.world.geo.index(code)
        return self.world.record(subject[0], subject[1], kind, county, decided, **fields)

    def _add(self, variant: str, records: list[str], checks: list[Check], **facts: Any) -> None:
        self.truth.add("law", variant=variant, record_ids=records, checks=checks, **facts)

    def _anchor(self, before: int, after: int) -> Day:
        """A day with ``before`` days of the window before it and ``after`` after it."""
        lo, hi = self.world.start + before, self.world.end - after
        return self._between(lo, max(lo, hi))

    def _ent(self, x: Entity) -> _Subject:
        return ("entity", x.uscc)

    # -- 失信被执行人: an entity, its legal representatives, reach ------------------------

    def _listed(self, after: int, gap: tuple[int, int]) -> tuple[Entity, Day, str]:
        """A company with one legal rep, registered with ``after`` days of the window left,
        and a decision day ``gap`` days after its registration: (company, decision day, legal
        rep)."""
        reg = self._anchor(30, after)
        decided = reg + self.rnd.randint(*gap)
        x = self._company(reg)
        rep = self._person(x)
        self._reps(x, (rep, reg))
        return x, decided, rep

    def _rep_changed(self, after: int) -> tuple[Entity, Day, Day, Day, list[str]]:
        """A company whose legal rep changed between the offence and the decision, with
        ``after`` days of the window left: (company, offence day, first day of the new rep,
        decision day, [old rep, new rep, two more of its people])."""
        rnd = self.rnd
        reg = self._anchor(30, after)
        offence = reg + rnd.randint(100, 300)
        changed = offence + rnd.randint(10, 60)
        decided = changed + rnd.randint(10, 200)
        x = self._company(reg)
        people = [self._person(x) for _ in range(4)]
        self._reps(x, (people[0], reg), (people[1], changed))
        return x, offence, changed, decided, people

    def _djd_reps(self, variant: str) -> None:
        """RULES §4: a legal rep who left after the listing is still reached; his successor
        only through an ``add_person`` event; a ``release_person`` event frees him."""
        rnd, world = self.rnd, self.world
        reg = self._anchor(30, 1500)
        decided = reg + rnd.randint(200, 700)
        left = decided + rnd.randint(30, 200)
        x = self._company(reg)
        a, b = self._person(x), self._person(x)
        self._reps(x, (a, reg), (b, left + 1))
        xs = self._ent(x)
        rid = self._record(xs, "dishonest_judgment_debtor", decided, ground="1")
        after = left + 60
        checks = [
            check(xs, "government_procurement", decided - 1),
            check(xs, "government_procurement", decided + 10, ["DJD-PROCUREMENT"]),
            check(xs, "obtain_credit", decided + 10, considerations=["DJD-CREDIT"]),
            check(xs, "consumption:air", decided + 10, ["DJD-CONSUMPTION"]),
            # Ground (一): no default term.
            check(xs, "government_procurement", decided + 800, ["DJD-PROCUREMENT"]),
            check(xs, "consumption:rail_g_train", decided + 800, ["DJD-CONSUMPTION"]),
            check(("person", a), "government_procurement", after),
        ]
        # Every prohibition on the subject (RULES §3), edition-1 names included.
        checks += [check(xs, action, decided + 10, [measure]) for action, measure in _DJD_SUBJECT]
        if variant == "djd_left_and_successor":
            checks += [
                check(("person", a), "consumption:air", after, ["DJD-CONSUMPTION-PERSONS"]),
                check(("person", a), "air_travel", after, ["DJD-CONSUMPTION-PERSONS"]),
                check(("person", b), "consumption:air", after),
                check(("person", b), "consumption:rail_g_train", decided + 800),
            ]
            self._add(variant, [rid], checks, left_on=iso(left), successor_from=iso(left + 1))
            return
        added = left + rnd.randint(30, 200)
        released = decided + rnd.randint(100, 600)
        world.event(rid, "add_person", added, person_id=b, reason="变更后的法定代表人")
        world.event(rid, "release_person", released, person_id=a, reason="已不再担任法定代表人")
        checks += [
            check(("person", b), "consumption:air", added - 1),
            check(("person", b), "consumption:air", added, ["DJD-CONSUMPTION-PERSONS"]),
            check(("person", a), "consumption:air", released - 1, ["DJD-CONSUMPTION-PERSONS"]),
            check(("person", a), "consumption:air", released),
        ]
        self._add(variant, [rid], checks, added_on=iso(added), released_on=iso(released))

    def _djd_offence(self, variant: str) -> None:
        """Reach is fixed on the offence day: the legal rep then (gone before the decision) and
        the declared controller are reached; one who took office in between is an advisory;
        a named person is reached whatever his roles."""
        world = self.world
        x, offence, changed, decided, (a, b, c, n) = self._rep_changed(1000)
        world.role(c, x, "actual_controller", x.registered, None)
        xs = self._ent(x)
        rid = self._record(xs, "dishonest_judgment_debtor", decided, ground="1", offence_on=offence)
        world.named(rid, n, "direct_responsible")
        on = decided + 20
        p = "DJD-CONSUMPTION-PERSONS"
        checks = [
            check(("person", a), "consumption:air", on, [p]),
            check(("person", b), "consumption:air", on, advisories=[p]),
            check(("person", c), "consumption:star_hotel", on, [p]),
            check(("person", n), "consumption:air", on, [p]),
        ]
        self._add(variant, [rid], checks, offence_on=iso(offence), rep_changed_on=iso(changed))

    def _djd_inferred(self, variant: str) -> None:
        """An inferred controller (holding > 50 %, none declared) gets an advisory only."""
        rnd = self.rnd
        reg = self._anchor(30, 1000)
        decided = reg + rnd.randint(200, 700)
        h, g = self._person(), self._person()
        share = rnd.randint(51, 90) * 100
        x = self._company(reg, [(h, share), (g, 10000 - share)])
        a = self._person(x)
        self._reps(x, (a, reg))
        xs = self._ent(x)
        rid = self._record(xs, "dishonest_judgment_debtor", decided, ground="1")
        on = decided + 20
        p = "DJD-CONSUMPTION-PERSONS"
        checks = [
            check(("person", h), "consumption:air", on, advisories=[p]),
            check(("person", g), "consumption:air", on),
            check(("person", a), "consumption:air", on, [p]),
        ]
        self._add(variant, [rid], checks, controller_percent=share // 100)

    def _djd_performed(self, variant: str) -> None:
        """A company listed on grounds (二)–(六): when its term ends it is out of the list but
        it and its legal rep stay restricted in consumption until the debt is paid
        (``remove`` with outcome ``performed``)."""
        rnd, world = self.rnd, self.world
        x, decided, a = self._listed(2 * 366 + 600, (100, 300))
        xs, pa = self._ent(x), ("person", a)
        ground = rnd.choice("23456")
        rid = self._record(xs, "dishonest_judgment_debtor", decided, ground=ground)
        last = add_years(decided, 2)
        paid = last + rnd.randint(30, 200)
        world.event(rid, "remove", paid, outcome="performed", reason="已履行完毕")
        p = "DJD-CONSUMPTION-PERSONS"
        checks = [
            check(xs, "government_procurement", last, ["DJD-PROCUREMENT"]),
            check(xs, "government_procurement", last + 1),
            check(xs, "consumption:air", last + 1, ["DJD-CONSUMPTION"]),
            check(pa, "consumption:air", last + 1, [p]),
            check(pa, "consumption:air", paid - 1, [p]),
            check(xs, "consumption:air", paid),
            check(pa, "consumption:air", paid),
        ]
        self._add(variant, [rid], checks, ground=ground, last_day=iso(last), paid_on=iso(paid))

    def _djd_person(self, variant: str) -> None:
        """A person listed on grounds (二)–(六): a two-year term; the consumption
        restriction lasts until lifted, not until the listing ends."""
        rnd, world = self.rnd, self.world
        ground = rnd.choice("23456")
        decided = self._anchor(30, 2 * 366 + 400)
        if variant == "djd_29_february":
            leap = [
                d
                for y in range(date.fromordinal(world.start).year, date.fromordinal(world.end).year)
                if y % 4 == 0
                and world.start + 30 <= (d := date(y, 2, 29).toordinal()) <= world.end - 2 * 366
            ]
            decided = rnd.choice(leap) if leap else decided
        last = add_years(decided, 2)
        p = ("person", self._person())
        rid = self._record(p, "dishonest_judgment_debtor", decided, ground=ground)
        checks = [
            check(p, "government_procurement", last, ["DJD-PROCUREMENT"]),
            check(p, "government_procurement", last + 1),
            check(p, "obtain_credit", decided + 5, considerations=["DJD-CREDIT"]),
            check(p, "obtain_credit", last + 1),
        ]
        facts: dict[str, Any] = {"ground": ground, "last_day": iso(last)}
        if variant == "djd_term_and_lift":
            lifted = last + rnd.randint(30, 200)
            world.event(rid, "lift_consumption", lifted, reason="法院解除限制消费")
            checks += [
                check(p, "consumption:air", last + 1, ["DJD-CONSUMPTION"]),
                check(p, "consumption:air", lifted - 1, ["DJD-CONSUMPTION"]),
                check(p, "consumption:air", lifted),
            ]
            facts["lifted_on"] = iso(lifted)
        elif variant == "djd_extend":
            to = last + rnd.randint(100, 300)
            world.event(rid, "extend", last - rnd.randint(10, 60), effective_to=to)
            checks[:2] = [
                check(p, "government_procurement", last + 1, ["DJD-PROCUREMENT"]),
                check(p, "government_procurement", to, ["DJD-PROCUREMENT"]),
                check(p, "government_procurement", to + 1),
            ]
            checks.pop()  # obtain_credit the day after the old last day: still listed
            facts["extended_to"] = iso(to)
        elif variant.startswith("djd_remove_"):
            outcome = variant.removeprefix("djd_remove_")
            removed = decided + rnd.randint(60, 500)
            world.event(rid, "remove", removed, outcome=outcome, reason="移出名单")
            lasting = [] if outcome == "performed" else ["DJD-CONSUMPTION"]
            checks[:2] = [
                check(p, "government_procurement", removed - 1, ["DJD-PROCUREMENT"]),
                check(p, "government_procurement", removed),
                check(p, "consumption:air", removed - 1, ["DJD-CONSUMPTION"]),
                check(p, "consumption:air", removed, lasting),
                check(p, "consumption:air", last + 1, lasting),
            ]
            checks.pop()
            facts |= {"removed_on": iso(removed), "outcome": outcome}
        self._add(variant, [rid], checks, **facts)

    def _djd_office(self, variant: str) -> None:
        """Company office: barred from 2024-07-01 (公司法 2023 178(五)); before, an advisory
        (2018 146(五) needs the debt's size); state-owned and financial office throughout."""
        world = self.world
        lo = max(world.start + 30, date(2021, 1, 1).toordinal())
        decided = self._between(lo, max(lo, min(world.end, COMPANY_LAW_2023) - 90))
        p = ("person", self._person())
        rid = self._record(p, "dishonest_judgment_debtor", decided, ground="1")
        before, after = COMPANY_LAW_2023 - 1, COMPANY_LAW_2023
        company, soe = "DJD-OFFICE-COMPANY", "DJD-OFFICE-SOE-FINANCIAL"
        checks = [check(p, "serve_as_officer:soe", decided + 30, [soe], advisories=[company])]
        if decided < before and after <= world.end:
            checks += [
                check(p, "serve_as_officer:company", before, advisories=[company]),
                check(p, "serve_as_officer:company", after, [company]),
                check(p, "serve_as_officer", after, [company]),
                check(p, "serve_as_officer:soe", before, [soe], advisories=[company]),
                check(p, "serve_as_officer:financial", after, [company, soe]),
            ]
        self._add(variant, [rid], checks)

    def _djd_objection(self, variant: str) -> None:
        """An objection does not stop a listing; a revocation (or an objection upheld with
        outcome ``revoked``) means it never applied."""
        rnd, world = self.rnd, self.world
        x, decided, a = self._listed(1000, (200, 700))
        xs = self._ent(x)
        rid = self._record(xs, "dishonest_judgment_debtor", decided, ground="1")
        objected = decided + rnd.randint(10, 100)
        resolved = objected + rnd.randint(20, 90)
        world.event(rid, "object", objected, reason="被执行人提出异议")
        if variant != "djd_objection":
            if variant == "djd_revoked":
                world.event(rid, "revoke", resolved, reason="错误纳入")
            else:
                world.event(rid, "resolve", resolved, outcome="revoked", reason="异议成立")
            checks = [
                check(xs, "government_procurement", decided + 5),
                check(xs, "consumption:air", objected + 1),
                check(("person", a), "consumption:air", decided + 5),
            ]
            self._add(variant, [rid], checks, revoked_on=iso(resolved))
            return
        world.event(rid, "resolve", resolved, outcome="upheld", reason="异议不成立")
        checks = [
            check(xs, "government_procurement", objected + 1, ["DJD-PROCUREMENT"]),
            check(xs, "government_procurement", resolved + 1, ["DJD-PROCUREMENT"]),
            check(("person", a), "consumption:air", objected + 1, ["DJD-CONSUMPTION-PERSONS"]),
        ]
        self._add(variant, [rid], checks, objected_on=iso(objected), resolved_on=iso(resolved))

    # -- 限制消费令 without a listing ------------------------------------------------------

    def _cr(self, variant: str) -> None:
        """Subject and persons restricted until lifted; a court's leave for one action."""
        rnd, world = self.rnd, self.world
        x, decided, a = self._listed(1300, (200, 600))
        n = self._person(x)
        xs = self._ent(x)
        rid = self._record(xs, "consumption_restriction", decided)
        world.named(rid, n, "direct_responsible")
        leave = decided + rnd.randint(30, 200)
        lifted = leave + rnd.randint(30, 300)
        world.event(
            rid, "permit", leave, person_id=a, action="consumption:air",
            effective_to=leave + 10, reason="就医准许乘坐飞机",
        )  # fmt: skip
        world.event(rid, "lift_consumption", lifted, reason="已履行")
        s, p = "CR-CONSUMPTION", "CR-CONSUMPTION-PERSONS"
        pa, pn = ("person", a), ("person", n)
        checks = [
            check(xs, "consumption:star_hotel", decided + 5, [s]),
            check(xs, "government_procurement", decided + 5),
            check(pa, "consumption:vehicle", decided + 5, [p]),
            check(pn, "consumption:air", decided + 5, [p]),
            check(pa, "consumption:air", leave + 5),
            check(pa, "consumption:air", leave + 10),
            check(pa, "consumption:air", leave + 11, [p]),
            check(pa, "consumption:rail_g_train", leave + 5, [p]),
            check(xs, "consumption:air", lifted - 1, [s]),
            check(xs, "consumption:air", lifted),
            check(pa, "consumption:air", lifted),
        ]
        self._add(variant, [rid], checks, leave_from=iso(leave), lifted_on=iso(lifted))

    # -- 严重违法失信名单 -------------------------------------------------------------------

    def _sid(self, variant: str) -> None:
        """Three years; market regulators' honours prohibited, the rest considerations."""
        rnd, world = self.rnd, self.world
        x, decided, _ = self._listed(3 * 366 + 300, (100, 250))
        xs = self._ent(x)
        rid = self._record(xs, "serious_illegal_dishonest", decided)
        last = add_years(decided, 3)
        hp, c = ["SID-HONOURS-MR"], ["SID-CONSIDER"]
        checks = [
            check(xs, "honours", decided + 5, considerations=c),
            check(xs, "government_procurement", decided + 5, considerations=c),
            check(xs, "commitment_approval", decided + 5, considerations=c),
            check(xs, "consumption:air", decided + 5),
        ]
        if variant == "serious_illegal_term":
            objected = decided + rnd.randint(10, 60)
            world.event(rid, "object", objected, reason="提出异议")
            world.event(rid, "resolve", objected + 30, outcome="upheld")
            checks += [
                check(xs, "honours:market_regulation", objected + 1, hp, c),
                check(xs, "honours:market_regulation", last, hp, c),
                check(xs, "honours:market_regulation", last + 1),
            ]
            self._add(variant, [rid], checks, last_day=iso(last))
            return
        repaired = decided + rnd.randint(365, 700)
        world.event(rid, "repair", repaired, reason="信用修复")
        checks += [
            check(xs, "honours:market_regulation", repaired - 1, hp, c),
            check(xs, "honours:market_regulation", repaired),
            check(xs, "government_procurement", repaired),
        ]
        self._add(variant, [rid], checks, repaired_on=iso(repaired))

    # -- 重大税收违法失信主体 ---------------------------------------------------------------

    def _mtv(self, variant: str) -> None:
        """Starts when published, lasts three years; named persons carry no prohibition."""
        rnd, world = self.rnd, self.world
        x, decided, a = self._listed(3 * 366 + 400, (100, 250))
        published = decided + rnd.randint(5, 60)
        f = self._person(x)
        world.role(f, x, "financial_officer", x.registered, None)
        xs = self._ent(x)
        rid = self._record(xs, "major_tax_violation", decided, published_on=published)
        world.named(rid, f, "financial_officer")
        last = add_years(published, 3)
        m, c = ["MTV-PROHIBIT"], ["MTV-CONSIDER"]
        checks = [
            check(xs, "government_procurement", published - 1),
            check(xs, "government_procurement", published, m),
            check(xs, "honours", published, m),
            check(xs, "licensing", published, considerations=c),
            check(xs, "government_procurement", last, m),
            check(xs, "government_procurement", last + 1),
            check(("person", f), "government_procurement", published + 5),
            check(("person", a), "government_procurement", published + 5),
        ]
        self._add(variant, [rid], checks, published_on=iso(published), last_day=iso(last))

    # -- 政府采购不良行为记录 ---------------------------------------------------------------

    def _pd(self, variant: str) -> None:
        """Barred for its term of one to three years; an ended ban no longer bars."""
        rnd = self.rnd
        years = rnd.randint(1, 3)
        x, decided, _ = self._listed(years * 366 + 300, (100, 250))
        xs = self._ent(x)
        last = add_years(decided, years)
        rid = self._record(xs, "procurement_dishonest", decided, effective_to=last)
        checks = [
            check(xs, "government_procurement", decided, ["PD-PROCUREMENT"]),
            check(xs, "government_procurement", last, ["PD-PROCUREMENT"]),
            check(xs, "government_procurement", last + 1),
            check(xs, "bid_tender", decided + 5, considerations=["PD-TENDER"]),
            check(xs, "consumption:air", decided + 5),
        ]
        self._add(variant, [rid], checks, years=years, last_day=iso(last))

    # -- 行业禁入 ---------------------------------------------------------------------------

    def _life_ban(self, variant: str) -> None:
        """A person banned for life (``9999-12-31``) from a sector, and from that one only."""
        world = self.world
        sector = self.rnd.choice(_NON_FOOD)
        decided = self._anchor(400, 60)
        p = ("person", self._person())
        rid = self._record(p, "market_ban", decided, sector=sector, effective_to=FOREVER)
        checks = [
            check(p, f"enter_sector:{sector}", decided - 1),
            check(p, f"enter_sector:{sector}", world.end, ["MB-SECTOR"]),
            check(p, "enter_sector:food_drug", world.end),
        ]
        self._add(variant, [rid], checks, sector=sector)

    def _market_ban(self, variant: str) -> None:
        """A ban with its own term: the subject, the persons it names and the legal rep on
        the decision day are barred until its last day."""
        rnd, world = self.rnd, self.world
        sector = rnd.choice(_NON_FOOD)
        years = rnd.choice((3, 5))
        x, decided, a = self._listed(years * 366 + 400, (100, 300))
        n = self._person(x)
        xs = self._ent(x)
        last = add_years(decided, years)
        rid = self._record(xs, "market_ban", decided, sector=sector, effective_to=last)
        world.named(rid, n, "direct_responsible")
        enter, office, mp = f"enter_sector:{sector}", f"serve_as_officer:{sector}", ["MB-PERSONS"]
        checks = [
            check(xs, enter, last, ["MB-SECTOR"]),
            check(xs, enter, last + 1),
            check(xs, "enter_sector:food_drug", decided + 5),
            check(("person", n), enter, decided + 5, mp),
            check(("person", n), office, decided + 5, mp),
            check(("person", a), enter, decided + 5, mp),
            check(("person", a), enter, last + 1),
        ]
        self._add(variant, [rid], checks, sector=sector, last_day=iso(last))

    def _food_ban(self, variant: str) -> None:
        """Food and drugs: five years by default (食品安全法 135); the legal rep on the offence
        day and the directly responsible persons are barred, not principals; a legal rep
        who took office between offence and decision is an advisory."""
        world = self.world
        x, offence, changed, decided, (a, b, c, pr) = self._rep_changed(5 * 366 + 700)
        world.role(c, x, "direct_responsible", x.registered, None)
        world.role(pr, x, "principal", x.registered, None)
        xs = self._ent(x)
        rid = self._record(xs, "market_ban", decided, sector="food_drug", offence_on=offence)
        last = add_years(decided, 5)
        enter, mp = "enter_sector:food_drug", ["MB-PERSONS"]
        on = decided + 10
        checks = [
            check(xs, enter, on, ["MB-SECTOR"]),
            check(xs, enter, last, ["MB-SECTOR"]),
            check(xs, enter, last + 1),
            check(xs, "enter_sector:environment", on),
            check(("person", a), enter, on, mp),
            check(("person", a), "serve_as_officer:food_drug", on, mp),
            check(("person", a), enter, last + 1),
            check(("person", b), enter, on, advisories=mp),
            check(("person", c), enter, on, mp),
            check(("person", pr), enter, on),
        ]
        facts = {"offence_on": iso(offence), "rep_changed_on": iso(changed), "last_day": iso(last)}
        self._add(variant, [rid], checks, **facts)

    # -- 吊销营业执照 -----------------------------------------------------------------------

    def _licence_revoked(self, variant: str) -> None:
        """Named persons out of company office for three years (公司法 2023 178(四); 2018
        146(四) before); an unnamed legal rep is an advisory; the company is out of
        government procurement for three years (政府采购法 22(五))."""
        world = self.world
        x, decided, a = self._listed(3 * 366 + 400, (100, 300))
        xs = self._ent(x)
        rid = self._record(xs, "licence_revoked", decided)
        last = add_years(decided, 3)
        pa, lr, proc = ("person", a), ["LR-OFFICER"], ["PROC-MAJOR-ILLEGAL"]
        checks = [
            check(xs, "government_procurement", decided + 30, proc),
            check(xs, "government_procurement", last + 1),
            check(xs, "consumption:air", decided + 30),
        ]
        if variant == "licence_revoked_named":
            world.named(rid, a, "legal_rep")
            checks += [
                check(pa, "serve_as_officer:company", decided + 30, lr),
                check(pa, "serve_as_officer:soe", decided + 30, lr),
                check(pa, "serve_as_officer:company", last, lr),
                check(pa, "serve_as_officer:company", last + 1),
            ]
        else:
            checks += [check(pa, "serve_as_officer:company", decided + 30, advisories=lr)]
        self._add(variant, [rid], checks, last_day=iso(last))

    # -- 其他联合惩戒对象名单 ---------------------------------------------------------------

    def _jpl(self, variant: str) -> None:
        """No prohibition by default (49号 六), able to perform or not; considerations for
        the subject and the persons the record names; none for an unnamed legal rep."""
        rnd, world = self.rnd, self.world
        x, decided, a = self._listed(3 * 366 + 400, (100, 300))
        able = rnd.random() < 0.5
        n = self._person(x)
        xs = self._ent(x)
        last = add_years(decided, 3)
        rid = self._record(
            xs, "joint_punishment_list", decided, effective_to=last, able_but_refuses=able
        )
        world.named(rid, n, "direct_responsible")
        on = decided + 10
        checks = [
            check(xs, "government_procurement", on, considerations=["JPL-CONSIDER"]),
            check(xs, "consumption:air", on),
            check(xs, "consumption:rail_g_train", on),
            check(("person", n), "government_procurement", on, [], ["JPL-CONSIDER-PERSONS"]),
            check(("person", a), "government_procurement", on),
            check(("person", a), "consumption:air", on),
            check(xs, "government_procurement", last + 1),
        ]
        self._add(variant, [rid], checks, able_but_refuses=able, last_day=iso(last))

    # -- 行政处罚 and the procurement rule -------------------------------------------------

    def _penalty(self, variant: str) -> None:
        """政府采购法 22(五): a 重大违法记录 in the three years up to the day asked bars
        procurement, repaired or not; a fine counts from 2,000,000 yuan (财库〔2022〕3号, in
        force from 2022-02-08: before, an advisory); a revoked penalty does not count."""
        rnd, world = self.rnd, self.world
        proc = ["PROC-MAJOR-ILLEGAL"]
        fields: dict[str, Any] = {"penalty_type": "fine"}
        if variant == "large_fine_before_line":
            lo = max(world.start + 200, add_years(LARGE_FINE_LINE, -3) + 1)
            decided = self._between(lo, max(lo, LARGE_FINE_LINE - 10))
        elif variant in ("large_fine", "large_fine_revoked"):
            lo = max(world.start + 200, LARGE_FINE_LINE)
            decided = self._between(lo, max(lo, world.end - 3 * 366 - 30))
        else:
            decided = self._anchor(200, 3 * 366 + 30)
        x = self._company(max(world.start + 1, decided - rnd.randint(150, 1500)))
        self._reps(x, (self._person(x), x.registered))
        xs = self._ent(x)
        large = LARGE_FINE_YUAN if rnd.random() < 0.3 else rnd.randint(201, 900) * 10_000
        if variant == "small_fine":
            fields["amount_yuan"] = rnd.randint(10, 19_999) * 100
        elif variant == "grave_penalty":
            fields["penalty_type"] = rnd.choice(
                ("suspension", "criminal", "licence_revoked", "confiscation")
            )
        else:
            fields["amount_yuan"] = large
        rid = self._record(xs, "administrative_penalty", decided, **fields)
        last = add_years(decided, 3)
        checks = [check(xs, "government_procurement", decided - 1)]
        if variant == "large_fine":
            repaired = decided + rnd.randint(100, 500)
            world.event(rid, "repair", repaired, reason="信用修复")
            checks += [
                check(xs, "government_procurement", decided, proc),
                check(xs, "government_procurement", repaired + 10, proc),
                check(xs, "government_procurement", last, proc),
                check(xs, "government_procurement", last + 1),
                check(xs, "bid_tender", decided + 5),
            ]
        elif variant == "large_fine_before_line":
            checks += [
                check(xs, "government_procurement", decided + 5, advisories=proc),
                check(xs, "government_procurement", LARGE_FINE_LINE, proc),
            ]
        elif variant == "large_fine_revoked":
            world.event(rid, "revoke", decided + rnd.randint(30, 200), reason="行政复议撤销")
            checks += [check(xs, "government_procurement", decided + 5)]
        elif variant == "small_fine":
            checks += [check(xs, "government_procurement", decided + 5)]
        else:
            barred = fields["penalty_type"] != "confiscation"
            checks += [check(xs, "government_procurement", decided + 5, proc if barred else [])]
        self._add(variant, [rid], checks, **fields)

    # -- kinds without measures -----------------------------------------------------------

    def _no_measures(self, variant: str) -> None:
        """Watch lists, commitment breaches, interviews, abnormal operation and a warning:
        no prohibition and, in the default catalogue, no consideration."""
        rnd = self.rnd
        reg = self._anchor(30, 1200)
        x = self._company(reg)
        self._reps(x, (self._person(x), reg))
        xs = self._ent(x)
        day = reg + rnd.randint(100, 300)
        records = []
        for kind in ("watch_list", "commitment_breach", "interview", "abnormal_operation"):
            records.append(self._record(xs, kind, day))
            day += rnd.randint(1, 60)
        records.append(self._record(xs, "administrative_penalty", day, penalty_type="warning"))
        on = day + 5
        checks = [
            check(xs, action, on)
            for action in (
                "government_procurement", "bid_tender", "licensing", "honours",
                "obtain_credit", "consumption:air",
            )
        ]  # fmt: skip
        self._add(variant, records, checks)
