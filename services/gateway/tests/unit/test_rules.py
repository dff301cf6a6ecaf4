"""Pure rules of the gateway's domain: passwords, users, edge authorization, token scopes."""

from __future__ import annotations

import time
from dataclasses import replace

import jwt
import pytest

from canonical.errors import DomainError
from canonical.identity import Identity, verify_identity
from canonical.testing import generate_identity_keys
from gateway.adapters.access_tokens import AccessTokenRejected, AccessTokens
from gateway.adapters.credentials import RefreshTokens
from gateway.adapters.forwarder import SignedIdentities
from gateway.domain.access import check_forced_change, check_function, function_for_path, requested_warehouse
from gateway.domain.api_tokens import ScopeViolation, TokenScope, authorize_route, check_scope
from gateway.domain.errors import InvalidWarehouseId, LastAdmin, PasswordChangeRequired, WarehouseMismatch, WeakPassword
from gateway.domain.passwords import check_password_policy
from gateway.domain.users import User, UserChanges, apply_changes

SECRET = "f" * 16 + "0123456789abcdef0123456789abcdef"


def a_user(**fields: object) -> User:
    base = User(
        1, "00000000-0000-4000-8000-000000000001", "ann", "Ann", "USER", 1, (1,), ("pick",), True, False, None, 1
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "password", ["admin", "ADMIN", " admin ", "\tadmin\n", "short1", "onlyletters", "12345678", "x" * 300 + "1"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password)


def test_a_reasonable_password_passes() -> None:
    check_password_policy("Pallet-jack-7")


def test_warehouse_sources_must_be_integers_and_agree() -> None:
    assert requested_warehouse({"query": ["3"], "body": [3]}) == 3
    assert requested_warehouse({"query": [], "body": [None]}) is None
    for bad in ("x", True, 1.5, [1]):
        with pytest.raises(InvalidWarehouseId):
            requested_warehouse({"body": [bad]})
    with pytest.raises(WarehouseMismatch):
        requested_warehouse({"query": ["1"], "body": [2]})
    with pytest.raises(WarehouseMismatch):
        requested_warehouse({"query": ["1", "2"]})


def test_scanner_functions_map_by_path_prefix() -> None:
    assert function_for_path("/api/picking/confirm") == "pick"
    assert function_for_path("/api/inventory/cycle-count/submit") == "count"
    assert function_for_path("/api/pickingx") is None
    check_function(a_user(), "/api/picking/next")
    with pytest.raises(DomainError):
        check_function(a_user(), "/api/shipping/fulfill")
    check_function(a_user(role="ADMIN", allowed_functions=()), "/api/shipping/fulfill")


def test_a_pending_password_change_allows_only_three_exact_paths() -> None:
    pending = a_user(must_change_password=True)
    for path in ("/api/auth/me", "/api/auth/logout", "/api/auth/change-password"):
        check_forced_change(pending, path)
    for path in ("/api/auth/me/", "/api/auth/refresh", "/api/items"):
        with pytest.raises(PasswordChangeRequired):
            check_forced_change(pending, path)


def test_the_last_admin_and_oneself_are_protected() -> None:
    admin = a_user(role="ADMIN")
    with pytest.raises(LastAdmin):
        apply_changes(admin, UserChanges(role="USER"), acting_user_id=2, active_admins=1)
    with pytest.raises(DomainError):
        apply_changes(admin, UserChanges(is_active=False), acting_user_id=1, active_admins=3)
    demoted = apply_changes(admin, UserChanges(role="USER"), acting_user_id=2, active_admins=2)
    assert demoted.role == "USER"


def test_the_primary_warehouse_follows_the_assigned_set() -> None:
    user = a_user(warehouse_ids=(1, 2), warehouse_id=2)
    assert apply_changes(user, UserChanges(warehouse_ids=(2, 3)), acting_user_id=9, active_admins=1).warehouse_id == 2
    assert apply_changes(user, UserChanges(warehouse_ids=(3,)), acting_user_id=9, active_admins=1).warehouse_id == 3
    with pytest.raises(DomainError):
        apply_changes(user, UserChanges(warehouse_id=7), acting_user_id=9, active_admins=1)


def test_access_tokens_allow_only_eddsa_of_our_key_and_type() -> None:
    tokens = AccessTokens(SECRET, ttl_s=60)
    token = tokens.issue(subject="s", session_id="sid", legacy={"role": "ADMIN"})
    assert tokens.verify(token).subject == "s"
    claims = jwt.decode(token, options={"verify_signature": False})
    hs256 = jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "at+jwt"})
    other_key = AccessTokens(SECRET + "x", ttl_s=60).issue(subject="s", session_id="sid", legacy={})
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 60}, tokens._key, algorithm="EdDSA", headers={"typ": "at+jwt"}
    )
    wrong_type = jwt.encode(claims, tokens._key, algorithm="EdDSA", headers={"typ": "JWT"})
    for bad in (hs256, other_key, expired, wrong_type, "x.y.z"):
        with pytest.raises(AccessTokenRejected):
            tokens.verify(bad)
    assert tokens.jwks()["keys"][0]["crv"] == "Ed25519"


