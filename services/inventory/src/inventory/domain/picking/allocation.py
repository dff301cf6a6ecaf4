"""Allocation: which positions an order's need is taken from, by a per-warehouse strategy (F.3).

Pure: the caller reads the candidate positions under their stock locks, asks
here, and books each take as a `stock.allocated` event. `pick_sequence` is
Sentry v1.7's order (walk sequence, then the oldest position); `fefo` takes
the earliest expiry first (positions without an expiry last), then walks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from canonical.errors import DomainError


class UnknownAllocationStrategy(DomainError):
    code = "unknown_allocation_strategy"


@dataclass(frozen=True)
class Candidate:
    """A position allocation may draw from: a pickable bin's (item, lot) with units still free."""

    bin_id: int
    item_id: int
    lot_number: str | None
    available: int
    pick_sequence: int
    updated_at: str
    expiry_date: str | None = None  # ISO date


@dataclass(frozen=True)
class Take:
    candidate: Candidate
    quantity: int


Ordering = Callable[[Candidate], tuple[object, ...]]


def _walk_order(c: Candidate) -> tuple[object, ...]:
    return (c.pick_sequence, c.updated_at, c.bin_id, c.lot_number or "")


def _expiry_order(c: Candidate) -> tuple[object, ...]:
    return (c.expiry_date is None, c.expiry_date or "", *_walk_order(c))


STRATEGIES: dict[str, Ordering] = {"pick_sequence": _walk_order, "fefo": _expiry_order}


def allocate(need: int, candidates: Iterable[Candidate], strategy: str) -> list[Take]:
    """Greedy over the strategy's order; a shortfall is not an error (the line stays under-allocated)."""
    ordering = STRATEGIES.get(strategy)
    if ordering is None:
        raise UnknownAllocationStrategy(f"Unknown allocation strategy {strategy!r}.")
    takes: list[Take] = []
    for candidate in sorted((c for c in candidates if c.available > 0), key=ordering):
        if need <= 0:
            break
        quantity = min(need, candidate.available)
        takes.append(Take(candidate, quantity))
        need -= quantity
    return takes


def after(candidates: Sequence[Candidate], takes: Iterable[Take]) -> list[Candidate]:
    """The candidates with the takes spent, so the next order competes only for what is left."""
    spent: dict[tuple[int, str | None], int] = {}
    for take in takes:
        key = (take.candidate.bin_id, take.candidate.lot_number)
        spent[key] = spent.get(key, 0) + take.quantity
    return [replace(c, available=c.available - spent.get((c.bin_id, c.lot_number), 0)) for c in candidates]
