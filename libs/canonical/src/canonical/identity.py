"""Internal identity tokens: the gateway vouches for a caller, services verify.

The gateway authenticates users and machines, then forwards each request with
a short-lived EdDSA JWT signed by its private key. Services hold only the
public key: they trust this token and nothing else (not the user's own token,
not headers such as X-Forwarded-For).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from canonical.config.secrets import decode_ed25519_key

HEADER = "X-Sentry-Identity"
ISSUER = "sentry-gateway"
AUDIENCE = "sentry-internal"
TOKEN_TYPE = "wms-identity+jwt"  # noqa: S105 (a JWT "typ", not a credential)
ALGORITHMS = ["EdDSA"]  # allow-list: a token naming any other algorithm is refused
DEFAULT_TTL_S = 60
CLOCK_SKEW_S = 5


class IdentityRejected(Exception):
    """The internal token is missing, forged, expired or malformed."""


@dataclass(frozen=True)
class Identity:
    subject: str  # the actor: a user's external id, or "system:<who>"
    username: str
    role: str  # ADMIN | USER | SYSTEM
    warehouse_ids: tuple[int, ...] = ()
    scopes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_admin(self) -> bool:
        return self.role in {"ADMIN", "SYSTEM"}

    def may_access_warehouse(self, warehouse_id: int) -> bool:
        return self.is_admin or warehouse_id in self.warehouse_ids


def private_key_from_setting(value: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(decode_ed25519_key(value))


def public_key_from_setting(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(decode_ed25519_key(value))


def sign_identity(identity: Identity, key: Ed25519PrivateKey, *, ttl_s: int = DEFAULT_TTL_S) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": identity.subject,
        "iat": now,
        "nbf": now - CLOCK_SKEW_S,
        "exp": now + ttl_s,
        "jti": str(uuid.uuid4()),
        "name": identity.username,
        "role": identity.role,
        "wh": list(identity.warehouse_ids),
        "scp": list(identity.scopes),
        "ext": identity.extra,
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"typ": TOKEN_TYPE})


def _verified_claims(token: str, key: Ed25519PublicKey) -> dict[str, Any]:
    try:
        if jwt.get_unverified_header(token).get("typ") != TOKEN_TYPE:
            raise IdentityRejected("not an internal identity token")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=CLOCK_SKEW_S,
            options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
        )
    except jwt.PyJWTError as error:
        raise IdentityRejected(str(error)) from None
    return claims


def _identity_from(claims: dict[str, Any]) -> Identity:
    try:
        return Identity(
            subject=str(claims["sub"]),
            username=str(claims.get("name", "")),
            role=str(claims["role"]),
            warehouse_ids=tuple(int(w) for w in claims.get("wh", [])),
            scopes=tuple(str(s) for s in claims.get("scp", [])),
            extra=dict(claims.get("ext") or {}),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise IdentityRejected(f"malformed claims: {error}") from None


def verify_identity(token: str, key: Ed25519PublicKey) -> Identity:
    return _identity_from(_verified_claims(token, key))


class IdentityVerifier:
    """`verify_identity` that checks each distinct token once.

    The gateway reuses a caller's identity token for several seconds, so a service sees the same bytes
    many times; their signature and claims cannot change, so the identity they verified to is served
    again until the token expires (with the same leeway the first check allowed). A token differing
    in a single byte is a different key here and is verified in full.
    """

    def __init__(
        self, key: Ed25519PublicKey, *, max_entries: int = 4096, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = key
        self._max_entries = max_entries
        self._clock = clock
        self._verified: dict[str, tuple[Identity, float]] = {}

    def __call__(self, token: str) -> Identity:
        cached = self._verified.get(token)
        if cached is not None:
            if self._clock() <= cached[1]:
                return cached[0]
            del self._verified[token]
            raise IdentityRejected("the token has expired")
        claims = _verified_claims(token, self._key)
        identity = _identity_from(claims)
        if len(self._verified) >= self._max_entries:
            del self._verified[next(iter(self._verified))]  # the oldest insertion
        self._verified[token] = (identity, float(claims["exp"]) + CLOCK_SKEW_S)
        return identity
