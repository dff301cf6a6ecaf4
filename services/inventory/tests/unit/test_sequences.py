"""Sequence names are spliced into SQL, so only a repository's own sequences are ever accepted."""

from typing import Any, cast

import pytest

from inventory.adapters.repositories.orders import SalesOrderRepository


class _NoDatabase:
    async def fetch(self, *_: Any) -> list[Any]:
        raise AssertionError("an unknown sequence name must be refused before any SQL is sent")


async def test_a_sequence_the_repository_does_not_own_is_refused_before_any_sql() -> None:
    orders = SalesOrderRepository(cast(Any, _NoDatabase()))
    with pytest.raises(ValueError, match="unknown id sequence"):
        await orders.next_id("item_id_seq'); DROP TABLE items; --")
    with pytest.raises(ValueError, match="unknown id sequence"):
        await orders.next_ids("pick_task_id_seq", 3)
