"""Credit evaluation and grades, inspection draws, credit reports and publication deadlines
(guideline clauses 三, 六, 七, 十五): grades, reports and draws for regulators and
investigators; aggregates, deadlines and draw verification also for analysts. Handlers parse
and call :mod:`graph_service.services.evaluation`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import access_of, store_of
from graph_service.api.routers import (
    ERRORS,
    NOT_FOUND,
    RESULT_MISSING,
    IsoDate,
    On,
    on_or_today,
    stored_page,
)
from graph_service.engine.evaluation import (
    Evaluation,
    GradeLedger,
)
from graph_service.engine.evaluation.report import CreditReport
from graph_service.rendering.report import render_html, render_pdf
from graph_service.services import evaluation, sampling
from graph_service.services.access import Principal
from graph_service.services.models import GradePage
from graph_service.services.shaping import MAX_LIMIT
from graph_service.settings import Settings, grade_ledger_path
from graph_service.stores.base import GraphStore

router = APIRouter(prefix="/v1", tags=["evaluation / 信用评价"])

Graders = Annotated[Principal, Depends(Allow("investigator", "regulator"))]
Aggregates = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst"))]
Uscc = Annotated[
    str,
    PathParam(
        max_length=64, description="统一社会信用代码 / USCC", examples=["91130126T0000001XK"]
    ),
]
Region = Annotated[
    str, Query(max_length=6, pattern=r"^\d{0,6}$", description="区划代码前缀 / Region prefix")
]
Industry = Annotated[
    str, Query(max_length=1, pattern=r"^[A-T]?$", description="行业门类 / GB/T 4754 section")
]


def _ledger(request: Request, store: GraphStore) -> GradeLedger:
    settings: Settings = request.app.state.settings
    return GradeLedger(grade_ledger_path(settings, request.app.state.holder.uri or store.uri))


# -- evaluation --------------------------------------------------------------------------


@router.get(
    "/evaluation/entities/{uscc}",
    response_model=Evaluation,
    summary="公共信用综合评价 / An entity's evaluation and grade",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("evaluation.entity"))],
)
def entity_evaluation(request: Request, who: Graders, uscc: Uscc, on: On = None) -> Evaluation:
    """Score (0–100), grade A–D and every part: each record and how it counts, each related
    subject whose risk reaches the entity (with the path), each relocation flag."""
    with store_of(request) as store:
        return evaluation.evaluate_entity(store, access_of(request, who), uscc, on_or_today(on))


@router.get(
    "/evaluation/entities/{uscc}/history",
    summary="信用等级变动记录 / An entity's grade history",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited(None, "an entity's grade changes"))],
)
def grade_history(request: Request, who: Graders, uscc: Uscc) -> list[dict[str, Any]]:
    """Every recorded change of the entity's grade (from the grading runs), oldest first."""
    with store_of(request) as store:
        return evaluation.grade_history(store, uscc, _ledger(request, store))


@router.get(
    "/evaluation/grades",
    response_model=GradePage,
    summary="信用等级列表 / Grades of a population",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited(None, "entities' grades; no person"))],
)
async def grades(
    request: Request,
    who: Graders,
    on: On = None,
    region: Region = "",
    industry: Industry = "",
    grade: Annotated[Literal["A", "B", "C", "D"] | None, Query()] = None,
    watch: Annotated[
        bool, Query(description="只列重点关注对象名单候选 / Only watch-list candidates")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> Response:
    """Active entities with score, parts and grade, worst score first; ``watch=true`` lists
    the watch-list candidates (重点关注对象名单) the grades imply. Paged from the stored
    grading of that date (``POST /v1/jobs {"kind": "grades"}`` makes it; 409 when there is
    none); ``result`` names the run, and ``stale`` is true when the store has changed since."""
    ask = evaluation.grades_ask(on_or_today(on), region, industry, grade, watch, limit, offset)
    found = await stored_page(request, ask)
    # the rows' stored JSON is what the response model shows: sent as it is (no person: no
    # audit line)
    return Response(found.page_json(), media_type="application/json")


@router.get(
    "/evaluation/summary",
    summary="信用等级分布 / Grades in aggregate",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited(None, "counts only"))],
)
def summary(
    request: Request,
    who: Aggregates,
    on: On = None,
    region: Region = "",
    industry: Industry = "",
    by: Annotated[Literal["province", "city", "industry"] | None, Query()] = None,
) -> dict[str, Any]:
    """Active entities per grade, mean score and watch-list candidates, overall and per
    province, city or industry, from the stored grading of that date (409 when there is
    none; ``result`` as in ``/v1/evaluation/grades``). Counts only: no entity is named."""
    with store_of(request) as store:
        return evaluation.summary(store, on_or_today(on), region, industry, by)


# -- inspection draws ------------------------------------------------------------------


