"""Polling scope: what an identity may read, and requests beyond it refused (never narrowed)."""

from __future__ import annotations

import pytest

from canonical.identity import Identity
from dispatcher.domain.polling import EventScope, ScopeViolation, next_cursor


def identity(role: str = "TOKEN", scopes: tuple[str, ...] = (), warehouses: tuple[int, ...] = ()) -> Identity:
    return Identity(subject="system:wms_token:1", username="t", role=role, warehouse_ids=warehouses, scopes=scopes)


def test_an_admin_without_scopes_reads_everything() -> None:
    assert EventScope.of(identity("ADMIN")) == EventScope(None, None)


def test_a_token_reads_its_event_types_and_its_warehouses() -> None:
    scope = EventScope.of(identity(scopes=("event_type:ship.confirmed", "orders:read"), warehouses=(1, 2)))
    assert scope == EventScope(frozenset({"ship.confirmed"}), frozenset({1, 2}))
    assert EventScope.of(identity(scopes=("event_type:*", "warehouse:*"))) == EventScope(None, None)
    assert EventScope.of(identity(scopes=("warehouse:7",), warehouses=(1,))).warehouse_ids == frozenset({7})


def test_a_token_without_event_type_scopes_reads_nothing() -> None:
    assert EventScope.of(identity(warehouses=(1,))).event_types == frozenset()


def test_requests_beyond_the_scope_are_refused_naming_the_field() -> None:
    scope = EventScope(frozenset({"a", "b"}), frozenset({1}))
    assert scope.require(["a"], 1) == EventScope(frozenset({"a"}), frozenset({1}))
    assert scope.require(None, None) == scope
    with pytest.raises(ScopeViolation) as types:
        scope.require(["a", "c"], None)
    assert types.value.details == {"field": "types"}
    with pytest.raises(ScopeViolation) as warehouse:
        scope.require(None, 2)
    assert warehouse.value.details == {"field": "warehouse_id"}


def test_a_group_filter_narrows_and_empty_lists_restrict_nothing() -> None:
    scope = EventScope(None, frozenset({1, 2}))
    assert scope.narrowed(["a"], [2, 3]) == EventScope(frozenset({"a"}), frozenset({2}))
    assert scope.narrowed([], []) == scope


def test_the_next_cursor_is_the_last_event_or_the_input() -> None:
    assert next_cursor(5, [6, 9]) == 9
    assert next_cursor(5, []) == 5
