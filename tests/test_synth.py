"""The synthetic registry: format, identifiers, integrity, determinism, and truth completeness.

The completeness check is an independent brute-force reading of RULES.md ("Relocated repeat
offenders") over the generated CSV files: every phoenix / migration / serial finding it makes
must be in ``truth.json`` and vice versa, at county, city and province level. It is run under
both readings of the rules that reasonable detectors might take (see ``READINGS``).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph_service.engine.restrictions import RestrictionEngine
from graph_service.ids import validate_region_code, validate_resident_id, validate_uscc
from graph_service.stores.base import GraphStore
from graph_service.synth import generate, generator
from graph_service.synth.identifiers import IdentifierFactory
from graph_service.synth.law import LAW_VARIANTS
from loaders.load import load_directory
from tests.conftest import RING

# The contract (shared/DATA-CONTRACT.md, edition 2), typed out here independently of the generator.
CONTRACT: dict[str, list[str]] = {
    "entities": ["uscc", "name", "region_code", "org_type", "industry", "registered_on",
                 "deregistered_on", "superior_uscc", "address"],  # address: an extra column
    "persons": ["person_id", "name"],
    "roles": ["person_id", "uscc", "role", "start_date", "end_date"],
    "shareholdings": ["holder_type", "holder_id", "uscc", "percent", "start_date", "end_date"],
    "registrations": ["uscc", "region_code", "start_date", "end_date"],
    "records": ["record_id", "subject_type", "subject_id", "kind", "authority", "region_code",
                "decided_on", "basis", "sector", "effective_from", "effective_to", "status",
                "status_on", "offence_on", "published_on", "ground", "able_but_refuses",
                "penalty_type", "amount_yuan", "case_no"],
    "record_persons": ["record_id", "person_id", "capacity"],
    "record_events": ["record_id", "event", "on", "person_id", "action", "effective_to",
                      "outcome", "reason"],
}  # fmt: skip
ORG_TYPES = {"enterprise", "individual_business", "farmer_coop", "social_org",
             "public_institution", "state_owned_enterprise", "state_organ"}  # fmt: skip
ROLES = {"legal_rep", "principal", "actual_controller", "direct_responsible",
         "financial_officer", "director", "supervisor", "manager", "staff"}  # fmt: skip
KINDS = {"dishonest_judgment_debtor", "consumption_restriction", "serious_illegal_dishonest",
         "major_tax_violation", "procurement_dishonest", "licence_revoked",
         "joint_punishment_list", "watch_list", "administrative_penalty", "market_ban",
         "commitment_breach", "interview", "abnormal_operation"}  # fmt: skip
STATUSES = {"active", "repaired", "removed", "revoked", "disputed"}
EVENTS = {"object", "resolve", "repair", "remove", "revoke", "extend", "lift_consumption",
          "release_person", "add_person", "permit"}  # fmt: skip
OUTCOMES = {"", "upheld", "corrected", "revoked", "performed", "expired", "settled", "other"}
PENALTY_TYPES = {"fine", "licence_revoked", "suspension", "confiscation", "warning",
                 "criminal", "other"}  # fmt: skip
USCC_PREFIXES = {"enterprise": {"91"}, "state_owned_enterprise": {"91"},
                 "individual_business": {"92"}, "farmer_coop": {"93"},
                 "social_org": {"51", "52", "53"}, "public_institution": {"12"},
                 "state_organ": {"11"}}  # fmt: skip
RESPONSIBLE = {"legal_rep", "principal", "actual_controller"}
# RULES §6 edition 2: every list of §3 with a prohibition on its subject, not licence_revoked.
TRIGGERING = {"joint_punishment_list", "dishonest_judgment_debtor", "market_ban",
              "consumption_restriction", "serious_illegal_dishonest", "major_tax_violation",
              "procurement_dishonest"}  # fmt: skip
LEVELS = {"county": 6, "city": 4, "province": 2}
FOREVER = "9999-12-31"

SEEDS = (1, 2, 3, 4)
SIZE = 2500


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """One registry per seed; seed 3 is split over several chunks to cover chunk seams."""
    out: dict[int, Path] = {}
    mp = pytest.MonkeyPatch()
    try:
        for seed in SEEDS:
            if seed == 3:
                mp.setattr(generator, "CHUNK_SIZE", 900)
            d = tmp_path_factory.mktemp(f"synth{seed}")
            generate(d, SIZE, seed, progress=False)
            out[seed] = d
    finally:
        mp.undo()
    return out


def rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def day(s: str) -> date | None:
    return date.fromisoformat(s) if s else None


def covers(start: date, end: date | None, d: date) -> bool:
    return start <= d and (end is None or d <= end)


# -- an independent reading of the data --------------------------------------------------------


@dataclass
class Registry:
    entities: dict[str, dict[str, str]] = field(default_factory=dict)
    persons: dict[str, str] = field(default_factory=dict)
    regs: dict[str, list[tuple[date, date | None, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    roles_of_entity: dict[str, list[tuple[str, str, date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    roles_of_person: dict[str, list[tuple[str, str, date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    held_by: dict[str, list[tuple[str, str, int, date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    holds: dict[str, list[tuple[str, int, date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    records: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, d: Path) -> Registry:
        r = cls()
        r.entities = {row["uscc"]: row for row in rows(d / "entities.csv")}
        r.persons = {row["person_id"]: row["name"] for row in rows(d / "persons.csv")}
        for row in rows(d / "registrations.csv"):
            start = day(row["start_date"])
            assert start is not None
            r.regs[row["uscc"]].append((start, day(row["end_date"]), row["region_code"]))
        for row in rows(d / "roles.csv"):
            start = day(row["start_date"])
            assert start is not None
            end = day(row["end_date"])
            r.roles_of_entity[row["uscc"]].append((row["person_id"], row["role"], start, end))
            r.roles_of_person[row["person_id"]].append((row["uscc"], row["role"], start, end))
        for row in rows(d / "shareholdings.csv"):
            start = day(row["start_date"])
            assert start is not None
            end = day(row["end_date"])
            bp = round(float(row["percent"]) * 100)
            r.held_by[row["uscc"]].append((row["holder_type"], row["holder_id"], bp, start, end))
            r.holds[row["holder_id"]].append((row["uscc"], bp, start, end))
        r.records = list(rows(d / "records.csv"))
        return r

    def region_at(self, uscc: str, d: date) -> str | None:
        for start, end, region in self.regs[uscc]:
            if covers(start, end, d):
                return region
        return None

    def controlled_by(self, holder: str, d: date) -> set[str]:
        """RULES.md: X controls Y if X, with the entities it controls, holds > 50 % of Y."""
        controlled: set[str] = set()
        while True:
            totals: dict[str, int] = defaultdict(int)
            for h in (holder, *controlled):
                for target, bp, start, end in self.holds[h]:
                    if covers(start, end, d):
                        totals[target] += bp
            new = {t for t, v in totals.items() if v > 5000} - controlled
            if not new:
                return controlled
            controlled |= new

    def owners_above(self, uscc: str) -> set[str]:
        """Every holder, at any time, of ``uscc`` or of an entity above it."""
        seen: set[str] = set()
        todo = [uscc]
        while todo:
            for _, holder, *_ in self.held_by[todo.pop()]:
                if holder not in seen:
                    seen.add(holder)
                    todo.append(holder)
        return seen

    def inferred_controllers(self, uscc: str, d: date) -> set[str]:
        people = {h for h in self.owners_above(uscc) if h in self.persons}
        return {p for p in people if uscc in self.controlled_by(p, d)}

    def responsible(self, uscc: str, d: date) -> set[str]:
        """Legal reps, principals, declared controllers on ``d``, else the inferred one."""
        active = [(p, role) for p, role, s, e in self.roles_of_entity[uscc] if covers(s, e, d)]
        out = {p for p, role in active if role in RESPONSIBLE}
        if not any(role == "actual_controller" for _, role in active):
            out |= self.inferred_controllers(uscc, d)
        return out

    def change_days(self, person: str, since: date) -> list[date]:
        """Days on or after ``since`` when what ``person`` controls can change."""
        days = {since}
        todo, seen = [person], {person}
        while todo:
            for target, _, start, end in self.holds[todo.pop()]:
                days.update(x for x in (start, end and end + timedelta(days=1)) if x and x > since)
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return sorted(days)


def applies_on_decision(r: dict[str, str]) -> bool:
    """RULES.md "When a record applies", evaluated on the decision date."""
    d = day(r["decided_on"])
    assert d is not None
    start = day(r["effective_from"]) or d
    end = day(r["effective_to"])
    if not (start <= d and (end is None or d < end)):
        return False
    if r["status"] == "repaired":
        status_on = day(r["status_on"])
        return status_on is not None and d < status_on
    return r["status"] in {"active", "disputed"}


def active_or_disputed(r: dict[str, str]) -> bool:
    return r["status"] in {"active", "disputed"}


READINGS: dict[str, tuple[Callable[[dict[str, str]], bool], bool]] = {
    # Triggering = active/disputed (the brief); "becomes" = an office or control that starts
    # on or after the decision date.
    "status-strict": (active_or_disputed, True),
    # Triggering = applies on its decision date (repaired ones too); "becomes" = holds an office
    # or control at some date on or after the decision date.
    "applies-loose": (applies_on_decision, False),
}


Finding = tuple[str, ...]


def detect(reg: Registry, reading: str) -> dict[str, dict[str, set[Any]]]:
    """Brute force over all triggering records: findings per pattern per level."""
    is_trigger, strict = READINGS[reading]
    found: dict[str, dict[str, set[Any]]] = {
        p: {lv: set() for lv in LEVELS} for p in ("phoenix", "migration", "serial")
    }
    by_person: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for r in reg.records:
        if r["subject_type"] != "entity" or r["kind"] not in TRIGGERING or not is_trigger(r):
            continue
        x, d = r["subject_id"], day(r["decided_on"])
        assert d is not None
        home = reg.region_at(x, d)
        assert home is not None, f"{x} not registered on its decision date {d}"
        for lv, n in LEVELS.items():
            for start, _, region in reg.regs[x]:
                if start >= d and region[:n] != home[:n]:
                    found["migration"][lv].add((x, r["record_id"]))
        for p in reg.responsible(x, d):
            by_person[p].append((x, r["record_id"], home))
            events: list[tuple[str, date]] = []
            for y, role, s, e in reg.roles_of_person[p]:
                if y == x or role not in RESPONSIBLE:
                    continue
                if strict and s >= d:
                    events.append((y, s))
                elif not strict and (e is None or e >= d):
                    events.append((y, max(s, d)))
            for c in reg.change_days(p, d):
                now = reg.controlled_by(p, c) - {x}
                if strict:
                    now -= reg.controlled_by(p, c - timedelta(days=1))
                events.extend((y, c) for y in now)
            for y, when in events:
                there = reg.region_at(y, when)
                assert there is not None
                for lv, n in LEVELS.items():
                    if there[:n] != home[:n]:
                        found["phoenix"][lv].add((p, y, r["record_id"]))
    for p, items in by_person.items():
        if len({x for x, _, _ in items}) < 2:
            continue
        for lv, n in LEVELS.items():
            if len({home[:n] for _, _, home in items}) >= 2:
                found["serial"][lv].add((p, frozenset(rid for _, rid, _ in items)))
    return found


def expected(truth: dict[str, Any]) -> dict[str, dict[str, set[Any]]]:
    out: dict[str, dict[str, set[Any]]] = {
        p: {lv: set() for lv in LEVELS} for p in ("phoenix", "migration", "serial")
    }
    for c in truth["cases"]:
        for lv in c.get("levels", ()):
            if c["pattern"] == "phoenix":
                out["phoenix"][lv].add((c["person_id"], c["to_uscc"], c["record_id"]))
            elif c["pattern"] == "migration":
                out["migration"][lv].add((c["uscc"], c["record_id"]))
            elif c["pattern"] == "serial":
                out["serial"][lv].add((c["person_id"], frozenset(c["record_ids"])))
    return out


def load_truth(d: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    return data


# -- tests ------------------------------------------------------------------------------------


def digest(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 1000, 11, progress=False)
    generate(b, 1000, 11, progress=False)
    generate(c, 1000, 12, progress=False)
    assert digest(a) == digest(b)
    assert len(digest(a)) == 10  # 8 contract files, the inspector pool, truth.json
    assert digest(a)["entities.csv"] != digest(c)["entities.csv"]


def test_same_bytes_in_another_process(tmp_path: Path) -> None:
    """No dependence on hash randomisation or process state."""
    here, there = tmp_path / "here", tmp_path / "there"
    generate(here, 600, 5, progress=False)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    argv = [sys.executable, "-m", "graph_service.synth", "--entities", "600", "--seed", "5"]
    argv += ["--out", str(there), "--quiet"]
    subprocess.run(argv, check=True, env=env, capture_output=True)
    assert digest(here) == digest(there)


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, 10, 1, progress=False)
    with pytest.raises(ValueError):
        generate(tmp_path, 1000, -1, progress=False)
    with pytest.raises(ValueError):
        generate(tmp_path, 1000, 1, start=date(2024, 1, 1), progress=False)


@pytest.mark.parametrize("seed", SEEDS)
def test_columns_exactly_the_contract(runs: dict[int, Path], seed: int) -> None:
    for name, columns in CONTRACT.items():
        raw = (runs[seed] / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        with (runs[seed] / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [*columns, "source"], name
        assert {row["source"] for row in rows(runs[seed] / f"{name}.csv")} == {f"synth:seed={seed}"}


@pytest.mark.parametrize("seed", SEEDS)
def test_identifiers_valid_and_unique(runs: dict[int, Path], seed: int) -> None:
    reg = Registry.read(runs[seed])
    assert len(reg.entities) == SIZE
    org_codes = set()
    for uscc, e in reg.entities.items():
        assert validate_uscc(uscc) == uscc
        assert uscc[:2] in USCC_PREFIXES[e["org_type"]]
        first = min(reg.regs[uscc])
        assert uscc[2:8] == first[2], "USCC region is the first registration's"
        assert e["region_code"] == max(reg.regs[uscc])[2], "entity region is the latest"
        validate_region_code(e["region_code"])
        assert e["region_code"][:2] not in {"71", "81", "82", "99"}
        org_codes.add(uscc[8:17])
    assert len(org_codes) == len(reg.entities)
    ids = [row["person_id"] for row in rows(runs[seed] / "persons.csv")]
    assert len(ids) == len(set(ids))
    for pid in ids:
        assert validate_resident_id(pid) == pid
        assert date(1950, 1, 1) <= date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14]))
        assert int(pid[6:10]) <= 2000
    for r in reg.records:
        validate_region_code(r["region_code"])


@pytest.mark.parametrize("seed", SEEDS)
def test_referential_integrity_and_vocabularies(runs: dict[int, Path], seed: int) -> None:
    reg = Registry.read(runs[seed])
    for e in reg.entities.values():
        assert e["org_type"] in ORG_TYPES
        assert e["name"]
        if e["deregistered_on"]:
            assert e["deregistered_on"] >= e["registered_on"]
        if e["superior_uscc"]:
            assert reg.entities[e["superior_uscc"]]["org_type"] == "state_organ"
        if e["org_type"] == "state_owned_enterprise":
            assert e["superior_uscc"]
    tops = [e for e in reg.entities.values()
            if e["org_type"] == "state_organ" and not e["superior_uscc"]]  # fmt: skip
    assert len(tops) == len({e["region_code"][:2] for e in tops}), "one top per province"
    assert all(e["name"].endswith("人民政府") for e in tops)
    for uscc, roles in reg.roles_of_entity.items():
        assert uscc in reg.entities
        registered = date.fromisoformat(reg.entities[uscc]["registered_on"])
        for pid, role, since, until in roles:
            assert pid in reg.persons and role in ROLES
            assert since >= registered and (until is None or until >= since)
        reps = sorted((s, e) for _, role, s, e in roles if role == "legal_rep")
        for (_, e1), (s2, _) in itertools.pairwise(reps):
            assert e1 is not None and s2 == e1 + timedelta(days=1), "reps follow on"
    for uscc, holdings in reg.held_by.items():
        assert uscc in reg.entities
        for holder_type, holder, bp, since, until in holdings:
            assert (
                (holder in reg.persons)
                if holder_type == "person"
                else (holder_type == "entity" and holder in reg.entities)
            )
            assert 0 < bp <= 10000 and (until is None or until >= since)
    for uscc, periods in reg.regs.items():
        assert uscc in reg.entities
        periods.sort()
        assert periods[0][0] == date.fromisoformat(reg.entities[uscc]["registered_on"])
        for (_, e1, _), (s2, _, _) in itertools.pairwise(periods):
            assert e1 is not None and s2 == e1 + timedelta(days=1)
    assert set(reg.regs) == set(reg.entities)
    kinds = set()
    for r in reg.records:
        kinds.add(r["kind"])
        assert r["kind"] in KINDS and r["status"] in STATUSES and r["authority"]
        if r["subject_type"] == "entity":
            assert r["subject_id"] in reg.entities
        else:
            assert r["subject_type"] == "person" and r["subject_id"] in reg.persons
        if r["kind"] == "market_ban":
            assert r["sector"]
        if r["status"] in {"repaired", "revoked", "removed"}:
            assert r["status_on"] > r["decided_on"]
        if r["effective_to"]:
            assert r["effective_to"] > (r["effective_from"] or r["decided_on"])
        if r["kind"] == "market_ban" and r["sector"] != "food_drug":
            assert r["effective_to"], "a ban without a default term has an end (or 9999-12-31)"
        if r["kind"] == "procurement_dishonest":
            start = date.fromisoformat(r["decided_on"])
            end = date.fromisoformat(r["effective_to"])
            assert start < end <= start.replace(year=start.year + 3)
        if r["kind"] == "dishonest_judgment_debtor":
            assert r["ground"] in {"1", "2", "3", "4", "5", "6"}
        if r["kind"] == "major_tax_violation":
            assert r["published_on"] >= r["decided_on"]
        if r["kind"] == "administrative_penalty":
            assert r["penalty_type"] in PENALTY_TYPES
            assert bool(r["amount_yuan"]) == (r["penalty_type"] == "fine")
        assert not r["published_on"] or r["decided_on"] <= r["published_on"] <= "2026-06-30"
        assert not r["offence_on"] or r["offence_on"] < r["decided_on"]
        assert r["able_but_refuses"] in ({"true", "false"} if r["kind"] == "joint_punishment_list"
                                         else {""})  # fmt: skip
    assert kinds == KINDS
    assert sum(bool(r["published_on"]) for r in reg.records) > 0.8 * len(reg.records)
    assert any(r["effective_to"] == FOREVER for r in reg.records), "a life ban"
    assert {r["subject_type"] for r in reg.records} == {"entity", "person"}


@pytest.mark.parametrize("seed", SEEDS)
def test_percent_per_entity_at_most_100(runs: dict[int, Path], seed: int) -> None:
    reg = Registry.read(runs[seed])
    for holdings in reg.held_by.values():
        for _, _, _, when, _ in holdings:
            total = sum(bp for _, _, bp, s, e in holdings if covers(s, e, when))
            assert total <= 10000


@pytest.mark.slow  # ~5 s over its cases
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reading", sorted(READINGS))
def test_truth_is_complete(runs: dict[int, Path], seed: int, reading: str) -> None:
    """Every relocation finding the rules produce on the files is in truth.json, and only those."""
    reg = Registry.read(runs[seed])
    truth = load_truth(runs[seed])
    found, want = detect(reg, reading), expected(truth)
    for pattern in found:
        for lv in LEVELS:
            missing = found[pattern][lv] - want[pattern][lv]
            extra = want[pattern][lv] - found[pattern][lv]
            assert not missing, f"{pattern}@{lv}: not in truth.json: {sorted(missing)[:3]}"
            assert not extra, f"{pattern}@{lv}: in truth.json but not found: {sorted(extra)[:3]}"


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_cases_live_on_generated_on(runs: dict[int, Path], seed: int) -> None:
    """Relocation cases are also the flags live on the as-of date: their records still apply."""
    truth = load_truth(runs[seed])
    records = {r["record_id"]: r for r in rows(runs[seed] / "records.csv")}
    as_of = truth["generated_on"]
    for c in truth["cases"]:
        if c["pattern"] in {"phoenix", "migration", "serial"}:
            for rid in c.get("record_ids", [c.get("record_id")]):
                r = records[rid]
                assert r["status"] in {"active", "disputed"}
                assert not r["effective_to"] or r["effective_to"] > as_of
            assert max(c.get("became_on", ""), c.get("moved_on", "")) <= as_of


# RULES §3 edition 2: the capacities each list reaches by role (named persons: every list).
REACHED_BY_ROLE = {
    "dishonest_judgment_debtor": {"legal_rep", "principal", "direct_responsible",
                                  "actual_controller"},
    "consumption_restriction": {"legal_rep", "principal", "direct_responsible",
                                "actual_controller"},
    "major_tax_violation": {"legal_rep", "principal", "financial_officer", "direct_responsible"},
    "market_ban": {"legal_rep"},
}  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_relocations_hold_under_edition_2(runs: dict[int, Path], seed: int) -> None:
    """Each planted phoenix and serial person is reached by the record under RULES §4 edition 2
    (named, or holding a capacity the list reaches on the decision day, or — 失信 only — the
    inferred controller), and each triggering record is still live on the as-of date under
    §2 (a 失信 listing on ground (一), no default term to run out)."""
    reg = Registry.read(runs[seed])
    truth = load_truth(runs[seed])
    records = {r["record_id"]: r for r in reg.records}
    named: dict[str, set[str]] = defaultdict(set)
    for n in rows(runs[seed] / "record_persons.csv"):
        named[n["record_id"]].add(n["person_id"])

    def reached(person: str, rid: str) -> bool:
        r = records[rid]
        d = date.fromisoformat(r["offence_on"] or r["decided_on"])
        caps = REACHED_BY_ROLE.get(r["kind"], set())
        if r["kind"] == "market_ban" and r["sector"] == "food_drug":
            caps = caps | {"direct_responsible"}
        holds = any(p == person and role in caps and covers(s, e, d)
                    for p, role, s, e in reg.roles_of_entity[r["subject_id"]])  # fmt: skip
        inferred = r["kind"] == "dishonest_judgment_debtor" and person in (
            reg.inferred_controllers(r["subject_id"], d)
        )
        return person in named[rid] or holds or inferred

    for c in truth["cases"]:
        if c["pattern"] not in {"phoenix", "serial"}:
            continue
        for rid in c.get("record_ids", [c.get("record_id")]):
            assert reached(c["person_id"], rid), (c["id"], rid)
            r = records[rid]
            assert r["kind"] != "dishonest_judgment_debtor" or r["ground"] == "1"
            assert r["kind"] != "market_ban" or r["effective_to"] > truth["generated_on"]


def test_truth_covers_every_variant(runs: dict[int, Path]) -> None:
    truth = load_truth(runs[1])
    assert truth["seed"] == 1 and truth["entities"] == SIZE
    assert truth["generated_on"] == "2026-06-30"
    cases = truth["cases"]
    assert len({c["id"] for c in cases}) == len(cases)
    by = defaultdict(list)
    for c in cases:
        by[c["pattern"]].append(c)
    assert truth["counts"] == {p: len(v) for p, v in by.items()}
    phoenix = by["phoenix"]
    assert {c["via"] for c in phoenix} == {"office", "control"}
    assert {"county", "city", "province"} == {c["levels"][-1] for c in phoenix}
    assert "inferred_controller" in {c["from_role"] for c in phoenix}
    assert {c["levels"][-1] for c in by["migration"]} == {"county", "city", "province"}
    assert any(len(c["record_ids"]) == 3 for c in by["serial"])
    assert {c["depth"] for c in by["control_chain"]} == {2, 3, 4}
    for pattern in ("phoenix", "migration", "serial", "control_chain",
                    "new_legal_rep_after_decision", "decoy"):  # fmt: skip
        assert len(by[pattern]) >= 5, pattern
    assert {c["variant"] for c in by["law"]} == set(LAW_VARIANTS)


def test_law_cases_cover_every_kind_event_and_window(runs: dict[int, Path]) -> None:
    """The law cases plant every list kind, every event, terms ending, both sides of each law
    window, large fines, life bans and 29 February starts, each with an answer to check."""
    d = runs[1]
    law = [c for c in load_truth(d)["cases"] if c["pattern"] == "law"]
    records = {r["record_id"]: r for r in rows(d / "records.csv")}
    planted = [records[rid] for c in law for rid in c["record_ids"]]
    assert {r["kind"] for r in planted} == KINDS
    events = [
        e
        for e in rows(d / "record_events.csv")
        if e["record_id"] in {r["record_id"] for r in planted}
    ]
    assert {e["event"] for e in events} == EVENTS
    assert {"performed", "settled", "upheld", "revoked"} <= {e["outcome"] for e in events}
    named = {n["capacity"] for n in rows(d / "record_persons.csv")}
    assert {"direct_responsible", "financial_officer", "legal_rep"} <= named
    assert any(r["offence_on"] for r in planted)
    assert any(r["decided_on"][5:] == "02-29" for r in planted)
    assert any(r["effective_to"] == FOREVER for r in planted)
    assert any(r["kind"] == "market_ban" and r["sector"] == "food_drug" and not r["effective_to"]
               for r in planted)  # fmt: skip
    fines = [int(r["amount_yuan"]) for r in planted if r["amount_yuan"]]
    assert any(f >= 2_000_000 for f in fines) and any(f < 2_000_000 for f in fines)
    checks = [ch for c in law for ch in c["checks"]]
    days = {(ch["action"], ch["on"]) for ch in checks}
    assert ("serve_as_officer:company", "2024-06-30") in days
    assert ("serve_as_officer:company", "2024-07-01") in days
    assert ("government_procurement", "2022-02-08") in days
    assert {"prohibitions", "considerations", "advisories"} == {
        k for ch in checks for k in ("prohibitions", "considerations", "advisories") if ch[k]
    }
    for ch in checks:
        assert ch["allowed"] == (not ch["prohibitions"])
        assert ch["on"] <= "2026-06-30"


@pytest.mark.parametrize("seed", SEEDS)
def test_named_persons_and_events_point_at_what_exists(runs: dict[int, Path], seed: int) -> None:
    reg = Registry.read(runs[seed])
    records = {r["record_id"]: r for r in reg.records}
    for n in rows(runs[seed] / "record_persons.csv"):
        assert n["record_id"] in records and n["person_id"] in reg.persons
        assert n["capacity"] in ROLES
    for e in rows(runs[seed] / "record_events.csv"):
        r = records[e["record_id"]]
        assert e["event"] in EVENTS and e["outcome"] in OUTCOMES
        assert r["decided_on"] < e["on"] <= "2026-06-30"
        if e["event"] in {"release_person", "add_person", "permit"}:
            assert e["person_id"] in reg.persons
        if e["event"] in {"extend", "permit"}:
            assert e["effective_to"] >= e["on"]


def test_inspector_pool_covers_every_entity(runs: dict[int, Path]) -> None:
    """The double-random draw finds two or more inspectors for every entity's region."""
    from graph_service.engine.evaluation.sampling import read_inspectors

    pool = read_inspectors(runs[1] / "inspectors.csv")
    assert len({i["inspector_id"] for i in pool}) == len(pool) > 100
    for e in rows(runs[1] / "entities.csv"):
        mine = [i for i in pool if e["region_code"].startswith(i["region_prefix"])]
        assert len(mine) >= 2, e["region_code"]


