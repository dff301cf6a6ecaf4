"""The inventory snapshot's cursor: which scan, and the last row a page returned (a keyset position).

Opaque to clients (URL-safe base64 of compact JSON, no padding), as in v1.7.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from canonical.errors import DomainError, Forbidden

MAX_CURSOR_LENGTH = 2048


class InvalidCursor(DomainError):
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("The cursor is not one this API issued.", legacy_error="invalid_cursor")


class CursorScopeViolation(Forbidden):
    code = "cursor_scope_violation"

    def __init__(self) -> None:
        super().__init__("The cursor belongs to another token or warehouse.", legacy_error="cursor_scope_violation")


@dataclass(frozen=True)
class Cursor:
    scan_id: str
    warehouse_id: int
    item_id: int
    bin_id: int
    lot_key: str

    def encode(self) -> str:
        raw = {"scan_id": self.scan_id, "w": self.warehouse_id, "i": self.item_id, "b": self.bin_id, "l": self.lot_key}
        text = json.dumps(raw, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if len(text) > MAX_CURSOR_LENGTH:
            raise InvalidCursor()
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = cls(str(uuid.UUID(raw["scan_id"])), raw["w"], raw["i"], raw["b"], raw["l"])
        except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
            raise InvalidCursor() from None
        if not all(
            isinstance(v, int) and not isinstance(v, bool) for v in (cursor.warehouse_id, cursor.item_id, cursor.bin_id)
        ):
            raise InvalidCursor()
        if not isinstance(cursor.lot_key, str):
            raise InvalidCursor()
        return cursor

    def check_scope(self, warehouse_id: int) -> None:
        if self.warehouse_id != warehouse_id:
            raise CursorScopeViolation()
