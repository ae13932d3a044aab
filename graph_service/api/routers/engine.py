"""Joint punishment for regulators and investigators: the measures list (public), checks and
batch screening, relocation flags and flows, notices, personal credit records, and the record
life cycle for administrators. Handlers parse and call :mod:`graph_service.engine`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow, Principal
from graph_service.api.deps import access_of, store_of
from graph_service.api.routers import ERRORS, NOT_FOUND, IsoDate, On, on_or_today
from graph_service.api.service import Access
from graph_service.engine.flows import flow_matrix
from graph_service.engine.lifecycle import RecordEvent, apply_event
from graph_service.engine.measures import catalogue, normalise_action
from graph_service.engine.models import CheckResult, Flag
from graph_service.engine.notices import notices
from graph_service.engine.personal import personal_record
from graph_service.engine.relocations import detect_relocations
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.engine.subjects import resolve_subject
from graph_service.errors import DomainError
from graph_service.ids.resident_id import mask_id_numbers

router = APIRouter(prefix="/v1", tags=["joint punishment / 联合惩戒"])

Checkers = Annotated[Principal, Depends(Allow("investigator", "regulator"))]
FlagReaders = Annotated[Principal, Depends(Allow("investigator", "regulator"))]
Aggregates = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst"))]
Admins = Annotated[Principal, Depends(Allow("admin"))]
NoticeReaders = Annotated[Principal, Depends(Allow("investigator", "regulator", "admin"))]

Subject = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        description="统一社会信用代码、身份证号码或人员密钥 / USCC, ID number or person key",
        examples=["91130126T0000001XK"],
    ),
]
Action = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        description="行为，如 bid_tender、consumption:air、enter_sector:food_drug（第1版名称"
        "air_travel等仍可用）/ Action (edition-1 names are aliases); see GET /v1/measures",
        examples=["bid_tender"],
    ),
]
MAX_BATCH = 5000
#: Items answered per hold of the store (the embedded store answers one request at a time).
BATCH_SLICE = 100


@router.get(
    "/measures",
    summary="联合惩戒措施清单 / Measures list (public)",
    dependencies=[Depends(Audited(None, "the public measures list"))],
)
def measures() -> dict[str, Any]:
    """The catalogue in force (edition 2): for each record kind its start rule, default term,
    whom it reaches and its measures — prohibition or consideration, actions, the law's own
    dates, and the legal basis of each (article marked where unverified). Public: no key."""
    return catalogue().to_dict()


@router.get(
    "/check",
    response_model=CheckResult,
    summary="能否从事某行为 / May S do A on D?",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("check"))],
)
def check(
    request: Request,
    who: Checkers,
    subject: Subject,
    action: Action,
    on: On = None,
    known_at: Annotated[
        str | None,
        Query(max_length=32, description="按当时所知作答（日期或时间戳）/ Answer as known then"),
    ] = None,
) -> CheckResult:
    """``allowed``, and the findings in three kinds — ``prohibitions`` (``allowed`` is false
    exactly when there is one), ``considerations``, ``advisories`` — each with its record, the
    measure and its basis, how S is reached (and in which capacity) and the dated path from the
    record's subject to S (each relationship with its role, dates and source)."""
    access = access_of(request, who)
    kind, key = resolve_subject(subject, access.keyring)
    with store_of(request) as store:
        result = RestrictionEngine(store).check(
            kind, key, action, on_or_today(on), known_at=known_at
        )
    if kind == "person":
        access.log("check", {"person_keys": [key], "action": action, "on": result.on})
    return result


class BatchItem(BaseModel):
    """One question of a screening batch."""

    subject: str = Field(max_length=64, examples=["91130126T0000001XK"])
    action: str = Field(max_length=64, examples=["bid_tender"])


class BatchRequest(BaseModel):
    """A screening batch (a bidding platform sends its bidders)."""

    on: IsoDate | None = None
    items: list[BatchItem] = Field(max_length=MAX_BATCH)


class BatchAnswer(BaseModel):
    """One answer: the check, or why the question could not be answered."""

    index: int
    subject: str
    action: str
    allowed: bool | None = None
    result: CheckResult | None = None
    error: str | None = None


