"""Inventory snapshot scans: a consistent copy of one warehouse's positions, paged by keyset.

The copy and `snapshot_event_id` (the log's head) are read in one REPEATABLE READ
snapshot; the fan-out changes positions in the transaction that numbers the events,
and numbers them in commit order, so the copy is exactly the fold of the events up
to and including `snapshot_event_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from canonical.errors import DomainError
from dispatcher.domain.snapshot_cursor import Cursor, CursorScopeViolation

IDLE_TIMEOUT = timedelta(minutes=5)  # a scan nobody paged for this long is gone (410)


class SnapshotInFlight(DomainError):
    status = 429
    code = "snapshot_in_flight"

    def __init__(self) -> None:
        super().__init__(
            "This token already has a snapshot scan in flight; page it to the end or wait for it to expire.",
            legacy_error="snapshot_in_flight",
        )


class SnapshotExpired(DomainError):
    status = 410
    code = "snapshot_expired"

    def __init__(self) -> None:
        super().__init__("The snapshot scan has expired or finished; start a new one.", legacy_error="snapshot_expired")


@dataclass(frozen=True)
class SnapshotPage:
    snapshot_event_id: int
    rows: list[dict[str, Any]]
    next_cursor: str | None


_EXPIRE = "DELETE FROM snapshot_scans WHERE last_accessed_at < now() - $1::interval"


async def start_scan(pool: asyncpg.Pool, token: str, warehouse_id: int, limit: int) -> SnapshotPage:
    """Copy the positions and the log position they reflect from one REPEATABLE READ snapshot."""
    scan_id = str(uuid.uuid4())
    async with pool.acquire() as connection:
        await connection.execute(_EXPIRE, IDLE_TIMEOUT)
        async with connection.transaction(isolation="repeatable_read"):
            position = await connection.fetchval("SELECT COALESCE(max(event_id), 0) FROM integration_events")
            try:
                await connection.execute(
                    "INSERT INTO snapshot_scans (scan_id, token_subject, warehouse_id, snapshot_event_id)"
                    " VALUES ($1, $2, $3, $4)",
                    scan_id,
                    token,
                    warehouse_id,
                    position,
                )
            except asyncpg.UniqueViolationError:
                raise SnapshotInFlight() from None
            await connection.execute(
                "INSERT INTO snapshot_scan_rows (scan_id, warehouse_id, item_id, bin_id, lot_key, item_external_id,"
                " bin_external_id, lot_number, quantity_on_hand, quantity_allocated)"
                " SELECT $1, p.warehouse_id, p.item_id, p.bin_id, p.lot_key, i.external_id, b.external_id,"
                " p.lot_number, p.quantity_on_hand, p.quantity_allocated FROM snapshot_positions p"
                " LEFT JOIN snapshot_items i ON i.item_id = p.item_id LEFT JOIN snapshot_bins b ON b.bin_id = p.bin_id"
                " WHERE p.warehouse_id = $2",
                scan_id,
                warehouse_id,
            )
    return await next_page(pool, token, Cursor(scan_id, warehouse_id, 0, 0, ""), limit)


async def next_page(pool: asyncpg.Pool, token: str, cursor: Cursor, limit: int) -> SnapshotPage:
    async with pool.acquire() as connection, connection.transaction():
        scan = await connection.fetchrow(
            "UPDATE snapshot_scans SET last_accessed_at = now() WHERE scan_id = $1"
            " AND last_accessed_at >= now() - $2::interval RETURNING token_subject, warehouse_id, snapshot_event_id",
            cursor.scan_id,
            IDLE_TIMEOUT,
        )
        if scan is None:
            raise SnapshotExpired()
        if scan["token_subject"] != token or scan["warehouse_id"] != cursor.warehouse_id:
            raise CursorScopeViolation()
        rows = await connection.fetch(
            "SELECT item_id, bin_id, lot_key, item_external_id::text, warehouse_id, bin_external_id::text,"
            " quantity_on_hand, quantity_allocated, quantity_on_hand - quantity_allocated AS quantity_available,"
            " lot_number FROM snapshot_scan_rows WHERE scan_id = $1 AND (warehouse_id, item_id, bin_id, lot_key)"
            " > ($2, $3, $4, $5) ORDER BY warehouse_id, item_id, bin_id, lot_key LIMIT $6",
            cursor.scan_id,
            cursor.warehouse_id,
            cursor.item_id,
            cursor.bin_id,
            cursor.lot_key,
            limit,
        )
        next_cursor: str | None = None
        if len(rows) == limit:
            last = rows[-1]
            next_cursor = Cursor(
                cursor.scan_id, cursor.warehouse_id, last["item_id"], last["bin_id"], last["lot_key"]
            ).encode()
        else:
            # A short page ends the scan: the token may start another.
            await connection.execute("DELETE FROM snapshot_scans WHERE scan_id = $1", cursor.scan_id)
    return SnapshotPage(
        int(scan["snapshot_event_id"]),
        [
            {
                "item_external_id": r["item_external_id"],
                "warehouse_id": r["warehouse_id"],
                "bin_external_id": r["bin_external_id"],
                "quantity_on_hand": r["quantity_on_hand"],
                "quantity_allocated": r["quantity_allocated"],
                "quantity_available": r["quantity_available"],
                "lot_number": r["lot_number"],
                "serial_number": None,
            }
            for r in rows
        ],
        next_cursor,
    )
