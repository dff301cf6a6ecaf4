"""Standard Webhooks signatures: the reference vector, an independent computation, and what verify refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from dispatcher.domain.signing import (
    InvalidSecret,
    InvalidSignature,
    WebhookSecret,
    sign,
    signature_header,
    verify,
    webhook_headers,
)

# From the Standard Webhooks reference library's own tests (libraries/python/tests/test_webhooks.py).
REFERENCE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REFERENCE_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
REFERENCE_TIMESTAMP = 1614265330
REFERENCE_BODY = b'{"test": 2432232314}'
REFERENCE_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODY = b'{"specversion":"1.0","id":"5d1c...","type":"warehouse.created","data":{"warehouse_id":1}}'
MSG_ID = "0b6f1f8e-3c2a-4f57-9d0e-6a3f2c1b9e77"
NOW = 1_767_225_600


def independent_signature(secret_text: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret_text.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_sign_matches_the_reference_vector() -> None:
    secret = WebhookSecret.parse(REFERENCE_SECRET)
    assert sign(secret, REFERENCE_MSG_ID, REFERENCE_TIMESTAMP, REFERENCE_BODY) == REFERENCE_SIGNATURE


def test_sign_matches_an_independent_hmac_of_id_timestamp_and_body() -> None:
    secret = WebhookSecret.generate()
    expected = independent_signature(secret.reveal(), MSG_ID, NOW, BODY)
    assert sign(secret, MSG_ID, NOW, BODY) == expected


def test_generated_secrets_are_whsec_base64_of_32_random_bytes() -> None:
    first, second = WebhookSecret.generate(), WebhookSecret.generate()
    assert first.reveal().startswith("whsec_")
    assert len(base64.b64decode(first.reveal().removeprefix("whsec_"), validate=True)) == 32
    assert first.reveal() != second.reveal()
    assert WebhookSecret.parse(first.reveal()).key == first.key


def test_a_secret_never_shows_in_repr_or_str() -> None:
    secret = WebhookSecret.generate()
    encoded = secret.reveal().removeprefix("whsec_")
    assert encoded not in repr(secret)
    assert encoded not in str(secret)
    assert encoded not in f"{[secret]}"


@pytest.mark.parametrize(
    "text",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 16).decode(),  # too short a key
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # too long a key
    ],
)
def test_malformed_secrets_are_refused(text: str) -> None:
    with pytest.raises(InvalidSecret):
        WebhookSecret.parse(text)


def test_headers_carry_one_signature_per_live_secret_current_first() -> None:
    current, previous = WebhookSecret.generate(), WebhookSecret.generate()
    headers = webhook_headers([current, previous], MSG_ID, NOW, BODY)
    assert headers["webhook-id"] == MSG_ID
    assert headers["webhook-timestamp"] == str(NOW)
    assert headers["webhook-signature"].split(" ") == [
        independent_signature(current.reveal(), MSG_ID, NOW, BODY),
        independent_signature(previous.reveal(), MSG_ID, NOW, BODY),
    ]


def test_a_delivery_needs_a_secret() -> None:
    with pytest.raises(InvalidSecret):
        signature_header([], MSG_ID, NOW, BODY)


def test_verify_accepts_a_signature_from_either_live_secret() -> None:
    current, previous = WebhookSecret.generate(), WebhookSecret.generate()
    header = signature_header([current, previous], MSG_ID, NOW, BODY)
    for receiver_secret in (current, previous):
        verify(receiver_secret, msg_id=MSG_ID, timestamp=str(NOW), signature=header, body=BODY, now=NOW)


def test_verify_accepts_the_reference_vector_inside_the_tolerance() -> None:
    verify(
        WebhookSecret.parse(REFERENCE_SECRET),
        msg_id=REFERENCE_MSG_ID,
        timestamp=str(REFERENCE_TIMESTAMP),
        signature=f"v1a,ignored {REFERENCE_SIGNATURE}",
        body=REFERENCE_BODY,
        now=REFERENCE_TIMESTAMP + 300,
    )


@pytest.mark.parametrize(
    ("msg_id", "timestamp", "body", "now"),
    [
        (MSG_ID, str(NOW), BODY + b" ", NOW),  # body changed
        ("another-id", str(NOW), BODY, NOW),  # signature replayed under another id
        (MSG_ID, str(NOW + 1), BODY, NOW + 1),  # timestamp changed
        (MSG_ID, str(NOW), BODY, NOW + 301),  # too old
        (MSG_ID, str(NOW), BODY, NOW - 301),  # too far in the future
        (MSG_ID, "not-a-number", BODY, NOW),
        ("", str(NOW), BODY, NOW),
    ],
)
def test_verify_refuses_anything_but_the_signed_delivery(msg_id: str, timestamp: str, body: bytes, now: int) -> None:
    secret = WebhookSecret.generate()
    header = sign(secret, MSG_ID, NOW, BODY)
    with pytest.raises(InvalidSignature):
        verify(secret, msg_id=msg_id, timestamp=timestamp, signature=header, body=body, now=now)


def test_verify_refuses_another_secret_and_other_versions() -> None:
    secret, stranger = WebhookSecret.generate(), WebhookSecret.generate()
    good = sign(secret, MSG_ID, NOW, BODY)
    for header in (sign(stranger, MSG_ID, NOW, BODY), good.replace("v1,", "v2,"), "v1,%%%", ""):
        with pytest.raises(InvalidSignature):
            verify(secret, msg_id=MSG_ID, timestamp=str(NOW), signature=header, body=BODY, now=NOW)
