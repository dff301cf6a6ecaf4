import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from audit.domain.chain import GENESIS_HASH, AuditEntry, extend_chain, format_timestamp, row_hash

ENTRY = AuditEntry(
    event_id="00000000-0000-4000-8000-000000000001",
    action_type="WAREHOUSE_CREATE",
    entity_type="WAREHOUSE",
    entity_id="warehouse-1",
    actor="admin",
    warehouse_id=None,
    device_id=None,
    details={"b": 1, "a": "é"},
    created_at=datetime(2026, 1, 1, 12, 0, 0, 5, tzinfo=UTC),
)
RECORDED = datetime(2026, 1, 1, 12, 0, 1, tzinfo=UTC)


def test_the_encoding_is_length_prefixed_canonical_and_documented() -> None:
    expected = hashlib.sha256(
        b"\x00"
        b"1:1"
        b"36:00000000-0000-4000-8000-000000000001"
        b"16:WAREHOUSE_CREATE"
        b"9:WAREHOUSE"
        b"11:warehouse-1"
        b"5:admin"
        b"-:"
        b"-:"
        + '16:{"a":"é","b":1}'.encode()  # RFC 8785: sorted keys, no spaces, UTF-8 (é is 2 bytes)
        + b"27:2026-01-01T12:00:00.000005Z"
        b"27:2026-01-01T12:00:01.000000Z"
    ).digest()
    assert row_hash(GENESIS_HASH, 1, ENTRY, RECORDED) == expected


def test_any_change_to_any_field_changes_the_hash() -> None:
    original = row_hash(GENESIS_HASH, 1, ENTRY, RECORDED)
    variants = [
        replace(ENTRY, action_type="X"),
        replace(ENTRY, entity_id="warehouse-2"),
        replace(ENTRY, actor="mallory"),
        replace(ENTRY, warehouse_id=1),
        replace(ENTRY, device_id="scanner-1"),
        replace(ENTRY, details={"a": "é", "b": 2}),
        replace(ENTRY, created_at=datetime(2026, 1, 1, tzinfo=UTC)),
    ]
    assert all(row_hash(GENESIS_HASH, 1, v, RECORDED) != original for v in variants)
    assert row_hash(GENESIS_HASH, 2, ENTRY, RECORDED) != original
    assert row_hash(b"\x01", 1, ENTRY, RECORDED) != original


def test_field_boundaries_cannot_be_shifted() -> None:
    # Without length prefixes "ab"+"c" and "a"+"bc" would hash alike.
    left = replace(ENTRY, entity_type="ab", entity_id="c")
    right = replace(ENTRY, entity_type="a", entity_id="bc")
    assert row_hash(GENESIS_HASH, 1, left, RECORDED) != row_hash(GENESIS_HASH, 1, right, RECORDED)


def test_extending_links_each_entry_to_the_previous() -> None:
    chained = extend_chain(10, b"\x07" * 32, [ENTRY, ENTRY], RECORDED)
    assert [c.log_id for c in chained] == [11, 12]
    assert chained[0].prev_hash == b"\x07" * 32
    assert chained[1].prev_hash == chained[0].row_hash


def test_timestamps_are_rendered_in_utc_whatever_the_offset() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(moment) == "2026-01-01T12:00:00.000000Z"
