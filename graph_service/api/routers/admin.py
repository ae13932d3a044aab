"""Administration: API keys and the audit chain. Changes are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from graph_service.api.audit import Audited
from graph_service.api.auth import Allow, ApiKeys
from graph_service.api.deps import access_of, store_of
from graph_service.api.models import AuditCheck, KeyCreated, KeyInfo, KeyRequest, KeysRevoked
from graph_service.api.routers import ERRORS, NOT_FOUND
from graph_service.errors import Conflict, NotFound
from graph_service.services.access import Principal
from graph_service.services.audit import verify_chain

router = APIRouter(prefix="/v1/admin", tags=["admin / 管理"])

Admins = Annotated[Principal, Depends(Allow("admin"))]


@router.get(
    "/keys",
    response_model=list[KeyInfo],
    summary="API密钥列表 / API keys",
    responses=ERRORS,
    dependencies=[Depends(Audited(None, "users and roles of API keys"))],
)
def list_keys(request: Request, who: Admins) -> list[dict[str, Any]]:
    """Users and roles of the configured keys (never the keys or their hashes)."""
    keys: ApiKeys = request.app.state.keys
    return [{"user": e.user, "role": e.role, "created_at": e.created_at} for e in keys.entries()]


@router.post(
    "/keys",
    response_model=KeyCreated,
    status_code=201,
    summary="新建API密钥 / Create an API key",
    responses=ERRORS | {409: {"description": "演示密钥不可管理 / Demo keys cannot be managed"}},
    dependencies=[Depends(Audited("key.create"))],
)
def create_key(request: Request, who: Admins, body: KeyRequest) -> dict[str, Any]:
    """A new key for ``user`` with ``role``, shown once; the keys file keeps its hash."""
    keys: ApiKeys = request.app.state.keys
    access_of(request, who).log("key.create", {"user": body.user, "role": body.role})
    key = keys.add(body.user, body.role)
    return {"user": body.user, "role": body.role, "key": key}


@router.delete(
    "/keys/{user}",
    response_model=KeysRevoked,
    summary="吊销用户的API密钥 / Revoke a user's keys",
    responses=ERRORS | NOT_FOUND,
    dependencies=[Depends(Audited("key.revoke"))],
)
def revoke_keys(
    request: Request,
    who: Admins,
    user: Annotated[str, Path(max_length=100)],
) -> dict[str, Any]:
    """Remove every key of ``user``; they stop working at once."""
    if user == who.user:
        raise Conflict("不能吊销自己的密钥", "an administrator cannot revoke their own keys")
    keys: ApiKeys = request.app.state.keys
    if not any(e.user == user for e in keys.entries()):
        raise NotFound(f"用户{user}没有API密钥", f"user {user} has no API key")
    access_of(request, who).log("key.revoke", {"user": user})
    removed = keys.revoke(user)
    return {"user": user, "revoked": removed}


@router.get(
    "/audit/verify",
    response_model=AuditCheck,
    summary="校验审计日志 / Verify the audit chain",
    responses=ERRORS,
    dependencies=[Depends(Audited(None, "the chain's state"))],
)
def audit_verify(request: Request, who: Admins) -> dict[str, Any]:
    """Whether the audit log's hash chain is whole, or its first tampered line."""
    log = request.app.state.audit.path
    with store_of(request) as store:
        anchor = store.audit_anchor(str(log.resolve()))
    return verify_chain(log, anchor).to_dict()
