"""Cycle-count commands: open counts with a snapshot, and submit what was counted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.catalog.bin import Bin
from inventory.domain.counts.cycle_count import CountedLine, count_stream, open_count, submit_count
from inventory.domain.stock.adjustment import APPROVE, adjustment_stream
from inventory.service_layer.counts.holds import settle_at_submit
from inventory.service_layer.stock.adjustments import Decision, review_adjustments
from inventory.service_layer.stock.positions import lock_bins, lock_items
from inventory.service_layer.unit_of_work import ControlUnitOfWork

# A warehouse setting (string "true"/"false", default off): approve variances at submit time.
# Never while `require_count_approval_separation` is on, which wants a second person.
AUTO_ADJUST_SETTING = "count_auto_adjust"


class CountNotFound(NotFound):
    code = "cycle_count_not_found"

    def __init__(self) -> None:
        super().__init__("Cycle count not found.", legacy_error="Cycle count not found")


async def handle_create_counts(
    warehouse_id: int, bin_ids: Sequence[int], uow: ControlUnitOfWork, context: CommandContext
) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with uow:
        if await uow.catalog.warehouse(warehouse_id) is None:
            raise NotFound("Warehouse not found.", legacy_error="Warehouse not found")
        locked = await lock_bins(uow, *bin_ids)
        bins: list[Bin] = []
        for bin_id in bin_ids:
            found = locked[bin_id]
            if found is None or found.warehouse_id != warehouse_id:
                text = f"Bin {bin_id} not found in warehouse {warehouse_id}"
                raise NotFound(f"{text}.", legacy_error=text, bin_id=bin_id)
            bins.append(found)
        snapshots = [await uow.counts.positions_in_bin(bin_id) for bin_id in bin_ids]
        count_ids = await uow.counts.next_ids("cycle_count_id_seq", len(bin_ids))
        line_ids = iter(await uow.counts.next_ids("count_line_id_seq", sum(len(s) for s in snapshots)))
        scoped = replace(context, warehouse_id=warehouse_id)
        counts: list[dict[str, Any]] = []
        for count_id, bin_, positions in zip(count_ids, bins, snapshots, strict=True):
            event = open_count(count_id, str(uuid.uuid4()), bin_, positions, line_ids, context.actor, now)
            await uow.record(count_stream(count_id), 0, [event], scoped)
            counts.append(
                {
                    "count_id": count_id,
                    "bin_id": bin_.bin_id,
                    "bin_code": bin_.bin_code,
                    "status": "PENDING",
                    "lines": len(event.data["lines"]),
                    "assigned_to": context.actor,
                }
            )
    return {"message": f"Created {len(counts)} cycle count(s)", "counts": counts}


async def handle_submit_count(
    count_id: int,
    lines: Sequence[CountedLine],
    uow: ControlUnitOfWork,
    context: CommandContext,
    may_access: Callable[[int], None],
) -> dict[str, Any]:
    """Stock is never changed by a submit unless the warehouse auto-adjusts: then the variances are
    approved in the same transaction, so nobody ever sees a submitted count with half its adjustments."""
    now = datetime.now(UTC)
    async with uow:
        version = await uow.lock_stream(count_stream(count_id))
        count = await uow.counts.count(count_id)
        if count is None:
            raise CountNotFound()
        may_access(count.warehouse_id)
        unexpected = [line.item_id for line in lines if line.unexpected and line.item_id is not None]
        known = await lock_items(uow, *unexpected)
        for item_id in unexpected:
            if item_id not in known:
                raise NotFound(f"Item {item_id} not found.", legacy_error="Item not found", item_id=item_id)
        new_line_ids = iter(await uow.counts.next_ids("count_line_id_seq", len(unexpected)))
        adjustment_ids = await uow.counts.next_ids("adjustment_id_seq", len(lines))
        submission = submit_count(
            count,
            lines,
            new_line_ids,
            iter((a, str(uuid.uuid4())) for a in adjustment_ids),
            context.actor,
            now,
        )
        scoped = replace(context, warehouse_id=count.warehouse_id)
        await uow.record(count_stream(count_id), version, submission.events, scoped)
        for recorded in submission.adjustments:
            await uow.record(adjustment_stream(recorded.data["adjustment_id"]), 0, [recorded], scoped)
        settings = await uow.catalog.settings(count.warehouse_id)
        auto = settings.flag(AUTO_ADJUST_SETTING) and not settings.flag("require_count_approval_separation")
        if auto and submission.adjustments:
            decisions = [Decision(a.data["adjustment_id"], APPROVE) for a in submission.adjustments]
            await review_adjustments(uow, decisions, context, now)
        await settle_at_submit(uow, count_id, submission, context, now)
        bin_ = await uow.catalog.bin(count.bin_id)  # for its code only: no lock after the stock locks
        show_expected = settings.flag("count_show_expected")
    summary = [
        {
            "item_id": line.item_id,
            "expected": line.expected_quantity if show_expected else None,
            "counted": line.counted_quantity,
            "variance": line.variance if show_expected else None,
            "adjustment_id": line.adjustment_id,
            **({"unexpected": True} if line.unexpected else {}),
        }
        for line in submission.counted
        if line.adjustment_id is not None
    ]
    with_variance = sum(1 for line in submission.counted if line.variance)
    return {
        "message": "Count submitted",
        "count_id": count_id,
        "bin_code": bin_.bin_code if bin_ else None,
        "status": submission.status,
        "auto_adjusted": bool(auto and submission.adjustments),
        "summary": {
            "total_lines": len(submission.counted),
            "lines_with_variance": with_variance,
            "lines_matched": len(submission.counted) - with_variance,
            "adjustments": summary,
        },
    }
