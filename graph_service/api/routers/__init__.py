"""One router per audience; each handler parses, calls :mod:`graph_service.api.service`, and
returns. Every handler under ``/v1`` declares its roles with
:class:`~graph_service.api.auth.Allow`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query

from graph_service.api.models import Problem

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

#: An optional ``on`` date query parameter (the answer is as of that day; default today).
On = Annotated[dt.date | None, Query(description="日期（默认今天）/ As of (default today)")]


def on_or_today(value: dt.date | None) -> str:
    """The ISO date asked about: ``value``, or today."""
    return (value or dt.date.today()).isoformat()
