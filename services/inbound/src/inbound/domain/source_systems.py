"""The allow-list of source systems: who may push records at all."""

from __future__ import annotations

import re
from enum import StrEnum

from canonical.errors import Conflict, NotFound
from inbound.domain.mapping.errors import InboundError

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class SourceKind(StrEnum):
    CONNECTOR = "connector"
    INTERNAL_TOOL = "internal_tool"
    MANUAL_IMPORT = "manual_import"


class InvalidSourceSystem(InboundError):
    code = "invalid_source_system"


class SourceSystemExists(Conflict):
    code = "source_system_exists"


class SourceSystemNotFound(NotFound):
    code = "source_system_not_found"


class SourceSystemInUse(Conflict):
    code = "source_system_in_use"


def checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidSourceSystem("A source system name is 1-64 letters, digits, '.', '_' or '-'.")
    return name
