"""Subscription commands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.subscription_store import insert_subscription
from dispatcher.domain.signing import WebhookSecret
from dispatcher.domain.subscriptions import SubscriptionFilter, UnknownEventTypes

CURRENT_SECRET_GENERATION = 1


@dataclass(frozen=True)
class CreateSubscription:
    display_name: str
    delivery_url: str
    subscription_filter: SubscriptionFilter


async def handle_create_subscription(
    command: CreateSubscription,
    *,
    pool: asyncpg.Pool,
    guard: DestinationGuard,
    secret_box: SecretBox,
    known_event_types: Iterable[str],
) -> dict[str, Any]:
    """Vet the URL and filter, store the subscription with a fresh secret; the plaintext is returned only here."""
    # Advisory at creation (DNS can change later; every send is checked again), but it
    # tells the admin about a private or mistyped host while they are still looking.
    await guard.pin(command.delivery_url)
    unknown = command.subscription_filter.unknown_types(known_event_types)
    if unknown:
        raise UnknownEventTypes(unknown)
    secret = WebhookSecret.generate()
    async with pool.acquire() as connection, connection.transaction():
        subscription = await insert_subscription(
            connection,
            display_name=command.display_name,
            delivery_url=command.delivery_url,
            subscription_filter=command.subscription_filter.to_document(),
            secret_ciphertext=secret_box.seal(secret),
        )
    return {**subscription, "secret": secret.reveal(), "secret_generation": CURRENT_SECRET_GENERATION}
