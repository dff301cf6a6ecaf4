"""HTTP adapter: POST one signed delivery to its pinned address and classify what happened.

- The connection goes to the address the SSRF guard vetted; `Host` and the TLS
  server name carry the configured name, so virtual hosting and certificate
  checks work as if the name had been resolved here.
- Redirects are never followed (a 3xx is a failed attempt): following one would
  send the payload to a URL nobody vetted.
- Proxy variables of the environment are ignored for the same reason.
- Connections are not kept alive: a pooled connection is keyed by address, and
  reusing one opened (and certificate-checked) for another subscription's host
  name on the same address would skip that host's TLS check.
- The response body is never read or stored: it is the receiver's, may be
  large, and may carry their secrets (an error page, a debug dump).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from dispatcher.domain.attempts import ABORT_HEADER, ABORT_VALUE, AttemptOutcome, ErrorKind, outcome_of_response
from dispatcher.domain.destinations import PinnedDestination

USER_AGENT = "Sentry-WMS-Webhooks/1"


class WebhookSender:
    def __init__(self, *, connect_timeout_s: float, read_timeout_s: float, total_timeout_s: float) -> None:
        self._total_timeout_s = total_timeout_s
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(connect=connect_timeout_s, read=read_timeout_s, write=read_timeout_s, pool=None),
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"user-agent": USER_AGENT},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def post(self, destination: PinnedDestination, headers: Mapping[str, str], body: bytes) -> AttemptOutcome:
        extensions = {}
        if destination.tls_server_name is not None:
            extensions["sni_hostname"] = destination.tls_server_name
        request = self._client.build_request(
            "POST",
            destination.request_url,
            content=body,
            headers={**headers, "content-type": "application/json", "host": destination.url.host_header},
            extensions=extensions,
        )
        started = time.perf_counter()
        try:
            # The per-phase timeouts do not bound a receiver that trickles its headers byte by byte.
            async with asyncio.timeout(self._total_timeout_s):
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return AttemptOutcome(ErrorKind.TIMEOUT)
        except httpx.ConnectError as error:
            return AttemptOutcome(ErrorKind.TLS if _caused_by_tls(error) else ErrorKind.CONNECTION)
        except httpx.NetworkError:
            return AttemptOutcome(ErrorKind.CONNECTION)
        except httpx.HTTPError:
            return AttemptOutcome(ErrorKind.UNKNOWN)
        abort = response.headers.get(ABORT_HEADER, "").strip().lower() == ABORT_VALUE
        return outcome_of_response(
            response.status_code, round((time.perf_counter() - started) * 1000), abort_requested=abort
        )


def _caused_by_tls(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
