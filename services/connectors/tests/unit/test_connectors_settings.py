import pytest
from cryptography.fernet import Fernet

from canonical.config.settings import BootError, load_settings
from canonical.testing import generate_identity_keys
from connectors.settings import Settings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://connectors@127.0.0.1:5433/connectors")
    monkeypatch.setenv("SENTRY_INTERNAL_VERIFY_KEY", generate_identity_keys().public_setting)


def test_the_credential_vault_key_must_be_a_fernet_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_ENCRYPTION_KEY", "0123456789abcdef0123456789abcdef-not-fernet")
    with pytest.raises(BootError, match="SENTRY_ENCRYPTION_KEY is not a Fernet key"):
        load_settings(Settings)
    monkeypatch.setenv("SENTRY_ENCRYPTION_KEY", Fernet.generate_key().decode())
    assert load_settings(Settings).port == 5104
