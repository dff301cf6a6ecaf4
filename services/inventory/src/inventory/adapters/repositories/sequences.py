"""Ids drawn from a repository's own PostgreSQL sequences."""

from __future__ import annotations

from typing import ClassVar

from canonical.db import Connection


class SequencedRepository:
    """A repository on the command's connection that hands out ids from the sequences it names.

    Only those names are accepted: a sequence name cannot be a bind parameter, so it is spliced into SQL.
    """

    SEQUENCES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def next_id(self, sequence: str) -> int:
        return (await self.next_ids(sequence, 1))[0]

    async def next_ids(self, sequence: str, how_many: int) -> list[int]:
        if sequence not in self.SEQUENCES:
            raise ValueError(f"unknown id sequence {sequence}")
        rows = await self._connection.fetch(
            f"SELECT nextval('{sequence}') AS id FROM generate_series(1, $1)",  # noqa: S608 (allow-listed)
            how_many,
        )
        return [int(r["id"]) for r in rows]
