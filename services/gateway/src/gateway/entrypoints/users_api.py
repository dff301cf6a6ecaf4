"""/api/admin/users, admin session control and /api/admin/system-info."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from canonical.pagination import MAX_PER_PAGE, Page
from gateway.domain.errors import UserNotFound
from gateway.domain.users import NewUser, UserChanges
from gateway.entrypoints.context import Admin, Wiring, command_context
from gateway.service_layer import users
from gateway.service_layer.auth import revoke_sessions

router = APIRouter(tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**62)]
WarehouseIds = list[Annotated[int, Field(ge=1, le=2**31 - 1)]]


class CreateUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150, pattern=r"^\S(.*\S)?$")
    password: str = Field(min_length=1, max_length=256)
    full_name: str = Field(default="", max_length=200)
    role: str = "USER"
    warehouse_ids: WarehouseIds = Field(default_factory=list, max_length=1000)
    warehouse_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    allowed_functions: list[str] = Field(default_factory=list, max_length=7)


class UpdateUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=200)
    role: str | None = None
    warehouse_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    warehouse_ids: WarehouseIds | None = Field(default=None, max_length=1000)
    allowed_functions: list[str] | None = Field(default=None, max_length=7)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)


@router.get("/api/admin/users")
async def list_users(
    _: Admin,
    wiring: Wiring,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    async with wiring.unit_of_work() as uow:
        rows, total = await uow.users.page(paging)
    return paging.envelope("users", rows, total)


@router.post("/api/admin/users", status_code=201)
async def create_user(body: CreateUserIn, request: Request, who: Admin, wiring: Wiring) -> JSONResponse:
    new = NewUser(
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        warehouse_ids=tuple(dict.fromkeys(body.warehouse_ids)),
        warehouse_id=body.warehouse_id,
        allowed_functions=tuple(dict.fromkeys(body.allowed_functions)),
    )
    created = await users.create_user(
        wiring.unit_of_work(), wiring.inventory, new, body.password, command_context(request, who)
    )
    return JSONResponse(created.public(), status_code=201)


@router.put("/api/admin/users/{user_id}")
async def update_user(
    user_id: UserId, body: UpdateUserIn, request: Request, who: Admin, wiring: Wiring
) -> dict[str, Any]:
    changes = UserChanges(
        full_name=body.full_name,
        role=body.role,
        warehouse_id=body.warehouse_id,
        warehouse_ids=tuple(dict.fromkeys(body.warehouse_ids)) if body.warehouse_ids is not None else None,
        allowed_functions=tuple(dict.fromkeys(body.allowed_functions)) if body.allowed_functions is not None else None,
        is_active=body.is_active,
    )
    updated = await users.update_user(
        wiring.unit_of_work(),
        wiring.inventory,
        user_id,
        changes,
        body.password,
        who.user.user_id,
        command_context(request, who),
    )
    return updated.public()


@router.delete("/api/admin/users/{user_id}")
async def delete_user(user_id: UserId, request: Request, who: Admin, wiring: Wiring) -> dict[str, Any]:
    """v1.7 answers 200 with a message (the admin UI shows it); the user's sessions end at once."""
    await users.delete_user(wiring.unit_of_work(), user_id, who.user.user_id, command_context(request, who))
    return {"message": "User deleted"}


@router.get("/api/admin/users/{user_id}/sessions")
async def user_sessions(user_id: UserId, _: Admin, wiring: Wiring) -> dict[str, Any]:
    async with wiring.unit_of_work() as uow:
        if await uow.users.get(user_id) is None:
            raise UserNotFound("User not found", legacy_error="User not found")
        return {"sessions": await uow.sessions.open_sessions(user_id)}


@router.post("/api/admin/users/{user_id}/sessions/revoke")
async def revoke_user_sessions(user_id: UserId, request: Request, who: Admin, wiring: Wiring) -> dict[str, Any]:
    async with wiring.unit_of_work() as uow:
        if await uow.users.get(user_id) is None:
            raise UserNotFound("User not found", legacy_error="User not found")
        await revoke_sessions(uow, user_id, "revoked", command_context(request, who))
    return {"message": "Sessions revoked"}


@router.get("/api/admin/system-info")
async def system_info(_: Admin, wiring: Wiring) -> dict[str, Any]:
    return {"proxy_fix_active": wiring.settings.trust_proxy}
