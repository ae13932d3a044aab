"""The graph, for investigators: neighbourhoods, paths and exports of a view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import access_of, store_of
from graph_service.api.models import ExportRequest, StepsRequest
from graph_service.api.routers import ERRORS, NOT_FOUND, IsoDate
from graph_service.engine.models import Step
from graph_service.services import graph
from graph_service.services.access import Principal
from graph_service.services.graphview import export_html
from graph_service.services.models import GraphPath, Neighbourhood, StepsView, SubjectPanel
from graph_service.services.shaping import MAX_LIMIT
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


def _id_query(description: str) -> Any:
    """The ``id`` parameter naming a node (up to 300 characters)."""
    return Query(max_length=300, description=description, examples=["E:91130126T0000001XK"])


NodeId = Annotated[
    str,
    _id_query(
        "节点：E:统一社会信用代码、P:人员密钥、R:区划代码、C:记录编号，或直接给统一社会信用代码/"
        "身份证号码 / Node: E:<USCC>, P:<person key>, R:<region>, C:<record>, or a bare USCC or "
        "ID number"
    ),
]
SubjectId = Annotated[
    str,
    _id_query(
        "市场主体或人员：E:统一社会信用代码、P:人员密钥，或直接给统一社会信用代码/身份证号码 / "
        "An entity or person: E:<USCC>, P:<person key>, or a bare USCC or ID number"
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
    id: NodeId,
    on: Annotated[
        IsoDate | None,
        Query(description="视图日期（含当日） / As-of date (inclusive)", examples=["2021-01-01"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="邻居数 / Neighbours")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    vis: Vis = None,
) -> Neighbourhood:
    """The node and a page of its ROLE/HOLDS/REGISTERED_IN/CONCERNS/SUPERVISED_BY neighbours
    (records, persons, entities, regions; then by id), "and ``more`` more", with risk."""
    with store_of(request) as store:
        return graph.neighbourhood(
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
) -> GraphPath:
    """Over roles, holdings and supervision in either direction; ``found`` is false when no
    path is that short."""
    with store_of(request) as store:
        return graph.path(store, access_of(request, who), from_, to, max_hops=max_hops, vis=vis)


AsOf = Annotated[
    IsoDate | None,
    Query(description="视图日期（含当日；空为全部时间）/ As-of date (inclusive; none: all time)"),
]


@router.get(
    "/panel",
    response_model=SubjectPanel,
    response_model_exclude_none=True,
    summary="主体面板 / A subject's panel: findings, flags, relations as of a day",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("graph.panel"))],
)
def panel(
    request: Request,
    who: Investigators,
    id: SubjectId,
    on: AsOf = None,
) -> SubjectPanel:
    """What the engine answers for the subject on ``on`` (else today) — the badge (``risk``)
    and, per action, the prohibitions, considerations and advisories that reach it with their
    record, measure, basis and path — its relocation flags, and its roles, holdings,
    registrations and records as of ``on`` (records with ``in_force``). One engine read.
    Persons' ID numbers unmasked (audited)."""
    with store_of(request) as store:
        return graph.subject_panel(
            store, access_of(request, who), id, on.isoformat() if on else None
        )


@router.post(
    "/steps",
    response_model=StepsView,
    response_model_exclude_none=True,
    summary="把证据路径画成图 / Evidence steps as a graph",
    responses=ERRORS,
    dependencies=[Depends(Audited("graph.steps"))],
)
def steps(
    request: Request,
    who: Investigators,
    body: Annotated[StepsRequest, Body()],
    on: AsOf = None,
    vis: Annotated[Literal["zh", "en"], Query(description="标签语言 / Label language")] = "zh",
) -> StepsView:
    """The nodes the steps join (as the store has them, with the engine's badges on ``on``)
    and the steps as edges, as vis-network data: a finding's ``path`` or a flag's
    ``evidence`` drawn on the page. Ids the store does not know are left out."""
    with store_of(request) as store:
        return graph.steps_view(
            store,
            access_of(request, who),
            [Step(**s.model_dump()) for s in body.steps],
            on=on.isoformat() if on else None,
            vis=vis,
        )


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
