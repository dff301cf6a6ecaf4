"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec v1).

A subscription's secret is `whsec_` + base64 of random bytes; the HMAC key is
the decoded bytes, not the text. Each delivery carries

    webhook-id:        the event id (the same on every retry, so receivers dedupe on it)
    webhook-timestamp: Unix seconds when this attempt was signed
    webhook-signature: space-separated `v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}." + body)>`

and the bytes signed are the bytes sent: the body is never re-serialised
between signing and the POST. During a secret rotation the header holds one
signature per live secret, so a receiver holding either secret accepts it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's marker, not a credential)
SECRET_BYTES = 32
# The spec asks receivers to accept keys of 24 to 64 bytes; we generate 32.
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
SIGNATURE_VERSION = "v1"
TOLERANCE_S = 5 * 60


class InvalidSecret(ValueError):
    """The text is not a `whsec_` secret. The message never quotes the text: it may be a real secret, mistyped."""


class InvalidSignature(ValueError):
    """A delivery's signature headers do not prove it came from the holder of the secret."""


class WebhookSecret:
    """A signing secret. Its text is shown to the admin once, at creation; everywhere else it stays opaque.

    `repr`/`str` never reveal it, so a secret that ends up in a log line, an
    exception message or a traceback's locals shows as redacted.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
            raise InvalidSecret(f"a webhook secret must be {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
        self._key = key

    @classmethod
    def generate(cls) -> WebhookSecret:
        return cls(secrets.token_bytes(SECRET_BYTES))

    @classmethod
    def parse(cls, text: str) -> WebhookSecret:
        if not text.startswith(SECRET_PREFIX):
            raise InvalidSecret(f"a webhook secret starts with {SECRET_PREFIX}")
        try:
            key = base64.b64decode(text.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidSecret("a webhook secret is base64 after its prefix") from None
        return cls(key)

    @property
    def key(self) -> bytes:
        return self._key

    def reveal(self) -> str:
        return SECRET_PREFIX + base64.b64encode(self._key).decode("ascii")

    def __repr__(self) -> str:
        return "WebhookSecret(<redacted>)"


def _mac(secret: WebhookSecret, msg_id: str, timestamp: str, body: bytes) -> bytes:
    signed_content = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(secret.key, signed_content, hashlib.sha256).digest()


def sign(secret: WebhookSecret, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `body` for the delivery `msg_id` sent at `timestamp`."""
    return f"{SIGNATURE_VERSION},{base64.b64encode(_mac(secret, msg_id, str(timestamp), body)).decode('ascii')}"


def signature_header(live_secrets: Sequence[WebhookSecret], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per live secret, current secret first."""
    if not live_secrets:
        raise InvalidSecret("a delivery needs at least one secret to be signed with")
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in live_secrets)


def webhook_headers(live_secrets: Sequence[WebhookSecret], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(live_secrets, msg_id, timestamp, body),
    }


def verify(
    secret: WebhookSecret,
    *,
    msg_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: int,
    tolerance_s: int = TOLERANCE_S,
) -> None:
    """What a receiver does: raise InvalidSignature unless one `v1` signature matches and the timestamp is fresh.

    The timestamp bound (both directions) is what stops a captured delivery from being replayed later.
    """
    if not (msg_id and timestamp and signature):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not an integer") from None
    if abs(now - sent_at) > tolerance_s:
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = _mac(secret, msg_id, timestamp, body)  # the header text as sent, not a re-formatted number
    for candidate in signature.split(" "):
        version, _, encoded = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue  # later versions (e.g. asymmetric v1a) are for other verifiers
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return
    raise InvalidSignature("no signature matches")
