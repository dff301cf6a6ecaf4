import base64
import secrets

import pytest
from cryptography.fernet import Fernet

from canonical.config.secrets import check_ed25519_key, check_fernet_key, check_strong_secret


def test_a_generated_secret_is_accepted() -> None:
    assert check_strong_secret("JWT_SECRET", secrets.token_hex(32)) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "required"),
        ("", "required"),
        (" " + secrets.token_hex(32), "whitespace"),
        (secrets.token_hex(16) + " " + secrets.token_hex(16), "whitespace"),
        ("replace-me-with-openssl-rand-hex-32-aaaaaaaaaaaaaaaa", "placeholder"),
        ("changeme" + secrets.token_hex(20), "placeholder"),
        (secrets.token_hex(15), "too short"),
        ("a" * 64, "entropy"),
    ],
)
def test_weak_secrets_are_refused_with_the_variable_and_a_generator(value: str | None, reason: str) -> None:
    problem = check_strong_secret("SENTRY_TOKEN_PEPPER", value)
    assert problem is not None
    assert reason in problem.reason
    message = problem.message()
    assert message.startswith("SENTRY_TOKEN_PEPPER ")
    assert "secrets.token_hex(32)" in message


def test_the_secret_value_never_appears_in_the_message() -> None:
    value = "x" * 10
    problem = check_strong_secret("JWT_SECRET", value)
    assert problem is not None
    assert value not in problem.message()


def test_fernet_keys_must_decode_to_32_bytes() -> None:
    assert check_fernet_key("SENTRY_ENCRYPTION_KEY", Fernet.generate_key().decode()) is None
    not_a_key = base64.urlsafe_b64encode(secrets.token_bytes(40)).decode()
    problem = check_fernet_key("SENTRY_ENCRYPTION_KEY", not_a_key)
    assert problem is not None
    assert "Fernet" in problem.reason


def test_ed25519_keys_are_32_raw_bytes_in_urlsafe_base64() -> None:
    good = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    assert check_ed25519_key("SENTRY_INTERNAL_VERIFY_KEY", good) is None
    assert check_ed25519_key("SENTRY_INTERNAL_VERIFY_KEY", "not-base64!!") is not None
    assert check_ed25519_key("SENTRY_INTERNAL_VERIFY_KEY", None) is not None
