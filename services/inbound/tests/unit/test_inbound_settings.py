import pytest

from canonical.config.settings import BootError, load_settings
from canonical.testing import generate_identity_keys
from inbound.settings import Settings


def test_the_gateway_verify_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://inbound@127.0.0.1:5433/inbound")
    monkeypatch.delenv("SENTRY_INTERNAL_VERIFY_KEY", raising=False)
    with pytest.raises(BootError, match="SENTRY_INTERNAL_VERIFY_KEY is required"):
        load_settings(Settings)
    monkeypatch.setenv("SENTRY_INTERNAL_VERIFY_KEY", generate_identity_keys().public_setting)
    settings = load_settings(Settings)
    assert (settings.bind_host, settings.port) == ("127.0.0.1", 5102)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SENTRY_INBOUND_MAX_BODY_KB", "42096", "SENTRY_INBOUND_MAX_BODY_KB"),
        ("SENTRY_INBOUND_MAX_BODY_KB", "15", "SENTRY_INBOUND_MAX_BODY_KB"),
        ("SENTRY_INBOUND_MAX_BODY_KB", "lots", "SENTRY_INBOUND_MAX_BODY_KB"),
        ("SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS", "6", "SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS"),
        ("SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS", "0", "SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS"),
    ],
)
def test_inbound_limits_out_of_range_refuse_to_boot(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://inbound@127.0.0.1:5433/inbound")
    monkeypatch.setenv("SENTRY_INTERNAL_VERIFY_KEY", generate_identity_keys().public_setting)
    monkeypatch.setenv(variable, value)
    with pytest.raises(BootError, match=problem):
        load_settings(Settings)


def test_blank_inbound_limits_take_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://inbound@127.0.0.1:5433/inbound")
    monkeypatch.setenv("SENTRY_INTERNAL_VERIFY_KEY", generate_identity_keys().public_setting)
    monkeypatch.setenv("SENTRY_INBOUND_MAX_BODY_KB", " ")
    monkeypatch.setenv("SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS", "")
    settings = load_settings(Settings)
    assert (settings.max_body_bytes, settings.sentry_inbound_source_payload_retention_days) == (256 * 1024, 90)
