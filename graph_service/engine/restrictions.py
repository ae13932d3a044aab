"""Checks: "may subject S do action A on day D?" (guideline clauses 十–十二; RULES §1).

The answer has three kinds of findings, each naming the record, the catalogue's measure and
its legal basis, how S is reached and the dated path from the record's subject to S:

* **prohibitions** — a measure that takes the right away; ``allowed`` is false exactly when
  there is one;
* **considerations** — a management measure the case must weigh;
* **advisories** — a measure that might reach S, but a fact the law requires is not in the data
  (an inferred controller, a legal representative no record names, one who took office between
  offence and decision, a fact the law in force then needs).

Sources of findings: records about S (its subject measures), the derived procurement rule on
S's own records, and — for a person — the records that reach him (:mod:`.reach`). Time rules
come from :mod:`.timeline`, measures from :mod:`.measures`.

Example
-------
>>> engine = RestrictionEngine(store)                                   # doctest: +SKIP
>>> engine.check("person", key, "consumption:air", "2024-06-01").allowed   # doctest: +SKIP
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_service.catalogue import label, label_en, label_zh
from graph_service.engine.control import (
    Control,
    control_on,
    holder_sid,
    target_sid,
)
from graph_service.engine.lifecycle import record_as_known
from graph_service.engine.measures import (
    Catalogue,
    DerivedRule,
    Measure,
    catalogue,
    normalise_action,
)
from graph_service.engine.models import (
    CheckResult,
    Finding,
    FindingType,
    MeasureRef,
    RecordRef,
    Step,
    SubjectRef,
)
from graph_service.engine.reach import Controller, Reached, reach
from graph_service.engine.timeline import (
    add_years,
    decided_by,
    law_in_force,
    measure_applies,
    measure_last_day,
    permitted,
    person_held,
    recent,
    record_last_day,
    record_start,
    record_state,
)
from graph_service.errors import DomainError, NotFound
from graph_service.stores.base import (
    GraphStore,
    MaterialRequest,
    Reach,
    SubjectKind,
    SubjectMaterial,
    sid,
)


def record_ref(rec: Mapping[str, Any], cat: Catalogue | None = None) -> RecordRef:
    """The record as evidence."""
    fields = RecordRef.model_fields
    return RecordRef(
        **{k: v for k, v in rec.items() if k in fields and v is not None and k != "ground"},
        ground=str(rec["ground"]) if rec.get("ground") is not None else None,
        kind_label=label("kind", rec["kind"]),
        last_day=record_last_day(rec, cat),
    )


def concerns_step(rec: Mapping[str, Any], subject_name: str | None) -> Step:
    """The record → subject link."""
    return Step(
        type="CONCERNS",
        from_id="C:" + rec["record_id"],
        from_name=label("kind", rec["kind"]),
        to_id=sid(rec["subject_type"], rec["subject_key"]),
        to_name=subject_name,
        start_date=record_start(rec),
        end_date=record_last_day(rec),
        source=rec.get("source"),
        batch_id=rec.get("batch_id"),
    )


def names_step(named: Mapping[str, Any]) -> Step:
    """The record → a person it names (or a court added)."""
    return Step(
        type="NAMES",
        from_id="C:" + named["record_id"],
        to_id=sid("person", named["person_key"]),
        to_name=named.get("person_name"),
        role=named.get("capacity"),
        start_date=named.get("since"),
        source=named.get("source"),
        batch_id=named.get("batch_id"),
    )


def role_step(role: Mapping[str, Any]) -> Step:
    """A person's office in an entity."""
    return Step(
        type="ROLE",
        from_id=sid("person", role["person_key"]),
        from_name=role.get("person_name"),
        to_id=sid("entity", role["uscc"]),
        to_name=role.get("entity_name"),
        role=role["role"],
        start_date=role["start_date"],
        end_date=role.get("end_date"),
        source=role.get("source"),
        batch_id=role.get("batch_id"),
    )


def holding_step(h: Mapping[str, Any]) -> Step:
    """A holding by a person or an entity."""
    return Step(
        type="HOLDS",
        from_id=holder_sid(h),
        from_name=h.get("holder_name"),
        to_id=target_sid(h),
        to_name=h.get("entity_name"),
        percent=float(h["percent"]),
        start_date=h["start_date"],
        end_date=h.get("end_date"),
        source=h.get("source"),
        batch_id=h.get("batch_id"),
    )


