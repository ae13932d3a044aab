"""Where the client's answers come from: the store and the engines in this process
(:class:`LocalBackend`), or a running service over HTTP (:class:`HttpBackend`).

Both answer each question with the JSON the service's endpoint would send: the local backend
calls the same use cases the routers call (:mod:`graph_service.services`) and dumps their
answers as FastAPI does (:func:`_json`), so a notebook gets the same answer from a file, from
Neo4j or from the service. Errors are the same too: the HTTP backend raises the domain error
the service's problem ``type`` names (:data:`graph_service.problems.PROBLEMS`), e.g.
:class:`~graph_service.errors.NotFound`.
"""

from __future__ import annotations

import json
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from pydantic import TypeAdapter

from graph_service.errors import DomainError, StoreUnavailable
from graph_service.ids.person_key import PersonKeyring
from graph_service.problems import PROBLEMS, TYPE_PREFIX
from graph_service.services import checks, evaluation, flags, graph, info, profiles, subjects
from graph_service.services.access import Access, Principal, Role, local_user
from graph_service.services.audit import AuditLog
from graph_service.services.models import BatchItem
from graph_service.services.shaping import MAX_LIMIT
from graph_service.stores.base import GraphStore

#: Largest page the service answers (``limit`` of every list).
PAGE = MAX_LIMIT
#: Largest screening batch the service takes.
MAX_BATCH = checks.MAX_BATCH
#: Dumps any answer by its runtime type, as FastAPI dumps a route's ``dict``/``list`` answer.
_ANY: TypeAdapter[Any] = TypeAdapter(Any)


class ServiceError(DomainError):
    """An error answer of the service that no domain error names (the problem's status and
    ``reference``, for a 500, are kept)."""

    def __init__(self, zh: str, en: str, status: int, reference: str | None = None) -> None:
        super().__init__(zh, en)
        self.status = status
        self.reference = reference


@cache
def _problem_classes() -> dict[str, type[DomainError]]:
    from graph_service.errors import NotFound
    from graph_service.problems import HTTP_PROBLEMS

    out = {
        p.slug: cls
        for cls, p in PROBLEMS.items()
        if isinstance(cls, type) and issubclass(cls, DomainError)
    }
    for p in HTTP_PROBLEMS.values():
        if p.status == 404:
            out[p.slug] = NotFound
    return out


def _json(value: Any, *, exclude_none: bool = False) -> Any:
    """``value`` as the service sends it: dumped as FastAPI dumps a route's answer (JSON
    types, aliases, ``exclude_none`` as the route declares), then through a JSON round trip."""
    out = _ANY.dump_python(value, mode="json", by_alias=True, exclude_none=exclude_none)
    return json.loads(json.dumps(out))


# -- the backends ----------------------------------------------------------------------------


