"""Joint punishment for regulators and investigators: the measures list (public), checks and
batch screening, relocation flags and flows, notices, personal credit records, and the record
life cycle for administrators. Handlers parse and call :mod:`graph_service.services`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow, Guard
from graph_service.api.deps import access_of, answer_light, networked, store_of
from graph_service.api.routers import (
    ERRORS,
    NOT_FOUND,
    RESULT_MISSING,
    IsoDate,
    On,
    on_or_today,
    stored_page,
)
from graph_service.engine.models import CheckResult, Flag
from graph_service.services import checks, events, flags, profiles
from graph_service.services.access import Principal
from graph_service.services.checks import MAX_BATCH
from graph_service.services.models import BatchAnswer, BatchItem, Flows, NoticePage
from graph_service.stores.base import GraphStore

router = APIRouter(prefix="/v1", tags=["joint punishment / 联合惩戒"])

Checkers = Annotated[Principal, Depends(Allow("investigator", "regulator"))]
#: A check's caller and its audit in one dependency (the route a bidding platform calls most)
CheckCallers = Annotated[
    Principal, Depends(Guard(Allow("investigator", "regulator"), Audited("check")))
]
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


@router.get(
    "/measures",
    summary="联合惩戒措施清单 / Measures list (public)",
    dependencies=[Depends(Audited(None, "the public measures list"))],
)
def measures() -> dict[str, Any]:
    """The catalogue in force (edition 2): for each record kind its start rule, default term,
    whom it reaches and its measures — prohibition or consideration, actions, the law's own
    dates, and the legal basis of each (article marked where unverified). Public: no key."""
    return checks.measures()


@router.get(
    "/check",
    response_model=CheckResult,
    summary="能否从事某行为 / May S do A on D?",
    responses=ERRORS | NOT_FOUND,
)
async def check(
    request: Request,
    who: CheckCallers,
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
    access, day = access_of(request, who), on_or_today(on)
    asked = checks.question(access, subject, action)
    # the answer computed on the event loop when it can be (the path a bidding platform calls
    # most); a person's check appends to the fsynced audit log, and an answer as known then
    # reads the records' history: those in the threadpool
    inline = asked.kind == "entity" and known_at is None
    store = networked(request)
    if store is None:  # the embedded store: under its lock, on the loop when it is free

        def answer(store: GraphStore) -> CheckResult:
            return checks.answer(store, access, asked, day, known_at)

        return await answer_light(request, answer, inline=asked.kind == "entity")
    # Neo4j: the read awaited, read in one batch with concurrent checks' (stores/coalesce.py)
    material = await store.material_awaited(*asked.read)
    if inline:
        return checks.answer(store, access, asked, day, material=material)
    return await run_in_threadpool(checks.answer, store, access, asked, day, known_at, material)


class BatchRequest(BaseModel):
    """A screening batch (a bidding platform sends its bidders)."""

    on: IsoDate | None = None
    items: list[BatchItem] = Field(max_length=MAX_BATCH)


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
    with request.app.state.slots.slot(who.user):
        return checks.check_batch(
            lambda: store_of(request), access_of(request, who), body.items, on_or_today(body.on)
        )


@router.get(
    "/relocations",
    response_model=list[Flag],
    response_model_exclude_none=True,
    summary="易地出现 / Relocated repeat offenders",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited("relocations"))],
)
async def relocations(
    request: Request,
    who: FlagReaders,
    on: On = None,
    level: Literal["county", "city", "province"] = "county",
    pattern: Literal["phoenix", "migration", "serial"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Flags as of a date at a level, each with evidence and a score, highest score first,
    paged from the stored detection of that date and level (``POST /v1/jobs {"kind":
    "relocations"}`` makes it; 409 when there is none). The body stays a list; the headers
    say the total (``X-Total-Count``) and which run answered (``X-Result-Computed-At``,
    ``X-Result-Token``, ``X-Result-Stale``: true when the store has changed since)."""
    found = await stored_page(
        request, flags.relocations_ask(on_or_today(on), level, pattern, limit, offset)
    )
    if found.persons:  # the fsynced audit log, in the threadpool: no store lock held meanwhile
        await run_in_threadpool(flags.audit_relocations, access_of(request, who), found)
    # the flags' stored JSON is what the response model shows (no empty field): sent as it is
    return Response(
        found.list_json(),
        media_type="application/json",
        headers={
            "X-Total-Count": str(found.total),
            "X-Result-Computed-At": found.result["computed_at"],
            "X-Result-Token": found.result["token"],
            "X-Result-Stale": "true" if found.result["stale"] else "false",
        },
    )


@router.get(
    "/relocations/flows",
    response_model=Flows,
    summary="易地出现流向 / Region flows",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited(None, "counts of moves between regions"))],
)
def relocation_flows(
    request: Request,
    who: Aggregates,
    on: On = None,
    level: Literal["county", "city", "province"] = "county",
    by: Literal["province", "city"] = "province",
) -> Flows:
    """The matrix of flagged moves from region to region (aggregates only), from the stored
    detection of that date and level (409 when there is none; ``result`` names the run)."""
    with store_of(request) as store:
        return flags.flows(store, on_or_today(on), level, by)


@router.get(
    "/notices",
    response_model=NoticePage,
    summary="抄报通知 / Notices (clause 十二)",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited("notices"))],
)
def notice_list(
    request: Request,
    who: NoticeReaders,
    on: On = None,
    region: Annotated[str, Query(max_length=6, pattern=r"^\d{0,6}$")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> NoticePage:
    """Notices due to superior units, audit departments, employers and discipline inspection,
    paged (``total`` says how many there are) from the stored listing of that date
    (``POST /v1/jobs {"kind": "notices"}`` makes it; 409 when there is none; ``result``
    names the run)."""
    with store_of(request) as store:
        return flags.notices(store, access_of(request, who), on_or_today(on), region, limit, offset)


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
    with store_of(request) as store:
        return profiles.credit_record(store, access_of(request, who), person_id, on_or_today(on))


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
    return events.record_event(
        lambda: store_of(request),
        access_of(request, who),
        record_id,
        body.type,
        body.on.isoformat(),
        reason=body.reason,
        person_id=body.person_id,
        action=body.action,
        effective_to=body.effective_to.isoformat() if body.effective_to else None,
        outcome=body.outcome,
        capacity=body.capacity,
        method=body.method,
        corrections=body.corrections,
    )


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
        return profiles.record_history(store, access_of(request, who), record_id)
