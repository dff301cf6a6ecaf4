"""Users admin and the first-install admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from canonical.events.factory import CommandContext
from gateway.adapters.credentials import hash_password
from gateway.adapters.unit_of_work import UnitOfWork, user_stream
from gateway.domain.errors import UnknownWarehouses, UserNotFound
from gateway.domain.passwords import check_password_policy
from gateway.domain.users import (
    ADMIN,
    NewUser,
    User,
    UserChanges,
    apply_changes,
    check_delete,
    check_functions,
    check_role,
    primary_warehouse,
    user_created,
    user_deleted,
    user_updated,
)
from gateway.service_layer.auth import revoke_sessions

SEED_USERNAME = "admin"
SEED_DEFAULT_PASSWORD = "admin"  # noqa: S105 (the documented first-login password, changed on first use)


class WarehouseDirectory(Protocol):
    """Asks the owning service which warehouses exist now (never a lagging local copy)."""

    async def missing(self, warehouse_ids: Sequence[int]) -> list[int]: ...


async def check_warehouses_exist(directory: WarehouseDirectory, warehouse_ids: Sequence[int]) -> None:
    if warehouse_ids:
        missing = await directory.missing(warehouse_ids)
        if missing:
            raise UnknownWarehouses("Unknown warehouse_ids", legacy_error="unknown_warehouse_ids", missing=missing)


async def create_user(
    uow: UnitOfWork, directory: WarehouseDirectory, new: NewUser, password: str, context: CommandContext
) -> User:
    check_role(new.role)
    check_functions(new.allowed_functions)
    check_password_policy(password)
    warehouse_id = primary_warehouse(new.warehouse_ids, new.warehouse_id)
    await check_warehouses_exist(directory, new.warehouse_ids)
    password_hash = await hash_password(password)
    async with uow:
        user = await uow.users.add(new, warehouse_id, password_hash, must_change=False)
        await uow.record(user_stream(user.user_id), 0, [user_created(user)], context)
    return user


async def update_user(
    uow: UnitOfWork,
    directory: WarehouseDirectory,
    user_id: int,
    changes: UserChanges,
    password: str | None,
    acting_user_id: int,
    context: CommandContext,
) -> User:
    if password is not None:
        check_password_policy(password)
    if changes.warehouse_ids is not None:
        await check_warehouses_exist(directory, changes.warehouse_ids)
    password_hash = await hash_password(password) if password is not None else None
    async with uow:
        # Lock the admins first (always in the same order) so the last-admin guard cannot race.
        active_admins = await uow.users.active_admins_locked()
        before = await uow.users.get(user_id, for_update=True)
        if before is None:
            raise UserNotFound("User not found", legacy_error="User not found")
        decided = apply_changes(before, changes, acting_user_id=acting_user_id, active_admins=active_admins)
        after = await uow.users.save(decided)
        if password_hash is not None:
            after = await uow.users.set_password(user_id, password_hash, new_version=False)
        await uow.record(
            user_stream(user_id),
            before.version,
            [user_updated(before, after, password_reset=password_hash is not None)],
            context,
        )
        if before.is_active and not after.is_active:
            await revoke_sessions(uow, user_id, "user_deactivated", context)
        elif password_hash is not None:
            await revoke_sessions(uow, user_id, "password_reset", context)
    return after


async def delete_user(uow: UnitOfWork, user_id: int, acting_user_id: int, context: CommandContext) -> None:
    """Delete a user: its sessions end in the same transaction, so its next request is refused."""
    async with uow:
        # The same lock order as update_user: two concurrent deletions of the last two admins serialise.
        active_admins = await uow.users.active_admins_locked()
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            raise UserNotFound("User not found", legacy_error="User not found")
        check_delete(user, acting_user_id=acting_user_id, active_admins=active_admins)
        await revoke_sessions(uow, user_id, "user_deleted", context)
        await uow.record(user_stream(user_id), user.version, [user_deleted(user)], context)
        await uow.users.delete(user_id)


async def ensure_seed_admin(uow: UnitOfWork, admin_password: str | None, context: CommandContext) -> bool:
    """On a fresh install create `admin`; True when this call created it (replicas race safely)."""
    password_hash = await hash_password(admin_password or SEED_DEFAULT_PASSWORD)
    async with uow:
        await uow.lock("gateway.seed_admin")
        if await uow.users.exist():
            return False
        new = NewUser(username=SEED_USERNAME, full_name="Administrator", role=ADMIN)
        user = await uow.users.add(new, None, password_hash, must_change=admin_password is None)
        await uow.record(user_stream(user.user_id), 0, [user_created(user, actor_is_seed=True)], context)
    return True