def _measure_ref(m: Measure | DerivedRule, sector: str | None, before: bool) -> MeasureRef:
    if isinstance(m, DerivedRule):
        text, cites = m.basis_text(), m.basis
    else:
        text = m.basis_text(sector, before)
        cites = m.basis_before if before and m.basis_before else m.basis
    return MeasureRef(
        id=m.id, type=m.type, zh=m.zh, en=m.en, basis=text, citations=[c.to_dict() for c in cites]
    )


_ADVISE_WHY = {
    "inferred": (
        "仅为根据持股推定的实际控制人，措施是否及于其须由作出决定的机关认定",
        "an inferred controller only: whether the measure reaches him is for the deciding "
        "authority",
    ),
    "roles": (
        "记录未认定其个人责任，须由作出决定的机关认定",
        "no record names his personal responsibility: for the deciding authority",
    ),
    "late_office": (
        "违法行为发生后、决定作出前才任职，须由作出决定的机关认定",
        "took office between the offence and the decision: for the deciding authority",
    ),
    "before": (
        "行为发生时施行的法律所需事实（如债务数额）数据中没有",
        "the law in force then needs a fact the data lacks (such as the debt's size)",
    ),
    "amount": (
        "罚款数额未知或当时“较大数额”标准不在数据中",
        "the fine's amount, or the large-fine line in force then, is not in the data",
    ),
}


def _why(key: str) -> str:
    zh, en = _ADVISE_WHY[key]
    return f"{zh} / {en}"


def _reach(cat: Catalogue, kind: SubjectKind, actions: list[str]) -> Reach:
    """What a check of ``actions`` must read beyond the subject (a person only)."""
    return cat.reach_needed(actions) if kind == "person" else "none"


def material_request(
    kind: SubjectKind, key: str, action: str, measures: Catalogue | None = None
) -> MaterialRequest:
    """The one store read :meth:`RestrictionEngine.check` makes for this question (for a
    caller that reads concurrent checks' material together); ``UnknownAction`` for an
    action the catalogue does not define."""
    return (kind, key, _reach(measures or catalogue(), kind, [normalise_action(action)]))


