"""Forwarding a request to the service that owns it: the gateway's hot path.

aiohttp rather than httpx here (the gateway's own occasional reads of a service stay on httpx):
profiling the hop showed httpx/httpcore spending about a third of the gateway's CPU per forwarded
request on connection-pool bookkeeping, and aiohttp's keep-alive pool costs a fraction of that.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from yarl import URL

from canonical.identity import DEFAULT_TTL_S, Identity, sign_identity
from canonical.identity import HEADER as IDENTITY_HEADER
from canonical.web.middleware import MINTED_REQUEST_ID_HEADER
from gateway.adapters.upstreams import BadGateway, Upstream, UpstreamTimeout, UpstreamUnavailable

# Hop-by-hop headers (RFC 9110 7.6.1) and what the gateway alone may set.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "cookie",
        "authorization",
        "x-wms-token",
        "x-csrf-token",
        "x-request-id",  # replaced by the gateway's own (validated) request id
        MINTED_REQUEST_ID_HEADER,
        IDENTITY_HEADER.lower(),
    }
)
_NOT_RETURNED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length", "content-encoding", "server", "date"}
)
# Characters a path keeps as they are; everything else is percent-encoded again for the upstream.
_PATH_SAFE = "/!$&'()*+,;=:@~"


@dataclass(frozen=True)
class Relayed:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class SignedIdentities:
    """Internal identity tokens, each reused for a few seconds for the same identity.

    A token lives DEFAULT_TTL_S (60 s); reusing it for REUSE_S keeps at least 50 s of validity on every
    request while a busy user costs one signature per 10 s instead of one per request. The identity is
    the whole cache key, so a change of role, warehouses or scopes signs a new token at once.
    """

    REUSE_S = 10.0
    MAX_ENTRIES = 10_000

    def __init__(self, signing_key: Ed25519PrivateKey) -> None:
        self._key = signing_key
        self._signed: dict[tuple[Any, ...], tuple[str, float]] = {}

    def token_for(self, identity: Identity) -> str:
        key = (
            identity.subject,
            identity.username,
            identity.role,
            identity.warehouse_ids,
            identity.scopes,
            tuple(sorted((k, repr(v)) for k, v in identity.extra.items())),
        )
        now = time.monotonic()
        cached = self._signed.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        if len(self._signed) >= self.MAX_ENTRIES:
            # Bounded: drop what is no longer reusable, and everything if that is not enough (signing is cheap).
            self._signed = {k: v for k, v in self._signed.items() if v[1] > now}
            if len(self._signed) >= self.MAX_ENTRIES:
                self._signed.clear()
        token = sign_identity(identity, self._key, ttl_s=DEFAULT_TTL_S)
        self._signed[key] = (token, now + self.REUSE_S)
        return token


class Forwarder:
    """One keep-alive connection pool to every upstream, opened on first use (inside the event loop)."""

    def __init__(
        self, signing_key: Ed25519PrivateKey, *, timeout_s: float, connect_timeout_s: float, max_connections: int = 200
    ) -> None:
        self._identities = SignedIdentities(signing_key)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # Idle connections are dropped before uvicorn's own 5 s keep-alive closes them under a request.
                connector=aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=4),
                timeout=self._timeout,
                # Never keep cookies between callers; the client's own Cookie header is not forwarded either.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Send only what the caller sent: no invented Content-Type or User-Agent.
                skip_auto_headers=("Content-Type", "User-Agent"),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def forward(
        self,
        upstream: Upstream,
        method: str,
        path: str,
        query: bytes,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        identity: Identity,
        request_id: str,
        *,
        request_id_minted: bool,
    ) -> Relayed:
        """`request_id_minted`: the client sent no X-Request-ID, so services must not treat it as a retry key."""
        sent = [(k, v) for k, v in headers if k.lower() not in _NOT_FORWARDED]
        sent += [(IDENTITY_HEADER, self._identities.token_for(identity)), ("X-Request-ID", request_id)]
        if request_id_minted:
            sent.append((MINTED_REQUEST_ID_HEADER, "true"))
        # The query arrives exactly as the client sent it (already encoded); the path arrives decoded.
        target = upstream.base_url + quote(path, safe=_PATH_SAFE) + ("?" + query.decode("latin-1") if query else "")
        try:
            async with self._open().request(
                method, URL(target, encoded=True), headers=sent, data=body or None, allow_redirects=False
            ) as response:
                content = await response.read()
                returned = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_RETURNED]
                return Relayed(response.status, returned, content)
        except TimeoutError:  # aiohttp's connect and read timeouts are TimeoutErrors too
            raise UpstreamTimeout(f"The {upstream.name} service did not answer in time.") from None
        except aiohttp.ClientConnectorError:
            raise UpstreamUnavailable(f"The {upstream.name} service is unavailable.") from None
        except aiohttp.ClientError:
            raise BadGateway(f"The {upstream.name} service gave an invalid response.") from None
