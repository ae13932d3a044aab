"""Operations: liveness, readiness, metrics (public), and what the store holds."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow
from graph_service.api.deps import store_of
from graph_service.api.models import Health, Problem, Ready
from graph_service.api.routers import ERRORS
from graph_service.errors import StoreUnavailable
from graph_service.services import info as store_info
from graph_service.services.access import Principal
from graph_service.services.models import Info

router = APIRouter(tags=["system / 系统"])

AnyRole = Annotated[Principal, Depends(Allow("investigator", "regulator", "analyst", "admin"))]


@router.get(
    "/healthz",
    response_model=Health,
    summary="存活 / Liveness (public)",
    dependencies=[Depends(Audited(None, "liveness only"))],
)
async def healthz() -> dict[str, Any]:
    """The process answers (no store access); ``worker`` is its process id."""
    # async: no threadpool hop, so the benchmark's ceiling is the framework's own
    return {"status": "ok", "worker": os.getpid()}


@router.get(
    "/readyz",
    response_model=Ready,
    summary="就绪 / Readiness: the store answers (public)",
    responses={503: {"model": Problem}},
    dependencies=[Depends(Audited(None, "readiness only"))],
)
def readyz(request: Request) -> dict[str, Any]:
    """200 when the store answers a lookup, else 503 (and ready again when it is back)."""
    metrics = request.app.state.metrics
    try:
        with store_of(request) as store:
            store.entity("000000000000000000")
            backend = store.backend
    except StoreUnavailable:
        metrics.store_up.set(0)
        raise
    metrics.store_up.set(1)
    return {"status": "ready", "backend": backend}


@router.get(
    "/metrics",
    summary="Prometheus指标 / Prometheus metrics (public)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    dependencies=[Depends(Audited(None, "counts by route template"))],
)
def metrics(request: Request) -> Response:
    """Request counts and latencies by route, requests in flight, store up, audit entries."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )


@router.get(
    "/v1/info",
    response_model=Info,
    summary="存储概况 / Counts and load log",
    responses=ERRORS,
    dependencies=[Depends(Audited(None, "counts and the load log"))],
)
def info(request: Request, who: AnyRole) -> Info:
    """Nodes per label, relationships per type, and the load log (oldest first)."""
    with store_of(request) as store:
        return store_info.info(store)
