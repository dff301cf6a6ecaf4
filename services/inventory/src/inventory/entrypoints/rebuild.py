"""`python -m inventory.entrypoints.rebuild`: rebuild every read model from the event store.

Stop the inventory service first (its writers must not append meanwhile). The
rebuild is one transaction: interrupted, it leaves the old read models intact.
"""

from __future__ import annotations

import asyncio
import sys

from tqdm import tqdm

from canonical.db import create_pool
from inventory.adapters.projections.rebuild import count_events, rebuild_projections
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.settings import Settings


async def rebuild(settings: Settings) -> int:
    pool = await create_pool(settings.database_url.get_secret_value(), min_size=1, max_size=1)
    try:
        with tqdm(total=await count_events(pool), unit="event", desc="rebuilding projections", file=sys.stderr) as bar:
            return await rebuild_projections(pool, PROJECTORS, bar.update)
    finally:
        await pool.close()


def main() -> None:
    replayed = asyncio.run(rebuild(Settings()))
    print(f"rebuilt every projection from {replayed} events", file=sys.stderr)


if __name__ == "__main__":
    main()
