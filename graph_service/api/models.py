"""The bodies only HTTP has: problems, request bodies, liveness and key administration. The
answers of the use cases are in :mod:`graph_service.services.models`.

Descriptions are ``中文 / English``. Objects read from the store allow extra properties (a
load may keep extra columns as properties); the documented fields are always named the same.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """RFC 9457 problem details, with the reason in Chinese and English."""

    type: str = Field(examples=["urn:credit-graph:problem:invalid-identifier"])
    title: str = Field(examples=["标识不符合国家标准 / Invalid identifier"])
    status: int = Field(examples=[422])
    detail: str = Field(
        description="原因（中文 / English） / Reason in both languages",
        examples=[
            "统一社会信用代码校验位错误：应为K，实为X / USCC check character wrong: "
            "expected K, got X"
        ],
    )
    detail_zh: str = Field(examples=["统一社会信用代码校验位错误：应为K，实为X"])
    detail_en: str = Field(examples=["USCC check character wrong: expected K, got X"])
    instance: str | None = Field(None, examples=["/v1/entities/91130126T0000001XX"])
    errors: list[dict[str, str]] | None = Field(
        None, description="逐项说明（参数错误时） / One item per bad field"
    )
    reference: str | None = Field(None, description="内部错误编号 / Internal error reference")


# -- graph ---------------------------------------------------------------------------------


class StepIn(BaseModel):
    """One evidence step (as a finding's ``path`` or a flag's ``evidence`` gives it)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["CONCERNS", "ROLE", "HOLDS", "REGISTERED_IN", "NAMES"]
    from_id: str = Field(max_length=300)
    to_id: str = Field(max_length=300)
    role: str | None = Field(None, max_length=60)
    percent: float | None = None
    start_date: str | None = Field(None, max_length=10)
    end_date: str | None = Field(None, max_length=10)
    source: str | None = Field(None, max_length=300)
    batch_id: str | None = Field(None, max_length=100)


class StepsRequest(BaseModel):
    """Evidence steps to draw."""

    steps: list[StepIn] = Field(min_length=1, max_length=500)


class VisNodeIn(BaseModel):
    """A node of the page's view, as sent for export."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(max_length=300)
    label: str = Field("", max_length=300)
    title: str | None = Field(None, max_length=4000)
    color: str | dict[str, Any] | None = None
    shape: str | None = Field(None, max_length=40)
    size: float | None = None
    x: float | None = None
    y: float | None = None


class VisEdgeIn(BaseModel):
    """An edge of the page's view, as sent for export."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: str = Field(alias="from", max_length=300)
    to: str = Field(max_length=300)
    label: str | None = Field(None, max_length=300)
    title: str | None = Field(None, max_length=4000)
    color: str | dict[str, Any] | None = None
    dashes: bool | None = None


class ExportRequest(BaseModel):
    """The page's current view, to be written as a standalone HTML file (works offline)."""

    title: str = Field("信用图谱 / Credit graph", max_length=200)
    nodes: list[VisNodeIn] = Field(max_length=2000)
    edges: list[VisEdgeIn] = Field(max_length=5000)


# -- service -------------------------------------------------------------------------------


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"
    #: The process that answered (``serve --workers N`` runs N of them).
    worker: int


class Ready(BaseModel):
    """Readiness: the store answers."""

    status: Literal["ready"] = "ready"
    backend: str = Field(examples=["neo4j"])


class KeyRequest(BaseModel):
    """A new API key for a user."""

    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$", examples=["wang.li"])
    role: Literal["investigator", "regulator", "analyst", "admin"] = Field(examples=["regulator"])


class KeyCreated(BaseModel):
    """The new key: shown once, stored only as its hash."""

    user: str = Field(examples=["wang.li"])
    role: str = Field(examples=["regulator"])
    key: str = Field(examples=["cg_3q2-7wzKp…"])


class KeyInfo(BaseModel):
    """A configured key (never the key itself)."""

    user: str
    role: str
    created_at: str | None = None


class KeysRevoked(BaseModel):
    """How many keys were removed."""

    user: str
    revoked: int


class AuditCheck(BaseModel):
    """The audit chain's state (``python -m graph_service audit-verify`` prints the same)."""

    ok: bool
    entries: int
    last_hash: str
    first_bad_line: int | None = None
    first_bad_seq: int | None = None
    reason: str = ""
    reason_zh: str = ""
    reason_en: str = ""
