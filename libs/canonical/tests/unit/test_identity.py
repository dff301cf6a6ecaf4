import base64
import json
import time
from collections.abc import Mapping

import jwt
import pytest

from canonical.identity import Identity, IdentityRejected, IdentityVerifier, sign_identity, verify_identity
from canonical.testing import generate_identity_keys


def segment(part: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


USER = Identity(subject="u-1", username="picker", role="USER", warehouse_ids=(1, 2), scopes=("pick",))


def test_a_signed_identity_verifies_with_the_public_key() -> None:
    keys = generate_identity_keys()
    token = sign_identity(USER, keys.private)
    assert verify_identity(token, keys.private.public_key()) == USER


def test_a_token_from_another_key_is_rejected() -> None:
    token = sign_identity(USER, generate_identity_keys().private)
    with pytest.raises(IdentityRejected):
        verify_identity(token, generate_identity_keys().private.public_key())


def test_an_expired_token_is_rejected() -> None:
    keys = generate_identity_keys()
    token = sign_identity(USER, keys.private, ttl_s=-30)
    with pytest.raises(IdentityRejected, match="expired"):
        verify_identity(token, keys.private.public_key())


def test_symmetric_and_unsigned_tokens_are_rejected() -> None:
    keys = generate_identity_keys()
    now = int(time.time())
    claims = {
        "iss": "sentry-gateway",
        "aud": "sentry-internal",
        "sub": "u",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
        "role": "ADMIN",
    }
    headers = {"typ": "wms-identity+jwt"}
    forged_hs256 = jwt.encode(claims, keys.public_setting, algorithm="HS256", headers=headers)
    unsigned = ".".join(segment(part) for part in ({"alg": "none", **headers}, claims)) + "."
    for token in (forged_hs256, unsigned):
        with pytest.raises(IdentityRejected):
            verify_identity(token, keys.private.public_key())


def test_warehouse_scope() -> None:
    assert USER.may_access_warehouse(2)
    assert not USER.may_access_warehouse(3)
    assert Identity(subject="a", username="admin", role="ADMIN").may_access_warehouse(99)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_the_verifier_serves_a_token_it_checked_until_the_token_expires() -> None:
    keys = generate_identity_keys()
    clock = Clock()
    verifier = IdentityVerifier(keys.private.public_key(), clock=clock)
    token = sign_identity(USER, keys.private, ttl_s=10)
    assert verifier(token) == USER
    assert verifier(token) == USER
    clock.now += 10 + 5 + 1  # past expiry and the clock-skew leeway
    with pytest.raises(IdentityRejected):
        verifier(token)


def test_the_verifier_checks_every_other_token_in_full() -> None:
    keys = generate_identity_keys()
    verifier = IdentityVerifier(keys.private.public_key())
    token = sign_identity(USER, keys.private)
    assert verifier(token) == USER
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    forged = sign_identity(USER, generate_identity_keys().private)
    for bad in (tampered, forged):
        with pytest.raises(IdentityRejected):
            verifier(bad)
