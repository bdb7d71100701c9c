"""Server settings, read once from the environment (and the knitgraph home)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("knitgraph"))


class Settings(BaseSettings):
    """Every knob of a knitgraph server. Environment variables win over defaults.

    ``NEO4J_URI`` unset means the embedded Neo4j under ``KNITGRAPH_HOME``; set, it replaces it
    (a Docker container, Aura, Neo4j Desktop) together with ``NEO4J_USER`` and ``NEO4J_PASSWORD``.
    """

    # Only the documented variables count: field names must not pick up HOME, HOST or PORT.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=False)

    home: Path = Field(default_factory=default_home, validation_alias="KNITGRAPH_HOME")
    host: str = Field("127.0.0.1", validation_alias="KNITGRAPH_HOST")
    port: int = Field(8080, validation_alias="KNITGRAPH_PORT")
    neo4j_uri: str | None = Field(None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", validation_alias="NEO4J_USER")
    neo4j_password: str | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", validation_alias="NEO4J_DATABASE")
    neo4j_bolt_port: int = Field(7687, validation_alias="KNITGRAPH_NEO4J_BOLT_PORT")
    neo4j_http_port: int = Field(7474, validation_alias="KNITGRAPH_NEO4J_HTTP_PORT")
    neo4j_heap: str = Field("1g", validation_alias="KNITGRAPH_NEO4J_HEAP")
    upload_ttl_seconds: int = Field(3600, validation_alias="KNITGRAPH_UPLOAD_TTL")
    # Limits on input (docs/admin-guide.md "Limits"; defaults chosen in docs/decisions.md).
    upload_max_bytes: int = Field(100 * 2**30, validation_alias="KNITGRAPH_UPLOAD_MAX_BYTES", gt=0)
    graphql_max_body_bytes: int = Field(2**20, validation_alias="KNITGRAPH_GRAPHQL_MAX_BODY", gt=0)
    graphql_max_depth: int = Field(15, validation_alias="KNITGRAPH_GRAPHQL_MAX_DEPTH", gt=0)
    graphql_max_aliases: int = Field(30, validation_alias="KNITGRAPH_GRAPHQL_MAX_ALIASES", ge=0)
    graphql_max_tokens: int = Field(5000, validation_alias="KNITGRAPH_GRAPHQL_MAX_TOKENS", gt=0)
    graphql_max_cost: int = Field(1000, validation_alias="KNITGRAPH_GRAPHQL_MAX_COST", gt=0)
    executor: Literal["process", "docker", "kubernetes"] = Field("process", validation_alias="KNITGRAPH_EXECUTOR")
    execute_runs: bool = Field(True, validation_alias="KNITGRAPH_EXECUTE_RUNS")
    executor_concurrency: int = Field(2, validation_alias="KNITGRAPH_EXECUTOR_CONCURRENCY", ge=1)
    process_network: bool = Field(False, validation_alias="KNITGRAPH_PROCESS_NETWORK")
    docker_host: str | None = Field(None, validation_alias="DOCKER_HOST")
    run_lease_seconds: float = Field(30.0, validation_alias="KNITGRAPH_RUN_LEASE_SECONDS", gt=0)
    # The kubernetes executor: the cluster is KUBECONFIG's (current context), else the pod's own.
    k8s_namespace: str = Field("default", validation_alias="KNITGRAPH_K8S_NAMESPACE")
    k8s_data_claim: str = Field("knitgraph-data", validation_alias="KNITGRAPH_K8S_DATA_CLAIM")
    k8s_data_root: Path | None = Field(None, validation_alias="KNITGRAPH_K8S_DATA_ROOT")
    kubeconfig: str | None = Field(None, validation_alias="KUBECONFIG")  # one path, or several joined by ":"

    @property
    def embedded_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def data_root(self) -> Path:
        """Where the Data volume (``KNITGRAPH_K8S_DATA_CLAIM``) is mounted in this server; the
        content store lives under it (by default it is ``KNITGRAPH_HOME`` itself)."""
        return self.k8s_data_root or self.home

    @property
    def api_root(self) -> str:
        return f"http://{self.host}:{self.port}"
