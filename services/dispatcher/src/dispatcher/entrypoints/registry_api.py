"""The connector registry and consumer groups' admin (ADMIN, through the gateway; v1.7 §4.5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from canonical.web.identity import AdminIdentity
from dispatcher.adapters.connector_registry import list_connectors
from dispatcher.adapters.consumer_groups import list_groups
from dispatcher.entrypoints.admin_api import AdminCommand, ConnectorId, SubscriptionFilterIn
from dispatcher.entrypoints.dependencies import Pool
from dispatcher.entrypoints.polling_api import GroupId
from dispatcher.service_layer.connector_registry import (
    handle_register_connector,
    handle_remove_connector,
    handle_rename_connector,
)
from dispatcher.service_layer.consumer_groups import handle_create_group, handle_delete_group, handle_update_group

router = APIRouter(tags=["consumer groups"])

# A new id must be addressable in a path (PATCH/DELETE …/{id}) and in its stream id: no slashes or spaces.
NewConnectorId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
ConnectorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class RegisterConnectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector_id: NewConnectorId
    display_name: ConnectorName


class RenameConnectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: ConnectorName


@router.post("/api/admin/connector-registry", status_code=201)
async def register_connector(body: RegisterConnectorIn, admin: AdminCommand) -> dict[str, Any]:
    return await handle_register_connector(body.connector_id, body.display_name, admin=admin)


@router.get("/api/admin/connector-registry")
async def get_connectors(_: AdminIdentity, db: Pool) -> dict[str, Any]:
    async with db.acquire() as connection:
        return {"connectors": await list_connectors(connection)}


@router.patch("/api/admin/connector-registry/{connector_id}")
async def rename_connector(connector_id: str, body: RenameConnectorIn, admin: AdminCommand) -> dict[str, Any]:
    return await handle_rename_connector(connector_id, body.display_name, admin=admin)


@router.delete("/api/admin/connector-registry/{connector_id}")
async def remove_connector(connector_id: str, admin: AdminCommand) -> dict[str, Any]:
    return await handle_remove_connector(connector_id, admin=admin)


class CreateGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer_group_id: GroupId
    connector_id: ConnectorId | None = None
    subscription: SubscriptionFilterIn = Field(default_factory=SubscriptionFilterIn)
    acknowledge_replay: bool = False


class UpdateGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscription: SubscriptionFilterIn


@router.post("/api/admin/consumer-groups", status_code=201)
async def create_group(body: CreateGroupIn, admin: AdminCommand) -> dict[str, Any]:
    return await handle_create_group(
        body.consumer_group_id,
        body.connector_id,
        body.subscription.to_domain(),
        acknowledge_replay=body.acknowledge_replay,
        admin=admin,
    )


@router.get("/api/admin/consumer-groups")
async def get_groups(_: AdminIdentity, db: Pool) -> dict[str, Any]:
    async with db.acquire() as connection:
        return {"consumer_groups": await list_groups(connection)}


@router.patch("/api/admin/consumer-groups/{group_id}")
async def update_group(group_id: str, body: UpdateGroupIn, admin: AdminCommand) -> dict[str, Any]:
    return await handle_update_group(group_id, body.subscription.to_domain(), admin=admin)


@router.delete("/api/admin/consumer-groups/{group_id}")
async def delete_group(group_id: str, admin: AdminCommand) -> dict[str, Any]:
    return await handle_delete_group(group_id, admin=admin)
