"""API token admin: issue, rotate, revoke, delete; every change an event with the granted scope."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from canonical.events.factory import CommandContext
from gateway.adapters.api_tokens import EventSigner, TokenHasher
from gateway.adapters.unit_of_work import UnitOfWork, token_stream
from gateway.domain.api_tokens import (
    ApiToken,
    TokenNotFound,
    TokenRevoked,
    TokenScope,
    check_scope,
    check_source_system,
    token_event,
)
from gateway.service_layer.users import WarehouseDirectory, check_warehouses_exist


class SourceSystemDirectory(Protocol):
    """Asks the inbound service which source systems its allow-list holds now (it owns the list)."""

    async def source_systems(self) -> set[str]: ...


async def check_inbound_binding(directory: SourceSystemDirectory, scope: TokenScope) -> None:
    if scope.source_system is not None:
        check_source_system(scope, await directory.source_systems())


@dataclass(frozen=True)
class TokenKeys:
    hasher: TokenHasher
    signer: EventSigner


@dataclass(frozen=True)
class Minted:
    token: ApiToken
    plaintext: str  # shown once, never stored


async def issue_token(
    uow: UnitOfWork,
    directory: WarehouseDirectory,
    source_systems: SourceSystemDirectory,
    keys: TokenKeys,
    known_event_types: Collection[str],
    name: str,
    scope: TokenScope,
    expires_at: datetime | None,
    context: CommandContext,
) -> Minted:
    check_scope(scope, known_event_types)
    await check_warehouses_exist(directory, scope.warehouse_ids)
    await check_inbound_binding(source_systems, scope)
    plaintext = keys.hasher.new_plaintext()
    async with uow:
        token = await uow.tokens.add(name, scope, keys.hasher.hash(plaintext), expires_at)
        await uow.record(token_stream(token.token_id), 0, [token_event("api_token.issued", token)], context)
    return Minted(token, plaintext)


async def rotate_token(
    uow: UnitOfWork, source_systems: SourceSystemDirectory, keys: TokenKeys, token_id: int, context: CommandContext
) -> Minted:
    # Scopes never change after issuance, so the allow-list is asked before the row is locked (no HTTP under a lock).
    async with uow:
        current = await uow.tokens.get(token_id)
    if current is None:
        raise TokenNotFound("Token not found", legacy_error="Token not found")
    await check_inbound_binding(source_systems, current.scope)
    plaintext = keys.hasher.new_plaintext()
    async with uow:
        before = await _locked(uow, token_id)
        if before.status != "active":
            raise TokenRevoked("A revoked token cannot be rotated; issue a new one.")
        token = await uow.tokens.rotate(token_id, keys.hasher.hash(plaintext))
        event = token_event("api_token.rotated", token, **keys.signer.sign("api_token.rotated", token_id))
        await uow.record(token_stream(token_id), before.version, [event], context)
    return Minted(token, plaintext)


async def revoke_token(uow: UnitOfWork, keys: TokenKeys, token_id: int, context: CommandContext) -> ApiToken:
    async with uow:
        before = await _locked(uow, token_id)
        token = await uow.tokens.revoke(token_id)  # re-revoking re-stamps revoked_at, as in v1.7
        event = token_event("api_token.revoked", token, **keys.signer.sign("api_token.revoked", token_id))
        await uow.record(token_stream(token_id), before.version, [event], context)
    return token


async def delete_token(uow: UnitOfWork, keys: TokenKeys, token_id: int, context: CommandContext) -> None:
    async with uow:
        before = await _locked(uow, token_id)
        await uow.tokens.delete(token_id)
        event = token_event("api_token.deleted", before, **keys.signer.sign("api_token.deleted", token_id))
        await uow.record(token_stream(token_id), before.version, [event], context)


async def _locked(uow: UnitOfWork, token_id: int) -> ApiToken:
    token = await uow.tokens.get(token_id, for_update=True)
    if token is None:
        raise TokenNotFound("Token not found", legacy_error="Token not found")
    return token
