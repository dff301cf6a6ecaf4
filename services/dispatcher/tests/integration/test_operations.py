"""Operating the dispatcher: stats, the error list, the pending ceiling, delivery retention."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from canonical import testing
from canonical.testing import IdentityKeys, eventually, publish
from dispatcher.adapters.retention import delete_expired_deliveries
from dispatcher.entrypoints.retention_worker import DeliveryRetentionWorker

from .support import (
    Dispatcher,
    Receiver,
    attempts_settled_as,
    database_connection,
    running_dispatcher,
    warehouse_created,
)

pytestmark = pytest.mark.integration

NOTHING = {"warehouse_ids": [999_999]}  # a filter no event of these tests matches


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(
        database, identity_keys, allow_internal=True, dispatcher_retry_schedule_s=(1, 1)
    ) as dispatcher:
        yield dispatcher


async def insert_attempts(
    connection: asyncpg.Connection, subscription_id: str, count: int, *, status: str, age: timedelta = timedelta(0)
) -> None:
    finished = status not in {"pending", "in_flight"}
    await connection.execute(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, status, payload,"
        " event_seq, ordering_key, completed_at)"
        " SELECT $1, gen_random_uuid(), 'warehouse.created', 1, $2, '{}'::bytea, n, 'agg-' || n,"
        "  CASE WHEN $4 THEN now() - $5::interval END"
        " FROM generate_series(1, $3) AS n",
        uuid.UUID(subscription_id),
        status,
        count,
        finished,
        age,
    )


async def test_stats_and_the_error_list_describe_what_happened(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/stats-down"] = 503
    failing = await dispatcher.subscribe(f"{base_url}/stats-down", subscription_filter={"warehouse_ids": [71]})
    healthy = await dispatcher.subscribe(f"{base_url}/stats-up", subscription_filter={"warehouse_ids": [72]})
    await publish(dispatcher.topic, warehouse_created(71).to_json())
    await publish(dispatcher.topic, warehouse_created(72).to_json())
    await eventually(lambda: attempts_settled_as(dispatcher, failing["subscription_id"], {"failed", "dlq"}, count=3))
    await eventually(lambda: attempts_settled_as(dispatcher, healthy["subscription_id"], {"succeeded"}))

    stats = await dispatcher.call("GET", f"/api/admin/webhooks/{failing['subscription_id']}/stats?window=1h")
    assert (stats["window"], stats["attempts"], stats["succeeded"], stats["failed"], stats["dlq"]) == ("1h", 3, 0, 2, 1)
    assert stats["success_rate"] == 0
    assert stats["top_error_kinds"] == [{"error_kind": "5xx", "count": 3}]
    assert stats["response_time_ms"]["p99"] is not None
    assert stats["lag"] == {"unfinished": 0, "oldest_due_age_s": None}
    healthy_stats = await dispatcher.call("GET", f"/api/admin/webhooks/{healthy['subscription_id']}/stats")
    assert (healthy_stats["window"], healthy_stats["success_rate"]) == ("24h", 1)

    listing = {w["subscription_id"]: w for w in (await dispatcher.call("GET", "/api/admin/webhooks"))["webhooks"]}
    row = listing[failing["subscription_id"]]
    assert (row["attempts_24h"], row["failed_24h"], row["dlq_24h"], row["success_rate_24h"]) == (3, 2, 1, 0)
    assert (listing[healthy["subscription_id"]]["succeeded_24h"], row["pending_count"]) == (1, 0)

    errors = await dispatcher.call("GET", f"/api/admin/webhook-errors?subscription_id={failing['subscription_id']}")
    assert errors["total"] == 3
    assert {e["status"] for e in errors["errors"]} == {"failed", "dlq"}
    first = errors["errors"][0]
    assert (first["error_kind"], first["http_status"], first["display_name"]) == ("5xx", 503, "ERP")
    assert all(first[key] for key in ("short_message", "description", "triage_hint"))
    by_kind = await dispatcher.call("GET", "/api/admin/webhook-errors?error_kind=timeout&limit=1")
    assert (by_kind["total"], by_kind["limit"]) == (0, 1)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/admin/webhooks/{id}/stats?window=2h", "invalid_window"),
        ("/api/admin/webhook-errors?subscription_id=nope", "invalid_subscription_id"),
    ],
)
async def test_bad_stats_queries_are_400(dispatcher: Dispatcher, path: str, code: str) -> None:
    created = await dispatcher.subscribe("http://127.0.0.1:9/unused", subscription_filter=NOTHING)
    response = await dispatcher.api.get(path.format(id=created["subscription_id"]), headers=dispatcher.admin())
    assert (response.status_code, response.json()["code"]) == (400, code)


async def subscription_detail(dispatcher: Dispatcher, subscription_id: str) -> dict[str, Any]:
    return await dispatcher.call("GET", f"/api/admin/webhooks/{subscription_id}")


async def test_a_backlog_at_the_pending_ceiling_pauses_the_subscription(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    _, base_url = receiver
    created = await dispatcher.subscribe(
        f"{base_url}/backlog", pending_ceiling=100, subscription_filter={"warehouse_ids": [73]}
    )
    subscription_id = created["subscription_id"]
    await dispatcher.call("POST", f"/api/admin/webhooks/{subscription_id}/pause")  # collects, sends nothing
    async with database_connection(dispatcher) as connection:
        await insert_attempts(connection, subscription_id, 99, status="pending")
        await insert_attempts(connection, subscription_id, 2, status="dlq")

    # A replay that would push the backlog over the ceiling is refused, whatever the acknowledgement.
    response = await dispatcher.api.post(
        f"/api/admin/webhooks/{subscription_id}/replay-batch",
        json={"acknowledge_large_replay": True},
        headers=dispatcher.admin(),
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert (body["code"], body["current_pending"], body["impact_count"], body["pending_ceiling"], body["gap"]) == (
        "replay_would_exceed_pending_ceiling",
        99,
        2,
        100,
        1,
    )

    await publish(dispatcher.topic, warehouse_created(73).to_json())  # the 100th unfinished delivery

    async def ceiling_paused() -> dict[str, Any] | None:
        detail = await subscription_detail(dispatcher, subscription_id)
        return detail if detail["pause_reason"] == "pending_ceiling" else None

    assert (await eventually(ceiling_paused, timeout_s=30))["status"] == "paused"
    async with database_connection(dispatcher) as connection:
        paused = await connection.fetchval(
            "SELECT data FROM event_store WHERE stream_id = $1 AND event_type = 'webhook.subscription_paused'"
            " AND data->>'reason' = 'pending_ceiling'",
            f"webhook_subscription-{subscription_id}",
        )
    assert paused == {"subscription_id": subscription_id, "reason": "pending_ceiling", "count": 100, "ceiling": 100}

    # Paused by the ceiling it collects no more: the backlog stays bounded.
    await publish(dispatcher.topic, warehouse_created(73).to_json())
    await asyncio.sleep(1.5)
    assert (await subscription_detail(dispatcher, subscription_id))["status"] == "paused"
    async with database_connection(dispatcher) as connection:
        unfinished = await connection.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending'",
            uuid.UUID(subscription_id),
        )
    assert unfinished == 100


async def test_retention_deletes_old_finished_attempts_in_chunks_and_never_pending_ones(
    dispatcher: Dispatcher,
) -> None:
    created = await dispatcher.subscribe("http://127.0.0.1:9/retention", subscription_filter=NOTHING)
    subscription_id = created["subscription_id"]
    await dispatcher.call("POST", f"/api/admin/webhooks/{subscription_id}/pause")  # its pending rows stay so
    async with database_connection(dispatcher) as connection:
        for status in ("succeeded", "failed", "dlq", "aborted"):
            await insert_attempts(connection, subscription_id, 3, status=status, age=timedelta(days=91))
        await insert_attempts(connection, subscription_id, 2, status="succeeded", age=timedelta(days=89))
        await insert_attempts(connection, subscription_id, 2, status="pending")
        await connection.execute(
            "UPDATE webhook_deliveries SET scheduled_at = now() - interval '200 days' WHERE subscription_id = $1",
            uuid.UUID(subscription_id),
        )
        pool = await asyncpg.create_pool(dispatcher.settings.database_url.get_secret_value(), min_size=1, max_size=2)
        try:
            assert await delete_expired_deliveries(pool, 90, chunk=5) == 12
            assert await delete_expired_deliveries(pool, 90, chunk=5) == 0

            # The worker runs the job at once when it starts, then sleeps until the next run.
            await insert_attempts(connection, subscription_id, 4, status="dlq", age=timedelta(days=91))
            stop = asyncio.Event()
            job = asyncio.create_task(DeliveryRetentionWorker(pool, 90).run(stop))

            async def emptied() -> bool:
                left: int = await connection.fetchval(
                    "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'dlq'",
                    uuid.UUID(subscription_id),
                )
                return left == 0

            await eventually(emptied, timeout_s=10)
            stop.set()
            await asyncio.wait_for(job, timeout=5)
        finally:
            await pool.close()
        statuses = await connection.fetch(
            "SELECT status, count(*) FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status",
            uuid.UUID(subscription_id),
        )
    assert {r["status"]: r["count"] for r in statuses} == {"succeeded": 2, "pending": 2}
