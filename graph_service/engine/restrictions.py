"""Joint punishment checks: "may subject S do action A on date D?" (guideline clauses 十–十二).

The answer names every record that restricts the action, the measure and rule that fired,
and the path from the record's subject to S — each relationship with its role, dates and
source. Rules come from the measures list (:mod:`graph_service.engine.measures`); time rules
from :mod:`graph_service.engine.timeline`; inferred controllers from
:mod:`graph_service.engine.control`.

A person is reached through an entity's record when the person

* held a responsible role (legal_rep, principal, actual_controller) in it — on the decision
  date for the joint punishment list and market bans, on the date asked for dishonest
  judgment debtors; or
* is its actual controller inferred from holdings on that date, where the entity has no
  declared actual controller on that date (the answer is marked ``inferred``, with the chain).

Example
-------
>>> engine = RestrictionEngine(store)                          # doctest: +SKIP
>>> engine.check("person", key, "air_travel", "2024-06-01").allowed   # doctest: +SKIP
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_service.catalogue import label, label_en, label_zh, vocabulary
from graph_service.engine.control import (
    Control,
    control_on,
    holder_sid,
    holding_closure,
    target_sid,
)
from graph_service.engine.lifecycle import record_as_known
from graph_service.engine.measures import Catalogue, Rule, catalogue, validate_action
from graph_service.engine.models import CheckResult, MeasureRef, Reason, RecordRef, Step, SubjectRef
from graph_service.engine.timeline import in_force, record_applies
from graph_service.errors import NotFound
from graph_service.stores.base import GraphStore, SubjectKind, sid


def record_ref(rec: Mapping[str, Any]) -> RecordRef:
    """The record as evidence."""
    fields = RecordRef.model_fields
    return RecordRef(
        **{k: v for k, v in rec.items() if k in fields and v is not None},
        kind_label=label("kind", rec["kind"]),
    )


def concerns_step(rec: Mapping[str, Any], subject_name: str | None) -> Step:
    """The record → subject link."""
    return Step(
        type="CONCERNS",
        from_id="C:" + rec["record_id"],
        from_name=label("kind", rec["kind"]),
        to_id=sid(rec["subject_type"], rec["subject_key"]),
        to_name=subject_name,
        start_date=rec.get("effective_from") or rec["decided_on"],
        end_date=rec.get("effective_to"),
        source=rec.get("source"),
        batch_id=rec.get("batch_id"),
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


def _measure_ref(rule: Rule) -> MeasureRef:
    m = rule.measure
    return MeasureRef(code=m.code, zh=m.zh, en=m.en, category=m.category, basis=m.basis)


class RestrictionEngine:
    """Answers restriction checks over any store."""

    def __init__(self, store: GraphStore, measures: Catalogue | None = None) -> None:
        self.store = store
        self.catalogue = measures or catalogue()
        self._roles = vocabulary("role")
        self._known_at: str | None = None

    def check(
        self, kind: SubjectKind, key: str, action: str, on: str, known_at: str | None = None
    ) -> CheckResult:
        """May the subject do ``action`` on ``on``? Raises :class:`NotFound` for an unknown
        subject and ``UnknownAction`` for an action the measures list does not define.

        With ``known_at`` (a date or timestamp), records are taken as they were known then:
        the answer the service gave at that time.
        """
        validate_action(action)
        self._known_at = known_at
        node = self.store.entity(key) if kind == "entity" else self.store.person(key)
        if node is None:
            what = "市场主体" if kind == "entity" else "人员"
            raise NotFound(f"未找到{what}：{key}", f"no {kind} {key} in the store")
        me = sid(kind, key)
        reasons = [
            self._reason(rec, rule, [concerns_step(rec, node.get("name"))], on)
            for rec in self._records([me])
            if record_applies(rec, on)
            for rule in self.catalogue.rules_for(rec["kind"], "subject", action, rec.get("sector"))
        ]
        if kind == "person":
            reasons += self._through_entities(key, action, on)
        return CheckResult(
            subject=SubjectRef(
                type=kind, id=key, name=node.get("name"), id_masked=node.get("id_masked")
            ),
            action=action,
            on=on,
            allowed=not reasons,
            reasons=reasons,
            catalogue_version=self.catalogue.version,
        )

    def _records(self, sids: Iterable[str]) -> list[dict[str, Any]]:
        """Records concerning ``sids``, as known at ``known_at`` when one is set."""
        records = self.store.records_of(list(sids))
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
        now, and whether the earlier answer was wrong (a revocation or correction since)."""
        then = self.check(kind, key, action, on, known_at=known_at)
        now = self.check(kind, key, action, on)
        return {
            "then": then,
            "now": now,
            "was_right": then.summary() | {"on": on} == now.summary() | {"on": on},
        }

    def check_many(
        self, items: Iterable[tuple[SubjectKind, str, str]], on: str
    ) -> list[CheckResult]:
        """Batch screening: one answer per (kind, key, action), in order."""
        return [self.check(kind, key, action, on) for kind, key, action in items]

    def _through_entities(self, key: str, action: str, on: str) -> list[Reason]:
        kinds = {
            r.kind
            for r in self.catalogue.rules
            if r.reaches == "responsible_persons"
            and r.measure.restricts
            and action.partition(":")[0] in r.measure.restricts
        }
        if not kinds:
            return []  # no rule reaches persons for this action: as cheap as it gets
        me = sid("person", key)
        mine = [
            r
            for r in self.store.roles_of([me])
            if r["person_key"] == key and self._roles.get(r["role"], {}).get("responsible")
        ]
        down = holding_closure(self.store, [me], "down")
        candidates = {sid("entity", r["uscc"]) for r in mine} | {target_sid(e) for e in down}
        if not candidates:
            return []
        records = [
            rec
            for rec in self._records(candidates)
            if rec["kind"] in kinds and rec["subject_type"] == "entity" and record_applies(rec, on)
        ]
        if not records:
            return []
        declared = [
            r
            for r in self.store.roles_of({sid("entity", rec["subject_key"]) for rec in records})
            if r["role"] == "actual_controller"
        ]
        controls: dict[str, Control] = {}
        reasons: list[Reason] = []
        for rec in records:
            x = rec["subject_key"]
            for rule in self.catalogue.rules_for(
                rec["kind"], "responsible_persons", action, rec.get("sector")
            ):
                t = rec["decided_on"] if rule.role_time == "decided_on" else on
                name = None
                for role in mine:
                    if role["uscc"] == x and role["role"] in rule.roles and in_force(role, t):
                        name = role.get("entity_name")
                        path = [concerns_step(rec, name), role_step(role)]
                        reasons.append(self._reason(rec, rule, path, t))
                if "actual_controller" not in rule.roles or any(
                    r["uscc"] == x and in_force(r, t) for r in declared
                ):
                    continue
                if t not in controls:
                    controls[t] = control_on(me, down, t)
                chain = controls[t].chain(sid("entity", x))
                if chain:
                    name = chain[-1].get("entity_name")
                    path = [concerns_step(rec, name), *map(holding_step, chain)]
                    reasons.append(self._reason(rec, rule, path, t, inferred=True))
        return reasons

    def _reason(
        self,
        rec: Mapping[str, Any],
        rule: Rule,
        path: list[Step],
        judged_on: str,
        inferred: bool = False,
    ) -> Reason:
        ref = record_ref(rec)
        zh, en = _explain(ref, rule, path, judged_on, inferred)
        return Reason(
            record=ref,
            measure=_measure_ref(rule),
            rule_id=rule.id,
            reaches=rule.reaches,
            role_time=rule.role_time,
            judged_on=judged_on,
            inferred=inferred,
            disputed=ref.status == "disputed",
            path=path,
            explanation_zh=zh,
            explanation_en=en,
        )


