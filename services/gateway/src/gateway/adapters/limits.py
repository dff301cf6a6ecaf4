"""Rate limits and login lockout in Redis, shared by every gateway replica.

Fixed one-minute windows (as v1.7's limiter). A replica leases its share of
a window's quota from Redis in chunks of a twentieth of the limit (INCRBY and
EXPIRE in one round trip) and spends the chunk locally: a round trip to Redis
was a fifth of the gateway's CPU per request when every request made one.
Limits under 40 lease one unit at a time, so they stay exact; above that, the
replicas together never admit more than the limit, and may admit up to one
chunk per replica less near the end of a window. Keys longer than 64
characters are replaced by their digest so a caller cannot grow Redis with
long usernames (V-024).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WINDOW_S = 60
LEASE_FRACTION = 20  # a lease is this fraction of the limit (at least one unit)


def _bounded(value: str) -> str:
    return value if len(value) <= 64 else hashlib.sha256(value.encode()).hexdigest()


class Limits:
    def __init__(self, redis: Redis, prefix: str, *, max_failures: int, lockout_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._leased: dict[str, int] = {}  # units this replica may still admit, per window key
        self._exhausted: set[str] = set()  # window keys Redis refused: they stay refused until the window ends
        self._leasing: dict[str, asyncio.Future[bool]] = {}  # a lease in flight per key; True once it answered
        self._leased_window = 0

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(_bounded(p) for p in parts)

    async def hit(self, bucket: str, client: str, limit: int) -> int | None:
        """Count one request; the seconds until the window resets when over `limit`, else None.

        A Redis outage must not take the API down: the request is let through, and the log says so
        (login lockout, which reads Redis elsewhere, still fails closed).
        """
        now = time.time()
        window = int(now // WINDOW_S)
        if window != self._leased_window:  # last window's leases and refusals are void
            self._leased, self._exhausted, self._leased_window = {}, set(), window
        key = self._key("rl", bucket, client, str(window))
        retry_after = max(1, int((window + 1) * WINDOW_S - now) + 1)
        # One lease in flight per key: a burst that finds the lease spent waits for it, or fifty requests
        # at once would lease fifty chunks, overshoot the window's count in Redis and be refused early.
        while (leasing := self._leasing.get(key)) is not None:
            if not await asyncio.shield(leasing):
                return None  # Redis is unavailable: the leasing request let itself through, and so does this one
        if key in self._exhausted:
            return retry_after
        if self._leased.get(key, 0) > 0:
            self._leased[key] -= 1
            return None
        leasing = asyncio.get_running_loop().create_future()
        self._leasing[key] = leasing
        try:
            granted = await self._lease(key, limit)
        finally:
            del self._leasing[key]
            leasing.set_result(granted is not None)
        if granted is None:
            return None
        if granted <= 0:
            self._exhausted.add(key)
            return retry_after
        self._leased[key] = granted - 1  # one of them admits this request
        return None

    async def _lease(self, key: str, limit: int) -> int | None:
        """Units leased from this window's quota (0 or less: none left); None if Redis is unavailable."""
        chunk = max(1, limit // LEASE_FRACTION)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.incrby(key, chunk)
                pipe.expire(key, WINDOW_S + 1)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("rate limiter unavailable, request let through: %s", error)
            return None
        return min(chunk, limit - (int(count) - chunk))  # the part of this lease still under the limit

    async def ip_locked_for(self, ip: str) -> int:
        ttl = int(await self._redis.ttl(self._key("lock", "ip", ip)))
        return max(ttl, 0)

    async def account_failures(self, username: str) -> int:
        value = await self._redis.get(self._key("fail", "user", username.strip().lower()))
        return int(value or 0)

    async def login_failed(self, ip: str, username: str) -> bool:
        """Count a failure for the IP and the account; True when this failure locked the IP.

        Only the IP is ever locked (V-023): counting per account lets the caller
        slow guessing against one account without letting anyone lock its owner out.
        """
        ip_key = self._key("fail", "ip", ip)
        user_key = self._key("fail", "user", username.strip().lower())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(ip_key)
            pipe.expire(ip_key, self.lockout_s)
            pipe.incr(user_key)
            pipe.expire(user_key, self.lockout_s)
            ip_failures, _, _, _ = await pipe.execute()
        if int(ip_failures) >= self.max_failures:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key("lock", "ip", ip), "1", ex=self.lockout_s)
                pipe.delete(ip_key)
                await pipe.execute()
            return True
        return False

    async def login_succeeded(self, ip: str, username: str) -> None:
        await self._redis.delete(self._key("fail", "ip", ip), self._key("fail", "user", username.strip().lower()))
