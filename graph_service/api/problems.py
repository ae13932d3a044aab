"""Errors as ``application/problem+json`` (RFC 9457), from the one map of exceptions to
responses (:data:`graph_service.problems.PROBLEMS`).

Every problem carries a reason a person can act on, in Chinese and English (``detail_zh``,
``detail_en``; ``detail`` joins both).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph_service.errors import DomainError, InvalidParameter
from graph_service.ids.resident_id import mask_id_numbers
from graph_service.problems import (
    HTTP_PROBLEMS,
    INTERNAL,
    PROBLEM_JSON,
    PROBLEMS,
    RETRY_AFTER,
    TYPE_PREFIX,
    MalformedRequest,
    ProblemType,
    problem_type,
)

log = logging.getLogger("graph_service.api")


def problem_response(
    ptype: ProblemType,
    zh: str,
    en: str,
    *,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 response with a bilingual ``detail``; every ID number in it masked (a path,
    a parameter or a reason may carry one)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + ptype.slug,
        "title": ptype.title,
        "status": ptype.status,
        "detail": f"{zh} / {en}",
        "detail_zh": zh,
        "detail_en": en,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    body = _masked(body)
    all_headers = dict(headers or {})
    if ptype.status in RETRY_AFTER:
        all_headers.setdefault("Retry-After", RETRY_AFTER[ptype.status])
    if ptype.status == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="credit-graph"')
    return JSONResponse(
        body, status_code=ptype.status, media_type=PROBLEM_JSON, headers=all_headers
    )


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


# -- request validation: pydantic's errors told in both languages --------------------------

_ZH = {
    "missing": "缺少必填项",
    "less_than_equal": "不得大于{le}",
    "less_than": "必须小于{lt}",
    "greater_than_equal": "不得小于{ge}",
    "greater_than": "必须大于{gt}",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为true或false",
    "date_from_datetime_parsing": "应为日期YYYY-MM-DD",
    "date_parsing": "应为日期YYYY-MM-DD",
    "date_type": "应为日期YYYY-MM-DD",
    "string_too_short": "至少{min_length}个字符",
    "string_too_long": "最多{max_length}个字符",
    "string_type": "应为字符串",
    "string_pattern_mismatch": "格式不符（{pattern}）",
    "too_long": "最多{max_length}项",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "list_type": "应为数组",
    "dict_type": "应为JSON对象",
    "model_attributes_type": "应为JSON对象",
    "extra_forbidden": "不是可接受的字段",
}


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "header", "body", "cookie"):
        head, rest = parts[0], parts[1:]
        return f"{head} '{'.'.join(rest)}'" if rest else head
    return ".".join(parts)


def validation_problem(exc: RequestValidationError, instance: str) -> JSONResponse:
    """422 (400 for a body that is not JSON) naming each bad field and what it must be."""
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        err = next(e for e in errors if e.get("type") == "json_invalid")
        pos = (err.get("ctx") or {}).get("error", "")
        return problem_response(
            PROBLEMS[MalformedRequest],
            f"请求体不是合法的JSON：{pos}",
            f"request body is not valid JSON: {pos}",
            instance=instance,
        )
    items = []
    for e in errors[:20]:
        ctx = {k: str(v) for k, v in (e.get("ctx") or {}).items()}
        where = _where(tuple(e.get("loc", ())))
        zh_rule = _ZH.get(str(e.get("type")))
        try:
            zh_text = zh_rule.format(**ctx) if zh_rule else str(e.get("msg"))
        except (KeyError, IndexError):
            zh_text = str(e.get("msg"))
        items.append({"where": where, "zh": f"{where}：{zh_text}", "en": f"{where}: {e['msg']}"})
    return problem_response(
        PROBLEMS[InvalidParameter],
        "；".join(i["zh"] for i in items),
        "; ".join(i["en"] for i in items),
        instance=instance,
        extra={"errors": items},
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a problem response."""

    async def domain(request: Request, exc: Exception) -> JSONResponse:
        ptype = problem_type(exc)
        if ptype is INTERNAL:
            return await internal(request, exc)
        assert isinstance(exc, DomainError)
        return problem_response(ptype, exc.zh, exc.en, instance=request.url.path)

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(exc, request.url.path)

    async def http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        ptype = HTTP_PROBLEMS.get(exc.status_code) or ProblemType(
            exc.status_code, f"http-{exc.status_code}", str(exc.detail)
        )
        if exc.status_code == 404:
            zh, en = f"没有路径{request.url.path}", f"no such path {request.url.path}"
        elif exc.status_code == 405:
            zh = f"{request.url.path}不接受{request.method}请求"
            en = f"{request.url.path} does not take {request.method}"
        else:
            zh = en = str(exc.detail)
        return problem_response(
            ptype, zh, en, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    async def internal(request: Request, exc: Exception) -> JSONResponse:
        ref = secrets.token_hex(6)
        # the log's formatter masks ID numbers in the path and the traceback
        log.error("internal error %s on %s", ref, request.url.path, exc_info=exc)
        return problem_response(
            INTERNAL,
            f"服务内部错误，请将编号{ref}告知管理员",
            f"internal error; give the reference {ref} to the administrator",
            instance=request.url.path,
            extra={"reference": ref},
        )

    app.add_exception_handler(DomainError, domain)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, internal)
