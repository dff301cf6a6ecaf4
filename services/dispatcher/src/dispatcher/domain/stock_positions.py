"""The stock positions the inventory snapshot pages, folded from inventory's events as the log numbers them.

The snapshot's `snapshot_event_id` is a place in this service's log, so the
positions it copies must be exactly the fold of the logged events up to that
place: they are kept here, changed in the transaction that numbers the events
that change them, instead of being read from inventory (whose own event order
is not the log's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from canonical.events.stock import STOCK_EFFECTS

_ITEM_STATES = {"item.created", "item.updated"}  # these carry the item's external_id
_BIN_STATES = {"bin.created", "bin.updated"}


@dataclass(frozen=True)
class PositionKey:
    warehouse_id: int
    item_id: int
    bin_id: int
    lot_number: str | None


@dataclass(frozen=True)
class Delta:
    on_hand: int
    allocated: int

    def __add__(self, other: Delta) -> Delta:
        return Delta(self.on_hand + other.on_hand, self.allocated + other.allocated)


@dataclass
class PositionChanges:
    """One batch's effect: the summed change per position and the external ids items and bins are published under."""

    deltas: dict[PositionKey, Delta] = field(default_factory=dict)
    item_external_ids: dict[int, str] = field(default_factory=dict)
    bin_external_ids: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[tuple[str, Mapping[str, Any]]]) -> PositionChanges:
        """Fold (event type, data) pairs in log order; events of other types change nothing."""
        changes = cls()
        for event_type, data in events:
            if event_type in STOCK_EFFECTS:
                on_hand_sign, allocated_sign = STOCK_EFFECTS[event_type]
                key = PositionKey(data["warehouse_id"], data["item_id"], data["bin_id"], data["lot_number"])
                change = Delta(on_hand_sign * data["quantity"], allocated_sign * data["quantity"])
                changes.deltas[key] = changes.deltas.get(key, Delta(0, 0)) + change
            elif event_type in _ITEM_STATES:
                changes.item_external_ids[data["item_id"]] = data["external_id"]
            elif event_type in _BIN_STATES:
                changes.bin_external_ids[data["bin_id"]] = data["external_id"]
        # A batch that adds and removes the same units leaves the position as it was: nothing to write.
        changes.deltas = {key: delta for key, delta in changes.deltas.items() if delta != Delta(0, 0)}
        return changes

    def __bool__(self) -> bool:
        return bool(self.deltas or self.item_external_ids or self.bin_external_ids)
