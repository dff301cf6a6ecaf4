import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from canonical.events.factory import CommandContext
from inbound.adapters.unit_of_work import InboundUnitOfWork
from inbound.domain.mapping.document import Resource
from inbound.domain.mapping.errors import CrossSystemLookupMiss
from inbound.domain.records import FeatureNotAvailable, MappingDocumentNotLoaded, StaleVersion
from inbound.service_layer.records import Received, ReceiveRecord, handle_receive

from .conftest import SHOP

pytestmark = pytest.mark.integration

CONTEXT = CommandContext(request_id="00000000-0000-4000-8000-0000000000aa", actor="system:wms_token:1")
DOCUMENTS = {"shop": SHOP}


def customer(version: str, name: str = "ACME", external_id: str = "C-1") -> ReceiveRecord:
    return ReceiveRecord(Resource.CUSTOMERS, "shop", "system:wms_token:1", external_id, version, {"name": name})


async def receive(uow: InboundUnitOfWork, command: ReceiveRecord) -> Received:
    return await handle_receive(command, uow, DOCUMENTS, CONTEXT)


async def accepted_events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT data FROM event_store WHERE event_type = 'inbound.record_accepted' ORDER BY 1")
    return [r["data"] for r in rows]


async def test_a_first_receipt_is_staged_mapped_and_announced(
    unit_of_work: InboundUnitOfWork, inbound_pool: asyncpg.Pool
) -> None:
    received = await receive(unit_of_work, customer("1"))
    assert not received.replayed
    staged = await inbound_pool.fetchrow("SELECT * FROM inbound_records")
    assert staged is not None
    assert (staged["status"], staged["canonical_id"]) == ("applied", received.canonical_id)
    assert staged["source_payload"] == {"name": "ACME"}
    [event] = await accepted_events(inbound_pool)
    assert event["record"] == {"name": "ACME", "email": None}  # every declared field, absent ones null
    assert event["first_receipt"] is True
    assert event["canonical_id"] == str(received.canonical_id)
    assert await inbound_pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_the_same_version_again_is_answered_from_storage_and_changes_nothing(
    unit_of_work: InboundUnitOfWork, inbound_pool: asyncpg.Pool
) -> None:
    first = await receive(unit_of_work, customer("1"))
    again = await receive(unit_of_work, customer("1", name="Different payload"))
    assert again.replayed
    assert (again.inbound_id, again.canonical_id) == (first.inbound_id, first.canonical_id)
    assert await inbound_pool.fetchval("SELECT count(*) FROM inbound_records") == 1
    assert len(await accepted_events(inbound_pool)) == 1


async def test_a_newer_version_supersedes_and_an_older_one_is_stale(
    unit_of_work: InboundUnitOfWork, inbound_pool: asyncpg.Pool
) -> None:
    first = await receive(unit_of_work, customer("1"))
    newer = await receive(unit_of_work, customer("10", name="ACME Ltd"))
    assert newer.canonical_id == first.canonical_id
    rows = await inbound_pool.fetch("SELECT external_version, status FROM inbound_records")
    statuses = {r["external_version"]: r["status"] for r in rows}
    assert statuses == {"1": "superseded", "10": "applied"}
    with pytest.raises(StaleVersion) as stale:
        await receive(unit_of_work, customer("9"))
    assert stale.value.body()["current_version"] == "10"
    assert stale.value.body()["error_kind"] == "stale_version"
    events = await accepted_events(inbound_pool)
    assert [e["first_receipt"] for e in events] == [True, False]


async def test_a_reference_not_yet_received_is_refused_without_writing(
    unit_of_work: InboundUnitOfWork, inbound_pool: asyncpg.Pool
) -> None:
    order = ReceiveRecord(Resource.SALES_ORDERS, "shop", "t", "SO-1", "1", {"number": "SO-1", "customer": "C-1"})
    with pytest.raises(CrossSystemLookupMiss):
        await receive(unit_of_work, order)
    assert await inbound_pool.fetchval("SELECT count(*) FROM inbound_records") == 0
    assert await inbound_pool.fetchval("SELECT count(*) FROM event_store") == 0

    customer_received = await receive(unit_of_work, customer("1"))
    await receive(unit_of_work, order)
    [_, order_event] = await accepted_events(inbound_pool)
    assert order_event["record"]["customer_id"] == str(customer_received.canonical_id)


async def test_overrides_and_unknown_sources_are_refused(unit_of_work: InboundUnitOfWork) -> None:
    with pytest.raises(FeatureNotAvailable):
        await receive(unit_of_work, ReceiveRecord(Resource.CUSTOMERS, "shop", "t", "C", "1", {"name": "x"}, {}))
    with pytest.raises(MappingDocumentNotLoaded):
        await receive(unit_of_work, ReceiveRecord(Resource.CUSTOMERS, "erp", "t", "C", "1", {"name": "x"}))


async def test_concurrent_versions_of_one_record_leave_exactly_the_newest_applied(
    inbound_pool: asyncpg.Pool, make_unit_of_work: Callable[[], InboundUnitOfWork]
) -> None:
    async def attempt(version: str) -> str:
        try:
            await handle_receive(customer(version), make_unit_of_work(), DOCUMENTS, CONTEXT)
            return "accepted"
        except StaleVersion:
            return "stale"

    outcomes = await asyncio.gather(*(attempt(str(v)) for v in range(1, 9)))
    assert "accepted" in outcomes
    applied = await inbound_pool.fetch("SELECT external_version FROM inbound_records WHERE status = 'applied'")
    assert [r["external_version"] for r in applied] == ["8"]
    assert await inbound_pool.fetchval("SELECT count(DISTINCT canonical_id) FROM inbound_records") == 1
