"""User access tokens: short-lived EdDSA JWTs.

The Ed25519 key pair is derived from JWT_SECRET with HKDF, so operators keep
one secret (the one every deployment already carries) while the tokens are
asymmetric: services or tools that only need to verify get the public key
from /api/auth/jwks and can never mint a token.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ISSUER = "sentry-wms"
AUDIENCE = "sentry-wms-api"
TOKEN_TYPE = "at+jwt"  # noqa: S105 (RFC 9068 "typ", not a credential)
ALGORITHMS = ["EdDSA"]  # allow-list: "none", HS256 and friends are refused
KEY_INFO = b"sentry-wms access-token ed25519 v1"
LEEWAY_S = 5


class AccessTokenRejected(Exception):
    """Expired, forged, malformed or not an access token."""


VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    session_id: str
    jti: str
    issued_at: int
    expires_at: int


def derive_key(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


class AccessTokens:
    def __init__(self, jwt_secret: str, ttl_s: int) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(derive_key(jwt_secret, KEY_INFO))
        self._public = self._key.public_key()
        self.ttl_s = ttl_s
        raw = self._public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = base64.urlsafe_b64encode(derive_key(raw.hex(), b"kid")[:9]).decode()
        # Token text -> its verified claims. A signed token never changes, so its signature is checked once;
        # expiry is re-checked on every hit, and the session behind it is still read live on every request.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.key_id,
            "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._jwk]}

    def issue(self, *, subject: str, session_id: str, legacy: dict[str, Any]) -> str:
        """`legacy` carries v1.7's advisory claims (user_id, username, role, ...); the gateway never trusts them."""
        now = int(time.time())
        claims = {
            **legacy,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "sid": session_id,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"typ": TOKEN_TYPE, "kid": self.key_id})

    def verify(self, token: str) -> AccessClaims:
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at + LEEWAY_S <= time.time():
                del self._verified[token]
                raise AccessTokenRejected("expired")
            self._verified.move_to_end(token)
            return cached
        claims = self._verify_signed(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)  # the least recently used
        return claims

    def _verify_signed(self, token: str) -> AccessClaims:
        try:
            if jwt.get_unverified_header(token).get("typ") != TOKEN_TYPE:
                raise AccessTokenRejected("not an access token")
            claims = jwt.decode(
                token,
                self._public,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "sid", "jti", "iss", "aud"]},
            )
            return AccessClaims(
                str(claims["sub"]), str(claims["sid"]), str(claims["jti"]), int(claims["iat"]), int(claims["exp"])
            )
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as error:
            raise AccessTokenRejected(str(error)) from None
