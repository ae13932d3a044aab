"""One router per audience; each handler parses, calls :mod:`graph_service.api.service`, and
returns. Every handler under ``/v1`` declares its roles with
:class:`~graph_service.api.auth.Allow`."""

from __future__ import annotations

from typing import Any

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
