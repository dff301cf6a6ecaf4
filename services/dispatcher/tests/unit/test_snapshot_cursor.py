"""The snapshot cursor: opaque, round-trips, and refuses anything it did not issue."""

import base64

import pytest

from dispatcher.domain.snapshot_cursor import Cursor, CursorScopeViolation, InvalidCursor

SCAN = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_a_cursor_round_trips_without_padding() -> None:
    cursor = Cursor(SCAN, 1, 22, 333, "LOT-9")
    text = cursor.encode()
    assert "=" not in text
    assert Cursor.decode(text) == cursor


@pytest.mark.parametrize(
    "text",
    [
        "garbage!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"scan_id": "nope", "w": 1, "i": 1, "b": 1, "l": ""}').decode(),
        base64.urlsafe_b64encode(f'{{"scan_id": "{SCAN}", "w": "1", "i": 1, "b": 1, "l": ""}}'.encode()).decode(),
        base64.urlsafe_b64encode(f'{{"scan_id": "{SCAN}", "w": 1, "i": 1, "b": 1}}'.encode()).decode(),
        base64.urlsafe_b64encode(b'{"scan_id": 5, "w": 1, "i": 1, "b": 1, "l": ""}').decode(),
        "a" * 2049,
    ],
)
def test_anything_else_is_an_invalid_cursor(text: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(text)


def test_a_cursor_only_pages_its_own_warehouse() -> None:
    with pytest.raises(CursorScopeViolation):
        Cursor(SCAN, 1, 0, 0, "").check_scope(2)
