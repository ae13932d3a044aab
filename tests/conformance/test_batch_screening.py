"""Batch screening answers exactly as one check at a time does, on every store, from one store
read per batch (one query per chunk of subjects on Neo4j)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.engine.measures import catalogue
from graph_service.engine.models import CheckResult
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.errors import DomainError
from graph_service.ids.resident_id import mask_id_numbers
from graph_service.services.access import Access, Principal
from graph_service.services.checks import check, check_batch
from graph_service.services.models import BatchItem
from graph_service.stores.base import (
    MATERIALS_CHUNK,
    GraphStore,
    MaterialRequest,
    SubjectKind,
)
from loaders.load import load_directory
from tests.conftest import NEO4J_URI, RING
from tests.factories import Scenario, pid, uscc

ON = "2022-06-01"
#: One action of each reach a check of a person reads (see Catalogue.reach_needed).
BY_REACH = {"all": "consumption:air", "named": "bid_tender", "none": "issue_bonds"}
Item = tuple[SubjectKind, str, str]


def _world(store: GraphStore, tmp_path: Path) -> dict[str, str]:
    """Persons reached through an office, a holding chain and a naming record; entities with
    and without records."""
    s = Scenario()
    x, h, y = s.entity("甲公司"), s.entity("控股公司"), s.entity("乙公司")
    p, q, r = s.person("张伟"), s.person("王芳"), s.person("李娜")
    s.role(p, x, "legal_rep", "2015-01-01", "2021-05-01")
    s.role(q, x, "principal", "2015-01-01")
    s.holds(p, h, 60)
    s.holds(h, y, 70)
    s.record(x, "dishonest_judgment_debtor", "2021-03-10", ground="1")
    r2 = s.record(y, "market_ban", "2021-03-10", sector="food_drug")
    s.names(r2, p, "direct_responsible")
    s.record(p, "consumption_restriction", "2022-01-01")
    t = s.entity("税务公司")
    r3 = s.record(t, "major_tax_violation", "2022-01-01", published_on="2022-02-01")
    s.names(r3, q, "financial_officer")
    r4 = s.record(t, "joint_punishment_list", "2021-06-01")
    s.names(r4, r, "direct_responsible")
    report = load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    assert report.rejected == 0
    return {"x": x, "h": h, "y": y, "t": t, "p": p, "q": q, "r": r}


def _pool(ids: Mapping[str, str]) -> list[Item]:
    """Every subject of the world with an action of each reach, unknown subjects and an
    action the catalogue does not define."""
    subjects: list[tuple[SubjectKind, str]] = [
        *(("entity", ids[n]) for n in ("x", "h", "y", "t")),
        *(("person", RING.key(ids[n])) for n in ("p", "q", "r")),
        ("entity", uscc(999)),  # a valid USCC no one loaded
        ("person", RING.key(pid(999, born=dt.date(1990, 5, 5)))),
    ]
    return [(k, key, a) for k, key in subjects for a in [*BY_REACH.values(), "fly"]]


def _one_by_one(engine: RestrictionEngine, item: Item) -> CheckResult | DomainError:
    try:
        return engine.check(*item, on=ON)
    except DomainError as exc:
        return exc


def _same(got: CheckResult | DomainError, expected: CheckResult | DomainError) -> bool:
    if isinstance(expected, DomainError):
        return type(got) is type(expected) and str(got) == str(expected)
    return isinstance(got, CheckResult) and got.model_dump() == expected.model_dump()


def test_the_actions_chosen_read_each_reach() -> None:
    cat = catalogue()
    assert {cat.reach_needed([a]): r for r, a in BY_REACH.items()} == {r: r for r in BY_REACH}


def test_a_batch_answers_every_item_as_one_check_does(store: GraphStore, tmp_path: Path) -> None:
    ids = _world(store, tmp_path)
    engine = RestrictionEngine(store)
    pool = _pool(ids)
    items = [*pool, *pool[::3]]  # every item, and a third of them again
    got = engine.check_many(items, ON)
    expected = [_one_by_one(engine, item) for item in items]
    assert len(got) == len(items)
    for item, g, e in zip(items, got, expected, strict=True):
        assert _same(g, e), item
    findings = [
        f
        for e in expected
        if isinstance(e, CheckResult)
        for f in [*e.prohibitions, *e.considerations, *e.advisories]
    ]
    assert {f.reached_as for f in findings} == {"subject", "roles", "named"}


def test_any_batch_in_any_order_answers_as_one_check_at_a_time(
    store: GraphStore, tmp_path: Path
) -> None:
    engine = RestrictionEngine(store)
    pool = _pool(_world(store, tmp_path))
    expected = {item: _one_by_one(engine, item) for item in pool}

    @settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(pool), max_size=40))
    def answers_alike(items: list[Item]) -> None:
        got = engine.check_many(items, ON)
        assert all(_same(g, expected[i]) for i, g in zip(items, got, strict=True))

    answers_alike()


def test_materials_of_many_are_each_ones_material_and_leave_out_the_unknown(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _world(store, tmp_path)
    known: list[MaterialRequest] = [
        (kind, key, reach)
        for kind, key in (
            ("entity", ids["x"]),
            ("entity", ids["t"]),
            ("person", RING.key(ids["p"])),
            ("person", RING.key(ids["q"])),
        )
        for reach in ("all", "named", "none")
    ]
    unknown: list[MaterialRequest] = [("entity", uscc(999), "none"), ("person", "nobody", "all")]
    got = store.materials([*known, *unknown, *known])
    assert got == {r: store.material(*r) for r in known}
    assert store.materials([]) == {}


def test_a_batch_answers_bad_items_alone_masks_them_and_audits_the_persons(
    store: GraphStore, tmp_path: Path
) -> None:
    ids = _world(store, tmp_path)
    audit = _Audit()
    access = Access(Principal("screener", "regulator"), None, audit, RING)
    wrong = ids["p"][:-1] + ("1" if ids["p"][-1] != "1" else "2")  # a bad check digit
    subjects = [ids["x"], ids["p"], "91350100M000100Y44", wrong, ids["q"]]
    items = [BatchItem(subject=s, action=a) for s in subjects for a in BY_REACH.values()]
    items.append(BatchItem(subject=ids["x"], action="fly"))

    @contextmanager
    def stores() -> Iterator[GraphStore]:
        yield store

    answers = check_batch(stores, access, items, ON)
    assert [a.index for a in answers] == list(range(len(items)))
    for item, answer in zip(items, answers, strict=True):
        try:
            expected = check(store, access, item.subject, item.action, ON)
        except DomainError as exc:
            assert answer.result is None and answer.error == mask_id_numbers(exc.reason)
            assert wrong not in answer.error
            continue
        assert answer.result is not None and answer.allowed == expected.allowed
        assert answer.result.model_dump() == expected.model_dump()
    batch = [e for e in audit.entries if e["action"] == "check.batch"]
    assert batch == [
        {
            "action": "check.batch",
            "what": {"person_keys": [RING.key(ids[n]) for n in ("p",) * 3 + ("q",) * 3], "on": ON},
        }
    ]


def _asked_by_subject(ids: Mapping[str, str]) -> list[tuple[str, str]]:
    """(subject as typed, action): every subject of the world by USCC or ID number, one no one
    loaded, an ID number with a bad check digit, and an action the catalogue does not define."""
    wrong = ids["p"][:-1] + ("1" if ids["p"][-1] != "1" else "2")
    subjects = [*ids.values(), "91350100M000100Y44", wrong]
    return [(s, a) for s in subjects for a in [*BY_REACH.values(), "fly"]]


def test_concurrent_checks_answer_as_one_check_at_a_time(store: GraphStore, tmp_path: Path) -> None:
    """Checks asked at once (Neo4j reads them together, stores/coalesce.py) answer as the same
    checks asked one by one: found, not found, a bad subject, a bad action; persons audited."""
    ids = _world(store, tmp_path)
    asked = _asked_by_subject(ids)

    def one(audit: _Audit, subject: str, action: str) -> CheckResult | DomainError:
        access = Access(Principal("checker", "regulator"), None, audit, RING)
        try:
            with held:
                return check(store, access, subject, action, ON)
        except DomainError as exc:
            return exc

    held: Any = nullcontext()
    alone, together = _Audit(), _Audit()
    expected = [one(alone, s, a) for s, a in asked]
    # the service reads an embedded store under its lock (api/state.py): here too
    held = threading.Lock() if store.backend == "embedded" else nullcontext()
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda sa: one(together, *sa), asked * 3))
    for (s, a), g, e in zip(asked * 3, got, expected * 3, strict=True):
        assert _same(g, e), (s, a)
    assert sorted(map(str, together.entries)) == sorted(map(str, alone.entries * 3))


class _Audit:
    """An audit log in memory."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def append(
        self, *, user: str, role: str, action: str, what: Mapping[str, Any], client: str | None
    ) -> dict[str, Any]:
        self.entries.append({"action": action, "what": dict(what)})
        return {}


