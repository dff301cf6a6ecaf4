"""Bulk import: every row through the same command handler the API uses, all in one transaction.

Each row runs behind a savepoint, so a refused row (duplicate SKU, unknown zone, ...) is skipped
and reported while the others stand; the whole import commits or nothing does, and a dry run
does everything and then rolls back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from canonical.errors import DomainError
from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from inventory.domain.events import DomainEvent
from inventory.domain.imports import Row, RowError, RowRejected, check_entity_type, check_records, rows_of
from inventory.domain.orders.sales_order import NewSoLine
from inventory.domain.receiving.purchase_order import NewLine
from inventory.domain.stock.adjustment import DirectAdjustment
from inventory.service_layer.catalog.bins import handle_create_bin
from inventory.service_layer.catalog.items import handle_create_item
from inventory.service_layer.orders.sales_orders import handle_create_sales_order
from inventory.service_layer.receiving.purchase_orders import handle_create_purchase_order
from inventory.service_layer.stock.adjustments import handle_direct_adjustment
from inventory.service_layer.unit_of_work import (
    CatalogRepository,
    ImportUnitOfWork,
    PickingRepository,
    ReceivingRepository,
    SalesOrderRepository,
    StockRepository,
)

OPENING_STOCK_REASON = "Opening stock (import)"

# Checks a row's fields as the API's own body would be checked; raises RowRejected.
Validate = Callable[[Mapping[str, Any]], dict[str, Any]]
# Told (rows done, rows in all) every PROGRESS_EVERY rows while an import runs.
Progress = Callable[[int, int], Awaitable[None]]
PROGRESS_EVERY = 100


class _Joined:
    """The import's open unit of work, lent to a handler that opens its own: entering joins it."""

    def __init__(self, outer: ImportUnitOfWork) -> None:
        self._outer = outer

    @property
    def catalog(self) -> CatalogRepository:
        return self._outer.catalog

    @property
    def stock(self) -> StockRepository:
        return self._outer.stock

    @property
    def receiving(self) -> ReceivingRepository:
        return self._outer.receiving

    @property
    def orders(self) -> SalesOrderRepository:
        return self._outer.orders

    @property
    def picking(self) -> PickingRepository:
        return self._outer.picking

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None  # the outer transaction (or the row's savepoint) decides

    async def lock(self, name: str, *, shared: bool = False) -> None:
        await self._outer.lock(name, shared=shared)

    async def lock_stream(self, stream_id: str) -> int:
        return await self._outer.lock_stream(stream_id)

    async def lock_streams(self, stream_ids: Sequence[str], *, shared: Collection[str] = ()) -> dict[str, int]:
        return await self._outer.lock_streams(stream_ids, shared=shared)

    async def record(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent], context: CommandContext
    ) -> Sequence[object]:
        return await self._outer.record(stream_id, expected_version, events, context)

    async def record_all(self, appends: Sequence[Recorded], context: CommandContext) -> Sequence[object]:
        return await self._outer.record_all(appends, context)


@dataclass
class _Outcome:
    total: int
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)


class _DryRun(Exception):
    """Raised to roll the import back once it has run."""


async def _row(uow: ImportUnitOfWork, outcome: _Outcome, rows: Sequence[Row], apply: Awaitable[None]) -> None:
    """Apply one row (or one group of rows) behind a savepoint; a refusal is reported on each row."""
    try:
        async with uow.imports.savepoint():
            await apply
    except (DomainError, RowRejected) as refused:
        text = refused.legacy_error if isinstance(refused, DomainError) else str(refused)
        outcome.errors += [RowError(row.row, text) for row in rows]
    else:
        outcome.imported += len(rows)


async def _item(row: Row, validate: Validate, uow: ImportUnitOfWork, context: CommandContext) -> None:
    values = dict(row.values)
    quantity = values.pop("quantity", 0)
    home = None
    if "default_bin" in values:
        code = values.pop("default_bin")
        home = await uow.imports.bin_by_code(code)
        if home is None:
            raise RowRejected(f"default_bin {code!r} not found")
    if quantity < 0:
        raise RowRejected("quantity must not be negative")
    fields = validate({**values, "default_bin_id": home[0] if home else None})
    joined = _Joined(uow)
    created = await handle_create_item(fields, joined, context)
    if quantity > 0 and home is not None:
        bin_id, warehouse_id = home
        opening = DirectAdjustment(warehouse_id, bin_id, created["item_id"], "ADD", quantity, OPENING_STOCK_REASON)
        await handle_direct_adjustment(opening, joined, context)


async def _bin(row: Row, validate: Validate, uow: ImportUnitOfWork, context: CommandContext) -> None:
    values = dict(row.values)
    reference = values.pop("zone", None)
    if "zone_id" in values:
        zone_warehouse = await uow.imports.zone_warehouse(values["zone_id"])
        found = None if zone_warehouse is None else (values["zone_id"], zone_warehouse)
    elif reference is not None:
        found = await uow.imports.zone_by_reference(reference)
    else:
        raise RowRejected("zone or zone_id required")
    if found is None:
        raise RowRejected(f"zone {reference or values['zone_id']!r} not found")
    zone_id, warehouse_id = found
    if values.setdefault("warehouse_id", warehouse_id) != warehouse_id:
        raise RowRejected("the zone is in another warehouse")
    values.setdefault("bin_barcode", values["bin_code"])
    await handle_create_bin(validate({**values, "zone_id": zone_id}), _Joined(uow), context)


