"""One router per audience; each handler parses, calls one use case of
:mod:`graph_service.services`, and returns. Every handler under ``/v1`` declares its roles with
:class:`~graph_service.api.auth.Allow`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BeforeValidator

from graph_service.api.deps import answer_light, networked
from graph_service.api.models import Problem
from graph_service.services.results import PageAsk, RowsPage, rows_page, rows_page_awaited
from graph_service.stores.base import GraphStore

#: Problem responses every authenticated endpoint may give (for the OpenAPI document).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "缺少或无效的API密钥 / No or unknown API key"},
    403: {"model": Problem, "description": "角色无权访问 / Role not allowed"},
    422: {"model": Problem, "description": "参数或标识不合法 / Bad parameter or identifier"},
    503: {"model": Problem, "description": "图存储不可用 / Store unavailable"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "未找到 / Not found"}
}
#: The problem of an answer paged from a stored result that no job has made for that date.
RESULT_MISSING: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "尚无该日期的计算结果：先运行任务（POST /v1/jobs）/ No stored result for "
        "that date: start its job first (POST /v1/jobs)",
    }
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_only(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text (or a date): pydantic would also take ``86400`` (seconds
    since 1970) or ``2024-01-01T10:00``."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("must be a date YYYY-MM-DD")


#: A date written ``YYYY-MM-DD`` and nothing else (queries and bodies).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_only)]

#: An optional ``on`` date query parameter (the answer is as of that day; default today).
On = Annotated[IsoDate | None, Query(description="日期（默认今天）/ As of (default today)")]


def on_or_today(value: dt.date | None) -> str:
    """The ISO date asked about: ``value``, or today."""
    return (value or dt.date.today()).isoformat()


async def stored_page(request: Request, ask: PageAsk) -> RowsPage:
    """The page of a stored result ``ask`` names, for an async handler (409 when no job has
    made the result). Neo4j: the read awaited on the event loop, in one query with the pages
    asked at the same time (no thread per page). The embedded store: under its lock, on the
    event loop when the lock is free (a page it keeps is tens of microseconds of work)."""
    store = networked(request)
    if store is not None:
        return await rows_page_awaited(store, ask)

    def read(store: GraphStore) -> RowsPage:
        return rows_page(store, ask)

    return await answer_light(request, read)