@router.post(
    "/check/batch",
    response_model=list[BatchAnswer],
    response_model_exclude_none=True,
    summary="批量筛查 / Batch screening",
    responses=ERRORS,
    dependencies=[Depends(Audited("check.batch"))],
)
def check_batch(
    request: Request, who: Checkers, body: Annotated[BatchRequest, Body()]
) -> list[BatchAnswer]:
    """Up to 5,000 questions at once. A bad subject or action fails its own item (with the
    reason), never the batch."""
    access = access_of(request, who)
    on = on_or_today(body.on)
    answers: list[BatchAnswer] = []
    persons: list[str] = []
    with request.app.state.slots.slot(who.user):
        for start in range(0, len(body.items), BATCH_SLICE):
            # the store is taken slice by slice: readers in between are not held up
            with store_of(request) as store:
                engine = RestrictionEngine(store)
                for i, item in enumerate(body.items[start : start + BATCH_SLICE], start=start):
                    answers.append(_answer(engine, access, i, item, on, persons))
    if persons:
        access.log("check.batch", {"person_keys": persons, "on": on})
    return answers


def _answer(
    engine: RestrictionEngine,
    access: Access,
    i: int,
    item: BatchItem,
    on: str,
    persons: list[str],
) -> BatchAnswer:
    """One item's answer (a bad subject or action fails this item only)."""
    try:
        kind, key = resolve_subject(item.subject, access.keyring)
        result = engine.check(kind, key, item.action, on)
    except DomainError as exc:
        return BatchAnswer(
            index=i,
            subject=item.subject[:6] + "…",
            action=item.action,
            error=mask_id_numbers(exc.reason),
        )
    if kind == "person":
        persons.append(key)
    return BatchAnswer(
        index=i,
        subject=result.subject.id,
        action=item.action,
        allowed=result.allowed,
        result=result,
    )