class RestrictionEngine:
    """Answers checks over any store."""

    def __init__(self, store: GraphStore, measures: Catalogue | None = None) -> None:
        self.store = store
        self.catalogue = measures or catalogue()
        self._known_at: str | None = None

    def check(
        self,
        kind: SubjectKind,
        key: str,
        action: str,
        on: str,
        known_at: str | None = None,
        material: SubjectMaterial | None = None,
    ) -> CheckResult:
        """May the subject do ``action`` on ``on``? Raises :class:`NotFound` for an unknown
        subject and ``UnknownAction`` for an action the catalogue does not define.

        With ``known_at`` (a date or timestamp), records are taken as they were known then:
        the answer the service gave at that time. ``material``: what the store answered to
        :func:`material_request` (read by the caller, with other callers' reads), else it is
        read here.
        """
        return self.check_actions(kind, key, [action], on, known_at, material)[0]

    def check_actions(
        self,
        kind: SubjectKind,
        key: str,
        actions: Iterable[str],
        on: str,
        known_at: str | None = None,
        material: SubjectMaterial | None = None,
    ) -> list[CheckResult]:
        """One answer per action, reading the graph once (a person's page, a credit record),
        or not at all when ``material`` is what it would read."""
        asked = list(actions)
        names = [normalise_action(a) for a in asked]
        self._known_at = known_at
        if material is None:
            material = self.store.material(kind, key, reach=_reach(self.catalogue, kind, names))
        if material.node is None:
            raise _not_found(kind, key)
        return self._answers(kind, key, material.node, material, asked, names, on)

    def check_many(
        self, items: Iterable[tuple[SubjectKind, str, str]], on: str
    ) -> list[CheckResult | DomainError]:
        """Batch screening: one answer per (kind, key, action), in order, the same as
        :meth:`check` gives, from one store read for the whole batch
        (:meth:`GraphStore.materials`: one round trip per chunk on Neo4j). An item whose
        action the catalogue does not define, or whose subject the store does not hold, gets
        that error (:class:`UnknownAction`, :class:`NotFound`) in place of its answer; an
        error of the store itself fails the batch."""
        self._known_at = None
        planned: list[tuple[MaterialRequest, str, str] | DomainError] = []
        for kind, key, action in items:
            try:
                name = normalise_action(action)
            except DomainError as exc:
                planned.append(exc)
                continue
            planned.append(((kind, key, _reach(self.catalogue, kind, [name])), action, name))
        found = self.store.materials(p[0] for p in planned if not isinstance(p, DomainError))
        out: list[CheckResult | DomainError] = []
        for p in planned:
            if isinstance(p, DomainError):
                out.append(p)
                continue
            (kind, key, _), action, name = p
            material = found.get(p[0])
            if material is None or material.node is None:
                out.append(_not_found(kind, key))
                continue
            out += self._answers(kind, key, material.node, material, [action], [name], on)
        return out

    def _answers(
        self,
        kind: SubjectKind,
        key: str,
        node: Mapping[str, Any],
        material: SubjectMaterial,
        asked: list[str],
        names: list[str],
        on: str,
    ) -> list[CheckResult]:
        """The answer to each action (``asked``, catalogue ``names``) from the material read
        about the subject (``node``, found)."""
        kinds = frozenset().union(*(self.catalogue.person_kinds(a) for a in names))
        own = self._as_known(material.records)
        reached = self._reached(key, kinds, material) if kind == "person" and kinds else []
        return [
            self._answer(kind, key, node, own, reached, a, n, on)
            for a, n in zip(asked, names, strict=True)
        ]

    def _answer(
        self,
        kind: SubjectKind,
        key: str,
        node: Mapping[str, Any],
        own: list[dict[str, Any]],
        reached: list[tuple[dict[str, Any], Reached]],
        asked: str,
        action: str,
        on: str,
    ) -> CheckResult:
        findings = [
            f for rec in own for f in self._subject_findings(rec, node, kind, key, action, on)
        ]
        findings += self._derived(own, node, action, on)
        for rec, r in reached:
            findings += self._reached_findings(rec, r, key, action, on)
        by = {t: [f for f in findings if f.type == t] for t in _TYPES}
        return CheckResult(
            subject=SubjectRef(
                type=kind, id=key, name=node.get("name"), id_masked=node.get("id_masked")
            ),
            action=action,
            asked_action=asked if asked != action else None,
            on=on,
            allowed=not by["prohibition"],
            prohibitions=by["prohibition"],
            considerations=by["consideration"],
            advisories=by["advisory"],
            catalogue_version=self.catalogue.version,
        )

    def _as_known(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self._known_at is None:
            return records
        k = self._known_at
        out = []
        for rec in records:
            if rec["loaded_at"][: len(k)] > k:
                old = record_as_known(self.store, rec["record_id"], k)
                if old is None:
                    continue
                rec = old
            out.append(rec)
        return out

    def review(
        self, kind: SubjectKind, key: str, action: str, on: str, known_at: str
    ) -> dict[str, Any]:
        """What was answered for ``on`` with what was known at ``known_at``, what the answer is
        now, and whether the earlier answer was wrong (a revocation or correction since; a
        removal after ``on`` leaves it right)."""
        then = self.check(kind, key, action, on, known_at=known_at)
        now = self.check(kind, key, action, on)
        return {"then": then, "now": now, "was_right": then.allowed == now.allowed}

    # -- the subject's own records ------------------------------------------------------

    def _subject_findings(
        self,
        rec: Mapping[str, Any],
        node: Mapping[str, Any],
        kind: SubjectKind,
        key: str,
        action: str,
        on: str,
    ) -> list[Finding]:
        cat = self.catalogue
        sector = rec.get("sector")
        measures = [
            m
            for m in cat.measures_for(rec["kind"], action, sector)
            if m.to == "subject" and kind in m.subject_types and _when(m, rec)
        ]
        if not measures:
            return []
        state = record_state(rec, cat)
        out = []
        for m in measures:
            if not measure_applies(rec, m, on, state, cat):
                continue
            if permitted(state, key if kind == "person" else None, [action], on):
                continue
            typ, before = _under_law(m, on, m.type)
            if typ is None:
                continue
            path = [concerns_step(rec, node.get("name"))]
            why = _why("before") if typ == "advisory" else None
            until = measure_last_day(rec, m, state, cat)
            out.append(self._finding(typ, rec, m, "subject", None, on, path, until, before, why))
        return out

    def _derived(
        self, own: list[dict[str, Any]], node: Mapping[str, Any], action: str, on: str
    ) -> list[Finding]:
        out = []
        for rule in self.catalogue.derived:
            if not self.catalogue.derived_answers(rule, action):
                continue
            for rec in own:
                typ = _major_illegal(rule, rec, on)
                if typ is None:
                    continue
                why = _why("amount") if typ == "advisory" else None
                path = [concerns_step(rec, node.get("name"))]
                until = add_years(str(rec["decided_on"]), rule.window_years)
                out.append(
                    self._finding(typ, rec, rule, "subject", None, on, path, until, False, why)
                )
        return out

    # -- records that reach a person ----------------------------------------------------

    def _reached(
        self, key: str, kinds: frozenset[str], material: SubjectMaterial
    ) -> list[tuple[dict[str, Any], Reached]]:
        """The records of ``kinds`` that reach person ``key`` (RULES §4), with how."""
        cat = self.catalogue
        me = sid("person", key)
        down = material.down
        records = [
            r
            for r in self._as_known(material.entity_records)
            if r["kind"] in kinds and r["subject_type"] == "entity"
        ]
        have = {r["record_id"] for r in records}
        records += [
            r
            for r in self._as_known(material.named_records)
            if r["kind"] in kinds and r["record_id"] not in have
        ]
        if not records:
            return []
        named_all = material.record_named
        roles_x = material.entity_roles
        controls: dict[str, Control] = {}

        def inferred(uscc: str, day: str) -> list[Controller]:
            if day not in controls:
                controls[day] = control_on(me, down, day)
            chain = controls[day].chain(sid("entity", uscc))
            name = next((e.get("holder_name") for e in chain if holder_sid(e) == me), None)
            return [(key, name, chain)] if chain else []

        out = []
        for rec in records:
            rid = rec["record_id"]
            mine_named = [n for n in named_all if n["record_id"] == rid]
            out += [
                (rec, r)
                for r in reach(rec, mine_named, roles_x, inferred, cat)
                if r.person_key == key
            ]
        return out

    def _reached_findings(
        self, rec: Mapping[str, Any], r: Reached, key: str, action: str, on: str
    ) -> list[Finding]:
        cat = self.catalogue
        state = record_state(rec, cat)
        if not person_held(state, key, r.since, on):
            return []
        out = []
        for m in cat.measures_for(rec["kind"], action, rec.get("sector")):
            mode = m.reach.get(r.mode_key(), "none") if m.to == "persons" else "none"
            if mode == "none" or not _when(m, rec):
                continue
            if not measure_applies(rec, m, on, state, cat) or permitted(state, key, [action], on):
                continue
            typ, before = _under_law(m, on, m.type if mode == "apply" else "advisory")
            if typ is None:
                continue
            why = None
            if typ == "advisory":
                why = _why("before" if before and mode == "apply" else r.way)
            out.append(
                self._finding(
                    typ,
                    rec,
                    m,
                    r.way,
                    r.capacity,
                    r.fixed_on,
                    reach_path(rec, r),
                    measure_last_day(rec, m, state, cat),
                    before,
                    why,
                )
            )
        return out

    # -- findings ------------------------------------------------------------------------

    def _finding(
        self,
        typ: FindingType,
        rec: Mapping[str, Any],
        m: Measure | DerivedRule,
        way: Any,
        capacity: str | None,
        judged_on: str,
        path: list[Step],
        until: str | None,
        before: bool,
        why: str | None,
    ) -> Finding:
        """One finding of measure (or derived rule) ``m`` on ``rec``, as ``typ``."""
        ref = record_ref(rec, self.catalogue)
        zh, en = _explain(ref, m.zh, m.en, typ, path, way, capacity, judged_on)
        return Finding(
            type=typ,
            record=ref,
            measure=_measure_ref(m, rec.get("sector"), before),
            reached_as=way,
            capacity=capacity,
            judged_on=judged_on,
            until=until,
            disputed=ref.status == "disputed",
            advisory_reason=why,
            path=path,
            explanation_zh=zh,
            explanation_en=en,
        )


_TYPES: tuple[FindingType, ...] = ("prohibition", "consideration", "advisory")


def _not_found(kind: SubjectKind, key: str) -> NotFound:
    what = "市场主体" if kind == "entity" else "人员"
    return NotFound(f"未找到{what}：{key}", f"no {kind} {key} in the store")


def _when(m: Measure, rec: Mapping[str, Any]) -> bool:
    """The record facts a measure needs (``when``), e.g. ``able_but_refuses: true``."""
    return all(
        _truthy(rec.get(k)) == v if isinstance(v, bool) else rec.get(k) == v
        for k, v in m.when.items()
    )


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _under_law(m: Measure, on: str, typ: FindingType) -> tuple[FindingType | None, bool]:
    """The finding type under the law in force on ``on`` and whether the earlier text applies."""
    law = law_in_force(m, on)
    if law == "none":
        return None, False
    if law == "before":
        if m.before == "none":
            return None, True
        return ("advisory" if m.before == "advisory" else typ), True
    return typ, False


def _major_illegal(rule: DerivedRule, rec: Mapping[str, Any], on: str) -> FindingType | None:
    """Whether ``rec`` is a 重大违法记录 barring procurement on ``on`` (None: it is not)."""
    if (rec.get("status") or "active") == "revoked" or not decided_by(rec["decided_on"], on):
        return None
    if not recent(str(rec["decided_on"]), rule.window_years, on):
        return None
    for match in rule.records:
        if rec["kind"] != match.kind:
            continue
        if match.penalty_types and rec.get("penalty_type") not in match.penalty_types:
            continue
        if match.min_amount_yuan is None:
            return rule.type
        line = max(match.min_amount_yuan, rule.sector_amount_lines.get(rec.get("sector") or "", 0))
        amount = rec.get("amount_yuan")
        if amount is None:
            return "advisory"
        if float(amount) < line:
            continue
        if rule.amount_in_force_from and on < rule.amount_in_force_from:
            return "advisory"
        return rule.type
    return None


def reach_path(rec: Mapping[str, Any], r: Reached) -> list[Step]:
    """The dated path from ``rec``'s subject to the person it reaches, the way it reaches him."""
    subject_name = None
    steps: list[Step] = []
    if r.way in ("named", "added") and r.evidence:
        steps = [names_step(r.evidence[0])]
    elif r.way in ("roles", "late_office"):
        subject_name = r.evidence[0].get("entity_name")
        steps = [role_step(r.evidence[0])]
    elif r.way == "inferred":
        subject_name = r.evidence[-1].get("entity_name") if r.evidence else None
        steps = [holding_step(h) for h in r.evidence]
    return [concerns_step(rec, subject_name), *steps]


_KIND_ZH = {"prohibition": "禁止", "consideration": "作为考量因素", "advisory": "提示（须认定）"}
_KIND_EN = {
    "prohibition": "prohibits",
    "consideration": "is a consideration",
    "advisory": "is an advisory (for the deciding authority)",
}


def _explain(
    rec: RecordRef,
    m_zh: str,
    m_en: str,
    typ: FindingType,
    path: list[Step],
    way: str,
    capacity: str | None,
    judged_on: str,
) -> tuple[str, str]:
    subject = path[0].to_name or path[0].to_id
    kind_zh, kind_en = label_zh("kind", rec.kind), label_en("kind", rec.kind)
    what_zh = (
        f"{rec.authority or ''}于{rec.decided_on}对{subject}作出{kind_zh}记录（{rec.record_id}）"
    )
    what_en = (
        f"{rec.authority or 'the authority'} decided a {kind_en} record on {subject} "
        f"on {rec.decided_on} ({rec.record_id})"
    )
    tail_zh, tail_en = f"{m_zh}：{_KIND_ZH[typ]}", f"{m_en} {_KIND_EN[typ]}"
    if way == "subject":
        return f"{what_zh}；{tail_zh}。", f"{what_en}; {tail_en}."
    person = path[-1].from_name if way != "named" and way != "added" else path[-1].to_name
    person = person or (path[-1].to_id if way in ("named", "added") else path[-1].from_id)
    cap_zh = label_zh("role", capacity or "") if capacity else ""
    cap_en = label_en("role", capacity or "") if capacity else ""
    how_zh = {
        "named": f"记录认定{person}为{cap_zh}",
        "added": f"法院于{judged_on}将措施适用于{person}",
        "roles": f"{person}于{judged_on}担任其{cap_zh}",
        "late_office": f"{person}于违法行为后、{judged_on}决定时担任其{cap_zh}",
        "inferred": f"{person}于{judged_on}通过持股链控制该主体（推定实际控制人）",
    }[way]
    how_en = {
        "named": f"the record names {person} as {cap_en}",
        "added": f"the court extended it to {person} on {judged_on}",
        "roles": f"on {judged_on} {person} was its {cap_en}",
        "late_office": f"{person} became its {cap_en} after the offence, by the decision on "
        f"{judged_on}",
        "inferred": f"on {judged_on} {person} controlled it through the holding chain shown "
        "(inferred actual controller)",
    }[way]
    return f"{what_zh}；{how_zh}；{tail_zh}。", f"{what_en}; {how_en}; {tail_en}."
