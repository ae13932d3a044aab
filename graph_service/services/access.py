"""Who asks, what they may see, and where their access is written down."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cryptography.exceptions import InvalidTag

from graph_service.errors import ConfigError
from graph_service.ids.person_key import PersonKeyring
from graph_service.stores.base import GraphStore

Role = Literal["investigator", "regulator", "analyst", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user a key belongs to, and its role."""

    user: str
    role: Role


class AuditSink(Protocol):
    """Where accesses are written (:class:`graph_service.services.audit.AuditLog`)."""

    def append(
        self, *, user: str, role: str, action: str, what: Mapping[str, Any], client: str | None
    ) -> dict[str, Any]:
        """Append one entry; raise when it cannot be written."""
        ...


@dataclass(frozen=True, slots=True)
class Access:
    """Who asks, from where, and where their access is written down."""

    principal: Principal
    client: str | None
    audit: AuditSink
    keyring: PersonKeyring
    #: The action the route declared (``graph_service.api.audit.Audited``); None for the
    #: local client, which has no routes.
    action: str | None = None

    @property
    def unmasked(self) -> bool:
        """Whether this caller may see full ID numbers."""
        return self.principal.role == "investigator"

    def log(self, action: str, what: Mapping[str, Any]) -> None:
        """Append to the audit log. Raises ``AuditUnavailable`` (503) when it cannot be
        written: call it before the change is applied or the data is returned. In the service
        the action is the one the route declared (or ``<action>.failed``, written after a
        refused change)."""
        if self.action is not None and action not in (self.action, f"{self.action}.failed"):
            raise RuntimeError(f"audit action {action!r}: the route declares {self.action!r}")
        self.audit.append(
            user=self.principal.user,
            role=self.principal.role,
            action=action,
            what=what,
            client=self.client,
        )


def local_user() -> str:
    """The login name of whoever runs this process (the local client's and the CLI's user)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container)
        return "local"


def unseal(store: GraphStore, access: Access, key: str, person: dict[str, Any]) -> None:
    """Add the full ``id_number`` to ``person`` when the caller may see it."""
    if not access.unmasked:
        return
    sealed = store.sealed_person_id(key)
    if sealed:
        try:
            person["id_number"] = access.keyring.unseal(sealed)
        except (InvalidTag, ValueError) as exc:
            raise ConfigError(
                "无法解密身份证号：GRAPH_PERSON_KEY_SECRET与加载数据时的不同",
                "cannot unseal the ID number: GRAPH_PERSON_KEY_SECRET differs from the "
                "one the data was loaded with",
            ) from exc