def _explain(
    rec: RecordRef, rule: Rule, path: list[Step], judged_on: str, inferred: bool
) -> tuple[str, str]:
    subject = path[0].to_name or path[0].to_id
    kind_zh, kind_en = label_zh("kind", rec.kind), label_en("kind", rec.kind)
    what_zh = (
        f"{rec.authority or ''}于{rec.decided_on}将{subject}列入{kind_zh}（记录{rec.record_id}）"
    )
    what_en = (
        f"{rec.authority or 'the authority'} listed {subject} as "
        f"{kind_en} on {rec.decided_on} (record {rec.record_id})"
    )
    m = rule.measure
    if rule.reaches == "subject":
        return f"{what_zh}，适用{m.zh}。", f"{what_en}; {m.en} applies."
    person = path[1].from_name or path[1].from_id
    if inferred:
        return (
            f"{what_zh}；{person}于{judged_on}通过持股链实际控制该主体（推定实际控制人），适用{m.zh}。",
            f"{what_en}; on {judged_on} {person} controlled it through the holding chain "
            f"shown (inferred actual controller), so {m.en} applies.",
        )
    role = path[1].role or ""
    return (
        f"{what_zh}；{person}于{judged_on}担任其{label_zh('role', role)}，适用{m.zh}。",
        f"{what_en}; on {judged_on} {person} was its {label_en('role', role)}, so {m.en} applies.",
    )
