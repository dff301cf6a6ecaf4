import secrets
from typing import ClassVar

import pytest

from canonical.config.secrets import check_strong_secret
from canonical.config.settings import BootError, SecretRule, ServiceSettings, load_settings


class ExampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "example"
    default_port: ClassVar[int] = 5999
    secret_rules: ClassVar[dict[str, SecretRule]] = {
        "JWT_SECRET": check_strong_secret,
        "REDIS_PASSWORD": check_strong_secret,
    }

    jwt_secret: str | None = None
    redis_password: str | None = None


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "JWT_SECRET", "REDIS_PASSWORD", "KAFKA_TOPIC_PARTITIONS", "SERVICE_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_every_problem_is_reported_at_once_naming_each_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "short")
    monkeypatch.setenv("KAFKA_TOPIC_PARTITIONS", "0")
    with pytest.raises(BootError) as refused:
        load_settings(ExampleSettings)
    message = str(refused.value)
    assert "example refuses to start" in message
    assert "DATABASE_URL is required but not set" in message
    assert "KAFKA_TOPIC_PARTITIONS" in message
    assert "JWT_SECRET is required but not set" in message
    assert "REDIS_PASSWORD is too short" in message
    assert "short" not in message.replace("too short", "")


def test_valid_environment_loads_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://example:pw-that-is-secret@127.0.0.1:5433/example")
    monkeypatch.setenv("JWT_SECRET", secrets.token_hex(32))
    monkeypatch.setenv("REDIS_PASSWORD", secrets.token_hex(32))
    settings = load_settings(ExampleSettings)
    assert settings.port == 5999
    assert settings.bind_host == "127.0.0.1"
    assert settings.kafka_topic_prefix == "wms."
    assert "pw-that-is-secret" in settings.secret_values()
    assert "pw-that-is-secret" not in repr(settings)
