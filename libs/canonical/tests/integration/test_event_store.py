import asyncio

import asyncpg
import pytest

from canonical.events.domain import DomainEvent
from canonical.events.factory import CommandContext
from canonical.events.registry import default_registry
from canonical.eventstore.store import (
    ConcurrencyConflict,
    EventWriter,
    StreamAppend,
    read_all,
    read_stream,
    stream_version,
)
from canonical.eventstore.unit_of_work import EventSourcedUnitOfWork

from .events import warehouse_created

pytestmark = pytest.mark.integration


async def test_appended_events_read_back_in_order_with_their_sequence(pool: asyncpg.Pool, writer: EventWriter) -> None:
    async with pool.acquire() as connection, connection.transaction():
        stamped = await writer.append(connection, "warehouse-1", 0, [warehouse_created(1), warehouse_created(1)])
    assert [e.sequence for e in stamped] == [1, 2]
    async with pool.acquire() as connection:
        assert await read_stream(connection, "warehouse-1") == stamped
        assert await stream_version(connection, "warehouse-1") == 2
        recorded = await read_all(connection, 0, 10)
    assert [(r.stream_id, r.stream_version) for r in recorded] == [("warehouse-1", 1), ("warehouse-1", 2)]


async def test_one_append_queues_its_events_for_publishing_in_stream_order(
    pool: asyncpg.Pool, writer: EventWriter
) -> None:
    """The relay publishes by outbox id and a consumer applies by position: both must follow the versions."""
    async with pool.acquire() as connection, connection.transaction():
        stamped = await writer.append(connection, "warehouse-3", 0, [warehouse_created(3) for _ in range(6)])
    queued = await pool.fetch("SELECT event_id, partition_key FROM outbox ORDER BY id")
    assert [(str(r["event_id"]), r["partition_key"]) for r in queued] == [(e.id, "warehouse-3") for e in stamped]
    stored = await pool.fetch("SELECT event_id, stream_version FROM event_store ORDER BY global_position")
    assert [(str(r["event_id"]), r["stream_version"]) for r in stored] == [(e.id, e.sequence) for e in stamped]


async def test_appending_at_a_stale_version_is_a_conflict(pool: asyncpg.Pool, writer: EventWriter) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await writer.append(connection, "warehouse-1", 0, [warehouse_created(1)])
    async with pool.acquire() as connection:
        with pytest.raises(ConcurrencyConflict):
            async with connection.transaction():
                await writer.append(connection, "warehouse-1", 0, [warehouse_created(1)])
        assert await connection.fetchval("SELECT count(*) FROM outbox") == 1  # the loser queued nothing


async def test_several_streams_append_in_one_statement_or_not_at_all(pool: asyncpg.Pool, writer: EventWriter) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await writer.append(connection, "warehouse-31", 0, [warehouse_created(31)])
    appends = [
        StreamAppend("warehouse-31", 1, [warehouse_created(31), warehouse_created(31)]),
        StreamAppend("warehouse-32", 0, [warehouse_created(32)], partition_key="site-3"),
    ]
    async with pool.acquire() as connection, connection.transaction():
        stamped = await writer.append_all(connection, appends)
    assert [[e.sequence for e in events] for events in stamped] == [[2, 3], [1]]
    async with pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT e.stream_id, e.stream_version, o.partition_key FROM event_store e JOIN outbox o USING (event_id)"
            " WHERE e.stream_id IN ('warehouse-31', 'warehouse-32') ORDER BY e.global_position"
        )
        assert [tuple(r) for r in rows] == [
            ("warehouse-31", 1, "warehouse-31"),
            ("warehouse-31", 2, "warehouse-31"),
            ("warehouse-31", 3, "warehouse-31"),
            ("warehouse-32", 1, "site-3"),
        ]
        # A stale version on one stream refuses the whole append: nothing of the other lands either.
        with pytest.raises(ConcurrencyConflict):
            async with connection.transaction():
                await writer.append_all(
                    connection,
                    [
                        StreamAppend("warehouse-33", 0, [warehouse_created(33)]),
                        StreamAppend("warehouse-32", 0, [warehouse_created(32)]),
                    ],
                )
        assert await stream_version(connection, "warehouse-33") == 0


