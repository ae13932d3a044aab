"""Each route's audit declaration (:class:`Audited`); the log itself is
:mod:`graph_service.services.audit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request


@dataclass(frozen=True, slots=True)
class Audited:
    """A route's audit declaration, one per route (a FastAPI dependency: ``Depends(Audited(
    "person.profile"))``). ``action`` names the entries the route writes — before a change is
    applied, or before person data leaves; ``None`` says the route returns no person data and
    changes nothing, and ``why`` says why. The OpenAPI document shows it as ``x-audit``, and
    ``tests/api/test_audit_routes.py`` holds every route to one."""

    action: str | None
    why: str = ""

    async def __call__(self, request: Request) -> None:
        # async: a dependency this light runs on the event loop, not through the threadpool
        request.state.audit_action = self.action

    def to_openapi(self) -> dict[str, Any]:
        """The ``x-audit`` of the route's operation."""
        return {"action": self.action} if self.action else {"none": self.why}
