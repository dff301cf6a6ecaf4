"""Rules every secret must pass before a process may serve.

One rule set for every secret (Sentry v1.7 only checked some of them): a
weak or placeholder value stops the process at boot with a message that names
the variable and the command that generates a good one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet

MIN_SECRET_LENGTH = 32

# Values copied from examples and templates. A secret containing one of these
# words was not generated, whatever its length.
_PLACEHOLDER_MARKERS = (
    "replace-me",
    "replace_me",
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "example",
    "your-",
    "your_",
    "secret-here",
    "xxxxxxxx",
)

HEX_GENERATOR = 'python -c "import secrets; print(secrets.token_hex(32))"'
FERNET_GENERATOR = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
ED25519_GENERATOR = "make env (scripts/devstack.py env writes an Ed25519 key pair into .env)"


@dataclass(frozen=True)
class SecretProblem:
    variable: str
    reason: str
    generator: str

    def message(self) -> str:
        return f"{self.variable} {self.reason}. Generate one with: {self.generator}"


def _repeats_one_character(value: str) -> bool:
    return len(set(value)) <= 2


def check_strong_secret(variable: str, value: str | None, generator: str = HEX_GENERATOR) -> SecretProblem | None:
    """Return why `value` is not acceptable as a secret, or None when it is."""
    if value is None or value == "":
        return SecretProblem(variable, "is required but not set", generator)
    if value != value.strip() or re.search(r"\s", value):
        return SecretProblem(variable, "contains whitespace (a copy/paste accident?)", generator)
    lowered = value.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        return SecretProblem(variable, "is a placeholder value, not a generated secret", generator)
    if len(value) < MIN_SECRET_LENGTH:
        return SecretProblem(
            variable, f"is too short ({len(value)} characters, at least {MIN_SECRET_LENGTH} needed)", generator
        )
    if _repeats_one_character(value):
        return SecretProblem(variable, "has almost no entropy (one or two distinct characters)", generator)
    return None


def check_fernet_key(variable: str, value: str | None) -> SecretProblem | None:
    """A Fernet key is url-safe base64 of exactly 32 random bytes."""
    problem = check_strong_secret(variable, value, FERNET_GENERATOR)
    if problem is not None:
        return problem
    try:
        Fernet(value or "")
    except (ValueError, TypeError):  # the vault's own parser decides what a key is
        return SecretProblem(variable, "is not a Fernet key (url-safe base64 of 32 bytes)", FERNET_GENERATOR)
    return None


def check_ed25519_key(variable: str, value: str | None) -> SecretProblem | None:
    """Ed25519 keys travel as url-safe base64 of their 32 raw bytes."""
    if value is None or value == "":
        return SecretProblem(variable, "is required but not set", ED25519_GENERATOR)
    raw = _decode_urlsafe(value)
    if raw is None or len(raw) != 32:
        return SecretProblem(variable, "is not an Ed25519 key (url-safe base64 of 32 raw bytes)", ED25519_GENERATOR)
    if _repeats_one_character(value):
        return SecretProblem(variable, "has almost no entropy", ED25519_GENERATOR)
    return None


def _decode_urlsafe(value: str) -> bytes | None:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def decode_ed25519_key(value: str) -> bytes:
    raw = _decode_urlsafe(value)
    if raw is None or len(raw) != 32:
        raise ValueError("not an Ed25519 key")
    return raw
