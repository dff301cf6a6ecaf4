"""The inbound unit of work: staging, id mappings and events commit together."""

from __future__ import annotations

from canonical.db import Connection
from canonical.eventstore.store import stream_version
from canonical.eventstore.unit_of_work import EventSourcedUnitOfWork
from inbound.adapters.records import CrossSystemMappings, InboundRecords, SourceSystems

SOURCE = "/sentry-wms/inbound"


class InboundUnitOfWork(EventSourcedUnitOfWork):
    records: InboundRecords
    mappings: CrossSystemMappings
    source_systems: SourceSystems

    def attach(self, connection: Connection) -> None:
        self.records = InboundRecords(connection)
        self.mappings = CrossSystemMappings(connection)
        self.source_systems = SourceSystems(connection)

    async def stream_version(self, stream_id: str) -> int:
        """The stream's version without locking it, for a writer already holding a lock that covers it
        (the event store's unique stream version still refuses a writer that does not)."""
        return await stream_version(self.connection, stream_id)
