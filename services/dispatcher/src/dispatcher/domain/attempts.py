"""Delivery attempts: what counts as delivered, when to try again, when to give up.

Each attempt is its own row. Attempt 1 goes out as soon as the event is
fanned out; after a failed attempt n the next one is scheduled
`schedule.delays[n - 1]` later (times a jitter factor, so receivers that failed
together are not retried in lock-step); a failure of the last attempt is final
and the row becomes `dlq`, from where an operator can replay it. A receiver
that answers with `webhook-delivery: abort-message` asks us to stop: the row
becomes `aborted` at once (replayable, but not counted against the DLQ ceiling,
since nothing is broken).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

# Svix's schedule (prior-art.md): 8 attempts, the last about 27.5 h after the first, long enough to
# ride out a receiver's deploy, a night-time outage or a long weekend morning.
DEFAULT_RETRY_DELAYS_S: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
# The attempts table allows attempt numbers up to this (migration 002).
MAX_CONFIGURABLE_ATTEMPTS = 20
MAX_JITTER = 0.10  # each delay is stretched or shrunk by up to 10 %
ABORT_HEADER = "webhook-delivery"
ABORT_VALUE = "abort-message"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its scheduled time
    IN_FLIGHT = "in_flight"  # claimed by a worker, being sent
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # this attempt failed; a later attempt row exists
    DLQ = "dlq"  # the last attempt failed; nothing more is tried on its own
    ABORTED = "aborted"  # the receiver asked us to stop retrying this message


TERMINAL_STATUSES = frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.DLQ, DeliveryStatus.ABORTED})


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
    ABORTED = "aborted"  # the receiver sent `webhook-delivery: abort-message`
    RESPONSE_TOO_LARGE = "response_too_large"  # advertised a body over MAX_RESPONSE_BYTES (never read)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AttemptOutcome:
    error_kind: ErrorKind | None  # None: delivered
    http_status: int | None = None
    response_time_ms: int | None = None

    @property
    def delivered(self) -> bool:
        return self.error_kind is None


# v1.7 (V-308): a response advertising a larger body fails the attempt, whatever its status; bodies are never read.
MAX_RESPONSE_BYTES = 64 * 1024


def outcome_of_response(
    http_status: int, response_time_ms: int, *, abort_requested: bool = False, advertised_length: int | None = None
) -> AttemptOutcome:
    """Only a 2xx is a delivery. Redirects are never followed: the receiver must give its final URL."""
    if advertised_length is not None and advertised_length > MAX_RESPONSE_BYTES:
        kind: ErrorKind | None = ErrorKind.RESPONSE_TOO_LARGE
    elif 200 <= http_status < 300:
        kind = None
    elif abort_requested:
        kind = ErrorKind.ABORTED
    elif http_status < 400:
        kind = ErrorKind.REDIRECTED  # 3xx (and a bare 1xx, which no receiver should end on)
    elif http_status < 500:
        kind = ErrorKind.CLIENT_ERROR
    elif http_status < 600:
        kind = ErrorKind.SERVER_ERROR
    else:
        kind = ErrorKind.UNKNOWN
    return AttemptOutcome(kind, http_status, response_time_ms)


@dataclass(frozen=True)
class RetrySchedule:
    """The delays between attempts; there is one attempt more than there are delays."""

    delays: tuple[timedelta, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.delays) < MAX_CONFIGURABLE_ATTEMPTS:
            raise ValueError(f"a retry schedule has 1 to {MAX_CONFIGURABLE_ATTEMPTS - 1} delays")
        if any(delay <= timedelta(0) for delay in self.delays):
            raise ValueError("every retry delay is positive")

    @classmethod
    def of_seconds(cls, seconds: tuple[float, ...]) -> RetrySchedule:
        return cls(tuple(timedelta(seconds=s) for s in seconds))

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, failed_attempt: int, jitter: float) -> timedelta:
        """The wait after `failed_attempt` failed; `jitter` in [-MAX_JITTER, MAX_JITTER] comes from the caller."""
        if not 1 <= failed_attempt < self.max_attempts:
            raise ValueError(f"attempt {failed_attempt} has no next attempt (attempts are 1 to {self.max_attempts})")
        if not -MAX_JITTER <= jitter <= MAX_JITTER:
            raise ValueError(f"jitter {jitter} is outside ±{MAX_JITTER}")
        return self.delays[failed_attempt - 1] * (1 + jitter)


DEFAULT_RETRY_SCHEDULE = RetrySchedule.of_seconds(DEFAULT_RETRY_DELAYS_S)


@dataclass(frozen=True)
class NextAttempt:
    attempt_number: int
    delay: timedelta


@dataclass(frozen=True)
class Settlement:
    """What an attempt's outcome does: the status of its row and, after a failure, the attempt that follows."""

    status: DeliveryStatus
    next_attempt: NextAttempt | None = None


def settle(attempt_number: int, outcome: AttemptOutcome, jitter: float, schedule: RetrySchedule) -> Settlement:
    if outcome.delivered:
        return Settlement(DeliveryStatus.SUCCEEDED)
    if outcome.error_kind is ErrorKind.ABORTED:
        return Settlement(DeliveryStatus.ABORTED)
    if attempt_number >= schedule.max_attempts:
        return Settlement(DeliveryStatus.DLQ)
    return Settlement(
        DeliveryStatus.FAILED,
        NextAttempt(attempt_number + 1, schedule.delay_after(attempt_number, jitter)),
    )
