"""Adjustment commands: direct adjustments, and the review (approve / reject) of pending ones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.stock.adjustment import (
    APPROVE,
    APPROVED,
    REJECTED,
    Adjustment,
    AdjustmentTargetGone,
    DirectAdjustment,
    Review,
    adjustment_stream,
    apply_direct_adjustment,
    approve_adjustment,
    refuse_self_approval,
    reject_adjustment,
)
from inventory.domain.stock.ledger import stock_stream
from inventory.service_layer.counts.holds import HeldCounts
from inventory.service_layer.stock.positions import lock_bins, lock_item, lock_items, lock_stock, lock_stock_streams
from inventory.service_layer.unit_of_work import ControlUnitOfWork, UnitOfWork

BIN_NOT_IN_WAREHOUSE = "Bin not found in the specified warehouse"


async def handle_direct_adjustment(
    command: DirectAdjustment, uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with uow:
        item = await lock_item(uow, command.item_id)
        bin_ = (await lock_bins(uow, command.bin_id))[command.bin_id]
        # "Exists in another warehouse" must look the same as "does not exist".
        if bin_ is None or bin_.warehouse_id != command.warehouse_id:
            raise NotFound(f"{BIN_NOT_IN_WAREHOUSE}.", legacy_error=BIN_NOT_IN_WAREHOUSE)
        version = (await lock_stock(uow, item.item_id, bin_.bin_id))[bin_.bin_id]
        position = await uow.stock.position(bin_.bin_id, item.item_id, command.lot_number)
        adjustment_id = await uow.catalog.next_id("adjustment_id_seq")
        stock, adjustment = apply_direct_adjustment(
            command, adjustment_id, str(uuid.uuid4()), item, bin_, position, context.actor, now
        )
        scoped = replace(context, warehouse_id=bin_.warehouse_id)
        await uow.record(stock_stream(bin_.bin_id, item.item_id), version, [stock], scoped)
        await uow.record(adjustment_stream(adjustment_id), 0, adjustment, scoped)
    recorded = adjustment[0].data
    return {
        "adjustment_id": adjustment_id,
        "item_id": item.item_id,
        "sku": item.sku,
        "bin_id": bin_.bin_id,
        "bin_code": bin_.bin_code,
        "warehouse_id": bin_.warehouse_id,
        "adjustment_type": command.adjustment_type.upper(),
        "quantity_change": recorded["quantity_change"],
        "reason": recorded["reason_detail"],
        "status": recorded["status"],
        "adjusted_at": recorded["adjusted_at"],
    }


@dataclass(frozen=True)
class Decision:
    adjustment_id: int
    action: str  # approve | reject


async def handle_review(
    decisions: Sequence[Decision], uow: ControlUnitOfWork, context: CommandContext
) -> dict[str, Any]:
    async with uow:
        reviewed = await review_adjustments(uow, decisions, context, datetime.now(UTC))
    return {
        "approved": sum(1 for r in reviewed if r["status"] == APPROVED),
        "rejected": sum(1 for r in reviewed if r["status"] == REJECTED),
        "reviewed": reviewed,
    }


async def review_adjustments(
    uow: ControlUnitOfWork, decisions: Sequence[Decision], context: CommandContext, now: datetime
) -> list[dict[str, Any]]:
    """Decide in order, inside the caller's transaction. Missing or already decided targets are skipped
    (so a replay approves nothing); a refused self-approval fails the whole request.

    Locks follow the global order of positions.py: every adjustment stream first (that serialises two
    reviewers of the same adjustment: the second sees it decided), then items, bins and stock streams.
    """
    versions: dict[int, int] = {}
    pending: dict[int, Adjustment] = {}
    for adjustment_id in sorted({d.adjustment_id for d in decisions}):
        versions[adjustment_id] = await uow.lock_stream(adjustment_stream(adjustment_id))
        found = await uow.adjustments.adjustment(adjustment_id)
        if found is not None and found.is_pending:
            pending[adjustment_id] = found
    chosen: list[tuple[Adjustment, str]] = []
    for decision in decisions:
        adjustment = pending.pop(decision.adjustment_id, None)
        if adjustment is not None:
            chosen.append((adjustment, decision.action))
    self_approvals: set[int] = set()
    for adjustment, action in chosen:
        separation = (await uow.catalog.settings(adjustment.warehouse_id)).flag("require_count_approval_separation")
        if refuse_self_approval(adjustment, action, context.actor, separation):
            self_approvals.add(adjustment.adjustment_id)
    held = await HeldCounts.lock(uow, (a for a, _ in chosen))  # short-pick counts: their holds go first
    approvals = [a for a, action in chosen if action == APPROVE]
    items = await lock_items(uow, *(a.item_id for a in approvals))
    bins = await lock_bins(uow, *(a.bin_id for a in approvals))
    stock_versions = await lock_stock_streams(uow, [*((a.bin_id, a.item_id) for a in approvals), *held.places()])
    reviewed: list[dict[str, Any]] = []
    for adjustment, action in chosen:
        await held.settle(adjustment, action == APPROVE, stock_versions, context, now)
        if action == APPROVE:
            item, bin_ = items.get(adjustment.item_id), bins.get(adjustment.bin_id)
            if item is None or bin_ is None:
                raise AdjustmentTargetGone(
                    f"Adjustment {adjustment.adjustment_id} names an item or bin that no longer exists.",
                    adjustment_id=adjustment.adjustment_id,
                )
            position = await uow.stock.position(bin_.bin_id, item.item_id, adjustment.lot_number)
            evidence = None
            if adjustment.cycle_count_id is not None:
                evidence = await uow.counts.evidence_for(adjustment.adjustment_id)
            review = approve_adjustment(
                adjustment,
                item,
                bin_,
                position,
                evidence,
                context.actor,
                now,
                self_approved=adjustment.adjustment_id in self_approvals,
            )
        else:
            review = reject_adjustment(adjustment, context.actor, now)
        await _record_review(uow, adjustment, review, versions, stock_versions, context)
        reviewed.append(
            {
                "adjustment_id": adjustment.adjustment_id,
                "status": APPROVED if action == APPROVE else REJECTED,
                "quantity_change": adjustment.quantity_change,
                "quantity_applied": review.quantity_applied,
            }
        )
    return reviewed


async def _record_review(
    uow: ControlUnitOfWork,
    adjustment: Adjustment,
    review: Review,
    versions: dict[int, int],
    stock_versions: dict[tuple[int, int], int],
    context: CommandContext,
) -> None:
    scoped = replace(context, warehouse_id=adjustment.warehouse_id)
    if review.stock is not None:
        place = (adjustment.bin_id, adjustment.item_id)
        await uow.record(stock_stream(*place), stock_versions[place], [review.stock], scoped)
        stock_versions[place] += 1
    stream = adjustment_stream(adjustment.adjustment_id)
    await uow.record(stream, versions[adjustment.adjustment_id], review.events, scoped)
    versions[adjustment.adjustment_id] += len(review.events)
