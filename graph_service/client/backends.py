"""Where the client's answers come from: the store and the engines in this process
(:class:`LocalBackend`), or a running service over HTTP (:class:`HttpBackend`).

Both answer each question with the JSON the service's endpoint would send: the local backend
calls the same functions the routers call (:mod:`graph_service.api.service` and the engines)
and shapes the result with the route's own response model (:func:`shape`), so a notebook gets
the same answer from a file, from Neo4j or from the service. Errors are the same too: the
HTTP backend raises the domain error the service's problem ``type`` names
(:data:`graph_service.api.problems.PROBLEMS`), e.g. :class:`~graph_service.errors.NotFound`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from graph_service.api.audit import AuditLog
from graph_service.api.auth import Principal, Role
from graph_service.api.problems import PROBLEMS, TYPE_PREFIX
from graph_service.errors import DomainError, StoreUnavailable
from graph_service.ids.person_key import PersonKeyring
from graph_service.stores.base import GraphStore

#: Largest page the service answers (``limit`` of every list).
PAGE = 500
#: Largest screening batch the service takes.
MAX_BATCH = 5000


class ServiceError(DomainError):
    """An error answer of the service that no domain error names (the problem's status and
    ``reference``, for a 500, are kept)."""

    def __init__(self, zh: str, en: str, status: int, reference: str | None = None) -> None:
        super().__init__(zh, en)
        self.status = status
        self.reference = reference


@cache
def _problem_classes() -> dict[str, type[DomainError]]:
    from graph_service.api.problems import HTTP_PROBLEMS
    from graph_service.errors import NotFound

    out = {
        p.slug: cls
        for cls, p in PROBLEMS.items()
        if isinstance(cls, type) and issubclass(cls, DomainError)
    }
    for p in HTTP_PROBLEMS.values():
        if p.status == 404:
            out[p.slug] = NotFound
    return out


def _today() -> str:
    return dt.date.today().isoformat()


# -- answers as the routes shape them --------------------------------------------------------


@cache
def _routes() -> dict[tuple[str, str], Any]:
    """Every API route of the service by (method, path template)."""
    from fastapi.routing import APIRoute

    from graph_service.api.routers import engine, graph, profiles, search, system

    modules: list[Any] = [system, search, profiles, graph, engine]
    try:
        from graph_service.api.routers import evaluation
    except ImportError:  # pragma: no cover - a checkout without grading
        pass
    else:
        modules.append(evaluation)
    out: dict[tuple[str, str], Any] = {}
    for module in modules:
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods or ():
                    out[(method, route.path)] = route
    return out


@cache
def _adapter(tp: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(tp)


def shape(method: str, path: str, value: Any) -> Any:
    """``value`` as the route ``method path`` sends it: validated with its response model and
    dumped to JSON types (aliases, ``exclude_none`` as the route says), else encoded as
    FastAPI encodes a plain answer. Raises ``KeyError`` for a route the service lacks."""
    from fastapi.encoders import jsonable_encoder

    route = _routes()[(method, path)]
    if route.response_model is None:
        out = jsonable_encoder(value)
    else:
        adapter = _adapter(route.response_model)
        out = adapter.dump_python(
            adapter.validate_python(value),
            mode="json",
            by_alias=True,
            exclude_none=route.response_model_exclude_none,
        )
    return json.loads(json.dumps(out))  # exactly what a JSON round trip gives


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


class _NoAudit(AuditLog):
    """The local client writes no audit log unless asked to (``audit_log=``)."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull), fsync=False)

    def append(self, **_: Any) -> dict[str, Any]:
        return {}


