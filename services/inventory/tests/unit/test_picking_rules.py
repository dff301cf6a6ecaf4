"""Batch and wave planning, confirm and short, complete and cancel, an order withdrawn (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from inventory.domain.catalog.item import Item
from inventory.domain.orders.sales_order import SalesOrder, SoLine
from inventory.domain.picking.allocation import Candidate
from inventory.domain.picking.batch import BatchFinished, PickBatch, TasksPending, new_batch, plan_classic, plan_wave
from inventory.domain.picking.tasks import (
    OverPick,
    TaskNotPending,
    WrongItemScanned,
    cancel_batch,
    complete_batch,
    confirm_pick,
    short_pick,
    withdraw_order,
)

NOW = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
T0 = NOW.isoformat()
ITEM = Item(1, "00000000-0000-0000-0000-000000000001", "TST-1", "Fly", T0, T0, upc="111", barcode_aliases=("ALT",))


def order(so_id: int, *lines: tuple[int, int]) -> SalesOrder:
    return SalesOrder(
        so_id=so_id,
        external_id=f"00000000-0000-0000-0000-00000000000{so_id}",
        so_number=f"SO-{so_id}",
        so_barcode=f"SO-{so_id}",
        warehouse_id=1,
        status="OPEN",
        order_date=T0,
        created_at=T0,
        created_by="admin",
        lines=tuple(SoLine(so_id * 10 + n, item, n, quantity) for n, (item, quantity) in enumerate(lines, start=1)),
    )


SHELVES = [Candidate(3, 1, None, 4, 300, T0), Candidate(1, 1, None, 5, 100, T0), Candidate(2, 2, None, 9, 200, T0)]


def batch_of(kind: str, *orders: SalesOrder) -> PickBatch:
    plan = (
        plan_wave(orders, SHELVES, "pick_sequence", {1: "TST-1"})
        if kind == "WAVE"
        else plan_classic(orders, SHELVES, "pick_sequence")
    )
    batch, _ = new_batch(7, kind, 1, orders, plan, list(range(100, 100 + len(plan.tasks))), "admin", NOW)
    return batch


def test_a_classic_batch_gives_each_order_its_own_tasks_and_tote() -> None:
    batch = batch_of("BATCH", order(1, (1, 3)), order(2, (1, 4), (2, 1)))
    assert batch.batch_number == "BATCH-20261204-230000-7"
    assert [(t.bin_id, t.quantity_to_pick, t.tote_number) for t in batch.tasks] == [
        (1, 3, "TOTE-1"),
        (1, 2, "TOTE-2"),
        (3, 2, "TOTE-2"),
        (2, 1, "TOTE-2"),
    ]


def test_a_wave_shares_each_bin_take_between_orders_and_warns_of_shortfall() -> None:
    plan = plan_wave([order(1, (1, 6)), order(2, (1, 5))], SHELVES, "pick_sequence", {1: "TST-1"})
    assert plan.warnings == [{"sku": "TST-1", "needed": 11, "available": 9}]
    assert [(t.take.candidate.bin_id, [(s.so_id, s.quantity) for s in t.shares]) for t in plan.tasks] == [
        (1, [(1, 5)]),
        (3, [(1, 1), (2, 3)]),
    ]
    assert all(sum(s.quantity for s in t.shares) == t.take.quantity for t in plan.tasks)
    assert plan.allocated_per_order() == {1: {11: 6}, 2: {21: 3}}


def test_confirm_checks_status_quantity_and_barcode() -> None:
    batch = batch_of("BATCH", order(1, (1, 3)))
    task = batch.tasks[0]
    with pytest.raises(WrongItemScanned):
        confirm_pick(batch, task.pick_task_id, "TST-1", 3, ITEM, accept_sku=False, actor="p", now=NOW)
    with pytest.raises(OverPick):
        confirm_pick(batch, task.pick_task_id, "111", 4, ITEM, accept_sku=True, actor="p", now=NOW)
    settled = confirm_pick(batch, task.pick_task_id, "ALT", 3, ITEM, accept_sku=False, actor="p", now=NOW)
    assert (settled.task.status, settled.picked, settled.shortage) == ("PICKED", {(1, 11): 3}, 0)
    assert settled.event.event_type == "pick_task.confirmed"
    done = replace(batch, tasks=(settled.task,))
    with pytest.raises(TaskNotPending):
        confirm_pick(done, task.pick_task_id, "111", 3, ITEM, accept_sku=True, actor="p", now=NOW)


def test_a_partial_confirm_is_a_short_pick_credited_lowest_order_first() -> None:
    batch = batch_of("WAVE", order(2, (1, 3)), order(1, (1, 2)))
    task = batch.tasks[0]  # bin 1 holds 5: SO-2's 3 and SO-1's 2
    settled = confirm_pick(batch, task.pick_task_id, "111", 3, ITEM, accept_sku=True, actor="p", now=NOW)
    assert settled.task.status == "SHORT"
    assert (settled.picked, settled.shorted) == ({(1, 11): 2, (2, 21): 1}, {(2, 21): 2})
    assert settled.event.data["short_pick"]["shortage"] == 2
    nothing = short_pick(batch, task.pick_task_id, 0, actor="p", now=NOW)
    assert (nothing.picked, nothing.shortage) == ({}, 5)


def test_complete_and_cancel_are_guarded() -> None:
    batch = batch_of("BATCH", order(1, (1, 3)))
    with pytest.raises(TasksPending):
        complete_batch(batch, NOW)
    cancelled, withdrawal = cancel_batch(batch, NOW)
    assert [q for _, q in withdrawal.released] == [3]
    assert withdrawal.per_line == {(1, 11): 3}
    for finished in (cancelled, replace(cancelled, status="COMPLETED")):
        with pytest.raises(BatchFinished):
            complete_batch(finished, NOW)
        with pytest.raises(BatchFinished):
            cancel_batch(finished, NOW)


def test_withdrawing_an_order_keeps_the_other_contributors_shares() -> None:
    batch = batch_of("WAVE", order(1, (1, 6)), order(2, (1, 3)))
    shared = batch.tasks[1]  # bin 3: SO-1's 1 and SO-2's 3
    withdrawal = withdraw_order(batch, 1)
    assert sorted((t.bin_id, q) for t, q in withdrawal.released) == [(1, 5), (3, 1)]
    changed = {t["pick_task_id"]: t for t in withdrawal.events[0].data["tasks"]}
    assert changed[shared.pick_task_id]["quantity_to_pick"] == 3
    assert [s["so_id"] for s in changed[shared.pick_task_id]["shares"]] == [2]
    assert changed[batch.tasks[0].pick_task_id]["status"] == "SKIPPED"
