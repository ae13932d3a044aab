"""Every setting, read from the environment (or a ``.env`` file) in one place, with defaults.

Run ``python -m graph_service settings`` to print them with their sources.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Only for demos and tests; a deployment sets GRAPH_PERSON_KEY_SECRET.
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Service configuration. Environment variables are the field names, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    graph_store: str = Field(
        "data/registry.graph",
        description="A file path for the embedded store, or a bolt:// / neo4j:// URI for Neo4j.",
    )
    graph_person_key_secret: SecretStr = Field(
        SecretStr(DEV_SECRET),
        description="Secret for the HMAC that keys person ID numbers and seals them at rest.",
    )
    neo4j_user: str = Field("neo4j", description="Neo4j user name.")
    neo4j_password: SecretStr = Field(SecretStr(""), description="Neo4j password.")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    load_batch_size: int = Field(5000, ge=100, description="Rows per write batch.")
    catalogue_dir: Path | None = Field(
        None, description="Folder whose YAML files override the shipped catalogue."
    )


@cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
