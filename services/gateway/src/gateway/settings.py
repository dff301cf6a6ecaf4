"""Gateway settings: the public entry point holds the user-facing secrets."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, model_validator

from canonical.config.secrets import check_ed25519_key, check_strong_secret
from canonical.config.settings import SecretRule, ServiceSettings


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
    sentry_allow_open_bind: bool = False

    @property
    def bind_host(self) -> str:
        # Natively the gateway listens where it is exposed. In a container it listens on
        # SERVICE_HOST (0.0.0.0 in the image) and API_BIND_HOST is where the port is published.
        return self.service_host if "service_host" in self.model_fields_set else self.api_bind_host

    @model_validator(mode="after")
    def _no_forgeable_proxy_headers_on_an_open_bind(self) -> Settings:
        # Trusting X-Forwarded-* while reachable from anywhere lets any client forge its address.
        if self.trust_proxy and self.api_bind_host == "0.0.0.0" and not self.sentry_allow_open_bind:  # noqa: S104
            raise ValueError(
                "TRUST_PROXY=true with API_BIND_HOST=0.0.0.0 lets any client forge X-Forwarded-* headers; "
                "bind to the proxy's network or set SENTRY_ALLOW_OPEN_BIND=true if the proxy strips them"
            )
        return self