@router.get(
    "/relocations",
    response_model=list[Flag],
    response_model_exclude_none=True,
    summary="易地出现 / Relocated repeat offenders",
    responses=ERRORS,
    dependencies=[Depends(Audited("relocations"))],
)
def relocations(
    request: Request,
    who: FlagReaders,
    on: On = None,
    level: Literal["county", "city", "province"] = "county",
    pattern: Literal["phoenix", "migration", "serial"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[Flag]:
    """Flags as of a date at a level, each with evidence and a score, highest score first."""
    with store_of(request) as store:
        flags = detect_relocations(store, on_or_today(on), level)
    flags = [f for f in flags if pattern is None or f.pattern == pattern]
    flags.sort(key=lambda f: (-f.score, f.flag_id))
    page = flags[offset : offset + limit]
    keys = [f.person_key for f in page if f.person_key]
    if keys:
        access_of(request, who).log("relocations", {"person_keys": keys})
    return page


@router.get(
    "/relocations/flows",
    summary="易地出现流向 / Region flows",
    responses=ERRORS,
    dependencies=[Depends(Audited(None, "counts of moves between regions"))],
)
def relocation_flows(
    request: Request,
    who: Aggregates,
    on: On = None,
    level: Literal["county", "city", "province"] = "county",
    by: Literal["province", "city"] = "province",
) -> dict[str, Any]:
    """The matrix of flagged moves from region to region (aggregates only)."""
    with store_of(request) as store:
        matrix = flow_matrix(detect_relocations(store, on_or_today(on), level), by)
    return {
        "regions": [str(r) for r in matrix.index],
        "counts": matrix.to_numpy(dtype=int).tolist() if not matrix.empty else [],
    }


@router.get(
    "/notices",
    summary="抄报通知 / Notices (clause 十二)",
    responses=ERRORS,
    dependencies=[Depends(Audited("notices"))],
)
def notice_list(
    request: Request,
    who: NoticeReaders,
    on: On = None,
    region: Annotated[str, Query(max_length=6, pattern=r"^\d{0,6}$")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Notices due to superior units, audit departments, employers and discipline inspection,
    paged (``total`` says how many there are)."""
    with store_of(request) as store:
        found = notices(store, on_or_today(on), region)
    shown = found[offset : offset + limit]
    persons = sorted({n["about"]["sid"][2:] for n in shown if _is_person(n.get("about"))})
    if persons:
        access_of(request, who).log("notices", {"on": on_or_today(on), "person_keys": persons})
    return {
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "items": shown,
    }


def _is_person(about: Any) -> bool:
    return isinstance(about, dict) and str(about.get("sid", "")).startswith("P:")


@router.get(
    "/persons/{person_id}/credit-record",
    summary="个人信用记录 / Personal credit record",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("person.credit_record"))],
)
def credit_record(
    request: Request,
    who: Checkers,
    person_id: Annotated[str, Path(max_length=64)],
    on: On = None,
) -> dict[str, Any]:
    """Everything that reaches the person, directly or through entities they answered for,
    and the restrictions in force on the date with their evidence. Audited."""
    access = access_of(request, who)
    kind, key = resolve_subject(person_id, access.keyring)
    if kind != "person":
        raise DomainError("须为身份证号码或人员密钥", "give a resident ID number or a person key")
    with store_of(request) as store:
        out = personal_record(store, key, on_or_today(on))
    access.log("person.credit_record", {"person_keys": [key]})
    return out


EventName = Literal[
    "object",
    "resolve",
    "repair",
    "remove",
    "revoke",
    "extend",
    "lift_consumption",
    "release_person",
    "add_person",
    "permit",
    "objection_opened",
    "objection_upheld",
    "objection_corrected",
    "revoked",
    "repaired",
]


class EventRequest(BaseModel):
    """A life-cycle event on a record (edition-1 names ``objection_opened`` … accepted)."""

    type: EventName
    on: IsoDate
    reason: str = Field(min_length=1, max_length=2000)
    person_id: str | None = Field(
        None, max_length=64, description="release_person, add_person, permit: the person"
    )
    action: str | None = Field(None, max_length=64, description="permit: the action allowed")
    effective_to: IsoDate | None = Field(None, description="extend: new last day; permit: until")
    outcome: (
        Literal["upheld", "corrected", "revoked", "performed", "expired", "settled", "other"] | None
    ) = None
    capacity: str | None = Field(None, max_length=40, description="add_person: capacity")
    method: str | None = Field(None, description="repair method (commitment, rectification, …)")
    corrections: dict[str, str] | None = None


@router.post(
    "/records/{record_id}/events",
    summary="记录异议、更正、撤销、信用修复 / Record life-cycle event",
    responses=ERRORS | NOT_FOUND | {409: {"description": "不符合当前状态 / Conflicts with status"}},
    dependencies=[Depends(Audited("record.event"))],
)
def record_event(
    request: Request,
    who: Admins,
    record_id: Annotated[str, Path(max_length=200)],
    body: Annotated[EventRequest, Body()],
) -> dict[str, Any]:
    """Apply the event; a revocation lists every restriction it invalidates. Audited."""
    access = access_of(request, who)
    person_key = None
    if body.person_id:
        kind, person_key = resolve_subject(body.person_id, access.keyring)
        if kind != "person":
            raise DomainError("person_id须为身份证号码或人员密钥", "person_id must name a person")
    event = RecordEvent.named(
        record_id,
        body.type,
        body.on.isoformat(),
        by=who.user,
        reason=body.reason,
        person_key=person_key,
        action=normalise_action(body.action) if body.action else None,
        effective_to=body.effective_to.isoformat() if body.effective_to else None,
        outcome=body.outcome,
        capacity=body.capacity,
        method=body.method,
        corrections=body.corrections,
    )
    what = {"record_id": record_id, "type": event.event, "on": event.on}
    access.log("record.event", what)  # before the change: no change goes unaudited
    try:
        with store_of(request) as store:
            return apply_event(store, event)
    except Exception as exc:
        access.log("record.event.failed", what | {"error": type(exc).__name__})
        raise


@router.get(
    "/records/{record_id}/history",
    summary="记录版本 / Record history",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("record.history"))],
)
def record_history(
    request: Request, who: NoticeReaders, record_id: Annotated[str, Path(max_length=200)]
) -> list[dict[str, Any]]:
    """Every version of the record, oldest first: loads and life-cycle events. A record about
    a person is audited."""
    with store_of(request) as store:
        versions = store.record_history(record_id)
    persons = sorted({str(v["subject_key"]) for v in versions if v.get("subject_type") == "person"})
    if persons:
        access_of(request, who).log(
            "record.history", {"record_id": record_id, "person_keys": persons}
        )
    return versions
