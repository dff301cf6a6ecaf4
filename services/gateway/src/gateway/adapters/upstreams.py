"""The services behind the gateway: who owns which path, and the reads the gateway makes of them itself."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canonical.errors import DomainError
from canonical.identity import HEADER as IDENTITY_HEADER
from canonical.identity import Identity, sign_identity

log = logging.getLogger(__name__)


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


class Router:
    """Which service owns a path: the first matching prefix wins (plain prefixes, as the route table
    says `/api/admin/audit-log*`); everything else under /api belongs to inventory."""

    def __init__(self, routes: Sequence[tuple[str, Upstream]], default: Upstream) -> None:
        self._routes = routes
        self._default = default

    def upstreams(self) -> list[Upstream]:
        """Every service the table names, once each, in table order (the default last)."""
        named = {u.name: u for _, u in self._routes}
        named.setdefault(self._default.name, self._default)
        return list(named.values())

    def upstream_for(self, path: str) -> Upstream:
        for prefix, upstream in self._routes:
            if path.startswith(prefix):
                return upstream
        return self._default


class _AsTheGateway:
    """Reads the gateway itself makes of a service, as `system:gateway`, at the moment of asking."""

    def __init__(self, name: str, client: httpx.AsyncClient, base_url: str, signing_key: Ed25519PrivateKey) -> None:
        self._name = name
        self._client = client
        self._base_url = base_url
        self._key = signing_key

    def _system(self) -> dict[str, str]:
        system = Identity(subject="system:gateway", username="gateway", role="SYSTEM")
        return {IDENTITY_HEADER: sign_identity(system, self._key)}

    async def _get(self, path: str, purpose: str) -> Any:
        """The JSON answer; an unreachable, slow or failing service is a clean 503/504, never a 500."""
        try:
            response = await self._client.get(f"{self._base_url}{path}", headers=self._system())
            response.raise_for_status()
            return response.json()
        except httpx.TimeoutException:
            raise UpstreamTimeout(f"The {self._name} service did not answer in time.") from None
        except (httpx.HTTPError, ValueError):
            raise UpstreamUnavailable(f"The {self._name} service is unavailable to {purpose}.") from None


class InventoryDirectory(_AsTheGateway):
    """Warehouses and settings answered by inventory itself."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, signing_key: Ed25519PrivateKey) -> None:
        super().__init__("inventory", client, base_url, signing_key)

    async def require_packing(self) -> bool:
        """v1.7's `require_packing_before_shipping`; packing stays required when inventory cannot say."""
        try:
            setting = await self._get("/api/admin/settings/require_packing_before_shipping", "read a setting")
            return str(setting.get("value", "true")).strip().lower() != "false"
        except (UpstreamTimeout, UpstreamUnavailable, AttributeError) as error:
            log.warning("could not read require_packing_before_shipping from inventory: %s", error)
            return True

    async def missing(self, warehouse_ids: Sequence[int]) -> list[int]:
        listed = await self._get("/api/warehouses/list", "check warehouses")
        known = {int(w["id"]) for w in listed.get("warehouses", [])}
        return sorted({w for w in warehouse_ids if w not in known})


class InboundDirectory(_AsTheGateway):
    """The source-system allow-list, owned by the inbound service."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, signing_key: Ed25519PrivateKey) -> None:
        super().__init__("inbound", client, base_url, signing_key)

    async def listing(self) -> list[dict[str, str]]:
        """`[{source_system, kind}]`, as the scope catalog shows them."""
        listed = await self._get("/api/admin/inbound/source-systems", "read the source-system allow-list")
        try:
            return [
                {"source_system": str(e["source_system"]), "kind": str(e["kind"])} for e in listed["source_systems"]
            ]
        except (KeyError, TypeError):
            raise UpstreamUnavailable("The inbound service gave an unreadable allow-list.") from None

    async def source_systems(self) -> set[str]:
        return {entry["source_system"] for entry in await self.listing()}
