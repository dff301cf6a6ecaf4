"""Inbound service settings, with the operator contract's boot guards for the inbound variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, model_validator

from canonical.config.settings import InternalServiceSettings

_BLANK_MEANS_DEFAULT = ("sentry_inbound_max_body_kb", "sentry_inbound_source_payload_retention_days")


class Settings(InternalServiceSettings):
    service_name: ClassVar[str] = "inbound"
    default_port: ClassVar[int] = 5102

    # Out-of-range values refuse to boot (Sentry v1.7 before #273 silently clamped a typo like 42096).
    sentry_inbound_max_body_kb: int = Field(default=256, ge=16, le=4096)
    # Payloads are nulled, never deleted, after this many days; below a week is refused.
    sentry_inbound_source_payload_retention_days: int = Field(default=90, ge=7)
    sentry_inbound_mappings_dir: Path = Path("/db/mappings")
    inbound_retention_interval_s: int = Field(default=3600, ge=60, le=86_400)
    # How long POST /api/v1/inbound/{resource} waits for the owning service to apply the record
    # before answering 202 with a status URL (read-your-writes with a bound).
    inbound_apply_wait_ms: int = Field(default=5000, ge=0, le=60_000)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (k in _BLANK_MEANS_DEFAULT and str(v).strip() == "")}
        return values

    @property
    def max_body_bytes(self) -> int:
        return self.sentry_inbound_max_body_kb * 1024
