"""The SSRF guard: resolve a delivery URL's host once, vet every address, pin the one to connect to.

Run when a subscription is created or its URL changes (so the admin hears about
a bad URL at once) and again before every send (the boundary that matters: DNS
may have changed since, the rebinding attack). The address returned is the one
the HTTP adapter connects to; nothing resolves the name a second time.

Private targets are reachable only inside the explicit allow-list of networks
(`SENTRY_ALLOW_INTERNAL_WEBHOOKS` + `SENTRY_INTERNAL_WEBHOOK_NETWORKS`, dev and
CI only); plain http only with `SENTRY_ALLOW_HTTP_WEBHOOKS`, or to an
allow-listed internal address (the test receivers on loopback).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

from dispatcher.domain.destinations import (
    HttpsRequired,
    IPAddress,
    PinnedDestination,
    PrivateDestination,
    UnresolvableDestination,
    is_public_address,
    parse_delivery_url,
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Awaitable[list[IPAddress]]]


class DestinationGuard:
    def __init__(
        self,
        *,
        internal_networks: Sequence[IPNetwork] = (),
        allow_http: bool = False,
        resolve_timeout_s: float,
        resolver: Resolver | None = None,
    ) -> None:
        self._internal_networks = tuple(internal_networks)
        self._allow_http = allow_http
        self._resolve_timeout_s = resolve_timeout_s
        self._resolver = resolver or self._getaddrinfo

    async def pin(self, url: str) -> PinnedDestination:
        """Raise InvalidDeliveryUrl, HttpsRequired, UnresolvableDestination or PrivateDestination, or pin."""
        delivery_url = parse_delivery_url(url)
        plain_http = delivery_url.scheme == "http" and not self._allow_http
        if plain_http and not self._internal_networks:
            raise HttpsRequired()
        addresses = await self._resolve(delivery_url.host)
        # Any refused answer refuses the URL: a name that resolves to both a public and a private
        # address would otherwise reach the private one whenever the resolver orders it first.
        for address in addresses:
            internal = self._allow_listed(address)
            if not internal and not is_public_address(address):
                raise PrivateDestination(delivery_url.host, address)
            if plain_http and not internal:
                raise HttpsRequired()
        return PinnedDestination(delivery_url, addresses[0])

    def _allow_listed(self, address: IPAddress) -> bool:
        return any(address.version == network.version and address in network for network in self._internal_networks)

    async def _resolve(self, host: str) -> list[IPAddress]:
        try:
            async with asyncio.timeout(self._resolve_timeout_s):
                addresses = await self._resolver(host)
        except (OSError, TimeoutError):  # socket.gaierror is an OSError
            raise UnresolvableDestination(host) from None
        if not addresses:
            raise UnresolvableDestination(host)
        return addresses

    @staticmethod
    async def _getaddrinfo(host: str) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        answers = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        addresses: list[IPAddress] = []
        for *_, sockaddr in answers:
            # A link-local IPv6 answer may carry its zone ("fe80::1%eth0"); the zone does not change the verdict.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        return addresses
