"""Server settings, read once from the environment (and the knitgraph home)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knitgraph.executors.limits import DEFAULT_LIMITS
from knitgraph.graph_schema.errors import InvalidInputError
from knitgraph.graph_schema.plan_spec import check_quantity
from knitgraph.graph_schema.quantities import duration_seconds

from .hooks_file import read_hooks_file


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
    neo4j_heap: str = Field("1g", validation_alias="KNITGRAPH_NEO4J_HEAP", pattern=r"^[0-9]+[kmgKMG]$")
    # "auto": sized to the store at each start (server/embedded_neo4j/sizing.py); else e.g. "2g".
    neo4j_pagecache: str = Field("auto", validation_alias="KNITGRAPH_NEO4J_PAGECACHE", pattern=r"^(auto|[0-9]+[kmgKMG])$")
    upload_ttl_seconds: int = Field(3600, validation_alias="KNITGRAPH_UPLOAD_TTL")
    # Limits on input (docs/admin-guide.md "Limits"; defaults chosen in docs/decisions.md).
    upload_max_bytes: int = Field(100 * 2**30, validation_alias="KNITGRAPH_UPLOAD_MAX_BYTES", gt=0)
    # The content one user's pushes may hold in all (bytes); unset: no quota.
    user_quota_bytes: int | None = Field(None, validation_alias="KNITGRAPH_USER_QUOTA_BYTES", gt=0)
    graphql_max_body_bytes: int = Field(2**20, validation_alias="KNITGRAPH_GRAPHQL_MAX_BODY", gt=0)
    graphql_max_depth: int = Field(15, validation_alias="KNITGRAPH_GRAPHQL_MAX_DEPTH", gt=0)
    graphql_max_aliases: int = Field(30, validation_alias="KNITGRAPH_GRAPHQL_MAX_ALIASES", ge=0)
    graphql_max_tokens: int = Field(5000, validation_alias="KNITGRAPH_GRAPHQL_MAX_TOKENS", gt=0)
    graphql_max_cost: int = Field(1000, validation_alias="KNITGRAPH_GRAPHQL_MAX_COST", gt=0)
    # auto: a plan's image runs in the container engine when one answers (DOCKER_HOST, the Podman
    # of `knitgraph up`, Docker's socket), else its command as a sandboxed process (docs/decisions.md).
    executor: Literal["auto", "process", "docker", "kubernetes"] = Field("auto", validation_alias="KNITGRAPH_EXECUTOR")
    execute_runs: bool = Field(True, validation_alias="KNITGRAPH_EXECUTE_RUNS")
    executor_concurrency: int = Field(2, validation_alias="KNITGRAPH_EXECUTOR_CONCURRENCY", ge=1)
    # Network of Runs: "plan" gives it to plans annotated knitgraph.io/network=on; "always", "never".
    run_network: Literal["plan", "always", "never"] = Field("plan", validation_alias="KNITGRAPH_RUN_NETWORK")
    # A process Run with network shares the host's: the administrator allows that on top.
    process_network: bool = Field(False, validation_alias="KNITGRAPH_PROCESS_NETWORK")
    # The Podman service of `knitgraph up`: its storage (unset: Podman's default, where `podman build` puts images).
    podman_storage: Path | None = Field(None, validation_alias="KNITGRAPH_PODMAN_STORAGE")
    docker_host: str | None = Field(None, validation_alias="DOCKER_HOST")
    docker_user: str = Field("65534:65534", validation_alias="KNITGRAPH_DOCKER_USER")  # empty: the image's user
    # The sandbox: host folders every process-executor Run sees read-only (the plans' scripts),
    # and the unprivileged uid/gid its tasks run as when the server is root.
    process_read_only: Annotated[list[Path], NoDecode] = Field([], validation_alias="KNITGRAPH_PROCESS_READ_ONLY")
    run_uid: int = Field(65534, validation_alias="KNITGRAPH_RUN_UID", gt=0)
    # kubernetes executor: "UID:GID" the pods run as (non-root, the restricted profile); empty: the image's user.
    k8s_run_as: str = Field("65534:65534", validation_alias="KNITGRAPH_K8S_RUN_AS", pattern=r"^(\d+(:\d+)?)?$")
    run_gid: int = Field(65534, validation_alias="KNITGRAPH_RUN_GID", gt=0)
    # Limits of a Run whose plan names none (its resources win): docs/admin-guide.md.
    run_timeout: str = Field(DEFAULT_LIMITS["timeout"], validation_alias="KNITGRAPH_RUN_TIMEOUT")
    run_pids: str = Field(DEFAULT_LIMITS["pids"], validation_alias="KNITGRAPH_RUN_PIDS")
    run_scratch: str = Field(DEFAULT_LIMITS["ephemeral-storage"], validation_alias="KNITGRAPH_RUN_SCRATCH")
    run_output: str = Field(DEFAULT_LIMITS["output"], validation_alias="KNITGRAPH_RUN_OUTPUT")
    run_lease_seconds: float = Field(30.0, validation_alias="KNITGRAPH_RUN_LEASE_SECONDS", gt=0)
    # How long a new service Run has to answer its health path before it fails (docs/serving.md).
    service_health_seconds: float = Field(60.0, validation_alias="KNITGRAPH_SERVICE_HEALTH_SECONDS", gt=0)
    # Knitfab's hooks.yaml: lifecycle webhooks called at each Run transition (docs/automation.md).
    hooks_file: Path | None = Field(None, validation_alias="KNITGRAPH_HOOKS_FILE")
    # Retention: failed Runs' outputs go this long after failing, unless their plan says otherwise.
    purge_failed_after: str | None = Field(None, validation_alias="KNITGRAPH_PURGE_FAILED_AFTER")
    # The kubernetes executor: the cluster is KUBECONFIG's (current context), else the pod's own.
    k8s_namespace: str = Field("default", validation_alias="KNITGRAPH_K8S_NAMESPACE")
    k8s_data_claim: str = Field("knitgraph-data", validation_alias="KNITGRAPH_K8S_DATA_CLAIM")
    k8s_data_root: Path | None = Field(None, validation_alias="KNITGRAPH_K8S_DATA_ROOT")
    kubeconfig: str | None = Field(None, validation_alias="KUBECONFIG")  # one path, or several joined by ":"
    # Host names (and web origins' hosts) the API answers to besides 127.0.0.1, localhost, ::1 and
    # KNITGRAPH_HOST: comma-separated; "*" turns the check off (behind a proxy that checks it).
    allowed_hosts: str = Field("", validation_alias="KNITGRAPH_ALLOWED_HOSTS")
    # HTTPS: a given certificate and key (PEM), or one generated under $KNITGRAPH_HOME/tls with its
    # own CA ("generate"); "off" serves plain HTTP (fine on 127.0.0.1).
    tls: Literal["off", "generate"] = Field("off", validation_alias="KNITGRAPH_TLS")
    tls_cert: Path | None = Field(None, validation_alias="KNITGRAPH_TLS_CERT")
    tls_key: Path | None = Field(None, validation_alias="KNITGRAPH_TLS_KEY")
    tls_ca: Path | None = Field(None, validation_alias="KNITGRAPH_TLS_CA")

    @field_validator("process_read_only", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        """``KNITGRAPH_PROCESS_READ_ONLY`` is a PATH-like list (``/a:/b``); each must be absolute."""
        if isinstance(value, str):
            value = [part for part in value.split(os.pathsep) if part]
        for path in value if isinstance(value, list) else []:
            if not Path(path).is_absolute() or Path(path) == Path("/"):
                raise ValueError(f"{path}: give absolute folders other than /")
        return value

    @field_validator("run_timeout", "run_pids", "run_scratch", "run_output")
    @classmethod
    def _limit(cls, value: str, info: ValidationInfo) -> str:
        kind = {"run_timeout": "timeout", "run_pids": "pids", "run_scratch": "ephemeral-storage",
                "run_output": "output"}[str(info.field_name)]
        try:
            return check_quantity(kind, value)
        except InvalidInputError as exc:
            raise ValueError(f"{exc.reason}; {exc.advice}") from exc

    @field_validator("purge_failed_after")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and duration_seconds(value) is None:
            raise ValueError(f"'{value}' is not a duration; write one such as 7d, 12h or 3600")
        return value

    @field_validator("hooks_file")
    @classmethod
    def _hooks(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_hooks_file(value)  # its error, a ValueError, names the problem
        return value

    @model_validator(mode="after")
    def _home_stays_hidden(self) -> Settings:
        home = self.home.resolve()
        for folder in self.process_read_only:
            if home.is_relative_to(folder.resolve()) or folder.resolve().is_relative_to(home):
                raise ValueError(f"KNITGRAPH_PROCESS_READ_ONLY: {folder} would show Runs the knitgraph home {home}")
        return self

    @property
    def run_limits(self) -> dict[str, str]:
        """The limits of a Run whose plan names none, as resources."""
        return {"timeout": self.run_timeout, "pids": self.run_pids, "ephemeral-storage": self.run_scratch,
                "output": self.run_output}

    @property
    def embedded_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def data_root(self) -> Path:
        """Where the Data volume (``KNITGRAPH_K8S_DATA_CLAIM``) is mounted in this server; the
        content store lives under it (by default it is ``KNITGRAPH_HOME`` itself)."""
        return self.k8s_data_root or self.home

    @property
    def host_names(self) -> list[str]:
        """Every host name the API answers to."""
        extra = [name.strip() for name in self.allowed_hosts.split(",") if name.strip()]
        return ["127.0.0.1", "localhost", "[::1]", self.host, *extra]

    @property
    def k8s_run_as_ids(self) -> tuple[int, int] | None:
        """``KNITGRAPH_K8S_RUN_AS`` as (uid, gid); None keeps the image's own user."""
        if not self.k8s_run_as.strip():
            return None
        uid, _, gid = self.k8s_run_as.partition(":")
        return int(uid), int(gid or uid)

    @property
    def tls_enabled(self) -> bool:
        return self.tls == "generate" or self.tls_cert is not None

    @property
    def api_root(self) -> str:
        return f"{'https' if self.tls_enabled else 'http'}://{self.host}:{self.port}"