@pytest.mark.parametrize("seed", SEEDS)
def test_control_chains_and_new_reps(runs: dict[int, Path], seed: int) -> None:
    reg = Registry.read(runs[seed])
    truth = load_truth(runs[seed])
    records = {r["record_id"]: r for r in reg.records}
    for c in truth["cases"]:
        if c["pattern"] == "control_chain":
            as_of = date.fromisoformat(c["as_of"])
            target = c["target_uscc"]
            declared = [p for p, role, s, e in reg.roles_of_entity[target]
                        if role == "actual_controller" and covers(s, e, as_of)]  # fmt: skip
            assert not declared
            assert reg.inferred_controllers(target, as_of) == {c["controller_person_id"]}
            assert set(c["chain"][1:]) <= reg.controlled_by(c["chain"][0], as_of)
            assert effective(reg, c["controller_person_id"], target, as_of) == pytest.approx(
                c["effective_percent"], abs=1e-3
            )
        elif c["pattern"] == "new_legal_rep_after_decision":
            r = records[c["record_id"]]
            d = date.fromisoformat(c["decided_on"])
            assert r["kind"] == "dishonest_judgment_debtor" and r["ground"] == "1"
            assert r["status"] in {"active", "disputed"}
            assert c["person_id"] not in reg.responsible(c["uscc"], d)
            assert c["previous_person_id"] in reg.responsible(c["uscc"], d)
            assert date.fromisoformat(c["start_date"]) > d