def test_a_verified_token_is_remembered_but_never_past_its_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = AccessTokens(SECRET, ttl_s=60)
    token = tokens.issue(subject="s", session_id="sid", legacy={})
    first = tokens.verify(token)
    monkeypatch.setattr(tokens, "_verify_signed", None)  # a second check must not need the signature again
    assert tokens.verify(token) == first
    later = time.time() + 60 + 6  # past expiry plus the leeway
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(AccessTokenRejected):
        tokens.verify(token)


def test_a_refresh_successor_is_fixed_by_the_spent_token_and_the_key() -> None:
    refresh = RefreshTokens(b"k" * 32)
    assert refresh.successor("a") == refresh.successor("a")
    assert refresh.successor("a") != refresh.successor("b")
    assert RefreshTokens(b"j" * 32).successor("a") != refresh.successor("a")


def test_token_scopes_fail_closed() -> None:
    outbound = TokenScope(endpoints=("events.types",))
    authorize_route(outbound, "GET", "/api/v1/events/types")
    for method, path in (("GET", "/api/v1/events"), ("DELETE", "/api/v1/events/types"), ("GET", "/api/v1/other")):
        with pytest.raises(ScopeViolation):
            authorize_route(outbound, method, path)
    inbound = TokenScope(source_system="erp", inbound_resources=("items",))
    authorize_route(inbound, "POST", "/api/v1/inbound/items")
    with pytest.raises(ScopeViolation):
        authorize_route(inbound, "POST", "/api/v1/inbound/vendors")


def test_issuance_needs_a_direction_and_known_names() -> None:
    check_scope(TokenScope(endpoints=("events.poll",), event_types=("a",)), {"a"})
    for scope in (
        TokenScope(),
        TokenScope(endpoints=("nope",)),
        TokenScope(inbound_resources=("items",)),
        TokenScope(endpoints=("events.poll",), mapping_override=True),
        TokenScope(endpoints=("events.poll",), event_types=("b",)),
    ):
        with pytest.raises(DomainError):
            check_scope(scope, {"a"})


def test_identity_tokens_are_reused_briefly_and_never_across_a_change_of_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = generate_identity_keys()
    identities = SignedIdentities(keys.private)
    picker = Identity(subject="u-1", username="picker", role="USER", warehouse_ids=(1,))
    first = identities.token_for(picker)
    assert identities.token_for(picker) == first
    moved = identities.token_for(replace(picker, warehouse_ids=(2,)))
    assert moved != first
    assert verify_identity(moved, keys.private.public_key()).warehouse_ids == (2,)
    later = time.monotonic() + SignedIdentities.REUSE_S + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert identities.token_for(picker) != first
