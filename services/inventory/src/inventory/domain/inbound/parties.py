"""Customers and vendors: master data that only external systems send, keyed by their canonical id.

Each is its own stream (`customer-<uuid>` / `vendor-<uuid>`); every event
carries the full state after the change, like the catalog's events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from inventory.domain.events import DomainEvent
from inventory.domain.inbound.records import RejectedOnApply


class PartyKind(StrEnum):
    CUSTOMER = "customer"
    VENDOR = "vendor"


class PartyNameRequired(RejectedOnApply):
    code = "party_name_required"


@dataclass(frozen=True)
class Party:
    canonical_id: str
    name: str
    latest_inbound_id: int
    created_at: str
    updated_at: str
    email: str | None = None
    phone: str | None = None
    billing_address: str | None = None
    shipping_address: str | None = None
    tax_id: str | None = None
    payment_terms: str | None = None
    is_active: bool = True


_NEVER_NULL = frozenset({"name", "is_active"})


def _declared(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not (v is None and k in _NEVER_NULL)}


def party_stream(kind: PartyKind, canonical_id: UUID | str) -> str:
    return f"{kind.value}-{canonical_id}"


def create_party(
    kind: PartyKind, canonical_id: UUID, record: Mapping[str, Any], inbound_id: int, now: str
) -> DomainEvent:
    fields = _declared(record)
    if not str(fields.get("name") or "").strip():
        raise PartyNameRequired(f"A new {kind.value} needs a name.")
    party = Party(
        canonical_id=str(canonical_id), latest_inbound_id=inbound_id, created_at=now, updated_at=now, **fields
    )
    return DomainEvent(f"{kind.value}.created", asdict(party))


def update_party(
    kind: PartyKind, party: Party, record: Mapping[str, Any], inbound_id: int, now: str
) -> DomainEvent | None:
    """None when the record changes nothing (a re-sent version appends no event)."""
    changes = {k: v for k, v in _declared(record).items() if getattr(party, k) != v}
    if not changes:
        return None
    updated = replace(party, **changes, latest_inbound_id=inbound_id, updated_at=now)
    return DomainEvent(f"{kind.value}.updated", asdict(updated))
