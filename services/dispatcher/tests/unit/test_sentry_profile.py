"""Sentry v1.7's signature profile and wire envelope, against the worked example of integration-security §4.7.5."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatcher.domain.envelope import WireEnvelope
from dispatcher.domain.sentry_signing import sentry_headers, sentry_signature

SPEC_BODY = (
    b'{"aggregate_id":"00000000-0000-0000-0000-000000000001","aggregate_type":"sales_order","data":{"a":1,"b":2},'
    b'"event_id":42,"event_timestamp":"2026-01-01T00:00:00+00:00","event_type":"ship.confirmed","event_version":1,'
    b'"source_txn_id":"00000000-0000-0000-0000-000000000002","warehouse_id":1}'
)
SPEC_SIGNATURE = "sha256=c046172565707ac206797b661abf45747963f667b4a856e6cce3836eb7e20f59"


def spec_envelope() -> WireEnvelope:
    return WireEnvelope(
        event_id=42,
        event_type="ship.confirmed",
        event_version=1,
        event_timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        aggregate_type="sales_order",
        aggregate_id="00000000-0000-0000-0000-000000000001",
        warehouse_id=1,
        source_txn_id="00000000-0000-0000-0000-000000000002",
        data={"b": 2, "a": 1},
    )


def test_the_envelope_serialises_exactly_as_the_spec_example() -> None:
    assert spec_envelope().to_wire_bytes() == SPEC_BODY


def test_the_signature_matches_the_spec_vector() -> None:
    assert sentry_signature("test-secret-0123456789abcdef0123", 1767225600, SPEC_BODY) == SPEC_SIGNATURE


def test_headers_carry_the_v17_names_and_a_second_signature_during_rotation() -> None:
    headers = sentry_headers(
        ["test-secret-0123456789abcdef0123", "old-secret"],
        event_id=42,
        event_type="ship.confirmed",
        timestamp=1767225600,
        body=SPEC_BODY,
    )
    assert headers == {
        "x-sentry-signature": SPEC_SIGNATURE,
        "x-sentry-signature-generation": "1",
        "x-sentry-delivery-id": "42:1767225600",
        "x-sentry-event-type": "ship.confirmed",
        "x-sentry-timestamp": "1767225600",
        "x-sentry-signature-previous": sentry_signature("old-secret", 1767225600, SPEC_BODY),
    }
    assert "x-sentry-signature-previous" not in sentry_headers(
        ["only"], event_id=1, event_type="t", timestamp=1, body=b"{}"
    )
