"""The HTTP adapter against a real TLS receiver on loopback: kept-alive connections never cross names or addresses."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.domain.attempts import ErrorKind
from dispatcher.domain.destinations import PinnedDestination, parse_delivery_url

pytestmark = pytest.mark.integration

NAME = "hooks.test"  # the only name the receiver's certificate is valid for


@dataclass
class Pki:
    trust: ssl.SSLContext  # what the sender trusts: the test CA alone
    server: ssl.SSLContext  # the receiver's certificate for NAME


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = _certificate("test CA", ca_key, ca_name, ca_key, ca=True)
    server = _certificate(NAME, server_key, ca_name, ca_key, ca=False)
    trust = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        server_context.load_cert_chain(cert_file, key_file)
    return Pki(trust, server_context)


@dataclass
class TlsReceiver:
    """A minimal keep-alive HTTP/1.1 receiver: answers each request (204 unless told) and counts its connections."""

    answer: bytes = b"HTTP/1.1 204 No Content\r\n\r\n"
    connections: int = 0
    requests: int = 0
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                writer.write(self.answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def tls_receiver(
    pki: Pki, host: str, port: int = 0, *, answer: bytes | None = None
) -> AsyncIterator[tuple[TlsReceiver, int]]:
    receiver = TlsReceiver() if answer is None else TlsReceiver(answer)
    server = await asyncio.start_server(receiver.handle, host, port, ssl=pki.server)
    try:
        yield receiver, server.sockets[0].getsockname()[1]
    finally:
        server.close()


def pinned(name: str, port: int, address: str) -> PinnedDestination:
    return PinnedDestination(parse_delivery_url(f"https://{name}:{port}/hook"), ipaddress.ip_address(address))


def sender(pki: Pki) -> WebhookSender:
    return WebhookSender(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=5, trust=pki.trust)


async def test_connections_are_reused_for_the_same_name_and_vetted_address(pki: Pki) -> None:
    async with tls_receiver(pki, "127.0.0.1") as (receiver, port), sender(pki) as client:
        for _ in range(3):
            outcome = await client.post(pinned(NAME, port, "127.0.0.1"), {}, b"{}")
            assert (outcome.delivered, outcome.http_status) == (True, 204)
    assert (receiver.requests, receiver.connections) == (3, 1)


async def test_a_connection_checked_for_one_name_is_never_used_for_another(pki: Pki) -> None:
    async with tls_receiver(pki, "127.0.0.1") as (receiver, port), sender(pki) as client:
        assert (await client.post(pinned(NAME, port, "127.0.0.1"), {}, b"{}")).delivered
        # Same address and port, another name: a fresh handshake, and the certificate does not cover it.
        other = await client.post(pinned("other.test", port, "127.0.0.1"), {}, b"{}")
        assert other.error_kind is ErrorKind.TLS
    assert receiver.requests == 1


async def test_a_new_vetted_address_gets_a_new_connection_there(pki: Pki) -> None:
    # DNS rebinding seen from the sender: the same name, pinned to another address by the guard.
    # Same name and port, so only the address tells the two destinations apart.
    async with tls_receiver(pki, "127.0.0.1") as (first, port):  # noqa: SIM117 (the next one needs its port)
        async with tls_receiver(pki, "127.0.0.2", port) as (second, _), sender(pki) as client:
            assert (await client.post(pinned(NAME, port, "127.0.0.1"), {}, b"{}")).delivered
            assert (await client.post(pinned(NAME, port, "127.0.0.2"), {}, b"{}")).delivered
    assert (first.requests, second.requests) == (1, 1)


async def test_a_response_advertising_a_body_over_64_kib_fails_without_being_read(pki: Pki) -> None:
    # A 200 whose promised megabyte never comes: reading it would end in a timeout, not this classification.
    huge = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"
    async with tls_receiver(pki, "127.0.0.1", answer=huge) as (_, port), sender(pki) as client:
        outcome = await client.post(pinned(NAME, port, "127.0.0.1"), {}, b"{}")
    assert (outcome.delivered, outcome.error_kind, outcome.http_status) == (False, ErrorKind.RESPONSE_TOO_LARGE, 200)
