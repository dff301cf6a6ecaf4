"""Dispatcher settings: webhook secrets are encrypted at rest; internal targets are opt-in."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr, model_validator

from canonical.config.secrets import check_fernet_key, check_strong_secret
from canonical.config.settings import InternalServiceSettings, SecretRule


class Settings(InternalServiceSettings):
    service_name: ClassVar[str] = "dispatcher"
    default_port: ClassVar[int] = 5103
    secret_rules: ClassVar[dict[str, SecretRule]] = {
        **InternalServiceSettings.secret_rules,
        "SENTRY_ENCRYPTION_KEY": check_fernet_key,
        "SENTRY_PUBSUB_HMAC_KEY": check_strong_secret,
    }

    sentry_encryption_key: SecretStr | None = None
    sentry_pubsub_hmac_key: SecretStr | None = None
    # Loopback/private targets are refused unless an operator allows them (and it is logged).
    sentry_allow_internal_webhooks: bool = False
    dispatcher_http_timeout_ms: int = Field(default=10_000, ge=1000, le=60_000)
    dispatcher_http_connect_timeout_ms: int = Field(default=5_000, ge=100, le=60_000)
    dispatcher_http_read_timeout_ms: int = Field(default=8_000, ge=100, le=60_000)
    dispatcher_max_concurrent_posts: int = Field(default=16, ge=1, le=100)
    # Retries fall due without a notification; this is how late one can be noticed.
    dispatcher_fallback_poll_ms: int = Field(default=1_000, ge=500, le=10_000)
    # A send may take up to DISPATCHER_HTTP_TIMEOUT_MS: give in-flight posts time to finish on SIGTERM.
    shutdown_drain_s: float = Field(
        default=30.0, ge=1, le=300, validation_alias=AliasChoices("DISPATCHER_SHUTDOWN_DRAIN_S", "SHUTDOWN_DRAIN_S")
    )

    @model_validator(mode="after")
    def _phase_timeouts_fit_the_wall_clock(self) -> Settings:
        problems = [
            f"{name.upper()} must not exceed DISPATCHER_HTTP_TIMEOUT_MS"
            for name in ("dispatcher_http_connect_timeout_ms", "dispatcher_http_read_timeout_ms")
            if getattr(self, name) > self.dispatcher_http_timeout_ms
        ]
        if problems:
            raise ValueError("; ".join(problems))  # one line each in the boot error
        return self

    def encryption_key(self) -> str:
        assert self.sentry_encryption_key is not None  # guaranteed by the secret rule
        return self.sentry_encryption_key.get_secret_value()
