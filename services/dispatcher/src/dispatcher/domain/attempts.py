"""Delivery attempts: what counts as delivered, when to try again, when to give up.

Each attempt is its own row. Attempt 1 goes out as soon as the event is
fanned out; after a failed attempt n the next one is scheduled
`RETRY_DELAYS[n - 1]` later (times a jitter factor, so receivers that failed
together are not retried in lock-step); a failure of attempt MAX_ATTEMPTS is
final and the row becomes `dlq`, from where an operator can replay it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

MAX_ATTEMPTS = 8
# Delay before attempt n + 1 after attempt n failed: roughly 10 h from the first to the last attempt,
# long enough to ride out a receiver's deploy or a night-time outage.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)
MAX_JITTER = 0.10  # each delay is stretched or shrunk by up to 10 %


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its scheduled time
    IN_FLIGHT = "in_flight"  # claimed by a worker, being sent
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # this attempt failed; a later attempt row exists
    DLQ = "dlq"  # the last attempt failed; nothing more is tried on its own


class ErrorKind(StrEnum):
    """Why an attempt failed, in words an operator can act on; never the receiver's own text."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    DNS = "dns"
    TLS = "tls"
    SSRF_REJECTED = "ssrf_rejected"
    REDIRECTED = "redirected"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AttemptOutcome:
    error_kind: ErrorKind | None  # None: delivered
    http_status: int | None = None
    response_time_ms: int | None = None

    @property
    def delivered(self) -> bool:
        return self.error_kind is None


def outcome_of_response(http_status: int, response_time_ms: int) -> AttemptOutcome:
    """Only a 2xx is a delivery. Redirects are never followed: the receiver must give its final URL."""
    if 200 <= http_status < 300:
        kind = None
    elif http_status < 400:
        kind = ErrorKind.REDIRECTED  # 3xx (and a bare 1xx, which no receiver should end on)
    elif http_status < 500:
        kind = ErrorKind.CLIENT_ERROR
    elif http_status < 600:
        kind = ErrorKind.SERVER_ERROR
    else:
        kind = ErrorKind.UNKNOWN
    return AttemptOutcome(kind, http_status, response_time_ms)


def retry_delay(failed_attempt: int, jitter: float) -> timedelta:
    """How long to wait after `failed_attempt` failed; `jitter` in [-MAX_JITTER, MAX_JITTER] is drawn by the caller."""
    if not 1 <= failed_attempt < MAX_ATTEMPTS:
        raise ValueError(f"attempt {failed_attempt} has no next attempt (attempts are 1 to {MAX_ATTEMPTS})")
    if not -MAX_JITTER <= jitter <= MAX_JITTER:
        raise ValueError(f"jitter {jitter} is outside ±{MAX_JITTER}")
    return RETRY_DELAYS[failed_attempt - 1] * (1 + jitter)


@dataclass(frozen=True)
class NextAttempt:
    attempt_number: int
    delay: timedelta


@dataclass(frozen=True)
class Settlement:
    """What an attempt's outcome does: the status of its row and, after a failure, the attempt that follows."""

    status: DeliveryStatus
    next_attempt: NextAttempt | None = None


def settle(attempt_number: int, outcome: AttemptOutcome, jitter: float) -> Settlement:
    if outcome.delivered:
        return Settlement(DeliveryStatus.SUCCEEDED)
    if attempt_number >= MAX_ATTEMPTS:
        return Settlement(DeliveryStatus.DLQ)
    return Settlement(DeliveryStatus.FAILED, NextAttempt(attempt_number + 1, retry_delay(attempt_number, jitter)))
