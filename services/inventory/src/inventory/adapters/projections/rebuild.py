"""Drop every read model and replay the event store into it: the projections are disposable by design.

Run with the service's writers stopped: the replay reads the event store in
append order, which is commit order only when nobody appends meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from canonical.eventstore.store import read_all
from inventory.adapters.unit_of_work import Projector

# Children before parents, so the deletes never trip a foreign key.
PROJECTION_TABLES = (
    "short_picks",
    "pick_task_shares",
    "pick_tasks",
    "pick_batch_orders",
    "pick_batches",
    "sales_order_lines",
    "sales_orders",
    "receipts",
    "purchase_order_lines",
    "purchase_orders",
    "transfers",
    "cycle_count_lines",
    "cycle_counts",
    "adjustments",
    "stock_movements",
    "stock",
    "settings",
    "preferred_bins",
    "bins",
    "items",
    "zones",
    "warehouses",
    "customers",
    "vendors",
)
BATCH = 500

Progress = Callable[[int], object]  # e.g. tqdm.update (its return value is ignored)


async def rebuild_projections(
    pool: asyncpg.Pool, projectors: Sequence[Projector], progress: Progress | None = None
) -> int:
    """Returns how many events were replayed; `progress(n)` is told after each batch. All or nothing."""
    replayed = 0
    async with pool.acquire() as connection, connection.transaction():
        for table in PROJECTION_TABLES:
            await connection.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
        position = 0
        while batch := await read_all(connection, position, BATCH):
            for recorded in batch:
                for project in projectors:
                    await project(connection, recorded.event)
            position = batch[-1].global_position
            replayed += len(batch)
            if progress is not None:
                progress(len(batch))
    return replayed


async def count_events(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM event_store"))