async def test_two_concurrent_writers_at_the_same_version_one_wins(pool: asyncpg.Pool, writer: EventWriter) -> None:
    async def attempt() -> str:
        try:
            async with pool.acquire() as connection, connection.transaction():
                await writer.append(connection, "warehouse-7", 0, [warehouse_created(7)])
                await asyncio.sleep(0.05)  # both hold their transaction open at once
            return "won"
        except ConcurrencyConflict:
            return "conflict"

    outcomes = await asyncio.gather(attempt(), attempt())
    assert sorted(outcomes) == ["conflict", "won"]
    assert await pool.fetchval("SELECT count(*) FROM event_store") == 1


async def test_the_app_role_cannot_rewrite_history(pool: asyncpg.Pool, writer: EventWriter) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await writer.append(connection, "warehouse-1", 0, [warehouse_created(1)])
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("UPDATE event_store SET data = '{}'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("DELETE FROM event_store")


async def test_invalid_event_data_is_refused_before_anything_is_written(
    pool: asyncpg.Pool, writer: EventWriter
) -> None:
    bad = warehouse_created(1).model_copy(update={"data": {"warehouse_id": 1}})
    async with pool.acquire() as connection:
        with pytest.raises(ValueError, match="does not match its schema"):
            async with connection.transaction():
                await writer.append(connection, "warehouse-1", 0, [bad])
    assert await pool.fetchval("SELECT count(*) FROM event_store") == 0


async def test_writers_that_lock_the_stream_first_all_append_in_turn(pool: asyncpg.Pool, writer: EventWriter) -> None:
    """lock_stream reads the version after the lock is granted: no writer sees a version a holder is changing."""
    registry = default_registry()

    async def append_one() -> None:
        async with EventSourcedUnitOfWork(pool, writer, registry, source="/test") as uow:
            version = await uow.lock_stream("warehouse-9")
            await asyncio.sleep(0.01)  # the next writer is waiting on the lock meanwhile
            await uow.record(
                "warehouse-9",
                version,
                [DomainEvent("warehouse.created", warehouse_created(9).data)],
                CommandContext(request_id="r", actor="t"),
            )

    await asyncio.gather(*(append_one() for _ in range(8)))
    async with pool.acquire() as connection:
        assert await stream_version(connection, "warehouse-9") == 8


async def test_several_streams_lock_in_one_round_trip_in_the_order_given(
    pool: asyncpg.Pool, writer: EventWriter
) -> None:
    """lock_streams: versions read once every lock is held; a shared lock lets shared holders in, not exclusive."""
    registry = default_registry()
    context = CommandContext(request_id="r", actor="t")

    async def append_to_both() -> None:
        async with EventSourcedUnitOfWork(pool, writer, registry, source="/test") as uow:
            versions = await uow.lock_streams(["warehouse-21", "item-21", "warehouse-22"], shared={"item-21"})
            await asyncio.sleep(0.01)  # the next writer is waiting on the first lock meanwhile
            for stream in ("warehouse-21", "warehouse-22"):
                event = DomainEvent("warehouse.created", warehouse_created(21).data)
                await uow.record(stream, versions[stream], [event], context)

    await asyncio.gather(*(append_to_both() for _ in range(6)))
    async with pool.acquire() as connection:
        assert [await stream_version(connection, s) for s in ("warehouse-21", "warehouse-22")] == [6, 6]

    async with EventSourcedUnitOfWork(pool, writer, registry, source="/test") as holder:
        await holder.lock_streams(["item-21"], shared={"item-21"})
        async with pool.acquire() as other:
            shared_granted = await other.fetchval(
                "SELECT pg_try_advisory_xact_lock_shared(hashtextextended('item-21', 0))"
            )
            exclusive_granted = await other.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended('item-21', 0))")
        assert (shared_granted, exclusive_granted) == (True, False)
    async with EventSourcedUnitOfWork(pool, writer, registry, source="/test") as empty:
        assert await empty.lock_streams([]) == {}
