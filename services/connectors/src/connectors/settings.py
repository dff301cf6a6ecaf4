"""Connectors service settings: it keeps third-party credentials encrypted at rest."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from canonical.config.secrets import check_fernet_key
from canonical.config.settings import InternalServiceSettings, SecretRule


class Settings(InternalServiceSettings):
    service_name: ClassVar[str] = "connectors"
    default_port: ClassVar[int] = 5104
    secret_rules: ClassVar[dict[str, SecretRule]] = {
        **InternalServiceSettings.secret_rules,
        "SENTRY_ENCRYPTION_KEY": check_fernet_key,
    }

    sentry_encryption_key: SecretStr | None = None
