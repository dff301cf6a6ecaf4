"""FastAPI dependency: the caller's identity, as vouched for by the gateway."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from canonical.errors import Forbidden, Unauthorized
from canonical.identity import HEADER, Identity, IdentityRejected, IdentityVerifier


def _verifier(request: Request) -> IdentityVerifier:
    verifier: IdentityVerifier | None = request.app.state.identity_verifier
    if verifier is None:  # an app built without the gateway's public key trusts no caller
        raise Unauthorized("This service accepts no identity.", legacy_error="Unauthorized")
    return verifier


# Both are `async def` although they never await: FastAPI runs a plain `def` dependency in its thread
# pool, a thread handoff on every request of every service (measured in bench/inbound.py's profile).
async def current_identity(request: Request) -> Identity:
    token = request.headers.get(HEADER)
    if not token:
        raise Unauthorized("Requests must come through the gateway.", legacy_error="Unauthorized")
    try:
        return _verifier(request)(token)
    except IdentityRejected:
        raise Unauthorized("The internal identity token is not valid.", legacy_error="Unauthorized") from None


async def admin_identity(identity: Annotated[Identity, Depends(current_identity)]) -> Identity:
    if not identity.is_admin:
        raise Forbidden("This action needs the ADMIN role.", legacy_error="Forbidden")
    return identity


CurrentIdentity = Annotated[Identity, Depends(current_identity)]
AdminIdentity = Annotated[Identity, Depends(admin_identity)]
