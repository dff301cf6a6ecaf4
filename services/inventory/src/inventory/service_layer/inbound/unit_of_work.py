"""What applying a canonical record needs beyond the inventory unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from inventory.domain.inbound.parties import Party, PartyKind
from inventory.domain.inbound.records import AcceptedRecord, Outcome
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork


class InboundRepository(Protocol):
    async def local_ids(self, canonical_type: str, canonical_ids: Sequence[UUID]) -> dict[UUID, int]: ...

    async def link(self, canonical_type: str, canonical_id: UUID, local_id: int) -> None: ...

    async def items_by_sku(self, skus: Sequence[str]) -> dict[str, int]: ...

    async def party(self, kind: PartyKind, canonical_id: UUID) -> Party | None: ...

    async def record_outcomes(self, outcomes: Sequence[tuple[AcceptedRecord, Outcome]]) -> None: ...


class InboundUnitOfWork(FulfilmentUnitOfWork, Protocol):
    @property
    def inbound(self) -> InboundRepository: ...
