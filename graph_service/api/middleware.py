"""ASGI middleware: Prometheus metrics per route, and a cap on request bodies."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_service.api.problems import PROBLEMS, PayloadTooLarge, problem_response

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
    """Answers 413 to a body announced (Content-Length) or found larger than ``limit``."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = PayloadTooLarge(
            f"请求体不得超过{self.limit // (1024 * 1024)} MB",
            f"the request body must not exceed {self.limit // (1024 * 1024)} MB",
        )
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > self.limit:
                response = problem_response(
                    PROBLEMS[PayloadTooLarge], too_big.zh, too_big.en, instance=scope["path"]
                )
                await response(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise too_big
            return message

        await self.app(scope, counted, send)
