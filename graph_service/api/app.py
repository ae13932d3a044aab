"""The FastAPI application: :func:`create_app` wires settings, the store, keys, the audit
log, metrics, the routers and the one map of errors to problem responses."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from graph_service.api import problems
from graph_service.api.audit import AuditLog
from graph_service.api.auth import ApiKeys, roles_of
from graph_service.api.docs import install_docs
from graph_service.api.graphview import VIS_DIR
from graph_service.api.middleware import BodyLimitMiddleware, Metrics, MetricsMiddleware
from graph_service.api.routers import admin, engine, graph, page, profiles, search, system
from graph_service.api.routers import evaluation as evaluation_routes
from graph_service.api.routers.page import STATIC_DIR
from graph_service.api.state import StoreHolder
from graph_service.ids.person_key import PersonKeyring
from graph_service.settings import DEV_SECRET, Settings, get_settings
from graph_service.stores.base import GraphStore

log = logging.getLogger("graph_service.api")

DESCRIPTION = """
信用联合惩戒图分析服务（国办发〔2019〕35号）。/ Graph analytics for cross-region joint
punishment in credit supervision.

**认证 / Authentication**: send an API key as `X-API-Key: KEY` or `Authorization: Bearer KEY`.
Each endpoint states the roles it admits (`x-roles`); other roles get 403.

**错误 / Errors**: `application/problem+json` (RFC 9457) with the reason in Chinese and
English (`detail_zh`, `detail_en`).
"""

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


class _MaskIdNumbers(logging.Filter):
    """Masks resident ID numbers in access-log lines (a profile may be asked for by number)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _ID_NUMBER.sub(r"\1********\2", a) if isinstance(a, str) else a for a in record.args
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
    """Every API operation of ``app``, routers included (FastAPI ≥ 0.130 keeps included routers
    nested, older versions flatten them: both are walked)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        contexts: list[Any] = [r for r in app.routes if isinstance(r, APIRoute)]
        pairs = [(r, r) for r in contexts]
    else:
        pairs = [(c, c.original_route) for c in iter_route_contexts(app.routes)]
    out = []
    for ctx, original in pairs:
        if not isinstance(original, APIRoute) or not getattr(ctx, "include_in_schema", True):
            continue
        for method in sorted(ctx.methods or ()):
            out.append(Endpoint(method, str(ctx.path_format), original))
    return out


def _openapi_with_roles(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with each operation's roles (``x-roles``) in it."""
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
        note = f"角色 / Roles: {', '.join(roles) if roles else 'public (no key)'}"
        op["description"] = f"{op.get('description', '')}\n\n{note}".strip()
    app.openapi_schema = schema
    return schema


def endpoint_roles(route: APIRoute) -> tuple[str, ...] | None:
    """The roles a route admits (None: public), read from its dependencies."""
    calls = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        calls.append(dep.call)
        stack.extend(dep.dependencies)
    return roles_of(calls)


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
    own). Raises :class:`~graph_service.api.problems.ConfigError` when the demo API keys would
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
        try:
            yield
        finally:
            holder.close()

    app = FastAPI(
        title="credit-graph 信用联合惩戒图分析",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by install_docs (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.keys = keys
    app.state.keyring = PersonKeyring(secret)
    app.state.metrics = metrics
    app.state.audit = AuditLog(
        audit_log or settings.graph_audit_log,
        fsync=settings.graph_audit_fsync,
        on_append=metrics.audit_entries.inc,
    )
    problems.install(app)
    for router in (
        system.router,
        search.router,
        profiles.router,
        graph.router,
        engine.router,
        admin.router,
    ):
        app.include_router(router)
    app.include_router(evaluation_routes.router)  # grades, draws, reports, deadlines
    app.include_router(page.router)
    install_docs(app)
    app.mount("/static/vis", StaticFiles(directory=VIS_DIR), name="vis")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.openapi = lambda: _openapi_with_roles(app)  # type: ignore[method-assign]
    _install_log_mask()
    return app
