"""Applying one `inbound.record_accepted`: create or update the local record, then say how it went.

The record is applied inside its own (nested) transaction: if inventory
refuses it (unknown item, an order no longer OPEN, a duplicate number), that
transaction rolls back whole and the refusal is recorded instead, with an
`inbound.record_apply_failed` event, so nothing is half-applied, nothing is
dropped silently and the consumer never retries a record that cannot apply.
A batch's outcomes and their events are written together once its records
are applied, and commit with the consumer's processed-event marks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from canonical.errors import DomainError
from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from canonical.models import CanonicalSalesOrder
from inventory.domain.events import DomainEvent
from inventory.domain.inbound.parties import PartyKind, create_party, party_stream, update_party
from inventory.domain.inbound.records import (
    AcceptedRecord,
    InvalidCanonicalRecord,
    LineRef,
    NotAppliedHere,
    Outcome,
    RecordGone,
    item_changes,
    item_fields,
    new_item_fields,
    new_po_fields,
    order_lines,
    po_changes,
    resolved_lines,
)
from inventory.service_layer.catalog.items import handle_create_item, handle_update_item
from inventory.service_layer.inbound.unit_of_work import InboundUnitOfWork
from inventory.service_layer.orders.sales_orders import import_sales_order
from inventory.service_layer.receiving.purchase_orders import (
    handle_create_purchase_order,
    handle_update_purchase_order,
)

Applier = Callable[[AcceptedRecord, InboundUnitOfWork, CommandContext], Awaitable[Outcome]]


def outcome_key(accepted: AcceptedRecord) -> str:
    """The inbound service's stream name for the record: its outcomes take it as their Kafka key, so the
    outcomes of one canonical record reach inbound in the order they were decided."""
    return f"canonical-{accepted.canonical_type}-{accepted.canonical_id}"


def application_stream(accepted: AcceptedRecord) -> str:
    """Applying one accepted record is an aggregate of its own (one outcome event): nothing to lock, version 0."""
    return f"inbound-application-{accepted.event_id}"


async def apply_accepted(accepted: AcceptedRecord, uow: InboundUnitOfWork, context: CommandContext) -> Outcome:
    """Apply the record, or settle that it is refused; the caller answers it (`answer_all`)."""
    applier = APPLIERS.get(accepted.canonical_type)
    try:
        if applier is None:
            raise NotAppliedHere(f"Inventory does not apply {accepted.canonical_type} records yet.")
        async with uow:
            return await applier(accepted, uow, context)
    except DomainError as refusal:
        return Outcome.refused(refusal)


@dataclass(frozen=True)
class Answer:
    accepted: AcceptedRecord
    outcome: Outcome
    context: CommandContext


async def answer_all(answers: Sequence[Answer], uow: InboundUnitOfWork) -> None:
    """Each record's outcome row and event, for a whole batch in two round trips (they commit with the
    batch: nothing the batch applies reads them, so they need not be written record by record)."""
    if not answers:
        return
    appends = []
    for answer in answers:
        event_type, data = answer.outcome.event_data(answer.accepted)
        stream = application_stream(answer.accepted)
        appends.append(
            Recorded(stream, 0, [DomainEvent(event_type, data)], outcome_key(answer.accepted), answer.context)
        )
    async with uow:
        await uow.inbound.record_outcomes([(a.accepted, a.outcome) for a in answers])
        await uow.record_all(appends, answers[0].context)


async def _item_id(accepted: AcceptedRecord, sku: str | None, uow: InboundUnitOfWork) -> int | None:
    """The item this canonical id became; on first receipt, an item the WMS already has with that SKU
    is adopted rather than refused as a duplicate (items usually exist before an ERP is connected)."""
    known = await uow.inbound.local_ids("item", [accepted.canonical_id])
    if accepted.canonical_id in known:
        return known[accepted.canonical_id]
    adopted = (await uow.inbound.items_by_sku([sku])).get(sku) if sku else None
    if adopted is not None:
        await uow.inbound.link("item", accepted.canonical_id, adopted)
    return adopted


async def apply_item(accepted: AcceptedRecord, uow: InboundUnitOfWork, context: CommandContext) -> Outcome:
    fields = item_fields(accepted.record)
    item_id = await _item_id(accepted, fields.get("sku"), uow)
    if item_id is None:
        created = await handle_create_item(new_item_fields(fields), uow, context)
        await uow.inbound.link("item", accepted.canonical_id, created["item_id"])
        return Outcome(created["item_id"], "created")
    item = await uow.catalog.item(item_id)
    if item is None:
        raise RecordGone(f"Item {item_id}, which this record updates, was deleted.")
    changes = item_changes(item, fields)
    if not changes:
        return Outcome(item_id, "unchanged")
    await handle_update_item(item_id, changes, uow, context)
    return Outcome(item_id, "updated")


async def line_item_ids(refs: Sequence[LineRef], uow: InboundUnitOfWork) -> list[int | None]:
    """Each line's inventory item: by the canonical id when the line has one, else by SKU."""
    by_canonical = await uow.inbound.local_ids(
        "item", [r.item_canonical_id for r in refs if r.item_canonical_id is not None]
    )
    by_sku = await uow.inbound.items_by_sku([r.sku for r in refs if r.item_canonical_id is None and r.sku])
    return [
        by_canonical.get(r.item_canonical_id) if r.item_canonical_id is not None else by_sku.get(r.sku or "")
        for r in refs
    ]


