"""Profiles of entities, persons and records, for regulators and investigators (entities
also for analysts; records also for administrators, who keep their life cycle)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import access_of, store_of
from graph_service.api.routers import ERRORS, NOT_FOUND
from graph_service.services import profiles
from graph_service.services.access import Principal
from graph_service.services.models import EntityProfile, PersonProfile, RecordItem
from graph_service.services.shaping import MAX_LIMIT

router = APIRouter(prefix="/v1", tags=["profiles / 画像"])

EntityReaders = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst"))]
PersonReaders = Annotated[Principal, Depends(Allow("investigator", "regulator"))]
RecordReaders = Annotated[Principal, Depends(Allow("investigator", "regulator", "admin"))]
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="每个列表的页大小 / Page size of each list")
]
Offset = Annotated[
    int, Query(ge=0, le=1_000_000_000, description="每个列表的起始 / Offset in each list")
]


@router.get(
    "/entities/{uscc}",
    response_model=EntityProfile,
    response_model_exclude_none=True,
    summary="市场主体画像 / Entity profile",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("entity.profile"))],
)
def entity(
    request: Request,
    who: EntityReaders,
    uscc: Annotated[
        str,
        Path(max_length=64, description="统一社会信用代码 / USCC", examples=["91130126T0000001XK"]),
    ],
    limit: Limit = 50,
    offset: Offset = 0,
) -> EntityProfile:
    """The entity with its roles, holdings (held and holders), registrations and records over
    time. A malformed USCC is answered 422 naming the wrong character."""
    with store_of(request) as store:
        return profiles.entity_profile(store, access_of(request, who), uscc, limit, offset)


@router.get(
    "/persons/{person_id}",
    response_model=PersonProfile,
    response_model_exclude_none=True,
    summary="人员画像 / Person profile",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("person.profile"))],
)
def person(
    request: Request,
    who: PersonReaders,
    person_id: Annotated[
        str,
        Path(
            max_length=64,
            description="身份证号码（按服务密钥计算人员密钥）或32位人员密钥 / Resident ID number "
            "(keyed with the service's secret) or 32-hex person key",
            examples=["7bb5e5bc9a6fe2f92c23a667406e01bb"],
        ),
    ],
    limit: Limit = 50,
    offset: Offset = 0,
) -> PersonProfile:
    """The person's offices, holdings and records over time. Investigators see the full ID
    number; every call is written to the audit log."""
    with store_of(request) as store:
        return profiles.person_profile(store, access_of(request, who), person_id, limit, offset)


@router.get(
    "/records/{record_id}",
    response_model=RecordItem,
    response_model_exclude_none=True,
    summary="信用记录 / Credit record",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("record.read"))],
)
def record(
    request: Request,
    who: RecordReaders,
    record_id: Annotated[str, Path(max_length=200, examples=["R1"])],
) -> RecordItem:
    """One record: kind, authority, basis, dates and status (the evidence of a flag)."""
    with store_of(request) as store:
        return profiles.record(store, access_of(request, who), record_id)
