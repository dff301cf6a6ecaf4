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
