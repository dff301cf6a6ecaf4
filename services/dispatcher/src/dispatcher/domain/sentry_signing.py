"""Sentry v1.7's signature profile (integration-security §4.7.5), for receivers written against v1.7.

    X-Sentry-Signature:            sha256=<lowercase hex HMAC-SHA256(secret, f"{timestamp}." + body)>
    X-Sentry-Signature-Generation: 1 (current secret) | 2 (previous secret during a rotation)
    X-Sentry-Delivery-Id:          <event_id>:<timestamp>
    X-Sentry-Event-Type, X-Sentry-Timestamp

The HMAC key is the secret's text as the admin received it (v1.7 keyed with the
UTF-8 of the secret string, and its receivers do the same). v1.7 had one
signature header; during a rotation we send the previous secret's signature in
`X-Sentry-Signature-Previous` too, so a receiver still holding the old secret
keeps verifying for the 24 h overlap.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def sentry_signature(secret_text: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret_text.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sentry_headers(
    secret_texts: Sequence[str], *, event_id: int, event_type: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Headers for one attempt; `secret_texts` is the current secret first, then an unexpired previous one."""
    if not secret_texts:
        raise ValueError("a delivery needs at least one secret to be signed with")
    headers = {
        "x-sentry-signature": sentry_signature(secret_texts[0], timestamp, body),
        "x-sentry-signature-generation": "1",
        "x-sentry-delivery-id": f"{event_id}:{timestamp}",
        "x-sentry-event-type": event_type,
        "x-sentry-timestamp": str(timestamp),
    }
    if len(secret_texts) > 1:
        headers["x-sentry-signature-previous"] = sentry_signature(secret_texts[1], timestamp, body)
    return headers
