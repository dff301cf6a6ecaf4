"""Inbound service settings."""

from __future__ import annotations

from typing import ClassVar

from canonical.config.settings import InternalServiceSettings


class Settings(InternalServiceSettings):
    service_name: ClassVar[str] = "inbound"
    default_port: ClassVar[int] = 5102
