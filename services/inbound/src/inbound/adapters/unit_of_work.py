"""The inbound unit of work: staging, id mappings and events commit together."""

from __future__ import annotations

from canonical.db import Connection
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