# -- Neo4j: one round trip per chunk ------------------------------------------------------------


class _CountingDriver:
    """The real driver, counting the queries and sessions asked of it."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.asked = 0

    def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        self.asked += 1
        return self._driver.execute_query(*args, **kwargs)

    def session(self, *args: Any, **kwargs: Any) -> Any:
        self.asked += 1
        return self._driver.session(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)


@pytest.mark.neo4j
def test_neo4j_reads_a_batch_in_one_query_per_chunk_of_subjects(
    neo4j_driver: Any, tmp_path: Path
) -> None:
    from graph_service.stores.neo4j import Neo4jStore
    from tests.conftest import _wipe

    _wipe(neo4j_driver)
    counting = _CountingDriver(neo4j_driver)
    store = Neo4jStore(str(NEO4J_URI), driver=counting)
    ids = _world(store, tmp_path)
    engine = RestrictionEngine(store)
    pool = _pool(ids)

    def queries(items: Sequence[Item]) -> int:
        counting.asked = 0
        engine.check_many(items, ON)
        return counting.asked

    # subjects read as "none" (entities; persons asked what reaches no one) in one lean query,
    # the others in the full one
    assert queries(pool) == 2
    assert queries([i for i in pool if i[0] == "entity"]) == 1
    assert queries([i for i in pool if i[0] == "person" and i[2] != BY_REACH["none"]]) == 1
    strangers: list[Item] = [
        ("person", f"stranger-{n}", "bid_tender") for n in range(MATERIALS_CHUNK)
    ]
    assert queries([*pool, *strangers]) == 3
    assert queries([]) == 0


class _HeldDriver(_CountingDriver):
    """The counting driver whose first query waits for ``gate``."""

    def __init__(self, driver: Any) -> None:
        super().__init__(driver)
        self.gate = threading.Event()
        self.gate.set()

    def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        self._hold()
        return super().execute_query(*args, **kwargs)

    def session(self, *args: Any, **kwargs: Any) -> Any:
        self._hold()
        return super().session(*args, **kwargs)

    def _hold(self) -> None:
        if self.asked == 0:
            self.gate.wait(10)


@pytest.mark.neo4j
def test_neo4j_reads_checks_asked_at_once_in_one_query(neo4j_driver: Any, tmp_path: Path) -> None:
    """While one check's read is in flight, the checks that arrive queue and are read together
    in one batch when it returns (the batch-screening read: one query for the subjects read
    as "none", one for the others)."""
    from graph_service.stores.neo4j import Neo4jStore
    from tests.conftest import _wipe

    _wipe(neo4j_driver)
    held = _HeldDriver(neo4j_driver)
    store = Neo4jStore(str(NEO4J_URI), driver=held)
    pool = [i for i in _pool(_world(store, tmp_path)) if i[2] != "fly"]
    engine = RestrictionEngine(store)
    expected = [_one_by_one(engine, item) for item in pool]
    held.gate.clear()
    held.asked = 0
    with ThreadPoolExecutor(len(pool)) as threads:
        futures = [threads.submit(_one_by_one, RestrictionEngine(store), item) for item in pool]
        time.sleep(0.5)  # the first read is held; the others queue behind it
        held.gate.set()
        got = [f.result() for f in futures]
    assert held.asked == 3  # the first check's read, then the others' in one batch (two queries)
    assert all(_same(g, e) for g, e in zip(got, expected, strict=True))
