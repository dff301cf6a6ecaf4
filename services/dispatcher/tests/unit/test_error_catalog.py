"""Operator-facing reads: the error catalogue, the stats cache, the ceilings' hard caps."""

from __future__ import annotations

import time
import uuid

import pytest

from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.domain.attempts import ErrorKind
from dispatcher.domain.error_catalog import CATALOG, error_text
from dispatcher.service_layer.stats import StatsCache
from dispatcher.service_layer.subscriptions import CeilingAboveHardCap, SubscriptionFields, SubscriptionRules


def test_every_kind_has_an_entry() -> None:
    assert set(CATALOG) == set(ErrorKind)
    for text in CATALOG.values():
        assert text.short_message
        assert text.description
        assert text.triage_hint


def test_a_kind_from_a_newer_version_falls_back_to_unknown() -> None:
    assert error_text("quantum") == CATALOG[ErrorKind.UNKNOWN]
    assert error_text("5xx") == CATALOG[ErrorKind.SERVER_ERROR]


def test_stats_answers_are_kept_for_their_ttl_only() -> None:
    cache = StatsCache(ttl_s=0.05)
    key = (uuid.uuid4(), "1h")
    cache.put(key, {"attempts": 1})
    assert cache.get(key) == {"attempts": 1}
    assert cache.get((key[0], "24h")) is None
    time.sleep(0.06)
    assert cache.get(key) is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (SubscriptionFields(dlq_ceiling=1001), "dlq_ceiling_above_hard_cap"),
        (SubscriptionFields(pending_ceiling=2001), "pending_ceiling_above_hard_cap"),
    ],
)
def test_ceilings_above_the_hard_caps_are_refused(fields: SubscriptionFields, code: str) -> None:
    rules = SubscriptionRules(
        DestinationGuard(resolve_timeout_s=1), frozenset(), dlq_hard_cap=1000, pending_hard_cap=2000
    )
    rules.check_ceilings(SubscriptionFields(dlq_ceiling=1000, pending_ceiling=2000))  # at the cap is fine
    with pytest.raises(CeilingAboveHardCap) as refused:
        rules.check_ceilings(fields)
    assert refused.value.code == code
    assert refused.value.status == 400