def effective(reg: Registry, person: str, target: str, d: date) -> float:
    """RULES.md effective ownership, (I − A)⁻¹ − I, over the owners above ``target``."""
    nodes = sorted(reg.owners_above(target) | {target})
    at = {n: i for i, n in enumerate(nodes)}
    a = np.zeros((len(nodes), len(nodes)))
    for held in nodes:
        for _, holder, bp, s, e in reg.held_by.get(held, []):
            if covers(s, e, d) and holder in at:
                a[at[holder], at[held]] += bp / 10000
    e_matrix = np.linalg.inv(np.eye(len(nodes)) - a) - np.eye(len(nodes))
    return round(float(e_matrix[at[person], at[target]]) * 100, 4)


def test_realistic_shape(runs: dict[int, Path]) -> None:
    reg = Registry.read(runs[1])
    types: dict[str, int] = defaultdict(int)
    for e in reg.entities.values():
        types[e["org_type"]] += 1
    assert set(types) == ORG_TYPES
    assert types["enterprise"] > types["individual_business"] > types["farmer_coop"]
    provinces: dict[str, int] = defaultdict(int)
    for e in reg.entities.values():
        provinces[e["region_code"][:2]] += 1
    assert provinces["44"] > provinces["54"]
    assert any(h[0] == "entity" for hs in reg.held_by.values() for h in hs)
    moved = [u for u, p in reg.regs.items() if len(p) > 1]
    assert len(moved) > SIZE * 0.01
    cycles = [
        (a, b)
        for a, hs in reg.held_by.items()
        for t, b, *_ in hs
        if t == "entity" and any(h[1] == a for h in reg.held_by.get(b, []))
    ]
    assert cycles, "some cross-holdings"


