"""The pending ceiling: a subscription whose unfinished deliveries reach it stops collecting and sending.

Fan-out queues attempt 1 for every matching event whatever the endpoint's
health, so a receiver that is down (breaker open) or a subscription an admin
paused piles up pending rows. At `pending_ceiling` the subscription is paused
(`pending_ceiling`): fan-out skips it from then on (see
`subscription_store.fanout_targets`), so the backlog is bounded, and an admin
decides when to resume. Checked on a timer beside the fan-out, in its own
short transaction per subscription: pausing inside the fan-out's transaction
would take the subscription's row lock after the batch's foreign-key locks,
the opposite order to a settlement, and the two could deadlock.
"""

from __future__ import annotations

import logging

import asyncpg

from dispatcher.adapters.subscription_store import at_pending_ceiling, pause_at_ceiling
from dispatcher.domain.subscriptions import PauseReason
from dispatcher.service_layer.journal import SubscriptionJournal, system_context

log = logging.getLogger(__name__)


async def enforce_pending_ceilings(pool: asyncpg.Pool, journal: SubscriptionJournal) -> int:
    """Pause every collecting subscription at its pending ceiling; return how many were paused."""
    paused = 0
    for subscription_id, unfinished, ceiling in await at_pending_ceiling(pool):
        async with pool.acquire() as connection, connection.transaction():
            if not await pause_at_ceiling(connection, subscription_id, PauseReason.PENDING_CEILING.value):
                continue  # an admin changed it meanwhile
            event = {"reason": PauseReason.PENDING_CEILING.value, "count": unfinished, "ceiling": ceiling}
            await journal.record(
                connection, subscription_id, [("webhook.subscription_paused", event)], system_context()
            )
        log.warning(
            "webhook subscription %s paused: %d deliveries unfinished, its ceiling is %d",
            subscription_id,
            unfinished,
            ceiling,
        )
        paused += 1
    return paused
