"""Errors of the audit API, each with a stable code."""

from __future__ import annotations

from canonical.errors import Conflict, DomainError, NotFound


class CheckpointNotFound(NotFound):
    code = "checkpoint_not_found"


class EntryNotFound(NotFound):
    code = "audit_entry_not_found"


class EntryNotCheckpointed(Conflict):
    code = "entry_not_checkpointed"


class InvalidTreeSizes(DomainError):
    code = "invalid_tree_sizes"


class InvalidDate(DomainError):
    code = "invalid_date"
