"""Errors of applying a mapping, with the v1.7 inbound error codes (integration-security §3.7)."""

from __future__ import annotations

from canonical.errors import Conflict, DomainError


class MappingApplyError(DomainError):
    status = 422
    code = "mapping_apply_error"


class ExpressionFailed(MappingApplyError):
    """A whitelisted expression failed on this payload (bad number, missing field, ...)."""


class ExpressionRefused(DomainError):
    code = "forbidden_expression"


class CrossSystemLookupMiss(Conflict):
    code = "cross_system_lookup_miss"
