"""Locking what a stock command touches, in one global order so concurrent commands cannot deadlock.

Order: the aggregate that decides (a purchase order, a receipt, an order's
number), then the warehouse (shared), the items (shared, by id), their bins
(shared, by id), and last the stock streams (exclusive, by name). Catalog deletes take the item or bin lock exclusively,
so no stock can land in a bin or of an item while it is being deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from canonical.errors import NotFound
from inventory.domain.catalog.bin import Bin, bin_stream
from inventory.domain.catalog.item import Item, item_stream
from inventory.domain.catalog.warehouse import warehouse_stream
from inventory.domain.stock.ledger import stock_stream
from inventory.service_layer.unit_of_work import UnitOfWork


def stock_lock_order(
    items: Iterable[int] = (),
    bins: Iterable[int] = (),
    places: Iterable[tuple[int, int]] = (),
    warehouse_id: int | None = None,
) -> tuple[list[str], set[str]]:
    """The stream names in the global order (the warehouse, items by id, bins by id, stock streams by name) and
    which are shared; a caller that decides on an aggregate first puts its own stream in front and takes them
    all at once."""
    shared = [] if warehouse_id is None else [warehouse_stream(warehouse_id)]
    shared += [item_stream(i) for i in sorted(set(items))]
    shared += [bin_stream(b) for b in sorted(set(bins))]
    stock_names = sorted({stock_stream(*place) for place in places})
    return [*shared, *stock_names], set(shared)


async def load_bins(uow: UnitOfWork, bin_ids: Iterable[int]) -> dict[int, Bin | None]:
    """Each bin by id, None for one that does not exist (callers answer 404 for it)."""
    wanted = sorted(set(bin_ids))
    found = await uow.catalog.bins_by_id(*wanted)
    return {bin_id: found.get(bin_id) for bin_id in wanted}


async def lock_items(uow: UnitOfWork, *item_ids: int, warehouse_id: int | None = None) -> dict[int, Item]:
    """The items that exist, locked against deletion (with the warehouse they are used in, when named)."""
    names, shared = stock_lock_order(items=item_ids, warehouse_id=warehouse_id)
    await uow.lock_streams(names, shared=shared)
    return await uow.catalog.items_by_id(*item_ids)


def existing_item(items: Mapping[int, Item], item_id: int) -> Item:
    """The item among those loaded, or the 404 v1.7 answers for a missing one."""
    item = items.get(item_id)
    if item is None:
        raise NotFound("Item not found.", legacy_error="Item not found")
    return item


async def lock_item(uow: UnitOfWork, item_id: int) -> Item:
    return existing_item(await lock_items(uow, item_id), item_id)


async def lock_bins(uow: UnitOfWork, *bin_ids: int) -> dict[int, Bin | None]:
    names, shared = stock_lock_order(bins=bin_ids)
    await uow.lock_streams(names, shared=shared)
    return await load_bins(uow, bin_ids)


async def lock_stock_streams(uow: UnitOfWork, places: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Lock the stock streams of (bin, item) pairs; returns each one's version."""
    places = set(places)
    names, _ = stock_lock_order(places=places)
    versions = await uow.lock_streams(names)
    return {place: versions[stock_stream(*place)] for place in places}


async def lock_stock(uow: UnitOfWork, item_id: int, *bin_ids: int) -> dict[int, int]:
    """Lock one item's stock streams in the given bins; returns each bin's stream version."""
    versions = await lock_stock_streams(uow, ((bin_id, item_id) for bin_id in bin_ids))
    return {bin_id: version for (bin_id, _), version in versions.items()}
