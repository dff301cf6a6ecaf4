"""Gateway settings: the public entry point holds the user-facing secrets."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator

from canonical.config.secrets import check_ed25519_key, check_strong_secret
from canonical.config.settings import SecretRule, ServiceSettings
from gateway.domain.errors import WeakPassword
from gateway.domain.passwords import check_password_policy


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 5000
    secret_rules: ClassVar[dict[str, SecretRule]] = {
        "JWT_SECRET": check_strong_secret,
        "SENTRY_TOKEN_PEPPER": check_strong_secret,
        "SENTRY_PUBSUB_HMAC_KEY": check_strong_secret,
        "REDIS_PASSWORD": check_strong_secret,
        "SENTRY_INTERNAL_SIGNING_KEY": check_ed25519_key,
    }

    jwt_secret: SecretStr | None = None
    sentry_token_pepper: SecretStr | None = None
    sentry_pubsub_hmac_key: SecretStr | None = None
    redis_password: SecretStr | None = None
    sentry_internal_signing_key: SecretStr | None = None
    redis_url: str = "redis://127.0.0.1:6380/0"
    api_bind_host: str = "127.0.0.1"
    trust_proxy: bool = False
    # How many proxies append to X-Forwarded-For in front of the gateway (the client is that many from the end).
    trust_proxy_hops: int = Field(default=1, ge=1, le=5)
    sentry_allow_open_bind: bool = False
    # Set on a fresh install instead of admin/admin (then no forced change); checked against the policy.
    admin_password: SecretStr | None = None

    access_token_ttl_s: int = Field(default=900, ge=60, le=8 * 3600)
    refresh_token_ttl_s: int = Field(default=7 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    refresh_grace_s: int = Field(default=30, ge=0, le=300)

    cors_origins: str = "http://localhost:3000,http://localhost:5000,http://localhost:8081"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    inventory_url: str = "http://127.0.0.1:5101"
    inbound_url: str = "http://127.0.0.1:5102"
    dispatcher_url: str = "http://127.0.0.1:5103"
    connectors_url: str = "http://127.0.0.1:5104"
    audit_url: str = "http://127.0.0.1:5105"
    upstream_timeout_s: float = Field(default=30.0, ge=1, le=300)
    upstream_connect_timeout_s: float = Field(default=3.0, ge=0.1, le=60)

    redis_key_prefix: str = Field(default="gw:", pattern=r"^[a-zA-Z0-9._:-]*$")
    rate_limit_enabled: bool = True
    rate_limit_default_per_min: int = Field(default=300, ge=1, le=1_000_000)
    rate_limit_auth_per_min: int = Field(default=30, ge=1, le=1_000_000)
    rate_limit_tokens_per_min: int = Field(default=60, ge=1, le=1_000_000)
    rate_limit_connector_test_per_min: int = Field(default=10, ge=1, le=1_000_000)
    rate_limit_csp_report_per_min: int = Field(default=60, ge=1, le=1_000_000)
    rate_limit_webhook_admin_per_min: int = Field(default=60, ge=1, le=1_000_000)
    # Per API token (integration-security 7.4): each polling route, every snapshot page, each inbound resource.
    rate_limit_events_per_min: int = Field(default=120, ge=1, le=1_000_000)
    rate_limit_snapshot_per_min: int = Field(default=2, ge=1, le=1_000_000)
    rate_limit_inbound_per_min: int = Field(default=100, ge=1, le=1_000_000)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_s: int = Field(default=900, ge=60, le=86_400)

    @property
    def bind_host(self) -> str:
        # Natively the gateway listens where it is exposed. In a container it listens on
        # SERVICE_HOST (0.0.0.0 in the image) and API_BIND_HOST is where the port is published.
        return self.service_host if "service_host" in self.model_fields_set else self.api_bind_host

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def secret_values(self) -> list[str]:
        values = super().secret_values()
        return values + ([self.admin_password.get_secret_value()] if self.admin_password else [])

    @model_validator(mode="after")
    def _admin_password_follows_the_policy(self) -> Settings:
        if self.admin_password is not None:
            try:
                check_password_policy(self.admin_password.get_secret_value())
            except WeakPassword as error:
                raise ValueError(f"ADMIN_PASSWORD: {error.message}") from None
        return self

    @model_validator(mode="after")
    def _no_forgeable_proxy_headers_on_an_open_bind(self) -> Settings:
        # Trusting X-Forwarded-* while reachable from anywhere lets any client forge its address.
        if self.trust_proxy and self.api_bind_host == "0.0.0.0" and not self.sentry_allow_open_bind:  # noqa: S104
            raise ValueError(
                "TRUST_PROXY=true with API_BIND_HOST=0.0.0.0 lets any client forge X-Forwarded-* headers; "
                "bind to the proxy's network or set SENTRY_ALLOW_OPEN_BIND=true if the proxy strips them"
            )
        return self
