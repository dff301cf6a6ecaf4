"""Workflow settings: string key/value pairs, global with per-warehouse overrides.

v1.7 kept them global and read `allow_over_receipt` while its UI wrote
`allow_over_receiving`; here there is one key, `allow_over_receiving`, and the
legacy spelling is accepted on write and folded into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from canonical.errors import DomainError
from inventory.domain.events import DomainEvent

MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 1024
ALLOCATION_STRATEGIES = ("pick_sequence", "fefo")
LEGACY_KEYS = {"allow_over_receipt": "allow_over_receiving"}
BOOLEAN_KEYS = frozenset(
    {
        "require_packing_before_shipping",
        "allow_over_receiving",
        "accept_sku_scan",
        "count_show_expected",
        "require_count_approval_separation",
    }
)
DEFAULTS = {
    "require_packing_before_shipping": "true",
    "allow_over_receiving": "false",
    "accept_sku_scan": "true",
    "count_show_expected": "true",
    "require_count_approval_separation": "false",
    "allocation_strategy": "pick_sequence",
    "default_receiving_bin": "",
}


class InvalidSetting(DomainError):
    code = "invalid_setting"


def normalise(changes: Mapping[str, str]) -> dict[str, str]:
    """Validated changes under their canonical keys; unknown keys are kept as v1.7 did (UI-only settings)."""
    if not changes:
        raise InvalidSetting("settings must name at least one key.", legacy_error="No settings provided")
    result: dict[str, str] = {}
    for raw_key, value in changes.items():
        key = LEGACY_KEYS.get(raw_key, raw_key)
        if not 1 <= len(key) <= MAX_KEY_LENGTH or len(value) > MAX_VALUE_LENGTH:
            raise InvalidSetting(f"Setting {raw_key!r} is too long.")
        if key in BOOLEAN_KEYS and value not in {"true", "false"}:
            raise InvalidSetting(f'Setting {raw_key!r} must be "true" or "false".')
        if key == "allocation_strategy" and value not in ALLOCATION_STRATEGIES:
            raise InvalidSetting(f"allocation_strategy must be one of {', '.join(ALLOCATION_STRATEGIES)}.")
        if key == "default_receiving_bin" and value and not value.isdigit():
            raise InvalidSetting("default_receiving_bin must be a bin id.")
        result[key] = value
    return result


def update_settings(warehouse_id: int | None, changes: Mapping[str, str], now: datetime) -> DomainEvent:
    return DomainEvent(
        "settings.updated",
        {"warehouse_id": warehouse_id, "settings": normalise(changes), "updated_at": now.isoformat()},
    )


def canonical_key(key: str) -> str:
    return LEGACY_KEYS.get(key, key)


@dataclass(frozen=True)
class WarehouseSettings:
    """The effective values in one warehouse: its override, else the global value, else the default."""

    values: Mapping[str, str]

    def value(self, key: str) -> str | None:
        key = canonical_key(key)
        return self.values.get(key, DEFAULTS.get(key))

    def flag(self, key: str) -> bool:
        return self.value(key) == "true"

    @property
    def allow_over_receiving(self) -> bool:
        return self.flag("allow_over_receiving")

    @property
    def accept_sku_scan(self) -> bool:
        return self.flag("accept_sku_scan")

    @property
    def require_packing_before_shipping(self) -> bool:
        return self.flag("require_packing_before_shipping")

    @property
    def allocation_strategy(self) -> str:
        return self.value("allocation_strategy") or DEFAULTS["allocation_strategy"]


def settings_stream(warehouse_id: int | None) -> str:
    return "settings-global" if warehouse_id is None else f"settings-warehouse-{warehouse_id}"
