"""Forwarding to the owning service over a pooled HTTP client."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canonical.errors import DomainError
from canonical.identity import HEADER as IDENTITY_HEADER
from canonical.identity import Identity, sign_identity

log = logging.getLogger(__name__)

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
        IDENTITY_HEADER.lower(),
    }
)
_NOT_RETURNED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length", "content-encoding", "server", "date"}
)


class UpstreamUnavailable(DomainError):
    status = 503
    code = "upstream_unavailable"


class UpstreamTimeout(DomainError):
    status = 504
    code = "upstream_timeout"


class BadGateway(DomainError):
    status = 502
    code = "bad_gateway"


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str


@dataclass(frozen=True)
class Relayed:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Router:
    """Which service owns a path: the first matching prefix wins (plain prefixes, as the route table
    says `/api/admin/audit-log*`); everything else under /api belongs to inventory."""

    def __init__(self, routes: Sequence[tuple[str, Upstream]], default: Upstream) -> None:
        self._routes = routes
        self._default = default

    def upstream_for(self, path: str) -> Upstream:
        for prefix, upstream in self._routes:
            if path.startswith(prefix):
                return upstream
        return self._default


class Forwarder:
    def __init__(self, client: httpx.AsyncClient, signing_key: Ed25519PrivateKey) -> None:
        self._client = client
        self._key = signing_key

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
    ) -> Relayed:
        sent = [(k, v) for k, v in headers if k.lower() not in _NOT_FORWARDED and k.lower() != "x-request-id"]
        sent += [(IDENTITY_HEADER, sign_identity(identity, self._key)), ("X-Request-ID", request_id)]
        url = httpx.URL(upstream.base_url + path, query=query)
        try:
            response = await self._client.request(method, url, headers=sent, content=body)
        except httpx.TimeoutException:
            raise UpstreamTimeout(f"The {upstream.name} service did not answer in time.") from None
        except httpx.ConnectError:
            raise UpstreamUnavailable(f"The {upstream.name} service is unavailable.") from None
        except httpx.HTTPError:
            raise BadGateway(f"The {upstream.name} service gave an invalid response.") from None
        returned = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _NOT_RETURNED]
        return Relayed(response.status_code, returned, response.content)


class InventoryDirectory:
    """Warehouses and settings answered by inventory itself, at the moment of asking."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, signing_key: Ed25519PrivateKey) -> None:
        self._client = client
        self._base_url = base_url
        self._key = signing_key

    def _system(self) -> dict[str, str]:
        system = Identity(subject="system:gateway", username="gateway", role="SYSTEM")
        return {IDENTITY_HEADER: sign_identity(system, self._key)}

    async def require_packing(self) -> bool:
        """v1.7's `require_packing_before_shipping`; packing stays required when inventory cannot say."""
        url = f"{self._base_url}/api/admin/settings/require_packing_before_shipping"
        try:
            response = await self._client.get(url, headers=self._system())
            response.raise_for_status()
            return str(response.json().get("value", "true")).strip().lower() != "false"
        except (httpx.HTTPError, ValueError, AttributeError) as error:
            log.warning("could not read require_packing_before_shipping from inventory: %s", error)
            return True

    async def missing(self, warehouse_ids: Sequence[int]) -> list[int]:
        try:
            response = await self._client.get(f"{self._base_url}/api/warehouses/list", headers=self._system())
            response.raise_for_status()
        except httpx.TimeoutException:
            raise UpstreamTimeout("The inventory service did not answer in time.") from None
        except httpx.HTTPError:
            raise UpstreamUnavailable("The inventory service is unavailable to check warehouses.") from None
        known = {int(w["id"]) for w in response.json().get("warehouses", [])}
        return sorted({w for w in warehouse_ids if w not in known})
