"""Audit service settings."""

from __future__ import annotations

from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field, SecretStr

from canonical.config.secrets import check_ed25519_key
from canonical.config.settings import InternalServiceSettings, SecretRule
from canonical.identity import private_key_from_setting


class Settings(InternalServiceSettings):
    service_name: ClassVar[str] = "audit"
    default_port: ClassVar[int] = 5105
    secret_rules: ClassVar[dict[str, SecretRule]] = {
        **InternalServiceSettings.secret_rules,
        "SENTRY_AUDIT_SIGNING_KEY": check_ed25519_key,
    }

    sentry_audit_signing_key: SecretStr | None = None
    audit_checkpoint_interval_s: float = Field(
        default=60.0, ge=1, le=3600, description="seconds between signed checkpoints (only when the log grew)"
    )

    def checkpoint_signing_key(self) -> Ed25519PrivateKey:
        assert self.sentry_audit_signing_key is not None  # guaranteed by the secret rule
        return private_key_from_setting(self.sentry_audit_signing_key.get_secret_value())