class DrawRequest(BaseModel):
    """A double-random inspection draw (双随机、一公开)."""

    on: IsoDate | None = None
    region: str = Field("", max_length=6, pattern=r"^\d{0,6}$")
    industry: str = Field("", max_length=1, pattern=r"^[A-T]?$")
    budget: int = Field(ge=0, le=1_000_000)
    rates: dict[Literal["A", "B", "C", "D"], float] | None = Field(
        None, description="每级抽查比例 / Share inspected per grade (default: the catalogue)"
    )
    seed: str | None = Field(None, max_length=128, description="默认随机 / Default: random")
    inspectors_per_entity: int | None = Field(None, ge=1, le=10)


def _draw_log(request: Request) -> Path:
    settings: Settings = request.app.state.settings
    return settings.graph_draw_log


@router.post(
    "/sampling/draws",
    summary="双随机抽查 / Draw an inspection list and inspectors",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited("sampling.draw"))],
)
def create_draw(
    request: Request, who: Graders, body: Annotated[DrawRequest, Body()]
) -> dict[str, Any]:
    """Draws, by grade, the entities to inspect and their inspectors (from
    ``GRAPH_INSPECTORS_FILE``) with a recorded seed; the whole record is kept in the draw log
    (``GET /v1/sampling/draws/{draw_id}``) so anyone can re-run it. Answers the record without
    the population and pool members. Audited."""
    settings: Settings = request.app.state.settings
    return sampling.draw(
        lambda: store_of(request),
        access_of(request, who),
        on_or_today(body.on),
        budget=body.budget,
        region=body.region,
        industry=body.industry,
        rates={str(g): r for g, r in body.rates.items()} if body.rates else None,
        seed=body.seed,
        per_entity=body.inspectors_per_entity,
        inspectors=settings.graph_inspectors_file,
        log=_draw_log(request),
    )


@router.get(
    "/sampling/draws/{draw_id}",
    summary="抽查记录 / A draw's full record",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("sampling.read"))],
)
def get_draw(
    request: Request,
    who: Aggregates,
    draw_id: Annotated[str, PathParam(max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")],
) -> dict[str, Any]:
    """The full record of a draw (inputs, seed, population, pool, result, hash): what
    ``POST /v1/sampling/verify`` and ``sample-verify`` re-run. Analysts get the record without
    the population's members and grades and without the inspector pool (the role matrix:
    grades of a population are not theirs). Audited."""
    return sampling.read_draw(access_of(request, who), _draw_log(request), draw_id)


@router.post(
    "/sampling/verify",
    summary="复核抽查 / Verify a draw by re-running it",
    responses=ERRORS | RESULT_MISSING,
    dependencies=[Depends(Audited(None, "re-runs the record the caller sends"))],
)
def verify_draw(
    request: Request,
    who: Aggregates,
    record: Annotated[dict[str, Any], Body(description="抽查记录 / The draw record")],
    against_store: Annotated[
        bool,
        Query(description="同时核对当前数据给出的总体 / Also compare the store's population now"),
    ] = False,
) -> dict[str, Any]:
    """Re-runs the draw from its record: hash intact, population and pool as hashed,
    allocation, entities and inspectors as recorded (``ok``), and optionally whether the store
    still gives the same population."""
    return sampling.verify_draw(lambda: store_of(request), record, against_store=against_store)


# -- credit reports ----------------------------------------------------------------------


@router.get(
    "/reports/{uscc}",
    response_model=CreditReport,
    summary="信用报告 / Credit report (JSON, HTML or PDF)",
    responses=ERRORS
    | NOT_FOUND
    | {200: {"content": {"text/html": {}, "application/pdf": {}}}}
    | {503: {"description": "PDF不可用 / PDF renderer missing, or store unavailable"}},
    dependencies=[Depends(Audited("report"))],
)
def report(
    request: Request,
    who: Graders,
    uscc: Uscc,
    on: On = None,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
) -> Any:
    """Identity, grade and its reasons, records with status, lists, restrictions,
    relationships over time, relocation flags with evidence and grade history. Persons appear
    by name and masked ID number. Audited."""
    with store_of(request) as store:
        rep = evaluation.report(
            store,
            access_of(request, who),
            uscc,
            on_or_today(on),
            ledger=_ledger(request, store),
            format=format,
        )
    name = f"credit-report-{rep.evaluation.uscc}-{rep.on}"
    if format == "html":
        return HTMLResponse(
            render_html(rep),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )
    if format == "pdf":
        return Response(
            render_pdf(rep),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return rep


# -- publication deadlines ---------------------------------------------------------------


@router.get(
    "/publication/deadlines",
    summary="公开期限 / Publication due and overdue (clause 十五)",
    responses=ERRORS,
    dependencies=[Depends(Audited("publication.deadlines"))],
)
def publication_deadlines(
    request: Request,
    who: Aggregates,
    on: On = None,
    authority: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[
        IsoDate | None, Query(description="只看此日及以后的决定 / Decided since")
    ] = None,
    region: Region = "",
) -> dict[str, Any]:
    """Per authority: records due for publication (deadline: 7 working days after the
    decision, on the Chinese calendar) and overdue, and counts published on time or late.
    Records whose deadline the calendar cannot give are listed apart, with the reason."""
    with store_of(request) as store:
        return evaluation.publication_deadlines(
            store,
            access_of(request, who),
            on_or_today(on),
            authority,
            since.isoformat() if since else None,
            region,
        )