async def apply_purchase_order(accepted: AcceptedRecord, uow: InboundUnitOfWork, context: CommandContext) -> Outcome:
    refs = order_lines(accepted.record)
    lines = None if refs is None else resolved_lines(refs, await line_item_ids(refs, uow))
    known = await uow.inbound.local_ids("purchase_order", [accepted.canonical_id])
    po_id = known.get(accepted.canonical_id)
    if po_id is None:
        created = await handle_create_purchase_order(new_po_fields(accepted.record, lines), lines or [], uow, context)
        await uow.inbound.link("purchase_order", accepted.canonical_id, created["po_id"])
        return Outcome(created["po_id"], "created")
    po = await uow.receiving.purchase_order(po_id)
    if po is None:
        raise RecordGone(f"Purchase order {po_id}, which this record updates, no longer exists.")
    changes = po_changes(po, accepted.record, lines)
    if not changes:
        return Outcome(po_id, "unchanged")
    await handle_update_purchase_order(po_id, changes, uow, context)
    return Outcome(po_id, "updated")


async def apply_sales_order(accepted: AcceptedRecord, uow: InboundUnitOfWork, context: CommandContext) -> Outcome:
    """Through the fulfilment context's import, which creates or updates (while OPEN) by SO number."""
    try:
        order = CanonicalSalesOrder.model_validate(accepted.record)
    except ValidationError as error:
        raise InvalidCanonicalRecord(f"The sales order is not a valid canonical record: {error}") from None
    refs = order_lines(accepted.record) or []
    lines = resolved_lines(refs, await line_item_ids(refs, uow))
    imported = await import_sales_order(uow, order, [line.item_id for line in lines], context)
    await uow.inbound.link("sales_order", accepted.canonical_id, imported.so_id)
    return Outcome(imported.so_id, "created" if imported.created else "updated")


def _party_applier(kind: PartyKind) -> Applier:
    async def apply_party(accepted: AcceptedRecord, uow: InboundUnitOfWork, context: CommandContext) -> Outcome:
        stream = party_stream(kind, accepted.canonical_id)
        version = await uow.lock_stream(stream)
        party = await uow.inbound.party(kind, accepted.canonical_id)
        now = datetime.now(UTC).isoformat()
        if party is None:
            event = create_party(kind, accepted.canonical_id, accepted.record, accepted.inbound_id, now)
            action = "created"
        else:
            changed = update_party(kind, party, accepted.record, accepted.inbound_id, now)
            if changed is None:
                return Outcome(None, "unchanged")
            event, action = changed, "updated"
        await uow.record(stream, version, [event], context)
        return Outcome(None, action)

    return apply_party


APPLIERS: dict[str, Applier] = {
    "item": apply_item,
    "purchase_order": apply_purchase_order,
    "sales_order": apply_sales_order,
    "customer": _party_applier(PartyKind.CUSTOMER),
    "vendor": _party_applier(PartyKind.VENDOR),
}
