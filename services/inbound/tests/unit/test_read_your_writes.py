"""Parsing for read-your-writes: the Prefer header, and the token's resources however the gateway lists them."""

from __future__ import annotations

import pytest

from canonical.identity import Identity
from inbound.entrypoints.inbound_api import inbound_resources, prefers_async


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        ("respond-async", True),
        ("wait=5, Respond-Async", True),
        ("respond-async; foo=bar", True),
        ("return=minimal", False),
        ("", False),
        ("respond-asynchronously", False),
    ],
)
def test_prefer_respond_async(prefer: str, expected: bool) -> None:
    assert prefers_async(prefer) is expected


def test_inbound_resources_come_from_extra_only() -> None:
    listed = Identity(subject="system:wms_token:1", username="t", role="TOKEN", extra={"inbound_resources": ["items"]})
    scoped = Identity(
        subject="system:wms_token:1", username="t", role="TOKEN", scopes=("inbound:vendors", "endpoint:x")
    )
    assert inbound_resources(listed) == ["items"]
    assert inbound_resources(scoped) == []  # scopes name outbound grants; inbound rights travel in extra
