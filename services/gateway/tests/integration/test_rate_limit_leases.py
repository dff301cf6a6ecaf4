"""Replicas lease their quota from Redis in chunks: together they never admit more than the limit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from redis.asyncio import Redis

from gateway.adapters import limits
from gateway.adapters.limits import Limits
from gateway.testing import Gateway

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis(gateway: Gateway) -> AsyncIterator[Redis]:
    settings = gateway.settings
    password = settings.redis_password.get_secret_value() if settings.redis_password else None
    client = Redis.from_url(settings.redis_url, password=password)
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
def mid_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Half a minute into a window: a test never straddles two."""
    monkeypatch.setattr(limits, "time", SimpleNamespace(time=lambda: 60 * 29_000_000 + 30.0))


def replica(redis: Redis, prefix: str) -> Limits:
    return Limits(redis, prefix, max_failures=5, lockout_s=60)


async def admitted(replica: Limits, count: int, limit: int) -> int:
    return sum([await replica.hit("default", "10.0.0.1", limit) is None for _ in range(count)])


async def test_two_replicas_share_one_limit_and_call_redis_once_per_lease(redis: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    first, second = replica(redis, prefix), replica(redis, prefix)
    assert await admitted(first, 80, 100) == 80
    assert await admitted(second, 80, 100) == 20  # what the first left, however the leases fell
    assert await admitted(first, 10, 100) == 0
    (key,) = [k async for k in redis.scan_iter(f"{prefix}rl:*")]
    # Leases of 5 (a twentieth): 20 of them admitted the 100, and each replica asked once more and was refused;
    # after that, each refuses on its own until the window ends. 22 calls to Redis for 170 requests.
    assert int(await redis.get(key)) == 100 + 2 * 5


async def test_small_limits_stay_exact(redis: Redis) -> None:
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    first, second = replica(redis, prefix), replica(redis, prefix)
    assert [await first.hit("auth", "10.0.0.2", 3) is None for _ in range(2)] == [True, True]
    assert [await second.hit("auth", "10.0.0.2", 3) is None for _ in range(2)] == [True, False]
    assert await first.hit("auth", "10.0.0.2", 3) is not None


async def test_a_burst_of_concurrent_requests_gets_the_whole_limit(redis: Redis) -> None:
    """Requests that find the lease spent while another is being leased wait for it, not lease on their own:
    fifty at once must neither over-lease the window (refusing it early) nor lose a lease's units."""
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    limiter = replica(redis, prefix)

    async def burst(count: int) -> int:
        answers = await asyncio.gather(*(limiter.hit("default", "10.0.0.3", 300) for _ in range(count)))
        return sum(answer is None for answer in answers)

    assert [await burst(50) for _ in range(6)] == [50, 50, 50, 50, 50, 50]
    assert await burst(50) == 0
    (key,) = [k async for k in redis.scan_iter(f"{prefix}rl:*")]
    assert int(await redis.get(key)) == 300 + 15  # 20 leases of 15, and the one refused
