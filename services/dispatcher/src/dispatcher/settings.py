"""Dispatcher settings: webhook secrets are encrypted at rest; internal targets are opt-in."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

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
    dispatcher_max_concurrent_posts: int = Field(default=16, ge=1, le=100)
