"""Jobs: nationwide passes (grading, relocation detection, notices) started by request and
run in the background; their results are what ``/v1/evaluation/grades``,
``/v1/evaluation/summary``, ``/v1/relocations``, ``/v1/relocations/flows`` and ``/v1/notices``
page. Regulators and administrators start jobs (docs/decisions.md); every role may follow
them. Handlers parse and call :mod:`graph_service.services.jobs`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import access_of, store_of
from graph_service.api.models import Problem
from graph_service.api.routers import ERRORS, NOT_FOUND, IsoDate, on_or_today
from graph_service.engine.evaluation import GradeLedger
from graph_service.services import jobs
from graph_service.services.access import Principal
from graph_service.services.jobs import JobBoard
from graph_service.settings import Settings, grade_ledger_path

router = APIRouter(prefix="/v1", tags=["jobs / 计算任务"])

Starters = Annotated[Principal, Depends(Allow("regulator", "admin"))]
Followers = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst", "admin"))]


class JobRequest(BaseModel):
    """A nationwide pass to run and keep: its kind, the as-of date and (relocations) level."""

    kind: Literal["grades", "relocations", "notices"]
    on: IsoDate | None = Field(None, description="日期（默认今天）/ As of (default today)")
    level: Literal["county", "city", "province"] | None = Field(
        None, description="relocations: 区划级别（默认county）/ Level (default county)"
    )


def board_of(request: Request) -> JobBoard:
    """The job board of the app's store (its state folder is shared by every worker)."""
    board: JobBoard = request.app.state.jobs
    return board


@router.post(
    "/jobs",
    status_code=202,
    summary="启动计算任务 / Start a nationwide pass",
    responses=ERRORS
    | {409: {"model": Problem, "description": "同一任务即将完成 / The same job is finishing"}},
    dependencies=[Depends(Audited("jobs.start"))],
)
def start_job(
    request: Request, response: Response, who: Starters, body: Annotated[JobRequest, Body()]
) -> dict[str, Any]:
    """Starts the pass in the background and answers at once (202) with the job; ``GET
    /v1/jobs/{id}`` follows it. The same pass already running (in any worker) is answered
    instead of started twice (``started`` false). A grading job records its run in the grade
    history, as the ``grade`` verb does. Audited."""
    holder = request.app.state.holder
    settings: Settings = request.app.state.settings
    job, started = jobs.start_job(
        board_of(request),
        access_of(request, who),
        holder.for_job,
        body.kind,
        on_or_today(body.on),
        body.level,
        ledger=GradeLedger(grade_ledger_path(settings, holder.description)),
    )
    response.headers["Location"] = f"/v1/jobs/{job['id']}"
    return job | {"started": started}


@router.get(
    "/jobs/{job_id}",
    summary="任务状态 / A job's status and progress",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited(None, "a job's state; no person"))],
)
def job_status(
    request: Request,
    who: Followers,
    job_id: Annotated[str, PathParam(max_length=64, pattern=r"^[0-9a-f]+$")],
) -> dict[str, Any]:
    """``status`` (running, done, failed, or interrupted when its worker died), ``progress``
    (0–1) and ``phase``; once done, ``result`` (the stored result's header) and
    ``result_url`` (where it is paged)."""
    return jobs.job_status(board_of(request), job_id)


@router.get(
    "/jobs",
    summary="任务列表 / Recent jobs and stored results",
    responses=ERRORS,
    dependencies=[Depends(Audited(None, "jobs' states; no person"))],
)
def job_list(
    request: Request,
    who: Followers,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The latest jobs, newest first, and every result the store keeps (``stale`` when the
    store has changed since its pass began)."""
    with store_of(request) as store:
        results = jobs.stored_results(store)
    return {"jobs": jobs.list_jobs(board_of(request), limit), "results": results}
