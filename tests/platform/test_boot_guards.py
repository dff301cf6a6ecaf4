"""Every service refuses to start, before it listens, when a secret it needs is missing or weak."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from canonical.testing import generate_identity_keys

REQUIRED = {
    "gateway": [
        "JWT_SECRET",
        "SENTRY_TOKEN_PEPPER",
        "SENTRY_PUBSUB_HMAC_KEY",
        "REDIS_PASSWORD",
        "SENTRY_INTERNAL_SIGNING_KEY",
    ],
    "inventory": ["SENTRY_INTERNAL_VERIFY_KEY"],
    "inbound": ["SENTRY_INTERNAL_VERIFY_KEY"],
    "dispatcher": ["SENTRY_INTERNAL_VERIFY_KEY", "SENTRY_ENCRYPTION_KEY", "SENTRY_PUBSUB_HMAC_KEY"],
    "connectors": ["SENTRY_INTERNAL_VERIFY_KEY", "SENTRY_ENCRYPTION_KEY"],
    "audit": ["SENTRY_INTERNAL_VERIFY_KEY", "SENTRY_AUDIT_SIGNING_KEY"],
}
ALL_SECRETS = {name for names in REQUIRED.values() for name in names}


def good_value(variable: str) -> str:
    keys = generate_identity_keys()
    if variable == "SENTRY_ENCRYPTION_KEY":
        return Fernet.generate_key().decode()
    if variable in {"SENTRY_INTERNAL_SIGNING_KEY", "SENTRY_AUDIT_SIGNING_KEY"}:
        return keys.private_setting
    if variable == "SENTRY_INTERNAL_VERIFY_KEY":
        return keys.public_setting
    return secrets.token_hex(32)


def boot(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ALL_SECRETS and not k.endswith("DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", service],
        env={**base, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "SERVICE_PORT": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("service", sorted(REQUIRED))
def test_missing_secrets_stop_the_service_naming_every_one(service: str) -> None:
    result = boot(service, {})
    assert result.returncode == 1, result.stderr
    assert f"{service} refuses to start" in result.stderr
    for variable in REQUIRED[service]:
        assert f"{variable} is required but not set" in result.stderr
    assert "Generate one with:" in result.stderr


@pytest.mark.parametrize("service", sorted(REQUIRED))
def test_a_placeholder_or_short_secret_is_refused_and_not_echoed(service: str) -> None:
    env = {variable: good_value(variable) for variable in REQUIRED[service]}
    weakened = REQUIRED[service][-1]
    env[weakened] = "replace-me-with-openssl-rand-hex-32"
    result = boot(service, env)
    assert result.returncode == 1
    assert weakened in result.stderr
    assert "replace-me-with-openssl-rand-hex-32" not in result.stderr


def test_gateway_refuses_trusting_proxy_headers_on_an_open_bind() -> None:
    env = {variable: good_value(variable) for variable in REQUIRED["gateway"]}
    result = boot("gateway", {**env, "TRUST_PROXY": "true", "API_BIND_HOST": "0.0.0.0"})
    assert result.returncode == 1
    assert "SENTRY_ALLOW_OPEN_BIND" in result.stderr


def test_a_fernet_key_must_really_be_one() -> None:
    env = {variable: good_value(variable) for variable in REQUIRED["connectors"]}
    env["SENTRY_ENCRYPTION_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()
    result = boot("connectors", env)
    assert result.returncode == 1
    assert "SENTRY_ENCRYPTION_KEY is not a Fernet key" in result.stderr
