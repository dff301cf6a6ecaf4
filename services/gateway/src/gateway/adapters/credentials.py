"""Password hashing (argon2id) and opaque refresh tokens.

Refresh tokens are stored only as SHA-256 digests. A successor token is
derived from the token it replaces with an HMAC, so a client that lost the
response to its refresh can present the spent token again within the grace
period and receive the very same successor, without the server ever storing
a plaintext.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
# Verified against when the username is unknown, so both paths cost one argon2 run (no timing oracle).
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokens:
    def __init__(self, derivation_key: bytes) -> None:
        self._key = derivation_key

    @staticmethod
    def new() -> str:
        return secrets.token_urlsafe(32)

    def successor(self, spent: str) -> str:
        mac = hmac.new(self._key, b"refresh-successor\x00" + spent.encode(), hashlib.sha256).digest()
        return mac.hex()
