"""Cycle counts and adjustments for command handlers, read under their stream locks (see catalog.py)."""

from __future__ import annotations

from canonical.db import Connection
from inventory.adapters.repositories.sequences import SequencedRepository
from inventory.domain.counts.cycle_count import CountLine, CycleCount, ShortHold
from inventory.domain.stock.adjustment import Adjustment, CountEvidence
from inventory.domain.stock.ledger import Position


class CountRepository(SequencedRepository):
    SEQUENCES = frozenset({"cycle_count_id_seq", "count_line_id_seq", "adjustment_id_seq"})

    async def count(self, count_id: int) -> CycleCount | None:
        row = await self._connection.fetchrow(
            "SELECT count_id, external_id, warehouse_id, bin_id, status, assigned_to FROM cycle_counts"
            " WHERE count_id = $1",
            count_id,
        )
        if row is None:
            return None
        lines = await self._connection.fetch(
            "SELECT count_line_id, item_id, lot_number, expected_quantity, counted_quantity, scanned, unexpected,"
            " adjustment_id FROM cycle_count_lines WHERE count_id = $1 ORDER BY count_line_id",
            count_id,
        )
        hold = await self._connection.fetchrow(
            "SELECT pick_task_id, item_id, lot_number, shortage AS quantity, count_outcome AS outcome"
            " FROM short_picks WHERE count_id = $1",
            count_id,
        )
        return CycleCount(
            **{**dict(row), "external_id": str(row["external_id"])},
            lines=tuple(CountLine(**dict(r)) for r in lines),
            hold=None if hold is None else ShortHold(**dict(hold)),
        )

    async def positions_in_bin(self, bin_id: int) -> list[Position]:
        rows = await self._connection.fetch(
            "SELECT warehouse_id, bin_id, item_id, lot_number, quantity_on_hand AS on_hand,"
            " quantity_allocated AS allocated FROM stock WHERE bin_id = $1",
            bin_id,
        )
        return [Position(**dict(r)) for r in rows]

    async def evidence_for(self, adjustment_id: int) -> CountEvidence | None:
        row = await self._connection.fetchrow(
            "SELECT c.external_id, l.counted_quantity, l.expected_quantity, l.counted_by, l.counted_at"
            " FROM cycle_count_lines l JOIN cycle_counts c ON c.count_id = l.count_id WHERE l.adjustment_id = $1",
            adjustment_id,
        )
        if row is None or row["counted_quantity"] is None:
            return None
        return CountEvidence(
            str(row["external_id"]),
            row["counted_quantity"],
            row["expected_quantity"],
            row["counted_by"],
            row["counted_at"],
        )


class AdjustmentRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def adjustment(self, adjustment_id: int) -> Adjustment | None:
        row = await self._connection.fetchrow(
            "SELECT adjustment_id, external_id, warehouse_id, bin_id, item_id, lot_number, quantity_change,"
            " reason_code, status, adjusted_by, cycle_count_id FROM adjustments WHERE adjustment_id = $1",
            adjustment_id,
        )
        return None if row is None else Adjustment(**{**dict(row), "external_id": str(row["external_id"])})
