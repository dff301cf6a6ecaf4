"""/api/auth: login, refresh, logout, me, change-password, own sessions, and the access-token JWKS."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from canonical.errors import NotFound, Unauthorized
from gateway.entrypoints.context import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    REFRESH_COOKIE,
    Principal,
    SignedIn,
    Wiring,
    authenticate,
    check_csrf,
    client,
    command_context,
)
from gateway.service_layer import auth
from gateway.service_layer.auth import Client, Issued

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = Field(default=None, min_length=1, max_length=512)


class ChangePasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def _set_cookies(request: Request, response: Response, issued: Issued, wiring: Wiring) -> None:
    secure = request.url.scheme == "https"
    session_ttl = wiring.settings.refresh_token_ttl_s
    common: dict[str, Any] = {"secure": secure, "samesite": "strict"}
    response.set_cookie(
        ACCESS_COOKIE, issued.access_token, max_age=wiring.policy.access.ttl_s, httponly=True, path="/", **common
    )
    # The refresh cookie travels only to the auth endpoints.
    response.set_cookie(
        REFRESH_COOKIE, issued.refresh_token, max_age=session_ttl, httponly=True, path="/api/auth", **common
    )
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), max_age=session_ttl, httponly=False, path="/", **common)


def _clear_cookies(response: Response) -> None:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, "/api/auth"), (CSRF_COOKIE, "/")):
        response.delete_cookie(name, path=path, samesite="strict")


def _issued_body(issued: Issued) -> dict[str, Any]:
    return {"token": issued.access_token, "refresh_token": issued.refresh_token, "user": issued.user.public()}


@router.post("/api/auth/login")
async def login(
    body: LoginIn, request: Request, wiring: Wiring, who: Annotated[Client, Depends(client)]
) -> JSONResponse:
    issued = await auth.login(wiring.unit_of_work(), wiring.limits, wiring.policy, body.username, body.password, who)
    response = JSONResponse(_issued_body(issued))
    _set_cookies(request, response, issued, wiring)
    return response


@router.post("/api/auth/refresh")
async def refresh(request: Request, wiring: Wiring, body: RefreshIn | None = None) -> JSONResponse:
    """Bearer clients send their refresh token in the body; browsers send the cookie (and the CSRF header)."""
    presented = body.refresh_token if body is not None and body.refresh_token else None
    from_cookie = presented is None
    if from_cookie:
        presented = request.cookies.get(REFRESH_COOKIE)
        if not presented:
            raise Unauthorized("Unauthorized", legacy_error="Unauthorized")
        check_csrf(request)
    assert presented is not None
    issued = await auth.refresh(wiring.unit_of_work(), wiring.policy, presented, request.state.request_id)
    response = JSONResponse(_issued_body(issued))
    _set_cookies(request, response, issued, wiring)
    return response


@router.post("/api/auth/logout")
async def logout(request: Request, wiring: Wiring) -> JSONResponse:
    """Ends the session at once (bearer copies of its access token stop working too).

    Without credentials it is a no-op; a stale cookie is cleared without complaint.
    """
    response = JSONResponse({"message": "Logged out"})
    token_present = bool(request.headers.get("authorization") or request.cookies.get(ACCESS_COOKIE))
    if not token_present:
        return response
    try:
        found: Principal = await authenticate(request, enforce_forced_change=False)
    except Unauthorized:
        _clear_cookies(response)
        return response
    await auth.logout(
        wiring.unit_of_work(), found.session_id, found.user.user_id, request.state.request_id, found.user.external_id
    )
    if found.via_cookie:
        _clear_cookies(response)
    return response


@router.get("/api/auth/me")
async def me(who: SignedIn, wiring: Wiring) -> dict[str, Any]:
    user = who.user
    require_packing = await wiring.inventory.require_packing()
    return {
        "user_id": user.user_id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "warehouse_id": user.warehouse_id,
        "warehouse_ids": list(user.warehouse_ids),
        "allowed_functions": user.effective_functions(require_packing=require_packing),
        "require_packing": require_packing,
        "must_change_password": user.must_change_password,
    }


@router.post("/api/auth/change-password")
async def change_password(body: ChangePasswordIn, request: Request, who: SignedIn, wiring: Wiring) -> JSONResponse:
    await auth.change_password(
        wiring.unit_of_work(), who.user, body.current_password, body.new_password, request.state.request_id
    )
    response = JSONResponse({"message": "Password changed; sign in again."})
    _clear_cookies(response)
    return response


@router.get("/api/auth/sessions")
async def my_sessions(who: SignedIn, wiring: Wiring) -> dict[str, Any]:
    async with wiring.unit_of_work() as uow:
        sessions = await uow.sessions.open_sessions(who.user.user_id)
    for session in sessions:
        session["current"] = session["session_id"] == who.session_id
    return {"sessions": sessions}


@router.delete("/api/auth/sessions/{session_id}")
async def revoke_my_session(session_id: str, request: Request, who: SignedIn, wiring: Wiring) -> dict[str, Any]:
    context = command_context(request, who)
    if not await auth.revoke_session(wiring.unit_of_work(), session_id, who.user.user_id, "revoked", context):
        raise NotFound("Session not found", legacy_error="Session not found")
    return {"message": "Session revoked"}


@router.get("/api/auth/jwks")
async def jwks(wiring: Wiring) -> dict[str, Any]:
    """Public key of the access tokens, for tools that verify them (they can never mint one)."""
    return wiring.policy.access.jwks()
