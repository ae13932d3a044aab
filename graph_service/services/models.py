"""The answers of the use cases, with examples: what the API sends and the client returns.

Descriptions are ``中文 / English``. Objects read from the store allow extra properties (a
load may keep extra columns as properties); the documented fields are always named the same.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph_service.engine.models import CheckResult

T = TypeVar("T")

USCC_EXAMPLE = "91130126T0000001XK"
PERSON_KEY_EXAMPLE = "7bb5e5bc9a6fe2f92c23a667406e01bb"
BATCH_EXAMPLE = "load-20250101T080000Z-0e064d"


class Open(BaseModel):
    """A store object: documented fields, and any extra properties kept by a load."""

    model_config = ConfigDict(extra="allow")


class Provenance(Open):
    """可查可核可溯: where a fact came from."""

    source: str | None = Field(None, description="来源文件 / Source file", examples=["roles.csv"])
    batch_id: str | None = Field(
        None,
        description="最后修改它的加载批次 / Load that last changed it",
        examples=[BATCH_EXAMPLE],
    )
    loaded_at: str | None = Field(None, description="加载时间 / When that load ran")
    first_batch_id: str | None = Field(None, description="首次加载批次 / Load that created it")


class PageOf(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, at most ``limit``, of ``total``."""

    items: list[T]
    total: int = Field(description="总数 / Items in all", examples=[1234])
    offset: int = Field(description="起始位置 / First item's position", examples=[0])
    limit: int = Field(description="每页上限 / Page size", examples=[50])


# -- search --------------------------------------------------------------------------------


class SearchHit(Open):
    """An entity or a person whose name contains the text (or whose USCC starts with it)."""

    type: Literal["entity", "person"] = Field(description="主体类型 / Subject kind")
    id: str = Field(
        description="节点标识 / Node id (E:<USCC> or P:<person key>)",
        examples=[f"E:{USCC_EXAMPLE}"],
    )
    name: str | None = Field(None, examples=["灵寿县恒达建材有限公司"])
    uscc: str | None = Field(None, examples=[USCC_EXAMPLE])
    region_code: str | None = Field(None, examples=["130126"])
    key: str | None = Field(
        None, description="人员密钥 / Person key", examples=[PERSON_KEY_EXAMPLE]
    )
    id_masked: str | None = Field(
        None, description="脱敏身份证号 / Masked ID number", examples=["130126********0118"]
    )


class SearchPage(PageOf[SearchHit]):
    """Search results."""

    q: str = Field(description="检索词 / The text searched for", examples=["恒达"])
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "q": "恒达",
                    "total": 1,
                    "offset": 0,
                    "limit": 20,
                    "items": [
                        {
                            "type": "entity",
                            "id": f"E:{USCC_EXAMPLE}",
                            "uscc": USCC_EXAMPLE,
                            "name": "灵寿县恒达建材有限公司",
                            "name_en": "Lingshou Hengda Building Materials Co.",
                            "region_code": "130126",
                        }
                    ],
                }
            ]
        }
    )


# -- profiles ------------------------------------------------------------------------------


class Entity(Provenance):
    """A market entity (市场主体), keyed by its USCC."""

    uscc: str = Field(examples=[USCC_EXAMPLE])
    name: str | None = Field(None, examples=["灵寿县恒达建材有限公司"])
    region_code: str | None = Field(None, examples=["130126"])
    region_name: str | None = Field(None, examples=["河北省 石家庄市 灵寿县"])
    org_type: str | None = Field(None, examples=["enterprise"])
    org_type_label: str | None = Field(None, examples=["企业 / Enterprise"])
    registered_on: str | None = Field(None, examples=["2015-03-01"])
    deregistered_on: str | None = None
    superior_uscc: str | None = Field(None, description="上级单位 / Superior unit")


class Person(Provenance):
    """A natural person: keyed, ID number masked unless the caller is an investigator."""

    key: str = Field(examples=[PERSON_KEY_EXAMPLE])
    name: str | None = Field(None, examples=["张伟"])
    id_masked: str | None = Field(None, examples=["130126********0118"])
    id_number: str | None = Field(
        None,
        description="完整身份证号（仅调查人员可见，访问记入审计日志） / Full ID number "
        "(investigators only; every access is audited)",
        examples=["130126198001010118"],
    )


