"""API keys and roles.

A caller sends its key as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``. Keys are kept
only as SHA-256 hashes, in the file named by ``GRAPH_API_KEYS_FILE`` (YAML or JSON)::

    keys:
      - user: wang.li            # who: written to the audit log
        role: investigator       # investigator | regulator | analyst | admin
        sha256: 9f86d08…         # hashlib.sha256(KEY.encode()).hexdigest()
        created_at: 2025-01-01T08:00:00+08:00   # optional

The file is read again when it changes, so a revoked key stops working at once. With no file
configured the four demo keys (:data:`DEMO_KEYS`) are used, and only while the person-key
secret is the demo secret too: a deployment that sets its own secret must give a keys file.

Roles (the policy's three users plus administration):

- ``investigator``: the full view, persons' ID numbers unmasked; the investigator page.
- ``regulator``: checks, screening, profiles and risk; ID numbers masked.
- ``analyst``: aggregates and masked data (search, entity profiles, counts).
- ``admin``: records' life cycle and API keys.

Every endpoint declares the roles it admits with :class:`Allow`; the others get 403.

Generate a key and its hash: ``python -m graph_service.api.auth``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer

from graph_service.api.audit import Audited
from graph_service.errors import ConfigError, Conflict
from graph_service.problems import Forbidden, Unauthenticated
from graph_service.services.access import Principal, Role

ROLES: tuple[Role, ...] = get_args(Role)

#: Demo keys (plain text, documented in docs/api.md) for scripts/demo and local use only.
DEMO_KEYS: dict[str, tuple[str, Role]] = {
    "demo-investigator": ("demo.investigator", "investigator"),
    "demo-regulator": ("demo.regulator", "regulator"),
    "demo-analyst": ("demo.analyst", "analyst"),
    "demo-admin": ("demo.admin", "admin"),
}

_ROLE_ZH: dict[str, str] = {
    "investigator": "调查人员",
    "regulator": "监管人员",
    "analyst": "分析人员",
    "admin": "管理员",
}


def hash_key(key: str) -> str:
    """The SHA-256 hex digest a keys file stores for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (43 URL-safe characters after the ``cg_`` prefix)."""
    return "cg_" + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One line of the keys file."""

    user: str
    role: Role
    sha256: str
    created_at: str | None = None


def _parse_entries(data: Any, origin: str) -> list[KeyEntry]:
    items = data.get("keys") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise ConfigError(
            f"API密钥文件{origin}应包含keys列表", f"API keys file {origin} must hold a 'keys' list"
        )
    out: list[KeyEntry] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ConfigError(
                f"API密钥文件{origin}第{n}项不是映射", f"{origin}: key {n} is not a mapping"
            )
        user, role, digest = item.get("user"), item.get("role"), item.get("sha256")
        if not isinstance(user, str) or not user.strip():
            raise ConfigError(f"{origin}第{n}项缺少user", f"{origin}: key {n} has no user")
        if role not in ROLES:
            raise ConfigError(
                f"{origin}第{n}项角色“{role}”无效，应为{'、'.join(ROLES)}",
                f"{origin}: key {n} role '{role}' is not one of {', '.join(ROLES)}",
            )
        if not isinstance(digest, str) or len(digest) != 64:
            raise ConfigError(
                f"{origin}第{n}项sha256应为64位十六进制",
                f"{origin}: key {n} sha256 must be 64 hex characters",
            )
        try:
            int(digest, 16)
        except ValueError:
            raise ConfigError(
                f"{origin}第{n}项sha256不是十六进制", f"{origin}: key {n} sha256 is not hex"
            ) from None
        created = item.get("created_at")
        out.append(KeyEntry(user.strip(), role, digest.lower(), str(created) if created else None))
    return out


