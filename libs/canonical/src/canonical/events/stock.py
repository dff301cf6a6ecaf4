"""What each stock event does to its position (bin, item, lot), for every service that folds them.

Part of the events' contract, beside their schemas: inventory's stock projection and the
dispatcher's snapshot positions must add the same units up the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

# (on-hand change, allocated change) per unit of the event's `quantity`.
STOCK_EFFECTS: Mapping[str, tuple[int, int]] = {
    "stock.added": (1, 0),
    "stock.removed": (-1, 0),
    "stock.allocated": (0, 1),
    "stock.released": (0, -1),
}
