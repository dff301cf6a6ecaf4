"""Webhook statistics for the admin API (integration-security 4.7.2): windows, and a 30 s cache per process."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from canonical.errors import DomainError
from dispatcher.adapters.delivery_stats import failed_attempts, subscription_stats
from dispatcher.domain.error_catalog import error_text

WINDOWS = {"1h": timedelta(hours=1), "6h": timedelta(hours=6), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
CACHE_TTL_S = 30.0


class InvalidWindow(DomainError):
    code = "invalid_window"

    def __init__(self) -> None:
        super().__init__(f"window is one of {', '.join(WINDOWS)}.", legacy_error="invalid_window")


class StatsCache:
    """Recent answers per (subscription, window): a dashboard polling every few seconds costs one query per 30 s."""

    def __init__(self, ttl_s: float = CACHE_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._entries: dict[tuple[uuid.UUID, str], tuple[float, dict[str, Any]]] = {}

    def get(self, key: tuple[uuid.UUID, str]) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self._ttl_s:
            return None
        return entry[1]

    def put(self, key: tuple[uuid.UUID, str], value: dict[str, Any]) -> None:
        now = time.monotonic()
        # Expired entries go on every write, so the cache never outgrows the subscriptions in use.
        self._entries = {k: e for k, e in self._entries.items() if now - e[0] <= self._ttl_s}
        self._entries[key] = (now, value)


async def handle_stats(
    pool: asyncpg.Pool, subscription_id: uuid.UUID, window: str, cache: StatsCache
) -> dict[str, Any]:
    if window not in WINDOWS:
        raise InvalidWindow()
    cached = cache.get((subscription_id, window))
    if cached is not None:
        return cached
    stats = await subscription_stats(pool, subscription_id, WINDOWS[window])
    attempts = stats["attempts"]
    answer = {
        "subscription_id": str(subscription_id),
        "window": window,
        **stats,
        "success_rate": None if attempts == 0 else round(stats["succeeded"] / attempts, 4),
    }
    cache.put((subscription_id, window), answer)
    return answer


async def handle_error_list(
    pool: asyncpg.Pool, *, subscription_id: uuid.UUID | None, error_kind: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """Failed and DLQ attempts with the catalogue's text for their kind (never anything the receiver sent)."""
    rows, total = await failed_attempts(
        pool, subscription_id=subscription_id, error_kind=error_kind, limit=limit, offset=offset
    )
    errors = []
    for row in rows:
        text = error_text(row["error_kind"] or "unknown")
        errors.append(
            {
                **row,
                "short_message": text.short_message,
                "description": text.description,
                "triage_hint": text.triage_hint,
            }
        )
    return {"errors": errors, "total": total, "limit": limit, "offset": offset}
