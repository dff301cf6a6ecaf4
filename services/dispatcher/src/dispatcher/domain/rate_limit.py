"""Per-subscription rate limit: a token bucket whose capacity equals its rate (v1.7 §4.7.8)."""

from __future__ import annotations


class TokenBucket:
    """Pure: the caller passes a monotonic clock reading and sleeps for the wait it gets back."""

    def __init__(self, rate_per_s: float, now: float) -> None:
        self.rate_per_s = rate_per_s
        self._tokens = rate_per_s
        self._updated = now

    def reconfigure(self, rate_per_s: float) -> None:
        self.rate_per_s = rate_per_s
        self._tokens = min(self._tokens, rate_per_s)

    def reserve(self, now: float) -> float:
        """Take one token; return how long to wait before using it (0 when one was available)."""
        self._tokens = min(self.rate_per_s, self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate_per_s
