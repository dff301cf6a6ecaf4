"""Kafka clients configured the way every service needs them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

log = logging.getLogger(__name__)


def create_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    # Idempotent producer with acks=all: a retried send is written once, and
    # per-partition order (one partition per aggregate key) survives retries.
    # No linger: the relay queues a whole outbox batch before it yields, so the batch goes out as one request
    # anyway, and waiting only delayed every event (a synchronous inbound POST crosses two relays).
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=0,
        request_timeout_ms=15_000,
    )


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication_factor: int
) -> None:
    """Create missing topics; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="sentry-topic-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(topics) - existing)
        if not missing:
            return
        response = await admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor) for name in missing]
        )
        for topic, error_code, *rest in response.topic_errors:
            # Another replica may have created the topic since we listed them.
            if error_code not in (0, TopicAlreadyExistsError.errno):
                raise for_code(error_code)(f"cannot create topic {topic}: {rest[0] if rest else ''}")
        log.info("created topics %s", ", ".join(missing))
    finally:
        await admin.close()


async def delete_topics_with_prefix(bootstrap_servers: str, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix` (test sessions clean up after themselves)."""
    if not prefix:
        raise ValueError("refusing to delete every topic: give a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="sentry-topic-admin")
    await admin.start()
    try:
        doomed = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
        for start in range(0, len(doomed), 100):
            await admin.delete_topics(doomed[start : start + 100])
        return doomed
    finally:
        await admin.close()
