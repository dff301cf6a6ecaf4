"""Dispatcher settings: webhook secrets are encrypted at rest; internal targets are opt-in."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated, ClassVar

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from canonical.config.secrets import check_fernet_key, check_strong_secret
from canonical.config.settings import InternalServiceSettings, SecretRule
from dispatcher.domain.attempts import DEFAULT_RETRY_DELAYS_S, RetrySchedule
from dispatcher.domain.endpoint_health import BreakerPolicy

# What SENTRY_ALLOW_INTERNAL_WEBHOOKS opens when no list is given: loopback and the private
# ranges, never link-local (169.254.169.254 is the cloud metadata service) nor anything else.
DEFAULT_INTERNAL_NETWORKS = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"


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
    # The explicit allow-list behind SENTRY_ALLOW_INTERNAL_WEBHOOKS (logged at boot).
    sentry_internal_webhook_networks: str = DEFAULT_INTERNAL_NETWORKS
    # Plain http:// targets on the internet are refused unless this is set.
    sentry_allow_http_webhooks: bool = False
    # Seconds between attempts, comma-separated: one attempt more than delays.
    dispatcher_retry_schedule_s: Annotated[tuple[int, ...], NoDecode] = DEFAULT_RETRY_DELAYS_S
    dispatcher_breaker_failure_threshold: int = Field(default=5, ge=1, le=100)
    dispatcher_breaker_cooldown_s: int = Field(default=30, ge=1, le=3600)
    dispatcher_auto_disable_days: float = Field(default=5, gt=0, le=90)
    dispatcher_max_dlq_hard_cap: int = Field(default=5_000, ge=100, le=1_000_000)
    # Above this no subscription's pending_ceiling may be set (the schema's own bound is 100000).
    dispatcher_max_pending_hard_cap: int = Field(default=100_000, ge=100, le=100_000)
    # Finished attempts older than this are deleted (in chunks, every 6 h); pending ones never are.
    dispatcher_delivery_retention_days: int = Field(default=90, ge=1, le=3650)
    dispatcher_replay_batch_hard_cap: int = Field(default=10_000, ge=1, le=1_000_000)
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

    @field_validator("dispatcher_retry_schedule_s", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _phase_timeouts_fit_the_wall_clock(self) -> Settings:
        problems = [
            f"{name.upper()} must not exceed DISPATCHER_HTTP_TIMEOUT_MS"
            for name in ("dispatcher_http_connect_timeout_ms", "dispatcher_http_read_timeout_ms")
            if getattr(self, name) > self.dispatcher_http_timeout_ms
        ]
        if self.sentry_allow_http_webhooks and self.sentry_allow_internal_webhooks:
            # Cleartext into the private network: v1.7 refuses the pair in every environment.
            problems.append("SENTRY_ALLOW_HTTP_WEBHOOKS and SENTRY_ALLOW_INTERNAL_WEBHOOKS must not both be true")
        try:
            self.retry_schedule()
        except ValueError as error:
            problems.append(f"DISPATCHER_RETRY_SCHEDULE_S: {error}")
        try:
            self.internal_networks()
        except ValueError as error:
            problems.append(f"SENTRY_INTERNAL_WEBHOOK_NETWORKS: {error}")
        if problems:
            raise ValueError("; ".join(problems))  # one line each in the boot error
        return self

    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule.of_seconds(tuple(float(s) for s in self.dispatcher_retry_schedule_s))

    def internal_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The networks webhooks may reach despite being private; empty unless internal webhooks are allowed."""
        if not self.sentry_allow_internal_webhooks:
            return ()
        parts = (part.strip() for part in self.sentry_internal_webhook_networks.split(","))
        return tuple(ipaddress.ip_network(part) for part in parts if part)

    def breaker_policy(self) -> BreakerPolicy:
        return BreakerPolicy(
            failure_threshold=self.dispatcher_breaker_failure_threshold,
            cooldown=timedelta(seconds=self.dispatcher_breaker_cooldown_s),
            auto_disable_after=timedelta(days=self.dispatcher_auto_disable_days),
        )

    def encryption_key(self) -> str:
        assert self.sentry_encryption_key is not None  # guaranteed by the secret rule
        return self.sentry_encryption_key.get_secret_value()