Line = TypeVar("Line")
# (header fields, (item_id, quantity) lines, row validator, unit of work, context): creates one order.
CreateOrder = Callable[
    [dict[str, Any], list[tuple[int, int]], Validate, ImportUnitOfWork, CommandContext], Awaitable[None]
]


@dataclass(frozen=True)
class _OrderKind:
    """What differs between importing purchase orders and sales orders: the number and the header columns."""

    number: str
    header_columns: tuple[str, ...]
    create: Callable[
        [dict[str, Any], list[tuple[int, int]], Validate, ImportUnitOfWork, CommandContext], Awaitable[None]
    ]


def _creates_order(
    new_line: Callable[[int, int], Line],
    handle: Callable[[dict[str, Any], list[Line], _Joined, CommandContext], Awaitable[object]],
) -> CreateOrder:
    """An order kind's create: the header and lines checked as the API body, then the API's own handler."""

    async def create(
        header: dict[str, Any],
        lines: list[tuple[int, int]],
        validate: Validate,
        uow: ImportUnitOfWork,
        context: CommandContext,
    ) -> None:
        body = [{"item_id": item_id, "quantity_ordered": quantity} for item_id, quantity in lines]
        fields = validate({**header, "lines": body})
        await handle(fields, [new_line(item_id, quantity) for item_id, quantity in lines], _Joined(uow), context)

    return create


ORDER_KINDS = {
    "purchase-orders": _OrderKind(
        "po_number", ("vendor_name", "expected_date"), _creates_order(NewLine, handle_create_purchase_order)
    ),
    "sales-orders": _OrderKind(
        "so_number",
        ("customer_name", "customer_phone", "customer_address"),
        _creates_order(NewSoLine, handle_create_sales_order),
    ),
}


async def _orders(
    kind: _OrderKind,
    rows: Sequence[Row],
    default_warehouse: int | None,
    validate: Validate,
    uow: ImportUnitOfWork,
    outcome: _Outcome,
    context: CommandContext,
) -> None:
    """One row is one line; the rows of one number make one new OPEN order (lines in row order).

    Unlike v1.7, rows never append lines to an order that existed before the import (that
    could reopen the count of a RECEIVED or CLOSED purchase order, or change an order being
    picked): they are refused as duplicates.
    """
    groups: dict[str, list[tuple[Row, tuple[int, int]]]] = {}
    headers: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = row.values
        number = values[kind.number]
        try:
            warehouse_id = values.get("warehouse_id", default_warehouse)
            if warehouse_id is None:
                raise RowRejected("warehouse_id required (in the row or the request)")
            if values["quantity"] <= 0:
                raise RowRejected("quantity must be greater than 0")
            item_id = await uow.imports.item_id_by_sku(values["sku"])
            if item_id is None:
                raise RowRejected(f"SKU {values['sku']!r} not found")
            header = headers.setdefault(
                number,
                {
                    kind.number: number,
                    "warehouse_id": warehouse_id,
                    **{column: values.get(column) for column in kind.header_columns},
                },
            )
            if header["warehouse_id"] != warehouse_id:
                raise RowRejected(f"{number} is in warehouse {header['warehouse_id']} on an earlier row")
        except RowRejected as rejected:
            outcome.errors.append(RowError(row.row, str(rejected)))
            continue
        groups.setdefault(number, []).append((row, (item_id, values["quantity"])))
    for number, members in groups.items():
        lines = [line for _, line in members]
        await _row(
            uow, outcome, [row for row, _ in members], kind.create(headers[number], lines, validate, uow, context)
        )


@dataclass(frozen=True)
class Prepared:
    entity_type: str
    rows: list[Row]
    rejected: list[RowError]

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.rejected)


def prepare_import(entity_type: str, records: Any) -> Prepared:
    """The checks that refuse a whole import (4xx before anything runs), then each row's own verdict."""
    rows, rejected = rows_of(check_entity_type(entity_type), check_records(records))
    return Prepared(entity_type, rows, rejected)


async def handle_import(
    prepared: Prepared,
    validate: Validate,
    default_warehouse: int | None,
    uow: ImportUnitOfWork,
    context: CommandContext,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    entity_type, rows = prepared.entity_type, prepared.rows
    outcome = _Outcome(total=prepared.total, errors=list(prepared.rejected))
    try:
        async with uow:
            if entity_type in ORDER_KINDS:
                await _orders(ORDER_KINDS[entity_type], rows, default_warehouse, validate, uow, outcome, context)
            else:
                one = _item if entity_type == "items" else _bin
                for done, row in enumerate(rows, start=1):
                    await _row(uow, outcome, [row], one(row, validate, uow, context))
                    if progress is not None and done % PROGRESS_EVERY == 0:
                        await progress(len(prepared.rejected) + done, prepared.total)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    errors = sorted(outcome.errors, key=lambda e: e.row)
    verb = "would be imported" if dry_run else "imported"
    return {
        "message": f"{outcome.imported} of {outcome.total} {entity_type} rows {verb}",
        "total": outcome.total,
        "imported": outcome.imported,
        "skipped": len(errors),
        "errors": [{"row": e.row, "error": e.error} for e in errors],
        "dry_run": dry_run,
    }
