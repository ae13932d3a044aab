"""The FastAPI application: :func:`create_app` wires settings, the store, keys, the audit
log, metrics, the routers and the one map of errors to problem responses."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from graph_service.api import problems
from graph_service.api.audit import Audited
from graph_service.api.auth import (
    ApiKeys,
    Guard,
    roles_of,
    security_requirement,
    security_schemes,
)
from graph_service.api.docs import install_docs
from graph_service.api.middleware import (
    BodyLimitMiddleware,
    CallerSlots,
    KeyFirstMiddleware,
    Metrics,
    MetricsMiddleware,
)
from graph_service.api.routers import (
    admin,
    engine,
    graph,
    jobs,
    page,
    profiles,
    search,
    system,
)
from graph_service.api.routers import evaluation as evaluation_routes
from graph_service.api.routers.page import STATIC_DIR
from graph_service.api.state import StoreHolder
from graph_service.errors import DomainError
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.resident_id import mask_id_numbers
from graph_service.problems import PROBLEM_JSON
from graph_service.services.audit import AuditLog
from graph_service.services.checks import warm_up
from graph_service.services.graphview import VIS_DIR
from graph_service.services.jobs import JobBoard
from graph_service.services.results import warm_results
from graph_service.settings import DEV_SECRET, Settings, get_settings, jobs_dir
from graph_service.stores.base import GraphStore

log = logging.getLogger("graph_service.api")

#: FastAPI's native OpenTelemetry spans, metrics and logs: all off (decisions.md).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

DESCRIPTION = """
信用联合惩戒图分析服务（国办发〔2019〕35号）。/ Graph analytics for cross-region joint
punishment in credit supervision.

**认证 / Authentication**: send an API key as `X-API-Key: KEY` or `Authorization: Bearer KEY`.
Each endpoint states the roles it admits (`x-roles`); other roles get 403.

**错误 / Errors**: `application/problem+json` (RFC 9457) with the reason in Chinese and
English (`detail_zh`, `detail_en`).
"""


class _MaskIdNumbers(logging.Filter):
    """Masks resident ID numbers in access-log lines also when uvicorn formats them itself
    (a profile may be asked for by number; the path may be percent-encoded)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_id_numbers(a) if isinstance(a, str) else a for a in record.args
            )
        return True


def _install_log_mask() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _MaskIdNumbers) for f in access.filters):
        access.addFilter(_MaskIdNumbers())


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation of the app: method, path template, and its route."""

    method: str
    path: str
    route: APIRoute


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every API operation of ``app``, routers included (FastAPI keeps included routers
    nested: each is walked through its contexts)."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        original = ctx.original_route
        if not isinstance(original, APIRoute) or not getattr(ctx, "include_in_schema", True):
            continue
        for method in sorted(ctx.methods or ()):
            out.append(Endpoint(method, str(ctx.path_format), original))
    return out


def _openapi_with_roles(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with each operation's roles (``x-roles``), the key it needs
    (``security``), its audit (``x-audit``), and every error status it can answer as
    ``application/problem+json``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for ep in endpoints(app):
        roles = endpoint_roles(ep.route)
        op = schema.get("paths", {}).get(ep.path, {}).get(ep.method.lower())
        if op is None:
            continue
        op["x-roles"] = list(roles) if roles is not None else ["public"]
        if roles is not None:
            op["security"] = security_requirement()
        declared = endpoint_audit(ep.route)
        if declared is not None:
            op["x-audit"] = declared.to_openapi()
        note = f"角色 / Roles: {', '.join(roles) if roles else 'public (no key)'}"
        op["description"] = f"{op.get('description', '')}\n\n{note}".strip()
        _problem_responses(op, error_statuses(ep, op))
    schema.setdefault("components", {})["securitySchemes"] = security_schemes()
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


#: What each error status means, for the OpenAPI document.
ERROR_DESCRIPTIONS = {
    400: "请求体不是合法的JSON / Body is not JSON",
    401: "缺少或无效的API密钥 / No or unknown API key",
    403: "角色无权访问 / Role not allowed",
    404: "未找到 / Not found",
    409: "与当前状态冲突 / Conflicts with the current state",
    413: "请求体过大 / Body too large",
    422: "参数或标识不合法 / Bad parameter or identifier",
    429: "请求过多 / Too many batches at once",
    500: "内部错误（附编号） / Internal error (with a reference)",
    503: "存储、审计日志或组件不可用 / Store, audit log or a component unavailable",
    504: "请求超时 / Timed out",
}
#: Routes that answer 409 (a state conflict) or 429 (a caller's share of batches).
CONFLICTS = {("POST", "/v1/records/{record_id}/events"), ("POST", "/v1/admin/keys"),
             ("DELETE", "/v1/admin/keys/{user}")}  # fmt: skip
THROTTLED = {("POST", "/v1/check/batch")}


def error_statuses(ep: Endpoint, op: dict[str, Any]) -> set[int]:
    """Every error status the operation can answer."""
    statuses = {500}
    params = op.get("parameters", [])
    if params or "requestBody" in op:
        statuses.add(422)
    if "requestBody" in op:
        statuses |= {400, 413}
    if endpoint_roles(ep.route) is not None:
        statuses |= {401, 403, 404, 503, 504}
    elif ep.path == "/readyz":
        statuses |= {503, 504}
    if (ep.method, ep.path) in CONFLICTS:
        statuses.add(409)
    if (ep.method, ep.path) in THROTTLED:
        statuses.add(429)
    return statuses


def _problem_responses(op: dict[str, Any], statuses: set[int]) -> None:
    """Declare each error status as ``application/problem+json`` with the Problem schema."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = op.setdefault("responses", {})
    for code in sorted(statuses):
        key = str(code)
        described = responses.get(key, {}).get("description")
        if code == 422 or not described or described == "Validation Error":
            described = ERROR_DESCRIPTIONS[code]
        responses[key] = {"description": described, "content": content}
    for key in [k for k in responses if k.isdigit() and int(k) >= 400 and int(k) not in statuses]:
        responses[key]["content"] = content