class RoleItem(Provenance):
    """A person's office in an entity, from a date to a date (inclusive; empty: still held)."""

    uscc: str = Field(examples=[USCC_EXAMPLE])
    person_key: str = Field(examples=[PERSON_KEY_EXAMPLE])
    role: str = Field(examples=["legal_rep"])
    role_label: str | None = Field(None, examples=["法定代表人 / Legal representative"])
    start_date: str = Field(examples=["2015-03-01"])
    end_date: str | None = None
    person_name: str | None = Field(None, examples=["张伟"])
    entity_name: str | None = Field(None, examples=["灵寿县恒达建材有限公司"])


class HoldingItem(Provenance):
    """A shareholding by a person or an entity."""

    holder_type: str = Field(examples=["person"])
    holder_key: str = Field(examples=[PERSON_KEY_EXAMPLE])
    uscc: str = Field(examples=[USCC_EXAMPLE])
    percent: float | None = Field(None, examples=[60.0])
    start_date: str = Field(examples=["2015-03-01"])
    end_date: str | None = None
    holder_name: str | None = Field(None, examples=["张伟"])
    entity_name: str | None = Field(None, examples=["灵寿县恒达建材有限公司"])


class RegistrationItem(Provenance):
    """Where an entity was registered, from a date to a date."""

    uscc: str = Field(examples=[USCC_EXAMPLE])
    region_code: str = Field(examples=["130126"])
    region_name: str | None = Field(None, examples=["灵寿县"])
    start_date: str = Field(examples=["2015-03-01"])
    end_date: str | None = None


class RecordItem(Provenance):
    """A credit record (信用记录): the evidence behind any flag or restriction."""

    record_id: str = Field(examples=["R1"])
    subject_type: str | None = Field(None, examples=["entity"])
    subject_key: str | None = Field(None, examples=[USCC_EXAMPLE])
    kind: str | None = Field(None, examples=["joint_punishment_list"])
    kind_label: str | None = Field(None, examples=["失信联合惩戒对象名单 / Joint punishment list"])
    authority: str | None = Field(
        None, description="认定机关 / Deciding authority", examples=["灵寿县市场监督管理局"]
    )
    region_code: str | None = Field(None, examples=["130126"])
    decided_on: str | None = Field(None, examples=["2019-05-20"])
    basis: str | None = Field(
        None, description="依据 / Legal basis", examples=["《企业信息公示暂行条例》第十八条"]
    )
    sector: str | None = None
    effective_from: str | None = Field(None, examples=["2019-05-20"])
    effective_to: str | None = None
    status: str | None = Field(None, examples=["active"])
    status_label: str | None = Field(None, examples=["有效 / Active"])
    status_on: str | None = None


class EntityProfile(BaseModel):
    """An entity with its roles, holdings, registrations and records over time (each paged)."""

    entity: Entity
    roles: PageOf[RoleItem]
    holdings: PageOf[HoldingItem]
    registrations: PageOf[RegistrationItem]
    records: PageOf[RecordItem]


class PersonProfile(BaseModel):
    """A person with their offices, holdings and records over time (each paged)."""

    person: Person
    roles: PageOf[RoleItem]
    holdings: PageOf[HoldingItem]
    records: PageOf[RecordItem]


# -- graph ---------------------------------------------------------------------------------


class GraphNode(Open):
    """A node of a view: label, id, name and the fields of its kind."""

    label: Literal["Entity", "Person", "Region", "Record"]
    id: str = Field(examples=[f"E:{USCC_EXAMPLE}", "R:130126", "C:R1"])
    name: str | None = Field(None, examples=["灵寿县恒达建材有限公司"])
    risk: Literal["listed", "watch", "none"] | None = Field(
        None,
        description="引擎在视图日期的判定：listed（有禁止性措施）、watch（仅有考量因素或提示）、"
        "none；未评估为空 / The engine's answer on the day: listed (a prohibition applies), "
        "watch (only considerations or advisories), none; null when not assessed (a view "
        "assesses its first 60 subjects)",
        examples=["listed"],
    )
    in_force: bool | None = Field(
        None, description="记录在视图日期是否有效 / Whether a record is in force that day"
    )


