"""Errors of applying a mapping, with the v1.7 inbound error codes (integration-security §3.7)."""

from __future__ import annotations

from typing import Any

from canonical.errors import DomainError


class InboundError(DomainError):
    """Inbound clients of v1.7 read `error_kind`; it carries the same stable code."""

    def body(self) -> dict[str, Any]:
        return {**super().body(), "error_kind": self.code}


class MappingApplyError(InboundError):
    status = 422
    code = "mapping_apply_error"


class ExpressionFailed(MappingApplyError):
    """A whitelisted expression failed on this payload (bad number, missing field, ...)."""


class ExpressionRefused(InboundError):
    code = "forbidden_expression"


class CrossSystemLookupMiss(InboundError):
    status = 409
    code = "cross_system_lookup_miss"
