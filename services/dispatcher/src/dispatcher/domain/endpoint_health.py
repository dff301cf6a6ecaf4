"""Endpoint health: the per-subscription circuit breaker and the auto-disable rule.

A receiver that keeps failing costs every other receiver worker slots and
timeouts. After `failure_threshold` consecutive failed attempts the breaker
opens: nothing is sent to that endpoint for a cooldown that doubles with each
further failure (capped). When the cooldown ends the breaker is half-open: a
single attempt goes out as a probe; success closes it, failure re-opens it.
Other subscriptions are never held up, since the breaker only filters the
claims of its own subscription.

An endpoint that has not had a single success for `auto_disable_after`
(Svix: 5 days) is paused for good (`auto_disabled`) and a
`webhook.subscription_disabled` event tells operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_COOLDOWN_DOUBLINGS = 16  # keeps 2**n finite; the cap on the cooldown bites long before


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(minutes=10)
    auto_disable_after: timedelta = timedelta(days=5)


@dataclass(frozen=True)
class EndpointHealth:
    consecutive_failures: int = 0
    failing_since: datetime | None = None  # the first failure since the last success
    breaker_open_until: datetime | None = None

    def half_open(self, policy: BreakerPolicy) -> bool:
        """At or past the threshold: only one attempt at a time may probe the endpoint."""
        return self.consecutive_failures >= policy.failure_threshold


@dataclass(frozen=True)
class HealthVerdict:
    health: EndpointHealth
    disable: bool  # the endpoint has failed for too long: pause it and say so


def after_attempt(health: EndpointHealth, *, delivered: bool, now: datetime, policy: BreakerPolicy) -> HealthVerdict:
    if delivered:
        return HealthVerdict(EndpointHealth(), disable=False)
    failures = health.consecutive_failures + 1
    failing_since = health.failing_since or now
    open_until = None
    if failures >= policy.failure_threshold:
        doublings = min(failures - policy.failure_threshold, MAX_COOLDOWN_DOUBLINGS)
        open_until = now + min(policy.cooldown * 2**doublings, policy.max_cooldown)
    return HealthVerdict(
        EndpointHealth(failures, failing_since, open_until),
        disable=now - failing_since >= policy.auto_disable_after,
    )
