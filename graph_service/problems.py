"""The service's problem types (RFC 9457): which status and ``type`` each error is answered
with. One map, below every adapter: the API answers with it (:mod:`graph_service.api.problems`)
and the client turns an answer back into the error it names (:mod:`graph_service.client`).
``tests/api/test_problems.py`` proves the status of every entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.errors import (
    ConfigError,
    Conflict,
    DomainError,
    InvalidIdentifier,
    InvalidParameter,
    NotFound,
    RequestTimeout,
    ResultMissing,
    ServiceUnavailable,
    StoreUnavailable,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:credit-graph:problem:"


# -- errors the API adds to graph_service.errors ------------------------------------------


class MalformedRequest(DomainError, ValueError):
    """A body that is not JSON, or not the JSON the endpoint takes."""


class Unauthenticated(DomainError):
    """No API key, or a key nobody holds."""


class Forbidden(DomainError):
    """A key whose role may not use the endpoint."""


class PayloadTooLarge(DomainError):
    """A request body over the limit."""


class TooManyRequests(DomainError):
    """A caller over their share of concurrent batches."""


@dataclass(frozen=True, slots=True)
class ProblemType:
    """The status and title an exception class is answered with."""

    status: int
    slug: str
    title: str


#: The one map from exceptions to responses. Looked up along the exception's MRO, so the
#: most specific class listed wins.
PROBLEMS: dict[type[BaseException], ProblemType] = {
    MalformedRequest: ProblemType(400, "malformed-request", "请求格式错误 / Malformed request"),
    Unauthenticated: ProblemType(401, "unauthenticated", "需要有效的API密钥 / API key required"),
    Forbidden: ProblemType(403, "forbidden", "无权访问 / Not allowed for this role"),
    NotFound: ProblemType(404, "not-found", "未找到 / Not found"),
    Conflict: ProblemType(409, "conflict", "与当前状态冲突 / Conflict"),
    ResultMissing: ProblemType(409, "result-missing", "尚无该日期的计算结果 / No stored result"),
    PayloadTooLarge: ProblemType(413, "payload-too-large", "请求体过大 / Payload too large"),
    InvalidIdentifier: ProblemType(
        422, "invalid-identifier", "标识不符合国家标准 / Invalid identifier"
    ),
    InvalidParameter: ProblemType(422, "invalid-parameter", "参数不合法 / Invalid parameter"),
    TooManyRequests: ProblemType(429, "too-many-requests", "请求过多 / Too many requests"),
    ServiceUnavailable: ProblemType(
        503, "unavailable", "服务所需组件不可用 / A component the service needs is unavailable"
    ),
    StoreUnavailable: ProblemType(
        503, "store-unavailable", "图存储暂不可用 / Graph store unavailable"
    ),
    ConfigError: ProblemType(503, "misconfigured", "服务配置错误 / Service misconfigured"),
    RequestTimeout: ProblemType(504, "timeout", "请求超时 / Request timed out"),
    DomainError: ProblemType(422, "unprocessable", "无法处理 / Cannot process"),
}
INTERNAL = ProblemType(500, "internal", "内部错误 / Internal error")
#: Statuses Starlette itself raises (no route, wrong method) and their problem types.
HTTP_PROBLEMS: dict[int, ProblemType] = {
    404: ProblemType(404, "no-such-path", "没有这个路径 / No such path"),
    405: ProblemType(405, "method-not-allowed", "不支持的请求方法 / Method not allowed"),
}
#: Retry-After (seconds) sent with these statuses.
RETRY_AFTER = {429: "5", 503: "5", 504: "5"}


def problem_type(exc: BaseException) -> ProblemType:
    """The problem type of an exception: the first class in its MRO that :data:`PROBLEMS`
    lists, else :data:`INTERNAL`."""
    for cls in type(exc).__mro__:
        found = PROBLEMS.get(cls)
        if found is not None:
            return found
    return INTERNAL
