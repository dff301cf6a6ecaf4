"""Circuit breaker, auto-disable and the rate limiter: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatcher.domain.endpoint_health import BreakerPolicy, EndpointHealth, after_attempt
from dispatcher.domain.rate_limit import TokenBucket

POLICY = BreakerPolicy(failure_threshold=3, cooldown=timedelta(seconds=10), max_cooldown=timedelta(seconds=60))
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def fail(health: EndpointHealth, now: datetime = NOW) -> EndpointHealth:
    return after_attempt(health, delivered=False, now=now, policy=POLICY).health


def test_the_breaker_opens_at_the_threshold_and_backs_off_to_its_cap() -> None:
    health = fail(fail(EndpointHealth()))
    assert health.breaker_open_until is None
    assert not health.half_open(POLICY)
    health = fail(health)
    assert health.breaker_open_until == NOW + timedelta(seconds=10)
    assert health.half_open(POLICY)
    assert fail(health).breaker_open_until == NOW + timedelta(seconds=20)
    for _ in range(10):
        health = fail(health)
    assert health.breaker_open_until == NOW + timedelta(seconds=60)


def test_a_success_closes_the_breaker_and_forgets_the_failures() -> None:
    health = fail(fail(fail(EndpointHealth())))
    verdict = after_attempt(health, delivered=True, now=NOW, policy=POLICY)
    assert verdict.health == EndpointHealth()
    assert not verdict.disable


def test_an_endpoint_failing_for_the_whole_period_is_disabled() -> None:
    first = fail(EndpointHealth())
    assert first.failing_since == NOW
    later = after_attempt(first, delivered=False, now=NOW + timedelta(days=4, hours=23), policy=POLICY)
    assert not later.disable
    assert after_attempt(later.health, delivered=False, now=NOW + timedelta(days=5), policy=POLICY).disable


def test_the_token_bucket_allows_a_burst_of_its_rate_then_spaces_requests() -> None:
    bucket = TokenBucket(2, now=0.0)
    assert [bucket.reserve(0.0), bucket.reserve(0.0)] == [0.0, 0.0]
    assert bucket.reserve(0.0) == 0.5
    assert bucket.reserve(0.0) == 1.0
    bucket.reconfigure(100)
    assert bucket.reserve(10.0) == 0.0