class ApiKeys:
    """The keys the service accepts: from a file (re-read when it changes) or the demo set."""

    def __init__(self, path: Path | None = None, *, demo: bool = False) -> None:
        self.path = path
        self.demo = demo
        self._lock = threading.Lock()
        self._by_hash: dict[str, KeyEntry] = {}
        self._entries: list[KeyEntry] = []
        self._stamp: tuple[int, int, int] | None = None
        self._error: ConfigError | None = None
        if path is None:
            entries = [KeyEntry(user, role, hash_key(k)) for k, (user, role) in DEMO_KEYS.items()]
            self._set(entries)
        else:
            self._reload(force=True)
            if self._error is not None:
                raise self._error

    @classmethod
    def from_settings(cls, keys_file: Path | None, demo_secret: bool) -> ApiKeys:
        """The keys for a service: the configured file, else the demo keys (demo secret only)."""
        if keys_file is not None:
            return cls(keys_file)
        if not demo_secret:
            raise ConfigError(
                "已设置GRAPH_PERSON_KEY_SECRET，但未设置GRAPH_API_KEYS_FILE：生产环境不能使用演示密钥",
                "GRAPH_PERSON_KEY_SECRET is set but GRAPH_API_KEYS_FILE is not: the demo API "
                "keys are refused outside a demo; write a keys file (docs/api.md)",
            )
        return cls(None, demo=True)

    def _set(self, entries: list[KeyEntry]) -> None:
        self._entries = entries
        self._by_hash = {e.sha256: e for e in entries}

    def _reload(self, force: bool = False) -> None:
        assert self.path is not None
        try:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError as exc:
            self._set([])
            self._error = ConfigError(
                f"无法读取API密钥文件{self.path}",
                f"cannot read the API keys file {self.path}: {exc}",
            )
            self._stamp = None
            return
        if stamp == self._stamp and not force:
            return
        try:
            text = self.path.read_text(encoding="utf-8")
            data = json.loads(text) if self.path.suffix == ".json" else yaml.safe_load(text)
            entries = _parse_entries(data, str(self.path))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            # fail closed: a broken file admits nobody until it is fixed
            self._set([])
            self._error = (
                exc
                if isinstance(exc, ConfigError)
                else ConfigError(
                    f"API密钥文件{self.path}格式错误",
                    f"the API keys file {self.path} cannot be parsed: {exc}",
                )
            )
        else:
            self._set(entries)
            self._error = None
        self._stamp = stamp

    def lookup(self, key: str) -> Principal | None:
        """The principal holding ``key``, or None."""
        with self._lock:
            if self.path is not None:
                self._reload()
                if self._error is not None:
                    raise self._error
            digest = hash_key(key)
            entry = self._by_hash.get(digest)
        if entry is None or not hmac.compare_digest(entry.sha256, digest):
            return None
        return Principal(entry.user, entry.role)

    def entries(self) -> list[KeyEntry]:
        """Every configured key (hashes included: callers show only user and role)."""
        with self._lock:
            if self.path is not None:
                self._reload()
            return list(self._entries)

    # -- changes (admin) -------------------------------------------------------------------

    def _rewrite(self, change: Any) -> None:
        if self.path is None:
            raise Conflict(
                "当前使用内置演示密钥，无法管理；请设置GRAPH_API_KEYS_FILE",
                "the service runs on the built-in demo keys, which cannot be changed; "
                "set GRAPH_API_KEYS_FILE to manage keys",
            )
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._lock, lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._reload(force=True)
            if self._error is not None:
                raise self._error
            entries = change(list(self._entries))
            rows = [{k: v for k, v in vars_of(e).items() if v is not None} for e in entries]
            tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            with tmp.open("w", encoding="utf-8") as fh:
                if self.path.suffix == ".json":
                    json.dump({"keys": rows}, fh, ensure_ascii=False, indent=2)
                else:
                    fh.write("# API keys: sha256 of each key, its user and role (docs/api.md)\n")
                    yaml.safe_dump({"keys": rows}, fh, allow_unicode=True, sort_keys=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            self._reload(force=True)

    def add(self, user: str, role: Role) -> str:
        """Create a key for ``user`` with ``role``; returns the key (shown once, stored hashed)."""
        key = new_key()
        entry = KeyEntry(user, role, hash_key(key), dt.datetime.now(dt.UTC).isoformat())
        self._rewrite(lambda entries: [*entries, entry])
        return key

    def revoke(self, user: str) -> int:
        """Remove every key of ``user``; returns how many were removed."""
        removed = 0

        def change(entries: list[KeyEntry]) -> list[KeyEntry]:
            nonlocal removed
            kept = [e for e in entries if e.user != user]
            removed = len(entries) - len(kept)
            return kept

        self._rewrite(change)
        return removed


def vars_of(entry: KeyEntry) -> dict[str, Any]:
    """A key entry as the mapping the keys file holds."""
    return {
        "user": entry.user,
        "role": entry.role,
        "sha256": entry.sha256,
        "created_at": entry.created_at,
    }


#: The two ways a key is sent, as the OpenAPI document declares them (:func:`security_schemes`);
#: :class:`Allow` reads the headers itself (:func:`key_in`), not through them.
_SCHEMES = (
    APIKeyHeader(name="X-API-Key", auto_error=False, description="API key / API密钥"),
    HTTPBearer(auto_error=False, description="API key as a bearer token / 以Bearer方式提交API密钥"),
)


def security_schemes() -> dict[str, dict[str, Any]]:
    """The OpenAPI ``securitySchemes``: an API key in ``X-API-Key`` or as a bearer token."""
    return {
        s.scheme_name: s.model.model_dump(mode="json", by_alias=True, exclude_none=True)
        for s in _SCHEMES
    }


def security_requirement() -> list[dict[str, list[str]]]:
    """An operation's OpenAPI ``security``: either scheme."""
    return [{s.scheme_name: []} for s in _SCHEMES]


def authenticate(keys: ApiKeys, key: str | None) -> Principal:
    """The principal holding ``key``; raises :class:`Unauthenticated` (401) without one."""
    if not key:
        raise Unauthenticated(
            "缺少API密钥：请在X-API-Key请求头或Authorization: Bearer中提供",
            "no API key: send it as the X-API-Key header or Authorization: Bearer",
        )
    principal = keys.lookup(key)
    if principal is None:
        raise Unauthenticated(
            "API密钥无效或已被吊销，请向管理员申请",
            "unknown or revoked API key; ask an administrator",
        )
    return principal


def key_in(headers: Mapping[str, str]) -> str | None:
    """The API key a request carries (``X-API-Key``, else ``Authorization: Bearer``)."""
    key = headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = (headers.get("authorization") or "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = authenticate(request.app.state.keys, key_in(request.headers))
    request.state.principal = principal
    return principal


class Allow:
    """Dependency that admits only the listed roles (401 without a valid key, 403 for other
    roles) and gives the handler the :class:`Principal`. Its ``roles`` are what the docs and
    the role tests read."""

    def __init__(self, *roles: Role) -> None:
        self.roles: tuple[Role, ...] = roles

    async def __call__(self, request: Request) -> Principal:
        # async: a hash and a look-up (the keys file is re-read only when it changed), cheaper
        # on the event loop than a hop through the threadpool. The key is read from the
        # headers here (key_in), not through FastAPI security dependencies: two dependencies
        # more to solve were a quarter of a check's cost; the OpenAPI document declares the
        # schemes itself (security_schemes)
        principal = _principal(request)
        if principal.role not in self.roles:
            allowed_zh = "、".join(_ROLE_ZH[r] for r in self.roles)
            raise Forbidden(
                f"角色“{_ROLE_ZH[principal.role]}”不能使用此接口，仅限：{allowed_zh}",
                f"role '{principal.role}' may not use this endpoint; it is for: "
                f"{', '.join(self.roles)}",
            )
        return principal


@dataclass(frozen=True, slots=True)
class Guard:
    """A route's :class:`Audited` declaration and its :class:`Allow` as one dependency (the
    same two calls, in the same order): FastAPI solves one dependency instead of two, which
    matters on the path a bidding platform calls most (``GET /v1/check``). Used as
    ``Depends(Guard(Allow(...), Audited(...)))`` in place of both; :meth:`parts` is what the
    OpenAPI document and the route tests read."""

    allow: Allow
    audited: Audited

    async def __call__(self, request: Request) -> Principal:
        await self.audited(request)
        return await self.allow(request)

    def parts(self) -> tuple[Allow, Audited]:
        """The two declarations it stands for."""
        return self.allow, self.audited


def roles_of(dependencies: Iterable[Any]) -> tuple[Role, ...] | None:
    """The roles an endpoint admits, found among its dependency callables (None: public)."""
    for call in dependencies:
        if isinstance(call, Allow):
            return call.roles
    return None


def main() -> None:
    """Print a new key and the keys-file entry for it."""
    key = new_key()
    print(f"key:    {key}")
    print(f"sha256: {hash_key(key)}")


if __name__ == "__main__":
    main()
