"""PostgreSQL, Kafka and HTTP adapters."""
