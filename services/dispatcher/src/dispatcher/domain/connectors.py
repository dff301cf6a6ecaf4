"""The connector registry's rules as errors (integration-security 4.5, 4.7.2): stable codes, v1.7's texts."""

from __future__ import annotations

from dataclasses import dataclass

from canonical.errors import Conflict, DomainError, NotFound


@dataclass(frozen=True)
class References:
    """What still names a connector; any of it keeps the connector registered."""

    consumer_groups: int
    webhook_subscriptions: int

    def __bool__(self) -> bool:
        return bool(self.consumer_groups or self.webhook_subscriptions)


class DuplicateConnector(Conflict):
    code = "duplicate_connector_id"

    def __init__(self, connector_id: str) -> None:
        super().__init__(f"Connector {connector_id} is registered already.", legacy_error="duplicate_connector_id")


class ConnectorNotFound(NotFound):
    code = "connector_not_found"

    def __init__(self, connector_id: str) -> None:
        super().__init__(f"Connector {connector_id} is not registered.", legacy_error="connector_not_found")


class ConnectorInUse(Conflict):
    code = "connector_in_use"

    def __init__(self, references: References) -> None:
        super().__init__(
            "Consumer groups or webhook subscriptions still name this connector; delete or move them first.",
            legacy_error="connector_in_use",
            consumer_groups=references.consumer_groups,
            webhook_subscriptions=references.webhook_subscriptions,
        )


class UnknownConnector(DomainError):
    """A consumer group or webhook subscription names an unregistered connector (400).

    v1.7 spells it `unknown_connector_id` for consumer groups and
    `connector_not_found` for webhook subscriptions; each keeps its code.
    """

    code = "unknown_connector_id"

    def __init__(self, connector_id: str, *, code: str = "unknown_connector_id") -> None:
        super().__init__(
            f"Connector {connector_id} is not registered; register it first.",
            legacy_error=code,
            connector_id=connector_id,
        )
        self.code = code  # type: ignore[misc]  # one rule, two v1.7 spellings