def _calls(route: APIRoute) -> list[Any]:
    calls: list[Any] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        calls.extend(dep.call.parts() if isinstance(dep.call, Guard) else [dep.call])
        stack.extend(dep.dependencies)
    return calls


def endpoint_roles(route: APIRoute) -> tuple[str, ...] | None:
    """The roles a route admits (None: public), read from its dependencies."""
    return roles_of(_calls(route))


def endpoint_audit(route: APIRoute) -> Audited | None:
    """The route's audit declaration (None: it has none, which a test refuses)."""
    found = [c for c in _calls(route) if isinstance(c, Audited)]
    return found[0] if len(found) == 1 else None


def _warm(holder: StoreHolder) -> None:
    """Fill the caches a check and a result page read before the first request (see
    :func:`~graph_service.services.checks.warm_up` and
    :func:`~graph_service.services.results.warm_results`); a store that cannot answer yet
    leaves them to the first requests."""
    try:
        with holder.use() as store:
            warm_up(store)
            started = time.perf_counter()
            if keys := warm_results(store):
                log.info(
                    "read %d stored results in %.1f s: %s",
                    len(keys),
                    time.perf_counter() - started,
                    ", ".join(k.id for k in keys),
                )
    except DomainError as exc:
        log.warning("warm-up skipped: %s", exc.reason)


def worker_app() -> FastAPI:
    """The app of one worker process of ``serve --workers N`` (uvicorn's factory, imported in
    each process it spawns): the structured log handler, then :func:`create_app` over the
    environment's settings (``GRAPH_STORE`` names the store)."""
    from graph_service.logging import configure_logging

    configure_logging()
    return create_app()


def create_app(
    store_uri: str | None = None,
    store: GraphStore | None = None,
    *,
    settings: Settings | None = None,
    keys: ApiKeys | None = None,
    audit_log: Path | None = None,
) -> FastAPI:
    """The service over the store at ``store_uri`` (opened once, in the lifespan) or over an
    open ``store`` (the caller keeps and closes it). Without either, ``GRAPH_STORE``.

    ``settings``, ``keys`` and ``audit_log`` default to the environment's (tests pass their
    own). Raises :class:`~graph_service.errors.ConfigError` when the demo API keys would
    be used with a real person-key secret.
    """
    settings = settings or get_settings()
    if store is None and store_uri is None:
        store_uri = settings.graph_store
    secret = settings.graph_person_key_secret.get_secret_value()
    if keys is None:
        keys = ApiKeys.from_settings(settings.graph_api_keys_file, secret == DEV_SECRET)
    if keys.demo:
        log.warning(
            "using the demo API keys (demo-investigator, demo-regulator, demo-analyst, "
            "demo-admin): set GRAPH_API_KEYS_FILE outside a demo"
        )
    holder = StoreHolder(uri=store_uri, store=store, wait=settings.graph_request_timeout)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder.open()
        await asyncio.to_thread(_warm, holder)
        try:
            yield
        finally:
            app.state.jobs.wait(settings.graph_request_timeout)  # let running jobs finish
            holder.close()

    app = FastAPI(
        title="credit-graph 信用联合惩戒图分析",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by install_docs (no CDN)
        redoc_url=None,
        # FastAPI's own OpenTelemetry layer asks the global providers on every request whether
        # anyone listens (6 µs of a request); nobody does here: the service's metrics are its
        # own Prometheus registry (/metrics)
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.keys = keys
    app.state.keyring = PersonKeyring(secret)
    app.state.metrics = metrics
    app.state.slots = CallerSlots(wait=settings.graph_request_timeout)
    app.state.jobs = JobBoard(jobs_dir(settings, holder.description))

    def anchor(log_path: str, seq: int, entry_hash: str) -> None:
        holder.unlocked().keep_audit_anchor(log_path, seq, entry_hash)

    app.state.audit = AuditLog(
        audit_log or settings.graph_audit_log,
        fsync=settings.graph_audit_fsync,
        on_append=metrics.audit_entries.inc,
        anchor=anchor,
    )
    problems.install(app)
    # Matched in this order, route by route: the checks' router (the path a bidding platform
    # calls most) right after the probes, before the investigators' routers
    for router in (
        system.router,
        engine.router,
        search.router,
        profiles.router,
        graph.router,
        admin.router,
        jobs.router,
    ):
        app.include_router(router)
    app.include_router(evaluation_routes.router)  # grades, draws, reports, deadlines
    app.include_router(page.router)
    install_docs(app)
    app.mount("/static/vis", StaticFiles(directory=VIS_DIR), name="vis")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(KeyFirstMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.openapi = lambda: _openapi_with_roles(app)  # type: ignore[method-assign]
    _install_log_mask()
    return app