class Backend(ABC):
    """One method per endpoint the client uses; each returns that endpoint's JSON."""

    #: "embedded", "neo4j" or "http"
    kind: str

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """``GET /v1/info``."""

    @abstractmethod
    def search(self, q: str, limit: int, offset: int) -> dict[str, Any]:
        """``GET /v1/search``."""

    @abstractmethod
    def entity(self, uscc: str, limit: int, offset: int) -> dict[str, Any]:
        """``GET /v1/entities/{uscc}``."""

    @abstractmethod
    def person(self, person: str, limit: int, offset: int) -> dict[str, Any]:
        """``GET /v1/persons/{person_id}``."""

    @abstractmethod
    def record(self, record_id: str) -> dict[str, Any]:
        """``GET /v1/records/{record_id}``."""

    @abstractmethod
    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        """``GET /v1/records/{record_id}/history``."""

    @abstractmethod
    def neighbourhood(self, node: str, on: str | None, limit: int, offset: int) -> dict[str, Any]:
        """``GET /v1/graph/neighbourhood``."""

    @abstractmethod
    def path(self, a: str, b: str, max_hops: int) -> dict[str, Any]:
        """``GET /v1/graph/path``."""

    @abstractmethod
    def measures(self) -> dict[str, Any]:
        """``GET /v1/measures``."""

    @abstractmethod
    def check(
        self, subject: str, action: str, on: str | None, known_at: str | None
    ) -> dict[str, Any]:
        """``GET /v1/check``."""

    @abstractmethod
    def check_batch(
        self, items: Sequence[Mapping[str, str]], on: str | None
    ) -> list[dict[str, Any]]:
        """``POST /v1/check/batch`` (at most :data:`MAX_BATCH` items)."""

    @abstractmethod
    def relocations(
        self, on: str | None, level: str, pattern: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """``GET /v1/relocations``."""

    @abstractmethod
    def flows(self, on: str | None, level: str, by: str) -> dict[str, Any]:
        """``GET /v1/relocations/flows``."""

    @abstractmethod
    def notices(self, on: str | None, region: str, limit: int, offset: int) -> dict[str, Any]:
        """``GET /v1/notices`` (a page)."""

    @abstractmethod
    def credit_record(self, person: str, on: str | None) -> dict[str, Any]:
        """``GET /v1/persons/{person_id}/credit-record``."""

    @abstractmethod
    def evaluation(self, uscc: str, on: str | None) -> dict[str, Any]:
        """``GET /v1/evaluation/entities/{uscc}``."""

    @abstractmethod
    def grades(
        self, on: str | None, region: str, industry: str, grade: str | None, watch: bool
    ) -> list[dict[str, Any]]:
        """Every row ``GET /v1/evaluation/grades`` pages through, worst score first."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the store or the HTTP connection."""


class _NoAudit:
    """The local client writes no audit log unless asked to (``audit_log=``)."""

    def append(self, **_: Any) -> dict[str, Any]:
        """Write nothing."""
        return {}


class LocalBackend(Backend):
    """The store and the engines in this process, answering as the service would.

    ``role`` decides what the answers show, as the service's roles do: an ``investigator``
    sees persons' full ID numbers (unsealed with ``secret``), the others see them masked.
    Roles do not restrict what may be asked here: whoever holds the store holds the data.
    ``audit_log`` (a path) writes person accesses to an audit log as the service does.
    Each method calls the use case its endpoint calls and dumps the answer as the endpoint
    declares (``exclude_none`` where the route says so).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        secret: str,
        role: Role = "regulator",
        audit_log: Path | None = None,
        user: str | None = None,
        owns_store: bool = True,
    ) -> None:
        self.store = store
        self.kind = store.backend
        self.owns_store = owns_store
        self.keyring = PersonKeyring(secret)
        self.access = Access(
            principal=Principal(user or local_user(), role),
            client="local",
            audit=AuditLog(audit_log, fsync=False) if audit_log else _NoAudit(),
            keyring=self.keyring,
        )

    def _stores(self) -> AbstractContextManager[GraphStore]:
        return nullcontext(self.store)

    def info(self) -> dict[str, Any]:
        return cast(dict[str, Any], _json(info.info(self.store)))

    def search(self, q: str, limit: int, offset: int) -> dict[str, Any]:
        found = subjects.search(self.store, self.access, q, limit, offset)
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def entity(self, uscc: str, limit: int, offset: int) -> dict[str, Any]:
        found = profiles.entity_profile(self.store, self.access, uscc, limit, offset)
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def person(self, person: str, limit: int, offset: int) -> dict[str, Any]:
        found = profiles.person_profile(self.store, self.access, person, limit, offset)
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def record(self, record_id: str) -> dict[str, Any]:
        found = profiles.record(self.store, self.access, record_id)
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        found = profiles.record_history(self.store, self.access, record_id)
        return cast(list[dict[str, Any]], _json(found))

    def neighbourhood(self, node: str, on: str | None, limit: int, offset: int) -> dict[str, Any]:
        found = graph.neighbourhood(
            self.store, self.access, node, on=on, limit=limit, offset=offset, vis=None
        )
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def path(self, a: str, b: str, max_hops: int) -> dict[str, Any]:
        found = graph.path(self.store, self.access, a, b, max_hops=max_hops, vis=None)
        return cast(dict[str, Any], _json(found, exclude_none=True))

    def measures(self) -> dict[str, Any]:
        return cast(dict[str, Any], _json(checks.measures()))

    def check(
        self, subject: str, action: str, on: str | None, known_at: str | None
    ) -> dict[str, Any]:
        found = checks.check(self.store, self.access, subject, action, on, known_at)
        return cast(dict[str, Any], _json(found))

    def check_batch(
        self, items: Sequence[Mapping[str, str]], on: str | None
    ) -> list[dict[str, Any]]:
        questions = [BatchItem(subject=i["subject"], action=i["action"]) for i in items]
        found = checks.check_batch(self._stores, self.access, questions, on)
        return cast(list[dict[str, Any]], _json(found, exclude_none=True))

    # Nationwide answers are paged from stored results, as the service pages them; here,
    # in the caller's own process, a missing or stale result is computed and kept first
    # (freshness "current"), so the answer is as of now.

    def relocations(
        self, on: str | None, level: str, pattern: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        found = flags.relocations(
            self.store,
            self.access,
            on,
            level,  # type: ignore[arg-type]
            pattern,
            limit,
            offset,
            freshness="current",
        )
        return found.items()

    def flows(self, on: str | None, level: str, by: str) -> dict[str, Any]:
        found = flags.flows(self.store, on, level, by, freshness="current")  # type: ignore[arg-type]
        return cast(dict[str, Any], _json(found))

    def notices(self, on: str | None, region: str, limit: int, offset: int) -> dict[str, Any]:
        found = flags.notices(
            self.store, self.access, on, region, limit, offset, freshness="current"
        )
        return cast(dict[str, Any], _json(found))

    def credit_record(self, person: str, on: str | None) -> dict[str, Any]:
        found = profiles.credit_record(self.store, self.access, person, on)
        return cast(dict[str, Any], _json(found))

    def evaluation(self, uscc: str, on: str | None) -> dict[str, Any]:
        found = evaluation.evaluate_entity(self.store, self.access, uscc, on)
        return cast(dict[str, Any], _json(found))

    def grades(
        self, on: str | None, region: str, industry: str, grade: str | None, watch: bool
    ) -> list[dict[str, Any]]:
        found = evaluation.grades(  # every row at once: the pages the service sends, joined
            self.store,
            on,
            region,
            industry,
            grade,
            watch,
            sys.maxsize,
            0,
            freshness="current",
        )
        return found.items()

    def close(self) -> None:
        if self.owns_store:
            self.store.close()


class HttpBackend(Backend):
    """A running service, over HTTP with an API key (``X-API-Key``).

    ``http`` may be any ``httpx.Client`` (a ``fastapi.testclient.TestClient`` in tests); by
    default one is made for ``url`` with ``timeout`` seconds.
    """

    kind = "http"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        timeout: float = 60.0,
        http: Any | None = None,
    ) -> None:
        import httpx

        headers = {"X-API-Key": api_key} if api_key else {}
        self.url = url.rstrip("/")
        self.owns_http = http is None
        self.http: httpx.Client = http or httpx.Client(base_url=self.url, timeout=timeout)
        self.http.headers.update(headers)

    def _answer(self, response: Any) -> Any:
        if response.status_code < 400:
            return response.json()
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        zh = str(body.get("detail_zh") or body.get("title") or f"服务返回{response.status_code}")
        en = str(body.get("detail_en") or body.get("detail") or response.reason_phrase)
        slug = str(body.get("type", "")).removeprefix(TYPE_PREFIX)
        cls = _problem_classes().get(slug)
        if cls is None or (response.status_code >= 500 and cls is DomainError):
            raise ServiceError(zh, en, response.status_code, body.get("reference"))
        raise cls(zh, en)

    def _get(self, path: str, **params: Any) -> Any:
        import httpx

        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = self.http.get(path, params=query)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"无法连接服务：{self.url}", f"cannot reach the service at {self.url}: {exc}"
            ) from exc
        return self._answer(response)

    def _post(self, path: str, body: Any) -> Any:
        import httpx

        try:
            response = self.http.post(path, json=body)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"无法连接服务：{self.url}", f"cannot reach the service at {self.url}: {exc}"
            ) from exc
        return self._answer(response)

    def info(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._get("/v1/info"))

    def search(self, q: str, limit: int, offset: int) -> dict[str, Any]:
        return cast(dict[str, Any], self._get("/v1/search", q=q, limit=limit, offset=offset))

    def entity(self, uscc: str, limit: int, offset: int) -> dict[str, Any]:
        return cast(
            dict[str, Any], self._get(f"/v1/entities/{_seg(uscc)}", limit=limit, offset=offset)
        )

    def person(self, person: str, limit: int, offset: int) -> dict[str, Any]:
        return cast(
            dict[str, Any], self._get(f"/v1/persons/{_seg(person)}", limit=limit, offset=offset)
        )

    def record(self, record_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._get(f"/v1/records/{_seg(record_id)}"))

    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._get(f"/v1/records/{_seg(record_id)}/history"))

    def neighbourhood(self, node: str, on: str | None, limit: int, offset: int) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self._get("/v1/graph/neighbourhood", id=node, on=on, limit=limit, offset=offset),
        )

    def path(self, a: str, b: str, max_hops: int) -> dict[str, Any]:
        params = {"from": a, "to": b, "max_hops": max_hops}
        return cast(dict[str, Any], self._get("/v1/graph/path", **params))

    def measures(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._get("/v1/measures"))

    def check(
        self, subject: str, action: str, on: str | None, known_at: str | None
    ) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self._get("/v1/check", subject=subject, action=action, on=on, known_at=known_at),
        )

    def check_batch(
        self, items: Sequence[Mapping[str, str]], on: str | None
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"items": [dict(i) for i in items]}
        if on:
            body["on"] = on
        return cast(list[dict[str, Any]], self._post("/v1/check/batch", body))

    def relocations(
        self, on: str | None, level: str, pattern: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        return cast(
            list[dict[str, Any]],
            self._get(
                "/v1/relocations", on=on, level=level, pattern=pattern, limit=limit, offset=offset
            ),
        )

    def flows(self, on: str | None, level: str, by: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._get("/v1/relocations/flows", on=on, level=level, by=by))

    def notices(self, on: str | None, region: str, limit: int, offset: int) -> dict[str, Any]:
        return cast(
            dict[str, Any],
            self._get("/v1/notices", on=on, region=region, limit=limit, offset=offset),
        )

    def credit_record(self, person: str, on: str | None) -> dict[str, Any]:
        return cast(dict[str, Any], self._get(f"/v1/persons/{_seg(person)}/credit-record", on=on))

    def evaluation(self, uscc: str, on: str | None) -> dict[str, Any]:
        return cast(dict[str, Any], self._get(f"/v1/evaluation/entities/{_seg(uscc)}", on=on))

    def grades(
        self, on: str | None, region: str, industry: str, grade: str | None, watch: bool
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = self._get(
                "/v1/evaluation/grades",
                on=on,
                region=region,
                industry=industry,
                grade=grade,
                watch=str(watch).lower(),
                limit=PAGE,
                offset=len(rows),
            )
            rows += page["items"]
            if not page["items"] or len(rows) >= page["total"]:
                return rows

    def close(self) -> None:
        if self.owns_http:
            self.http.close()


def _seg(value: str) -> str:
    """A value as one path segment."""
    return quote(value.strip(), safe="")
