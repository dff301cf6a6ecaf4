"""Preferred bins: where put-away should send an item first (priority 1 = first choice)."""

from __future__ import annotations

from dataclasses import dataclass

from canonical.errors import Conflict, DomainError
from inventory.domain.events import DomainEvent

MIN_PRIORITY = 1
MAX_PRIORITY = 100


class UnknownItemOrBin(Conflict):
    code = "unknown_item_or_bin"


class InvalidPreferredBin(DomainError):
    code = "invalid_preferred_bin"


@dataclass(frozen=True)
class PreferredBin:
    preferred_bin_id: int
    item_id: int
    bin_id: int
    priority: int = MIN_PRIORITY
    notes: str | None = None


def save_preferred_bin(preferred: PreferredBin, *, item_exists: bool, bin_exists: bool) -> DomainEvent:
    """An upsert on (item, bin): it neither re-ranks the item's other bins nor touches its default bin."""
    if not item_exists or not bin_exists:
        raise UnknownItemOrBin(f"Item {preferred.item_id} or bin {preferred.bin_id} does not exist.")
    if not MIN_PRIORITY <= preferred.priority <= MAX_PRIORITY:
        raise InvalidPreferredBin(f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}.")
    return DomainEvent(
        "preferred_bin.saved",
        {
            "preferred_bin_id": preferred.preferred_bin_id,
            "item_id": preferred.item_id,
            "bin_id": preferred.bin_id,
            "priority": preferred.priority,
            "notes": preferred.notes,
        },
    )


def remove_preferred_bin(preferred: PreferredBin) -> DomainEvent:
    return DomainEvent(
        "preferred_bin.removed",
        {"preferred_bin_id": preferred.preferred_bin_id, "item_id": preferred.item_id, "bin_id": preferred.bin_id},
    )


def preferred_bin_stream(preferred_bin_id: int) -> str:
    return f"preferred_bin-{preferred_bin_id}"
