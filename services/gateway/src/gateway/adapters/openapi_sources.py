"""The services' OpenAPI documents, fetched over the pooled client and cached.

Documents change only when a service is deployed, so one read a minute is plenty. A service that
cannot answer keeps its last good document; one never read is reported as unavailable, retried at
most every few seconds so a dead service does not slow every request for the document.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.adapters.upstreams import Upstream

log = logging.getLogger(__name__)

DOCUMENT_PATH = "/openapi.json"
FRESH_S = 60.0
RETRY_AFTER_FAILURE_S = 5.0
FETCH_TIMEOUT_S = 2.0


@dataclass
class _Cached:
    document: dict[str, Any] | None = None
    next_fetch_at: float = 0.0


class OpenApiSources:
    def __init__(self, client: httpx.AsyncClient, upstreams: Sequence[Upstream]) -> None:
        self._client = client
        self._upstreams = list(upstreams)
        self._cache = {u.name: _Cached() for u in self._upstreams}
        self._lock = asyncio.Lock()

    async def documents(self) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        """(service, document) for every service with a document, and the names of those without."""
        async with self._lock:  # concurrent readers share one round of fetches
            now = time.monotonic()
            due = [u for u in self._upstreams if self._cache[u.name].next_fetch_at <= now]
            await asyncio.gather(*(self._refresh(u, now) for u in due))
        found = [(u.name, doc) for u in self._upstreams if (doc := self._cache[u.name].document) is not None]
        missing = [u.name for u in self._upstreams if self._cache[u.name].document is None]
        return found, missing

    async def _refresh(self, upstream: Upstream, now: float) -> None:
        cached = self._cache[upstream.name]
        try:
            response = await self._client.get(upstream.base_url + DOCUMENT_PATH, timeout=FETCH_TIMEOUT_S)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
        except (httpx.HTTPError, ValueError) as error:
            log.warning(
                "OpenAPI document of %s unavailable (%s); serving %s",
                upstream.name,
                error,
                "its last good copy" if cached.document else "the rest without it",
            )
            cached.next_fetch_at = now + RETRY_AFTER_FAILURE_S
            return
        cached.document = document
        cached.next_fetch_at = now + FRESH_S
