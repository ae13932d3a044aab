"""Search, for regulators, analysts and investigators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import access_of, store_of
from graph_service.api.routers import ERRORS
from graph_service.services import subjects
from graph_service.services.access import Principal
from graph_service.services.models import SearchPage
from graph_service.services.shaping import MAX_LIMIT

router = APIRouter(prefix="/v1", tags=["search / 检索"])

Searchers = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst"))]


@router.get(
    "/search",
    response_model=SearchPage,
    response_model_exclude_none=True,
    summary="检索主体 / Search entities and persons",
    responses=ERRORS,
    dependencies=[Depends(Audited("search"))],
)
def search(
    request: Request,
    who: Searchers,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="名称片段、统一社会信用代码前缀、身份证号码或人员密钥 / Name fragment, "
            "USCC prefix, ID number or person key",
            examples=["恒达", "91130126"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页 / Page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="起始 / Offset")] = 0,
) -> SearchPage:
    """Entities first, then persons, each by name. Person hits are audited."""
    with store_of(request) as store:
        return subjects.search(store, access_of(request, who), q, limit, offset)