# -- the engine against the law cases, on both stores -----------------------------------------


@pytest.fixture(scope="module")
def law_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth-law")
    generate(d, 600, 5, progress=False)
    return d


def engine_on(store: GraphStore, d: Path) -> RestrictionEngine:
    report = load_directory(d, store, RING, progress=False)
    assert report.rejected == 0, report.to_dict()
    return RestrictionEngine(store)


def answer(engine: RestrictionEngine, ch: dict[str, Any]) -> dict[str, Any]:
    """The engine's answer in the form of a truth.json check."""
    s = ch["subject"]
    key = s["id"] if s["type"] == "entity" else RING.key(s["id"])
    r = engine.check(s["type"], key, ch["action"], ch["on"])
    return {
        "allowed": r.allowed,
        "prohibitions": sorted(f.measure.id for f in r.prohibitions),
        "considerations": sorted(f.measure.id for f in r.considerations),
        "advisories": sorted(f.measure.id for f in r.advisories),
    }


def mismatches(engine: RestrictionEngine, cases: list[dict[str, Any]]) -> list[str]:
    out = []
    for c in cases:
        for ch in c["checks"]:
            got = answer(engine, ch)
            want = {k: ch[k] for k in got}
            if got != want:
                what = f"{ch['subject']['type']} {ch['action']} on {ch['on']}"
                out.append(f"{c['id']} {c['variant']}: {what}: RULES {want}, engine {got}")
    return out


def law_cases(d: Path) -> list[dict[str, Any]]:
    return [c for c in load_truth(d)["cases"] if c["pattern"] == "law"]


def test_engine_answers_every_law_case_as_the_rules_do(
    store: GraphStore, law_registry: Path
) -> None:
    engine = engine_on(store, law_registry)
    cases = law_cases(law_registry)
    assert {c["variant"] for c in cases} == set(LAW_VARIANTS)
    assert sum(len(c["checks"]) for c in cases) > 100
    assert mismatches(engine, cases) == []


def test_identifier_factory_issues_more_people_than_one_region_holds() -> None:
    # Two days of birth dates hold 2,000 people per region: a registry of several regions
    # has more people than that, all distinct and valid; one region alone runs out.
    factory = IdentifierFactory(7, date(1990, 1, 1), date(1990, 1, 2))
    issued = [factory.resident_id(code)[0] for code in ("110101", "310101") for _ in range(2000)]
    assert len(set(issued)) == 4000
    assert all(validate_resident_id(pid) for pid in issued)
    with pytest.raises(OverflowError, match="110101"):
        factory.resident_id("110101")
