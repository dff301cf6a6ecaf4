"""Locking what a stock command touches, in one global order so concurrent commands cannot deadlock.

Order: the aggregate that decides (a purchase order, a receipt), then the items
(shared, by id), their bins (shared, by id), and last the stock streams
(exclusive, by name). Catalog deletes take the item or bin lock exclusively,
so no stock can land in a bin or of an item while it is being deleted.
"""

from __future__ import annotations

from collections.abc import Iterable

from canonical.errors import NotFound
from inventory.domain.catalog.bin import Bin, bin_stream
from inventory.domain.catalog.item import Item, item_stream
from inventory.domain.stock.ledger import stock_stream
from inventory.service_layer.unit_of_work import UnitOfWork


async def lock_items(uow: UnitOfWork, *item_ids: int) -> dict[int, Item]:
    """The items that exist, locked against deletion."""
    found: dict[int, Item] = {}
    for item_id in sorted(set(item_ids)):
        await uow.lock(item_stream(item_id), shared=True)
        item = await uow.catalog.item(item_id)
        if item is not None:
            found[item_id] = item
    return found


async def lock_item(uow: UnitOfWork, item_id: int) -> Item:
    item = (await lock_items(uow, item_id)).get(item_id)
    if item is None:
        raise NotFound("Item not found.", legacy_error="Item not found")
    return item


async def lock_bins(uow: UnitOfWork, *bin_ids: int) -> dict[int, Bin | None]:
    found: dict[int, Bin | None] = {}
    for bin_id in sorted(set(bin_ids)):
        await uow.lock(bin_stream(bin_id), shared=True)
        found[bin_id] = await uow.catalog.bin(bin_id)
    return found


async def lock_stock_streams(uow: UnitOfWork, places: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Lock the stock streams of (bin, item) pairs; returns each one's version."""
    versions: dict[tuple[int, int], int] = {}
    for bin_id, item_id in sorted(set(places), key=lambda place: stock_stream(*place)):
        versions[(bin_id, item_id)] = await uow.lock_stream(stock_stream(bin_id, item_id))
    return versions


async def lock_stock(uow: UnitOfWork, item_id: int, *bin_ids: int) -> dict[int, int]:
    """Lock one item's stock streams in the given bins; returns each bin's stream version."""
    versions = await lock_stock_streams(uow, ((bin_id, item_id) for bin_id in bin_ids))
    return {bin_id: version for (bin_id, _), version in versions.items()}
