"""Loading sales orders for a command: locked in id order, before any batch or stock lock.

Global lock order for fulfilment: sales orders (by id), then the pick batch,
then items, bins and stock streams (service_layer/stock/positions.py), so a
confirm, a batch cancel and an order cancel can never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from canonical.errors import NotFound
from inventory.domain.orders.sales_order import SalesOrder, sales_order_stream
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork

SO_NOT_FOUND = "Sales order not found"


@dataclass
class Locked:
    """An order under its stream lock, with the version the next append expects."""

    version: int
    order: SalesOrder


def order_lock_order(so_ids: Iterable[int]) -> list[str]:
    """The orders' stream names in the global order: first of all, by id."""
    return [sales_order_stream(so_id) for so_id in sorted(set(so_ids))]


async def lock_orders(uow: FulfilmentUnitOfWork, so_ids: Iterable[int]) -> dict[int, Locked]:
    so_ids = set(so_ids)
    return await locked_orders(uow, so_ids, await uow.lock_streams(order_lock_order(so_ids)))


async def locked_orders(
    uow: FulfilmentUnitOfWork, so_ids: Iterable[int], versions: Mapping[str, int]
) -> dict[int, Locked]:
    """The orders, loaded under the stream locks the caller took (`versions` holds theirs)."""
    locked: dict[int, Locked] = {}
    for so_id in sorted(set(so_ids)):
        order = await uow.orders.sales_order(so_id)
        if order is None:
            raise NotFound(f"{SO_NOT_FOUND}.", legacy_error=SO_NOT_FOUND)
        locked[so_id] = Locked(versions[sales_order_stream(so_id)], order)
    return locked


async def lock_order(uow: FulfilmentUnitOfWork, so_id: int) -> Locked:
    return (await lock_orders(uow, [so_id]))[so_id]
