"""Waiting for inventory's outcome: woken by the NOTIFY, never by reading the record to learn it was applied."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from inbound.adapters.apply_waiters import ApplyWaiters


class NoDatabase:
    """An applied record's answer must not need the database."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used ({name})")


POOL: asyncpg.Pool = NoDatabase()  # type: ignore[assignment]


async def test_an_outcome_that_came_first_is_kept_for_its_request() -> None:
    waiters = ApplyWaiters()
    waiters.wake(7, "applied")  # the NOTIFY beat the request to its wait
    assert (await waiters.outcome(POOL, 7, timeout_s=5)).apply_state == "applied"


async def test_a_waiting_request_is_woken_with_the_state() -> None:
    waiters = ApplyWaiters()
    waiting = asyncio.create_task(waiters.outcome(POOL, 8, timeout_s=5))
    await asyncio.sleep(0)
    waiters.wake(8, "applied")
    assert (await asyncio.wait_for(waiting, 1)).apply_state == "applied"


async def test_unclaimed_outcomes_are_bounded_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ApplyWaiters, "UNCLAIMED_KEPT", 2)
    waiters = ApplyWaiters()
    for inbound_id in (1, 2, 3):  # other replicas' records, say
        waiters.wake(inbound_id, "applied")
    assert (await waiters.outcome(POOL, 3, timeout_s=5)).apply_state == "applied"
    assert (await waiters.outcome(POOL, 2, timeout_s=5)).apply_state == "applied"
    with pytest.raises(AssertionError, match="the database was used"):
        await waiters.outcome(POOL, 1, timeout_s=0.01)  # dropped: after its bound, the record is read
