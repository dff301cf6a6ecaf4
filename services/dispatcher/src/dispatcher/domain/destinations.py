"""Where a webhook may be sent: URL rules and which IP addresses count as public.

A delivery URL is chosen by whoever administers a subscription, and the
dispatcher POSTs from inside the platform's network. Without these rules a
subscription to `http://169.254.169.254/...` or `http://10.0.0.5:5432/` would
turn the dispatcher into a proxy into that network (SSRF). The rules are
applied to every address a host name resolves to, and the connection then goes
to the vetted address itself (see `PinnedDestination`), so a DNS answer that
changes between the check and the connect cannot slip through.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from canonical.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Ranges the ipaddress flags miss or that embed an IPv4 address a gateway would
# route to: NAT64 (RFC 6052/8215) and 6to4 translate to the IPv4 inside them.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class InvalidDeliveryUrl(DomainError):
    code = "invalid_url"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The delivery URL is not valid: {reason}.", legacy_error="Invalid delivery_url")


class PrivateDestination(DomainError):
    code = "private_destination"

    def __init__(self, host: str, address: IPAddress) -> None:
        super().__init__(
            f"{host} resolves to {address}, which is not a public address; webhooks are only sent to the internet.",
            legacy_error="Delivery URL points to a private address",
            host=host,
            address=str(address),
        )
        self.address = address


class HttpsRequired(DomainError):
    code = "https_required"

    def __init__(self) -> None:
        super().__init__(
            "Webhooks are sent over https only (SENTRY_ALLOW_HTTP_WEBHOOKS allows plain http).",
            legacy_error="https_required",
        )


class UnresolvableDestination(DomainError):
    code = "unresolvable_destination"

    def __init__(self, host: str) -> None:
        super().__init__(
            f"{host} does not resolve to any address.", legacy_error="Delivery URL host not found", host=host
        )


@dataclass(frozen=True)
class DeliveryUrl:
    scheme: str  # http | https
    host: str  # ASCII (IDNA) form, lower case, without brackets
    port: int
    explicit_port: bool
    target: str  # path and query, as given (never empty)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    @property
    def literal_address(self) -> IPAddress | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse_delivery_url(url: str) -> DeliveryUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidDeliveryUrl(str(error)) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidDeliveryUrl("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise InvalidDeliveryUrl("the URL has no host")
    if parts.username is not None or parts.password is not None:
        # Credentials in the URL would be stored and listed in clear; receivers authenticate us by signature.
        raise InvalidDeliveryUrl("credentials in the URL are not supported")
    if parts.fragment:
        raise InvalidDeliveryUrl("a fragment is never sent to the server")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidDeliveryUrl("the host name is not a valid (internationalised) domain name") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return DeliveryUrl(scheme, host, port or _DEFAULT_PORTS[scheme], port is not None, target)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for unicast addresses on the public internet.

    `is_global` alone is not enough (it already excludes private, loopback,
    link-local incl. 169.254.169.254, CGNAT 100.64/10, fc00::/7): Python counts
    multicast, IPv6 site-local and some reserved IPv6 ranges as global, and an
    IPv6 address can carry an IPv4 one (mapped, 6to4, NAT64) that the network
    reaches instead. The explicit flags also keep the rule stable across
    Python versions, whose `is_private` tables have changed.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def canonical_url(url: str) -> str:
    """The form URL-reuse tombstones compare (v1.7 §4.7.7): `HTTPS://Example.COM:443/hook/` is `https://example.com/hook`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{parts.port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    return f"{scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def url_fingerprint(url: str) -> dict[str, str]:
    """How events name a delivery URL: its origin and a hash of its canonical form, never the URL itself.

    Receivers put credentials in paths (`/hooks/<token>`), queries and userinfo;
    an event is copied into the audit log and to every subscriber, so it carries
    only what tells two URLs apart.
    """
    canonical = canonical_url(url)
    scheme, _, rest = canonical.partition("://")
    origin = f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"
    return {"origin": origin, "sha256": hashlib.sha256(canonical.encode()).hexdigest()}


@dataclass(frozen=True)
class PinnedDestination:
    """A delivery URL bound to the one address it was vetted for.

    The request goes to the address literally, with the original name in the
    `Host` header and (for https) as the TLS server name, so the certificate is
    still checked against the name the admin configured.
    """

    url: DeliveryUrl
    address: IPAddress

    @property
    def request_url(self) -> str:
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.url.scheme}://{host}:{self.url.port}{self.url.target}"

    @property
    def tls_server_name(self) -> str | None:
        if self.url.scheme != "https" or self.url.literal_address is not None:
            return None  # an IP literal is matched against the certificate's IP entries instead
        return self.url.host

    @property
    def connection_key(self) -> tuple[str, str, int, str, str | None]:
        """Which kept-alive connections this destination may reuse: only ones opened for exactly this key.

        The address is the vetted one (a new DNS answer is a new key, so a connection
        never outlives the check that allowed it) and the host and TLS server name are
        part of it (a connection certificate-checked for one name on a shared address is
        never used for another name).
        """
        return (self.url.scheme, self.url.host, self.url.port, str(self.address), self.tls_server_name)
