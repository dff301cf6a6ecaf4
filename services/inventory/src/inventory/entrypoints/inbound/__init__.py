"""The Kafka worker that applies the inbound service's canonical records."""
