"""SSRF guard: URL rules, which addresses are public, and pinning the connection to the vetted address."""

from __future__ import annotations

import ipaddress

import pytest

from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.domain.destinations import (
    HttpsRequired,
    InvalidDeliveryUrl,
    PinnedDestination,
    PrivateDestination,
    canonical_url,
    is_public_address,
    parse_delivery_url,
)

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

NOT_PUBLIC = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "169.254.169.254",  # cloud metadata
    "169.254.1.1",
    "224.0.0.1",  # multicast, which Python's is_global accepts
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fd00::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fc00::1",
    "fe80::1",
    "fec0::1",  # deprecated site-local
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "2001:db8::1",  # documentation
    "::2",  # reserved
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "100.128.0.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1"),
        ("http://[::1]/hook", "::1"),
        ("https://[::ffff:127.0.0.1]:8443/hook", "::ffff:127.0.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[fd00::1]/", "fd00::1"),
        # Shorthand IPv4 forms the C resolver accepts: all of them are 127.0.0.1.
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://localhost:8080/", None),  # whichever loopback address /etc/hosts lists first
    ],
)
async def test_the_guard_refuses_urls_that_resolve_to_internal_addresses(url: str, address: str | None) -> None:
    guard = DestinationGuard(resolve_timeout_s=2.0, allow_http=True)
    with pytest.raises(PrivateDestination) as refused:
        await guard.pin(url)
    assert refused.value.code == "private_destination"
    if address is not None:
        assert refused.value.address == ipaddress.ip_address(address)


async def test_the_guard_pins_a_public_address() -> None:
    guard = DestinationGuard(resolve_timeout_s=2.0, allow_http=True)
    pinned = await guard.pin("https://8.8.8.8/hook?x=1")
    assert pinned.address == ipaddress.ip_address("8.8.8.8")
    assert pinned.request_url == "https://8.8.8.8:443/hook?x=1"


async def test_internal_addresses_pass_only_when_the_operator_allows_them() -> None:
    guard = DestinationGuard(internal_networks=LOOPBACK, resolve_timeout_s=2.0)
    pinned = await guard.pin("http://127.0.0.1:9000/hook")
    assert pinned.request_url == "http://127.0.0.1:9000/hook"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "example.com/hook",
        "http:///hook",
        "https://user:pass@example.com/hook",
        "https://example.com/hook#fragment",
        "https://example.com:99999/hook",
        "https://exa..mple.com/hook",
    ],
)
def test_urls_that_cannot_be_webhook_targets_are_invalid(url: str) -> None:
    with pytest.raises(InvalidDeliveryUrl) as refused:
        parse_delivery_url(url)
    assert refused.value.code == "invalid_url"


def test_a_url_keeps_its_path_query_and_explicit_port() -> None:
    url = parse_delivery_url("HTTPS://Hooks.Example.COM:8443/in/sentry?tenant=7")
    assert (url.scheme, url.host, url.port, url.target) == ("https", "hooks.example.com", 8443, "/in/sentry?tenant=7")
    assert url.host_header == "hooks.example.com:8443"
    assert parse_delivery_url("https://example.com").target == "/"
    assert parse_delivery_url("https://example.com/x").host_header == "example.com"


def test_internationalised_host_names_are_sent_in_their_ascii_form() -> None:
    assert parse_delivery_url("https://bücher.example/hook").host == "xn--bcher-kva.example"


def test_a_pinned_https_request_goes_to_the_address_but_verifies_the_name() -> None:
    pinned = PinnedDestination(
        parse_delivery_url("https://hooks.example.com/in"), ipaddress.ip_address("93.184.215.14")
    )
    assert pinned.request_url == "https://93.184.215.14:443/in"
    assert pinned.url.host_header == "hooks.example.com"
    assert pinned.tls_server_name == "hooks.example.com"


def test_a_pinned_ipv6_address_is_bracketed() -> None:
    pinned = PinnedDestination(
        parse_delivery_url("http://hooks.example.com:8080/in"), ipaddress.ip_address("2606:4700::1")
    )
    assert pinned.request_url == "http://[2606:4700::1]:8080/in"
    assert pinned.url.host_header == "hooks.example.com:8080"
    assert pinned.tls_server_name is None  # plain http has no TLS


def test_an_ip_literal_url_sends_no_server_name() -> None:
    pinned = PinnedDestination(parse_delivery_url("https://8.8.8.8/in"), ipaddress.ip_address("8.8.8.8"))
    assert pinned.tls_server_name is None


class FlippingResolver:
    """A DNS stub at the adapter seam: public while the admin looks, loopback when the dispatcher sends."""

    def __init__(self, *answers: str) -> None:
        self._answers = [[ipaddress.ip_address(a)] for a in answers]
        self.calls = 0

    async def __call__(self, host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        answer = self._answers[min(self.calls, len(self._answers) - 1)]
        self.calls += 1
        return answer


async def test_dns_rebinding_between_create_and_send_is_refused() -> None:
    resolver = FlippingResolver("93.184.215.14", "127.0.0.1")
    guard = DestinationGuard(resolve_timeout_s=2.0, resolver=resolver)

    pinned = await guard.pin("https://hooks.example.com/in")  # at create time
    assert pinned.address == ipaddress.ip_address("93.184.215.14")
    with pytest.raises(PrivateDestination) as refused:
        await guard.pin("https://hooks.example.com/in")  # at send time
    assert refused.value.address == ipaddress.ip_address("127.0.0.1")
    assert resolver.calls == 2  # resolved once per check, never trusted from before


async def test_a_name_with_any_private_answer_is_refused() -> None:
    async def mixed(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.2.3")]

    with pytest.raises(PrivateDestination):
        await DestinationGuard(resolve_timeout_s=2.0, resolver=mixed).pin("https://hooks.example.com/")


async def test_plain_http_is_refused_unless_allowed() -> None:
    with pytest.raises(HttpsRequired) as refused:
        await DestinationGuard(resolve_timeout_s=2.0).pin("http://93.184.215.14/hook")
    assert refused.value.code == "https_required"
    allowed = await DestinationGuard(resolve_timeout_s=2.0, allow_http=True).pin("http://93.184.215.14/hook")
    assert allowed.url.scheme == "http"


async def test_the_internal_allow_list_is_explicit() -> None:
    guard = DestinationGuard(internal_networks=LOOPBACK, resolve_timeout_s=2.0)
    assert (await guard.pin("http://127.0.0.1:9000/")).url.port == 9000  # allow-listed: http too
    for url in ("https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/"):
        with pytest.raises(PrivateDestination):
            await guard.pin(url)
    with pytest.raises(HttpsRequired):
        await guard.pin("http://93.184.215.14/")  # public over http: still refused


def test_canonical_urls_compare_equal_across_spellings() -> None:
    assert canonical_url("HTTPS://Example.COM:443/hook/#x") == "https://example.com/hook"
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("http://example.com:8080/a?b=1") == "http://example.com:8080/a?b=1"
