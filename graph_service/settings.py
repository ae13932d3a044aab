"""Every setting, read from the environment (or a ``.env`` file) in one place, with defaults.

Run ``python -m graph_service settings`` to print them with their sources.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: URI schemes of a Neo4j store (direct ``bolt://`` or routing ``neo4j://``, with TLS variants);
#: any other store URI is an embedded store's file path.
NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_neo4j_uri(uri: str) -> bool:
    """True for a Neo4j URI (direct ``bolt://`` or routing ``neo4j://``, with TLS variants)."""
    return uri.startswith(NEO4J_SCHEMES)


#: Only for demos and tests; a deployment sets GRAPH_PERSON_KEY_SECRET.
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Service configuration. Environment variables are the field names, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    graph_store: str = Field(
        "data/registry.cgraph",
        description="A file path for the embedded store, or a bolt:// / neo4j:// URI for Neo4j.",
    )
    graph_person_key_secret: SecretStr = Field(
        SecretStr(DEV_SECRET),
        description="Secret for the HMAC that keys person ID numbers and seals them at rest.",
    )
    neo4j_user: str = Field("neo4j", description="Neo4j user name.")
    neo4j_password: SecretStr = Field(SecretStr(""), description="Neo4j password.")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    neo4j_connect_timeout: float = Field(
        5.0, gt=0, description="Seconds to open a connection to Neo4j before giving up."
    )
    neo4j_acquire_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds to wait for a free connection from the pool (busy or lost server).",
    )
    neo4j_retry_time: float = Field(
        5.0,
        gt=0,
        description="Seconds the Neo4j driver keeps retrying a transaction after transient "
        "errors (a deadlock, a leader switch) before the store reports it unavailable.",
    )
    load_batch_size: int = Field(5000, ge=100, description="Rows per write batch.")
    load_writers: int = Field(
        2,
        ge=1,
        le=16,
        description="Parallel writers of an incremental load into Neo4j (each on its own "
        "entities); 1 writes batch after batch.",
    )
    load_validators: int = Field(
        1,
        ge=1,
        le=16,
        description="Worker processes validating the chunks of a large load; 1 validates in "
        "the loading process (the default: on a shared 2-core machine the workers measured "
        "slower, docs/decisions.md).",
    )
    neo4j_import_command: str = Field(
        f"{Path(__file__).resolve().parents[1] / 'scripts' / 'neo4j-local'} import",
        description="Command that runs 'neo4j-admin database import full' on a stopped server "
        "with the arguments 'load --bulk' appends (see docs/deploy.md).",
    )
    load_future_days: int = Field(
        0,
        ge=-1,
        description="A date may lie this many days after the load day (end dates of effect "
        "and terms excepted); later ones are rejected. -1: no limit.",
    )
    graph_flags_ledger: Path | None = Field(
        None, description="Relocation flag history (JSON lines); default beside the store."
    )
    catalogue_dir: Path | None = Field(
        None, description="Folder whose YAML files override the shipped catalogue."
    )
    graph_api_keys_file: Path | None = Field(
        None,
        description="YAML or JSON file of API keys (sha256 of each key, user, role); see "
        "docs/api.md. Unset: the demo keys, accepted only with the demo person-key secret.",
    )
    graph_audit_log: Path = Field(
        Path("data/audit.jsonl"),
        description="Append-only, hash-chained audit log (JSON lines) of access to persons' "
        "data and changes to records.",
    )
    graph_audit_fsync: bool = Field(
        True, description="fsync the audit log after every entry (off only for benchmarks)."
    )
    graph_request_timeout: float = Field(
        30.0, gt=0, description="Seconds a request may take before it is answered 504."
    )
    graph_neighbour_limit: int = Field(
        50,
        ge=1,
        le=500,
        description="Neighbours the investigator page shows per node before 'and N more'.",
    )
    graph_log_format: Literal["kv", "json"] = Field(
        "kv", description="Log lines as key=value pairs (kv) or JSON objects (json)."
    )
    graph_log_level: str = Field("INFO", description="Lowest level logged (DEBUG, INFO, …).")
    graph_grade_ledger: Path | None = Field(
        None,
        description="History of grade changes (JSON lines); unset: beside an embedded store "
        "(STORE.grades.jsonl), else data/grades.jsonl.",
    )
    graph_inspectors_file: Path | None = Field(
        None,
        description="Inspector pool for double-random inspection draws (CSV or YAML: "
        "inspector_id, name, authority, region_prefix).",
    )
    graph_draw_log: Path = Field(
        Path("data/draws.jsonl"),
        description="Every inspection draw made, one record per line (re-runnable to verify).",
    )
    graph_jobs_dir: Path | None = Field(
        None,
        description="Where the state of jobs (nationwide passes the API runs) is kept, one "
        "file per job, shared by every worker; unset: beside an embedded store (STORE.jobs/), "
        "else data/jobs/.",
    )


def flags_ledger_path(settings: Settings, store_uri: str) -> Path:
    """Where relocation flag history is kept: ``GRAPH_FLAGS_LEDGER``, else beside an embedded
    store (``STORE.flags.jsonl``), else ``data/flags.jsonl``."""
    if settings.graph_flags_ledger is not None:
        return settings.graph_flags_ledger
    if is_neo4j_uri(store_uri):
        return Path("data/flags.jsonl")
    return Path(store_uri + ".flags.jsonl")


def grade_ledger_path(settings: Settings, store_uri: str) -> Path:
    """Where grade changes are kept: ``GRAPH_GRADE_LEDGER``, else beside an embedded store
    (``STORE.grades.jsonl``), else ``data/grades.jsonl``."""
    if settings.graph_grade_ledger is not None:
        return settings.graph_grade_ledger
    if is_neo4j_uri(store_uri):
        return Path("data/grades.jsonl")
    return Path(store_uri + ".grades.jsonl")


def jobs_dir(settings: Settings, store_uri: str) -> Path:
    """Where job state is kept: ``GRAPH_JOBS_DIR``, else beside an embedded store
    (``STORE.jobs/``), else ``data/jobs/``."""
    if settings.graph_jobs_dir is not None:
        return settings.graph_jobs_dir
    if is_neo4j_uri(store_uri):
        return Path("data/jobs")
    return Path(store_uri + ".jobs")


@cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()


def check_settings(settings: Settings) -> list[str]:
    """What is wrong with the settings for serving (empty when fine)."""
    problems = []
    if is_neo4j_uri(settings.graph_store):
        if not settings.neo4j_password.get_secret_value():
            problems.append("GRAPH_STORE is Neo4j but NEO4J_PASSWORD is empty (auth is on)")
        if settings.graph_person_key_secret.get_secret_value() == DEV_SECRET:
            problems.append("GRAPH_PERSON_KEY_SECRET is the demo secret; set your own")
    return problems
