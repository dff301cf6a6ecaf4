"""Booking fulfilment's stock effects: allocate, release, pick out, return, hold; one command, many streams.

Locks follow the global order (items, bins, then stock streams) after the
caller's order and batch locks; every decision reads the position under its
stream lock, so the ledger's rules (no over-allocation, nothing negative)
hold however many pickers and batches compete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent
from inventory.domain.stock.ledger import (
    Lot,
    Movement,
    Place,
    Position,
    add_stock,
    allocate_stock,
    release_stock,
    remove_stock,
    stock_stream,
)
from inventory.service_layer.stock.positions import load_bins, stock_lock_order
from inventory.service_layer.unit_of_work import UnitOfWork

Spot = tuple[int, int, str | None]  # (bin_id, item_id, lot_number)


class StockBooking:
    def __init__(self, uow: UnitOfWork, warehouse_id: int, context: CommandContext, now: datetime) -> None:
        self._uow = uow
        self._warehouse_id = warehouse_id
        self._context = context
        self._now = now
        self._versions: dict[tuple[int, int], int] = {}
        self.items: dict[int, Item] = {}
        self.bins: dict[int, Bin | None] = {}

    @staticmethod
    def lock_order(spots: Iterable[Spot]) -> tuple[list[str], set[str]]:
        """What booking these spots locks, in the global order, and which of it shared (`stock_lock_order`)."""
        spots = list(spots)
        return stock_lock_order(
            items=(item_id for _, item_id, _ in spots),
            bins=(bin_id for bin_id, _, _ in spots),
            places=((bin_id, item_id) for bin_id, item_id, _ in spots),
        )

    async def lock(self, spots: Iterable[Spot]) -> None:
        spots = list(spots)
        names, shared = self.lock_order(spots)
        await self.locked(spots, await self._uow.lock_streams(names, shared=shared))

    async def locked(self, spots: Iterable[Spot], versions: Mapping[str, int]) -> None:
        """Book these spots under locks the caller took (with `lock_order`'s names among its own): their versions."""
        spots = list(spots)
        self.items.update(await self._uow.catalog.items_by_id(*(item_id for _, item_id, _ in spots)))
        self.bins.update(await load_bins(self._uow, (bin_id for bin_id, _, _ in spots)))
        self._versions.update({(b, i): versions[stock_stream(b, i)] for b, i, _ in spots})

    def _append(self, spot: Spot, *events: DomainEvent) -> Recorded:
        key = (spot[0], spot[1])
        append = Recorded(stock_stream(*key), self._versions[key], events)
        self._versions[key] += len(events)
        return append

    async def _record(self, spot: Spot, *events: DomainEvent) -> None:
        await self._uow.record_all([self._append(spot, *events)], self._context)

    async def _position(self, spot: Spot) -> Position | None:
        return await self._uow.stock.position(*spot)

    async def allocate(self, spot: Spot, quantity: int, movement: Movement) -> None:
        await self._record(spot, allocate_stock(await self._position(spot), quantity, movement, self._now))

    async def release(self, spot: Spot, quantity: int, movement: Movement) -> None:
        if quantity:
            await self._record(spot, release_stock(await self._position(spot), quantity, movement, self._now))

    async def pick(self, spot: Spot, allocated: int, picked: int, held: int, movement: Movement) -> Recorded:
        """Units leave at pick (v1.7 G.3): the task's allocation is released and what was picked removed;
        units found missing are allocated again to a hold, so nobody is promised them before a count.

        One read; each decision sees the position the previous one leaves. The stock stream's append is the
        caller's to record, with its own (one round trip for the confirm's three streams).
        """
        position = await self._position(spot)
        events = [release_stock(position, allocated, movement, self._now)]
        position = position and replace(position, allocated=position.allocated - allocated)
        if picked:
            events.append(remove_stock(position, picked, Lot(spot[2]), movement, self._now))
            position = position and replace(position, on_hand=position.on_hand - picked)
        if held:
            hold = Movement("short_pick_hold", movement.reference_type, movement.reference_id)
            events.append(allocate_stock(position, held, hold, self._now))
        return self._append(spot, *events)

    async def put_back(self, spot: Spot, quantity: int, movement: Movement) -> None:
        """Picked units of a cancelled order return to the bin they came from."""
        if quantity:
            place = Place(self._warehouse_id, spot[0], spot[1])
            await self._record(spot, add_stock(place, quantity, Lot(spot[2]), movement, self._now))
