"""Every setting of the service, in one place. Environment variables override the defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHIXIAN_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="State of `make run`: database, dev server.")
    api_host: str = Field("127.0.0.1", description="Address the API listens on.")
    api_port: int = Field(8000, description="Port the API listens on.")
    temporal_port: int = Field(7233, description="Port of the embedded dev server.")
    temporal_ui_port: int = Field(8233, description="Web UI port of the embedded dev server.")
    task_queue: str = Field("shixian", description="Temporal task queue of the worker.")
    bootstrap_admin_token: str | None = Field(
        None, description="On an empty database, creates the first admin with this token."
    )
    first_stage_wait: float = Field(
        10.0,
        gt=0,
        le=120,
        description="Seconds a submission waits for its case's first stage; a case no worker "
        "has taken up by then is answered as received.",
    )
    demo_data: bool = Field(True, description="`make run` loads demo departments and users once.")
    max_json_bytes: int = Field(
        1024 * 1024,
        gt=0,
        description="Largest request body (bytes) outside the uploads; larger answers 413.",
    )
    calendar_dir: Path | None = Field(
        None, description="Extra calendar year files; defaults to <data_dir>/calendars."
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A workbench login ends after this many minutes without a request."
    )
    session_max_hours: int = Field(
        12, ge=1, description="A workbench login ends this many hours after it began, however used."
    )
    behind_tls: bool = Field(
        False,
        description="The site is served over HTTPS (directly or by a proxy): the session cookie "
        "is marked Secure.",
    )
    login_max_failures: int = Field(
        5, ge=1, description="Consecutive wrong passwords after which an account is locked."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long a locked account refuses every login."
    )
    token_lifetime_days: int = Field(365, ge=1, description="Lifetime of a newly issued API token.")
    public_registration: bool = Field(
        True, description="Members of the public may register on the workbench."
    )
    threads: int = Field(
        20,
        ge=1,
        le=1000,
        description="Threads per process that do database work: the API's synchronous routes "
        "and use cases, the worker's activities. At most db_pool_size + db_max_overflow.",
    )
    db_pool_size: int = Field(
        10, ge=1, le=1000, description="Database connections each process keeps open."
    )
    db_max_overflow: int = Field(
        10,
        ge=0,
        le=1000,
        description="Connections a process may open beyond db_pool_size under load (closed "
        "again when idle).",
    )
    workflow_cache: int = Field(
        1000,
        ge=0,
        le=1_000_000,
        description="Open cases a worker keeps in memory; a case beyond it is replayed from its "
        "history when next needed.",
    )

    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "SHIXIAN_DATABASE_URL"),
        description="SQLAlchemy URL; postgresql+psycopg://... for PostgreSQL. "
        "Defaults to SQLite under data_dir.",
    )
    temporal_address: str | None = Field(
        None,
        validation_alias=AliasChoices("TEMPORAL_ADDRESS", "SHIXIAN_TEMPORAL_ADDRESS"),
        description="host:port of a Temporal cluster; unset, `make run` starts a dev server.",
    )
    temporal_namespace: str = Field(
        "default",
        validation_alias=AliasChoices("TEMPORAL_NAMESPACE", "SHIXIAN_TEMPORAL_NAMESPACE"),
        description="Temporal namespace of the cases.",
    )
    temporal_tls_cert: Path | None = Field(
        None,
        validation_alias=AliasChoices("TEMPORAL_TLS_CERT", "SHIXIAN_TEMPORAL_TLS_CERT"),
        description="Client certificate (PEM) for mTLS to Temporal.",
    )
    temporal_tls_key: Path | None = Field(
        None,
        validation_alias=AliasChoices("TEMPORAL_TLS_KEY", "SHIXIAN_TEMPORAL_TLS_KEY"),
        description="Client private key (PEM) for mTLS.",
    )
    temporal_tls_ca: Path | None = Field(
        None,
        validation_alias=AliasChoices("TEMPORAL_TLS_CA", "SHIXIAN_TEMPORAL_TLS_CA"),
        description="CA certificate (PEM) that signed the server's.",
    )
    temporal_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("TEMPORAL_API_KEY", "SHIXIAN_TEMPORAL_API_KEY"),
        description="API key, for Temporal Cloud.",
    )

    @model_validator(mode="after")
    def _connection_for_every_thread(self) -> Settings:
        """A thread never waits for a connection: waiting threads were how the API wedged."""
        if self.threads > self.db_pool_size + self.db_max_overflow:
            raise ValueError(
                f"SHIXIAN_THREADS ({self.threads}) exceeds SHIXIAN_DB_POOL_SIZE + "
                f"SHIXIAN_DB_MAX_OVERFLOW ({self.db_pool_size} + {self.db_max_overflow}): "
                "a thread would wait for a database connection"
            )
        return self

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'shixian.db'}"

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    @property
    def calendars(self) -> Path:
        return self.calendar_dir or self.data_dir / "calendars"


@lru_cache
def get_settings() -> Settings:
    return Settings()
