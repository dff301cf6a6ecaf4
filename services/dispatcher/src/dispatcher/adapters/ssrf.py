"""The SSRF guard: resolve a delivery URL's host once, vet every address, pin the one to connect to.

Run when a subscription is created (so the admin hears about a bad URL at
once) and again before every send (the boundary that matters: DNS may have
changed since). The address returned is the one the HTTP adapter connects to;
nothing resolves the name a second time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from dispatcher.domain.destinations import (
    IPAddress,
    PinnedDestination,
    PrivateDestination,
    UnresolvableDestination,
    is_public_address,
    parse_delivery_url,
)


class DestinationGuard:
    def __init__(self, *, allow_internal: bool, resolve_timeout_s: float) -> None:
        # allow_internal: development and CI only, where receivers run on loopback.
        self._allow_internal = allow_internal
        self._resolve_timeout_s = resolve_timeout_s

    async def pin(self, url: str) -> PinnedDestination:
        """Raise InvalidDeliveryUrl, UnresolvableDestination or PrivateDestination, or return where to connect."""
        delivery_url = parse_delivery_url(url)
        addresses = await self._resolve(delivery_url.host)
        if not self._allow_internal:
            # Any private answer refuses the URL: a name that resolves to both a public and a private
            # address would otherwise reach the private one whenever the resolver orders it first.
            for address in addresses:
                if not is_public_address(address):
                    raise PrivateDestination(delivery_url.host, address)
        return PinnedDestination(delivery_url, addresses[0])

    async def _resolve(self, host: str) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._resolve_timeout_s):
                answers = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except (OSError, TimeoutError):  # socket.gaierror is an OSError
            raise UnresolvableDestination(host) from None
        addresses: list[IPAddress] = []
        for *_, sockaddr in answers:
            # A link-local IPv6 answer may carry its zone ("fe80::1%eth0"); the zone does not change the verdict.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise UnresolvableDestination(host)
        return addresses
