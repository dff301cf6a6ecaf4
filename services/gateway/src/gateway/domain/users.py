"""Users: roles, scanner functions, and the rules for creating and changing them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from canonical.events.domain import DomainEvent
from gateway.domain.errors import InvalidUserChange, LastAdmin

ADMIN = "ADMIN"
USER = "USER"
ROLES = (ADMIN, USER)
# The scanner app's modules, in the order v1.7 lists them.
FUNCTIONS = ("receive", "putaway", "pick", "pack", "ship", "count", "transfer")


@dataclass(frozen=True)
class User:
    user_id: int
    external_id: str
    username: str
    full_name: str
    role: str
    warehouse_id: int | None
    warehouse_ids: tuple[int, ...]
    allowed_functions: tuple[str, ...]
    is_active: bool
    must_change_password: bool
    password_changed_at: datetime | None
    version: int

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def effective_functions(self, *, require_packing: bool = True) -> list[str]:
        """Admins may use every module; `pack` disappears when packing is not required."""
        functions = FUNCTIONS if self.is_admin else self.allowed_functions
        return [f for f in FUNCTIONS if f in functions and (require_packing or f != "pack")]

    def public(self) -> dict[str, Any]:
        """The v1.7 `user` object of login and the users admin."""
        return {
            "user_id": self.user_id,
            "external_id": self.external_id,
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role,
            "warehouse_id": self.warehouse_id,
            "warehouse_ids": list(self.warehouse_ids),
            "allowed_functions": list(self.allowed_functions),
            "is_active": self.is_active,
            "must_change_password": self.must_change_password,
        }


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    role: str
    warehouse_ids: tuple[int, ...] = ()
    warehouse_id: int | None = None
    allowed_functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserChanges:
    """A partial update: None means "leave as is" (username is never changeable)."""

    full_name: str | None = None
    role: str | None = None
    warehouse_id: int | None = None
    warehouse_ids: tuple[int, ...] | None = None
    allowed_functions: tuple[str, ...] | None = None
    is_active: bool | None = None


def check_functions(functions: tuple[str, ...]) -> None:
    unknown = sorted(set(functions) - set(FUNCTIONS))
    if unknown:
        raise InvalidUserChange(
            f"Unknown allowed_functions: {', '.join(unknown)}", unknown=unknown, valid=list(FUNCTIONS)
        )


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidUserChange(f"role must be one of {', '.join(ROLES)}", valid=list(ROLES))


def primary_warehouse(warehouse_ids: tuple[int, ...], requested: int | None) -> int | None:
    """The primary warehouse is a display default: the requested one if assigned, else the first assigned."""
    if requested is not None and requested in warehouse_ids:
        return requested
    if requested is not None:
        raise InvalidUserChange("warehouse_id must be one of warehouse_ids")
    return warehouse_ids[0] if warehouse_ids else None


def user_created(user: User, actor_is_seed: bool = False) -> DomainEvent:
    return DomainEvent("user.created", {**_described(user), "seeded": actor_is_seed})


def apply_changes(user: User, changes: UserChanges, *, acting_user_id: int, active_admins: int) -> User:
    """Decide a partial update. `active_admins` is counted under lock by the caller (no two demotions race)."""
    if changes.role is not None:
        check_role(changes.role)
    if changes.allowed_functions is not None:
        check_functions(changes.allowed_functions)
    if user.user_id == acting_user_id and changes.is_active is False:
        raise InvalidUserChange("You cannot deactivate your own account.")
    if user.user_id == acting_user_id and changes.role not in (None, ADMIN) and user.is_admin:
        raise InvalidUserChange("You cannot remove your own ADMIN role.")
    loses_admin = user.is_admin and user.is_active and (changes.role not in (None, ADMIN) or changes.is_active is False)
    if loses_admin and active_admins <= 1:
        raise LastAdmin("The last active admin cannot be demoted or deactivated.")
    warehouse_ids = changes.warehouse_ids if changes.warehouse_ids is not None else user.warehouse_ids
    requested_primary = changes.warehouse_id
    if requested_primary is None and user.warehouse_id in warehouse_ids:
        requested_primary = user.warehouse_id  # keep the current default while it stays assigned
    return replace(
        user,
        full_name=changes.full_name if changes.full_name is not None else user.full_name,
        role=changes.role or user.role,
        warehouse_ids=warehouse_ids,
        warehouse_id=primary_warehouse(warehouse_ids, requested_primary),
        allowed_functions=(
            changes.allowed_functions if changes.allowed_functions is not None else user.allowed_functions
        ),
        is_active=changes.is_active if changes.is_active is not None else user.is_active,
    )


def check_delete(user: User, *, acting_user_id: int, active_admins: int) -> None:
    """May this user be deleted? Same guards as a deactivation: never oneself, never the last active admin."""
    if user.user_id == acting_user_id:
        raise InvalidUserChange("You cannot delete your own account.")
    if user.is_admin and user.is_active and active_admins <= 1:
        raise LastAdmin("The last active admin cannot be deleted.")


def user_deleted(user: User) -> DomainEvent:
    return DomainEvent("user.deleted", _described(user))


def user_updated(before: User, after: User, *, password_reset: bool) -> DomainEvent:
    changed = sorted(k for k, v in _described(after).items() if _described(before)[k] != v)
    if password_reset:
        changed.append("password")
    return DomainEvent("user.updated", {**_described(after), "changed_fields": changed})


def password_changed(user: User, *, forced: bool) -> DomainEvent:
    # v1.7 audit names: a completed forced change is told apart from a voluntary one.
    action = "forced_password_change_completed" if forced else "password_change"
    return DomainEvent("user.password_changed", {"user_id": user.user_id, "username": user.username, "action": action})


def _described(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "external_id": user.external_id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "warehouse_id": user.warehouse_id,
        "warehouse_ids": list(user.warehouse_ids),
        "allowed_functions": list(user.allowed_functions),
        "is_active": user.is_active,
    }
