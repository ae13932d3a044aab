"""ASGI middleware: Prometheus metrics per route, the key checked before a body is read, a
cap on request bodies; and a bound on each caller's concurrent batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_service.api.auth import authenticate, key_in
from graph_service.api.problems import problem_response
from graph_service.errors import DomainError
from graph_service.problems import PROBLEMS, PayloadTooLarge, TooManyRequests, problem_type

#: Largest request body accepted (bytes); the export of a big view fits well within it.
MAX_BODY = 4 * 1024 * 1024


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "credit_graph_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "credit_graph_http_request_seconds",
            "Time to answer, by route template",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "credit_graph_http_requests_in_flight",
            "Requests being answered",
            registry=self.registry,
        )
        self.store_up = Gauge(
            "credit_graph_store_up",
            "1 when the last readiness check reached the store, else 0",
            registry=self.registry,
        )
        self.audit_entries = Counter(
            "credit_graph_audit_entries",
            "Entries appended to the audit log",
            registry=self.registry,
        )


class MetricsMiddleware:
    """Counts requests and times them by route template (never by raw path: no IDs in
    labels, and a bounded number of series)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.in_flight.dec()
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or (
                "/static" if str(scope.get("path", "")).startswith("/static/") else "unmatched"
            )
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(template).observe(time.perf_counter() - started)


class BodyLimitMiddleware:
    """Answers 413 to a body announced (Content-Length) or found (chunked) larger than
    ``limit``: the body is read here, up to the limit, before the app parses any of it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            size = int(declared) if declared is not None else 0
        except ValueError:
            size = 0
        if size > self.limit:
            await self._too_big(scope, receive, send)
            return
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await self._too_big(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_big(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.limit // (1024 * 1024)
        response = problem_response(
            PROBLEMS[PayloadTooLarge],
            f"请求体不得超过{mb} MB",
            f"the request body must not exceed {mb} MB",
            instance=scope["path"],
        )
        await response(scope, receive, send)


class KeyFirstMiddleware:
    """Checks the API key of a request that carries a body (POST, PUT, PATCH, DELETE under
    ``/v1/``) before the body is read or parsed: a caller without a valid key gets 401, never
    a 400 or 413 about a body nobody will read. The principal is kept for :class:`Allow`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("POST", "PUT", "PATCH", "DELETE")
            and str(scope["path"]).startswith("/v1/")
        ):
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            try:
                principal = authenticate(scope["app"].state.keys, key_in(headers))
            except DomainError as exc:
                ptype = problem_type(exc)
                response = problem_response(ptype, exc.zh, exc.en, instance=scope["path"])
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class CallerSlots:
    """At most ``limit`` big requests (screening batches) per caller at once: a caller who
    sends more waits up to ``wait`` seconds for a slot, then gets 429. Others are not held
    up by one caller's batches."""

    def __init__(self, limit: int = 2, wait: float = 10.0) -> None:
        self.limit = limit
        self.wait = wait
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, user: str) -> Iterator[None]:
        """Hold one of ``user``'s slots for the duration of the block."""
        with self._lock:
            sem = self._slots.setdefault(user, threading.BoundedSemaphore(self.limit))
        if not sem.acquire(timeout=self.wait):
            raise TooManyRequests(
                f"同一用户同时最多{self.limit}个批量请求，请等前面的完成",
                f"at most {self.limit} batches per caller at once; wait for the earlier ones",
            )
        try:
            yield
        finally:
            sem.release()