class LocalBackend(Backend):
    """The store and the engines in this process, answering as the service would.

    ``role`` decides what the answers show, as the service's roles do: an ``investigator``
    sees persons' full ID numbers (unsealed with ``secret``), the others see them masked.
    Roles do not restrict what may be asked here: whoever holds the store holds the data.
    ``audit_log`` (a path) writes person accesses to an audit log as the service does.
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
        from graph_service.api.service import Access

        self.store = store
        self.kind = store.backend
        self.owns_store = owns_store
        self.keyring = PersonKeyring(secret)
        self.access = Access(
            principal=Principal(user or _user(), role),
            client="local",
            audit=AuditLog(audit_log, fsync=False) if audit_log else _NoAudit(),
            keyring=self.keyring,
        )

    def info(self) -> dict[str, Any]:
        from graph_service.api import service

        return cast(dict[str, Any], shape("GET", "/v1/info", service.info(self.store)))

    def search(self, q: str, limit: int, offset: int) -> dict[str, Any]:
        from graph_service.api import service

        found = service.search(self.store, self.access, q, limit, offset)
        return cast(dict[str, Any], shape("GET", "/v1/search", found))

    def entity(self, uscc: str, limit: int, offset: int) -> dict[str, Any]:
        from graph_service.api import service

        found = service.entity_profile(self.store, self.access, uscc, limit, offset)
        return cast(dict[str, Any], shape("GET", "/v1/entities/{uscc}", found))

    def person(self, person: str, limit: int, offset: int) -> dict[str, Any]:
        from graph_service.api import service

        found = service.person_profile(self.store, self.access, person, limit, offset)
        return cast(dict[str, Any], shape("GET", "/v1/persons/{person_id}", found))

    def record(self, record_id: str) -> dict[str, Any]:
        from graph_service.api import service

        found = service.record(self.store, self.access, record_id)
        return cast(dict[str, Any], shape("GET", "/v1/records/{record_id}", found))

    def record_history(self, record_id: str) -> list[dict[str, Any]]:
        found = self.store.record_history(record_id)
        return cast(list[dict[str, Any]], shape("GET", "/v1/records/{record_id}/history", found))

    def neighbourhood(self, node: str, on: str | None, limit: int, offset: int) -> dict[str, Any]:
        from graph_service.api import service

        found = service.neighbourhood(
            self.store, self.access, node, on=on, limit=limit, offset=offset, vis=None
        )
        return cast(dict[str, Any], shape("GET", "/v1/graph/neighbourhood", found))

    def path(self, a: str, b: str, max_hops: int) -> dict[str, Any]:
        from graph_service.api import service

        found = service.path(self.store, self.access, a, b, max_hops=max_hops, vis=None)
        return cast(dict[str, Any], shape("GET", "/v1/graph/path", found))

    def measures(self) -> dict[str, Any]:
        from graph_service.engine.measures import catalogue

        return cast(dict[str, Any], shape("GET", "/v1/measures", catalogue().to_dict()))

    def check(
        self, subject: str, action: str, on: str | None, known_at: str | None
    ) -> dict[str, Any]:
        from graph_service.engine.restrictions import RestrictionEngine
        from graph_service.engine.subjects import resolve_subject

        kind, key = resolve_subject(subject, self.keyring)
        result = RestrictionEngine(self.store).check(
            kind, key, action, on or _today(), known_at=known_at
        )
        if kind == "person":
            self.access.log("check", {"person_keys": [key], "action": action, "on": result.on})
        return cast(dict[str, Any], shape("GET", "/v1/check", result))

    def check_batch(
        self, items: Sequence[Mapping[str, str]], on: str | None
    ) -> list[dict[str, Any]]:
        from graph_service.api.routers.engine import BatchAnswer
        from graph_service.engine.restrictions import RestrictionEngine
        from graph_service.engine.subjects import resolve_subject

        day = on or _today()
        engine = RestrictionEngine(self.store)
        answers: list[BatchAnswer] = []
        persons: list[str] = []
        for i, item in enumerate(items):  # as the batch endpoint does: a bad item fails alone
            subject, action = item["subject"], item["action"]
            try:
                kind, key = resolve_subject(subject, self.keyring)
                result = engine.check(kind, key, action, day)
            except DomainError as exc:
                answers.append(
                    BatchAnswer(index=i, subject=subject[:6] + "…", action=action, error=exc.reason)
                )
                continue
            if kind == "person":
                persons.append(key)
            answers.append(
                BatchAnswer(
                    index=i,
                    subject=result.subject.id,
                    action=action,
                    allowed=result.allowed,
                    result=result,
                )
            )
        if persons:
            self.access.log("check.batch", {"person_keys": persons, "on": day})
        return cast(list[dict[str, Any]], shape("POST", "/v1/check/batch", answers))

    def relocations(
        self, on: str | None, level: str, pattern: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        from graph_service.engine.relocations import detect_relocations

        flags = detect_relocations(self.store, on or _today(), level)  # type: ignore[arg-type]
        flags = [f for f in flags if pattern is None or f.pattern == pattern]
        flags.sort(key=lambda f: (-f.score, f.flag_id))
        page = flags[offset : offset + limit]
        keys = [f.person_key for f in page if f.person_key]
        if keys:
            self.access.log("relocations", {"person_keys": keys})
        return cast(list[dict[str, Any]], shape("GET", "/v1/relocations", page))

    def flows(self, on: str | None, level: str, by: str) -> dict[str, Any]:
        from graph_service.engine.flows import flow_matrix
        from graph_service.engine.relocations import detect_relocations

        flags = detect_relocations(self.store, on or _today(), level)  # type: ignore[arg-type]
        matrix = flow_matrix(flags, by)  # type: ignore[arg-type]
        found = {
            "regions": [str(r) for r in matrix.index],
            "counts": matrix.to_numpy(dtype=int).tolist() if not matrix.empty else [],
        }
        return cast(dict[str, Any], shape("GET", "/v1/relocations/flows", found))

    def notices(self, on: str | None, region: str, limit: int, offset: int) -> dict[str, Any]:
        from graph_service.engine.notices import notices

        found = notices(self.store, on or _today(), region)
        page = {
            "total": len(found),
            "offset": offset,
            "limit": limit,
            "items": found[offset : offset + limit],
        }
        return cast(dict[str, Any], shape("GET", "/v1/notices", page))

    def credit_record(self, person: str, on: str | None) -> dict[str, Any]:
        from graph_service.engine.personal import personal_record
        from graph_service.engine.subjects import resolve_subject

        kind, key = resolve_subject(person, self.keyring)
        if kind != "person":
            raise DomainError(
                "须为身份证号码或人员密钥", "give a resident ID number or a person key"
            )
        found = personal_record(self.store, key, on or _today())
        self.access.log("person.credit_record", {"person_keys": [key]})
        return cast(dict[str, Any], shape("GET", "/v1/persons/{person_id}/credit-record", found))

    def evaluation(self, uscc: str, on: str | None) -> dict[str, Any]:
        from graph_service.api.service import parse_uscc
        from graph_service.engine.evaluation import Evaluator

        found = Evaluator(self.store).evaluate(parse_uscc(uscc), on or _today())
        return cast(dict[str, Any], shape("GET", "/v1/evaluation/entities/{uscc}", found))

    def grades(
        self, on: str | None, region: str, industry: str, grade: str | None, watch: bool
    ) -> list[dict[str, Any]]:
        from graph_service.engine.evaluation import Evaluator
        from graph_service.engine.evaluation.sampling import population

        table = Evaluator(self.store).evaluate_all(on or _today())
        keep = {m[0] for m in population(table, region, industry)}  # as the endpoint filters
        table = table[table["uscc"].isin(keep)]
        if grade:
            table = table[table["grade"] == grade]
        if watch:
            table = table[table["watch_candidate"]]
        table = table.sort_values(["score", "uscc"])
        rows: list[dict[str, Any]] = []
        for offset in range(0, len(table), PAGE):  # shaped page by page, as the service sends
            items = table.iloc[offset : offset + PAGE].to_dict(orient="records")
            page = {"items": items, "total": len(table), "offset": offset, "limit": PAGE}
            rows += shape("GET", "/v1/evaluation/grades", page)["items"]
        return rows

    def close(self) -> None:
        if self.owns_store:
            self.store.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container)
        return "local"


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
