"""The graph, for investigators: neighbourhoods, paths and exports of a view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from graph_service.api import service
from graph_service.api.audit import Audited
from graph_service.api.auth import Allow, Principal
from graph_service.api.deps import access_of, store_of
from graph_service.api.graphview import export_html
from graph_service.api.models import ExportRequest, GraphPath, Neighbourhood
from graph_service.api.routers import ERRORS, NOT_FOUND, IsoDate
from graph_service.api.service import MAX_LIMIT
from graph_service.stores.base import MAX_PATH_HOPS

router = APIRouter(prefix="/v1/graph", tags=["graph / 图谱"])

Investigators = Annotated[Principal, Depends(Allow("investigator"))]
Vis = Annotated[
    Literal["zh", "en"] | None,
    Query(
        description="同时返回vis-network数据（标签语言） / Also return vis-network data, "
        "labelled in this language"
    ),
]


@router.get(
    "/neighbourhood",
    response_model=Neighbourhood,
    response_model_exclude_none=True,
    summary="邻域 / A node's neighbourhood",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("graph.neighbourhood"))],
)
def neighbourhood(
    request: Request,
    who: Investigators,
    id: Annotated[
        str,
        Query(
            max_length=300,
            description="节点：E:统一社会信用代码、P:人员密钥、R:区划代码、C:记录编号，或直接给统一"
            "社会信用代码/身份证号码 / Node: E:<USCC>, P:<person key>, R:<region>, C:<record>, "
            "or a bare USCC or ID number",
            examples=["E:91130126T0000001XK"],
        ),
    ],
    on: Annotated[
        IsoDate | None,
        Query(description="视图日期（含当日） / As-of date (inclusive)", examples=["2021-01-01"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="邻居数 / Neighbours")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    vis: Vis = None,
) -> dict[str, Any]:
    """The node and a page of its ROLE/HOLDS/REGISTERED_IN/CONCERNS/SUPERVISED_BY neighbours
    (records, persons, entities, regions; then by id), "and ``more`` more", with risk."""
    with store_of(request) as store:
        return service.neighbourhood(
            store,
            access_of(request, who),
            id,
            on=on.isoformat() if on else None,
            limit=limit,
            offset=offset,
            vis=vis,
        )


@router.get(
    "/path",
    response_model=GraphPath,
    response_model_exclude_none=True,
    summary="最短关联路径 / Shortest path between two subjects",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("graph.path"))],
)
def path(
    request: Request,
    who: Investigators,
    from_: Annotated[
        str,
        Query(
            alias="from",
            max_length=300,
            description="起点 / From",
            examples=["P:7bb5e5bc9a6fe2f92c23a667406e01bb"],
        ),
    ],
    to: Annotated[
        str, Query(max_length=300, description="终点 / To", examples=["E:91440305T00000028Q"])
    ],
    max_hops: Annotated[int, Query(ge=1, le=MAX_PATH_HOPS, description="最多关系数 / Hops")] = 6,
    vis: Vis = None,
) -> dict[str, Any]:
    """Over roles, holdings and supervision in either direction; ``found`` is false when no
    path is that short."""
    with store_of(request) as store:
        return service.path(store, access_of(request, who), from_, to, max_hops=max_hops, vis=vis)


@router.post(
    "/export",
    response_class=HTMLResponse,
    summary="导出视图为HTML / Export a view as standalone HTML",
    responses=ERRORS | {400: {"description": "请求体不是JSON / Body is not JSON"}},
    dependencies=[
        Depends(Audited(None, "renders the view the caller sends; reads nothing from the store"))
    ],
)
def export(request: Request, who: Investigators, body: ExportRequest) -> HTMLResponse:
    """The page's current view as one HTML file (pyvis, vis-network inlined): opens offline."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = export_html(
        [n.model_dump(exclude_none=True) for n in body.nodes],
        [e.model_dump(by_alias=True, exclude_none=True) for e in body.edges],
        title=body.title,
        note=f"{who.user} · {stamp} · credit-graph",
    )
    return HTMLResponse(
        html, headers={"Content-Disposition": 'attachment; filename="credit-graph-view.html"'}
    )
