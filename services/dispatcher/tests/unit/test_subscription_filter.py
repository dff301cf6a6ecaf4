"""Which events a subscription receives, and how its filter is stored."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dispatcher.domain.subscriptions import (
    InvalidSubscriptionId,
    MalformedFilter,
    SubscriptionFilter,
    parse_subscription_id,
)


def test_an_empty_filter_matches_every_domain_event() -> None:
    assert SubscriptionFilter().matches("warehouse.created")
    assert SubscriptionFilter().matches("ship.confirmed")


def test_the_dispatchers_own_events_are_delivered_only_when_named() -> None:
    assert not SubscriptionFilter().matches("webhook.subscription_created")
    assert not SubscriptionFilter(warehouse_ids=frozenset({1})).matches("webhook.subscription_paused", 1)
    operations = SubscriptionFilter(frozenset({"webhook.subscription_disabled"}))
    assert operations.matches("webhook.subscription_disabled")
    assert not operations.matches("webhook.subscription_created")


def test_a_filter_with_event_types_matches_only_those() -> None:
    only_ships = SubscriptionFilter(frozenset({"ship.confirmed", "pack.confirmed"}))
    assert only_ships.matches("ship.confirmed")
    assert only_ships.matches("pack.confirmed")
    assert not only_ships.matches("warehouse.created")
    assert not only_ships.matches("ship")


@pytest.mark.parametrize(
    ("document", "event_types"),
    [
        ({}, frozenset()),
        ({"event_types": []}, frozenset()),
        ({"event_types": ["b.x", "a.y"]}, frozenset({"a.y", "b.x"})),
    ],
)
def test_stored_documents_round_trip(document: dict[str, Any], event_types: frozenset[str]) -> None:
    parsed = SubscriptionFilter.from_document(document)
    assert parsed.event_types == event_types
    assert SubscriptionFilter.from_document(parsed.to_document()) == parsed


def test_the_stored_form_is_normalised() -> None:
    assert SubscriptionFilter().to_document() == {}
    assert SubscriptionFilter(frozenset({"b.x", "a.y"})).to_document() == {"event_types": ["a.y", "b.x"]}


@pytest.mark.parametrize(
    "document",
    [
        {"event_types": "warehouse.created"},
        {"event_types": [1]},
        {"event_types": [""]},
        {"warehouse_ids": [0]},
        {"warehouse_ids": [True]},
        {"customer_ids": [1]},
    ],
)
def test_documents_this_code_cannot_read_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(MalformedFilter):
        SubscriptionFilter.from_document(document)


def test_unknown_types_are_the_ones_the_registry_lacks() -> None:
    subscription_filter = SubscriptionFilter(frozenset({"warehouse.created", "warehouse.creatd"}))
    assert subscription_filter.unknown_types(["warehouse.created"]) == {"warehouse.creatd"}


def test_subscription_ids_are_uuids() -> None:
    key = uuid.uuid4()
    assert parse_subscription_id(str(key)) == key
    with pytest.raises(InvalidSubscriptionId):
        parse_subscription_id("42")
