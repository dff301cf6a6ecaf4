"""Event store, transactional outbox, relay to Kafka and idempotent consumers."""
