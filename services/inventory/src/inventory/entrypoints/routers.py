"""The two kinds of router every HTTP module builds on."""

from fastapi import APIRouter, Depends

from canonical.web.identity import admin_identity
from inventory.entrypoints.scoping import requested_warehouse


def admin_router() -> APIRouter:
    """`/api/admin/*`: the role check runs before scoping and body validation, as in v1.7."""
    return APIRouter(dependencies=[Depends(admin_identity), Depends(requested_warehouse)])


def floor_router() -> APIRouter:
    """Routes any signed-in user may call, within their warehouse scope."""
    return APIRouter(dependencies=[Depends(requested_warehouse)])
