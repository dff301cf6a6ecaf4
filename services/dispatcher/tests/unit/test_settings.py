"""Dispatcher boot guards beyond the shared secret rules."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError

from dispatcher.settings import Settings


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr("postgresql://dispatcher:x@127.0.0.1:5433/dispatcher"),
        "sentry_internal_verify_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "sentry_encryption_key": SecretStr(Fernet.generate_key().decode()),
        "sentry_pubsub_hmac_key": SecretStr(secrets.token_hex(32)),
        **overrides,
    }
    return Settings(**values)


def test_defaults_are_valid() -> None:
    loaded = settings()
    assert loaded.sentry_allow_internal_webhooks is False
    assert loaded.dispatcher_http_connect_timeout_ms <= loaded.dispatcher_http_timeout_ms


@pytest.mark.parametrize("phase", ["dispatcher_http_connect_timeout_ms", "dispatcher_http_read_timeout_ms"])
def test_a_phase_timeout_longer_than_the_wall_clock_is_refused(phase: str) -> None:
    with pytest.raises(ValidationError, match=f"{phase.upper()} must not exceed DISPATCHER_HTTP_TIMEOUT_MS"):
        settings(dispatcher_http_timeout_ms=5_000, **{phase: 5_001})


def test_every_timeout_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError, match=r"CONNECT_TIMEOUT_MS must not exceed .*; .*READ_TIMEOUT_MS must not"):
        settings(dispatcher_http_timeout_ms=1_000)


def test_the_encryption_key_must_be_a_fernet_key() -> None:
    with pytest.raises(ValidationError, match="SENTRY_ENCRYPTION_KEY"):
        settings(sentry_encryption_key=SecretStr(secrets.token_hex(32)))


def test_http_and_internal_webhooks_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="must not both be true"):
        settings(sentry_allow_http_webhooks=True, sentry_allow_internal_webhooks=True)


def test_the_retry_schedule_is_read_from_comma_separated_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCHER_RETRY_SCHEDULE_S", "10, 60,600")
    assert settings().retry_schedule().max_attempts == 4
    monkeypatch.setenv("DISPATCHER_RETRY_SCHEDULE_S", "10,0")
    with pytest.raises(ValidationError, match="DISPATCHER_RETRY_SCHEDULE_S"):
        settings()


def test_the_internal_allow_list_is_empty_unless_internal_webhooks_are_allowed() -> None:
    assert settings().internal_networks() == ()
    allowed = settings(sentry_allow_internal_webhooks=True, sentry_internal_webhook_networks="127.0.0.0/8")
    assert [str(n) for n in allowed.internal_networks()] == ["127.0.0.0/8"]
    with pytest.raises(ValidationError, match="SENTRY_INTERNAL_WEBHOOK_NETWORKS"):
        settings(sentry_allow_internal_webhooks=True, sentry_internal_webhook_networks="not-a-network")
