"""HTTP adapter: POST one signed delivery to its pinned address and classify what happened.

- The connection goes to the address the SSRF guard vetted; `Host` and the TLS
  server name carry the configured name, so virtual hosting and certificate
  checks work as if the name had been resolved here. Certificates are always
  verified.
- Redirects are never followed (a 3xx is a failed attempt): following one would
  send the payload to a URL nobody vetted.
- Proxy variables of the environment are ignored for the same reason.
- Connections are kept alive, but each pool serves exactly one
  `PinnedDestination.connection_key` (scheme, host, port, vetted address, TLS
  server name): a connection is only reused for the same name at the same
  vetted address, so reuse skips neither the SSRF check (a changed DNS answer
  is another key, hence a new connection to the newly vetted address) nor a
  host's own certificate check (another name on a shared address is another
  pool; aiohttp's own pool key does not include the TLS server name). Pools
  idle for longer than KEEPALIVE_S are closed.
- The response body is never read or stored: it is the receiver's, may be
  large, and may carry their secrets (an error page, a debug dump). A response
  whose body is not read closes its connection instead of returning it.

aiohttp rather than httpx: the profile of the delivery path showed httpx's
connection pool and pure-Python parsing as half of the dispatcher's CPU per
delivery; aiohttp (already installed with faust) parses in C.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import aiohttp

from dispatcher.domain.attempts import ABORT_HEADER, ABORT_VALUE, AttemptOutcome, ErrorKind, outcome_of_response
from dispatcher.domain.destinations import PinnedDestination

USER_AGENT = "Sentry-WMS-Webhooks/1"
KEEPALIVE_S = 5.0

ConnectionKey = tuple[str, str, int, str, str | None]


class WebhookSender:
    def __init__(
        self,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        total_timeout_s: float,
        trust: ssl.SSLContext | None = None,
    ) -> None:
        """`trust` replaces the system's certificate authorities (tests); verification itself is never off."""
        self._total_timeout_s = total_timeout_s
        self._tls = trust if trust is not None else ssl.create_default_context()
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s, sock_read=read_timeout_s)
        self._pools: dict[ConnectionKey, tuple[aiohttp.ClientSession, float]] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pools, self._pools = self._pools, {}
        await asyncio.gather(*(session.close() for session, _ in pools.values()), return_exceptions=True)

    def _pool_for(self, destination: PinnedDestination) -> aiohttp.ClientSession:
        now = time.monotonic()
        key = destination.connection_key
        entry = self._pools.get(key)
        session = entry[0] if entry is not None else self._new_session()
        self._pools[key] = (session, now)
        for stale_key, (stale, last_used) in list(self._pools.items()):
            if now - last_used > KEEPALIVE_S:
                # Its connections have expired anyway; closing it bounds the pools to the destinations in use.
                del self._pools[stale_key]
                asyncio.get_running_loop().create_task(stale.close())
        return session

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_S, ssl=self._tls, use_dns_cache=False),
            timeout=self._timeout,
            headers={"user-agent": USER_AGENT},
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )

    async def post(self, destination: PinnedDestination, headers: Mapping[str, str], body: bytes) -> AttemptOutcome:
        session = self._pool_for(destination)
        started = time.perf_counter()
        try:
            # The per-phase timeouts do not bound a receiver that trickles its headers byte by byte.
            async with (
                asyncio.timeout(self._total_timeout_s),
                session.post(
                    destination.request_url,
                    data=body,
                    headers={**headers, "content-type": "application/json", "host": destination.url.host_header},
                    allow_redirects=False,
                    server_hostname=destination.tls_server_name,
                ) as response,
            ):
                status = response.status
                abort = response.headers.get(ABORT_HEADER, "").strip().lower() == ABORT_VALUE
                advertised = response.content_length
                # Leaving the block releases the connection: back to the pool if the response had no body,
                # closed (unread) otherwise.
        except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
            return AttemptOutcome(ErrorKind.TIMEOUT)
        except (aiohttp.ClientSSLError, ssl.SSLError):
            return AttemptOutcome(ErrorKind.TLS)
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError):
            return AttemptOutcome(ErrorKind.CONNECTION)
        except aiohttp.ClientError:
            return AttemptOutcome(ErrorKind.UNKNOWN)
        return outcome_of_response(
            status, round((time.perf_counter() - started) * 1000), abort_requested=abort, advertised_length=advertised
        )
