"""The README's configuration table names every variable a service reads, so it cannot fall behind."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from pydantic import AliasChoices

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
SERVICES = ["gateway", "inventory", "inbound", "dispatcher", "connectors", "audit"]


def environment_names(service: str) -> list[str]:
    settings = importlib.import_module(f"{service}.settings").Settings
    names = []
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        first = alias.choices[0] if isinstance(alias, AliasChoices) else alias
        names.append((first if isinstance(first, str) else field_name).upper())
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_is_documented(service: str) -> None:
    missing = [name for name in environment_names(service) if f"`{name}`" not in README]
    assert missing == [], f"README.md's configuration table lacks {missing}"