class GraphEdge(Open):
    """A relationship of a view in its real direction, with role or percent, dates, source."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: Literal["ROLE", "HOLDS", "REGISTERED_IN", "CONCERNS", "SUPERVISED_BY", "NAMES"]
    from_: str = Field(alias="from", examples=[f"P:{PERSON_KEY_EXAMPLE}"])
    to: str = Field(examples=[f"E:{USCC_EXAMPLE}"])
    role: str | None = Field(None, examples=["legal_rep"])
    percent: float | None = None
    start_date: str | None = Field(None, examples=["2015-03-01"])
    end_date: str | None = None
    source: str | None = Field(None, examples=["roles.csv"])
    batch_id: str | None = None


class VisData(BaseModel):
    """The view as vis-network data, styled by pyvis (colours by kind and risk, edge labels
    with role and dates), for the investigator page."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class Neighbourhood(BaseModel):
    """A node and a page of its neighbours ("and ``more`` more")."""

    node: GraphNode
    neighbours: list[GraphNode]
    edges: list[GraphEdge]
    total: int = Field(description="邻居总数 / Neighbours in all", examples=[5])
    more: int = Field(description="本页之后还有 / Neighbours after this page", examples=[0])
    offset: int = 0
    limit: int = 50
    on: str | None = Field(None, description="视图日期 / As-of date", examples=["2021-01-01"])
    vis: VisData | None = None


class GraphPath(BaseModel):
    """A shortest path between two subjects over roles, holdings and supervision."""

    found: bool
    hops: int | None = Field(None, description="关系数 / Relationships on the path", examples=[2])
    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[GraphEdge] = Field(default_factory=list)
    vis: VisData | None = None


class SubjectPanel(BaseModel):
    """A subject on the page as of a day: the engine's badge and findings, relocation flags,
    and its relations as of the day."""

    subject: dict[str, Any] = Field(description="主体 / The entity or person")
    on: str | None = Field(None, description="视图日期 / As-of date (null: all time)")
    judged_on: str = Field(description="判定日期（视图日期或今日）/ Day the engine answered for")
    risk: Literal["listed", "watch", "none"]
    findings: dict[str, dict[str, Any]] = Field(
        description="每个有发现的行为：allowed及禁止、考量、提示 / Each action with a finding: "
        "allowed, prohibitions, considerations, advisories (as /v1/check)"
    )
    flags: list[dict[str, Any]] = Field(description="易地出现标记 / Relocation flags")
    roles: list[dict[str, Any]]
    holdings: list[dict[str, Any]]
    registrations: list[dict[str, Any]] = Field(default_factory=list)
    records: list[dict[str, Any]] = Field(
        description="视图日期前认定的记录，含in_force / Records decided by the day, with in_force"
    )


class StepsView(BaseModel):
    """Evidence steps as a graph."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    vis: VisData


# -- service -------------------------------------------------------------------------------


class Info(BaseModel):
    """What the store holds and how it was loaded."""

    backend: str = Field(examples=["embedded"])
    counts: dict[str, int] = Field(examples=[{"Entity": 4, "Person": 2, "ROLE": 3}])
    loads: list[dict[str, Any]] = Field(description="加载日志，最早的在前 / Load log, oldest first")


# -- checks and flags ------------------------------------------------------------------------


class BatchItem(BaseModel):
    """One question of a screening batch."""

    subject: str = Field(max_length=64, examples=[USCC_EXAMPLE])
    action: str = Field(max_length=64, examples=["bid_tender"])


class BatchAnswer(BaseModel):
    """One answer: the check, or why the question could not be answered."""

    index: int
    subject: str
    action: str
    allowed: bool | None = None
    result: CheckResult | None = None
    error: str | None = None


class ResultHeader(BaseModel):
    """The stored result of a nationwide pass an answer comes from (``POST /v1/jobs`` makes
    one; docs/decisions.md)."""

    kind: Literal["grades", "relocations", "notices"]
    on: str = Field(description="结果所针对的日期 / The as-of date of the pass")
    level: str | None = Field(None, description="relocations: 区划级别 / Level")
    token: str = Field(description="计算开始时存储的版本 / The store's change token then")
    computed_at: str = Field(description="计算完成时间（UTC）/ When the pass ended (UTC)")
    rows: int = Field(description="结果行数 / Rows kept")
    job_id: str | None = Field(None, description="产生结果的任务 / The job that made it")
    stale: bool = Field(
        description="此后存储已变化：结果为计算时的状态 / The store has changed since the pass "
        "began: the rows are as of computed_at"
    )


class Flows(BaseModel):
    """Flagged moves between regions, as a matrix (aggregates only: no one is named)."""

    regions: list[str] = Field(description="区划（行与列）/ Regions (rows and columns)")
    counts: list[list[int]] = Field(
        description="counts[i][j]：从regions[i]迁往regions[j]的次数 / Moves from row to column"
    )
    result: ResultHeader | None = None


class NoticePage(PageOf[dict[str, Any]]):
    """A page of the notices listings call for (clause 十二)."""

    result: ResultHeader | None = None


class GradePage(PageOf[dict[str, Any]]):
    """A page of a population's grades, worst score first."""

    result: ResultHeader | None = None
