"""Retry schedule and the settlement of an attempt's outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.domain.attempts import (
    DEFAULT_RETRY_SCHEDULE,
    MAX_JITTER,
    AttemptOutcome,
    DeliveryStatus,
    ErrorKind,
    NextAttempt,
    RetrySchedule,
    Settlement,
    outcome_of_response,
    settle,
)

MAX_ATTEMPTS = DEFAULT_RETRY_SCHEDULE.max_attempts
RETRY_DELAYS = DEFAULT_RETRY_SCHEDULE.delays


def retry_delay(attempt: int, jitter: float) -> timedelta:
    return DEFAULT_RETRY_SCHEDULE.delay_after(attempt, jitter)


FAILED = AttemptOutcome(ErrorKind.SERVER_ERROR, 500, 12)
DELIVERED = AttemptOutcome(None, 204, 12)


def test_every_attempt_but_the_last_has_a_delay_before_the_next() -> None:
    assert len(RETRY_DELAYS) == MAX_ATTEMPTS - 1
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)


@pytest.mark.parametrize(
    ("failed_attempt", "nominal"),
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (5, timedelta(hours=5)),
        (6, timedelta(hours=10)),
        (7, timedelta(hours=10)),
    ],
)
def test_retry_delay_is_the_schedule_stretched_by_the_jitter(failed_attempt: int, nominal: timedelta) -> None:
    assert retry_delay(failed_attempt, 0.0) == nominal
    assert retry_delay(failed_attempt, MAX_JITTER) == nominal * 1.1
    assert retry_delay(failed_attempt, -MAX_JITTER) == nominal * 0.9


@pytest.mark.parametrize("jitter", [0.11, -0.5, 1.0])
def test_jitter_beyond_ten_percent_is_refused(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter"):
        retry_delay(1, jitter)


@pytest.mark.parametrize("attempt", [0, MAX_ATTEMPTS, MAX_ATTEMPTS + 1])
def test_there_is_no_retry_after_the_last_attempt(attempt: int) -> None:
    with pytest.raises(ValueError, match="no next attempt"):
        retry_delay(attempt, 0.0)


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS + 1))
def test_a_delivered_attempt_succeeds_whatever_its_number(attempt: int) -> None:
    settlement = settle(attempt, DELIVERED, 0.0, DEFAULT_RETRY_SCHEDULE)
    assert settlement.status is DeliveryStatus.SUCCEEDED
    assert settlement.next_attempt is None


def test_a_failed_attempt_schedules_the_next_one() -> None:
    settlement = settle(1, FAILED, 0.05, DEFAULT_RETRY_SCHEDULE)
    assert settlement.status is DeliveryStatus.FAILED
    assert settlement.next_attempt == NextAttempt(2, timedelta(seconds=5) * 1.05)


def test_the_last_failed_attempt_goes_to_the_dead_letter_queue() -> None:
    settlement = settle(MAX_ATTEMPTS, FAILED, 0.0, DEFAULT_RETRY_SCHEDULE)
    assert settlement.status is DeliveryStatus.DLQ
    assert settlement.next_attempt is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, None),
        (202, None),
        (299, None),
        (101, ErrorKind.REDIRECTED),
        (301, ErrorKind.REDIRECTED),
        (308, ErrorKind.REDIRECTED),
        (400, ErrorKind.CLIENT_ERROR),
        (410, ErrorKind.CLIENT_ERROR),
        (429, ErrorKind.CLIENT_ERROR),
        (500, ErrorKind.SERVER_ERROR),
        (503, ErrorKind.SERVER_ERROR),
        (799, ErrorKind.UNKNOWN),
    ],
)
def test_only_a_2xx_is_a_delivery(status: int, kind: ErrorKind | None) -> None:
    outcome = outcome_of_response(status, 40)
    assert outcome.error_kind == kind
    assert outcome.delivered is (kind is None)
    assert (outcome.http_status, outcome.response_time_ms) == (status, 40)


def test_the_default_schedule_is_eight_attempts_over_about_a_day() -> None:
    assert MAX_ATTEMPTS == 8
    assert timedelta(hours=20) < sum(RETRY_DELAYS, timedelta()) < timedelta(hours=30)


def test_a_configured_schedule_sets_the_number_of_attempts() -> None:
    short = RetrySchedule.of_seconds((1, 2))
    assert settle(2, FAILED, 0.0, short).next_attempt == NextAttempt(3, timedelta(seconds=2))
    assert settle(3, FAILED, 0.0, short).status is DeliveryStatus.DLQ
    with pytest.raises(ValueError, match="positive"):
        RetrySchedule.of_seconds((5, 0))


def test_abort_message_stops_the_retries_at_once() -> None:
    aborted = outcome_of_response(410, 3, abort_requested=True)
    assert aborted.error_kind is ErrorKind.ABORTED
    assert settle(1, aborted, 0.0, DEFAULT_RETRY_SCHEDULE) == Settlement(DeliveryStatus.ABORTED)
    # A 2xx stays a delivery whatever the header says.
    assert outcome_of_response(200, 3, abort_requested=True).delivered


def test_an_advertised_body_over_64_kib_fails_even_a_2xx() -> None:
    assert outcome_of_response(200, 5, advertised_length=64 * 1024).delivered
    oversized = outcome_of_response(200, 5, advertised_length=64 * 1024 + 1)
    assert (oversized.delivered, oversized.error_kind) == (False, ErrorKind.RESPONSE_TOO_LARGE)
    assert outcome_of_response(503, 5, advertised_length=10**9).error_kind is ErrorKind.RESPONSE_TOO_LARGE
