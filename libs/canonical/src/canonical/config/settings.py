"""Typed settings read from the environment, with the boot guards of the operator contract.

Each service subclasses `ServiceSettings`, adds the fields it needs and names
the secrets it requires in `secret_rules`; `load_settings` validates all of
them at once and refuses to boot with one message per problem.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from canonical.config.secrets import SecretProblem, check_ed25519_key
from canonical.identity import public_key_from_setting

SecretRule = Callable[[str, str | None], SecretProblem | None]


class BootError(RuntimeError):
    """The process must not serve: the message says what to fix."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True)

    service_name: ClassVar[str]
    default_port: ClassVar[int]
    # environment variable name -> rule; each listed secret is required.
    secret_rules: ClassVar[dict[str, SecretRule]] = {}

    database_url: SecretStr = Field(description="The service's own PostgreSQL database, app role.")
    database_pool_max: int = Field(default=20, ge=1, le=500)
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = Field(default="wms.", pattern=r"^[a-zA-Z0-9._-]*$")
    kafka_topic_partitions: int = Field(default=3, ge=1, le=256)
    kafka_replication_factor: int = Field(default=1, ge=1, le=7)
    service_host: str = "127.0.0.1"
    service_port: int | None = Field(default=None, ge=1, le=65535)
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    sentry_validate_event_schemas: bool = True
    outbox_poll_interval_ms: int = Field(default=500, ge=10, le=60_000)
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    shutdown_drain_s: float = Field(default=10.0, ge=1, le=300, description="grace for workers on SIGTERM")
    web_concurrency: int = Field(
        default=1, ge=1, le=32, description="uvicorn worker processes serving HTTP (the usual WEB_CONCURRENCY)"
    )

    @model_validator(mode="after")
    def _secrets_are_strong(self) -> ServiceSettings:
        problems = [p.message() for p in self.secret_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def secret_problems(self) -> list[SecretProblem]:
        found = []
        for variable, rule in self.secret_rules.items():
            problem = rule(variable, self.secret_value(variable))
            if problem is not None:
                found.append(problem)
        return found

    def secret_value(self, variable: str) -> str | None:
        value = getattr(self, variable.lower(), None)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        return value if isinstance(value, str) else None

    @property
    def port(self) -> int:
        return self.service_port or self.default_port

    @property
    def bind_host(self) -> str:
        return self.service_host

    def secret_values(self) -> list[str]:
        """Every secret this process holds, so logs can redact them."""
        database_url = self.database_url.get_secret_value()
        values = [database_url, urlsplit(database_url).password or ""]
        values += [v for name in self.secret_rules if (v := self.secret_value(name))]
        return [v for v in values if v]


class InternalServiceSettings(ServiceSettings):
    """A service behind the gateway: it verifies the gateway's identity tokens."""

    secret_rules: ClassVar[dict[str, SecretRule]] = {"SENTRY_INTERNAL_VERIFY_KEY": check_ed25519_key}

    sentry_internal_verify_key: str | None = None

    def identity_verify_key(self) -> Ed25519PublicKey:
        assert self.sentry_internal_verify_key is not None  # guaranteed by the secret rule
        return public_key_from_setting(self.sentry_internal_verify_key)


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def validation_problems(error: ValidationError) -> list[str]:
    """One line per problem, each naming its environment variable."""
    lines = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        if not item["loc"]:
            lines += message.split("; ")  # model-level rules name their variables themselves
            continue
        variable = ".".join(str(part) for part in item["loc"]).upper()
        lines.append(f"{variable} is required but not set" if item["type"] == "missing" else f"{variable}: {message}")
    return lines


def load_settings(settings_type: type[SettingsT]) -> SettingsT:
    """Read and validate settings, or raise BootError listing every problem at once.

    Secrets are checked straight from the environment as well, because field
    errors stop pydantic before the model-level secret rules would run.
    """
    problems = [
        p.message()
        for variable, rule in settings_type.secret_rules.items()
        if (p := rule(variable, os.environ.get(variable))) is not None
    ]
    try:
        settings = settings_type()
    except ValidationError as error:
        problems += [p for p in validation_problems(error) if p not in problems]
    if problems:
        raise BootError(f"{settings_type.service_name} refuses to start:\n" + "\n".join(f"  - {p}" for p in problems))
    return settings
